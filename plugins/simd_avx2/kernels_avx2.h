// AVX2 encoder kernels (tern/kernels.h contract). Plain functions: this
// header instantiates nothing, so no AVX2-compiled inline code can leak into
// baseline translation units.
#pragma once

#include <cstddef>
#include <cstdint>

namespace tern::simd_avx2 {

void I16ToBe(const int16_t* src, size_t n, uint8_t* dst);
void BeToI16(const uint8_t* src, size_t n, int16_t* dst);
void I32ToBe(const int32_t* src, size_t n, uint8_t* dst);
void BeToI32(const uint8_t* src, size_t n, int32_t* dst);
void I64ToBe(const int64_t* src, size_t n, uint8_t* dst);
void BeToI64(const uint8_t* src, size_t n, int64_t* dst);
void F64ToBe(const double* src, size_t n, uint8_t* dst);
void BeToF64(const uint8_t* src, size_t n, double* dst);

}  // namespace tern::simd_avx2
