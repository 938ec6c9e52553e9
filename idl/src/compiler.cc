#include "tern/idl/compiler.h"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>

#include "parser.h"
#include "sema.h"

namespace tern::idl {

namespace fs = std::filesystem;

namespace {

// The include prefix: the file name without directory and ".thrift", as
// Apache forms it ("a/b/shared.thrift" -> "shared").
std::string ProgramName(const std::string& path) {
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

Compiler::Compiler(std::vector<std::string> include_dirs)
    : include_dirs_(std::move(include_dirs)) {}
Compiler::~Compiler() = default;

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
  if (text == nullptr) {
    for (const auto& p : programs_) {
      if (p->path == key) return p.get();
    }
  }
  std::string content;
  if (text != nullptr) {
    content = *text;
  } else {
    std::error_code ec;
    if (fs::is_directory(path, ec)) {
      diags.Error(path, {}, "cannot read file: it is a directory");
      return nullptr;
    }
    std::ifstream in(path, std::ios::binary);
    if (!in) {
      diags.Error(path, {}, "cannot read file");
      return nullptr;
    }
    std::ostringstream ss;
    ss << in.rdbuf();
    content = ss.str();
  }
  auto program = std::make_unique<Program>();
  program->path = key;
  program->name = ProgramName(path);
  const SourceFile source(key, std::move(content));
  Parse(source, *program, diags, kMaxNesting);

  stack.push_back(key);
  const fs::path dir = fs::path(key).parent_path();
  std::map<std::string, const Include*> seen_names;
  for (auto& inc : program->includes) {
    std::vector<fs::path> candidates;
    if (fs::path(inc.path).is_absolute()) {
      candidates.push_back(inc.path);
    } else {
      // Text has no directory of its own: only the include directories.
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
      diags.Error(program->path, inc.loc,
                  "include cycle: '" + inc.path + "' (directly or indirectly) includes this file");
      continue;
    }
    inc.program = Load(found, nullptr, diags, stack);
    if (inc.program != nullptr) {
      // Two different files with one base name would make "name.Type"
      // ambiguous.
      auto [it, fresh] = seen_names.emplace(inc.program->name, &inc);
      if (!fresh && it->second->program != inc.program) {
        diags.Error(program->path, inc.loc,
                    "'" + inc.path + "' and '" + it->second->path + "' have the same name '" +
                        inc.program->name + "', so '" + inc.program->name +
                        ".X' would be ambiguous");
      }
    }
  }
  stack.pop_back();

  Check(*program, diags);
  programs_.push_back(std::move(program));
  return programs_.back().get();
}

std::vector<const Definition*> DependencyOrder(const Program& p, Diagnostics& diags) {
  struct Dep {
    const Definition* def;
    bool hard;  // held by value: a cycle through it cannot be declared in C++
    const Field* field;
  };
  // The struct-likes of `p` that `t` needs complete, hard ones first seen.
  auto collect = [&p](const TypeRef& t0, const Field* field, std::vector<Dep>& out) {
    std::vector<std::pair<const TypeRef*, bool>> todo{{&t0, true}};
    while (!todo.empty()) {
      auto [t1, hard] = todo.back();
      todo.pop_back();
      const TypeRef& t = TrueType(*t1);
      switch (t.kind) {
        case TypeRef::kList:
        case TypeRef::kSet:
          if (t.elem) todo.emplace_back(t.elem.get(), false);
          break;
        case TypeRef::kMap:
          if (t.elem) todo.emplace_back(t.elem.get(), false);
          if (t.key) todo.emplace_back(t.key.get(), false);
          break;
        case TypeRef::kNamed:
          if (t.resolved != nullptr && t.resolved->IsStructLike() && t.resolved->program == &p) {
            out.push_back({t.resolved, hard, field});
          }
          break;
        case TypeRef::kBase:
          break;
      }
    }
  };

  // What each struct holds by value (directly, not through a container).
  std::map<const Definition*, std::vector<const Definition*>> hard_deps;
  auto hard_of = [&](const Definition* d) -> const std::vector<const Definition*>& {
    auto [it, added] = hard_deps.try_emplace(d);
    if (added) {
      std::vector<Dep> deps;
      for (const auto& field : d->fields) {
        if (!field.is_ref) collect(field.type, &field, deps);
      }
      for (const Dep& dep : deps) {
        if (dep.hard) it->second.push_back(dep.def);
      }
    }
    return it->second;
  };
  // Whether `from` holds `to` by value, directly or through other structs.
  auto hard_reaches = [&](const Definition* from, const Definition* to) {
    std::set<const Definition*> seen{from};
    std::vector<const Definition*> todo{from};
    while (!todo.empty()) {
      const Definition* d = todo.back();
      todo.pop_back();
      for (const Definition* next : hard_of(d)) {
        if (next == to) return true;
        if (seen.insert(next).second) todo.push_back(next);
      }
    }
    return false;
  };

  std::vector<const Definition*> out;
  std::map<const Definition*, int> state;  // 1: being placed, 2: placed
  struct Frame {
    const Definition* def;
    std::vector<Dep> deps;
    size_t next = 0;
  };
  // Iterative depth-first placement, so a chain of thousands of structs
  // cannot overflow the stack.
  for (const auto& top : p.definitions) {
    if (!top->IsStructLike() || state[top.get()] != 0) continue;
    std::vector<Frame> stack;
    auto push = [&](const Definition* d) {
      state[d] = 1;
      Frame f{d, {}, 0};
      for (const auto& field : d->fields) {
        if (!field.is_ref) collect(field.type, &field, f.deps);
      }
      // An element type is placed first when it can be; one that holds d
      // by value (a cycle through the container: Expr { list<Arg> } and
      // Arg { Expr }) comes after d, which needs only its declaration.
      std::erase_if(f.deps, [&](const Dep& dep) { return !dep.hard && hard_reaches(dep.def, d); });
      stack.push_back(std::move(f));
    };
    push(top.get());
    while (!stack.empty()) {
      Frame& f = stack.back();
      if (f.next == f.deps.size()) {
        state[f.def] = 2;
        out.push_back(f.def);
        stack.pop_back();
        continue;
      }
      const Dep dep = f.deps[f.next++];
      const int s = state[dep.def];
      if (s == 1 && dep.hard) {
        diags.Error(p.path, dep.field->loc,
                    "'" + f.def->name + "' holds '" + dep.def->name + "' by value in field '" +
                        dep.field->name + "', and '" + dep.def->name +
                        "' (directly or indirectly) holds '" + f.def->name +
                        "' by value: mark one of the fields with & (cpp.ref)");
      } else if (s == 0) {
        push(dep.def);
      }
    }
  }
  return out;
}

}  // namespace tern::idl
