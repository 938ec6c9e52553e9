// tern new NAME --idl FILE.thrift [--service SERVICE] [-I DIR]... [-o DIR] [--force]
//
// Scaffolds a service project into DIR (default ./NAME) that builds against
// an installed Tern with find_package(Tern) alone:
//
//   CMakeLists.txt      tern_generate() on the IDL copies (C++ generated at
//                       build time), NAME_server and NAME_client
//   idl/...             the IDL and every file it includes, laid out so that
//                       each `include` resolves as it did for `tern gen`
//   NAME_handler.h/.cc  NAME::<Service>Impl, the generated <Service>Handler
//                       with one stub per method, inherited ones included
//   main.cc             the server: config, Serve, Start, SIGINT/SIGTERM, Stop
//   client.cc           calls every method once and prints what came back
//   NAME.ini            the config (only keys core's schema knows)
//   README.md           how to build and run it
//
// The IDL is read with the compiler `tern gen` uses (tern_idl) and lowered
// with the generator's own lowering, and every C++ type is spelled by the
// generator's CppTypeName/CppFieldTypeName, so the stubs always match the
// generated handler interface.
//
// Files are never overwritten without --force: when any target file exists,
// nothing is written and the command exits 1 — also on a re-run that finds
// nothing missing, since no project was created. If DIR holds a project made
// by `tern new` (CMakeLists.txt and NAME_handler.h exist), it also lists the
// stubs the handler lacks for the IDL given (a method added since), ready to
// paste, and says when the project's IDL copy differs from FILE. A method
// counts as present when the handler header (comments aside) names it
// followed by '(' — the check reads text, it does not compile. Exit codes:
// 0 written, 1 refused or failed (IDL errors, unwritable files), 2 bad
// command line (including a missing or unknown --service).
#include <cctype>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <set>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include "idl/gen/cpp/cpp_generator.h"
#include "idl/gen/cpp/lower.h"
#include "tern/idl/compiler.h"
#include "tools/tern/commands.h"

namespace tern::cli {

namespace {

namespace fs = std::filesystem;

constexpr const char* kNewUsage =
    "usage: tern new NAME --idl FILE.thrift [--service SERVICE] [-I DIR]... [-o DIR] [--force]\n"
    "\n"
    "Writes a service project into DIR (default ./NAME): CMakeLists.txt (find_package(Tern),\n"
    "tern_generate), a copy of the IDL and its includes under idl/, NAME_handler.h/.cc with a\n"
    "stub per method of SERVICE (needed when the IDL declares several), main.cc (the server),\n"
    "client.cc (calls every method once), NAME.ini and README.md.\n"
    "\n"
    "Existing files are never overwritten without --force: the command lists them, writes\n"
    "nothing and exits 1. On a project it made before, it also lists the handler stubs the\n"
    "IDL now needs and the handler lacks.\n";

struct Options {
  std::string name;
  std::string idl;
  std::string service;
  std::string out_dir;
  std::vector<std::string> include_dirs;
  bool force = false;
};

// Returns 0 when `opts` is complete, -1 after --help, else the exit code
// (usage printed).
int ParseArgs(const std::vector<std::string>& args, Options& opts) {
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    // "--flag VALUE" and "--flag=VALUE" (and -I also "-IDIR", as for tern gen).
    auto take = [&](const std::string& flag, std::string& into) -> int {
      if (a == flag) {
        if (i + 1 >= args.size()) {
          std::fprintf(stderr, "tern new: %s needs a value\n%s", flag.c_str(), kNewUsage);
          return 2;
        }
        into = args[++i];
        return 1;
      }
      if (a.rfind(flag + "=", 0) == 0) {
        into = a.substr(flag.size() + 1);
        return 1;
      }
      return 0;
    };
    int r = 0;
    std::string dir;
    if ((r = take("--idl", opts.idl)) != 0 || (r = take("--service", opts.service)) != 0 ||
        (r = take("-o", opts.out_dir)) != 0 || (r = take("--out", opts.out_dir)) != 0) {
      if (r == 2) return 2;
    } else if ((r = take("-I", dir)) != 0) {
      if (r == 2) return 2;
      opts.include_dirs.push_back(dir);
    } else if (a.rfind("-I", 0) == 0 && a.size() > 2) {
      opts.include_dirs.push_back(a.substr(2));
    } else if (a == "--force" || a == "-f") {
      opts.force = true;
    } else if (a == "-h" || a == "--help") {
      std::fputs(kNewUsage, stdout);
      return -1;
    } else if (!a.empty() && a[0] == '-') {
      std::fprintf(stderr, "tern new: unknown option '%s'\n%s", a.c_str(), kNewUsage);
      return 2;
    } else if (opts.name.empty()) {
      opts.name = a;
    } else {
      std::fprintf(stderr, "tern new: one project at a time ('%s' and '%s')\n%s", opts.name.c_str(),
                   a.c_str(), kNewUsage);
      return 2;
    }
  }
  if (opts.name.empty() || opts.idl.empty()) {
    std::fprintf(stderr, "tern new: NAME and --idl are required\n%s", kNewUsage);
    return 2;
  }
  // NAME becomes targets, file names and the handler's C++ namespace.
  bool ok = std::isalpha(static_cast<unsigned char>(opts.name[0])) != 0;
  for (char c : opts.name) {
    ok = ok && (std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '_');
  }
  if (!ok) {
    std::fprintf(stderr,
                 "tern new: NAME '%s' must be a letter followed by letters, digits or '_' "
                 "(it names the targets, the files and a C++ namespace)\n",
                 opts.name.c_str());
    return 2;
  }
  if (gen::EscapeCpp(opts.name) != opts.name) {
    std::fprintf(stderr, "tern new: NAME '%s' is a C++ keyword or reserved name\n",
                 opts.name.c_str());
    return 2;
  }
  if (opts.out_dir.empty()) opts.out_dir = opts.name;
  return 0;
}

// "@KEY@" -> value, for every key of `vars`.
std::string Fill(std::string text, const std::map<std::string, std::string>& vars) {
  for (const auto& [key, value] : vars) {
    const std::string token = "@" + key + "@";
    for (size_t at = text.find(token); at != std::string::npos;
         at = text.find(token, at + value.size())) {
      text.replace(at, token.size(), value);
    }
  }
  return text;
}

bool ReadFile(const fs::path& path, std::string& out) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return false;
  std::ostringstream ss;
  ss << in.rdbuf();
  out = ss.str();
  return static_cast<bool>(in) || in.eof();
}

// ---- the IDL: services, methods, files ---------------------------------------

// One method the handler implements.
struct Method {
  std::string service;  // the IDL name of the service that declares it
  const gen::Function* fn = nullptr;
};

std::string ResultCpp(const gen::Function& fn) {
  return fn.returns_void ? std::string("void") : gen::CppTypeName(fn.result);
}

// The parameters as the generated handler declares them ("T a"); `attr`
// goes before each.
std::vector<std::string> Params(const gen::Function& fn, const std::string& attr = "") {
  std::vector<std::string> out;
  for (const gen::Field& a : fn.args) out.push_back(attr + gen::CppFieldTypeName(a) + " " + a.cpp);
  return out;
}

// indent + head(items...) + tail on one line when it fits in 100 columns,
// else one item per line, indented 4 more.
std::string Wrap(const std::string& indent, const std::string& head,
                 const std::vector<std::string>& items, const std::string& tail) {
  std::string line = indent + head + "(";
  for (size_t i = 0; i < items.size(); ++i) line += (i == 0 ? "" : ", ") + items[i];
  line += ")" + tail;
  if (line.size() <= 100 || items.empty()) return line + "\n";
  std::string out = indent + head + "(\n";
  for (size_t i = 0; i < items.size(); ++i) {
    out += indent + "    " + items[i] + (i + 1 < items.size() ? ",\n" : ")" + tail + "\n");
  }
  return out;
}

// The declaration in the handler class: "R name(T a) override;".
std::string Declaration(const gen::Function& fn, const std::string& indent) {
  return Wrap(indent, ResultCpp(fn) + " " + fn.cpp, Params(fn), " override;");
}

// The generator's model of every program a service chain touches, lowered
// once each.
class Lowered {
 public:
  // Returns the lowered service named like `def` (a kService definition).
  const gen::Service* Find(const idl::Definition& def, idl::Diagnostics& diags) {
    auto it = files_.find(def.program);
    if (it == files_.end()) {
      it = files_.emplace(def.program, std::make_unique<gen::File>(gen::Lower(*def.program, diags)))
               .first;
    }
    for (const gen::Service& s : it->second->services) {
      if (s.name == def.name) return &s;
    }
    return nullptr;
  }

 private:
  std::map<const idl::Program*, std::unique_ptr<gen::File>> files_;
};

// An IDL file of the project: where it is, and where it goes.
struct IdlCopy {
  fs::path source;
  std::string dest;  // relative to the project, "idl/..."
};

fs::path Normal(const fs::path& p) { return p.lexically_normal(); }

// Lays the IDL files out under idl/ so that every include resolves, in the
// project, to the copy of the file it resolved to here: each file keeps its
// path relative to the deepest directory holding all of them (and the
// include directories they were found through). Checks the result by
// resolving every include again as the compiler does.
bool LayOut(const idl::Compiler& compiler, const idl::Program& main,
            const std::vector<std::string>& include_dirs, std::vector<IdlCopy>& copies,
            std::vector<std::string>& project_include_dirs, std::string& error) {
  std::vector<const idl::Program*> programs;
  for (const auto& p : compiler.programs()) programs.push_back(p.get());
  std::vector<fs::path> canon_dirs;
  for (const auto& d : include_dirs) {
    std::error_code ec;
    canon_dirs.push_back(fs::weakly_canonical(d, ec));
  }
  // How each include was found: next to its file, or through an -I dir.
  std::set<size_t> used_dirs;
  for (const idl::Program* p : programs) {
    const fs::path dir = fs::path(p->path).parent_path();
    for (const idl::Include& inc : p->includes) {
      if (inc.program == nullptr) continue;
      if (fs::path(inc.path).is_absolute()) {
        error = p->path + ": include \"" + inc.path +
                "\" is an absolute path; the project's copy could not find it. Make it "
                "relative (and pass -I DIR if needed)";
        return false;
      }
      std::error_code ec;
      if (fs::is_regular_file(dir / inc.path, ec)) continue;
      for (size_t k = 0; k < include_dirs.size(); ++k) {
        if (fs::is_regular_file(fs::path(include_dirs[k]) / inc.path, ec)) {
          used_dirs.insert(k);
          break;
        }
      }
    }
  }
  // The deepest directory holding every file and every -I dir used.
  std::vector<fs::path> dirs;
  for (const idl::Program* p : programs) dirs.push_back(fs::path(p->path).parent_path());
  for (size_t k : used_dirs) dirs.push_back(canon_dirs[k]);
  fs::path root = dirs.front();
  for (const fs::path& d : dirs) {
    fs::path common;
    auto a = root.begin();
    auto b = d.begin();
    for (; a != root.end() && b != d.end() && *a == *b; ++a, ++b) common /= *a;
    root = common;
  }
  const fs::path idl_dir = "idl";
  std::map<const idl::Program*, fs::path> dest;
  std::map<std::string, const idl::Program*> by_base;
  for (const idl::Program* p : programs) {
    dest[p] = Normal(idl_dir / fs::path(p->path).lexically_relative(root));
    auto [it, fresh] = by_base.emplace(p->name, p);
    if (!fresh) {
      error = "two IDL files are named " + p->name + ".thrift (" + it->second->path + ", " +
              p->path + "): their generated files (" + p->name +
              "_types.h, ...) would collide in one build";
      return false;
    }
  }
  std::vector<fs::path> mapped_dirs;
  for (size_t k : used_dirs) {
    const fs::path m = Normal(idl_dir / canon_dirs[k].lexically_relative(root));
    mapped_dirs.push_back(m);
    project_include_dirs.push_back(m.string());
  }
  // Resolve every include again, in the project.
  std::set<fs::path> present;
  for (const auto& [p, d] : dest) present.insert(d);
  for (const idl::Program* p : programs) {
    for (const idl::Include& inc : p->includes) {
      if (inc.program == nullptr) continue;
      std::vector<fs::path> candidates = {Normal(dest[p].parent_path() / inc.path)};
      for (const fs::path& m : mapped_dirs) candidates.push_back(Normal(m / inc.path));
      fs::path found;
      for (const fs::path& c : candidates) {
        if (present.count(c) != 0) {
          found = c;
          break;
        }
      }
      if (found != dest[inc.program]) {
        error = p->path + ": include \"" + inc.path + "\" would not find " + inc.program->path +
                " in the project (symbolic links or include directories outside the IDL's "
                "tree); copy the IDL files into one tree first";
        return false;
      }
    }
  }
  // The main file first, then the others in the compiler's order.
  copies.push_back({main.path, dest[&main].string()});
  for (const idl::Program* p : programs) {
    if (p != &main) copies.push_back({p->path, dest[p].string()});
  }
  return true;
}

// ---- the templates ---------------------------------------------------------

constexpr const char* kCMakeLists =
    R"tern(# @NAME@: the @SVC@ service of @IDL@, scaffolded by `tern new`.
#
#   cmake -S . -B build -G Ninja -DCMAKE_PREFIX_PATH=<Tern's install prefix>
#   cmake --build build
cmake_minimum_required(VERSION 3.22)
project(@NAME@ LANGUAGES CXX)

set(CMAKE_CXX_STANDARD 20)
set(CMAKE_CXX_STANDARD_REQUIRED ON)
set(CMAKE_CXX_EXTENSIONS OFF)
if(NOT CMAKE_BUILD_TYPE)
  set(CMAKE_BUILD_TYPE RelWithDebInfo CACHE STRING "" FORCE)
endif()

find_package(Tern CONFIG REQUIRED)

# C++ for the IDL, generated by `tern gen` at build time (into the build
# directory, never committed): edit the IDL and rebuild. A new IDL file needs
# a line here; the first `service` in a file needs a CMake re-run.
tern_generate(@NAME@_gen
@IDL_LIST@  OUTPUT_DIR ${CMAKE_CURRENT_BINARY_DIR}/gen@INCLUDE_DIRS@)
add_library(@NAME@_idl STATIC ${@NAME@_gen})
target_include_directories(@NAME@_idl PUBLIC ${@NAME@_gen_INCLUDE_DIR})
target_link_libraries(@NAME@_idl PUBLIC Tern::core)

# Run without arguments, the programs read the config next to this file.
set(@NAME@_config "${CMAKE_CURRENT_SOURCE_DIR}/@NAME@.ini")

# The server: your handler in @NAME@_handler.cc.
add_executable(@NAME@_server main.cc @NAME@_handler.cc)
target_link_libraries(@NAME@_server PRIVATE @NAME@_idl)
target_compile_definitions(@NAME@_server PRIVATE DEFAULT_CONFIG="${@NAME@_config}")
target_compile_options(@NAME@_server PRIVATE -Wall -Wextra)

# A client that calls every method once.
add_executable(@NAME@_client client.cc)
target_link_libraries(@NAME@_client PRIVATE @NAME@_idl)
target_compile_definitions(@NAME@_client PRIVATE DEFAULT_CONFIG="${@NAME@_config}")
target_compile_options(@NAME@_client PRIVATE -Wall -Wextra)
)tern";

constexpr const char* kHandlerH =
    R"tern(// @IMPL@: the @SVC@ service of @IDL@ (scaffolded by `tern new`).
//
// Each method is a stub that returns a default value: fill them in. A method
// returns its result or throws one of its declared exceptions (the client
// receives it as that exception); any other exception reaches the client as
// a TApplicationException with its what(). Methods run on the server's
// worker threads ([server] workers in @NAME@.ini), several at once, so they
// may block but must be thread-safe.
#pragma once

#include "@SERVICES_H@"

namespace @NAME@ {

class @IMPL@ final : public @HANDLER@ {
 public:
@DECLS@};

}  // namespace @NAME@
)tern";

constexpr const char* kHandlerCc = R"tern(#include "@NAME@_handler.h"

namespace @NAME@ {
@DEFS@
}  // namespace @NAME@
)tern";

constexpr const char* kMainCc =
    R"tern(// @NAME@_server: serves the @SVC@ service of @IDL@ with the handler of
// @NAME@_handler.h (scaffolded by `tern new`).
//
//   @NAME@_server [CONFIG.ini] [--section.key=value ...]
//
// CONFIG defaults to @NAME@.ini in the project directory; any of its keys can
// be overridden after it (--server.address=127.0.0.1:0 --server.workers=8).
// Prints what the runtime selected on this machine and the address it
// listens on, then serves until SIGINT or SIGTERM and stops gracefully: new
// calls are refused and calls in flight get [server] shutdown_grace_ms to
// finish. Exit codes: 0 after a clean stop, 1 when the server cannot start,
// 2 for a bad command line or config.
#include <pthread.h>
#include <signal.h>

#include <chrono>
#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include "@NAME@_handler.h"
#include "tern/init.h"
#include "tern/rpc/runtime.h"
#include "tern/rpc/server.h"

#ifndef DEFAULT_CONFIG
#define DEFAULT_CONFIG "@NAME@.ini"
#endif

namespace {

constexpr const char* kUsage = "usage: @NAME@_server [CONFIG.ini] [--section.key=value ...]\n";

}  // namespace

int main(int argc, char** argv) {
  std::string config = DEFAULT_CONFIG;
  std::vector<std::string> overrides;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg == "-h" || arg == "--help") {
      std::cout << kUsage;
      return 0;
    }
    if (arg.rfind("--", 0) == 0) {
      overrides.push_back(arg);
    } else if (i == 1) {
      config = arg;
    } else {
      std::cerr << kUsage;
      return 2;
    }
  }
  tern::InitLogging(argv[0]);
  // SIGINT and SIGTERM are blocked here, before any thread starts (threads
  // inherit the mask), and taken by sigwait() below.
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGINT);
  sigaddset(&stop_signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);

  auto rt = tern::rpc::Runtime::Load(config, overrides);
  if (!rt.ok()) {
    std::cerr << "@NAME@_server: " << config << ": " << rt.status() << "\n";
    return 2;
  }
  auto server = tern::rpc::Server::Create(*rt);
  if (!server.ok()) {
    std::cerr << "@NAME@_server: " << server.status() << "\n";
    return 2;
  }
  if (tern::Status st = (*server)->Serve(std::make_shared<@NAME@::@IMPL@>()); !st.ok()) {
    std::cerr << "@NAME@_server: " << st << "\n";
    return 1;
  }
  auto bound = (*server)->Start();
  if (!bound.ok()) {
    std::cerr << "@NAME@_server: " << bound.status() << "\n";
    return 1;
  }
  const tern::rpc::ServerOptions& options = (*server)->options();
  std::cout << "@NAME@_server: " << (*rt)->SelectionLine("server")
            << " workers=" << options.workers << "\n"
            << "@NAME@_server: listening on " << bound->ToString() << std::endl;

  int sig = 0;
  sigwait(&stop_signals, &sig);
  const auto grace =
      std::chrono::duration_cast<std::chrono::milliseconds>(options.shutdown_grace);
  std::cout << "@NAME@_server: " << (sig == SIGINT ? "SIGINT" : "SIGTERM")
            << ", stopping (calls in flight get " << grace.count() << " ms)" << std::endl;
  (*server)->Stop(options.shutdown_grace);
  std::cout << "@NAME@_server: stopped after " << (*server)->stats().calls << " calls"
            << std::endl;
  return 0;
}
)tern";

constexpr const char* kClientCc =
    R"tern(// @NAME@_client: calls every method of the @SVC@ service (@IDL@) once,
// with default arguments, and prints what came back (scaffolded by
// `tern new`: a smoke test for the server, and a start for your own client).
//
//   @NAME@_client [CONFIG.ini] [--section.key=value ...]
//
// CONFIG defaults to @NAME@.ini in the project directory, whose [client]
// section says where the server is (--client.endpoints=127.0.0.1:9090).
// A declared exception is an answer and is printed as one; oneway methods are
// sent and not answered. Exit codes: 0 when every call was answered (or, for
// oneway methods, sent), 1 when a call failed (refused, timed out, protocol
// error, TApplicationException), 2 for a bad command line or config.
#include <cstdint>
#include <exception>
#include <iostream>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <type_traits>
#include <vector>

#include "@SERVICES_H@"
#include "tern/init.h"
#include "tern/rpc/client.h"
#include "tern/rpc/runtime.h"

#ifndef DEFAULT_CONFIG
#define DEFAULT_CONFIG "@NAME@.ini"
#endif

namespace {

constexpr const char* kUsage = "usage: @NAME@_client [CONFIG.ini] [--section.key=value ...]\n";

// Prints a result: structs, exceptions and enums with their generated
// operator<<, containers element by element.
template <class T>
void Show(std::ostream& os, const T& v) {
  if constexpr (std::is_same_v<T, bool>) {
    os << (v ? "true" : "false");
  } else if constexpr (std::is_same_v<T, int8_t>) {
    os << static_cast<int>(v);
  } else if constexpr (std::is_same_v<T, std::string>) {
    os << '"' << v << '"';
  } else if constexpr (requires { typename T::mapped_type; }) {
    os << '{';
    const char* sep = "";
    for (const auto& [key, value] : v) {
      os << sep;
      Show(os, key);
      os << ": ";
      Show(os, value);
      sep = ", ";
    }
    os << '}';
  } else if constexpr (requires { typename T::value_type; }) {
    os << (requires { typename T::key_type; } ? '{' : '[');
    const char* sep = "";
    for (const auto& e : v) {
      os << sep;
      Show(os, static_cast<const typename T::value_type&>(e));
      sep = ", ";
    }
    os << (requires { typename T::key_type; } ? '}' : ']');
  } else {
    os << v;
  }
}

// Runs one call; a failure that is not a declared exception is printed and
// counted.
template <class F>
bool Call(const char* method, F&& call) {
  try {
    call();
    return true;
  } catch (const tern::rpc::RpcError& e) {
    std::cout << method << ": FAILED (" << tern::rpc::RpcErrorKindName(e.kind())
              << "): " << e.what() << std::endl;
  } catch (const std::exception& e) {
    std::cout << method << ": FAILED: " << e.what() << std::endl;
  }
  return false;
}

}  // namespace

int main(int argc, char** argv) {
  std::string config = DEFAULT_CONFIG;
  std::vector<std::string> overrides;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg == "-h" || arg == "--help") {
      std::cout << kUsage;
      return 0;
    }
    if (arg.rfind("--", 0) == 0) {
      overrides.push_back(arg);
    } else if (i == 1) {
      config = arg;
    } else {
      std::cerr << kUsage;
      return 2;
    }
  }
  tern::InitLogging(argv[0]);
  auto rt = tern::rpc::Runtime::Load(config, overrides);
  if (!rt.ok()) {
    std::cerr << "@NAME@_client: " << config << ": " << rt.status() << "\n";
    return 2;
  }
  auto channel = tern::rpc::Channel::Create(*rt);
  if (!channel.ok()) {
    std::cerr << "@NAME@_client: " << channel.status() << "\n";
    return 2;
  }
  @CLIENT@ client(*channel);
  int failed = 0;
@CALLS@
  if (failed != 0) {
    std::cout << failed << " of @COUNT@ calls failed" << std::endl;
    return 1;
  }
  std::cout << "all @COUNT@ calls done" << std::endl;
  return 0;
}
)tern";

constexpr const char* kIni =
    R"tern(# @NAME@: the config of @NAME@_server and @NAME@_client (scaffolded by
# `tern new`). Any key can be overridden on the command line after the file:
#   @NAME@_server @NAME@.ini --server.address=127.0.0.1:0 --server.workers=8
# Unknown keys and bad values are errors that name the key. All the keys, with
# their defaults, are listed in Tern's DESIGN.md ("Names and config keys").

[server]
# host:port to listen on (port 0: any free port; the server prints the one it got).
address = 127.0.0.1:9090
# The transport and codec plugins; framing (framed or buffered) must match the
# clients', or be auto: each connection is served in the framing it speaks.
transport = netpoll
codec = thrift_fast
framing = framed
# Threads that run the handler. Handlers that block (a database, another RPC)
# need workers; with 0 they run on the network poller threads and must never block.
workers = 4
# On SIGINT/SIGTERM, how long calls in flight may take to finish.
shutdown_grace_ms = 5000

[client]
# Where @NAME@_client sends its calls: host:port[,host:port...].
endpoints = 127.0.0.1:9090
transport = netpoll
codec = thrift_fast
framing = framed
timeout_ms = 1000

[plugins]
# Plugins (transports, codecs, SIMD encoders) are found without any setting:
# in $TERN_PLUGIN_PATH, then in lib/tern/plugins of the Tern installation.
# Set `dir` to search a directory of your own first, e.g. for a codec plugin
# built with tern_add_plugin():
# dir = /path/to/plugins
)tern";

constexpr const char* kReadme = R"tern(# @NAME@

The `@SVC@` service of [`@IDL@`](@IDL@) on Tern, scaffolded by `tern new`.

| file | what it is |
|---|---|
| `@IDL@` | the IDL (@IDL_COUNT@); C++ is generated from it at build time |
| `@NAME@_handler.h`, `@NAME@_handler.cc` | `@NAME@::@IMPL@`: one stub per method, to fill in (`TODO(tern new)`) |
| `main.cc` | `@NAME@_server`: loads the config, serves the handler, stops on SIGINT/SIGTERM |
| `client.cc` | `@NAME@_client`: calls every method once and prints the results |
| `@NAME@.ini` | the config of both |

## Build

```sh
cmake -S . -B build -G Ninja -DCMAKE_PREFIX_PATH=@PREFIX@
cmake --build build
```

## Run

```sh
build/@NAME@_server                  # reads @NAME@.ini; prints the address it listens on
build/@NAME@_client                  # in another shell: calls every method once
```

Both take a config file and then overrides of any of its keys:

```sh
build/@NAME@_server @NAME@.ini --server.address=127.0.0.1:0 --server.workers=8
build/@NAME@_client @NAME@.ini --client.endpoints=127.0.0.1:9090
```

Ctrl-C (SIGINT) or SIGTERM stops the server gracefully: calls in flight get
`[server] shutdown_grace_ms` to finish, then it exits 0. The client exits 0
when every call was answered (a declared exception is an answer) and 1 when
a call failed.

## Changing the IDL

Edit `@IDL@` and rebuild: the generated code follows. A method added to the
service needs its implementation in `@NAME@_handler.h/.cc`; to see the missing
stubs, run `tern new` again on the project (it changes nothing, lists the
stubs the handler lacks and exits 1):

```sh
tern new @NAME@ --idl @IDL@@RERUN_FLAGS@ -o .
```
)tern";

// ---- rendering ---------------------------------------------------------------

struct Project {
  Options opts;
  const gen::Service* service = nullptr;
  std::vector<Method> methods;  // the service's, then each base's
  std::vector<IdlCopy> idl_files;
  std::vector<std::string> include_dirs;  // relative to the project
  std::string services_h;                 // "<file>_services.h"
  std::string prefix;                     // Tern's install prefix, if known
};

std::string ImplName(const Project& p) { return p.service->cpp + "Impl"; }

std::string HandlerDecls(const Project& p) {
  std::string out;
  std::string last;
  for (const Method& m : p.methods) {
    if (m.service != last) {
      if (!last.empty()) out += "\n";
      out += m.service == p.service->name ? "  // " + m.service + "\n"
                                          : "  // Inherited from " + m.service + "\n";
      last = m.service;
    }
    out += Declaration(*m.fn, "  ");
  }
  return out;
}

// The stub definitions of `methods`, each preceded by an empty line.
std::string HandlerDefs(const Project& p, const std::vector<const Method*>& methods) {
  std::string out;
  const std::string impl = ImplName(p);
  for (const Method* m : methods) {
    const gen::Function& fn = *m->fn;
    out += "\n" + Wrap("", ResultCpp(fn) + " " + impl + "::" + fn.cpp,
                       Params(fn, "[[maybe_unused]] "), " {");
    if (fn.oneway) out += "  // Oneway: the client gets no answer, not even an error.\n";
    if (!fn.throws.empty()) {
      std::string names;
      for (const gen::Field& t : fn.throws) {
        names += (names.empty() ? "" : ", ") + gen::CppTypeName(t.type);
      }
      out += "  // May throw " + names + ".\n";
    }
    if (fn.returns_void) {
      out += "  // TODO(tern new): implement " + fn.name + " (until then it does nothing).\n";
    } else {
      out += "  // TODO(tern new): implement " + fn.name +
             " (until then it returns a default value).\n";
      out += "  return {};\n";
    }
    out += "}\n";
  }
  return out;
}

// The IDL name of a declared exception's type ("OutOfStock").
std::string ShortName(const gen::Type& t) {
  const std::string cpp = gen::CppTypeName(t);
  const size_t colon = cpp.rfind("::");
  return colon == std::string::npos ? cpp : cpp.substr(colon + 2);
}

std::string ClientCalls(const Project& p) {
  std::string out;
  for (const Method& m : p.methods) {
    const gen::Function& fn = *m.fn;
    const std::string label = p.service->name + "." + fn.name;
    std::vector<std::string> args;
    for (const gen::Field& a : fn.args) {
      args.push_back(a.indirect ? "std::make_unique<" + gen::CppTypeName(a.type) + ">()"
                                : gen::CppTypeName(a.type) + "{}");
    }
    const bool guarded = !fn.throws.empty();
    const std::string in = guarded ? "      " : "    ";
    out += "  failed += !Call(\"" + label + "\", [&] {\n";
    if (guarded) out += "    try {\n";
    if (fn.oneway) {
      out += Wrap(in, "client." + fn.cpp, args, ";");
      out += in + "std::cout << \"" + label + ": sent (oneway)\" << std::endl;\n";
    } else if (fn.returns_void) {
      out += Wrap(in, "client." + fn.cpp, args, ";");
      out += in + "std::cout << \"" + label + ": done\" << std::endl;\n";
    } else {
      out += Wrap(in, "const auto result = client." + fn.cpp, args, ";");
      out += in + "std::cout << \"" + label + ": \";\n";
      out += in + "Show(std::cout, result);\n";
      out += in + "std::cout << std::endl;\n";
    }
    std::set<std::string> caught;
    for (const gen::Field& t : fn.throws) {
      const std::string type = gen::CppTypeName(t.type);
      if (!caught.insert(type).second) continue;
      out += "    } catch (const " + type + "& e) {\n";
      out += "      std::cout << \"" + label + ": threw " + ShortName(t.type) +
             " \" << e << std::endl;\n";
    }
    if (guarded) out += "    }\n";
    out += "  });\n";
  }
  return out;
}

std::map<std::string, std::string> Vars(const Project& p) {
  std::string idl_list;
  for (const IdlCopy& c : p.idl_files) {
    idl_list += "  ${CMAKE_CURRENT_SOURCE_DIR}/" + c.dest + "\n";
  }
  std::string include_dirs;
  if (!p.include_dirs.empty()) {
    include_dirs = "\n  INCLUDE_DIRS";
    for (const auto& d : p.include_dirs) include_dirs += " ${CMAKE_CURRENT_SOURCE_DIR}/" + d;
  }
  std::string rerun_flags = p.opts.service.empty() ? "" : " --service " + p.service->name;
  for (const auto& d : p.include_dirs) rerun_flags += " -I " + d;
  const size_t n = p.idl_files.size();
  return {
      {"NAME", p.opts.name},
      {"SVC", p.service->name},
      {"IMPL", ImplName(p)},
      {"HANDLER", p.service->qualified + "Handler"},
      {"CLIENT", p.service->qualified + "Client"},
      {"IDL", p.idl_files.front().dest},
      {"IDL_COUNT", n == 1 ? "one file"
                           : "with the " + std::to_string(n - 1) + (n == 2 ? " file" : " files") +
                                 " it includes"},
      {"IDL_LIST", idl_list},
      {"INCLUDE_DIRS", include_dirs},
      {"SERVICES_H", p.services_h},
      {"RERUN_FLAGS", rerun_flags},
      {"COUNT", std::to_string(p.methods.size())},
      {"PREFIX", p.prefix.empty() ? "<Tern's install prefix>" : p.prefix},
  };
}

// Every file of the project, by path relative to it (IDL copies excluded).
std::vector<std::pair<std::string, std::string>> Render(const Project& p) {
  auto vars = Vars(p);
  vars["DECLS"] = HandlerDecls(p);
  std::vector<const Method*> all;
  for (const Method& m : p.methods) all.push_back(&m);
  vars["DEFS"] = HandlerDefs(p, all);
  vars["CALLS"] = ClientCalls(p);
  const std::string& n = p.opts.name;
  auto fill = [&](const char* text) { return Fill(text, vars); };
  return {
      {"CMakeLists.txt", fill(kCMakeLists)}, {n + "_handler.h", fill(kHandlerH)},
      {n + "_handler.cc", fill(kHandlerCc)}, {"main.cc", fill(kMainCc)},
      {"client.cc", fill(kClientCc)},        {n + ".ini", fill(kIni)},
      {"README.md", fill(kReadme)},
  };
}

// The prefix Tern is installed in, when this `tern` runs from one
// (<prefix>/bin/tern next to <prefix>/lib*/cmake/Tern).
std::string InstallPrefix() {
  std::error_code ec;
  const fs::path exe = fs::read_symlink("/proc/self/exe", ec);
  if (ec) return "";
  const fs::path prefix = exe.parent_path().parent_path();
  for (const char* lib : {"lib", "lib64", "lib/x86_64-linux-gnu"}) {
    if (fs::exists(prefix / lib / "cmake/Tern/TernConfig.cmake", ec)) return prefix.string();
  }
  return "";
}

// C++ text without comments and string literals, for finding declarations.
std::string StripComments(const std::string& s) {
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s.compare(i, 2, "//") == 0) {
      while (i < s.size() && s[i] != '\n') ++i;
      out += '\n';
    } else if (s.compare(i, 2, "/*") == 0) {
      const size_t end = s.find("*/", i + 2);
      i = end == std::string::npos ? s.size() : end + 1;
      out += ' ';
    } else if (s[i] == '"') {
      for (++i; i < s.size() && s[i] != '"'; ++i) {
        if (s[i] == '\\') ++i;
      }
      out += "\"\"";
    } else {
      out += s[i];
    }
  }
  return out;
}

// Whether `code` names `ident` as a whole word followed by '('.
bool DeclaresFunction(const std::string& code, const std::string& ident) {
  auto is_word = [](char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_'; };
  for (size_t at = code.find(ident); at != std::string::npos; at = code.find(ident, at + 1)) {
    if (at > 0 && is_word(code[at - 1])) continue;
    size_t k = at + ident.size();
    if (k < code.size() && is_word(code[k])) continue;
    while (k < code.size() && std::isspace(static_cast<unsigned char>(code[k]))) ++k;
    if (k < code.size() && code[k] == '(') return true;
  }
  return false;
}

// The report on a directory that already holds some of the files.
void ReportExisting(const Project& p, const fs::path& dir,
                    const std::vector<std::string>& existing) {
  std::fprintf(stderr, "tern new: %s already has:\n", dir.string().c_str());
  for (const auto& f : existing) std::fprintf(stderr, "  %s\n", f.c_str());
  const fs::path handler_h = dir / (p.opts.name + "_handler.h");
  std::string handler;
  if (fs::exists(dir / "CMakeLists.txt") && ReadFile(handler_h, handler)) {
    std::fprintf(stderr,
                 "It is a %s project (made by `tern new`); its files are left as they are.\n",
                 p.opts.name.c_str());
    const std::string code = StripComments(handler);
    std::vector<const Method*> missing;
    for (const Method& m : p.methods) {
      if (!DeclaresFunction(code, m.fn->cpp)) missing.push_back(&m);
    }
    if (missing.empty()) {
      std::fprintf(stderr, "%s declares every method of %s in %s.\n", ImplName(p).c_str(),
                   p.service->name.c_str(), p.opts.idl.c_str());
    } else {
      std::fprintf(stderr, "%s lacks %zu method(s) of %s in %s. Add to class %s in %s:\n\n",
                   ImplName(p).c_str(), missing.size(), p.service->name.c_str(), p.opts.idl.c_str(),
                   ImplName(p).c_str(), handler_h.string().c_str());
      for (const Method* m : missing) {
        std::fputs(Declaration(*m->fn, "  ").c_str(), stderr);
      }
      std::fprintf(stderr, "\nand to %s:\n%s\n",
                   (dir / (p.opts.name + "_handler.cc")).string().c_str(),
                   HandlerDefs(p, missing).c_str());
    }
    for (const IdlCopy& c : p.idl_files) {
      std::string theirs, ours;
      if (!ReadFile(c.source, ours)) continue;
      if (!ReadFile(dir / c.dest, theirs)) {
        std::fprintf(stderr, "The project has no %s (the IDL includes %s).\n", c.dest.c_str(),
                     c.source.string().c_str());
      } else if (theirs != ours) {
        std::fprintf(stderr,
                     "The project's %s differs from %s: copy it over if that is the IDL to "
                     "build (the generated code follows on the next build).\n",
                     c.dest.c_str(), c.source.string().c_str());
      }
    }
  }
  std::fputs(
      "Nothing was written. With --force these files are overwritten (changes in them "
      "are lost).\n",
      stderr);
}

}  // namespace

int CmdNew(const std::vector<std::string>& args) {
  Project p;
  if (int rc = ParseArgs(args, p.opts); rc != 0) return rc < 0 ? 0 : rc;
  const Options& o = p.opts;

  idl::Diagnostics diags;
  idl::Compiler compiler(o.include_dirs);
  idl::Program* program = compiler.ParseFile(o.idl, diags);
  if (program == nullptr || diags.has_errors()) {
    std::fputs(diags.ToString().c_str(), stderr);
    return 1;
  }

  // The service: the one the file declares, or the one --service names.
  std::vector<const idl::Definition*> services;
  for (const auto& d : program->definitions) {
    if (d->kind == idl::Definition::kService) services.push_back(d.get());
  }
  std::string names;
  for (const auto* s : services) names += (names.empty() ? "" : ", ") + s->name;
  const idl::Definition* chosen = nullptr;
  if (services.empty()) {
    std::fprintf(stderr, "tern new: %s declares no service\n", o.idl.c_str());
    return 1;
  }
  if (o.service.empty()) {
    if (services.size() > 1) {
      std::fprintf(stderr, "tern new: %s declares %zu services (%s): choose one with --service\n",
                   o.idl.c_str(), services.size(), names.c_str());
      return 2;
    }
    chosen = services.front();
  } else {
    for (const auto* s : services) {
      if (s->name == o.service) chosen = s;
    }
    if (chosen == nullptr) {
      std::fprintf(stderr, "tern new: %s declares no service %s (it declares: %s)\n", o.idl.c_str(),
                   o.service.c_str(), names.c_str());
      return 2;
    }
  }

  // Its methods, then its bases' (across included files).
  Lowered lowered;
  std::set<const idl::Definition*> seen;
  for (const idl::Definition* d = chosen; d != nullptr && seen.insert(d).second;
       d = d->extends_def) {
    const gen::Service* s = lowered.Find(*d, diags);
    if (diags.has_errors() || s == nullptr) {
      std::fputs(diags.ToString().c_str(), stderr);
      std::fprintf(stderr, "tern new: cannot lower service %s\n", d->name.c_str());
      return 1;
    }
    if (d == chosen) p.service = s;
    for (const gen::Function& fn : s->functions) p.methods.push_back({s->name, &fn});
  }
  p.services_h = program->name + "_services.h";

  std::string error;
  if (!LayOut(compiler, *program, o.include_dirs, p.idl_files, p.include_dirs, error)) {
    std::fprintf(stderr, "tern new: %s\n", error.c_str());
    return 1;
  }
  p.prefix = InstallPrefix();

  // Everything is rendered and checked before the first byte is written.
  const fs::path dir = o.out_dir;
  std::vector<std::pair<std::string, std::string>> files = Render(p);
  for (const IdlCopy& c : p.idl_files) {
    std::string text;
    if (!ReadFile(c.source, text)) {
      std::fprintf(stderr, "tern new: cannot read %s\n", c.source.string().c_str());
      return 1;
    }
    files.emplace_back(c.dest, std::move(text));
  }
  std::vector<std::string> existing;
  for (const auto& [rel, text] : files) {
    std::error_code ec;
    if (fs::exists(dir / rel, ec) || ec) existing.push_back(rel);
  }
  if (!existing.empty() && !o.force) {
    ReportExisting(p, dir, existing);
    return 1;
  }
  for (const auto& [rel, text] : files) {
    const fs::path path = dir / rel;
    std::error_code ec;
    fs::create_directories(path.parent_path(), ec);
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out << text;
    out.close();
    if (ec || !out) {
      std::fprintf(stderr, "tern new: cannot write %s%s%s\n", path.string().c_str(), ec ? ": " : "",
                   ec ? ec.message().c_str() : "");
      return 1;
    }
  }
  std::printf("tern new: wrote %s (service %s, %zu methods%s)\n", dir.string().c_str(),
              p.service->name.c_str(), p.methods.size(),
              o.force && !existing.empty() ? ", overwriting existing files" : "");
  std::printf("  cmake -S %s -B %s/build -G Ninja%s%s && cmake --build %s/build\n",
              dir.string().c_str(), dir.string().c_str(),
              p.prefix.empty() ? "" : " -DCMAKE_PREFIX_PATH=", p.prefix.c_str(),
              dir.string().c_str());
  return 0;
}

}  // namespace tern::cli
