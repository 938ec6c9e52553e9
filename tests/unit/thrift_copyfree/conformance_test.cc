// The SDK's codec conformance suite (tern/testing/codec_conformance.h) on
// thrift_copyfree, framed and buffered: the struct path it inherits from
// thrift_fast round-trips every conformance struct, with bodies
// byte-identical to the generated FastWrite, and bad input fails cleanly.
#include "tern/testing/codec_conformance.h"

#include "plugins/thrift_copyfree/copyfree_codec.h"

namespace tern::testing {
namespace {

struct CopyFreeFramed {
  static std::unique_ptr<Codec> Make() {
    return std::make_unique<thrift_copyfree::CopyFreeCodec>(thrift_copyfree::Framing::kFramed);
  }
  static constexpr bool kBinaryBody = true;
};

struct CopyFreeBuffered {
  static std::unique_ptr<Codec> Make() {
    return std::make_unique<thrift_copyfree::CopyFreeCodec>(thrift_copyfree::Framing::kBuffered);
  }
  static constexpr bool kBinaryBody = true;
};

using Codecs = ::testing::Types<CopyFreeFramed, CopyFreeBuffered>;
INSTANTIATE_TYPED_TEST_SUITE_P(ThriftCopyFree, CodecConformanceTest, Codecs);

}  // namespace
}  // namespace tern::testing
