// Runtime: config + plugins + metrics for the servers and clients of one
// process. See tern/rpc/runtime.h.
#include "tern/rpc/runtime.h"

#include <sstream>

#include "core/config/config.h"
#include "core/plugin/plugin_host.h"
#include "tern/cpu.h"

namespace tern::rpc {

struct Runtime::Impl {
  Config config;
  PluginHost host;
  std::vector<ConfigKeySpec> schema;
  Limits limits;
  std::string encoder;
  std::string encoder_reason;
  mutable MetricsRegistry metrics;
};

namespace {

std::string Or(const Result<std::string>& r, const char* fallback) {
  return r.ok() ? *r : std::string(fallback);
}

Result<size_t> Positive(const Config& c, std::string_view key) {
  TERN_ASSIGN_OR_RETURN(int64_t v, c.GetInt("codec", key));
  if (v <= 0) return InvalidArgument("codec." + std::string(key) + " must be positive");
  return static_cast<size_t>(v);
}

Result<std::unique_ptr<Runtime::Impl>> Build(Result<Config> config) {
  if (!config.ok()) return std::move(config).status();
  auto impl = std::make_unique<Runtime::Impl>();
  impl->config = std::move(*config);
  std::vector<std::string> extra;
  if (auto dir = impl->config.Get("plugins", "dir"); dir && !dir->empty()) extra.push_back(*dir);
  TERN_RETURN_IF_ERROR(impl->host.ScanDefault(extra));
  impl->schema = Config::CoreSchema();
  for (const auto& r : impl->host.plugins()) {
    if (r.loaded && r.info != nullptr) {
      auto s = Config::PluginSchema(*r.info);
      impl->schema.insert(impl->schema.end(), s.begin(), s.end());
    }
  }
  TERN_RETURN_IF_ERROR(impl->config.Validate(impl->schema));

  Limits& l = impl->limits;
  TERN_ASSIGN_OR_RETURN(l.max_frame, Positive(impl->config, "max_frame"));
  TERN_ASSIGN_OR_RETURN(l.max_string, Positive(impl->config, "max_string"));
  TERN_ASSIGN_OR_RETURN(l.max_container, Positive(impl->config, "max_container"));
  TERN_ASSIGN_OR_RETURN(l.max_decoded, Positive(impl->config, "max_decoded"));
  TERN_ASSIGN_OR_RETURN(size_t depth, Positive(impl->config, "max_depth"));
  l.max_depth = static_cast<int>(depth);
  TERN_ASSIGN_OR_RETURN(l.strict_read, impl->config.GetBool("codec", "strict_read"));

  TERN_ASSIGN_OR_RETURN(std::string want, impl->config.GetString("simd", "encoder"));
  TERN_ASSIGN_OR_RETURN(const PluginRecord* enc, impl->host.InstallEncoder(want));
  impl->encoder = enc->name;
  if (want == "auto") {
    impl->encoder_reason = "[simd] encoder = auto: the highest-priority encoder this CPU runs";
  } else {
    impl->encoder_reason = "[simd] encoder = " + want;
  }
  return impl;
}

}  // namespace

Runtime::Runtime(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Runtime::~Runtime() = default;

Result<std::shared_ptr<Runtime>> Runtime::Load(const std::string& config_path,
                                               const std::vector<std::string>& overrides) {
  TERN_ASSIGN_OR_RETURN(auto impl, Build(Config::Load(config_path, overrides)));
  return std::shared_ptr<Runtime>(new Runtime(std::move(impl)));
}

Result<std::shared_ptr<Runtime>> Runtime::FromText(std::string_view ini,
                                                   const std::vector<std::string>& overrides) {
  TERN_ASSIGN_OR_RETURN(auto impl, Build(Config::Parse(ini, overrides)));
  return std::shared_ptr<Runtime>(new Runtime(std::move(impl)));
}

std::string Runtime::Describe() const {
  std::ostringstream os;
  const PluginHost& h = impl_->host;
  os << "CPU: " << CpuModelName() << "\n";
  os << "CPU features: " << h.cpu().ToString() << "\n";
  os << "Plugins:\n";
  for (const auto& r : h.plugins()) {
    if (r.name.empty()) {
      os << "  refused  " << r.path << ": " << r.refusal << "\n";
      continue;
    }
    os << "  " << (r.loaded ? "loaded " : "REFUSED") << "  " << PluginKindName(r.kind) << " "
       << r.name << " (priority " << r.priority << ")";
    if (!r.loaded) os << ": " << r.refusal;
    os << "\n";
  }
  auto line = [&](std::string_view side) {
    const std::string s(side);
    const std::string transport = Or(GetString(side, "transport"), "?");
    const std::string codec = Or(GetString(side, "codec"), "?");
    const std::string framing = Or(GetString(side, "framing"), "?");
    os << "Selected (" << s << "):\n";
    os << "  transport " << transport << "  ([" << s << "] transport; named, not auto-selected)\n";
    os << "  codec     " << codec << ", " << framing << " framing  ([" << s
       << "] codec, framing)\n";
  };
  line("server");
  os << "  encoder   " << impl_->encoder << "  (" << impl_->encoder_reason << ")\n";
  return os.str();
}

std::string Runtime::SelectionLine(std::string_view side) const {
  return "transport=" + Or(GetString(side, "transport"), "?") +
         " codec=" + Or(GetString(side, "codec"), "?") + "(" + Or(GetString(side, "framing"), "?") +
         ") encoder=" + impl_->encoder;
}

const std::string& Runtime::encoder() const { return impl_->encoder; }

Result<std::string> Runtime::GetString(std::string_view section, std::string_view key) const {
  return impl_->config.GetString(section, key);
}
Result<int64_t> Runtime::GetInt(std::string_view section, std::string_view key) const {
  return impl_->config.GetInt(section, key);
}
Result<bool> Runtime::GetBool(std::string_view section, std::string_view key) const {
  return impl_->config.GetBool(section, key);
}
const Limits& Runtime::limits() const { return impl_->limits; }
MetricsRegistry& Runtime::metrics() const { return impl_->metrics; }

Result<std::unique_ptr<Transport>> Runtime::NewTransport(std::string_view name) const {
  TERN_ASSIGN_OR_RETURN(const PluginRecord* r, impl_->host.Find(PluginKind::kTransport, name));
  std::unique_ptr<Transport> t;
  TERN_RETURN_IF_ERROR(impl_->host.CreateTransport(
      name, impl_->config.Section(r->name, Config::PluginSchema(*r->info)), &t));
  return t;
}

Result<std::unique_ptr<Codec>> Runtime::NewCodec(std::string_view name,
                                                 std::string_view framing) const {
  TERN_ASSIGN_OR_RETURN(const PluginRecord* r, impl_->host.Find(PluginKind::kCodec, name));
  ConfigView section = impl_->config.Section(r->name, Config::PluginSchema(*r->info));
  // The framing of the server or client wins over the codec's own default.
  std::vector<std::pair<std::string, std::string>> entries;
  for (const auto& e : section.entries()) {
    if (e.first != "framing") entries.push_back(e);
  }
  entries.emplace_back("framing", std::string(framing));
  std::unique_ptr<Codec> c;
  TERN_RETURN_IF_ERROR(
      impl_->host.CreateCodec(name, ConfigView(section.section(), std::move(entries)), &c));
  return c;
}

}  // namespace tern::rpc
