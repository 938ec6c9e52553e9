// TypeInfo: one static descriptor per generated struct, union and exception,
// with its fast operations.
//
// Every codec reaches a message through this, so one codec plugin serves every
// service and the runtime never knows which codec it runs. A codec that knows
// generated code (thrift_fast) calls the function pointers — `blength`,
// `fast_write`, `fast_read`, `write_ref` — once per message. A codec that
// does not (a third party's Compact codec) walks `fields`: for each field its
// id, wire type, member offset, requiredness and isset bit, and for nested
// types their TypeInfo or ContainerInfo. The core's generic Binary codec
// (tern/thrift/generic.h) is the reference walker: it writes exactly the fast
// path's bytes, which the conformance suite checks for every struct.
//
// C++ storage (DESIGN.md, "Generated C++ types"):
//   bool, i8, i16, i32, i64, double -> the same C++ types; enums -> int32_t
//   string, binary -> std::string; list -> std::vector; set -> std::set;
//   map -> std::map; struct -> the generated struct, or std::unique_ptr<T>
//   when `indirect` (recursive references, cpp.ref / &). Generated with
//   `tern gen --alloc=pmr`: std::pmr::string (CppType::kPmrString) and the
//   std::pmr containers, the structs allocator-aware.
// Optional fields have an isset bit: bit `isset_mask` of the uint32_t at byte
// `isset_offset` of the struct. Unions hold every field as a member plus an
// int16_t tag (the active field's id, 0 when empty) at `union_tag_offset`.
//
// ABI: these layouts are part of the plugin ABI (plugin.h); change them only
// with a version bump. Lifetime: descriptors are static, constant-initialised
// data in the generated code, valid for the life of the program.
// Thread: immutable; the functions are reentrant.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <memory_resource>
#include <new>
#include <string>
#include <string_view>

#include "tern/status.h"
#include "tern/thrift/types.h"

namespace tern {

class Writer;
struct TypeInfo;
struct ContainerInfo;

enum class Requiredness : uint8_t { kDefault = 0, kRequired = 1, kOptional = 2 };
enum class StructKind : uint8_t { kStruct = 0, kUnion = 1, kException = 2 };

// How a value of a Thrift type is stored in C++.
enum class CppType : uint8_t {
  kBool,
  kI8,
  kI16,
  kI32,  // also enums (stored as their int32_t value)
  kI64,
  kDouble,
  kString,  // std::string (string and binary)
  kStruct,  // a generated struct (TypeInfo in `strct`)
  kList,    // std::vector<T>      (ContainerInfo in `container`)
  kSet,     // std::set<T>
  kMap,     // std::map<K, V>
  kUuid,    // std::array<uint8_t, 16>
  // string, binary -> std::pmr::string (types generated with
  // `tern gen --alloc=pmr`; their containers are std::pmr ones, reached
  // through ContainerInfo like any other). Use StringBytes/AssignString
  // below to handle both string storages.
  kPmrString,
};

// String storage of either kind (kString, kPmrString).
inline bool IsStringStorage(CppType c) { return c == CppType::kString || c == CppType::kPmrString; }
// The bytes of a string value v stored as c (kString or kPmrString).
inline std::string_view StringBytes(CppType c, const void* v) {
  if (c == CppType::kPmrString) return *static_cast<const std::pmr::string*>(v);
  return *static_cast<const std::string*>(v);
}
// Replaces the string value v stored as c (a pmr string keeps its allocator).
inline void AssignString(CppType c, void* v, const char* p, size_t n) {
  if (c == CppType::kPmrString) {
    static_cast<std::pmr::string*>(v)->assign(p, n);
  } else {
    static_cast<std::string*>(v)->assign(p, n);
  }
}

struct ValueType {
  TType ttype;
  CppType cpp;
  bool is_enum;                    // i32 on the wire, an enum class in C++
  bool is_binary;                  // string storage, declared `binary`
  const TypeInfo* strct;           // cpp == kStruct
  const ContainerInfo* container;  // cpp == kList/kSet/kMap
};

// Accessors for one container type (std::vector/std::set/std::map of some
// element type). Decoding goes through temporaries: construct an element in
// storage of elem_size/elem_align, decode into it, `add` moves it in.
struct ContainerInfo {
  TType kind;      // kList, kSet or kMap
  ValueType elem;  // list/set element; map value
  ValueType key;   // map key (unused otherwise)
  // The container object itself.
  size_t size_of;
  size_t align_of;
  void (*construct)(void* c);
  void (*destruct)(void* c);
  // Temporaries of the element (and key) type.
  size_t elem_size, elem_align;
  void (*construct_elem)(void* e);
  void (*destruct_elem)(void* e);
  size_t key_size, key_align;
  void (*construct_key)(void* k);
  void (*destruct_key)(void* k);
  size_t (*count)(const void* c);
  void (*clear)(void* c);
  void (*reserve)(void* c, size_t n);  // lists only; no-op for sets and maps
  // Moves *elem (and *key for maps; null otherwise) into the container.
  void (*add)(void* c, void* key, void* elem);
  // Calls fn(ctx, key, elem) for each element in order (key null unless map).
  // For std::vector<bool>, elem points to a bool copy.
  void (*for_each)(const void* c, void* ctx,
                   void (*fn)(void* ctx, const void* key, const void* elem));
  // Numeric lists (i16/i32/i64/double, i8) only, else null: the contiguous
  // elements, and a resize — so a codec converts a whole list with one
  // kernel call (tern/kernels.h) instead of an indirect call per element.
  void* (*data)(void* c);
  void (*resize)(void* c, size_t n);
  // Temporaries for container c: an element (key) constructed on c's
  // allocator, so `add` moves it in. For std::pmr containers (--alloc=pmr)
  // this keeps a decoded element's strings in c's arena instead of building
  // them on the default resource and copying them over; for std ones it is
  // construct_elem (construct_key).
  void (*construct_elem_for)(void* e, const void* c);
  void (*construct_key_for)(void* k, const void* c);
};

// Memory one decoded element of c takes, as Limits::max_decoded counts it:
// the element (and key), and a tree node's links for sets and maps.
inline size_t DecodedElementCost(const ContainerInfo& c) {
  return c.elem_size + c.key_size + (c.kind == TType::kList ? 0 : 4 * sizeof(void*));
}

struct FieldInfo {
  int16_t id;
  Requiredness req;
  bool indirect;  // stored as std::unique_ptr<T>
  ValueType type;
  const char* name;
  uint32_t offset;        // of the member within the struct
  uint32_t isset_offset;  // optional fields: byte offset of the isset word
  uint32_t isset_mask;    // optional fields: the bit in that word
  // Indirect fields: the pointee of the unique_ptr member at `offset`, made
  // (default-constructed) first when `create` and absent; null when absent.
  void* (*indirect_get)(const void* member, bool create);
};

struct TypeInfo {
  const char* name;  // the Thrift name, e.g. "Mixed"
  StructKind kind;
  uint32_t union_tag_offset;  // unions: offset of the int16_t active field id
  const FieldInfo* fields;    // in IDL order
  uint32_t num_fields;
  size_t size;  // sizeof / alignof the C++ type (placement, arenas)
  size_t align;
  void (*construct)(void* obj);
  void (*destruct)(void* obj);
  // Exact encoded size of the struct (Thrift Binary), stop byte included.
  size_t (*blength)(const void* obj);
  // Writes exactly blength(obj) bytes at out; returns out + blength.
  uint8_t* (*fast_write)(const void* obj, uint8_t* out);
  // Decodes a struct from [p, p + n) into obj (which holds a default-
  // constructed or previously used value: fields not on the wire keep their
  // defaults only on a fresh object). Returns the bytes consumed.
  Result<size_t> (*fast_read)(void* obj, const uint8_t* p, size_t n, ReadContext& ctx);
  // Encodes into the Writer, large string/binary fields by reference.
  Status (*write_ref)(const void* obj, Writer& w);
  bool (*equals)(const void* a, const void* b);
  // Types generated with --alloc=pmr that hold a string or container:
  // constructs obj on r (its strings, containers, nested structs and
  // recursive pointees then allocate from r; r must outlive obj). Null for
  // every other type, for which `construct` is the only constructor. The
  // server decodes each call's args, and builds its result, on an arena of
  // the call through it ([server] arena_bytes).
  void (*construct_on)(void* obj, std::pmr::memory_resource* r);
};

// The canonical Binary field order, which FastWrite and the generic writer
// both follow (so their bytes are identical): the fixed-size fields (bool,
// byte, i16, i32/enum, i64, double) in IDL order, then all others in IDL
// order; optional fields only when set, indirect ones only when non-null or
// required (see FieldIsWritten); a union writes only its active field.
// Thrift readers accept any order.
inline bool IsFixedSizeField(const FieldInfo& f) { return FixedWireSize(f.type.ttype) != 0; }

// Isset helpers for optional fields.
inline bool FieldIsSet(const FieldInfo& f, const void* obj) {
  const auto* w = reinterpret_cast<const uint32_t*>(static_cast<const char*>(obj) + f.isset_offset);
  return (*w & f.isset_mask) != 0;
}
inline void SetFieldIsSet(const FieldInfo& f, void* obj) {
  auto* w = reinterpret_cast<uint32_t*>(static_cast<char*>(obj) + f.isset_offset);
  *w |= f.isset_mask;
}

// Where field f's value lives in obj: the member, or for an indirect field
// the pointee (null when absent).
inline const void* FieldValue(const FieldInfo& f, const void* obj) {
  const char* m = static_cast<const char*>(obj) + f.offset;
  return f.indirect ? f.indirect_get(m, false) : m;
}
// The storage a decoder fills for field f (an indirect field's pointee is
// created when absent).
inline void* MutableFieldValue(const FieldInfo& f, void* obj) {
  char* m = static_cast<char*>(obj) + f.offset;
  return f.indirect ? f.indirect_get(m, true) : m;
}

// Is field f of obj (a value of type t) on the wire? A union writes only its
// active field; an optional field only when set; an indirect one only when
// non-null, except a required one: that is always written, a null one as an
// empty struct (FieldValue null; the codec writes just the stop byte), as
// Apache Thrift's C++ writes it, so that a peer finds every required field.
// The rule every codec that walks TypeInfo follows.
inline bool FieldIsWritten(const TypeInfo& t, const FieldInfo& f, const void* obj) {
  if (t.kind == StructKind::kUnion) {
    int16_t tag;
    std::memcpy(&tag, static_cast<const char*>(obj) + t.union_tag_offset, 2);
    return tag == f.id;
  }
  if (f.req == Requiredness::kOptional && !FieldIsSet(f, obj)) return false;
  return f.req == Requiredness::kRequired || FieldValue(f, obj) != nullptr;
}
// After a decoder stored field f into obj: a union's tag names it, an
// optional field's isset bit is set.
inline void MarkFieldRead(const TypeInfo& t, const FieldInfo& f, void* obj) {
  if (t.kind == StructKind::kUnion) {
    std::memcpy(static_cast<char*>(obj) + t.union_tag_offset, &f.id, 2);
  } else if (f.req == Requiredness::kOptional) {
    SetFieldIsSet(f, obj);
  }
}

// A temporary value of a container's element or key type, for decoders:
// constructed on entry, destroyed on exit; on the stack when it fits.
//   ContainerTemp elem(c.elem_size, c.elem_align, c.construct_elem, c.destruct_elem);
// Or, to add to the container at `c` (on its allocator: moved in, not copied):
//   ContainerTemp elem(info, c, ContainerTemp::kElem);
class ContainerTemp {
 public:
  enum Which { kElem, kKey };
  ContainerTemp(size_t size, size_t align, void (*construct)(void*), void (*destruct)(void*))
      : align_(align), destruct_(destruct) {
    Place(size, align);
    construct(p_);
  }
  ContainerTemp(const ContainerInfo& info, const void* c, Which which)
      : align_(which == kKey ? info.key_align : info.elem_align),
        destruct_(which == kKey ? info.destruct_key : info.destruct_elem) {
    Place(which == kKey ? info.key_size : info.elem_size, align_);
    (which == kKey ? info.construct_key_for : info.construct_elem_for)(p_, c);
  }
  ~ContainerTemp() {
    destruct_(p_);
    // Unsized: clang disables sized deallocation by default.
    if (heap_) ::operator delete(p_, std::align_val_t(align_));
  }
  ContainerTemp(const ContainerTemp&) = delete;
  ContainerTemp& operator=(const ContainerTemp&) = delete;
  void* get() { return p_; }

 private:
  void Place(size_t size, size_t align) {
    if (size <= sizeof(buf_) && align <= alignof(std::max_align_t)) {
      p_ = buf_;
    } else {
      p_ = ::operator new(size, std::align_val_t(align));
      heap_ = true;
    }
  }

  alignas(std::max_align_t) char buf_[256];
  void* p_;
  size_t align_;
  void (*destruct_)(void*);
  bool heap_ = false;
};

}  // namespace tern
