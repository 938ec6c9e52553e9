// tern plugins: what was found, refused (and why) and selected on this machine.
#include <gflags/gflags.h>

#include <algorithm>
#include <cstdio>
#include <string>
#include <vector>

#include "core/config/config.h"
#include "core/plugin/plugin_host.h"
#include "tools/tern/commands.h"

DEFINE_string(config, "", "INI config file ([plugins] dir, [simd] encoder, [server] ...)");

namespace tern::cli {

namespace {

void PrintSelected(const char* what, int name_width, const std::string& choice,
                   const Result<const PluginRecord*>& r) {
  if (r.ok()) {
    std::printf("  %-10s %-*s (%s) %s\n", what, name_width, (*r)->name.c_str(), choice.c_str(),
                (*r)->path.c_str());
  } else {
    std::printf("  %-10s %-*s (%s) NOT AVAILABLE: %s\n", what, name_width, "-", choice.c_str(),
                std::string(r.status().message()).c_str());
  }
}

}  // namespace

int CmdPlugins(const std::vector<std::string>& args) {
  std::vector<std::string> overrides;
  bool after_dashes = false;
  for (const auto& a : args) {
    if (a == "--") {
      after_dashes = true;
    } else if (after_dashes) {
      overrides.push_back(a);
    } else {
      std::fprintf(stderr, "tern plugins: unexpected argument '%s'\n", a.c_str());
      return 2;
    }
  }
  auto config = Config::Load(FLAGS_config, overrides);
  if (!config.ok()) {
    std::fprintf(stderr, "tern plugins: %s\n", config.status().ToString().c_str());
    return 1;
  }
  std::vector<std::string> extra;
  if (auto dir = config->Get("plugins", "dir"); dir && !dir->empty()) extra.push_back(*dir);

  PluginHost host;
  if (Status st = host.ScanDefault(extra); !st.ok()) {
    std::fprintf(stderr, "tern plugins: %s\n", st.ToString().c_str());
    return 1;
  }
  // Keys of plugin sections are known now: check the whole config.
  std::vector<ConfigKeySpec> schema = Config::CoreSchema();
  for (const auto& r : host.plugins()) {
    if (r.loaded && r.info != nullptr) {
      auto s = Config::PluginSchema(*r.info);
      schema.insert(schema.end(), s.begin(), s.end());
    }
  }
  if (Status st = config->Validate(schema); !st.ok()) {
    std::fprintf(stderr, "tern plugins: %s\n", st.ToString().c_str());
    return 1;
  }

  std::printf("CPU: %s\n", CpuModelName().c_str());
  std::printf("CPU features: %s\n", host.cpu().ToString().c_str());
  std::printf("\nPlugin directories searched:\n");
  for (const auto& d : host.searched_dirs()) std::printf("  %s\n", d.c_str());
  if (host.searched_dirs().empty()) std::printf("  (none found)\n");

  // The NAME column fits the longest name (thrift_copyfree is 15).
  int name_width = 14;
  for (const auto& r : host.plugins())
    name_width = std::max(name_width, static_cast<int>(r.name.size()));
  std::printf("\nPlugins:\n  %-10s %-*s %-8s %5s  %-8s %s\n", "KIND", name_width, "NAME", "VERSION",
              "PRIO", "STATUS", "FILE");
  for (const auto& r : host.plugins()) {
    std::printf("  %-10s %-*s %-8s %5d  %-8s %s\n", r.name.empty() ? "-" : PluginKindName(r.kind),
                name_width, r.name.empty() ? "-" : r.name.c_str(),
                r.version.empty() ? "-" : r.version.c_str(), r.priority,
                r.loaded ? "loaded" : "REFUSED", r.path.c_str());
    if (!r.loaded) std::printf("  %-10s   reason: %s\n", "", r.refusal.c_str());
  }

  std::printf("\nSelected on this machine:\n");
  const std::string encoder = config->Get("simd", "encoder").value_or("auto");
  PrintSelected("encoder", name_width, "[simd] encoder = " + encoder, host.SelectEncoder(encoder));
  const std::string transport = config->Get("server", "transport").value_or("netpoll");
  PrintSelected("transport", name_width, "[server] transport = " + transport,
                host.Find(PluginKind::kTransport, transport));
  const std::string codec = config->Get("server", "codec").value_or("thrift_fast");
  PrintSelected("codec", name_width, "[server] codec = " + codec,
                host.Find(PluginKind::kCodec, codec));
  return 0;
}

}  // namespace tern::cli
