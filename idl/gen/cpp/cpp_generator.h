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

// How generated types allocate. kStd (the default): std::string,
// std::vector, std::set, std::map. kPmr (`tern gen --alloc=pmr`): their
// std::pmr counterparts, and every struct holding one is allocator-aware
// (allocator_type, an allocator-extended constructor for each of its
// constructors, get_allocator()), so a struct built on a
// std::pmr::memory_resource (an arena, e.g. monotonic_buffer_resource) keeps
// every string, element and node it decodes in that resource: a decode makes
// no heap allocation, and dropping the arena frees the whole message at once.
// The mode must be the same for every file of a program that includes
// another (their types are used by value).
enum class AllocMode { kStd, kPmr };

// Sets the mode for Lower() and GenerateCpp() on this thread while alive
// (default values are rendered as C++ when lowering, so both need it).
class ScopedAllocMode {
 public:
  explicit ScopedAllocMode(AllocMode m);
  ~ScopedAllocMode();
  ScopedAllocMode(const ScopedAllocMode&) = delete;
  ScopedAllocMode& operator=(const ScopedAllocMode&) = delete;

 private:
  AllocMode saved_;
};
AllocMode CurrentAllocMode();

// The C++ type that stores a value of type t ("std::vector<int64_t>", ...),
// in the current AllocMode.
std::string CppTypeName(const Type& t);
// The C++ string type of the current AllocMode ("std::string" or
// "std::pmr::string").
std::string CppStringType();
// The C++ type of a member, argument or parameter declared by `f`: its
// CppTypeName, or std::unique_ptr of it for an indirect (`&`) field. Tools
// that write code against generated classes (`tern new`) spell types with
// these two, so they always match what the generator emits.
std::string CppFieldTypeName(const Field& f);

}  // namespace tern::gen
