// The built libtern_thrift_copyfree.so through the real plugin host: it is
// accepted as a codec that decodes views (in its PluginInfo and from the
// codec itself), declares thrift_fast's `framing` key, exports only the
// entry alias, and the codec its factory makes frames, decodes structs and
// hands out views across the .so boundary.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "conformance_types.h"
#include "core/plugin/plugin_host.h"
#include "tern/buffer.h"
#include "tern/codec.h"
#include "tern/plugin.h"
#include "testing/process.h"
#include "unit/thrift_copyfree/test_util.h"

namespace tern::thrift_copyfree {
namespace {

namespace c = ::tern::conformance;
using testing::DecodeViewOf;
using ::testing::HasSubstr;

TEST(ThriftCopyFreePluginTest, HostAcceptsItAsACodecThatDecodesViews) {
  PluginHost host;
  const PluginRecord& r = host.Inspect(TERN_THRIFT_COPYFREE_PLUGIN);
  ASSERT_TRUE(r.loaded) << r.refusal;
  EXPECT_EQ(r.name, "thrift_copyfree");
  EXPECT_EQ(r.kind, PluginKind::kCodec);
  EXPECT_EQ(r.required_cpu, 0u);
  EXPECT_EQ(r.info->abi_version, kPluginAbiVersion);
  EXPECT_EQ(r.info->capabilities, uint64_t{kCapDecodesViews});
  ASSERT_EQ(r.info->num_config_keys, 1u);
  EXPECT_STREQ(r.info->config_keys[0].name, "framing");
  EXPECT_STREQ(r.info->config_keys[0].default_value, "framed");
  EXPECT_NE(r.info->create_codec, nullptr);
  EXPECT_EQ(r.info->create_transport, nullptr);
  EXPECT_EQ(r.info->encoder_kernels, nullptr);
}

TEST(ThriftCopyFreePluginTest, FactoryMakesACodecThatDecodesStructsAndViews) {
  PluginHost host;
  ASSERT_TRUE(host.Inspect(TERN_THRIFT_COPYFREE_PLUGIN).loaded);
  c::Scalars value;
  value.i64v = -77;
  value.s = "across the .so";
  for (const char* framing : {"framed", "buffered"}) {
    SCOPED_TRACE(framing);
    std::unique_ptr<Codec> codec;
    ASSERT_TRUE(host.CreateCodec("thrift_copyfree",
                                 ConfigView("thrift_copyfree", {{"framing", framing}}), &codec)
                    .ok());
    EXPECT_EQ(codec->Capabilities() & kCapDecodesViews, uint64_t{kCapDecodesViews});
    LinkBuffer buf;
    ASSERT_TRUE(codec
                    ->Encode({"m", MessageType::kCall, 9},
                             BodyRef{&c::Scalars::kTernTypeInfo, &value, nullptr}, buf)
                    .ok());
    buf.Flush();
    FrameState state;
    const FrameResult fr = codec->Frame(buf, state, DefaultLimits());
    ASSERT_EQ(fr.what, FrameResult::kFrame) << fr.error;
    auto slice = buf.ReadSlice(fr.size);
    ASSERT_TRUE(slice.ok()) << slice.status();
    FrameView frame{slice->data(), slice->size(), 0, *slice};
    auto h = codec->DecodeHeader(frame, DefaultLimits());
    ASSERT_TRUE(h.ok()) << h.status();
    EXPECT_EQ(h->seqid, 9);
    FrameView for_body = frame;
    c::Scalars decoded;
    ReadContext ctx{DefaultLimits()};
    ASSERT_TRUE(codec->DecodeBody(for_body, c::Scalars::kTernTypeInfo, &decoded, ctx).ok());
    EXPECT_EQ(decoded, value);
    view::Bytes bytes;
    c::Scalars::View v;
    const Status st = DecodeViewOf<c::Scalars>(*codec, frame, &bytes, &v);
    ASSERT_TRUE(st.ok()) << st;
    EXPECT_EQ(v.i64v(), -77);
    EXPECT_EQ(v.s().view(), "across the .so");
    EXPECT_EQ(frame.pos, frame.size);
  }
  std::unique_ptr<Codec> codec;
  const Status st = host.CreateCodec("thrift_copyfree",
                                     ConfigView("thrift_copyfree", {{"framing", "zlib"}}), &codec);
  EXPECT_EQ(st.code(), StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(st.message()), HasSubstr("thrift_copyfree.framing"));
}

TEST(ThriftCopyFreePluginTest, ExportsOnlyTheEntryAlias) {
  const std::string nm = TERN_NM;
  if (nm.empty() || !std::filesystem::exists(nm)) GTEST_SKIP() << "nm not found";
  auto r = tern::testing::RunCommand(nm + " -D --defined-only " + TERN_THRIFT_COPYFREE_PLUGIN);
  ASSERT_EQ(r.exit_code, 0) << r.output;
  std::istringstream lines(r.output);
  std::string line;
  std::vector<std::string> symbols;
  while (std::getline(lines, line)) {
    const std::string sym = line.substr(line.rfind(' ') + 1);
    if (sym == "_init" || sym == "_fini" || sym == "_edata" || sym == "_end" ||
        sym == "__bss_start") {
      continue;
    }
    symbols.push_back(sym);
  }
  EXPECT_EQ(symbols, std::vector<std::string>{TERN_PLUGIN_SYMBOL}) << r.output;
}

}  // namespace
}  // namespace tern::thrift_copyfree
