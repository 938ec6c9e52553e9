// ConfigView: a read-only view of one section of Tern's INI configuration.
//
// The core loads the INI file (and `--section.key=value` overrides), checks
// every key against what core and the loaded plugins declared, fills in
// defaults, and hands each plugin a ConfigView of its own section. So a
// plugin never parses files, and an unknown key is still an error that names
// the key.
//
// Values are strings as written; the typed getters parse them and return an
// error Status that names the key when the text does not fit the type.
//
// Thread: immutable after construction; safe to read from any thread. The
// view holds its own copy of the section, so it may outlive the Config it
// came from.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "tern/export.h"
#include "tern/status.h"

namespace tern {

class TERN_EXPORT ConfigView {
 public:
  ConfigView() = default;
  ConfigView(std::string section, std::vector<std::pair<std::string, std::string>> entries)
      : section_(std::move(section)), entries_(std::move(entries)) {}

  const std::string& section() const { return section_; }
  const std::vector<std::pair<std::string, std::string>>& entries() const { return entries_; }

  // The raw value of `key`, or nullopt when absent.
  std::optional<std::string_view> Get(std::string_view key) const;
  // Typed getters: `fallback` when absent; an error naming "section.key" when
  // the value does not parse.
  Result<std::string> GetString(std::string_view key, std::string_view fallback) const;
  Result<int64_t> GetInt(std::string_view key, int64_t fallback) const;
  Result<bool> GetBool(std::string_view key, bool fallback) const;

 private:
  std::string section_;
  std::vector<std::pair<std::string, std::string>> entries_;
};

// Parsers shared by the config loader and ConfigView.
TERN_EXPORT Result<int64_t> ParseConfigInt(std::string_view text);
// true/false, yes/no, on/off, 1/0.
TERN_EXPORT Result<bool> ParseConfigBool(std::string_view text);

}  // namespace tern
