// Runtime: one process's configuration, plugins and metrics — what servers
// and clients are made from.
//
//   auto rt = tern::rpc::Runtime::Load("server.ini", {"--server.workers=4"});
//   std::cout << (*rt)->Describe();        // what was selected, and why
//   auto server = tern::rpc::Server::Create(*rt);
//
// Load reads the INI file (DESIGN.md's sections; every key overridable as
// "--section.key=value"), scans the plugin directories ([plugins] dir, then
// TERN_PLUGIN_PATH, then the default next to libtern_core.so), checks every
// key against core's schema and the loaded plugins' own, and installs the
// SIMD encoder ([simd] encoder = auto picks the fastest this CPU can run).
// A transport or codec is created per server/client from the plugin the
// config names; the plugins stay loaded for the life of the process.
//
// Thread: immutable after Load; every method is thread-safe. Keep the
// Runtime alive while servers and clients made from it exist (they hold a
// shared_ptr to it).
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "tern/codec.h"
#include "tern/export.h"
#include "tern/rpc/metrics.h"
#include "tern/status.h"
#include "tern/thrift/types.h"
#include "tern/transport.h"

namespace tern::rpc {

class TERN_EXPORT Runtime {
 public:
  // `config_path` empty: defaults only (plus `overrides`).
  static Result<std::shared_ptr<Runtime>> Load(const std::string& config_path,
                                               const std::vector<std::string>& overrides = {});
  // The same from INI text (tests, embedded configs).
  static Result<std::shared_ptr<Runtime>> FromText(std::string_view ini,
                                                   const std::vector<std::string>& overrides = {});
  ~Runtime();
  Runtime(const Runtime&) = delete;
  Runtime& operator=(const Runtime&) = delete;

  // Several lines: the CPU, its features, every plugin kind with what was
  // selected and why, and the plugins refused (with their reason).
  std::string Describe() const;
  // One line: "transport=netpoll codec=thrift_fast(framed) encoder=avx512".
  std::string SelectionLine(std::string_view side = "server") const;
  // The name of the installed encoder ("scalar", "avx2", "avx512").
  const std::string& encoder() const;

  // Config values with the schema's defaults; errors name "section.key".
  Result<std::string> GetString(std::string_view section, std::string_view key) const;
  Result<int64_t> GetInt(std::string_view section, std::string_view key) const;
  Result<bool> GetBool(std::string_view section, std::string_view key) const;
  // [codec] limits.
  const Limits& limits() const;

  // A new transport of the named plugin, configured from its own section.
  Result<std::unique_ptr<Transport>> NewTransport(std::string_view name) const;
  // A new codec of the named plugin with `framing` ("framed"/"buffered").
  Result<std::unique_ptr<Codec>> NewCodec(std::string_view name, std::string_view framing) const;

  // Every server's and client's metrics in this process.
  MetricsRegistry& metrics() const;

  struct Impl;  // internal

 private:
  explicit Runtime(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace tern::rpc
