// The avx512 encoder plugin's entry point. Compiled for baseline x86-64: the
// host reads PluginInfo and checks required_cpu before anything calls into
// the avx512 kernel file.
#include "plugins/simd_avx512/kernels_avx512.h"
#include "tern/plugin_entry.h"

namespace tern::simd_avx512 {
namespace {

const EncoderKernels kKernels = {
    "avx512", &I16ToBe, &BeToI16, &I32ToBe, &BeToI32, &I64ToBe, &BeToI64, &F64ToBe, &BeToF64,
};

const EncoderKernels* GetKernels() noexcept { return &kKernels; }

constexpr PluginInfo kInfo = {
    kPluginAbiVersion,
    sizeof(PluginInfo),
    BuildFingerprint(),
    PluginKind::kEncoder,
    /*priority=*/20,
    "avx512",
    "0.1.0",
    "AVX-512 F+BW byte-swap kernels (vpshufb zmm, masked tails)",
    /*required_cpu=*/tern::kCpuAvx2 | tern::kCpuAvx512F | tern::kCpuAvx512BW,
    /*capabilities=*/0,
    nullptr,
    0,
    nullptr,
    nullptr,
    &GetKernels,
    {},
};

}  // namespace
}  // namespace tern::simd_avx512

TERN_PLUGIN(tern::simd_avx512::kInfo)
