// sdk_probe: the smallest plugin the host accepts, built out of tree with
// find_package(Tern) + tern_add_plugin(). It is an encoder that offers the
// core's scalar kernels at a priority below scalar's (so `auto` never picks
// it; `[simd] encoder = sdk_probe` does), and declares one key of its own
// section, so `[sdk_probe] greeting = ...` is valid and any other key there
// is an error.
#include "tern/kernels.h"
#include "tern/plugin_entry.h"

namespace sdk_probe {
namespace {

const tern::EncoderKernels* Kernels() noexcept { return &tern::ScalarKernels(); }

constexpr tern::PluginConfigKey kKeys[] = {
    {"greeting", tern::ConfigType::kString, "hello", "a key the probe declares"},
};

constexpr tern::PluginInfo kInfo = {
    tern::kPluginAbiVersion,
    sizeof(tern::PluginInfo),
    tern::BuildFingerprint(),
    tern::PluginKind::kEncoder,
    /*priority=*/-1,
    "sdk_probe",
    "0.0.1",
    "out-of-tree SDK probe (scalar kernels)",
    /*required_cpu=*/0,
    /*capabilities=*/0,
    kKeys,
    sizeof(kKeys) / sizeof(kKeys[0]),
    nullptr,
    nullptr,
    &Kernels,
    {},
};

}  // namespace
}  // namespace sdk_probe

TERN_PLUGIN(sdk_probe::kInfo)
