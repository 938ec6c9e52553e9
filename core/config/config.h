// Config: Tern's INI configuration, read with Boost.Program_options.
//
//   [server]            # sections and keys: DESIGN.md's table
//   address = 127.0.0.1:9090
//   [simd]
//   encoder = auto
//   [netpoll]           # a plugin's own section, keys declared in its PluginInfo
//   pollers = 1
//
// Every key can be overridden on the command line after `--`:
//   server --config=tern.ini -- --server.address=127.0.0.1:0 --simd.encoder=scalar
//
// Loading is two steps because plugin sections are known only once the
// plugins are scanned (and where to scan is itself a key): Load() parses the
// text and rejects malformed lines and duplicate keys; Validate() then checks
// every key against the core schema plus the loaded plugins' schemas, and
// every value against its type and choices. Unknown sections, unknown keys and
// bad values are errors that name "section.key".
//
// Thread: immutable after loading; readable from any thread.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "tern/config_view.h"
#include "tern/export.h"
#include "tern/plugin.h"
#include "tern/status.h"

namespace tern {

struct ConfigKeySpec {
  std::string section;
  std::string key;
  ConfigType type = ConfigType::kString;
  std::optional<std::string> default_value;
  std::string help;
  std::vector<std::string> choices;  // empty: any value of the type
};

class TERN_EXPORT Config {
 public:
  // The keys core owns ([server], [client], [codec], [plugins], [simd]).
  static const std::vector<ConfigKeySpec>& CoreSchema();
  // The schema of a plugin's section from its PluginInfo.
  static std::vector<ConfigKeySpec> PluginSchema(const PluginInfo& info);

  // Reads `path` (empty: no file) and applies `overrides`, each
  // "--section.key=value" or "section.key=value".
  static Result<Config> Load(const std::string& path, const std::vector<std::string>& overrides);
  // The same from text (tests).
  static Result<Config> Parse(std::string_view text, const std::vector<std::string>& overrides,
                              std::string_view origin = "<config>");

  // Checks every present key against `schema`: unknown section or key, or a
  // value that does not parse as its type or is not one of its choices, is an
  // error naming the key.
  Status Validate(const std::vector<ConfigKeySpec>& schema) const;

  // The value as written, or the schema default, or nullopt.
  std::optional<std::string> Get(std::string_view section, std::string_view key) const;
  // Typed access with the core schema's default; errors name the key.
  Result<std::string> GetString(std::string_view section, std::string_view key) const;
  Result<int64_t> GetInt(std::string_view section, std::string_view key) const;
  Result<bool> GetBool(std::string_view section, std::string_view key) const;

  // A plugin's section with its schema's defaults filled in.
  ConfigView Section(std::string_view section, const std::vector<ConfigKeySpec>& schema) const;

  // "section.key" -> value, as written.
  const std::map<std::string, std::string>& values() const { return values_; }
  const std::string& origin() const { return origin_; }

 private:
  std::map<std::string, std::string> values_;
  std::string origin_;
};

}  // namespace tern
