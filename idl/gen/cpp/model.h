// The generator's model of one IDL file: resolved types, C++ names already
// escaped, default values already rendered as C++ expressions. The front end
// (idl/: lexer -> parser -> AST -> sema) is lowered into this by lower.cc, and
// the C++ emitter (cpp_generator.cc) reads only this — so the emitter never
// sees unresolved names, typedef chains or IDL syntax.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace tern::gen {

struct Struct;

enum class Kind {
  kBool,
  kI8,
  kI16,
  kI32,
  kI64,
  kDouble,
  kString,
  kBinary,
  kEnum,
  kStruct,
  kList,
  kSet,
  kMap,
};

struct Type {
  Kind kind = Kind::kI32;
  std::string cpp_name;           // enum/struct: fully qualified, "::ns::Name"
  const Struct* strct = nullptr;  // kStruct (possibly of another file)
  std::string view_name;          // kStruct: its copy-free view class, "View"
  // kStruct: the struct holds a string, binary or container by value (itself
  // or through a by-value struct field), so with AllocMode::kPmr it is
  // allocator-aware.
  bool has_alloc_members = false;
  std::shared_ptr<const Type> elem;  // list/set element, map value
  std::shared_ptr<const Type> key;   // map key
};

enum class Req { kDefault, kRequired, kOptional };

struct Field {
  int16_t id = 0;
  std::string name;  // as in the IDL
  std::string cpp;   // member name (escaped)
  Req req = Req::kDefault;
  Type type;
  bool indirect = false;    // std::unique_ptr<T> (struct-typed fields marked & / cpp.ref)
  std::string default_cpp;  // C++ initializer expression, empty for the type's default
};

enum class StructKind { kStruct, kUnion, kException };

struct Struct {
  std::string name;       // as in the IDL
  std::string cpp;        // C++ class name (escaped)
  std::string qualified;  // "::ns::Cpp"
  std::string view_name;  // the nested view class: "View", "TernView" if a field is named View
  StructKind kind = StructKind::kStruct;
  std::vector<Field> fields;  // IDL order
  std::string doc;
};

struct Enum {
  std::string name;
  std::string cpp;
  std::vector<std::pair<std::string, int32_t>> values;  // escaped names
  std::string doc;
};

struct Typedef {
  std::string cpp;
  Type type;
};

struct Const {
  std::string cpp;
  Type type;
  std::string value_cpp;  // C++ expression
};

struct Function {
  std::string name;  // as in the IDL (the wire method name)
  std::string cpp;
  bool oneway = false;
  bool returns_void = true;
  Type result;  // when !returns_void
  std::vector<Field> args;
  std::vector<Field> throws;  // struct-typed (exceptions)
  // The wire structs, as Apache Thrift names them: <Service>_<fn>_args
  // {the arguments} and <Service>_<fn>_result {0: success, the throws} (none
  // for oneway functions).
  const Struct* args_struct = nullptr;
  const Struct* result_struct = nullptr;
};

struct Service {
  std::string name;
  std::string cpp;
  std::string qualified;          // "::ns::Cpp"
  std::string extends_qualified;  // "::ns::Base" or empty
  std::string extends_header;     // "base_services.h" or empty
  std::vector<Function> functions;
};

struct File {
  std::string base;                   // "foo" for foo.thrift
  std::vector<std::string> ns;        // C++ namespace parts
  std::vector<std::string> includes;  // base names of included IDL files
  std::vector<Enum> enums;
  std::vector<Typedef> typedefs;       // in an order where each uses only earlier ones
  std::vector<const Struct*> structs;  // dependency order (by-value members first)
  std::vector<Const> consts;
  std::vector<Service> services;
  std::vector<const Struct*> service_structs;  // the args/result structs, in order
  std::vector<std::unique_ptr<Struct>> owned_structs;
};

}  // namespace tern::gen
