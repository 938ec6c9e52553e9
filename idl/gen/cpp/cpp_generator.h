// The C++ emitter of `tern gen`: turns a lowered IDL file (model.h) into
// <base>_types.h/.cc (and, when the file has services, <base>_services.h/.cc).
//
// What a struct gets (DESIGN.md, "Generated code"): plain members, isset bits
// for optional fields, operator==, a log printer, BLength() (exact size),
// FastWrite() (fixed-size fields first, one pre-sized region, no allocation),
// FastRead() (every length checked before it is trusted, unknown fields
// skipped, required fields checked, depth-limited), Write(Writer&) (large
// strings by reference), and a static TypeInfo (kTernTypeInfo).
//
// Output is deterministic: the same model gives the same bytes.
#pragma once

#include <string>

#include "idl/gen/cpp/model.h"

namespace tern::gen {

struct GeneratedFile {
  std::string name;  // e.g. "foo_types.h"
  std::string text;
};

// The files for one IDL file: _types.h/.cc always, _services.h/.cc when it
// declares services.
std::vector<GeneratedFile> GenerateCpp(const File& file);

// The C++ type that stores a value of type t ("std::vector<int64_t>", ...).
std::string CppTypeName(const Type& t);
// The C++ type of a member, argument or parameter declared by `f`: its
// CppTypeName, or std::unique_ptr of it for an indirect (`&`) field. Tools
// that write code against generated classes (`tern new`) spell types with
// these two, so they always match what the generator emits.
std::string CppFieldTypeName(const Field& f);

}  // namespace tern::gen
