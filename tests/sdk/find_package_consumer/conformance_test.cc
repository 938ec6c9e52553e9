// The SDK's codec conformance suite, built out of tree from the installed
// conformance.thrift (TERN_CONFORMANCE_IDL) and tern/testing/codec_conformance.h,
// run on the installed thrift_fast plugin exactly as a Runtime loads it — the
// same steps a codec plugin author follows (sdk/README.md).
#include "tern/testing/codec_conformance.h"

#include "tern/rpc/runtime.h"

namespace {

std::unique_ptr<tern::Codec> MakeInstalled(std::string_view framing) {
  // Plugins stay loaded for the life of the process, so the codec may
  // outlive this Runtime.
  static auto rt = tern::rpc::Runtime::FromText("");
  if (!rt.ok()) {
    ADD_FAILURE() << rt.status();
    return nullptr;
  }
  auto codec = (*rt)->NewCodec("thrift_fast", framing);
  if (!codec.ok()) {
    ADD_FAILURE() << codec.status();
    return nullptr;
  }
  return std::move(*codec);
}

struct InstalledThriftFastFramed {
  static std::unique_ptr<tern::Codec> Make() { return MakeInstalled("framed"); }
  static constexpr bool kBinaryBody = true;
};

struct InstalledThriftFastBuffered {
  static std::unique_ptr<tern::Codec> Make() { return MakeInstalled("buffered"); }
  static constexpr bool kBinaryBody = true;
};

}  // namespace

namespace tern::testing {

using InstalledCodecs = ::testing::Types<InstalledThriftFastFramed, InstalledThriftFastBuffered>;
INSTANTIATE_TYPED_TEST_SUITE_P(Installed, CodecConformanceTest, InstalledCodecs);
INSTANTIATE_TEST_SUITE_P(Schema, TypeInfoConformanceTest, ::testing::ValuesIn(ConformanceTypes()),
                         TypeInfoName);

}  // namespace tern::testing
