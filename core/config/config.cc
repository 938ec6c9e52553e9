#include "core/config/config.h"

#include <boost/program_options.hpp>
#include <fstream>
#include <set>
#include <sstream>

namespace tern {

namespace po = boost::program_options;

namespace {

ConfigKeySpec Key(const char* section, const char* key, ConfigType type, const char* def,
                  const char* help, std::vector<std::string> choices = {}) {
  ConfigKeySpec s;
  s.section = section;
  s.key = key;
  s.type = type;
  if (def != nullptr) s.default_value = def;
  s.help = help;
  s.choices = std::move(choices);
  return s;
}

const ConfigKeySpec* FindSpec(const std::vector<ConfigKeySpec>& schema, std::string_view section,
                              std::string_view key) {
  for (const auto& s : schema) {
    if (s.section == section && s.key == key) return &s;
  }
  return nullptr;
}

std::pair<std::string_view, std::string_view> SplitKey(std::string_view full) {
  const size_t dot = full.find('.');
  if (dot == std::string_view::npos) return {"", full};
  return {full.substr(0, dot), full.substr(dot + 1)};
}

Status CheckValue(const ConfigKeySpec& spec, const std::string& value) {
  const std::string name = spec.section + "." + spec.key;
  switch (spec.type) {
    case ConfigType::kInt: {
      auto r = ParseConfigInt(value);
      if (!r.ok()) return r.status().WithContext(name);
      if (*r < 0) return InvalidArgument(name + ": must not be negative: '" + value + "'");
      break;
    }
    case ConfigType::kBool: {
      auto r = ParseConfigBool(value);
      if (!r.ok()) return r.status().WithContext(name);
      break;
    }
    case ConfigType::kString:
      break;
  }
  if (!spec.choices.empty()) {
    bool ok = false;
    std::string all;
    for (const auto& c : spec.choices) {
      ok = ok || c == value;
      all += (all.empty() ? "" : "|") + c;
    }
    if (!ok) return InvalidArgument(name + ": '" + value + "' is not one of " + all);
  }
  return Status::OK();
}

}  // namespace

const std::vector<ConfigKeySpec>& Config::CoreSchema() {
  using T = ConfigType;
  static const std::vector<ConfigKeySpec> schema = {
      Key("server", "address", T::kString, "127.0.0.1:9090",
          "listen address: host:port, [v6]:port or unix:/path"),
      Key("server", "transport", T::kString, "netpoll", "transport plugin"),
      Key("server", "codec", T::kString, "thrift_fast", "codec plugin"),
      Key("server", "framing", T::kString, "framed",
          "framed, buffered, or auto (each connection's, from its first message)",
          {"framed", "buffered", "auto"}),
      Key("server", "workers", T::kInt, "0", "handler threads; 0 runs handlers on the pollers"),
      Key("server", "worker_queue", T::kInt, "0",
          "calls queued for the workers before new ones are refused; 0 = 1024 per worker"),
      Key("server", "max_connections", T::kInt, "10000", "accept pauses beyond this"),
      Key("server", "max_inflight", T::kInt, "10000", "calls beyond this get an exception"),
      Key("server", "idle_timeout_ms", T::kInt, "600000",
          "close a connection with no whole request read and nothing written this long; "
          "0 = never"),
      Key("server", "max_pending_per_connection", T::kInt, "128",
          "calls of one connection served at once; its further requests wait"),
      Key("server", "shutdown_grace_ms", T::kInt, "5000", "drain deadline on shutdown"),
      Key("server", "arena_bytes", T::kInt, "4096",
          "--alloc=pmr services: each call's arena starts with this many bytes; 0 = no arena"),
      Key("client", "endpoints", T::kString, nullptr, "comma-separated server addresses"),
      Key("client", "transport", T::kString, "netpoll", "transport plugin"),
      Key("client", "codec", T::kString, "thrift_fast", "codec plugin"),
      Key("client", "framing", T::kString, "framed", "framed or buffered", {"framed", "buffered"}),
      Key("client", "connect_timeout_ms", T::kInt, "1000", "connect timeout"),
      Key("client", "timeout_ms", T::kInt, "1000", "per-call deadline"),
      Key("client", "pool_size", T::kInt, "4", "connections per endpoint"),
      Key("client", "idle_timeout_ms", T::kInt, "60000", "close pooled connections idle this long"),
      Key("client", "max_pending", T::kInt, "100000",
          "calls awaiting replies before new ones fail"),
      Key("client", "retries", T::kInt, "1", "retries of calls that were never sent"),
      Key("client", "load_balancer", T::kString, "round_robin", "endpoint choice",
          {"round_robin", "weighted_random"}),
      Key("codec", "max_frame", T::kInt, "16m", "largest frame accepted"),
      Key("codec", "max_string", T::kInt, "16m", "largest string/binary accepted"),
      Key("codec", "max_container", T::kInt, "16m", "most elements in one container"),
      Key("codec", "max_depth", T::kInt, "64", "deepest struct/container nesting"),
      Key("codec", "max_decoded", T::kInt, "256m",
          "memory the containers of one message may take once decoded"),
      Key("codec", "strict_read", T::kBool, "false", "reject non-strict Binary messages"),
      Key("plugins", "dir", T::kString, nullptr, "extra plugin directory, searched first"),
      Key("simd", "encoder", T::kString, "auto", "auto, scalar, or an encoder plugin's name"),
  };
  return schema;
}

std::vector<ConfigKeySpec> Config::PluginSchema(const PluginInfo& info) {
  std::vector<ConfigKeySpec> out;
  for (uint32_t i = 0; i < info.num_config_keys; ++i) {
    const PluginConfigKey& k = info.config_keys[i];
    ConfigKeySpec s;
    s.section = info.name;
    s.key = k.name;
    s.type = k.type;
    if (k.default_value != nullptr) s.default_value = k.default_value;
    if (k.help != nullptr) s.help = k.help;
    out.push_back(std::move(s));
  }
  return out;
}

Result<Config> Config::Parse(std::string_view text, const std::vector<std::string>& overrides,
                             std::string_view origin) {
  Config c;
  c.origin_ = std::string(origin);
  try {
    std::istringstream in{std::string(text)};
    po::options_description none;
    auto parsed = po::parse_config_file(in, none, /*allow_unregistered=*/true);
    for (const auto& opt : parsed.options) {
      const std::string& key = opt.string_key;
      if (key.find('.') == std::string::npos) {
        return InvalidArgument(c.origin_ + ": key '" + key + "' is outside any [section]");
      }
      if (c.values_.count(key) != 0) {
        return InvalidArgument(c.origin_ + ": " + key + " is given more than once");
      }
      c.values_[key] = opt.value.empty() ? "" : opt.value.front();
    }
  } catch (const std::exception& e) {
    return InvalidArgument(c.origin_ + ": " + e.what());
  }
  std::set<std::string> overridden;
  for (std::string o : overrides) {
    if (o.rfind("--", 0) == 0) o.erase(0, 2);
    const size_t eq = o.find('=');
    if (eq == std::string::npos || eq == 0) {
      return InvalidArgument("override '" + o + "' is not section.key=value");
    }
    std::string key = o.substr(0, eq);
    if (key.find('.') == std::string::npos) {
      return InvalidArgument("override '" + o + "' names no section (section.key=value)");
    }
    if (!overridden.insert(key).second) {
      return InvalidArgument("override " + key + " is given more than once");
    }
    c.values_[key] = o.substr(eq + 1);
  }
  return c;
}

Result<Config> Config::Load(const std::string& path, const std::vector<std::string>& overrides) {
  std::string text;
  if (!path.empty()) {
    std::ifstream in(path);
    if (!in) return NotFound("cannot read config file " + path);
    std::ostringstream ss;
    ss << in.rdbuf();
    text = ss.str();
  }
  return Parse(text, overrides, path.empty() ? "<command line>" : path);
}

Status Config::Validate(const std::vector<ConfigKeySpec>& schema) const {
  for (const auto& [full, value] : values_) {
    auto [section, key] = SplitKey(full);
    const ConfigKeySpec* spec = FindSpec(schema, section, key);
    if (spec == nullptr) {
      bool known_section = false;
      for (const auto& s : schema) known_section = known_section || s.section == section;
      if (!known_section) {
        return InvalidArgument(origin_ + ": unknown section [" + std::string(section) + "] (key " +
                               full + ")");
      }
      return InvalidArgument(origin_ + ": unknown key " + full);
    }
    TERN_RETURN_IF_ERROR(CheckValue(*spec, value).WithContext(origin_));
  }
  return Status::OK();
}

std::optional<std::string> Config::Get(std::string_view section, std::string_view key) const {
  std::string full = std::string(section) + "." + std::string(key);
  auto it = values_.find(full);
  if (it != values_.end()) return it->second;
  if (const ConfigKeySpec* spec = FindSpec(CoreSchema(), section, key)) return spec->default_value;
  return std::nullopt;
}

Result<std::string> Config::GetString(std::string_view section, std::string_view key) const {
  auto v = Get(section, key);
  if (!v) return NotFound(std::string(section) + "." + std::string(key) + " is not set");
  return *v;
}

Result<int64_t> Config::GetInt(std::string_view section, std::string_view key) const {
  auto v = Get(section, key);
  if (!v) return NotFound(std::string(section) + "." + std::string(key) + " is not set");
  auto r = ParseConfigInt(*v);
  if (!r.ok()) return r.status().WithContext(std::string(section) + "." + std::string(key));
  return r;
}

Result<bool> Config::GetBool(std::string_view section, std::string_view key) const {
  auto v = Get(section, key);
  if (!v) return NotFound(std::string(section) + "." + std::string(key) + " is not set");
  auto r = ParseConfigBool(*v);
  if (!r.ok()) return r.status().WithContext(std::string(section) + "." + std::string(key));
  return r;
}

ConfigView Config::Section(std::string_view section,
                           const std::vector<ConfigKeySpec>& schema) const {
  std::vector<std::pair<std::string, std::string>> entries;
  for (const auto& spec : schema) {
    if (spec.section != section) continue;
    auto it = values_.find(spec.section + "." + spec.key);
    if (it != values_.end()) {
      entries.emplace_back(spec.key, it->second);
    } else if (spec.default_value) {
      entries.emplace_back(spec.key, *spec.default_value);
    }
  }
  return ConfigView(std::string(section), std::move(entries));
}

}  // namespace tern
