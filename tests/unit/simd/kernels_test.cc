// Every kernel of every ISA against the scalar table: both directions, every
// length 0..1,100 and random lengths up to 4 MB, misaligned sources and
// destinations, guard bytes around the destination untouched.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstring>
#include <random>
#include <string>
#include <vector>

#include "plugins/simd_avx2/kernels_avx2.h"
#include "plugins/simd_avx512/kernels_avx512.h"
#include "tern/cpu.h"
#include "tern/kernels.h"
#include "testing/process.h"

namespace tern {
namespace {

const EncoderKernels kAvx2 = {
    "avx2",
    &simd_avx2::I16ToBe,
    &simd_avx2::BeToI16,
    &simd_avx2::I32ToBe,
    &simd_avx2::BeToI32,
    &simd_avx2::I64ToBe,
    &simd_avx2::BeToI64,
    &simd_avx2::F64ToBe,
    &simd_avx2::BeToF64,
};
const EncoderKernels kAvx512 = {
    "avx512",
    &simd_avx512::I16ToBe,
    &simd_avx512::BeToI16,
    &simd_avx512::I32ToBe,
    &simd_avx512::BeToI32,
    &simd_avx512::I64ToBe,
    &simd_avx512::BeToI64,
    &simd_avx512::F64ToBe,
    &simd_avx512::BeToF64,
};

struct IsaCase {
  const char* name;
  const EncoderKernels* kernels;
  uint64_t needs;
};

class KernelTest : public ::testing::TestWithParam<IsaCase> {
 protected:
  void SetUp() override {
    if (!CpuFeatures::Host().Has(GetParam().needs)) {
      GTEST_SKIP() << "this CPU lacks "
                   << CpuFeatures(GetParam().needs & ~CpuFeatures::Host().bits()).ToString();
    }
  }
};

constexpr size_t kGuard = 64;
constexpr uint8_t kGuardByte = 0xA5;

// Runs kernel `fn` (a table entry converting `width`-byte elements) on n
// elements at the given misalignments and checks it against the scalar one.
template <typename Fn>
void CheckOne(Fn fn, Fn scalar, size_t width, size_t n, size_t src_off, size_t dst_off,
              std::mt19937_64& rng) {
  const size_t bytes = n * width;
  std::vector<uint8_t> src(bytes + src_off + 8);
  for (auto& b : src) b = static_cast<uint8_t>(rng());
  std::vector<uint8_t> want(bytes + 2 * kGuard + dst_off, kGuardByte);
  std::vector<uint8_t> got(bytes + 2 * kGuard + dst_off, kGuardByte);
  fn(src.data() + src_off, n, got.data() + kGuard + dst_off);
  scalar(src.data() + src_off, n, want.data() + kGuard + dst_off);
  ASSERT_EQ(std::memcmp(got.data(), want.data(), got.size()), 0)
      << "n=" << n << " width=" << width << " src_off=" << src_off << " dst_off=" << dst_off;
}

// The table's typed entries as byte-level functions for the checker.
using Raw = void (*)(const void*, size_t, void*);

struct Entry {
  const char* what;
  size_t width;
  Raw (*pick)(const EncoderKernels&);
};

template <auto Member>
Raw AsRaw(const EncoderKernels& k) {
  return reinterpret_cast<Raw>(k.*Member);
}

const Entry kEntries[] = {
    {"i16_to_be", 2, &AsRaw<&EncoderKernels::i16_to_be>},
    {"be_to_i16", 2, &AsRaw<&EncoderKernels::be_to_i16>},
    {"i32_to_be", 4, &AsRaw<&EncoderKernels::i32_to_be>},
    {"be_to_i32", 4, &AsRaw<&EncoderKernels::be_to_i32>},
    {"i64_to_be", 8, &AsRaw<&EncoderKernels::i64_to_be>},
    {"be_to_i64", 8, &AsRaw<&EncoderKernels::be_to_i64>},
    {"f64_to_be", 8, &AsRaw<&EncoderKernels::f64_to_be>},
    {"be_to_f64", 8, &AsRaw<&EncoderKernels::be_to_f64>},
};

TEST_P(KernelTest, MatchesScalarForEveryLengthUpTo1100) {
  std::mt19937_64 rng(1);
  for (const Entry& e : kEntries) {
    SCOPED_TRACE(e.what);
    const Raw fn = e.pick(*GetParam().kernels);
    const Raw scalar = e.pick(ScalarKernels());
    for (size_t n = 0; n <= 1100; ++n) {
      CheckOne(fn, scalar, e.width, n, n % 8, (n / 8) % 8, rng);
      if (::testing::Test::HasFatalFailure()) return;
    }
  }
}

TEST_P(KernelTest, MatchesScalarAtEveryMisalignment) {
  std::mt19937_64 rng(2);
  for (const Entry& e : kEntries) {
    SCOPED_TRACE(e.what);
    const Raw fn = e.pick(*GetParam().kernels);
    const Raw scalar = e.pick(ScalarKernels());
    for (size_t src_off : {0, 1, 2, 3, 4, 5, 6, 7, 63}) {
      for (size_t dst_off : {0, 1, 2, 3, 4, 5, 6, 7, 63}) {
        for (size_t n : {1, 7, 31, 64, 129, 1000}) {
          CheckOne(fn, scalar, e.width, n, src_off, dst_off, rng);
          if (::testing::Test::HasFatalFailure()) return;
        }
      }
    }
  }
}

TEST_P(KernelTest, MatchesScalarForRandomLengthsUpTo4MB) {
  std::mt19937_64 rng(3);
  for (const Entry& e : kEntries) {
    SCOPED_TRACE(e.what);
    const Raw fn = e.pick(*GetParam().kernels);
    const Raw scalar = e.pick(ScalarKernels());
    for (int i = 0; i < 6; ++i) {
      const size_t n = rng() % ((4u << 20) / e.width);
      CheckOne(fn, scalar, e.width, n, rng() % 8, rng() % 8, rng);
      if (::testing::Test::HasFatalFailure()) return;
    }
  }
}

TEST_P(KernelTest, RoundTripsValues) {
  std::mt19937_64 rng(4);
  std::vector<int64_t> v(1000), back(1000);
  for (auto& x : v) x = static_cast<int64_t>(rng());
  std::vector<uint8_t> wire(8000);
  GetParam().kernels->i64_to_be(v.data(), v.size(), wire.data());
  EXPECT_EQ(wire[0], static_cast<uint8_t>(static_cast<uint64_t>(v[0]) >> 56)) << "big-endian";
  GetParam().kernels->be_to_i64(wire.data(), v.size(), back.data());
  EXPECT_EQ(v, back);
}

INSTANTIATE_TEST_SUITE_P(Isa, KernelTest,
                         ::testing::Values(IsaCase{"scalar", &ScalarKernels(), 0},
                                           IsaCase{"avx2", &kAvx2, kCpuAvx | kCpuAvx2},
                                           IsaCase{"avx512", &kAvx512,
                                                   kCpuAvx2 | kCpuAvx512F | kCpuAvx512BW}),
                         [](const auto& info) { return std::string(info.param.name); });

TEST(CoreIsaTest, CoreHasNoAvxInstructions) {
  // libtern_core.so must run on baseline x86-64: no ymm/zmm register anywhere.
  const std::string objdump = TERN_OBJDUMP;
  if (objdump.empty()) GTEST_SKIP() << "objdump not found";
  auto r = testing::RunCommand(objdump + " -d --no-show-raw-insn " + TERN_CORE_LIB +
                               " | grep -cE '%(ymm|zmm)'");
  EXPECT_EQ(r.output, "0\n") << "AVX instructions in libtern_core.so";
}

}  // namespace
}  // namespace tern
