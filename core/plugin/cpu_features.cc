#include <cpuid.h>

#include <cstdlib>
#include <fstream>
#include <string>

#include "glog/logging.h"
#include "tern/cpu.h"

namespace tern {

namespace {

struct NameBit {
  const char* name;
  uint64_t bit;
};
constexpr NameBit kNames[] = {
    {"sse4.2", kCpuSse42},
    {"popcnt", kCpuPopcnt},
    {"avx", kCpuAvx},
    {"avx2", kCpuAvx2},
    {"bmi2", kCpuBmi2},
    {"fma", kCpuFma},
    {"avx512f", kCpuAvx512F},
    {"avx512bw", kCpuAvx512BW},
    {"avx512vl", kCpuAvx512VL},
    {"avx512dq", kCpuAvx512DQ},
    {"avx512vbmi", kCpuAvx512VBMI},
    {"avx512vbmi2", kCpuAvx512VBMI2},
    {"ssse3", kCpuSsse3},
};

constexpr uint64_t kAvx512Set =
    kCpuAvx512F | kCpuAvx512BW | kCpuAvx512VL | kCpuAvx512DQ | kCpuAvx512VBMI | kCpuAvx512VBMI2;

uint64_t XGetBv0() {
  uint32_t eax, edx;
  // xgetbv with ecx = 0 (XCR0). Inline asm: the intrinsic needs -mxsave.
  __asm__ volatile("xgetbv" : "=a"(eax), "=d"(edx) : "c"(0));
  return (static_cast<uint64_t>(edx) << 32) | eax;
}

}  // namespace

CpuFeatures CpuFeatures::Detect() {
  uint64_t bits = 0;
  unsigned eax, ebx, ecx, edx;
  if (!__get_cpuid(1, &eax, &ebx, &ecx, &edx)) return CpuFeatures(0);
  if (ecx & bit_SSSE3) bits |= kCpuSsse3;
  if (ecx & bit_SSE4_2) bits |= kCpuSse42;
  if (ecx & bit_POPCNT) bits |= kCpuPopcnt;
  const bool osxsave = (ecx & bit_OSXSAVE) != 0;
  const bool cpu_avx = (ecx & bit_AVX) != 0;
  const bool cpu_fma = (ecx & bit_FMA) != 0;
  uint64_t xcr0 = osxsave ? XGetBv0() : 0;
  const bool ymm_state = (xcr0 & 0x6) == 0x6;    // SSE + AVX state
  const bool zmm_state = (xcr0 & 0xE6) == 0xE6;  // + opmask, ZMM_Hi256, Hi16_ZMM
  if (cpu_avx && ymm_state) {
    bits |= kCpuAvx;
    if (cpu_fma) bits |= kCpuFma;
  }
  unsigned max_leaf = __get_cpuid_max(0, nullptr);
  if (max_leaf >= 7) {
    __cpuid_count(7, 0, eax, ebx, ecx, edx);
    if (ebx & bit_BMI2) bits |= kCpuBmi2;
    if ((bits & kCpuAvx) && (ebx & bit_AVX2)) bits |= kCpuAvx2;
    if ((bits & kCpuAvx2) && zmm_state) {
      if (ebx & bit_AVX512F) bits |= kCpuAvx512F;
      if (bits & kCpuAvx512F) {
        if (ebx & bit_AVX512BW) bits |= kCpuAvx512BW;
        if (ebx & bit_AVX512VL) bits |= kCpuAvx512VL;
        if (ebx & bit_AVX512DQ) bits |= kCpuAvx512DQ;
        if (ecx & bit_AVX512VBMI) bits |= kCpuAvx512VBMI;
        if (ecx & bit_AVX512VBMI2) bits |= kCpuAvx512VBMI2;
      }
    }
  }
  return CpuFeatures(bits);
}

uint64_t CpuFeatures::DisableClosure(uint64_t d) {
  if (d & kCpuAvx) d |= kCpuAvx2 | kCpuFma;
  if (d & kCpuAvx2) d |= kAvx512Set;
  if (d & kCpuAvx512F) d |= kAvx512Set;
  return d;
}

const CpuFeatures& CpuFeatures::Host() {
  static const CpuFeatures host = [] {
    CpuFeatures f = Detect();
    if (const char* env = std::getenv("TERN_CPU_DISABLE"); env != nullptr && *env != '\0') {
      auto mask = ParseList(env);
      if (!mask.ok()) {
        LOG(WARNING) << "TERN_CPU_DISABLE ignored: " << mask.status();
      } else {
        f = CpuFeatures(f.bits() & ~DisableClosure(*mask));
      }
    }
    return f;
  }();
  return host;
}

const char* CpuFeatures::FeatureName(uint64_t bit) {
  for (const auto& nb : kNames) {
    if (nb.bit == bit) return nb.name;
  }
  return "unknown";
}

std::string CpuFeatures::ToString() const {
  std::string s;
  for (const auto& nb : kNames) {
    if (bits_ & nb.bit) {
      if (!s.empty()) s += ' ';
      s += nb.name;
    }
  }
  return s.empty() ? "(none)" : s;
}

Result<uint64_t> CpuFeatures::ParseList(std::string_view list) {
  uint64_t bits = 0;
  size_t pos = 0;
  while (pos <= list.size()) {
    size_t end = list.find(',', pos);
    if (end == std::string_view::npos) end = list.size();
    std::string_view name = list.substr(pos, end - pos);
    while (!name.empty() && name.front() == ' ') name.remove_prefix(1);
    while (!name.empty() && name.back() == ' ') name.remove_suffix(1);
    if (!name.empty()) {
      bool found = false;
      for (const auto& nb : kNames) {
        if (name == nb.name) {
          bits |= nb.bit;
          found = true;
        }
      }
      if (!found) return InvalidArgument("unknown CPU feature '" + std::string(name) + "'");
    }
    pos = end + 1;
  }
  return bits;
}

std::string CpuModelName() {
  std::ifstream in("/proc/cpuinfo");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("model name", 0) == 0) {
      const size_t colon = line.find(':');
      if (colon != std::string::npos && colon + 2 <= line.size()) return line.substr(colon + 2);
    }
  }
  return "unknown CPU";
}

}  // namespace tern
