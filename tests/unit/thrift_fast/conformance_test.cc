// The SDK's codec conformance suite (tern/testing/codec_conformance.h) on
// thrift_fast, framed and buffered: every conformance struct round-trips
// through framing, envelope and body, with bodies byte-identical to the
// generated FastWrite, and bad input fails cleanly.
#include "tern/testing/codec_conformance.h"

#include "plugins/thrift_fast/binary_codec.h"

namespace tern::testing {
namespace {

struct ThriftFastFramed {
  static std::unique_ptr<Codec> Make() {
    return std::make_unique<thrift_fast::BinaryCodec>(thrift_fast::Framing::kFramed);
  }
  static constexpr bool kBinaryBody = true;
};

struct ThriftFastBuffered {
  static std::unique_ptr<Codec> Make() {
    return std::make_unique<thrift_fast::BinaryCodec>(thrift_fast::Framing::kBuffered);
  }
  static constexpr bool kBinaryBody = true;
};

using Codecs = ::testing::Types<ThriftFastFramed, ThriftFastBuffered>;
INSTANTIATE_TYPED_TEST_SUITE_P(ThriftFast, CodecConformanceTest, Codecs);

}  // namespace
}  // namespace tern::testing
