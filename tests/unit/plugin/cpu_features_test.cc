#include "tern/cpu.h"

#include <gtest/gtest.h>

namespace tern {
namespace {

TEST(CpuFeaturesTest, DetectionIsConsistent) {
  CpuFeatures f = CpuFeatures::Detect();
  // Dependants never appear without what they depend on.
  EXPECT_TRUE(!f.Has(kCpuAvx2) || f.Has(kCpuAvx));
  EXPECT_TRUE(!f.Has(kCpuAvx512BW) || f.Has(kCpuAvx512F));
  EXPECT_TRUE(!f.Has(kCpuAvx512F) || f.Has(kCpuAvx2));
  // libgcc's detection also checks OS support (XCR0): it must agree with ours.
  __builtin_cpu_init();
  EXPECT_EQ(f.Has(kCpuAvx2), __builtin_cpu_supports("avx2") != 0);
  EXPECT_EQ(f.Has(kCpuAvx512F), __builtin_cpu_supports("avx512f") != 0);
  EXPECT_EQ(f.Has(kCpuAvx512BW), __builtin_cpu_supports("avx512bw") != 0);
  EXPECT_EQ(f.Has(kCpuSse42), __builtin_cpu_supports("sse4.2") != 0);
}

TEST(CpuFeaturesTest, ParsesNamesAndRejectsUnknownOnes) {
  auto r = CpuFeatures::ParseList("avx2, avx512bw");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(*r, kCpuAvx2 | kCpuAvx512BW);
  auto bad = CpuFeatures::ParseList("avx2,sse9");
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.status().message().find("sse9"), std::string_view::npos);
  EXPECT_EQ(CpuFeatures(kCpuAvx | kCpuAvx2).ToString(), "avx avx2");
}

TEST(CpuFeaturesTest, DisablingAFeatureDisablesItsDependants) {
  const uint64_t d = CpuFeatures::DisableClosure(kCpuAvx2);
  EXPECT_TRUE(d & kCpuAvx512F);
  EXPECT_TRUE(d & kCpuAvx512BW);
  EXPECT_FALSE(d & kCpuAvx);
  EXPECT_TRUE(CpuFeatures::DisableClosure(kCpuAvx) & kCpuAvx2);
}

}  // namespace
}  // namespace tern
