// The plugin ABI: how a shared object becomes a Tern transport, codec or
// encoder.
//
// A plugin is one .so exporting one symbol, made by TERN_PLUGIN(info): a
// noexcept function returning a pointer to a constant-initialised PluginInfo.
// The host (core/plugin) finds the symbol with boost::dll::library_info
// *before* loading the file (a stray .so never runs its static
// initialisers), loads it with RTLD_NOW | RTLD_LOCAL, reads the frozen head
// (abi_version, struct_size), then the build fingerprint, and only then the
// rest. It refuses, naming the file and the reason, a plugin whose ABI
// version or fingerprint differs, or whose required CPU features this machine
// lacks (checked before any factory runs).
//
// Rules for plugin authors (sdk/README.md has the long version):
//  * Build with the SDK's tern_add_plugin(): hidden visibility, -Wl,--no-undefined,
//    ISA flags (-mavx2 ...) only on kernel files that hold no static objects
//    and instantiate no templates shared with baseline code.
//  * Exceptions never cross: the entry point and factories are noexcept and
//    report errors as Status; catch (...) inside and return Internal.
//  * Lifetimes: the host never unloads a plugin (no dlclose), so objects a
//    plugin creates may live until exit; nothing else is promised.
//  * Memory crosses only as Slice / LinkBuffer (external memory with a
//    release function) or as objects the plugin's factory created.
//  * One runtime: link Tern::core shared; never define gflags or initialise
//    glog in a plugin (LOG() goes through the host's glog).
//  * Threads start in Start() and are joined in Stop(), never at load time.
//  * Settings arrive as a ConfigView of the plugin's own section, whose keys
//    the plugin declares in PluginInfo::config_keys.
//
// ABI versioning: any change to the layout of PluginInfo, of a type it
// points to, or of the vtables of Transport/Codec bumps kPluginAbiVersion.
// The plugin's own version string is shown, never matched.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "tern/config_view.h"
#include "tern/cpu.h"
#include "tern/export.h"
#include "tern/kernels.h"
#include "tern/status.h"

namespace tern {

class Transport;
class Codec;

// 2: Codec::DecodeView takes the view's bytes, core and slots (copy-free
//    views), replacing the reserved `void* view_out` form of version 1.
// 3: CppType::kPmrString (TypeInfo of types generated with --alloc=pmr): a
//    walker built against version 2 would misread those strings.
// 4: BodyRef::keepalive is a borrowed `const Slice*` (was a Slice by value).
// 5: Connection::CloseAfterOutput (a transport's connections implement it);
//    ReadContext names the absent required field of a failed decode.
inline constexpr uint32_t kPluginAbiVersion = 5;

// The name of the one symbol a plugin exports (made by TERN_PLUGIN in
// tern/plugin_entry.h).
#define TERN_PLUGIN_SYMBOL "tern_plugin_info"

// What must be identical between the core and a plugin for C++ objects to
// cross: the standard library and its string ABI, pointer size, byte order.
// The compiler is deliberately not part of it (a clang-built plugin works with
// a g++-built core).
constexpr uint64_t BuildFingerprint() {
  uint64_t f = 0;
#if defined(_LIBCPP_VERSION)
  f |= 1u << 0;  // libc++
#endif
#if defined(_GLIBCXX_USE_CXX11_ABI) && _GLIBCXX_USE_CXX11_ABI
  f |= 1u << 1;
#endif
  f |= static_cast<uint64_t>(sizeof(std::string)) << 8;
  f |= static_cast<uint64_t>(sizeof(std::vector<int>)) << 16;
  f |= static_cast<uint64_t>(sizeof(std::function<void()>)) << 24;
  f |= static_cast<uint64_t>(sizeof(void*)) << 32;
  f |= static_cast<uint64_t>(alignof(std::max_align_t)) << 40;
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
  f |= 1ull << 48;
#endif
  return f;
}

enum class PluginKind : uint32_t {
  kTransport = 1,
  kCodec = 2,
  kEncoder = 3,
};
TERN_EXPORT const char* PluginKindName(PluginKind kind);

// Capability bits (PluginInfo::capabilities).
enum PluginCapability : uint64_t {
  // A codec that can hand out copy-free views (Codec::DecodeView).
  kCapDecodesViews = 1ull << 0,
};

enum class ConfigType : uint32_t { kString = 0, kInt = 1, kBool = 2 };

// A key of the plugin's own config section ("[<plugin name>]").
struct PluginConfigKey {
  const char* name;
  ConfigType type;
  const char* default_value;  // may be null: no default
  const char* help;
};

// Factories. They run after every check passed, on the thread that selects
// the plugin; they must not start threads (Start() does).
using CreateTransportFn = Status (*)(const ConfigView& section,
                                     std::unique_ptr<Transport>* out) noexcept;
using CreateCodecFn = Status (*)(const ConfigView& section, std::unique_ptr<Codec>* out) noexcept;
using EncoderKernelsFn = const EncoderKernels* (*)() noexcept;

struct PluginInfo {
  // ---- frozen head: these two fields never move --------------------------
  uint32_t abi_version;  // kPluginAbiVersion of the SDK the plugin was built with
  uint32_t struct_size;  // sizeof(PluginInfo) as the plugin saw it
  // ---- checked before anything else is read ------------------------------
  uint64_t build_fingerprint;  // BuildFingerprint() of the plugin's build
  // ---- identity ----------------------------------------------------------
  PluginKind kind;
  int32_t priority;         // encoders: `auto` picks the highest loadable
  const char* name;         // the config value that selects it, e.g. "avx2"
  const char* version;      // shown, not matched
  const char* description;  // one line for `tern plugins`
  uint64_t required_cpu;    // CpuFeature bits (tern/cpu.h)
  uint64_t capabilities;    // PluginCapability bits
  const PluginConfigKey* config_keys;
  uint32_t num_config_keys;
  // ---- factories (the one matching `kind` is set) -------------------------
  CreateTransportFn create_transport;
  CreateCodecFn create_codec;
  EncoderKernelsFn encoder_kernels;
  // Reserved for later factories (views, resolvers, ...): zero them.
  void* reserved[8];
};

}  // namespace tern
