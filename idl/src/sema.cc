#include "sema.h"

#include <cmath>
#include <map>
#include <set>

namespace tern::idl {

namespace {

class Checker {
 public:
  Checker(Program& p, Diagnostics& d) : p_(p), d_(d) {}

  void Run() {
    std::map<std::string, const Definition*> seen;
    for (auto& def : p_.definitions) {
      auto [it, inserted] = seen.emplace(def->name, def.get());
      if (!inserted) {
        Error(def->loc, "'" + def->name + "' is already defined at line " +
                            std::to_string(it->second->loc.line));
      }
    }
    for (auto& def : p_.definitions) {
      switch (def->kind) {
        case Definition::kTypedef:
          ResolveType(def->type);
          break;
        case Definition::kConst:
          ResolveType(def->type);
          break;
        case Definition::kStruct:
        case Definition::kUnion:
        case Definition::kException:
          for (auto& f : def->fields) ResolveType(f.type);
          break;
        case Definition::kService:
          for (auto& fn : def->functions) {
            if (!fn.returns_void) ResolveType(fn.result);
            for (auto& a : fn.args) ResolveType(a.type);
            for (auto& a : fn.throws) ResolveType(a.type);
          }
          break;
        case Definition::kEnum:
          break;
      }
    }
    for (auto& def : p_.definitions) {
      if (def->kind == Definition::kTypedef) CheckTypedefCycle(*def);
    }
    // The remaining checks tolerate unresolved types (they skip them), so one
    // run reports every error it can.
    for (auto& def : p_.definitions) {
      switch (def->kind) {
        case Definition::kEnum:
          CheckEnum(*def);
          break;
        case Definition::kConst:
          CheckValue(def->type, def->value, "constant '" + def->name + "'");
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
  }

 private:
  void Error(Loc loc, std::string m) { d_.Error(p_.path, loc, std::move(m)); }

  const Definition* Lookup(const std::string& name) const {
    const size_t dot = name.find('.');
    if (dot == std::string::npos) return p_.Find(name);
    const std::string prefix = name.substr(0, dot), rest = name.substr(dot + 1);
    for (const auto& inc : p_.includes) {
      if (inc.program != nullptr && inc.program->name == prefix) return inc.program->Find(rest);
    }
    return nullptr;
  }

  void ResolveType(TypeRef& t) {
    switch (t.kind) {
      case TypeRef::kBase:
        return;
      case TypeRef::kList:
      case TypeRef::kSet:
        ResolveType(*t.elem);
        return;
      case TypeRef::kMap:
        ResolveType(*t.key);
        ResolveType(*t.elem);
        return;
      case TypeRef::kNamed: {
        const Definition* d = Lookup(t.name);
        if (d == nullptr) {
          std::string hint;
          if (t.name.find('.') != std::string::npos) {
            hint = " (is '" + t.name.substr(0, t.name.find('.')) + ".thrift' included?)";
          }
          Error(t.loc, "unknown type '" + t.name + "'" + hint);
          return;
        }
        if (d->kind == Definition::kConst || d->kind == Definition::kService) {
          Error(t.loc, "'" + t.name + "' is a " +
                           (d->kind == Definition::kConst ? "constant" : "service") +
                           ", not a type");
          return;
        }
        t.resolved = d;
        return;
      }
    }
  }

  void CheckTypedefCycle(const Definition& def) {
    std::set<const Definition*> visited{&def};
    const TypeRef* t = &def.type;
    while (t->kind == TypeRef::kNamed && t->resolved != nullptr &&
           t->resolved->kind == Definition::kTypedef) {
      if (!visited.insert(t->resolved).second) {
        Error(def.loc, "typedef '" + def.name + "' refers to itself (a typedef cycle)");
        return;
      }
      t = &t->resolved->type;
    }
  }

  void CheckEnum(const Definition& def) {
    std::set<std::string> names;
    for (const auto& v : def.values) {
      if (!names.insert(v.name).second) {
        Error(v.loc, "enum value '" + v.name + "' is defined twice in enum '" + def.name + "'");
      }
    }
  }

  void CheckFields(const Definition& owner, std::vector<Field>& fields, const std::string& what) {
    std::map<int32_t, const Field*> ids;
    std::map<std::string, const Field*> names;
    for (auto& f : fields) {
      auto [it, fresh] = ids.emplace(f.id, &f);
      if (!fresh) {
        Error(f.loc, "field id " + std::to_string(f.id) + " of '" + f.name +
                         "' is already used by '" + it->second->name + "' in '" + what + "'");
      }
      auto [it2, fresh2] = names.emplace(f.name, &f);
      if (!fresh2) Error(f.loc, "field '" + f.name + "' is defined twice in '" + what + "'");
      if (owner.kind == Definition::kUnion && f.req == Req::kRequired) {
        Error(f.loc, "union '" + owner.name + "' cannot have a required field ('" + f.name + "')");
      }
      if (f.value) CheckValue(f.type, *f.value, "default value of field '" + f.name + "'");
    }
  }

  void CheckService(Definition& def) {
    if (!def.extends.empty()) {
      const Definition* base = Lookup(def.extends);
      if (base == nullptr) {
        Error(def.loc, "service '" + def.name + "' extends unknown service '" + def.extends + "'");
      } else if (base->kind != Definition::kService) {
        Error(def.loc,
              "service '" + def.name + "' extends '" + def.extends + "', which is not a service");
      } else {
        def.extends_def = base;
      }
    }
    std::set<std::string> names;
    for (auto& fn : def.functions) {
      if (!names.insert(fn.name).second) {
        Error(fn.loc, "function '" + fn.name + "' is defined twice in service '" + def.name + "'");
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
        if (tt.kind != TypeRef::kNamed || tt.resolved == nullptr ||
            tt.resolved->kind != Definition::kException) {
          Error(t.loc, "'" + t.name + "' in throws of '" + fn.name + "' is not an exception");
        }
      }
    }
  }

  // ---- constant values ------------------------------------------------------
  const Definition* FindConst(const std::string& name) const {
    const Definition* d = Lookup(name);
    return d != nullptr && d->kind == Definition::kConst ? d : nullptr;
  }

  bool FindEnumValue(const Definition& e, const std::string& name, int64_t* out) const {
    for (const auto& v : e.values) {
      if (v.name == name) {
        *out = v.value;
        return true;
      }
    }
    return false;
  }

  void CheckValue(const TypeRef& declared, const ConstValue& v, const std::string& what,
                  int depth = 0) {
    if (depth > 64) return;
    const TypeRef& t = TrueType(declared);
    // An identifier naming another constant stands for its value.
    if (v.kind == ConstValue::kIdentifier) {
      if (t.kind == TypeRef::kNamed && t.resolved != nullptr &&
          t.resolved->kind == Definition::kEnum) {
        const std::string& s = v.s;
        const size_t dot = s.rfind('.');
        const std::string member = dot == std::string::npos ? s : s.substr(dot + 1);
        int64_t value;
        if (FindEnumValue(*t.resolved, member, &value)) return;
      }
      if (FindConst(v.s) != nullptr) return;
      if (t.kind == TypeRef::kBase && t.name == "bool" && (v.s == "true" || v.s == "false")) return;
      Error(v.loc, what + ": unknown constant or enum value '" + v.s + "'");
      return;
    }
    auto mismatch = [&](const std::string& expected) {
      Error(v.loc, what + ": expected " + expected + " for type '" + TypeName(declared) + "'");
    };
    switch (t.kind) {
      case TypeRef::kBase: {
        const std::string& n = t.name;
        if (n == "string" || n == "binary") {
          if (v.kind != ConstValue::kString) mismatch("a string");
        } else if (n == "double") {
          if (v.kind != ConstValue::kInt && v.kind != ConstValue::kDouble) mismatch("a number");
        } else if (n == "bool") {
          if (v.kind != ConstValue::kInt || (v.i != 0 && v.i != 1)) mismatch("0, 1, true or false");
        } else {
          if (v.kind != ConstValue::kInt) {
            mismatch("an integer");
            return;
          }
          int64_t lo = INT64_MIN, hi = INT64_MAX;
          if (n == "byte" || n == "i8") lo = INT8_MIN, hi = INT8_MAX;
          if (n == "i16") lo = INT16_MIN, hi = INT16_MAX;
          if (n == "i32") lo = INT32_MIN, hi = INT32_MAX;
          if (v.i < lo || v.i > hi) {
            Error(v.loc, what + ": " + std::to_string(v.i) + " is out of range for " + n);
          }
        }
        return;
      }
      case TypeRef::kList:
      case TypeRef::kSet:
        if (v.kind != ConstValue::kList) {
          mismatch("a list [ ... ]");
          return;
        }
        for (const auto& e : v.list) CheckValue(*t.elem, e, what, depth + 1);
        return;
      case TypeRef::kMap:
        if (v.kind != ConstValue::kMap) {
          mismatch("a map { k: v }");
          return;
        }
        for (const auto& [k, e] : v.map) {
          CheckValue(*t.key, k, what, depth + 1);
          CheckValue(*t.elem, e, what, depth + 1);
        }
        return;
      case TypeRef::kNamed: {
        if (t.resolved == nullptr) return;
        if (t.resolved->kind == Definition::kEnum) {
          if (v.kind != ConstValue::kInt) mismatch("an enum value");
          return;
        }
        if (t.resolved->IsStructLike()) {
          if (v.kind != ConstValue::kMap) {
            mismatch("a struct literal { \"field\": value }");
            return;
          }
          for (const auto& [k, e] : v.map) {
            if (k.kind != ConstValue::kString && k.kind != ConstValue::kIdentifier) {
              Error(k.loc, what + ": struct literal keys must be field names");
              continue;
            }
            const Field* field = nullptr;
            for (const auto& f : t.resolved->fields) {
              if (f.name == k.s) field = &f;
            }
            if (field == nullptr) {
              Error(k.loc, what + ": '" + t.resolved->name + "' has no field '" + k.s + "'");
              continue;
            }
            CheckValue(field->type, e, what + "." + k.s, depth + 1);
          }
        }
        return;
      }
    }
  }

  static std::string TypeName(const TypeRef& t) {
    switch (t.kind) {
      case TypeRef::kBase:
      case TypeRef::kNamed:
        return t.name;
      case TypeRef::kList:
        return "list<" + TypeName(*t.elem) + ">";
      case TypeRef::kSet:
        return "set<" + TypeName(*t.elem) + ">";
      case TypeRef::kMap:
        return "map<" + TypeName(*t.key) + "," + TypeName(*t.elem) + ">";
    }
    return "?";
  }

  Program& p_;
  Diagnostics& d_;
};

}  // namespace

const TypeRef& TrueType(const TypeRef& t) {
  const TypeRef* cur = &t;
  for (int guard = 0; guard < 1000; ++guard) {
    if (cur->kind != TypeRef::kNamed || cur->resolved == nullptr ||
        cur->resolved->kind != Definition::kTypedef) {
      return *cur;
    }
    cur = &cur->resolved->type;
  }
  return *cur;
}

void Check(Program& p, Diagnostics& diags) { Checker(p, diags).Run(); }

}  // namespace tern::idl
