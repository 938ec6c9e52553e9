#include "tern/idl/ast.h"

namespace tern::idl {

TypeCategory Category(const TypeRef& t) {
  switch (t.kind) {
    case TypeRef::kBase:
      return TypeCategory::kBase;
    case TypeRef::kList:
      return TypeCategory::kList;
    case TypeRef::kSet:
      return TypeCategory::kSet;
    case TypeRef::kMap:
      return TypeCategory::kMap;
    case TypeRef::kNamed:
      break;
  }
  if (t.resolved == nullptr) return TypeCategory::kUnresolved;
  switch (t.resolved->kind) {
    case Definition::kTypedef:
      return TypeCategory::kTypedef;
    case Definition::kEnum:
      return TypeCategory::kEnum;
    case Definition::kStruct:
      return TypeCategory::kStruct;
    case Definition::kUnion:
      return TypeCategory::kUnion;
    case Definition::kException:
      return TypeCategory::kException;
    case Definition::kConst:
    case Definition::kService:
      break;
  }
  return TypeCategory::kUnresolved;
}

namespace {

const TypeRef* Step(const TypeRef* t) {
  if (t->kind != TypeRef::kNamed || t->resolved == nullptr ||
      t->resolved->kind != Definition::kTypedef) {
    return nullptr;
  }
  return &t->resolved->type;
}

}  // namespace

const TypeRef& TrueType(const TypeRef& t) {
  // Floyd's cycle detection: terminates on a typedef cycle (which sema
  // reports and breaks) without a fixed bound on honest chains.
  const TypeRef* slow = &t;
  const TypeRef* fast = &t;
  while (true) {
    const TypeRef* f1 = Step(fast);
    if (f1 == nullptr) return *fast;
    const TypeRef* f2 = Step(f1);
    if (f2 == nullptr) return *f1;
    fast = f2;
    slow = Step(slow);
    if (slow == fast) return t;
  }
}

std::string TypeName(const TypeRef& t) {
  switch (t.kind) {
    case TypeRef::kBase:
    case TypeRef::kNamed:
      return t.name;
    case TypeRef::kList:
      return "list<" + (t.elem ? TypeName(*t.elem) : "?") + ">";
    case TypeRef::kSet:
      return "set<" + (t.elem ? TypeName(*t.elem) : "?") + ">";
    case TypeRef::kMap:
      return "map<" + (t.key ? TypeName(*t.key) : "?") + "," + (t.elem ? TypeName(*t.elem) : "?") +
             ">";
  }
  return "?";
}

const char* Definition::KindName() const {
  switch (kind) {
    case kTypedef:
      return "typedef";
    case kEnum:
      return "enum";
    case kConst:
      return "constant";
    case kStruct:
      return "struct";
    case kUnion:
      return "union";
    case kException:
      return "exception";
    case kService:
      return "service";
  }
  return "definition";
}

const Definition* Program::Find(const std::string& n) const {
  if (!index.empty()) {
    const auto it = index.find(n);
    return it == index.end() ? nullptr : it->second;
  }
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

}  // namespace tern::idl
