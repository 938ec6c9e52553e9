// The generic Thrift Binary codec: encodes and decodes any generated struct
// by walking its TypeInfo only, with no generated code on the path.
//
// It is the reference for codecs that know nothing of generated code (a
// third party's plugin builds against exactly this much), and the
// conformance suite checks that it writes exactly the bytes of the generated
// FastWrite (the canonical field order of type_info.h) and reads back equal
// values. Numeric lists go through the selected SIMD kernels, one call per
// list.
//
// Errors: decoding returns a Status (DATA_LOSS for malformed input,
// RESOURCE_EXHAUSTED for a limit) and never reads outside [p, p + n).
// Thread: reentrant.
#pragma once

#include <cstddef>
#include <cstdint>

#include "tern/export.h"
#include "tern/status.h"
#include "tern/type_info.h"

namespace tern::generic {

// Encoded size of obj (a value of type t), stop byte included.
TERN_EXPORT size_t BLength(const TypeInfo& t, const void* obj);
// Writes exactly BLength(t, obj) bytes at out; returns the end.
TERN_EXPORT uint8_t* Write(const TypeInfo& t, const void* obj, uint8_t* out);
// Decodes into obj (constructed); returns the bytes consumed.
TERN_EXPORT Result<size_t> Read(const TypeInfo& t, void* obj, const uint8_t* p, size_t n,
                                ReadContext& ctx);

// One value of type v (not a whole struct): its encoded size, and its
// bytes (exactly that many) at out. `value` points at the C++ object (the
// element of a FieldInfo, not a unique_ptr). Structs go through their
// generated fast functions.
TERN_EXPORT size_t ValueBLength(const ValueType& v, const void* value);
TERN_EXPORT uint8_t* WriteValueTo(const ValueType& v, const void* value, uint8_t* out);

}  // namespace tern::generic
