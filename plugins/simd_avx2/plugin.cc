// The avx2 encoder plugin's entry point. Compiled for baseline x86-64: the
// host reads PluginInfo and checks required_cpu before anything calls into
// the avx2 kernel file.
#include "plugins/simd_avx2/kernels_avx2.h"
#include "tern/plugin_entry.h"

namespace tern::simd_avx2 {
namespace {

const EncoderKernels kKernels = {
    "avx2", &I16ToBe, &BeToI16, &I32ToBe, &BeToI32, &I64ToBe, &BeToI64, &F64ToBe, &BeToF64,
};

const EncoderKernels* GetKernels() noexcept { return &kKernels; }

constexpr PluginInfo kInfo = {
    kPluginAbiVersion,
    sizeof(PluginInfo),
    BuildFingerprint(),
    PluginKind::kEncoder,
    /*priority=*/10,
    "avx2",
    "0.1.0",
    "AVX2 byte-swap kernels (vpshufb, 256 bytes per iteration)",
    /*required_cpu=*/tern::kCpuAvx | tern::kCpuAvx2,
    /*capabilities=*/0,
    nullptr,
    0,
    nullptr,
    nullptr,
    &GetKernels,
    {},
};

}  // namespace
}  // namespace tern::simd_avx2

TERN_PLUGIN(tern::simd_avx2::kInfo)
