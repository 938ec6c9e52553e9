// Encoder kernels: the hot loops of Thrift's numeric containers, as a table of
// plain functions selected once per process.
//
// Thrift Binary writes list<i16/i32/i64/double> elements as big-endian
// integers (doubles as their IEEE-754 bits). On little-endian x86 that is a
// byte swap per element; done 4-16 elements at a time with AVX2 or AVX-512 it
// runs near memcpy speed. The scalar table lives in core (always available,
// registered at priority 0); `simd_avx2` and `simd_avx512` plugins supply
// faster tables, and the plugin host installs the best one the CPU allows
// (config `[simd] encoder = auto|scalar|avx2|avx512`).
//
// Contract of every kernel: any n (0 included), any alignment of src and dst,
// src and dst never overlap; dst has room for n elements (n * sizeof(T)
// bytes). No allocation, no failure.
//
// Thread: Kernels() may be called from any thread. The table is installed
// once at start-up (before threads that encode start) and never freed: it
// lives in a plugin library that stays loaded for the life of the process.
// Generated code calls Kernels() once per list, never per element.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>

#include "tern/export.h"

namespace tern {

struct EncoderKernels {
  const char* name;  // "scalar", "avx2", "avx512"
  void (*i16_to_be)(const int16_t* src, size_t n, uint8_t* dst);
  void (*be_to_i16)(const uint8_t* src, size_t n, int16_t* dst);
  void (*i32_to_be)(const int32_t* src, size_t n, uint8_t* dst);
  void (*be_to_i32)(const uint8_t* src, size_t n, int32_t* dst);
  void (*i64_to_be)(const int64_t* src, size_t n, uint8_t* dst);
  void (*be_to_i64)(const uint8_t* src, size_t n, int64_t* dst);
  void (*f64_to_be)(const double* src, size_t n, uint8_t* dst);
  void (*be_to_f64)(const uint8_t* src, size_t n, double* dst);
};

namespace detail {
TERN_EXPORT extern std::atomic<const EncoderKernels*> g_kernels;
}  // namespace detail

// The selected table (the scalar one until a plugin is installed).
inline const EncoderKernels& Kernels() {
  return *detail::g_kernels.load(std::memory_order_acquire);
}

// The portable table in core.
TERN_EXPORT const EncoderKernels& ScalarKernels();

// Installs `k` as the process's table. Called by the plugin host; tests may
// call it to force a table. `k` must live for the rest of the process.
TERN_EXPORT void InstallKernels(const EncoderKernels* k);

}  // namespace tern
