// tern gen [-o DIR] [-I DIR]... [-r] [--alloc=std|pmr] FILE.thrift
//
// Writes FILE_types.h/.cc (and FILE_services.h/.cc when the file declares
// services) into DIR (default: the current directory). -I adds include
// directories; -r also generates every included file, each once.
// --alloc=pmr stores strings and containers as their std::pmr types and makes
// the structs allocator-aware, so a message decodes into an arena
// (cpp_generator.h, AllocMode); std (the default) uses std::string & co. Output is
// deterministic; a file whose content is unchanged is not rewritten (so build
// systems do not rebuild needlessly).
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "idl/gen/cpp/cpp_generator.h"
#include "idl/gen/cpp/lower.h"
#include "tern/idl/compiler.h"
#include "tools/tern/commands.h"

namespace tern::cli {

namespace {

constexpr const char* kGenUsage =
    "usage: tern gen [-o DIR] [-I DIR]... [-r] [--alloc=std|pmr] FILE.thrift\n";

bool WriteIfChanged(const std::filesystem::path& path, const std::string& text) {
  {
    std::ifstream in(path, std::ios::binary);
    if (in) {
      std::ostringstream ss;
      ss << in.rdbuf();
      if (ss.str() == text) return true;
    }
  }
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << text;
  return static_cast<bool>(out);
}

}  // namespace

int CmdGen(const std::vector<std::string>& args) {
  std::string out_dir = ".";
  std::vector<std::string> include_dirs;
  bool recursive = false;
  gen::AllocMode alloc = gen::AllocMode::kStd;
  std::string input;
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    auto value = [&](const std::string& flag) -> const std::string* {
      if (a == flag) {
        if (i + 1 >= args.size()) return nullptr;
        return &args[++i];
      }
      return nullptr;
    };
    if (a == "-o" || a == "-I") {
      const std::string* v = value(a);
      if (v == nullptr) {
        std::fprintf(stderr, "tern gen: %s needs a directory\n%s", a.c_str(), kGenUsage);
        return 2;
      }
      (a == "-o" ? out_dir : include_dirs.emplace_back()) = *v;
    } else if (a.rfind("-I", 0) == 0 && a.size() > 2) {
      include_dirs.push_back(a.substr(2));
    } else if (a.rfind("--out=", 0) == 0) {
      out_dir = a.substr(6);
    } else if (a == "--alloc=std" || a == "--alloc=pmr") {
      alloc = a == "--alloc=pmr" ? gen::AllocMode::kPmr : gen::AllocMode::kStd;
    } else if (a.rfind("--alloc", 0) == 0) {
      std::fprintf(stderr, "tern gen: --alloc takes std or pmr ('%s')\n%s", a.c_str(), kGenUsage);
      return 2;
    } else if (a == "-r" || a == "--recurse") {
      recursive = true;
    } else if (a == "-h" || a == "--help") {
      std::fputs(kGenUsage, stdout);
      return 0;
    } else if (!a.empty() && a[0] == '-') {
      std::fprintf(stderr, "tern gen: unknown option '%s'\n%s", a.c_str(), kGenUsage);
      return 2;
    } else if (input.empty()) {
      input = a;
    } else {
      std::fprintf(stderr, "tern gen: one IDL file at a time ('%s' and '%s')\n", input.c_str(),
                   a.c_str());
      return 2;
    }
  }
  if (input.empty()) {
    std::fputs(kGenUsage, stderr);
    return 2;
  }
  idl::Diagnostics diags;
  idl::Compiler compiler(include_dirs);
  idl::Program* program = compiler.ParseFile(input, diags);
  const std::string report = diags.ToString();
  if (!report.empty()) std::fputs(report.c_str(), stderr);
  if (program == nullptr || diags.has_errors()) return 1;

  std::error_code ec;
  std::filesystem::create_directories(out_dir, ec);
  if (ec) {
    std::fprintf(stderr, "tern gen: cannot create %s: %s\n", out_dir.c_str(), ec.message().c_str());
    return 1;
  }
  const gen::ScopedAllocMode mode(alloc);
  std::vector<const idl::Program*> todo;
  if (recursive) {
    for (const auto& p : compiler.programs()) todo.push_back(p.get());  // includes come first
  } else {
    todo.push_back(program);
  }
  // Each file's code is named after the file (<name>_types.h, ...), and
  // generated headers include each other by those names: two different
  // files of one name would overwrite each other's output.
  std::map<std::string, const idl::Program*> by_name;
  for (const idl::Program* p : todo) {
    const auto [it, added] = by_name.emplace(p->name, p);
    if (!added && it->second->path != p->path) {
      std::fprintf(stderr,
                   "tern gen: %s and %s are both named '%s': their generated files "
                   "(%s_types.h, ...) would be the same; rename one\n",
                   it->second->path.c_str(), p->path.c_str(), p->name.c_str(), p->name.c_str());
      return 1;
    }
  }
  for (const idl::Program* p : todo) {
    gen::File file = gen::Lower(*p, diags);
    if (diags.has_errors()) {
      std::fputs(diags.ToString().c_str(), stderr);
      return 1;
    }
    for (const auto& g : gen::GenerateCpp(file)) {
      const auto path = std::filesystem::path(out_dir) / g.name;
      if (!WriteIfChanged(path, g.text)) {
        std::fprintf(stderr, "tern gen: cannot write %s\n", path.string().c_str());
        return 1;
      }
    }
  }
  return 0;
}

}  // namespace tern::cli
