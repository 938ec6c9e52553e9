// Every kernel of every ISA against the scalar table in core: both
// directions, every length 0..1,100 and seeded random lengths up to 4 MB,
// sources and destinations misaligned by 0..7 and 63 bytes, guard bytes
// around the destination checked untouched, buffers that end at an
// inaccessible page (a read or write past either end faults), round trips.
// The scalar table itself is checked against an independent byte reversal,
// so a shared mistake cannot hide behind the differential tests.
#include <gtest/gtest.h>
#include <sys/mman.h>
#include <unistd.h>

#include <bit>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <iterator>
#include <limits>
#include <ostream>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include "plugins/simd_avx2/kernels_avx2.h"
#include "plugins/simd_avx512/kernels_avx512.h"
#include "tern/cpu.h"
#include "tern/kernels.h"

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

// splitmix64: fast enough to fill megabytes per case, and seeded so a
// failure reproduces.
class Rng {
 public:
  explicit Rng(uint64_t seed) : s_(seed) {}
  uint64_t Next() {
    uint64_t z = (s_ += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
  }
  void Fill(uint8_t* p, size_t n) {
    for (size_t i = 0; i < n; i += 8) {
      const uint64_t v = Next();
      std::memcpy(p + i, &v, n - i < 8 ? n - i : 8);
    }
  }

 private:
  uint64_t s_;
};

// Calls one typed table entry on byte buffers, so one checker covers all
// eight. Only the data pointers are cast (calling through a cast function
// pointer would be undefined, and UBSan's -fsanitize=function reports it).
using Call = void (*)(const EncoderKernels& k, const uint8_t* src, size_t n, uint8_t* dst);

template <auto Member, typename Src, typename Dst>
void CallEntry(const EncoderKernels& k, const uint8_t* src, size_t n, uint8_t* dst) {
  (k.*Member)(reinterpret_cast<const Src*>(src), n, reinterpret_cast<Dst*>(dst));
}

struct Entry {
  const char* what;
  size_t width;
  Call call;
};

const Entry kEntries[] = {
    {"i16_to_be", 2, &CallEntry<&EncoderKernels::i16_to_be, int16_t, uint8_t>},
    {"be_to_i16", 2, &CallEntry<&EncoderKernels::be_to_i16, uint8_t, int16_t>},
    {"i32_to_be", 4, &CallEntry<&EncoderKernels::i32_to_be, int32_t, uint8_t>},
    {"be_to_i32", 4, &CallEntry<&EncoderKernels::be_to_i32, uint8_t, int32_t>},
    {"i64_to_be", 8, &CallEntry<&EncoderKernels::i64_to_be, int64_t, uint8_t>},
    {"be_to_i64", 8, &CallEntry<&EncoderKernels::be_to_i64, uint8_t, int64_t>},
    {"f64_to_be", 8, &CallEntry<&EncoderKernels::f64_to_be, double, uint8_t>},
    {"be_to_f64", 8, &CallEntry<&EncoderKernels::be_to_f64, uint8_t, double>},
};

constexpr size_t kOffsets[] = {0, 1, 2, 3, 4, 5, 6, 7, 63};
constexpr size_t kNumOffsets = sizeof(kOffsets) / sizeof(kOffsets[0]);
constexpr size_t kMaxOffset = 63;
constexpr size_t kGuard = 64;
constexpr uint8_t kGuardByte = 0xA5;

// Reusable buffers for one differential check: src is filled once; got and
// want are [guard][dst_off][bytes][guard], refilled with the guard pattern
// before every run.
class Checker {
 public:
  Checker(const EncoderKernels& k, const Entry& e, size_t max_bytes, uint64_t seed)
      : k_(k),
        e_(e),
        src_(max_bytes + kMaxOffset),
        got_(max_bytes + kMaxOffset + 2 * kGuard),
        want_(got_.size()) {
    Rng(seed).Fill(src_.data(), src_.size());
  }

  // Returns an empty string when the kernel wrote exactly what the scalar
  // kernel writes and nothing outside [dst, dst + n * width).
  std::string Run(size_t n, size_t src_off, size_t dst_off) {
    const size_t bytes = n * e_.width;
    const size_t span = 2 * kGuard + dst_off + bytes;
    std::memset(got_.data(), kGuardByte, span);
    std::memset(want_.data(), kGuardByte, span);
    e_.call(k_, src_.data() + src_off, n, got_.data() + kGuard + dst_off);
    e_.call(ScalarKernels(), src_.data() + src_off, n, want_.data() + kGuard + dst_off);
    const std::string where = " (n=" + std::to_string(n) + " src_off=" + std::to_string(src_off) +
                              " dst_off=" + std::to_string(dst_off) + ")";
    for (size_t i = 0; i < span; ++i) {
      const bool inside = i >= kGuard + dst_off && i < kGuard + dst_off + bytes;
      if (!inside && got_[i] != kGuardByte) {
        return "wrote outside dst at byte " + std::to_string(i) + where;
      }
      if (inside && got_[i] != want_[i]) {
        return "differs from scalar at dst byte " + std::to_string(i - kGuard - dst_off) + where;
      }
    }
    return "";
  }

 private:
  const EncoderKernels& k_;
  const Entry& e_;
  std::vector<uint8_t> src_, got_, want_;
};

struct IsaCase {
  const char* name;
  const EncoderKernels* kernels;
  uint64_t needs;  // CpuFeature bits, as the plugin declares them
};

void PrintTo(const IsaCase& c, std::ostream* os) { *os << c.name; }

class KernelTest : public ::testing::TestWithParam<IsaCase> {
 protected:
  void SetUp() override {
    const CpuFeatures& host = CpuFeatures::Host();
    if (!host.Has(GetParam().needs)) {
      GTEST_SKIP() << GetParam().name << " kernels need "
                   << CpuFeatures(GetParam().needs & ~host.bits()).ToString()
                   << ", which this CPU lacks (or TERN_CPU_DISABLE masks)";
    }
  }
  const EncoderKernels& K() const { return *GetParam().kernels; }
};

TEST_P(KernelTest, MatchesScalarForEveryLengthUpTo1100AtEveryOffset) {
  constexpr size_t kMaxN = 1100;
  for (const Entry& e : kEntries) {
    SCOPED_TRACE(e.what);
    Checker check(K(), e, kMaxN * e.width, 1);
    for (size_t n = 0; n <= kMaxN; ++n) {
      // Every src offset and every dst offset at every length; the pairing
      // rotates with n, so all 81 pairs recur throughout the range.
      for (size_t k = 0; k < kNumOffsets; ++k) {
        const std::string err = check.Run(n, kOffsets[k], kOffsets[(k + n) % kNumOffsets]);
        ASSERT_EQ(err, "");
      }
    }
  }
}

TEST_P(KernelTest, MatchesScalarForEveryOffsetPairAroundLoopBoundaries) {
  for (const Entry& e : kEntries) {
    SCOPED_TRACE(e.what);
    // Lengths in bytes around the tail thresholds (16, 32, 64) and the
    // unrolled steps (128, 256), converted to elements of this width.
    std::vector<size_t> lengths;
    for (size_t b : {16, 32, 64, 128, 256, 512, 1024}) {
      for (size_t n : {b / e.width - 1, b / e.width, b / e.width + 1}) lengths.push_back(n);
    }
    lengths.push_back(1000);
    Checker check(K(), e, 1025 * e.width, 2);
    for (size_t src_off : kOffsets) {
      for (size_t dst_off : kOffsets) {
        for (size_t n : lengths) ASSERT_EQ(check.Run(n, src_off, dst_off), "");
      }
    }
  }
}

TEST_P(KernelTest, MatchesScalarForRandomLengthsUpTo4MB) {
  constexpr size_t kMaxBytes = 4u << 20;
  Rng rng(3);
  for (const Entry& e : kEntries) {
    SCOPED_TRACE(e.what);
    Checker check(K(), e, kMaxBytes, rng.Next());
    for (int i = 0; i < 6; ++i) {
      const size_t n = rng.Next() % (kMaxBytes / e.width + 1);
      ASSERT_EQ(
          check.Run(n, kOffsets[rng.Next() % kNumOffsets], kOffsets[rng.Next() % kNumOffsets]), "");
    }
  }
}

// Runs every kernel of `k` with src and dst that end exactly where an
// inaccessible page starts, then with both starting right after one, so a
// vector load or store that reaches past either end (an unmasked AVX-512
// tail, a too-wide AVX2 tail) faults instead of passing unnoticed. Exits 0
// when every output matched the scalar kernel's, 1 otherwise; runs in a
// death-test child so a fault is reported as such.
[[noreturn]] void RunAtPageEdgesAndExit(const EncoderKernels& k) {
  const size_t page = static_cast<size_t>(::sysconf(_SC_PAGESIZE));
  // [no access][src: 2 pages][no access][dst: 2 pages][no access]
  void* map = ::mmap(nullptr, 7 * page, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (map == MAP_FAILED) std::_Exit(2);
  auto* base = static_cast<uint8_t*>(map);
  uint8_t* src_lo = base + page;
  uint8_t* dst_lo = base + 4 * page;
  if (::mprotect(src_lo, 2 * page, PROT_READ | PROT_WRITE) != 0 ||
      ::mprotect(dst_lo, 2 * page, PROT_READ | PROT_WRITE) != 0) {
    std::_Exit(2);
  }
  Rng(4).Fill(src_lo, 2 * page);
  std::vector<uint8_t> want(2 * page);
  for (const Entry& e : kEntries) {
    for (size_t n = 0; n * e.width <= 600; ++n) {
      const size_t bytes = n * e.width;
      for (const auto& [src, dst] :
           {std::pair{src_lo + 2 * page - bytes, dst_lo + 2 * page - bytes},
            std::pair{src_lo, dst_lo}}) {
        e.call(k, src, n, dst);
        e.call(ScalarKernels(), src, n, want.data());
        if (std::memcmp(dst, want.data(), bytes) != 0) {
          std::fprintf(stderr, "%s differs from scalar at n=%zu\n", e.what, n);
          std::_Exit(1);
        }
      }
    }
  }
  std::_Exit(0);
}

TEST_P(KernelTest, NeverTouchesMemoryOutsideSrcAndDst) {
  EXPECT_EXIT(RunAtPageEdgesAndExit(K()), ::testing::ExitedWithCode(0), "");
}

template <typename T>
std::vector<T> Interesting(size_t n, uint64_t seed) {
  std::vector<T> v(n);
  Rng rng(seed);
  for (auto& x : v) {
    const uint64_t bits = rng.Next();
    if constexpr (std::is_same_v<T, double>) {
      x = std::bit_cast<double>(bits);  // includes NaN payloads and denormals
    } else {
      x = static_cast<T>(bits);
    }
  }
  if constexpr (std::is_same_v<T, double>) {
    const double edges[] = {0.0,
                            -0.0,
                            1.0,
                            -1.5,
                            std::numeric_limits<double>::infinity(),
                            std::numeric_limits<double>::quiet_NaN(),
                            std::numeric_limits<double>::denorm_min()};
    for (size_t i = 0; i < std::size(edges) && i < n; ++i) v[i] = edges[i];
  } else {
    const T edges[] = {0, -1, 1, std::numeric_limits<T>::min(), std::numeric_limits<T>::max()};
    for (size_t i = 0; i < std::size(edges) && i < n; ++i) v[i] = edges[i];
  }
  return v;
}

template <typename T>
bool SameBits(const std::vector<T>& a, const std::vector<T>& b) {
  // memcmp must not see the null data() of empty vectors.
  return a.size() == b.size() &&
         (a.empty() || std::memcmp(a.data(), b.data(), a.size() * sizeof(T)) == 0);
}

template <typename T, typename ToBe, typename FromBe>
void CheckRoundTrip(const EncoderKernels& k, ToBe to_be, FromBe from_be) {
  for (size_t n : {0, 1, 3, 17, 64, 1000, 4099}) {
    SCOPED_TRACE(n);
    const std::vector<T> v = Interesting<T>(n, 5 + n);
    std::vector<uint8_t> wire(n * sizeof(T)), scalar_wire(n * sizeof(T));
    (k.*to_be)(v.data(), n, wire.data());
    (ScalarKernels().*to_be)(v.data(), n, scalar_wire.data());
    EXPECT_EQ(wire, scalar_wire);
    std::vector<T> back(n), scalar_back(n);
    (k.*from_be)(wire.data(), n, back.data());
    (ScalarKernels().*from_be)(wire.data(), n, scalar_back.data());
    // Bit patterns, not ==: NaN != NaN, and -0.0 == 0.0.
    EXPECT_TRUE(SameBits(back, v));
    EXPECT_TRUE(SameBits(scalar_back, v));
  }
}

TEST_P(KernelTest, RoundTripsEveryWidthBitExactly) {
  CheckRoundTrip<int16_t>(K(), &EncoderKernels::i16_to_be, &EncoderKernels::be_to_i16);
  CheckRoundTrip<int32_t>(K(), &EncoderKernels::i32_to_be, &EncoderKernels::be_to_i32);
  CheckRoundTrip<int64_t>(K(), &EncoderKernels::i64_to_be, &EncoderKernels::be_to_i64);
  CheckRoundTrip<double>(K(), &EncoderKernels::f64_to_be, &EncoderKernels::be_to_f64);
}

// The wire byte j of element i is chosen as 1 + j + 16 * i (mod 256); the
// value is built from those bytes with shifts, so the expectation does not
// depend on the host's byte order.
template <typename U>
U FromWireBytes(size_t i) {
  U v = 0;
  for (size_t j = 0; j < sizeof(U); ++j) v = static_cast<U>((v << 8) | uint8_t(1 + j + 16 * i));
  return v;
}

// Fixed wire bytes, element by element, over a length long enough for the
// main vector loop and a tail.
TEST_P(KernelTest, WritesBigEndianWireBytes) {
  constexpr size_t kN = 37;
  std::vector<int16_t> i16(kN);
  std::vector<int32_t> i32(kN);
  std::vector<int64_t> i64(kN);
  std::vector<double> f64(kN, 1.0);
  for (size_t i = 0; i < kN; ++i) {
    i16[i] = static_cast<int16_t>(FromWireBytes<uint16_t>(i));
    i32[i] = static_cast<int32_t>(FromWireBytes<uint32_t>(i));
    i64[i] = static_cast<int64_t>(FromWireBytes<uint64_t>(i));
  }
  std::vector<uint8_t> w16(2 * kN), w32(4 * kN), w64(8 * kN), wf(8 * kN);
  K().i16_to_be(i16.data(), kN, w16.data());
  K().i32_to_be(i32.data(), kN, w32.data());
  K().i64_to_be(i64.data(), kN, w64.data());
  K().f64_to_be(f64.data(), kN, wf.data());
  const uint8_t one[8] = {0x3F, 0xF0, 0, 0, 0, 0, 0, 0};  // 1.0 in IEEE-754 binary64
  for (size_t i = 0; i < kN; ++i) {
    for (size_t j = 0; j < 2; ++j) ASSERT_EQ(w16[2 * i + j], uint8_t(1 + j + 16 * i)) << i;
    for (size_t j = 0; j < 4; ++j) ASSERT_EQ(w32[4 * i + j], uint8_t(1 + j + 16 * i)) << i;
    for (size_t j = 0; j < 8; ++j) ASSERT_EQ(w64[8 * i + j], uint8_t(1 + j + 16 * i)) << i;
    ASSERT_EQ(std::memcmp(&wf[8 * i], one, 8), 0) << i;
  }
  // And back: the big-endian bytes decode to the same values.
  std::vector<int64_t> back(kN);
  K().be_to_i64(w64.data(), kN, back.data());
  EXPECT_EQ(back, i64);
}

INSTANTIATE_TEST_SUITE_P(Isa, KernelTest,
                         ::testing::Values(IsaCase{"avx2", &kAvx2, kCpuAvx | kCpuAvx2},
                                           IsaCase{"avx512", &kAvx512,
                                                   kCpuAvx2 | kCpuAvx512F | kCpuAvx512BW}),
                         [](const auto& info) { return std::string(info.param.name); });

// The reference every differential test trusts: each element's bytes reversed.
TEST(ScalarKernelTest, ReversesTheBytesOfEachElement) {
  Rng rng(6);
  std::vector<uint8_t> src(8 * 300 + 8), got(8 * 300 + 8);
  rng.Fill(src.data(), src.size());
  for (const Entry& e : kEntries) {
    SCOPED_TRACE(e.what);
    for (size_t n = 0; n <= 300; ++n) {
      for (size_t off : {0, 3}) {
        e.call(ScalarKernels(), src.data() + off, n, got.data() + 8 - off);
        for (size_t i = 0; i < n * e.width; ++i) {
          const size_t elem = i / e.width, byte = i % e.width;
          ASSERT_EQ(got[8 - off + i], src[off + elem * e.width + (e.width - 1 - byte)])
              << "n=" << n << " byte " << i;
        }
      }
    }
  }
}

TEST(ScalarKernelTest, IsTheTableInstalledUntilAPluginReplacesIt) {
  EXPECT_STREQ(ScalarKernels().name, "scalar");
  EXPECT_EQ(&Kernels(), &ScalarKernels());
}

}  // namespace
}  // namespace tern
