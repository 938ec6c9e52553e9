// CpuFeatures: what this CPU and OS can run, detected once with cpuid + xgetbv.
//
// A feature counts only when the CPU reports it AND the OS has enabled the
// register state it needs (XCR0: YMM state for AVX/AVX2, opmask + ZMM state
// for AVX-512), so a VM or kernel that leaves AVX-512 off is seen as lacking
// it. Plugins declare the features they need as a mask of these bits; the
// plugin host refuses a plugin whose mask is not covered by Host().
//
// Test override: TERN_CPU_DISABLE="avx512f,avx2" (names as FeatureName
// prints them, comma-separated) masks features out of Host(), so tests can
// check selection on a machine that has more than the case needs. Masking a
// feature also masks what depends on it (avx2 -> the avx512 set).
//
// Thread: Host() is computed once, thread-safely, and then read-only.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "tern/export.h"
#include "tern/status.h"

namespace tern {

// Bit values are ABI: plugins store masks of them in PluginInfo.
enum CpuFeature : uint64_t {
  kCpuSse42 = 1ull << 0,
  kCpuPopcnt = 1ull << 1,
  kCpuAvx = 1ull << 2,
  kCpuAvx2 = 1ull << 3,
  kCpuBmi2 = 1ull << 4,
  kCpuFma = 1ull << 5,
  kCpuAvx512F = 1ull << 6,
  kCpuAvx512BW = 1ull << 7,
  kCpuAvx512VL = 1ull << 8,
  kCpuAvx512DQ = 1ull << 9,
  kCpuAvx512VBMI = 1ull << 10,
  kCpuAvx512VBMI2 = 1ull << 11,
  kCpuSsse3 = 1ull << 12,
  // Bits this build of Tern knows; a plugin asking for any other bit needs a
  // feature this host cannot check, and is refused.
  kCpuKnownMask = (1ull << 13) - 1,
};

class TERN_EXPORT CpuFeatures {
 public:
  CpuFeatures() = default;
  explicit CpuFeatures(uint64_t bits) : bits_(bits) {}

  // The features of this machine, with TERN_CPU_DISABLE applied.
  static const CpuFeatures& Host();
  // Raw detection, no override.
  static CpuFeatures Detect();

  uint64_t bits() const { return bits_; }
  bool Has(uint64_t mask) const { return (bits_ & mask) == mask; }
  // "sse4.2 popcnt avx avx2 ..." (only known bits).
  std::string ToString() const;

  // Names <-> bits: "avx512bw" <-> kCpuAvx512BW.
  static const char* FeatureName(uint64_t single_bit);
  static Result<uint64_t> ParseList(std::string_view comma_separated);
  // Applies the dependency closure of a disable mask (avx -> avx2 -> avx512*).
  static uint64_t DisableClosure(uint64_t disabled);

 private:
  uint64_t bits_ = 0;
};

// The CPU's model name as the kernel reports it (/proc/cpuinfo "model
// name"), for printing beside measurements; "unknown CPU" when unreadable.
TERN_EXPORT std::string CpuModelName();

}  // namespace tern
