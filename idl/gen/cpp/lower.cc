#include "idl/gen/cpp/lower.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <map>
#include <set>
#include <sstream>

#include "idl/gen/cpp/cpp_generator.h"
#include "tern/idl/compiler.h"

namespace tern::gen {

namespace {

const std::set<std::string>& Reserved() {
  static const std::set<std::string> kWords = {
      // C++20 keywords
      "alignas",
      "alignof",
      "and",
      "and_eq",
      "asm",
      "auto",
      "bitand",
      "bitor",
      "bool",
      "break",
      "case",
      "catch",
      "char",
      "char8_t",
      "char16_t",
      "char32_t",
      "class",
      "compl",
      "concept",
      "const",
      "consteval",
      "constexpr",
      "constinit",
      "const_cast",
      "continue",
      "co_await",
      "co_return",
      "co_yield",
      "decltype",
      "default",
      "delete",
      "do",
      "double",
      "dynamic_cast",
      "else",
      "enum",
      "explicit",
      "export",
      "extern",
      "false",
      "float",
      "for",
      "friend",
      "goto",
      "if",
      "inline",
      "int",
      "long",
      "mutable",
      "namespace",
      "new",
      "noexcept",
      "not",
      "not_eq",
      "nullptr",
      "operator",
      "or",
      "or_eq",
      "private",
      "protected",
      "public",
      "register",
      "reinterpret_cast",
      "requires",
      "return",
      "short",
      "signed",
      "sizeof",
      "static",
      "static_assert",
      "static_cast",
      "struct",
      "switch",
      "template",
      "this",
      "thread_local",
      "throw",
      "true",
      "try",
      "typedef",
      "typeid",
      "typename",
      "union",
      "unsigned",
      "using",
      "virtual",
      "void",
      "volatile",
      "wchar_t",
      "while",
      "xor",
      "xor_eq",
      // Macros of the C and POSIX headers generated code includes.
      "EOF",
      "NULL",
      "errno",
      "stdin",
      "stdout",
      "stderr",
      "assert",
      "TRUE",
      "FALSE",
      "BUFSIZ",
      "EINTR",
      "EAGAIN",
      "INT_MAX",
      "INT_MIN",
      "unix",
      "linux",
      "major",
      "minor",
  };
  return kWords;
}

// Macros the headers of generated code define (macro_names.inc).
bool IsMacro(const std::string& n) {
  static const std::set<std::string> kMacros = [] {
    std::set<std::string> names;
    std::istringstream in(
#include "idl/gen/cpp/macro_names.inc"
    );
    for (std::string name; in >> name;) names.insert(name);
    return names;
  }();
  return kMacros.count(n) != 0;
}

// Identifiers the generated code itself names unqualified: a type or member
// called like this would shadow them (allocator_type: the type every
// allocator-aware struct declares).
bool IsUsedName(const std::string& n) {
  static const std::set<std::string> kNames = {"std",      "tern",    "int8_t",        "int16_t",
                                               "int32_t",  "int64_t", "uint8_t",       "uint32_t",
                                               "uint64_t", "size_t",  "allocator_type"};
  return kNames.count(n) != 0;
}

// The namespaces of Tern's runtime under ::tern: an IDL's types there
// would sit beside the runtime's own (a struct Status in ::tern).
bool IsRuntimeNamespace(const std::string& n) {
  static const std::set<std::string> kNames = {
      "compact",  "detail",          "gen",         "generic",   "idl",
      "internal", "netpoll",         "rpc",         "simd_avx2", "simd_avx512",
      "testing",  "thrift_copyfree", "thrift_fast", "view",      "wire"};
  return kNames.count(n) != 0;
}

// The C++ namespace of p, escaped: keywords and macros, and the names the
// generated code uses unqualified (`std` in a.std would hide ::std inside
// it). A leading `tern` stays (tern.conformance is ::tern::conformance,
// tern.rpc.test ::tern::rpc::test), unless the namespace is ::tern itself or
// one of the runtime's: its types would sit beside Tern's own (`namespace
// cpp tern` gives ::tern_).
std::vector<std::string> CppNamespaceOf(const idl::Program& p) {
  std::vector<std::string> parts = p.CppNamespace();
  for (size_t i = 0; i < parts.size(); ++i) {
    const std::string& part = parts[i];
    const bool own_tern = i == 0 && part == "tern" && parts.size() > 1 &&
                          (parts.size() > 2 || !IsRuntimeNamespace(parts[1]));
    if (Reserved().count(part) != 0 || IsMacro(part) || (IsUsedName(part) && !own_tern)) {
      parts[i] += "_";
    }
  }
  return parts;
}

// Members every generated struct has: a field of that name gets a suffix.
bool IsReservedMember(const std::string& n) {
  static const std::set<std::string> kMembers = {"BLength",        "FastWrite",    "FastRead",
                                                 "Write",          "getType",      "kTernTypeInfo",
                                                 "allocator_type", "get_allocator"};
  return kMembers.count(n) != 0 || n.rfind("tern_", 0) == 0;
}

// The IDL names of `fields`.
std::vector<std::string> FieldNames(const std::vector<idl::Field>& fields) {
  std::vector<std::string> names;
  for (const auto& f : fields) names.push_back(f.name);
  return names;
}

// The C++ member name of field `name` in a struct named `owner` (C++ name)
// whose fields are named `names`: escaped when it is reserved, names the
// struct, or is an accessor of another field (has_x, set_x, clear_x).
std::string MemberName(const std::string& name, const std::string& owner,
                       const std::vector<std::string>& names) {
  std::string m = EscapeCpp(name);
  if (m == owner) {
    // A member cannot be named like its class: the first spelling that no
    // other field has, in the IDL or in C++ (a user reading `c.C_` must get
    // the field named C_ if there is one), and that stays a valid name.
    auto taken = [&](const std::string& c) {
      if (c == owner || c.find("__") != std::string::npos || IsReservedMember(c) ||
          EscapeCpp(c) != c) {
        return true;
      }
      for (const auto& o : names) {
        if (o != name && (o == c || EscapeCpp(o) == c)) return true;
      }
      return false;
    };
    const std::string base = m.back() == '_' ? m : m + "_";
    m = base;
    for (int k = 2; taken(m); ++k) m = base + std::to_string(k);
  } else if (IsReservedMember(m)) {
    m += "_";
  }
  auto is_accessor = [&] {
    for (const auto& o : names) {
      if (o != name && (m == "has_" + o || m == "set_" + o || m == "clear_" + o)) return true;
    }
    return false;
  };
  // Repeated: has_x_ may be an accessor too (of a field named x_).
  while (is_accessor()) m += "_";
  return m;
}

std::string Qualify(const idl::Program& p, const std::string& cpp_name) {
  std::string q;
  for (const auto& part : CppNamespaceOf(p)) q += "::" + part;
  return q + "::" + cpp_name;
}

std::string CppString(const std::string& s) {
  std::string out = CppStringType() + "(\"";
  for (unsigned char c : s) {
    if (c == '"' || c == '\\') {
      out += '\\';
      out += static_cast<char>(c);
    } else if (c >= 0x20 && c < 0x7f && c != '?') {
      out += static_cast<char>(c);
    } else {
      char buf[8];
      std::snprintf(buf, sizeof(buf), "\\%03o", c);
      out += buf;
    }
  }
  return out + "\", " + std::to_string(s.size()) + ")";
}

// The IDL name of a method's args or result struct (Service_method_args,
// Service_method_result, as Apache names them).
std::string MethodStructName(const std::string& service, const std::string& fn,
                             const char* suffix) {
  return service + "_" + fn + suffix;
}

// A C++ name a definition puts in its file's namespace, with who it is and
// where, for clash reports.
struct CppName {
  std::string cpp;
  std::string whose;
  idl::Loc loc;
};

// Every name `def` puts there: a type's own name; for a service, its classes
// (cpp_generator.cc: EmitServiceDecl) and each method's args struct and,
// unless oneway, result struct.
std::vector<CppName> CppNamesOf(const idl::Definition& def) {
  if (def.kind != idl::Definition::kService) {
    return {{EscapeCpp(def.name), "'" + def.name + "'", def.loc}};
  }
  std::vector<CppName> out;
  for (const char* suffix : {"AsyncHandler", "Handler", "ViewHandler", "Client"}) {
    out.push_back({EscapeCpp(def.name) + suffix,
                   "the " + std::string(suffix) + " class of service " + def.name, def.loc});
  }
  for (const auto& fn : def.functions) {
    for (const char* suffix : {"_args", "_result"}) {
      if (fn.oneway && std::string(suffix) == "_result") continue;
      out.push_back({EscapeCpp(MethodStructName(def.name, fn.name, suffix)),
                     "the " + std::string(suffix + 1) + " of " + def.name + "." + fn.name, fn.loc});
    }
  }
  return out;
}

class Lowering {
 public:
  Lowering(const idl::Program& p, idl::Diagnostics& d) : p_(p), d_(d) {}

  File Run() {
    File f;
    f.base = p_.name;
    f.ns = CppNamespaceOf(p_);
    for (const auto& inc : p_.includes) {
      if (inc.program != nullptr) f.includes.push_back(inc.program->name);
    }
    // Escaping can give two names one C++ spelling (`class` and `class_`).
    // Apache refuses C++ keywords as names outright; this refuses only the
    // clash. (A service names no type of its own, only prefixed ones.)
    std::map<std::string, const idl::Definition*> cpp_names[2];
    for (const auto& def : p_.definitions) {
      const bool service = def->kind == idl::Definition::kService;
      const auto [it, added] = cpp_names[service].emplace(EscapeCpp(def->name), def.get());
      if (!added && it->second->name != def->name) {
        ReportClash(def->loc, def->name, it->second->name, it->first);
      }
    }
    CheckIncludedNames();
    for (const auto& def : p_.definitions) {
      if (def->kind == idl::Definition::kEnum) f.enums.push_back(LowerEnum(*def));
    }
    for (const auto& def : p_.definitions) {
      if (def->kind == idl::Definition::kTypedef) {
        f.typedefs.push_back({EscapeCpp(def->name), LowerType(def->type)});
      }
    }
    for (const idl::Definition* def : idl::DependencyOrder(p_, d_)) {
      f.owned_structs.push_back(LowerStruct(*def));
      f.structs.push_back(f.owned_structs.back().get());
    }
    for (const auto& def : p_.definitions) {
      if (def->kind == idl::Definition::kService) f.services.push_back(LowerService(*def, f));
    }
    // Names tern gen makes up (a service's classes, a method's args and
    // result structs) can be a type of the file (`struct S_m_args`) or
    // another service's (A.b_c and A_b.c both give A_b_c_args).
    std::map<std::string, std::string> names;   // C++ name -> whose
    for (const bool service : {false, true}) {  // the types' names first
      for (const auto& def : p_.definitions) {
        if ((def->kind == idl::Definition::kService) != service) continue;
        for (const CppName& n : CppNamesOf(*def)) {
          const auto [it, added] = names.emplace(n.cpp, n.whose);
          // (Two types of one C++ name were reported above.)
          if (!added && service) {
            d_.Error(p_.path, n.loc,
                     n.whose + " is generated as '" + n.cpp + "', which " + it->second +
                         " already is in C++; rename one");
          }
        }
      }
    }
    for (const auto& def : p_.definitions) {
      if (def->kind == idl::Definition::kConst) {
        Const c;
        c.cpp = EscapeCpp(def->name);
        c.type = LowerType(def->type);
        c.value_cpp = Value(def->type, def->value, 0);
        f.consts.push_back(std::move(c));
      }
    }
    return f;
  }

 private:
  // A file included (directly or not) with the same C++ namespace declares
  // its types in the namespace this file's header also fills (its header is
  // included too): one name there is a redefinition. Apache refuses it as
  // well ("already defined").
  void CheckIncludedNames() {
    const std::vector<std::string> ns = CppNamespaceOf(p_);
    std::map<std::string, const idl::Program*> theirs;  // C++ name -> file
    std::set<const idl::Program*> seen{&p_};
    std::vector<const idl::Program*> todo;
    for (const auto& inc : p_.includes) todo.push_back(inc.program);
    while (!todo.empty()) {
      const idl::Program* q = todo.back();
      todo.pop_back();
      if (q == nullptr || !seen.insert(q).second) continue;
      for (const auto& inc : q->includes) todo.push_back(inc.program);
      if (CppNamespaceOf(*q) != ns) continue;
      for (const auto& def : q->definitions) {
        for (const CppName& n : CppNamesOf(*def)) theirs.emplace(n.cpp, q);
      }
    }
    if (theirs.empty()) return;
    std::string q_ns;
    for (const auto& part : ns) q_ns += "::" + part;
    for (const auto& def : p_.definitions) {
      for (const CppName& n : CppNamesOf(*def)) {
        const auto it = theirs.find(n.cpp);
        if (it == theirs.end()) continue;
        d_.Error(p_.path, n.loc,
                 n.whose + " is '" + q_ns + "::" + n.cpp + "' in C++, which " + it->second->path +
                     " (included, same C++ namespace) also defines; rename one or give the "
                     "files different namespaces");
      }
    }
  }

  void ReportClash(const idl::Loc& at, const std::string& name, const std::string& other,
                   const std::string& cpp) {
    d_.Error(p_.path, at,
             "'" + name + "' and '" + other + "' both become '" + cpp + "' in C++; rename one");
  }

  Enum LowerEnum(const idl::Definition& def) {
    Enum e;
    e.name = def.name;
    e.cpp = EscapeCpp(def.name);
    e.doc = def.doc;
    for (const auto& v : def.values) {
      e.values.emplace_back(EscapeCpp(v.name), static_cast<int32_t>(v.value));
    }
    return e;
  }

  Type LowerType(const idl::TypeRef& t0) {
    const idl::TypeRef& t = idl::TrueType(t0);
    Type out;
    switch (t.kind) {
      case idl::TypeRef::kBase: {
        const std::string& n = t.name;
        out.kind = n == "bool"                  ? Kind::kBool
                   : (n == "byte" || n == "i8") ? Kind::kI8
                   : n == "i16"                 ? Kind::kI16
                   : n == "i32"                 ? Kind::kI32
                   : n == "i64"                 ? Kind::kI64
                   : n == "double"              ? Kind::kDouble
                   : n == "binary"              ? Kind::kBinary
                                                : Kind::kString;
        return out;
      }
      case idl::TypeRef::kList:
      case idl::TypeRef::kSet:
        out.kind = t.kind == idl::TypeRef::kList ? Kind::kList : Kind::kSet;
        out.elem = std::make_shared<Type>(LowerType(*t.elem));
        return out;
      case idl::TypeRef::kMap:
        out.kind = Kind::kMap;
        out.key = std::make_shared<Type>(LowerType(*t.key));
        out.elem = std::make_shared<Type>(LowerType(*t.elem));
        return out;
      case idl::TypeRef::kNamed: {
        const idl::Definition* d = t.resolved;
        if (d == nullptr) return out;
        out.kind = d->kind == idl::Definition::kEnum ? Kind::kEnum : Kind::kStruct;
        out.cpp_name = Qualify(*d->program, EscapeCpp(d->name));
        if (out.kind == Kind::kStruct) {
          out.view_name = ViewNameOf(*d);
          std::set<const idl::Definition*> seen;
          out.has_alloc_members = HasAllocMembers(*d, seen);
        }
        return out;
      }
    }
    return out;
  }

  // Whether struct def holds, by value, a string, binary or container (the
  // rule of cpp_generator's StructAllocAware; recursive `&` fields are
  // pointers and do not count).
  static bool HasAllocMembers(const idl::Definition& def, std::set<const idl::Definition*>& seen) {
    if (!seen.insert(&def).second) return false;
    for (const auto& f : def.fields) {
      const idl::TypeRef& t = idl::TrueType(f.type);
      switch (t.kind) {
        case idl::TypeRef::kBase:  // LowerType: any other base name is string storage
          if (t.name != "bool" && t.name != "byte" && t.name != "i8" && t.name != "i16" &&
              t.name != "i32" && t.name != "i64" && t.name != "double") {
            return true;
          }
          break;
        case idl::TypeRef::kList:
        case idl::TypeRef::kSet:
        case idl::TypeRef::kMap:
          return true;
        case idl::TypeRef::kNamed:
          if (!f.is_ref && t.resolved != nullptr && t.resolved->IsStructLike() &&
              HasAllocMembers(*t.resolved, seen)) {
            return true;
          }
          break;
      }
    }
    return false;
  }

  // The copy-free view class nested in a struct: "View", unless the struct
  // itself or one of its fields already has that C++ name (or "Builder",
  // the builder class beside it).
  static std::string ViewNameOf(const idl::Definition& def) {
    const std::string self = EscapeCpp(def.name);
    if (self == "View" || self == "Builder") return "TernView";
    for (const auto& f : def.fields) {
      if (EscapeCpp(f.name) == "View" || EscapeCpp(f.name) == "Builder") return "TernView";
    }
    return "View";
  }

  std::unique_ptr<Struct> LowerStruct(const idl::Definition& def) {
    auto s = std::make_unique<Struct>();
    s->name = def.name;
    s->view_name = ViewNameOf(def);
    s->cpp = EscapeCpp(def.name);
    s->qualified = Qualify(p_, s->cpp);
    s->doc = def.doc;
    s->kind = def.kind == idl::Definition::kUnion       ? StructKind::kUnion
              : def.kind == idl::Definition::kException ? StructKind::kException
                                                        : StructKind::kStruct;
    std::map<std::string, const idl::Field*> members;
    for (const auto& f : def.fields) {
      Field out;
      out.id = static_cast<int16_t>(f.id);
      out.name = f.name;
      out.cpp = MemberName(f.name, s->cpp, FieldNames(def.fields));
      const auto [it, added] = members.emplace(out.cpp, &f);
      if (!added && it->second->name != f.name) {
        ReportClash(f.loc, f.name, it->second->name, out.cpp);
      }
      out.req = f.req == idl::Req::kRequired   ? Req::kRequired
                : f.req == idl::Req::kOptional ? Req::kOptional
                                               : Req::kDefault;
      out.type = LowerType(f.type);
      // Indirection only makes sense for struct-typed fields.
      out.indirect = f.is_ref && out.type.kind == Kind::kStruct;
      if (f.value) out.default_cpp = Value(f.type, *f.value, 0);
      if (out.indirect && f.value) {
        d_.Warning(p_.path, f.loc,
                   "the default value of '" + f.name +
                       "' is ignored: a recursive ('&') field starts null");
      }
      s->fields.push_back(std::move(out));
    }
    return s;
  }

  // A field of an args or result struct named `owner_cpp`, whose fields are
  // named `names`.
  Field LowerField(const idl::Field& f, const std::string& owner_cpp,
                   const std::vector<std::string>& names) {
    Field out;
    out.id = static_cast<int16_t>(f.id);
    out.name = f.name;
    out.cpp = MemberName(f.name, owner_cpp, names);
    out.req = f.req == idl::Req::kRequired   ? Req::kRequired
              : f.req == idl::Req::kOptional ? Req::kOptional
                                             : Req::kDefault;
    out.type = LowerType(f.type);
    out.indirect = f.is_ref && out.type.kind == Kind::kStruct;
    if (f.value) out.default_cpp = Value(f.type, *f.value, 0);
    return out;
  }

  Service LowerService(const idl::Definition& def, File& file) {
    Service s;
    s.name = def.name;
    s.cpp = EscapeCpp(def.name);
    s.qualified = Qualify(p_, s.cpp);
    if (def.extends_def != nullptr) {
      s.extends_qualified = Qualify(*def.extends_def->program, EscapeCpp(def.extends_def->name));
      s.extends_header = def.extends_def->program->name + "_services.h";
    }
    for (const auto& fn : def.functions) {
      Function f;
      f.name = fn.name;
      f.cpp = EscapeCpp(fn.name);
      f.oneway = fn.oneway;
      f.returns_void = fn.returns_void;
      if (!fn.returns_void) f.result = LowerType(fn.result);
      auto args = std::make_unique<Struct>();
      args->name = MethodStructName(def.name, fn.name, "_args");
      args->cpp = EscapeCpp(args->name);
      args->qualified = Qualify(p_, args->cpp);
      const std::vector<std::string> arg_names = FieldNames(fn.args);
      for (const auto& a : fn.args) {
        Field lf = LowerField(a, args->cpp, arg_names);
        // Apache writes every argument; requiredness in argument lists is
        // ignored there, and so here.
        lf.req = Req::kDefault;
        f.args.push_back(lf);
        args->fields.push_back(std::move(lf));
      }
      // The result struct holds `success` (id 0) beside the exceptions; an
      // exception of that name is renamed there (success_), so that its
      // accessors differ from the return value's.
      const std::string result_cpp = EscapeCpp(MethodStructName(def.name, fn.name, "_result"));
      std::vector<idl::Field> throws = fn.throws;
      std::vector<std::string> result_names;
      if (!fn.returns_void) result_names.push_back("success");
      for (auto& t : throws) {
        while (std::find(result_names.begin(), result_names.end(), t.name) != result_names.end()) {
          t.name += "_";
        }
        result_names.push_back(t.name);
      }
      for (const auto& t : throws) f.throws.push_back(LowerField(t, result_cpp, result_names));
      f.args_struct = args.get();
      file.service_structs.push_back(args.get());
      file.owned_structs.push_back(std::move(args));
      if (!fn.oneway) {
        auto result = std::make_unique<Struct>();
        result->name = MethodStructName(def.name, fn.name, "_result");
        result->cpp = result_cpp;
        result->qualified = Qualify(p_, result->cpp);
        if (!fn.returns_void) {
          Field success;
          success.id = 0;
          success.name = "success";
          success.cpp = "success";
          success.req = Req::kOptional;
          success.type = f.result;
          result->fields.push_back(std::move(success));
        }
        for (Field t : f.throws) {
          t.req = Req::kOptional;
          result->fields.push_back(std::move(t));
        }
        f.result_struct = result.get();
        file.service_structs.push_back(result.get());
        file.owned_structs.push_back(std::move(result));
      }
      s.functions.push_back(std::move(f));
    }
    return s;
  }

  // ---- values ------------------------------------------------------------------

  std::string Value(const idl::TypeRef& declared, const idl::ConstValue& v0, int depth) {
    if (depth > 4 * idl::Compiler::kMaxNesting) return "{}";
    // Constants are inlined, so constants built from constants can grow
    // exponentially (each listing the previous one twice). Bound the work:
    // every call costs budget, and past it the file is refused.
    if (++value_calls_ > kMaxValueCalls) {
      if (!value_budget_reported_) {
        value_budget_reported_ = true;
        d_.Error(p_.path, v0.loc,
                 "constant values expand to more than " + std::to_string(kMaxValueCalls) +
                     " elements once inlined (constants nested in constants); simplify them");
      }
      return "{}";
    }
    const idl::TypeRef& t = idl::TrueType(declared);
    // A constant defined as another constant stands for that one's value;
    // follow the chain without recursion (sema has ruled out cycles).
    const idl::ConstValue* cur = &v0;
    for (int steps = 0;
         cur->kind == idl::ConstValue::kIdentifier && cur->ref_const != nullptr && steps < 1 << 20;
         ++steps) {
      cur = &cur->ref_const->value;
    }
    const idl::ConstValue& v = *cur;
    if (v.kind == idl::ConstValue::kIdentifier) {
      if (v.ref_enum == nullptr || v.enum_value == nullptr) return "{}";
      if (t.kind == idl::TypeRef::kNamed && t.resolved == v.ref_enum) {
        return Qualify(*v.ref_enum->program, EscapeCpp(v.ref_enum->name)) +
               "::" + EscapeCpp(v.enum_value->name);
      }
      // An enum value where an integer goes: its number.
      idl::ConstValue number;
      number.kind = idl::ConstValue::kInt;
      number.i = v.enum_value->value;
      return Value(declared, number, depth + 1);
    }
    const Type lt = LowerType(t);
    switch (lt.kind) {
      case Kind::kBool:
        return v.i != 0 ? "true" : "false";
      case Kind::kI8:
        return "int8_t{" + std::to_string(v.i) + "}";
      case Kind::kI16:
        return "int16_t{" + std::to_string(v.i) + "}";
      case Kind::kI32:
        return "int32_t{" + std::to_string(v.i) + "}";
      case Kind::kI64:
        if (v.i == INT64_MIN) return "INT64_MIN";
        return "int64_t{" + std::to_string(v.i) + "LL}";
      case Kind::kDouble: {
        const double d = v.kind == idl::ConstValue::kDouble ? v.d : static_cast<double>(v.i);
        if (std::isinf(d)) return d > 0 ? "HUGE_VAL" : "-HUGE_VAL";
        char buf[64];
        std::snprintf(buf, sizeof(buf), "%.17g", d);
        std::string s = buf;
        if (s.find_first_of(".en") == std::string::npos) s += ".0";
        return s;
      }
      case Kind::kString:
      case Kind::kBinary:
        return CppString(v.s);
      case Kind::kEnum:
        return "static_cast<" + lt.cpp_name + ">(" + std::to_string(v.i) + ")";
      case Kind::kList:
      case Kind::kSet: {
        std::string out = CppTypeName(lt) + "{";
        for (size_t i = 0; i < v.list.size(); ++i) {
          out += (i ? ", " : "") + Value(*t.elem, v.list[i], depth + 1);
        }
        return out + "}";
      }
      case Kind::kMap: {
        // A key written twice keeps its last value, as in Apache (std::map's
        // list constructor would keep the first).
        std::vector<std::pair<std::string, std::string>> entries;
        std::map<std::string, size_t> index;
        for (const auto& e : v.map) {
          std::string key = Value(*t.key, e.key, depth + 1);
          std::string value = Value(*t.elem, e.value, depth + 1);
          const auto [it, added] = index.emplace(key, entries.size());
          if (added) {
            entries.emplace_back(std::move(key), std::move(value));
          } else {
            entries[it->second].second = std::move(value);
          }
        }
        std::string out = CppTypeName(lt) + "{";
        for (size_t i = 0; i < entries.size(); ++i) {
          out +=
              std::string(i ? ", " : "") + "{" + entries[i].first + ", " + entries[i].second + "}";
        }
        return out + "}";
      }
      case Kind::kStruct: {
        // A struct literal: built by an immediately invoked lambda.
        std::string out = "[] { " + lt.cpp_name + " v; ";
        for (const auto& [k, e] : v.map) {
          const idl::Field* field = nullptr;
          for (const auto& f : t.resolved->fields) {
            if (f.name == k.s) field = &f;
          }
          if (field == nullptr) continue;
          const std::string member =
              MemberName(field->name, EscapeCpp(t.resolved->name), FieldNames(t.resolved->fields));
          const std::string value = Value(field->type, e, depth + 1);
          if (field->req == idl::Req::kOptional || t.resolved->kind == idl::Definition::kUnion) {
            out += "v.set_" + field->name + "(" + value + "); ";
          } else if (field->is_ref && LowerType(field->type).kind == Kind::kStruct) {
            out += "v." + member + " = std::make_unique<" + LowerType(field->type).cpp_name + ">(" +
                   value + "); ";
          } else {
            out += "v." + member + " = " + value + "; ";
          }
        }
        return out + "return v; }()";
      }
    }
    return "{}";
  }

  static constexpr size_t kMaxValueCalls = 1 << 20;
  size_t value_calls_ = 0;
  bool value_budget_reported_ = false;
  const idl::Program& p_;
  idl::Diagnostics& d_;
};

}  // namespace

std::string EscapeCpp(const std::string& name) {
  if (Reserved().count(name) != 0 || IsMacro(name) || IsUsedName(name)) return name + "_";
  // Identifiers with a double underscore anywhere, or an underscore and a
  // capital first, are reserved in C++: each "__" becomes "_u_", and a
  // leading "_X" gets a "u" in front.
  std::string out = name;
  for (size_t at = out.find("__"); at != std::string::npos; at = out.find("__", at)) {
    out.replace(at, 2, "_u_");
  }
  if (out.size() > 1 && out[0] == '_' && std::isupper(static_cast<unsigned char>(out[1]))) {
    out = "u" + out;
  }
  return out;
}

File Lower(const idl::Program& program, idl::Diagnostics& diags) {
  return Lowering(program, diags).Run();
}

}  // namespace tern::gen
