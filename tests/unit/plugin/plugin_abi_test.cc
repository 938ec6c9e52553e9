// The plugin ABI's layout is frozen per kPluginAbiVersion: these assertions
// make an accidental change fail the build. Change them only together with a
// version bump.
#include <gtest/gtest.h>

#include <cstddef>

#include "tern/codec.h"
#include "tern/plugin.h"
#include "tern/slice.h"

namespace tern {
namespace {

static_assert(kPluginAbiVersion == 5);
static_assert(std::is_standard_layout_v<PluginInfo>);
static_assert(offsetof(PluginInfo, abi_version) == 0);
static_assert(offsetof(PluginInfo, struct_size) == 4);
static_assert(offsetof(PluginInfo, build_fingerprint) == 8);
static_assert(offsetof(PluginInfo, kind) == 16);
static_assert(offsetof(PluginInfo, name) == 24);
static_assert(offsetof(PluginInfo, required_cpu) == 48);
static_assert(offsetof(PluginInfo, config_keys) == 64);
static_assert(offsetof(PluginInfo, create_transport) == 80);
static_assert(offsetof(PluginInfo, reserved) == 104);
static_assert(sizeof(PluginInfo) == 168);
static_assert(sizeof(PluginConfigKey) == 32);
static_assert(sizeof(EncoderKernels) == 72);
static_assert(sizeof(detail::Block) == 48);
static_assert(sizeof(Slice) == 24);
static_assert(offsetof(BodyRef, keepalive) == 16);  // version 4: a borrowed pointer
static_assert(sizeof(BodyRef) == 24);

TEST(PluginAbiTest, FingerprintDescribesThisBuild) {
  const uint64_t f = BuildFingerprint();
  EXPECT_EQ((f >> 8) & 0xFF, sizeof(std::string));
  EXPECT_EQ((f >> 32) & 0xFF, sizeof(void*));
  EXPECT_NE(f & (1ull << 48), 0u) << "x86-64 is little-endian";
}

}  // namespace
}  // namespace tern
