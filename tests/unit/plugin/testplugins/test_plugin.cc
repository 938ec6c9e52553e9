// Test plugins for the host's checks. One source, built several times with
// TEST_PLUGIN_VARIANT selecting what is wrong with it.
#include "tern/kernels.h"
#include "tern/plugin_entry.h"

namespace {

const tern::EncoderKernels* Kernels() noexcept { return &tern::ScalarKernels(); }

#ifndef TEST_PLUGIN_VARIANT
#error "define TEST_PLUGIN_VARIANT"
#endif

#define VARIANT_GOOD 1
#define VARIANT_WRONG_ABI 2
#define VARIANT_UNKNOWN_CPU 3
#define VARIANT_WRONG_FINGERPRINT 4
#define VARIANT_NEEDS_AVX512 5

constexpr uint32_t kAbi = TEST_PLUGIN_VARIANT == VARIANT_WRONG_ABI ? tern::kPluginAbiVersion + 41
                                                                   : tern::kPluginAbiVersion;
constexpr uint64_t kFingerprint = TEST_PLUGIN_VARIANT == VARIANT_WRONG_FINGERPRINT
                                      ? tern::BuildFingerprint() ^ 0xFF00
                                      : tern::BuildFingerprint();
constexpr uint64_t kCpu = TEST_PLUGIN_VARIANT == VARIANT_UNKNOWN_CPU ? (1ull << 60)
                          : TEST_PLUGIN_VARIANT == VARIANT_NEEDS_AVX512
                              ? (tern::kCpuAvx512F | tern::kCpuAvx512BW)
                              : 0;

const tern::PluginConfigKey kKeys[] = {
    {"depth", tern::ConfigType::kInt, "3", "a test key"},
};

constexpr tern::PluginInfo kInfo = {
    kAbi,
    sizeof(tern::PluginInfo),
    kFingerprint,
    tern::PluginKind::kEncoder,
    /*priority=*/TEST_PLUGIN_VARIANT == VARIANT_NEEDS_AVX512 ? 7 : 5,
    TEST_PLUGIN_NAME,
    "9.9.9",
    "a plugin for the host's tests",
    kCpu,
    0,
    kKeys,
    1,
    nullptr,
    nullptr,
    &Kernels,
    {},
};

}  // namespace

TERN_PLUGIN(kInfo)
