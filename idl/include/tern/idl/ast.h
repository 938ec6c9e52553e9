// The AST of a Thrift IDL file, as the parser builds it and the semantic
// checks resolve it. One Program per file; included files are Programs too,
// shared when several files include the same one.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "tern/idl/diagnostics.h"

namespace tern::idl {

struct Definition;
struct Program;

using Annotations = std::vector<std::pair<std::string, std::string>>;

struct TypeRef {
  enum Kind { kBase, kNamed, kList, kSet, kMap };
  Kind kind = kBase;
  // kBase: "bool", "byte", "i8", "i16", "i32", "i64", "double", "string",
  // "binary"; kNamed: the name as written ("Foo" or "inc.Foo").
  std::string name;
  std::shared_ptr<TypeRef> elem;  // list/set element, map value
  std::shared_ptr<TypeRef> key;   // map key
  Loc loc;
  Annotations annotations;
  // Set by sema for kNamed: the typedef, enum, struct, union or exception.
  const Definition* resolved = nullptr;
};

struct ConstMapEntry;

struct ConstValue {
  enum Kind { kInt, kDouble, kString, kIdentifier, kList, kMap };
  Kind kind = kInt;
  int64_t i = 0;
  double d = 0;
  std::string s;  // kString: the text; kIdentifier: the name (a const or Enum.VALUE)
  std::vector<ConstValue> list;
  std::vector<ConstMapEntry> map;
  Loc loc;
};

struct ConstMapEntry {
  ConstValue key;
  ConstValue value;
};

enum class Req { kDefault, kRequired, kOptional };

struct Field {
  int32_t id = 0;
  bool explicit_id = true;
  Req req = Req::kDefault;
  TypeRef type;
  std::string name;
  std::optional<ConstValue> value;  // default value
  bool is_ref = false;              // `&` or cpp.ref / cpp2.ref annotations
  Annotations annotations;
  std::string doc;
  Loc loc;
};

struct EnumValue {
  std::string name;
  int64_t value = 0;
  bool explicit_value = false;
  Loc loc;
  std::string doc;
};

struct Function {
  std::string name;
  bool oneway = false;
  bool returns_void = false;
  TypeRef result;
  std::vector<Field> args;
  std::vector<Field> throws;
  Annotations annotations;
  std::string doc;
  Loc loc;
};

struct Definition {
  enum Kind { kTypedef, kEnum, kConst, kStruct, kUnion, kException, kService };
  Kind kind = kStruct;
  std::string name;
  Loc loc;
  std::string doc;
  Annotations annotations;
  const Program* program = nullptr;  // the file that defines it
  // kTypedef, kConst
  TypeRef type;
  // kConst
  ConstValue value;
  // kEnum
  std::vector<EnumValue> values;
  // kStruct, kUnion, kException
  std::vector<Field> fields;
  // kService
  std::string extends;                      // as written
  const Definition* extends_def = nullptr;  // resolved
  std::vector<Function> functions;

  bool IsStructLike() const { return kind == kStruct || kind == kUnion || kind == kException; }
};

struct Include {
  std::string path;  // as written
  Loc loc;
  Program* program = nullptr;  // resolved
};

struct Program {
  std::string path;  // as opened
  std::string name;  // file name without directory and .thrift: the include prefix
  std::map<std::string, std::string> namespaces;  // language -> namespace
  std::vector<Include> includes;
  std::vector<std::string> cpp_includes;
  std::vector<std::unique_ptr<Definition>> definitions;  // IDL order

  // A definition of this file by name, or null.
  const Definition* Find(const std::string& name) const;
  // The C++ namespace parts ("cpp" namespace, else "*"), possibly empty.
  std::vector<std::string> CppNamespace() const;
};

// Follows typedefs: the type a TypeRef finally denotes (a base type,
// container, or a named enum/struct). Returns `t` itself when not a typedef.
const TypeRef& TrueType(const TypeRef& t);

}  // namespace tern::idl
