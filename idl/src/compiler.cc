#include "tern/idl/compiler.h"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <set>
#include <sstream>

#include "parser.h"
#include "sema.h"

namespace tern::idl {

namespace fs = std::filesystem;

const Definition* Program::Find(const std::string& n) const {
  for (const auto& d : definitions) {
    if (d->name == n) return d.get();
  }
  return nullptr;
}

std::vector<std::string> Program::CppNamespace() const {
  auto it = namespaces.find("cpp");
  if (it == namespaces.end()) it = namespaces.find("*");
  std::vector<std::string> parts;
  if (it == namespaces.end()) return parts;
  std::string cur;
  for (char c : it->second) {
    if (c == '.') {
      if (!cur.empty()) parts.push_back(cur);
      cur.clear();
    } else {
      cur += c;
    }
  }
  if (!cur.empty()) parts.push_back(cur);
  return parts;
}

Compiler::Compiler(std::vector<std::string> include_dirs)
    : include_dirs_(std::move(include_dirs)) {}
Compiler::~Compiler() = default;

namespace {

std::string BaseName(const std::string& path) {
  std::string name = fs::path(path).filename().string();
  const std::string ext = ".thrift";
  if (name.size() > ext.size() && name.compare(name.size() - ext.size(), ext.size(), ext) == 0) {
    name.resize(name.size() - ext.size());
  }
  return name;
}

std::string Canonical(const std::string& path) {
  std::error_code ec;
  fs::path p = fs::weakly_canonical(path, ec);
  return ec ? path : p.string();
}

}  // namespace

Program* Compiler::ParseFile(const std::string& path, Diagnostics& diags) {
  std::vector<std::string> stack;
  return Load(path, nullptr, diags, stack);
}

Program* Compiler::ParseString(const std::string& name, const std::string& text,
                               Diagnostics& diags) {
  std::vector<std::string> stack;
  return Load(name, &text, diags, stack);
}

Program* Compiler::Load(const std::string& path, const std::string* text, Diagnostics& diags,
                        std::vector<std::string>& stack) {
  const std::string key = text != nullptr ? path : Canonical(path);
  for (const auto& p : programs_) {
    if (p->path == key) return p.get();
  }
  if (std::find(stack.begin(), stack.end(), key) != stack.end()) return nullptr;
  std::string content;
  if (text != nullptr) {
    content = *text;
  } else {
    std::ifstream in(path, std::ios::binary);
    if (!in) {
      diags.Error(path, {0, 0}, "cannot read file");
      return nullptr;
    }
    std::ostringstream ss;
    ss << in.rdbuf();
    content = ss.str();
  }
  auto program = std::make_unique<Program>();
  program->path = key;
  program->name = BaseName(path);
  Parse(content, *program, diags, kMaxNesting);

  stack.push_back(key);
  const fs::path dir = text != nullptr ? fs::path(".") : fs::path(key).parent_path();
  for (auto& inc : program->includes) {
    std::vector<fs::path> candidates;
    if (fs::path(inc.path).is_absolute()) {
      candidates.push_back(inc.path);
    } else {
      if (text == nullptr) candidates.push_back(dir / inc.path);
      for (const auto& d : include_dirs_) candidates.push_back(fs::path(d) / inc.path);
    }
    std::string found;
    for (const auto& c : candidates) {
      std::error_code ec;
      if (fs::is_regular_file(c, ec)) {
        found = c.string();
        break;
      }
    }
    if (found.empty()) {
      diags.Error(program->path, inc.loc, "cannot find included file '" + inc.path + "'");
      continue;
    }
    const std::string canon = Canonical(found);
    if (std::find(stack.begin(), stack.end(), canon) != stack.end()) {
      diags.Error(program->path, inc.loc, "include cycle: '" + inc.path + "' includes this file");
      continue;
    }
    inc.program = Load(found, nullptr, diags, stack);
  }
  stack.pop_back();

  Check(*program, diags);
  programs_.push_back(std::move(program));
  return programs_.back().get();
}

std::vector<const Definition*> DependencyOrder(const Program& p, Diagnostics& diags) {
  std::vector<const Definition*> out;
  std::map<const Definition*, int> state;  // 0 new, 1 visiting, 2 done
  std::function<void(const Definition*)> visit;
  // Struct definitions of this file that `t` needs complete: hard (by value)
  // or soft (container elements: ordered when possible, never a cycle).
  std::function<void(const TypeRef&, bool, const Definition*, Loc)> deps =
      [&](const TypeRef& t0, bool hard, const Definition* from, Loc loc) {
        const TypeRef& t = TrueType(t0);
        if (t.kind == TypeRef::kList || t.kind == TypeRef::kSet) {
          deps(*t.elem, false, from, loc);
          return;
        }
        if (t.kind == TypeRef::kMap) {
          deps(*t.key, false, from, loc);
          deps(*t.elem, false, from, loc);
          return;
        }
        if (t.kind != TypeRef::kNamed || t.resolved == nullptr || !t.resolved->IsStructLike() ||
            t.resolved->program != &p) {
          return;
        }
        const Definition* d = t.resolved;
        if (state[d] == 1) {
          if (hard) {
            diags.Error(p.path, loc,
                        "'" + from->name + "' holds '" + d->name + "' by value, and '" + d->name +
                            "' (indirectly) holds '" + from->name +
                            "': mark one field with & (cpp.ref)");
          }
          return;
        }
        visit(d);
      };
  visit = [&](const Definition* d) {
    if (state[d] != 0) return;
    state[d] = 1;
    for (const auto& f : d->fields) {
      if (f.is_ref) continue;
      deps(f.type, true, d, f.loc);
    }
    state[d] = 2;
    out.push_back(d);
  };
  for (const auto& d : p.definitions) {
    if (d->IsStructLike()) visit(d.get());
  }
  return out;
}

}  // namespace tern::idl
