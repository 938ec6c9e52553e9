// The AST of a Thrift IDL file, as the parser builds it and the semantic
// checks (sema) resolve it.
//
// One Program per file. The parser fills in everything as written; sema then
// links names to what they denote: a named TypeRef to its Definition
// (`resolved`), an identifier in a constant to the constant or enum value it
// names, a service to the service it extends, an include to its Program.
// After a check without errors every such link is set; after errors, code
// reading the AST must tolerate null links.
//
// Ownership: a Compiler owns every Program; a Program owns its Definitions;
// links are plain pointers into Programs of the same Compiler, valid while it
// lives. Programs are shared: a file included twice (a diamond) is one
// Program. Nothing here is thread-safe to mutate; reading a finished AST from
// several threads is fine.
//
// The type graph: a TypeRef is a base type, a container of TypeRefs, or a
// name. Category() classifies what a TypeRef denotes (a typedef stays a
// typedef), TrueType() follows typedefs to the type finally meant.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "tern/idl/source.h"

namespace tern::idl {

struct Definition;
struct EnumValue;
struct Program;

// ( key = "value", ... ) in IDL order; a key without a value has value "1"
// (as Apache records it).
using Annotations = std::vector<std::pair<std::string, std::string>>;

// Base types. `byte` is Apache's alias for i8 (TypeRef::name keeps the
// spelling).
enum class Base { kBool, kI8, kI16, kI32, kI64, kDouble, kString, kBinary };

struct TypeRef {
  enum Kind { kBase, kNamed, kList, kSet, kMap };
  Kind kind = kBase;
  // kBase: "bool", "byte", "i8", "i16", "i32", "i64", "double", "string",
  // "binary"; kNamed: the name as written ("Foo" or "inc.Foo").
  std::string name;
  Base base = Base::kI32;         // kBase
  std::shared_ptr<TypeRef> elem;  // list/set element, map value
  std::shared_ptr<TypeRef> key;   // map key
  Loc loc;
  Annotations annotations;
  // Set by sema for kNamed: the typedef, enum, struct, union or exception.
  const Definition* resolved = nullptr;
};

// What a TypeRef denotes, one level deep: a typedef is kTypedef (use
// TrueType() to see through it); a name sema could not resolve is
// kUnresolved.
enum class TypeCategory {
  kBase,
  kList,
  kSet,
  kMap,
  kEnum,
  kStruct,
  kUnion,
  kException,
  kTypedef,
  kUnresolved
};
TypeCategory Category(const TypeRef& t);

// Follows typedefs: returns the type `t` finally denotes (a base type, a
// container, an enum or a struct-like), or `t` itself when it is not a
// typedef. Stops (returning the typedef) on a cycle, which sema reports.
const TypeRef& TrueType(const TypeRef& t);

// The type as IDL text, e.g. "map<string,list<i32>>" or "shared.Point".
std::string TypeName(const TypeRef& t);

struct ConstMapEntry;

struct ConstValue {
  enum Kind { kInt, kDouble, kString, kIdentifier, kList, kMap };
  Kind kind = kInt;
  int64_t i = 0;  // kInt (true/false are 1/0)
  double d = 0;   // kDouble
  // kString: the text; kIdentifier: the name as written (a constant, "C" or
  // "inc.C", or an enum value, "Enum.VALUE" or "inc.Enum.VALUE").
  std::string s;
  std::vector<ConstValue> list;    // kList: [ ... ]
  std::vector<ConstMapEntry> map;  // kMap: { k: v } (also struct literals)
  Loc loc;
  // Set by sema for kIdentifier: the constant named (ref_const) or the enum
  // value named (ref_enum and enum_value).
  const Definition* ref_const = nullptr;
  const Definition* ref_enum = nullptr;
  const EnumValue* enum_value = nullptr;
};

struct ConstMapEntry {
  ConstValue key;
  ConstValue value;
};

enum class Req { kDefault, kRequired, kOptional };

struct Field {
  // Explicit ids are 1..32767; ids the IDL leaves out (or gives outside
  // that range) are assigned -1, -2, ... per field list, as Apache does.
  int32_t id = 0;
  bool explicit_id = true;
  Req req = Req::kDefault;  // a `required` union field is kOptional after sema (as Apache)
  TypeRef type;
  std::string name;
  std::optional<ConstValue> value;  // default value
  bool is_ref = false;              // `&`, or cpp.ref / cpp2.ref / *.ref_type annotations
  Annotations annotations;
  std::string doc;
  Loc loc;  // of the name
};

struct EnumValue {
  std::string name;
  int64_t value = 0;  // always within i32 after a clean check
  bool explicit_value = false;
  Annotations annotations;
  Loc loc;
  std::string doc;
};

struct Function {
  std::string name;
  bool oneway = false;
  bool returns_void = false;
  TypeRef result;             // unless returns_void
  std::vector<Field> args;    // as a field list: ids, defaults, annotations
  std::vector<Field> throws;  // exceptions, each an exception type
  Annotations annotations;
  std::string doc;
  Loc loc;  // of the name
};

struct Definition {
  enum Kind { kTypedef, kEnum, kConst, kStruct, kUnion, kException, kService };
  Kind kind = kStruct;
  std::string name;
  Loc loc;  // of the name
  std::string doc;
  Annotations annotations;
  const Program* program = nullptr;  // the file that defines it
  // kTypedef: the aliased type; kConst: the declared type.
  TypeRef type;
  // kConst
  ConstValue value;
  // kEnum
  std::vector<EnumValue> values;
  // kStruct, kUnion, kException
  std::vector<Field> fields;
  // kService
  std::string extends;  // as written ("Base" or "inc.Base")
  Loc extends_loc;
  const Definition* extends_def = nullptr;  // resolved by sema
  std::vector<Function> functions;

  bool IsStructLike() const { return kind == kStruct || kind == kUnion || kind == kException; }
  // "struct", "enum", ... as in the IDL.
  const char* KindName() const;
};

struct Include {
  std::string path;  // as written
  Loc loc;
  Program* program = nullptr;  // resolved by the Compiler
};

struct Program {
  std::string path;  // as opened (canonical for files)
  std::string name;  // file name without directory and .thrift: the include prefix
  std::map<std::string, std::string> namespaces;  // language -> namespace ("*" for all)
  std::vector<Include> includes;
  std::vector<std::string> cpp_includes;
  std::vector<std::unique_ptr<Definition>> definitions;  // IDL order

  // Returns the definition of this file named `name`, or null. (The first
  // one when sema reported a duplicate.)
  const Definition* Find(const std::string& name) const;
  // Returns the C++ namespace parts (the "cpp" namespace, else "*"),
  // possibly empty.
  std::vector<std::string> CppNamespace() const;

  // Name -> definition, built by sema so lookups stay fast in large files.
  std::map<std::string, const Definition*> index;
};

}  // namespace tern::idl
