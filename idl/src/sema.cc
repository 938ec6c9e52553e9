#include "sema.h"

#include "tern/idl/compiler.h"

#include <algorithm>
#include <map>
#include <set>
#include <unordered_map>

namespace tern::idl {

namespace {

bool IsIntegerBase(const TypeRef& t) {
  return t.kind == TypeRef::kBase && (t.base == Base::kI8 || t.base == Base::kI16 ||
                                      t.base == Base::kI32 || t.base == Base::kI64);
}

std::string AKind(const Definition& d) {
  const std::string k = d.KindName();
  return (k[0] == 'e' ? "an " : "a ") + k;
}

// Limits how deep value checks follow nested literals and references to
// other constants; the parser already bounds literal nesting, this bounds
// reference chains that re-enter nested literals.
constexpr int kMaxValueDepth = 256;

class Checker {
 public:
  Checker(Program& p, Diagnostics& d) : p_(p), d_(d) {}

  void Run() {
    BuildIndex();
    for (auto& def : p_.definitions) ResolveDefinitionTypes(*def);
    BreakTypedefCycles();
    LimitTypedefNesting();
    ResolveExtends();
    for (auto& def : p_.definitions) {
      if (d_.full()) return;
      switch (def->kind) {
        case Definition::kEnum:
          CheckEnum(*def);
          break;
        case Definition::kConst:
          CheckValue(def->type, def->value, "constant '" + def->name + "'", 0, nullptr);
          break;
        case Definition::kStruct:
        case Definition::kUnion:
        case Definition::kException:
          CheckFields(*def, def->fields, def->name);
          break;
        case Definition::kService:
          CheckService(*def);
          break;
        case Definition::kTypedef:
          break;
      }
    }
    CheckConstCycles();
  }

 private:
  void Error(Loc loc, std::string m) { d_.Error(p_.path, loc, std::move(m)); }
  void Warning(Loc loc, std::string m) { d_.Warning(p_.path, loc, std::move(m)); }

  // ---- names ---------------------------------------------------------------------
  void BuildIndex() {
    p_.index.clear();
    for (auto& def : p_.definitions) {
      mutable_[def.get()] = def.get();
      auto [it, inserted] = p_.index.emplace(def->name, def.get());
      if (!inserted) {
        Error(def->loc, "'" + def->name + "' is already defined at line " +
                            std::to_string(it->second->loc.line) + " (as " + AKind(*it->second) +
                            ")");
      }
    }
  }

  // A definition named as written: "Name" in this file, or "inc.Name" in an
  // included file whose base name is "inc" (which may itself hold dots).
  const Definition* Lookup(const std::string& name) const {
    if (name.find('.') == std::string::npos) return p_.Find(name);
    for (const auto& inc : p_.includes) {
      const Program* q = inc.program;
      if (q == nullptr || name.size() <= q->name.size() + 1 ||
          name.compare(0, q->name.size(), q->name) != 0 || name[q->name.size()] != '.') {
        continue;
      }
      const std::string rest = name.substr(q->name.size() + 1);
      if (rest.find('.') != std::string::npos) continue;
      if (const Definition* d = q->Find(rest)) return d;
    }
    return nullptr;
  }

  std::string UnknownHint(const std::string& name) const {
    const size_t dot = name.rfind('.');
    if (dot != std::string::npos) {
      const std::string prefix = name.substr(0, dot);
      for (const auto& inc : p_.includes) {
        if (inc.program != nullptr && inc.program->name == prefix) {
          return " ('" + prefix + ".thrift' defines no '" + name.substr(dot + 1) + "')";
        }
      }
      return " (is '" + prefix + ".thrift' included?)";
    }
    if (name == "uuid") return " (uuid is a base type from Thrift 0.19 on; Tern follows 0.17)";
    return "";
  }

  void ResolveType(TypeRef& t) {
    switch (t.kind) {
      case TypeRef::kBase:
        return;
      case TypeRef::kList:
      case TypeRef::kSet:
        if (t.elem) ResolveType(*t.elem);
        return;
      case TypeRef::kMap:
        if (t.key) ResolveType(*t.key);
        if (t.elem) ResolveType(*t.elem);
        return;
      case TypeRef::kNamed:
        break;
    }
    const Definition* d = Lookup(t.name);
    if (d == nullptr) {
      Error(t.loc, "unknown type '" + t.name + "'" + UnknownHint(t.name));
      return;
    }
    if (d->kind == Definition::kConst || d->kind == Definition::kService) {
      Error(t.loc, "'" + t.name + "' is " + AKind(*d) + ", not a type");
      return;
    }
    t.resolved = d;
  }

  void ResolveFields(std::vector<Field>& fields) {
    for (auto& f : fields) ResolveType(f.type);
  }

  void ResolveDefinitionTypes(Definition& def) {
    switch (def.kind) {
      case Definition::kTypedef:
      case Definition::kConst:
        ResolveType(def.type);
        return;
      case Definition::kStruct:
      case Definition::kUnion:
      case Definition::kException:
        ResolveFields(def.fields);
        return;
      case Definition::kService:
        for (auto& fn : def.functions) {
          if (!fn.returns_void) ResolveType(fn.result);
          ResolveFields(fn.args);
          ResolveFields(fn.throws);
        }
        return;
      case Definition::kEnum:
        return;
    }
  }

  // Typedefs of this file that lead back to themselves. Each cycle is
  // reported once, at its first typedef in IDL order, and cut there, so
  // later phases (and TrueType) see an unresolved name instead of a loop.
  void BreakTypedefCycles() {
    std::map<const Definition*, int> state;  // 1: on the current path, 2: done
    for (auto& def : p_.definitions) {
      if (def->kind != Definition::kTypedef || state[def.get()] != 0) continue;
      std::vector<const Definition*> path;
      const Definition* cur = def.get();
      while (cur != nullptr && cur->kind == Definition::kTypedef && state[cur] == 0) {
        state[cur] = 1;
        path.push_back(cur);
        const TypeRef& t = cur->type;
        cur = t.kind == TypeRef::kNamed ? t.resolved : nullptr;
      }
      if (cur != nullptr && cur->kind == Definition::kTypedef && state[cur] == 1) {
        std::string chain;
        bool in_cycle = false;
        for (const Definition* d : path) {
          if (d == cur) in_cycle = true;
          if (in_cycle) chain += "'" + d->name + "' -> ";
        }
        Error(cur->loc, "typedef '" + cur->name + "' refers to itself (a typedef cycle: " + chain +
                            "'" + cur->name + "')");
        if (auto it = mutable_.find(cur); it != mutable_.end()) it->second->type.resolved = nullptr;
      }
      for (const Definition* d : path) state[d] = 2;
    }
  }

  // Each typedef line nests at most kMaxNesting levels (the parser's
  // limit), but a chain of typedefs can nest containers without bound, and
  // generators recurse over the expanded type. Depths are computed bottom-up
  // without recursion along the chain.
  void LimitTypedefNesting() {
    const int cap = Compiler::kMaxNesting;
    std::unordered_map<const Definition*, int> depth;  // capped at cap + 1
    for (const auto& top : p_.definitions) {
      if (top->kind != Definition::kTypedef || depth.count(top.get()) != 0) continue;
      std::vector<std::pair<const Definition*, bool>> stack{{top.get(), false}};
      std::set<const Definition*> open;
      while (!stack.empty()) {
        auto [d, expanded] = stack.back();
        if (expanded) {
          stack.pop_back();
          if (depth.count(d) == 0) depth[d] = std::min(cap + 1, LocalDepth(d->type, depth));
          continue;
        }
        stack.back().second = true;
        open.insert(d);
        std::vector<const Definition*> refs;
        TypedefsIn(d->type, refs);
        for (const Definition* r : refs) {
          if (depth.count(r) == 0 && open.count(r) == 0) stack.emplace_back(r, false);
        }
      }
    }
    for (const auto& def : p_.definitions) {
      if (def->kind != Definition::kTypedef || depth[def.get()] <= cap) continue;
      std::vector<const Definition*> refs;
      TypedefsIn(def->type, refs);
      bool first = true;  // report where the limit is crossed, not at every later typedef
      for (const Definition* r : refs) first = first && depth[r] <= cap;
      if (first) {
        Error(def->loc, "typedef '" + def->name + "' nests containers more than " +
                            std::to_string(cap) + " levels deep (through other typedefs)");
      }
    }
  }

  static void TypedefsIn(const TypeRef& t, std::vector<const Definition*>& out) {
    if (t.kind == TypeRef::kNamed && t.resolved != nullptr &&
        t.resolved->kind == Definition::kTypedef) {
      out.push_back(t.resolved);
    }
    if (t.key) TypedefsIn(*t.key, out);
    if (t.elem) TypedefsIn(*t.elem, out);
  }

  static int LocalDepth(const TypeRef& t, const std::unordered_map<const Definition*, int>& memo) {
    switch (t.kind) {
      case TypeRef::kBase:
        return 0;
      case TypeRef::kNamed: {
        if (t.resolved == nullptr || t.resolved->kind != Definition::kTypedef) return 0;
        const auto it = memo.find(t.resolved);
        return it == memo.end() ? 0 : it->second;
      }
      case TypeRef::kList:
      case TypeRef::kSet:
        return 1 + (t.elem ? LocalDepth(*t.elem, memo) : 0);
      case TypeRef::kMap:
        return 1 + std::max(t.key ? LocalDepth(*t.key, memo) : 0,
                            t.elem ? LocalDepth(*t.elem, memo) : 0);
    }
    return 0;
  }

  // ---- services ------------------------------------------------------------------
  void ResolveExtends() {
    for (auto& def : p_.definitions) {
      if (def->kind != Definition::kService || def->extends.empty()) continue;
      const Definition* base = Lookup(def->extends);
      if (base == nullptr) {
        Error(def->extends_loc, "service '" + def->name + "' extends unknown service '" +
                                    def->extends + "'" + UnknownHint(def->extends));
      } else if (base->kind != Definition::kService) {
        Error(def->extends_loc, "service '" + def->name + "' extends '" + def->extends +
                                    "', which is " + AKind(*base) + ", not a service");
      } else {
        def->extends_def = base;
      }
    }
    // Cycles can only run through this file's services: included files are
    // checked first and cannot include this one.
    for (auto& def : p_.definitions) {
      if (def->kind != Definition::kService) continue;
      std::set<const Definition*> seen{def.get()};
      for (const Definition* b = def->extends_def; b != nullptr; b = b->extends_def) {
        if (b == def.get()) {
          Error(def->extends_loc,
                "service '" + def->name + "' extends itself (through '" + def->extends + "')");
          def->extends_def = nullptr;
          break;
        }
        if (!seen.insert(b).second) break;  // a cycle not through `def`: reported at its members
      }
    }
  }

  void CheckService(Definition& def) {
    std::map<std::string, const Function*> names;
    for (auto& fn : def.functions) {
      auto [it, fresh] = names.emplace(fn.name, &fn);
      if (!fresh) {
        Error(fn.loc, "function '" + fn.name + "' is defined twice in service '" + def.name +
                          "' (first at line " + std::to_string(it->second->loc.line) + ")");
      }
      // Apache rejects overriding: the dispatcher has one entry per name.
      std::set<const Definition*> seen;
      for (const Definition* b = def.extends_def; b != nullptr && seen.insert(b).second;
           b = b->extends_def) {
        for (const auto& inherited : b->functions) {
          if (inherited.name == fn.name) {
            Error(fn.loc, "function '" + fn.name + "' of service '" + def.name +
                              "' is already defined in the service it extends, '" + b->name + "'");
          }
        }
      }
      if (fn.oneway && !fn.returns_void) {
        Error(fn.loc, "oneway function '" + fn.name + "' must return void");
      }
      if (fn.oneway && !fn.throws.empty()) {
        Error(fn.loc, "oneway function '" + fn.name + "' cannot throw exceptions");
      }
      CheckFields(def, fn.args, def.name + "." + fn.name);
      CheckFields(def, fn.throws, def.name + "." + fn.name + " throws");
      for (const auto& t : fn.throws) {
        const TypeRef& tt = TrueType(t.type);
        if (tt.kind == TypeRef::kNamed && tt.resolved == nullptr) continue;  // reported
        if (Category(tt) != TypeCategory::kException) {
          Error(t.type.loc, "'" + t.name + "' in the throws of '" + fn.name + "' has type '" +
                                TypeName(t.type) + "', which is not an exception");
        }
      }
    }
  }

  // ---- structs -------------------------------------------------------------------
  void CheckEnum(const Definition& def) {
    std::map<std::string, const EnumValue*> names;
    for (const auto& v : def.values) {
      auto [it, fresh] = names.emplace(v.name, &v);
      if (!fresh) {
        Error(v.loc, "enum value '" + v.name + "' is defined twice in enum '" + def.name + "'");
      }
    }
  }

  void CheckFields(const Definition& owner, std::vector<Field>& fields, const std::string& what) {
    std::map<int32_t, const Field*> ids;
    std::map<std::string, const Field*> names;
    const Field* union_default = nullptr;
    for (auto& f : fields) {
      if (d_.full()) return;
      auto [it, fresh] = ids.emplace(f.id, &f);
      if (!fresh) {
        Error(f.loc, "field id " + std::to_string(f.id) + " of '" + f.name +
                         "' is already used by '" + it->second->name + "' in '" + what + "'");
      }
      auto [it2, fresh2] = names.emplace(f.name, &f);
      if (!fresh2) Error(f.loc, "field '" + f.name + "' is defined twice in '" + what + "'");
      if (owner.kind == Definition::kUnion) {
        if (f.req == Req::kRequired) {
          // Apache 0.17 warns and makes it optional; so do we.
          Warning(f.loc, "union '" + owner.name + "' field '" + f.name +
                             "' cannot be required (union members are optional); "
                             "treating it as optional");
          f.req = Req::kOptional;
        }
        if (f.value) {
          if (union_default != nullptr) {
            Error(f.loc, "union '" + owner.name + "' field '" + f.name +
                             "' gives a second default value (the first is '" +
                             union_default->name + "')");
          }
          union_default = &f;
        }
      }
      if (f.value)
        CheckValue(f.type, *f.value, "default value of field '" + f.name + "'", 0, nullptr);
    }
  }

  // ---- constant values -----------------------------------------------------------
  // Links an identifier to the constant or enum value it names; reports it
  // when it names neither. `expected` only improves the message.
  void ResolveIdentifier(ConstValue& v, const TypeRef& expected) {
    if (v.ref_const != nullptr || v.ref_enum != nullptr) return;
    if (const Definition* d = Lookup(v.s)) {
      if (d->kind == Definition::kConst) {
        v.ref_const = d;
        return;
      }
      Error(v.loc, "'" + v.s + "' is " + AKind(*d) + ", not a constant");
      v.s.clear();
      return;
    }
    const size_t dot = v.s.rfind('.');
    if (dot != std::string::npos) {
      const Definition* e = Lookup(v.s.substr(0, dot));
      if (e != nullptr && e->kind == Definition::kEnum) {
        const std::string member = v.s.substr(dot + 1);
        for (const auto& ev : e->values) {
          if (ev.name == member) {
            v.ref_enum = e;
            v.enum_value = &ev;
            return;
          }
        }
        Error(v.loc, "enum '" + e->name + "' has no value '" + member + "'");
        v.s.clear();
        return;
      }
    }
    std::string hint;
    const TypeRef& t = TrueType(expected);
    if (dot == std::string::npos && Category(t) == TypeCategory::kEnum) {
      for (const auto& ev : t.resolved->values) {
        if (ev.name == v.s)
          hint = " (enum values are qualified: write '" + t.resolved->name + "." + v.s + "')";
      }
    }
    Error(v.loc, "unknown constant or enum value '" + v.s + "'" + hint);
    v.s.clear();  // marks it reported
  }

  // The value an identifier finally stands for: follows constants defined as
  // other constants, resolving identifiers on the way (a constant may be
  // used before the line that defines it). Returns null when the chain is
  // broken (reported) or cyclic (reported by CheckConstCycles).
  const ConstValue* Follow(const ConstValue& v) {
    const ConstValue* cur = &v;
    std::vector<const Definition*> passed;  // memoised below: chains are walked once
    const ConstValue* result = nullptr;
    for (size_t steps = 0;; ++steps) {
      if (cur->kind != ConstValue::kIdentifier || cur->ref_enum != nullptr) {
        result = cur;
        break;
      }
      const Definition* next = cur->ref_const;
      if (next == nullptr || steps > p_.definitions.size() + 1) break;
      if (auto memo = followed_.find(next); memo != followed_.end()) {
        result = memo->second;
        break;
      }
      passed.push_back(next);
      if (auto it = mutable_.find(next); it != mutable_.end()) {
        ConstValue& value = it->second->value;
        if (value.kind == ConstValue::kIdentifier && !value.s.empty()) {
          ResolveIdentifier(value, it->second->type);
        }
      }
      cur = &next->value;
    }
    for (const Definition* d : passed) followed_[d] = result;
    return result;
  }

  // Checks `v` against `declared`. `at`, when set, is where errors are
  // reported (the identifier through which a value was reached).
  void CheckValue(const TypeRef& declared, ConstValue& v, const std::string& what, int depth,
                  const Loc* at) {
    if (depth > kMaxValueDepth || d_.full()) return;
    const Loc loc = at != nullptr ? *at : v.loc;
    const TypeRef& t = TrueType(declared);
    const TypeCategory cat = Category(t);
    if (cat == TypeCategory::kUnresolved || cat == TypeCategory::kTypedef) return;  // reported

    auto mismatch = [&](const std::string& expected, const std::string& got) {
      Error(loc, what + ": expected " + expected + " for type '" + TypeName(declared) +
                     "', found " + got);
    };

    if (v.kind == ConstValue::kIdentifier) {
      if (v.s.empty()) return;  // reported
      ResolveIdentifier(v, declared);
      if (v.ref_enum != nullptr) {
        CheckEnumRef(t, v, what, declared, loc);
        return;
      }
      if (v.ref_const == nullptr) return;
      const ConstValue* target = Follow(v);
      if (target == nullptr) return;
      if (target->kind == ConstValue::kIdentifier) {  // an enum value, via constants
        CheckEnumRef(t, *target, what, declared, loc);
        return;
      }
      const TypeRef& other = TrueType(v.ref_const->type);
      if (target->kind == ConstValue::kList || target->kind == ConstValue::kMap) {
        // Compare declared types instead of walking the value again: a
        // chain of constants each listing the previous one twice would
        // otherwise take exponential time.
        if (!Compatible(t, other, 0)) {
          Error(loc, what + ": '" + v.s + "' is a constant of type '" +
                         TypeName(v.ref_const->type) + "', which does not fit type '" +
                         TypeName(declared) + "'");
        }
        return;
      }
      ConstValue scalar = *target;  // a number or string: cheap to copy
      CheckValue(declared, scalar, what + " (via '" + v.s + "')", depth + 1, &loc);
      return;
    }

    switch (cat) {
      case TypeCategory::kBase:
        CheckBase(t, v, what, declared, loc);
        return;
      case TypeCategory::kList:
      case TypeCategory::kSet:
        // `{}` is an empty list or set too: Apache Thrift accepts it (its
        // own ThriftTest.thrift writes `set<binary> bin_set = {}`).
        if (v.kind == ConstValue::kMap && v.map.empty()) v.kind = ConstValue::kList;
        if (v.kind != ConstValue::kList) {
          mismatch("a list [ ... ]", KindOf(v));
          return;
        }
        for (auto& e : v.list) CheckValue(*t.elem, e, what, depth + 1, at);
        return;
      case TypeCategory::kMap:
        if (v.kind != ConstValue::kMap) {
          mismatch("a map { key: value }", KindOf(v));
          return;
        }
        for (auto& e : v.map) {
          CheckValue(*t.key, e.key, what, depth + 1, at);
          CheckValue(*t.elem, e.value, what, depth + 1, at);
        }
        return;
      case TypeCategory::kEnum:
        if (v.kind != ConstValue::kInt) {
          mismatch("an enum value", KindOf(v));
          return;
        }
        for (const auto& ev : t.resolved->values) {
          if (ev.value == v.i) return;
        }
        Error(loc, what + ": enum '" + t.resolved->name + "' has no value " + std::to_string(v.i));
        return;
      case TypeCategory::kStruct:
      case TypeCategory::kUnion:
      case TypeCategory::kException:
        CheckStructLiteral(t, v, what, depth, at);
        return;
      case TypeCategory::kTypedef:
      case TypeCategory::kUnresolved:
        return;
    }
  }

  static std::string KindOf(const ConstValue& v) {
    switch (v.kind) {
      case ConstValue::kInt:
        return "an integer";
      case ConstValue::kDouble:
        return "a double";
      case ConstValue::kString:
        return "a string";
      case ConstValue::kIdentifier:
        return "'" + v.s + "'";
      case ConstValue::kList:
        return "a list";
      case ConstValue::kMap:
        return "a map";
    }
    return "a value";
  }

  void CheckEnumRef(const TypeRef& t, const ConstValue& v, const std::string& what,
                    const TypeRef& declared, Loc loc) {
    const TypeCategory cat = Category(t);
    if (cat == TypeCategory::kEnum) {
      if (v.ref_enum != t.resolved) {
        Error(loc, what + ": '" + v.s + "' is a value of enum '" + v.ref_enum->name +
                       "', not of '" + TypeName(declared) + "'");
      }
      return;
    }
    if (IsIntegerBase(t)) {  // Apache allows an enum value where an integer goes
      ConstValue as_int;
      as_int.kind = ConstValue::kInt;
      as_int.i = v.enum_value->value;
      CheckBase(t, as_int, what, declared, loc);
      return;
    }
    Error(loc, what + ": expected a value of type '" + TypeName(declared) +
                   "', found enum value '" + v.s + "'");
  }

  void CheckBase(const TypeRef& t, const ConstValue& v, const std::string& what,
                 const TypeRef& declared, Loc loc) {
    auto mismatch = [&](const std::string& expected) {
      Error(loc, what + ": expected " + expected + " for type '" + TypeName(declared) +
                     "', found " + KindOf(v));
    };
    switch (t.base) {
      case Base::kString:
      case Base::kBinary:
        if (v.kind != ConstValue::kString) mismatch("a string");
        return;
      case Base::kDouble:
        if (v.kind != ConstValue::kInt && v.kind != ConstValue::kDouble) mismatch("a number");
        return;
      case Base::kBool:
        if (v.kind != ConstValue::kInt) {
          mismatch("true, false, 0 or 1");
        } else if (v.i != 0 && v.i != 1) {
          Error(loc,
                what + ": " + std::to_string(v.i) + " is not a bool (use true, false, 0 or 1)");
        }
        return;
      case Base::kI8:
      case Base::kI16:
      case Base::kI32:
      case Base::kI64: {
        if (v.kind != ConstValue::kInt) {
          mismatch("an integer");
          return;
        }
        int64_t lo = INT64_MIN, hi = INT64_MAX;
        if (t.base == Base::kI8) lo = INT8_MIN, hi = INT8_MAX;
        if (t.base == Base::kI16) lo = INT16_MIN, hi = INT16_MAX;
        if (t.base == Base::kI32) lo = INT32_MIN, hi = INT32_MAX;
        if (v.i < lo || v.i > hi) {
          Error(loc, what + ": " + std::to_string(v.i) + " is out of range for " + t.name + " (" +
                         std::to_string(lo) + ".." + std::to_string(hi) + ")");
        }
        return;
      }
    }
  }

  void CheckStructLiteral(const TypeRef& t, ConstValue& v, const std::string& what, int depth,
                          const Loc* at) {
    const Definition& s = *t.resolved;
    if (v.kind != ConstValue::kMap) {
      Error(at != nullptr ? *at : v.loc,
            what + ": expected a struct literal { \"field\": value } for '" + s.name + "', found " +
                KindOf(v));
      return;
    }
    std::set<std::string> given;
    for (auto& [k, e] : v.map) {
      if (k.kind != ConstValue::kString) {
        Error(at != nullptr ? *at : k.loc,
              what + ": struct literal keys must be field names in quotes, found " + KindOf(k));
        continue;
      }
      const Field* field = nullptr;
      for (const auto& f : s.fields) {
        if (f.name == k.s) field = &f;
      }
      if (field == nullptr) {
        Error(at != nullptr ? *at : k.loc, what + ": '" + s.name + "' has no field '" + k.s + "'");
        continue;
      }
      if (!given.insert(k.s).second) {
        Error(at != nullptr ? *at : k.loc, what + ": field '" + k.s + "' is given twice");
        continue;
      }
      CheckValue(field->type, e, what + ", field '" + k.s + "'", depth + 1, at);
    }
    if (s.kind == Definition::kUnion && given.size() > 1) {
      Error(at != nullptr ? *at : v.loc, what + ": a value of union '" + s.name + "' sets " +
                                             std::to_string(given.size()) +
                                             " fields; a union holds one");
    }
  }

  // Whether a value of type `b` fits where type `a` is expected, judged by
  // the types alone: integers fit any integer type and double, strings and
  // binary are interchangeable, named types must be the same definition.
  static bool Compatible(const TypeRef& a0, const TypeRef& b0, int depth) {
    if (depth > kMaxValueDepth) return true;
    const TypeRef& a = TrueType(a0);
    const TypeRef& b = TrueType(b0);
    const TypeCategory ca = Category(a), cb = Category(b);
    if (ca == TypeCategory::kUnresolved || cb == TypeCategory::kUnresolved) return true;
    if (ca == TypeCategory::kBase && cb == TypeCategory::kBase) {
      if (IsIntegerBase(a) || a.base == Base::kDouble) {
        return IsIntegerBase(b) || (a.base == Base::kDouble && b.base == Base::kDouble);
      }
      const bool as = a.base == Base::kString || a.base == Base::kBinary;
      const bool bs = b.base == Base::kString || b.base == Base::kBinary;
      return as ? bs : a.base == b.base;
    }
    if (ca != cb) {
      // A list constant may initialise a set and the other way round.
      const bool seq_a = ca == TypeCategory::kList || ca == TypeCategory::kSet;
      const bool seq_b = cb == TypeCategory::kList || cb == TypeCategory::kSet;
      return seq_a && seq_b && Compatible(*a.elem, *b.elem, depth + 1);
    }
    switch (ca) {
      case TypeCategory::kList:
      case TypeCategory::kSet:
        return Compatible(*a.elem, *b.elem, depth + 1);
      case TypeCategory::kMap:
        return Compatible(*a.key, *b.key, depth + 1) && Compatible(*a.elem, *b.elem, depth + 1);
      default:
        return a.resolved == b.resolved;
    }
  }

  // Constants of this file defined through each other in a loop
  // (const i32 A = B; const i32 B = A). Each loop is reported once.
  void CheckConstCycles() {
    std::unordered_map<const Definition*, std::vector<const Definition*>> edges;
    for (const auto& def : p_.definitions) {
      if (def->kind != Definition::kConst) continue;
      std::vector<const ConstValue*> stack{&def->value};
      while (!stack.empty()) {
        const ConstValue* v = stack.back();
        stack.pop_back();
        if (v->ref_const != nullptr && v->ref_const->program == &p_) {
          edges[def.get()].push_back(v->ref_const);
        }
        for (const auto& e : v->list) stack.push_back(&e);
        for (const auto& e : v->map) {
          stack.push_back(&e.key);
          stack.push_back(&e.value);
        }
      }
    }
    // Iterative DFS: chains of thousands of constants must not overflow
    // the stack.
    std::unordered_map<const Definition*, int> state;  // 1: on the stack, 2: done
    for (const auto& def : p_.definitions) {
      if (def->kind != Definition::kConst || state[def.get()] != 0) continue;
      std::vector<std::pair<const Definition*, size_t>> stack{{def.get(), 0}};
      state[def.get()] = 1;
      while (!stack.empty()) {
        auto& [node, next] = stack.back();
        const auto& out = edges[node];
        if (next == out.size()) {
          state[node] = 2;
          stack.pop_back();
          continue;
        }
        const Definition* to = out[next++];
        if (state[to] == 1) {
          Error(to->loc, "constant '" + to->name + "' is defined in terms of itself (through '" +
                             node->name + "')");
        } else if (state[to] == 0) {
          state[to] = 1;
          stack.emplace_back(to, 0);
        }
      }
    }
  }

  Program& p_;
  Diagnostics& d_;
  std::unordered_map<const Definition*, Definition*> mutable_;
  std::unordered_map<const Definition*, const ConstValue*> followed_;
};

}  // namespace

void Check(Program& p, Diagnostics& diags) { Checker(p, diags).Run(); }

}  // namespace tern::idl
