// sdk_future: a plugin that claims a newer plugin ABI than the installed
// host speaks, as one built against a later SDK would. The host must refuse
// it by reading only the frozen head (abi_version, struct_size) and say why.
#include "tern/kernels.h"
#include "tern/plugin_entry.h"

namespace sdk_future {
namespace {

const tern::EncoderKernels* Kernels() noexcept { return &tern::ScalarKernels(); }

constexpr tern::PluginInfo kInfo = {
    tern::kPluginAbiVersion + 1,
    sizeof(tern::PluginInfo),
    tern::BuildFingerprint(),
    tern::PluginKind::kEncoder,
    /*priority=*/100,
    "sdk_future",
    "9.0.0",
    "claims a newer plugin ABI",
    /*required_cpu=*/0,
    /*capabilities=*/0,
    nullptr,
    0,
    nullptr,
    nullptr,
    &Kernels,
    {},
};

}  // namespace
}  // namespace sdk_future

TERN_PLUGIN(sdk_future::kInfo)
