// The portable encoder kernels: one byte swap per element. Compiled for
// baseline x86-64 (the compiler may auto-vectorise with SSE2 only).
#include <cstring>

#include "tern/kernels.h"

namespace tern {
namespace {

template <typename T, typename U>
void ToBe(const T* src, size_t n, uint8_t* dst) {
  for (size_t i = 0; i < n; ++i) {
    U u;
    std::memcpy(&u, &src[i], sizeof(U));
    if constexpr (sizeof(U) == 2) u = __builtin_bswap16(u);
    if constexpr (sizeof(U) == 4) u = __builtin_bswap32(u);
    if constexpr (sizeof(U) == 8) u = __builtin_bswap64(u);
    std::memcpy(dst + i * sizeof(U), &u, sizeof(U));
  }
}

template <typename T, typename U>
void FromBe(const uint8_t* src, size_t n, T* dst) {
  for (size_t i = 0; i < n; ++i) {
    U u;
    std::memcpy(&u, src + i * sizeof(U), sizeof(U));
    if constexpr (sizeof(U) == 2) u = __builtin_bswap16(u);
    if constexpr (sizeof(U) == 4) u = __builtin_bswap32(u);
    if constexpr (sizeof(U) == 8) u = __builtin_bswap64(u);
    std::memcpy(&dst[i], &u, sizeof(U));
  }
}

const EncoderKernels kScalar = {
    "scalar",
    &ToBe<int16_t, uint16_t>,
    &FromBe<int16_t, uint16_t>,
    &ToBe<int32_t, uint32_t>,
    &FromBe<int32_t, uint32_t>,
    &ToBe<int64_t, uint64_t>,
    &FromBe<int64_t, uint64_t>,
    &ToBe<double, uint64_t>,
    &FromBe<double, uint64_t>,
};

}  // namespace

namespace detail {
std::atomic<const EncoderKernels*> g_kernels{&kScalar};
}  // namespace detail

const EncoderKernels& ScalarKernels() { return kScalar; }

void InstallKernels(const EncoderKernels* k) {
  detail::g_kernels.store(k != nullptr ? k : &kScalar, std::memory_order_release);
}

}  // namespace tern
