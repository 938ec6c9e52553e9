// The install layout: headers under include/tern, libtern_core.so under lib,
// plugins under lib/tern/plugins, the CLI under bin; the installed `tern`
// finds the installed plugins with no settings. And the CLI's refusal and
// selection output, end to end.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>

#include "tern/cpu.h"
#include "testing/process.h"

namespace tern {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;
using ::testing::Not;

TEST(InstallTest, InstalledTernFindsItsPlugins) {
  testing::TempDir prefix;
  auto inst = testing::RunCommand("cmake --install " + std::string(TERN_BINARY_DIR) + " --prefix " +
                                  prefix.path().string());
  ASSERT_EQ(inst.exit_code, 0) << inst.output;
  EXPECT_TRUE(fs::exists(prefix / "include/tern/buffer.h"));
  EXPECT_TRUE(fs::exists(prefix / "include/tern/plugin.h"));
  EXPECT_TRUE(fs::exists(prefix / "bin/tern"));
  std::string libdir;
  for (const char* d : {"lib", "lib64", "lib/x86_64-linux-gnu"}) {
    if (fs::exists(prefix / (std::string(d) + "/libtern_core.so"))) libdir = d;
  }
  ASSERT_FALSE(libdir.empty()) << "libtern_core.so not installed";
  EXPECT_TRUE(fs::exists(prefix / (libdir + "/cmake/Tern/TernConfig.cmake")));
  EXPECT_TRUE(fs::exists(prefix / (libdir + "/cmake/Tern/TernGenerate.cmake")));
  EXPECT_TRUE(fs::exists(prefix / "share/tern/conformance.thrift"));
  EXPECT_TRUE(fs::exists(prefix / "include/tern/testing/codec_conformance.h"));
  const std::string plugin_dir = prefix / (libdir + "/tern/plugins");
  ASSERT_TRUE(fs::exists(plugin_dir + "/libtern_simd_avx2.so"));
  ASSERT_TRUE(fs::exists(plugin_dir + "/libtern_simd_avx512.so"));
  // No test plugin leaks into the install.
  EXPECT_FALSE(fs::exists(plugin_dir + "/libtern_test_good.so"));

  auto run = testing::RunCommand("env -u TERN_PLUGIN_PATH -u TERN_CPU_DISABLE " +
                                 (prefix / "bin/tern") + " plugins");
  ASSERT_EQ(run.exit_code, 0) << run.output;
  EXPECT_THAT(run.output, HasSubstr(plugin_dir));
  EXPECT_THAT(run.output, HasSubstr("libtern_simd_avx2.so"));
  EXPECT_THAT(run.output, HasSubstr("libtern_simd_avx512.so"));
  EXPECT_THAT(run.output, Not(HasSubstr(TERN_BINARY_DIR)))
      << "must not fall back to the build tree";
}

TEST(TernPluginsCliTest, ShowsSelectionAndHonoursTheCpuMask) {
  const std::string cli = TERN_CLI;
  auto all = testing::RunCommand("env -u TERN_PLUGIN_PATH -u TERN_CPU_DISABLE " + cli + " plugins");
  ASSERT_EQ(all.exit_code, 0) << all.output;
  EXPECT_THAT(all.output, HasSubstr("CPU features:"));
  EXPECT_THAT(all.output, HasSubstr("Plugin directories searched:"));
  if (CpuFeatures::Host().Has(kCpuAvx2)) {
    auto masked =
        testing::RunCommand("env -u TERN_PLUGIN_PATH TERN_CPU_DISABLE=avx512f " + cli + " plugins");
    ASSERT_EQ(masked.exit_code, 0) << masked.output;
    EXPECT_THAT(masked.output, HasSubstr("REFUSED"));
    EXPECT_THAT(masked.output, HasSubstr("that this machine lacks"));
    EXPECT_THAT(masked.output, ::testing::ContainsRegex("encoder +avx2 "));
  }
  auto scalar =
      testing::RunCommand("env -u TERN_PLUGIN_PATH TERN_CPU_DISABLE=avx " + cli + " plugins");
  ASSERT_EQ(scalar.exit_code, 0) << scalar.output;
  EXPECT_THAT(scalar.output, ::testing::ContainsRegex("encoder +scalar "));
}

TEST(TernPluginsCliTest, BadConfigIsAnErrorNamingTheKey) {
  testing::TempDir dir;
  const std::string cli = TERN_CLI;
  auto r = testing::RunCommand(cli + " plugins -- --simd.bogus=1");
  EXPECT_NE(r.exit_code, 0);
  EXPECT_THAT(r.output, HasSubstr("simd.bogus"));
  auto missing = testing::RunCommand(cli + " plugins -- --plugins.dir=" + (dir / "nope"));
  EXPECT_NE(missing.exit_code, 0);
  EXPECT_THAT(missing.output, HasSubstr("does not exist"));
}

}  // namespace
}  // namespace tern
