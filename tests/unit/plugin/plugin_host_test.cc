#include "core/plugin/plugin_host.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "testing/process.h"

namespace tern {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;

std::string TestPlugin(const std::string& name) {
  return std::string(TERN_TEST_PLUGIN_DIR) + "/libtern_test_" + name + ".so";
}

const PluginRecord* FindRecord(const PluginHost& host, const std::string& path) {
  for (const auto& r : host.plugins()) {
    if (r.path == path) return &r;
  }
  return nullptr;
}

TEST(PluginHostTest, ScalarEncoderIsBuiltInAtPriorityZero) {
  PluginHost host;
  ASSERT_FALSE(host.plugins().empty());
  const PluginRecord& r = host.plugins().front();
  EXPECT_EQ(r.name, "scalar");
  EXPECT_EQ(r.kind, PluginKind::kEncoder);
  EXPECT_EQ(r.priority, 0);
  EXPECT_TRUE(r.loaded);
  auto sel = host.SelectEncoder("auto");
  ASSERT_TRUE(sel.ok());
  EXPECT_EQ((*sel)->name, "scalar");
}

TEST(PluginHostTest, AcceptsAGoodPlugin) {
  PluginHost host;
  const PluginRecord& r = host.Inspect(TestPlugin("good"));
  EXPECT_TRUE(r.loaded) << r.refusal;
  EXPECT_EQ(r.name, "test_good");
  EXPECT_EQ(r.version, "9.9.9");
  EXPECT_EQ(r.priority, 5);
  auto found = host.Find(PluginKind::kEncoder, "test_good");
  ASSERT_TRUE(found.ok()) << found.status();
  auto sel = host.SelectEncoder("auto");
  ASSERT_TRUE(sel.ok());
  EXPECT_EQ((*sel)->name, "test_good") << "priority 5 beats the scalar encoder's 0";
}

TEST(PluginHostTest, RefusesWrongAbiVersion) {
  PluginHost host;
  const PluginRecord& r = host.Inspect(TestPlugin("wrong_abi"));
  EXPECT_FALSE(r.loaded);
  // The test plugin declares kPluginAbiVersion + 41.
  EXPECT_THAT(r.refusal, HasSubstr("ABI version " + std::to_string(kPluginAbiVersion + 41) +
                                   ", this host needs " + std::to_string(kPluginAbiVersion)));
}

TEST(PluginHostTest, RefusesWrongBuildFingerprint) {
  PluginHost host;
  const PluginRecord& r = host.Inspect(TestPlugin("wrong_fingerprint"));
  EXPECT_FALSE(r.loaded);
  EXPECT_THAT(r.refusal, HasSubstr("build fingerprint"));
}

TEST(PluginHostTest, RefusesAnUnknownCpuFeature) {
  PluginHost host;
  const PluginRecord& r = host.Inspect(TestPlugin("unknown_cpu"));
  EXPECT_FALSE(r.loaded);
  EXPECT_THAT(r.refusal, HasSubstr("CPU features this host cannot check"));
}

TEST(PluginHostTest, RefusesAPluginNeedingFeaturesTheCpuLacks) {
  // A CPU with everything but AVX-512.
  PluginHost host(
      CpuFeatures(CpuFeatures::Host().bits() & ~CpuFeatures::DisableClosure(kCpuAvx512F)));
  const PluginRecord& r = host.Inspect(TestPlugin("needs_avx512"));
  EXPECT_FALSE(r.loaded);
  EXPECT_THAT(r.refusal, HasSubstr("avx512f avx512bw that this machine lacks"));
  auto found = host.Find(PluginKind::kEncoder, "test_needs_avx512");
  ASSERT_FALSE(found.ok());
  EXPECT_EQ(found.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_THAT(std::string(found.status().message()), HasSubstr("was refused"));
  EXPECT_THAT(std::string(found.status().message()), HasSubstr("lacks"));
}

TEST(PluginHostTest, RefusesANonPluginSharedObjectWithoutLoadingIt) {
  PluginHost host;
  // Loading it would run a static initialiser that aborts.
  const PluginRecord& r = host.Inspect(std::string(TERN_TEST_PLUGIN_DIR) + "/libnot_a_plugin.so");
  EXPECT_FALSE(r.loaded);
  EXPECT_THAT(r.refusal, HasSubstr("not a Tern plugin"));
}

TEST(PluginHostTest, RefusesTruncatedAndTextFiles) {
  testing::TempDir dir;
  // A good plugin cut short: the section table lies past the end.
  {
    std::ifstream in(TestPlugin("good"), std::ios::binary);
    std::string bytes((std::istreambuf_iterator<char>(in)), {});
    ASSERT_GT(bytes.size(), 4096u);
    std::ofstream(dir / "libtern_truncated.so", std::ios::binary).write(bytes.data(), 4096);
    std::ofstream(dir / "libtern_tiny.so", std::ios::binary).write(bytes.data(), 20);
  }
  std::ofstream(dir / "libtern_text.so") << "this is not a shared object\n";
  std::ofstream(dir / "libtern_empty.so");
  PluginHost host;
  ASSERT_TRUE(host.Scan({dir.path().string()}, 1).ok());
  auto reason = [&](const std::string& name) {
    const PluginRecord* r = FindRecord(host, dir / name);
    return r == nullptr ? std::string("<not scanned>") : r->refusal;
  };
  EXPECT_THAT(reason("libtern_truncated.so"), HasSubstr("truncated: section table past end"));
  EXPECT_THAT(reason("libtern_tiny.so"), HasSubstr("truncated"));
  EXPECT_THAT(reason("libtern_text.so"), HasSubstr("not an ELF file"));
  EXPECT_THAT(reason("libtern_empty.so"), HasSubstr("not an ELF file"));
}

TEST(PluginHostTest, MissingExplicitDirectoryIsAClearError) {
  PluginHost host;
  Status st = host.Scan({"/nonexistent/tern/plugins"}, 1);
  EXPECT_EQ(st.code(), StatusCode::kNotFound);
  EXPECT_THAT(std::string(st.message()), HasSubstr("/nonexistent/tern/plugins"));
  // A missing default directory is not an error: core works without plugins.
  PluginHost host2;
  EXPECT_TRUE(host2.Scan({"/nonexistent/default"}, 0).ok());
}

TEST(PluginHostTest, UnknownPluginSaysWhereItLooked) {
  PluginHost host;
  ASSERT_TRUE(host.Scan({TERN_TEST_PLUGIN_DIR}, 1).ok());
  auto r = host.Find(PluginKind::kCodec, "no_such_codec");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kNotFound);
  EXPECT_THAT(std::string(r.status().message()), HasSubstr(TERN_TEST_PLUGIN_DIR));
}

TEST(PluginHostTest, FirstDirectoryWinsAndTheOtherIsShadowed) {
  testing::TempDir dir;
  fs::copy_file(TestPlugin("good"), dir / "libtern_test_good.so");
  PluginHost host;
  ASSERT_TRUE(host.Scan({dir.path().string(), TERN_TEST_PLUGIN_DIR}, 2).ok());
  auto r = host.Find(PluginKind::kEncoder, "test_good");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ((*r)->path, dir / "libtern_test_good.so");
  const PluginRecord* shadowed = FindRecord(host, TestPlugin("good"));
  ASSERT_NE(shadowed, nullptr);
  EXPECT_THAT(shadowed->refusal, HasSubstr("shadowed by"));
}

TEST(PluginHostTest, ADirectoryNamedTwiceIsScannedOnce) {
  testing::TempDir dir;
  fs::copy_file(TestPlugin("good"), dir / "libtern_test_good.so");
  fs::create_directory_symlink(dir.path(), dir / "again");
  PluginHost host;
  const std::string d = dir.path().string();
  ASSERT_TRUE(host.Scan({d, d + "/", fs::path(dir / "again").string()}, 3).ok());
  // One inspection of the file, none refused as shadowed by itself.
  for (const PluginRecord& r : host.plugins()) EXPECT_TRUE(r.loaded) << r.path << ": " << r.refusal;
  EXPECT_TRUE(host.Find(PluginKind::kEncoder, "test_good").ok());
  PluginHost once;
  ASSERT_TRUE(once.Scan({d}, 1).ok());
  EXPECT_EQ(host.plugins().size(), once.plugins().size());
}

TEST(PluginHostTest, OnlyTheEntryAliasIsExported) {
  const std::string nm = TERN_NM;
  if (nm.empty() || !fs::exists(nm)) GTEST_SKIP() << "nm not found";
  std::vector<std::string> plugins = {TestPlugin("good")};
  for (const auto& entry : fs::directory_iterator(TERN_BUILD_PLUGIN_DIR)) {
    if (entry.path().extension() == ".so") plugins.push_back(entry.path().string());
  }
  for (const auto& p : plugins) {
    auto r = testing::RunCommand(nm + " -D --defined-only " + p);
    ASSERT_EQ(r.exit_code, 0) << r.output;
    std::istringstream lines(r.output);
    std::string line;
    std::vector<std::string> symbols;
    while (std::getline(lines, line)) {
      const std::string sym = line.substr(line.rfind(' ') + 1);
      // Linker-defined markers are not code.
      if (sym == "_init" || sym == "_fini" || sym == "_edata" || sym == "_end" ||
          sym == "__bss_start") {
        continue;
      }
      symbols.push_back(sym);
    }
    EXPECT_EQ(symbols, std::vector<std::string>{TERN_PLUGIN_SYMBOL}) << p << ":\n" << r.output;
  }
}

// Selection with the real encoder plugins of this build.
class EncoderSelectionTest : public ::testing::Test {
 protected:
  static std::string Select(uint64_t cpu_bits) {
    PluginHost host{CpuFeatures(cpu_bits)};
    Status st = host.Scan({TERN_BUILD_PLUGIN_DIR}, 1);
    EXPECT_TRUE(st.ok()) << st;
    auto r = host.SelectEncoder("auto");
    EXPECT_TRUE(r.ok()) << r.status();
    return r.ok() ? (*r)->name : "";
  }
  static bool Built(const char* name) {
    return fs::exists(std::string(TERN_BUILD_PLUGIN_DIR) + "/libtern_" + name + ".so");
  }
};

TEST_F(EncoderSelectionTest, AutoPicksTheBestTheCpuAllows) {
  if (!Built("simd_avx2") || !Built("simd_avx512")) GTEST_SKIP() << "SIMD plugins not built";
  const CpuFeatures& cpu = CpuFeatures::Host();
  const std::string expect = cpu.Has(kCpuAvx512F | kCpuAvx512BW) ? "avx512"
                             : cpu.Has(kCpuAvx2)                 ? "avx2"
                                                                 : "scalar";
  EXPECT_EQ(Select(cpu.bits()), expect);
}

TEST_F(EncoderSelectionTest, Avx2WhenAvx512IsMasked) {
  if (!Built("simd_avx2") || !Built("simd_avx512")) GTEST_SKIP() << "SIMD plugins not built";
  if (!CpuFeatures::Host().Has(kCpuAvx2)) GTEST_SKIP() << "this CPU has no AVX2";
  EXPECT_EQ(Select(CpuFeatures::Host().bits() & ~CpuFeatures::DisableClosure(kCpuAvx512F)), "avx2");
}

TEST_F(EncoderSelectionTest, ScalarWhenBothAreMasked) {
  if (!Built("simd_avx2") || !Built("simd_avx512")) GTEST_SKIP() << "SIMD plugins not built";
  EXPECT_EQ(Select(CpuFeatures::Host().bits() & ~CpuFeatures::DisableClosure(kCpuAvx2)), "scalar");
}

TEST_F(EncoderSelectionTest, NamedEncoderIsInstalled) {
  PluginHost host;
  ASSERT_TRUE(host.Scan({TERN_BUILD_PLUGIN_DIR}, 1).ok());
  auto r = host.InstallEncoder("scalar");
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_STREQ(Kernels().name, "scalar");
  if (Built("simd_avx2") && CpuFeatures::Host().Has(kCpuAvx2)) {
    ASSERT_TRUE(host.InstallEncoder("avx2").ok());
    EXPECT_STREQ(Kernels().name, "avx2");
  }
  InstallKernels(&ScalarKernels());
  auto bad = host.InstallEncoder("avx9000");
  EXPECT_EQ(bad.status().code(), StatusCode::kNotFound);
}

}  // namespace
}  // namespace tern
