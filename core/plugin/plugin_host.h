// PluginHost: finds, checks, loads and selects Tern plugins.
//
// Scan order (first directory wins when two hold a plugin of the same kind
// and name; the later one is reported as shadowed):
//   1. the directories given by the caller (config `[plugins] dir`),
//   2. TERN_PLUGIN_PATH (colon-separated),
//   3. the default next to libtern_core.so itself (found with dladdr):
//      <libdir>/tern/plugins — the install layout, which the build tree mirrors
//      (build/lib/libtern_core.so, build/lib/tern/plugins/*.so), so a tool run
//      from the build tree or an installed prefix finds its plugins unaided.
//
// Each `*.so` is checked before it can run any code: it must exist and be
// readable, be an ELF file that is not truncated, and export TERN_PLUGIN_SYMBOL
// (boost::dll::library_info reads the symbol table without loading). Then it is
// loaded with RTLD_NOW | RTLD_LOCAL (a missing symbol fails here, not
// mid-request) and its PluginInfo checked: ABI version, struct size, build
// fingerprint, kind, required CPU features (against the host's CpuFeatures).
// A file that fails any check is *refused*: it is listed with one reason and
// one log line naming the file, and selecting it is an error that gives that
// reason — never a silent fallback.
//
// The scalar encoder is built into core and registered like a plugin at
// priority 0, so `encoder = auto` has one code path.
//
// Lifetime: loaded libraries are kept for the life of the process (never
// dlclose'd), so objects made by a plugin can never outlive its code.
//
// Thread: Scan and the selectors are meant for start-up, from one thread.
// The const accessors are safe from any thread once scanning is done.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "tern/config_view.h"
#include "tern/cpu.h"
#include "tern/export.h"
#include "tern/kernels.h"
#include "tern/plugin.h"
#include "tern/status.h"

namespace tern {

struct PluginRecord {
  std::string path;  // "(built in)" for core's own
  std::string name;  // empty when the file could not be read that far
  PluginKind kind = PluginKind::kEncoder;
  int32_t priority = 0;
  std::string version;
  std::string description;
  uint64_t required_cpu = 0;
  const PluginInfo* info = nullptr;  // null when refused before loading
  bool loaded = false;               // true: usable
  std::string refusal;               // why not, when !loaded
};

class TERN_EXPORT PluginHost {
 public:
  // `cpu` is what plugins are checked against (tests pass a masked set).
  explicit PluginHost(CpuFeatures cpu = CpuFeatures::Host());
  ~PluginHost();
  PluginHost(const PluginHost&) = delete;
  PluginHost& operator=(const PluginHost&) = delete;

  // The directories to scan: `extra` (config), TERN_PLUGIN_PATH, the default.
  static std::vector<std::string> SearchPath(const std::vector<std::string>& extra);
  // <dir of libtern_core.so>/tern/plugins, or empty if it cannot be found.
  static std::string DefaultPluginDir();

  // Scans `dirs` in order. A directory named explicitly (config or
  // environment) that does not exist is an error; a missing default directory
  // is not (core works without plugins). Refused files are not errors: see
  // plugins().
  Status Scan(const std::vector<std::string>& dirs, size_t explicit_dirs);
  // Convenience: Scan(SearchPath(extra), extra.size() + entries of TERN_PLUGIN_PATH).
  Status ScanDefault(const std::vector<std::string>& extra_dirs = {});

  // Checks one file and, if it passes, loads it. Returns its record (also
  // added to plugins()).
  const PluginRecord& Inspect(const std::string& path);

  // Every plugin found, loaded or refused, in scan order (built-ins first).
  const std::vector<PluginRecord>& plugins() const { return records_; }
  const std::vector<std::string>& searched_dirs() const { return searched_; }
  const CpuFeatures& cpu() const { return cpu_; }

  // The loaded plugin of `kind` called `name`, or an error that says it was
  // not found (listing the directories searched) or why it was refused.
  Result<const PluginRecord*> Find(PluginKind kind, std::string_view name) const;

  // `auto`: the highest-priority loaded encoder; else the named one.
  Result<const PluginRecord*> SelectEncoder(std::string_view name) const;
  // SelectEncoder + InstallKernels. Returns the record installed.
  Result<const PluginRecord*> InstallEncoder(std::string_view name) const;

  Status CreateTransport(std::string_view name, const ConfigView& section,
                         std::unique_ptr<Transport>* out) const;
  Status CreateCodec(std::string_view name, const ConfigView& section,
                     std::unique_ptr<Codec>* out) const;

 private:
  PluginRecord& Refuse(PluginRecord& r, std::string reason);
  CpuFeatures cpu_;
  std::vector<PluginRecord> records_;
  std::vector<std::string> searched_;
};

}  // namespace tern
