#include "core/config/config.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <fstream>

#include "testing/process.h"

namespace tern {
namespace {

using ::testing::HasSubstr;

std::string Msg(const Status& s) { return std::string(s.message()); }

TEST(ConfigTest, ReadsSectionsKeysAndDefaults) {
  auto c = Config::Parse(
      "# comment\n[server]\naddress = 127.0.0.1:0   # inline comment\nworkers = 4\n"
      "[simd]\nencoder = avx2\n",
      {});
  ASSERT_TRUE(c.ok()) << c.status();
  ASSERT_TRUE(c->Validate(Config::CoreSchema()).ok());
  EXPECT_EQ(*c->GetString("server", "address"), "127.0.0.1:0");
  EXPECT_EQ(*c->GetInt("server", "workers"), 4);
  EXPECT_EQ(*c->GetString("simd", "encoder"), "avx2");
  EXPECT_EQ(*c->GetString("server", "codec"), "thrift_fast") << "default from the schema";
  EXPECT_EQ(*c->GetInt("codec", "max_frame"), 16 << 20) << "size suffixes parse";
}

TEST(ConfigTest, CommandLineOverridesTheFile) {
  auto c = Config::Parse("[server]\nworkers = 4\n", {"--server.workers=8", "simd.encoder=scalar"});
  ASSERT_TRUE(c.ok()) << c.status();
  EXPECT_EQ(*c->GetInt("server", "workers"), 8);
  EXPECT_EQ(*c->GetString("simd", "encoder"), "scalar");
}

TEST(ConfigTest, UnknownKeyIsAnErrorNamingIt) {
  auto c = Config::Parse("[server]\nbogus = 1\n", {});
  ASSERT_TRUE(c.ok());
  Status st = c->Validate(Config::CoreSchema());
  EXPECT_EQ(st.code(), StatusCode::kInvalidArgument);
  EXPECT_THAT(Msg(st), HasSubstr("unknown key server.bogus"));
}

TEST(ConfigTest, UnknownSectionIsAnErrorNamingIt) {
  auto c = Config::Parse("[nosuch]\nkey = 1\n", {});
  ASSERT_TRUE(c.ok());
  EXPECT_THAT(Msg(c->Validate(Config::CoreSchema())), HasSubstr("unknown section [nosuch]"));
}

TEST(ConfigTest, BadValuesAreErrorsNamingTheKey) {
  struct Case {
    const char* text;
    const char* expect;
  } cases[] = {
      {"[server]\nworkers = many\n", "server.workers: not an integer: 'many'"},
      {"[server]\nworkers = -1\n", "server.workers: must not be negative"},
      {"[codec]\nstrict_read = maybe\n", "codec.strict_read: not a boolean"},
      {"[server]\nframing = zipped\n", "server.framing: 'zipped' is not one of framed|buffered"},
      {"[codec]\nmax_frame = 99999999999999999999\n", "codec.max_frame: integer out of range"},
  };
  for (const auto& tc : cases) {
    auto c = Config::Parse(tc.text, {});
    ASSERT_TRUE(c.ok()) << tc.text;
    EXPECT_THAT(Msg(c->Validate(Config::CoreSchema())), HasSubstr(tc.expect)) << tc.text;
  }
}

TEST(ConfigTest, DuplicateKeysAndMalformedLinesAreErrors) {
  auto dup = Config::Parse("[server]\nworkers = 1\nworkers = 2\n", {});
  ASSERT_FALSE(dup.ok());
  EXPECT_THAT(Msg(dup.status()), HasSubstr("server.workers is given more than once"));
  auto bad = Config::Parse("[server\nworkers = 1\n", {});
  EXPECT_FALSE(bad.ok());
  auto nosection = Config::Parse("workers = 1\n", {});
  ASSERT_FALSE(nosection.ok());
  EXPECT_THAT(Msg(nosection.status()), HasSubstr("outside any [section]"));
  auto badover = Config::Parse("", {"--workers"});
  EXPECT_FALSE(badover.ok());
}

TEST(ConfigTest, PluginSectionsAreCheckedAgainstTheirDeclaredKeys) {
  static const PluginConfigKey kKeys[] = {
      {"pollers", ConfigType::kInt, "1", "poller threads"},
      {"adaptive_wait", ConfigType::kBool, "true", "poll again before blocking"},
  };
  PluginInfo info{};
  info.name = "netpoll";
  info.config_keys = kKeys;
  info.num_config_keys = 2;
  std::vector<ConfigKeySpec> schema = Config::CoreSchema();
  auto plugin = Config::PluginSchema(info);
  schema.insert(schema.end(), plugin.begin(), plugin.end());

  auto ok = Config::Parse("[netpoll]\npollers = 2\n", {});
  ASSERT_TRUE(ok.ok());
  ASSERT_TRUE(ok->Validate(schema).ok());
  ConfigView view = ok->Section("netpoll", schema);
  EXPECT_EQ(*view.GetInt("pollers", 0), 2);
  EXPECT_EQ(*view.GetBool("adaptive_wait", false), true) << "default filled in";

  auto bad = Config::Parse("[netpoll]\npolers = 2\n", {});
  ASSERT_TRUE(bad.ok());
  EXPECT_THAT(Msg(bad->Validate(schema)), HasSubstr("unknown key netpoll.polers"));
  auto badval = Config::Parse("[netpoll]\nadaptive_wait = sometimes\n", {});
  ASSERT_TRUE(badval.ok());
  EXPECT_THAT(Msg(badval->Validate(schema)), HasSubstr("netpoll.adaptive_wait"));
}

TEST(ConfigTest, LoadsAFileAndReportsAMissingOne) {
  testing::TempDir dir;
  std::ofstream(dir / "t.ini") << "[client]\ntimeout_ms = 250\n";
  auto c = Config::Load(dir / "t.ini", {});
  ASSERT_TRUE(c.ok()) << c.status();
  EXPECT_EQ(*c->GetInt("client", "timeout_ms"), 250);
  auto missing = Config::Load(dir / "missing.ini", {});
  ASSERT_FALSE(missing.ok());
  EXPECT_THAT(Msg(missing.status()), HasSubstr("missing.ini"));
}

TEST(ConfigViewTest, TypedGettersNameTheKeyOnError) {
  ConfigView v("netpoll", {{"pollers", "x"}});
  auto r = v.GetInt("pollers", 1);
  ASSERT_FALSE(r.ok());
  EXPECT_THAT(Msg(r.status()), HasSubstr("netpoll.pollers"));
  EXPECT_EQ(*v.GetInt("absent", 7), 7);
}

}  // namespace
}  // namespace tern
