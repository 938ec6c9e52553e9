// The built libtern_thrift_fast.so through the real plugin host: it is
// accepted, declares its config key, exports only the entry alias, and the
// codec its factory makes works.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "core/plugin/plugin_host.h"
#include "tern/codec.h"
#include "testing/process.h"
#include "unit/thrift_fast/test_util.h"

namespace tern::thrift_fast {
namespace {

using ::testing::HasSubstr;

TEST(ThriftFastPluginTest, HostAcceptsItAsTheThriftFastCodec) {
  PluginHost host;
  const PluginRecord& r = host.Inspect(TERN_THRIFT_FAST_PLUGIN);
  ASSERT_TRUE(r.loaded) << r.refusal;
  EXPECT_EQ(r.name, "thrift_fast");
  EXPECT_EQ(r.kind, PluginKind::kCodec);
  EXPECT_EQ(r.required_cpu, 0u);
  ASSERT_EQ(r.info->num_config_keys, 1u);
  EXPECT_STREQ(r.info->config_keys[0].name, "framing");
  EXPECT_STREQ(r.info->config_keys[0].default_value, "framed");
  EXPECT_EQ(r.info->create_codec != nullptr, true);
  EXPECT_EQ(r.info->create_transport, nullptr);
}

TEST(ThriftFastPluginTest, FactoryMakesAWorkingCodecForEachFraming) {
  PluginHost host;
  ASSERT_TRUE(host.Inspect(TERN_THRIFT_FAST_PLUGIN).loaded);
  for (const char* framing : {"framed", "buffered"}) {
    SCOPED_TRACE(framing);
    std::unique_ptr<Codec> codec;
    ASSERT_TRUE(
        host.CreateCodec("thrift_fast", ConfigView("thrift_fast", {{"framing", framing}}), &codec)
            .ok());
    AppException ex;
    ex.type = AppException::kUnknownMethod;
    ex.message = "unknown";
    LinkBuffer buf;
    ASSERT_TRUE(codec->EncodeException({"m", MessageType::kCall, 1}, ex, buf).ok());
    buf.Flush();
    FrameState state;
    const FrameResult r = codec->Frame(buf, state, DefaultLimits());
    ASSERT_EQ(r.what, FrameResult::kFrame) << r.error;
    const size_t header = std::string(framing) == "framed" ? 4 : 0;
    EXPECT_EQ(r.size, header + 4 + 4 + 1 + 4 + 3 + 4 + 7 + 3 + 4 + 1);
  }
  std::unique_ptr<Codec> codec;
  const Status st =
      host.CreateCodec("thrift_fast", ConfigView("thrift_fast", {{"framing", "zlib"}}), &codec);
  EXPECT_FALSE(st.ok());
  EXPECT_THAT(std::string(st.message()), HasSubstr("framing"));
}

TEST(ThriftFastPluginTest, ExportsOnlyTheEntryAlias) {
  const std::string nm = TERN_NM;
  if (nm.empty() || !std::filesystem::exists(nm)) GTEST_SKIP() << "nm not found";
  auto r = tern::testing::RunCommand(nm + " -D --defined-only " + TERN_THRIFT_FAST_PLUGIN);
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
}  // namespace tern::thrift_fast
