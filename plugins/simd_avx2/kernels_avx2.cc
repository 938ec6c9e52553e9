// Byte-swapping kernels with AVX2 (vpshufb within 128-bit lanes). Compiled
// with -mavx2 alone; it holds no static objects and no templates or inline
// functions shared with other translation units (TOOLCHAIN.md, pitfall 4), so
// nothing AVX2 leaks into code that runs before the CPU check.
#ifndef __AVX2__
#error "kernels_avx2.cc must be compiled with -mavx2"
#endif

#include "plugins/simd_avx2/kernels_avx2.h"

#include <immintrin.h>

namespace tern::simd_avx2 {

namespace {

// Swaps the bytes of every `width`-byte element of n elements: the same
// operation converts host to big-endian and back. 128 bytes per iteration
// (four independent load/shuffle/store chains), then 32, then a scalar tail.
template <int kWidth>
__attribute__((always_inline)) inline void Swap(const void* src_v, size_t n, void* dst_v) {
  const auto* src = static_cast<const uint8_t*>(src_v);
  auto* dst = static_cast<uint8_t*>(dst_v);
  const __m256i mask =
      kWidth == 2 ? _mm256_setr_epi8(1, 0, 3, 2, 5, 4, 7, 6, 9, 8, 11, 10, 13, 12, 15, 14, 1, 0, 3,
                                     2, 5, 4, 7, 6, 9, 8, 11, 10, 13, 12, 15, 14)
      : kWidth == 4 ? _mm256_setr_epi8(3, 2, 1, 0, 7, 6, 5, 4, 11, 10, 9, 8, 15, 14, 13, 12, 3, 2,
                                       1, 0, 7, 6, 5, 4, 11, 10, 9, 8, 15, 14, 13, 12)
                    : _mm256_setr_epi8(7, 6, 5, 4, 3, 2, 1, 0, 15, 14, 13, 12, 11, 10, 9, 8, 7, 6,
                                       5, 4, 3, 2, 1, 0, 15, 14, 13, 12, 11, 10, 9, 8);
  size_t bytes = n * kWidth;
  size_t i = 0;
  for (; i + 128 <= bytes; i += 128) {
    __m256i a = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(src + i));
    __m256i b = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(src + i + 32));
    __m256i c = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(src + i + 64));
    __m256i d = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(src + i + 96));
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(dst + i), _mm256_shuffle_epi8(a, mask));
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(dst + i + 32), _mm256_shuffle_epi8(b, mask));
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(dst + i + 64), _mm256_shuffle_epi8(c, mask));
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(dst + i + 96), _mm256_shuffle_epi8(d, mask));
  }
  for (; i + 32 <= bytes; i += 32) {
    __m256i a = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(src + i));
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(dst + i), _mm256_shuffle_epi8(a, mask));
  }
  if (i + 16 <= bytes) {
    __m128i a = _mm_loadu_si128(reinterpret_cast<const __m128i*>(src + i));
    _mm_storeu_si128(reinterpret_cast<__m128i*>(dst + i),
                     _mm_shuffle_epi8(a, _mm256_castsi256_si128(mask)));
    i += 16;
  }
  for (; i < bytes; i += kWidth) {
    if constexpr (kWidth == 2) {
      uint16_t v;
      __builtin_memcpy(&v, src + i, 2);
      v = __builtin_bswap16(v);
      __builtin_memcpy(dst + i, &v, 2);
    } else if constexpr (kWidth == 4) {
      uint32_t v;
      __builtin_memcpy(&v, src + i, 4);
      v = __builtin_bswap32(v);
      __builtin_memcpy(dst + i, &v, 4);
    } else {
      uint64_t v;
      __builtin_memcpy(&v, src + i, 8);
      v = __builtin_bswap64(v);
      __builtin_memcpy(dst + i, &v, 8);
    }
  }
}

}  // namespace

void I16ToBe(const int16_t* src, size_t n, uint8_t* dst) { Swap<2>(src, n, dst); }
void BeToI16(const uint8_t* src, size_t n, int16_t* dst) { Swap<2>(src, n, dst); }
void I32ToBe(const int32_t* src, size_t n, uint8_t* dst) { Swap<4>(src, n, dst); }
void BeToI32(const uint8_t* src, size_t n, int32_t* dst) { Swap<4>(src, n, dst); }
void I64ToBe(const int64_t* src, size_t n, uint8_t* dst) { Swap<8>(src, n, dst); }
void BeToI64(const uint8_t* src, size_t n, int64_t* dst) { Swap<8>(src, n, dst); }
void F64ToBe(const double* src, size_t n, uint8_t* dst) { Swap<8>(src, n, dst); }
void BeToF64(const uint8_t* src, size_t n, double* dst) { Swap<8>(src, n, dst); }

}  // namespace tern::simd_avx2
