// Byte-swapping kernels with AVX-512 F+BW (vpshufb on zmm; masked loads and
// stores for the tail, so there is no scalar tail loop). Compiled with
// -mavx512f -mavx512bw alone; no static objects, no templates or inline
// functions shared with other translation units (TOOLCHAIN.md, pitfall 4).
#if !defined(__AVX512F__) || !defined(__AVX512BW__)
#error "kernels_avx512.cc must be compiled with -mavx512f -mavx512bw"
#endif

#include "plugins/simd_avx512/kernels_avx512.h"

#include <immintrin.h>

namespace tern::simd_avx512 {

namespace {

template <int kWidth>
__attribute__((always_inline)) inline __m512i Mask() {
  // vpshufb works within 128-bit lanes: the same 16-byte pattern four times
  // (as little-endian dwords: element 0 holds bytes 0..3 of the pattern).
  if constexpr (kWidth == 2) {
    return _mm512_set4_epi32(0x0e0f0c0d, 0x0a0b0809, 0x06070405, 0x02030001);
  } else if constexpr (kWidth == 4) {
    return _mm512_set4_epi32(0x0c0d0e0f, 0x08090a0b, 0x04050607, 0x00010203);
  } else {
    return _mm512_set4_epi32(0x08090a0b, 0x0c0d0e0f, 0x00010203, 0x04050607);
  }
}

// 256 bytes per iteration (four independent chains), then 64, then one
// masked vector for the rest.
template <int kWidth>
__attribute__((always_inline)) inline void Swap(const void* src_v, size_t n, void* dst_v) {
  const auto* src = static_cast<const uint8_t*>(src_v);
  auto* dst = static_cast<uint8_t*>(dst_v);
  const __m512i mask = Mask<kWidth>();
  const size_t bytes = n * kWidth;
  size_t i = 0;
  for (; i + 256 <= bytes; i += 256) {
    __m512i a = _mm512_loadu_si512(src + i);
    __m512i b = _mm512_loadu_si512(src + i + 64);
    __m512i c = _mm512_loadu_si512(src + i + 128);
    __m512i d = _mm512_loadu_si512(src + i + 192);
    _mm512_storeu_si512(dst + i, _mm512_shuffle_epi8(a, mask));
    _mm512_storeu_si512(dst + i + 64, _mm512_shuffle_epi8(b, mask));
    _mm512_storeu_si512(dst + i + 128, _mm512_shuffle_epi8(c, mask));
    _mm512_storeu_si512(dst + i + 192, _mm512_shuffle_epi8(d, mask));
  }
  for (; i + 64 <= bytes; i += 64) {
    _mm512_storeu_si512(dst + i, _mm512_shuffle_epi8(_mm512_loadu_si512(src + i), mask));
  }
  if (i < bytes) {
    const __mmask64 m = (uint64_t{1} << (bytes - i)) - 1;  // bytes - i < 64
    const __m512i a = _mm512_maskz_loadu_epi8(m, src + i);
    _mm512_mask_storeu_epi8(dst + i, m, _mm512_shuffle_epi8(a, mask));
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

}  // namespace tern::simd_avx512
