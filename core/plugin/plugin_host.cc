#include "core/plugin/plugin_host.h"

#include <dlfcn.h>
#include <glog/logging.h>
#include <sys/stat.h>

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <string>
#include <vector>
// Boost 1.74's library_info headers use std::vector/std::string without
// including them (TOOLCHAIN.md): keep these includes above it.
#include <boost/dll/library_info.hpp>
#include <boost/dll/shared_library.hpp>

namespace tern {

namespace fs = std::filesystem;

const char* PluginKindName(PluginKind kind) {
  switch (kind) {
    case PluginKind::kTransport:
      return "transport";
    case PluginKind::kCodec:
      return "codec";
    case PluginKind::kEncoder:
      return "encoder";
  }
  return "unknown";
}

namespace {

const EncoderKernels* ScalarKernelsEntry() noexcept { return &ScalarKernels(); }

const PluginInfo kScalarInfo = {
    kPluginAbiVersion,
    sizeof(PluginInfo),
    BuildFingerprint(),
    PluginKind::kEncoder,
    /*priority=*/0,
    "scalar",
    "0.1.0",
    "portable byte-swap loops (built into core)",
    /*required_cpu=*/0,
    /*capabilities=*/0,
    nullptr,
    0,
    nullptr,
    nullptr,
    &ScalarKernelsEntry,
    {},
};

// Libraries stay loaded until exit: objects a plugin made may live that long.
std::mutex g_libs_mu;
std::vector<boost::dll::shared_library>* g_libs = new std::vector<boost::dll::shared_library>();

std::string CpuNames(uint64_t bits) { return CpuFeatures(bits).ToString(); }

// Checks the ELF header and that the section and program header tables lie
// inside the file, so a truncated or foreign file gets a precise reason
// (library_info would only say "iostream error").
std::string CheckElf(const std::string& path) {
  struct stat st;
  if (::stat(path.c_str(), &st) != 0) return std::string("cannot stat: ") + std::strerror(errno);
  if (!S_ISREG(st.st_mode)) return "not a regular file";
  std::ifstream in(path, std::ios::binary);
  if (!in) return std::string("cannot open: ") + std::strerror(errno);
  unsigned char h[64] = {};
  in.read(reinterpret_cast<char*>(h), sizeof(h));
  const auto got = static_cast<size_t>(in.gcount());
  if (got < 4 || std::memcmp(h,
                             "\x7f"
                             "ELF",
                             4) != 0)
    return "not an ELF file";
  if (got < sizeof(h)) return "truncated: shorter than an ELF header";
  if (h[4] != 2) return "not a 64-bit ELF file";
  if (h[5] != 1) return "not a little-endian ELF file";
  auto u16 = [&](size_t off) { return static_cast<uint64_t>(h[off] | (h[off + 1] << 8)); };
  auto u64 = [&](size_t off) {
    uint64_t v = 0;
    for (int i = 7; i >= 0; --i) v = (v << 8) | h[off + i];
    return v;
  };
  if (u16(16) != 3) return "not a shared object (ELF type is not ET_DYN)";
  if (u16(18) != 62) return "not an x86-64 ELF file";
  const uint64_t size = static_cast<uint64_t>(st.st_size);
  const uint64_t phoff = u64(0x20), shoff = u64(0x28);
  const uint64_t phentsize = u16(0x36), phnum = u16(0x38);
  const uint64_t shentsize = u16(0x3A), shnum = u16(0x3C);
  if (phoff > size || phnum * phentsize > size - phoff) {
    return "truncated: program header table past end of file";
  }
  if (shoff > size || shnum * shentsize > size - shoff) {
    return "truncated: section table past end of file";
  }
  return "";
}

}  // namespace

PluginHost::PluginHost(CpuFeatures cpu) : cpu_(cpu) {
  PluginRecord r;
  r.path = "(built in)";
  r.name = kScalarInfo.name;
  r.kind = kScalarInfo.kind;
  r.priority = kScalarInfo.priority;
  r.version = kScalarInfo.version;
  r.description = kScalarInfo.description;
  r.info = &kScalarInfo;
  r.loaded = true;
  records_.push_back(std::move(r));
}

PluginHost::~PluginHost() = default;

std::string PluginHost::DefaultPluginDir() {
  Dl_info info;
  if (dladdr(reinterpret_cast<void*>(&PluginHost::DefaultPluginDir), &info) == 0 ||
      info.dli_fname == nullptr) {
    return "";
  }
  std::error_code ec;
  fs::path lib = fs::canonical(info.dli_fname, ec);
  if (ec) lib = info.dli_fname;
  return (lib.parent_path() / "tern" / "plugins").string();
}

std::vector<std::string> PluginHost::SearchPath(const std::vector<std::string>& extra) {
  std::vector<std::string> dirs = extra;
  if (const char* env = std::getenv("TERN_PLUGIN_PATH"); env != nullptr) {
    std::string s(env);
    size_t pos = 0;
    while (pos <= s.size()) {
      size_t end = s.find(':', pos);
      if (end == std::string::npos) end = s.size();
      if (end > pos) dirs.push_back(s.substr(pos, end - pos));
      pos = end + 1;
    }
  }
  const std::string def = DefaultPluginDir();
  if (!def.empty()) dirs.push_back(def);
  return dirs;
}

Status PluginHost::ScanDefault(const std::vector<std::string>& extra_dirs) {
  std::vector<std::string> dirs = SearchPath(extra_dirs);
  const size_t explicit_dirs = DefaultPluginDir().empty() ? dirs.size() : dirs.size() - 1;
  return Scan(dirs, explicit_dirs);
}

Status PluginHost::Scan(const std::vector<std::string>& dirs, size_t explicit_dirs) {
  for (size_t i = 0; i < dirs.size(); ++i) {
    const std::string& dir = dirs[i];
    std::error_code ec;
    if (!fs::is_directory(dir, ec)) {
      if (i < explicit_dirs) {
        return NotFound("plugin directory '" + dir + "' does not exist or is not a directory");
      }
      continue;
    }
    // The same directory named twice (a config's [plugins] dir that is also
    // the default one, a symlink): its plugins are inspected once, not
    // refused as shadowed by themselves.
    const bool seen = std::any_of(searched_.begin(), searched_.end(), [&](const std::string& d) {
      std::error_code eq;
      return fs::equivalent(d, dir, eq);
    });
    if (seen) continue;
    searched_.push_back(dir);
    std::vector<std::string> files;
    for (const auto& entry : fs::directory_iterator(dir, ec)) {
      const std::string name = entry.path().filename().string();
      if (name.size() > 3 && name.compare(name.size() - 3, 3, ".so") == 0) {
        files.push_back(entry.path().string());
      }
    }
    if (ec) return ErrnoError("listing plugin directory '" + dir + "'", ec.value());
    std::sort(files.begin(), files.end());  // deterministic order
    for (const auto& f : files) Inspect(f);
  }
  return Status::OK();
}

PluginRecord& PluginHost::Refuse(PluginRecord& r, std::string reason) {
  r.loaded = false;
  r.refusal = std::move(reason);
  LOG(WARNING) << "plugin " << r.path << " refused: " << r.refusal;
  return r;
}

const PluginRecord& PluginHost::Inspect(const std::string& path) {
  records_.emplace_back();
  PluginRecord& r = records_.back();
  r.path = path;

  if (std::string why = CheckElf(path); !why.empty()) return Refuse(r, why);

  // Find our symbol without loading: a stray .so never runs its initialisers.
  try {
    boost::dll::library_info info(path, /*throw_if_not_native=*/true);
    std::vector<std::string> symbols = info.symbols("boostdll");
    if (std::find(symbols.begin(), symbols.end(), TERN_PLUGIN_SYMBOL) == symbols.end()) {
      return Refuse(r, "not a Tern plugin: no '" TERN_PLUGIN_SYMBOL "' symbol");
    }
  } catch (const std::exception& e) {
    return Refuse(r, std::string("cannot read its symbol table: ") + e.what());
  }

  const PluginInfo* info = nullptr;
  try {
    boost::dll::shared_library lib(
        path, boost::dll::load_mode::rtld_now | boost::dll::load_mode::rtld_local);
    auto& entry = lib.get_alias<const PluginInfo*()>(TERN_PLUGIN_SYMBOL);
    info = entry();
    std::lock_guard<std::mutex> lock(g_libs_mu);
    g_libs->push_back(std::move(lib));
  } catch (const std::exception& e) {
    return Refuse(r, std::string("failed to load: ") + e.what());
  }
  if (info == nullptr) return Refuse(r, "its entry point returned no PluginInfo");

  // The frozen head first, then the fingerprint, then the rest.
  if (info->abi_version != kPluginAbiVersion) {
    return Refuse(r, "ABI version " + std::to_string(info->abi_version) + ", this host needs " +
                         std::to_string(kPluginAbiVersion));
  }
  if (info->struct_size != sizeof(PluginInfo)) {
    return Refuse(r, "PluginInfo size " + std::to_string(info->struct_size) + ", expected " +
                         std::to_string(sizeof(PluginInfo)));
  }
  if (info->build_fingerprint != BuildFingerprint()) {
    char buf[96];
    std::snprintf(buf, sizeof(buf), "build fingerprint %#llx, this host has %#llx",
                  static_cast<unsigned long long>(info->build_fingerprint),
                  static_cast<unsigned long long>(BuildFingerprint()));
    return Refuse(r, std::string(buf) + " (different C++ standard library ABI)");
  }
  r.info = info;
  r.name = info->name != nullptr ? info->name : "";
  r.kind = info->kind;
  r.priority = info->priority;
  r.version = info->version != nullptr ? info->version : "";
  r.description = info->description != nullptr ? info->description : "";
  r.required_cpu = info->required_cpu;
  if (r.name.empty()) return Refuse(r, "it has no name");
  switch (info->kind) {
    case PluginKind::kTransport:
      if (info->create_transport == nullptr) return Refuse(r, "transport without a factory");
      break;
    case PluginKind::kCodec:
      if (info->create_codec == nullptr) return Refuse(r, "codec without a factory");
      break;
    case PluginKind::kEncoder:
      if (info->encoder_kernels == nullptr) return Refuse(r, "encoder without kernels");
      break;
    default:
      return Refuse(r, "unknown plugin kind " + std::to_string(static_cast<uint32_t>(info->kind)));
  }
  if (const uint64_t unknown = info->required_cpu & ~static_cast<uint64_t>(kCpuKnownMask)) {
    char buf[64];
    std::snprintf(buf, sizeof(buf), "%#llx", static_cast<unsigned long long>(unknown));
    return Refuse(r, std::string("needs CPU features this host cannot check (bits ") + buf + ")");
  }
  if (!cpu_.Has(info->required_cpu)) {
    return Refuse(r, "needs CPU features " + CpuNames(info->required_cpu & ~cpu_.bits()) +
                         " that this machine lacks");
  }
  for (const auto& other : records_) {
    if (&other != &r && other.loaded && other.kind == r.kind && other.name == r.name) {
      return Refuse(r, std::string("shadowed by ") + other.path + " (same " +
                           PluginKindName(r.kind) + " name '" + r.name + "')");
    }
  }
  r.loaded = true;
  VLOG(1) << "plugin " << path << " loaded: " << PluginKindName(r.kind) << " '" << r.name << "'";
  return r;
}

Result<const PluginRecord*> PluginHost::Find(PluginKind kind, std::string_view name) const {
  const PluginRecord* refused = nullptr;
  for (const auto& r : records_) {
    if (r.kind != kind || r.name != name) continue;
    if (r.loaded) return &r;
    if (refused == nullptr) refused = &r;
  }
  if (refused != nullptr) {
    return FailedPrecondition(std::string(PluginKindName(kind)) + " plugin '" + std::string(name) +
                              "' was refused (" + refused->path + "): " + refused->refusal);
  }
  std::string dirs;
  for (const auto& d : searched_) dirs += (dirs.empty() ? "" : ", ") + d;
  return NotFound(std::string(PluginKindName(kind)) + " plugin '" + std::string(name) +
                  "' not found (searched: " + (dirs.empty() ? "no plugin directory" : dirs) + ")");
}

Result<const PluginRecord*> PluginHost::SelectEncoder(std::string_view name) const {
  if (name != "auto") return Find(PluginKind::kEncoder, name);
  const PluginRecord* best = nullptr;
  for (const auto& r : records_) {
    if (r.kind == PluginKind::kEncoder && r.loaded &&
        (best == nullptr || r.priority > best->priority)) {
      best = &r;
    }
  }
  if (best == nullptr) return Internal("no encoder loaded (the built-in scalar one is missing)");
  return best;
}

Result<const PluginRecord*> PluginHost::InstallEncoder(std::string_view name) const {
  auto r = SelectEncoder(name);
  if (!r.ok()) return r;
  const EncoderKernels* k = (*r)->info->encoder_kernels();
  if (k == nullptr) return Internal("encoder '" + (*r)->name + "' returned no kernel table");
  InstallKernels(k);
  return r;
}

Status PluginHost::CreateTransport(std::string_view name, const ConfigView& section,
                                   std::unique_ptr<Transport>* out) const {
  TERN_ASSIGN_OR_RETURN(const PluginRecord* r, Find(PluginKind::kTransport, name));
  return r->info->create_transport(section, out)
      .WithContext("creating transport '" + r->name + "'");
}

Status PluginHost::CreateCodec(std::string_view name, const ConfigView& section,
                               std::unique_ptr<Codec>* out) const {
  TERN_ASSIGN_OR_RETURN(const PluginRecord* r, Find(PluginKind::kCodec, name));
  return r->info->create_codec(section, out).WithContext("creating codec '" + r->name + "'");
}

}  // namespace tern
