// Test support: fills a copy-free StructBuilder (tern/thrift/builder.h)
// from a generated struct through the generic setters, so a test can build
// any type's bytes without the typed Builder API.
#pragma once

#include <cstdint>
#include <cstring>
#include <string>

#include "tern/thrift/builder.h"
#include "tern/type_info.h"

namespace tern::testing {

// The bits of a fixed-size field of obj, as SetFixed takes them.
inline uint64_t BitsOf(const FieldInfo& f, const void* p) {
  switch (f.type.cpp) {
    case CppType::kBool:
      return *static_cast<const bool*>(p) ? 1 : 0;
    case CppType::kI8:
      return *static_cast<const uint8_t*>(p);
    case CppType::kI16:
      return *static_cast<const uint16_t*>(p);
    case CppType::kI32:
      return *static_cast<const uint32_t*>(p);
    default: {
      uint64_t u;
      std::memcpy(&u, p, 8);
      return u;
    }
  }
}

// Sets every written field of obj on b through the generic setters, in
// reverse IDL order (so the output order differs from FastWrite's).
inline void SetAll(view::StructBuilder& b, const TypeInfo& t, const void* obj) {
  for (uint32_t n = t.num_fields; n-- > 0;) {
    const FieldInfo& f = t.fields[n];
    if (!FieldIsWritten(t, f, obj)) continue;
    const void* p = FieldValue(f, obj);
    if (FixedWireSize(f.type.ttype) != 0) {
      b.SetFixed(n, BitsOf(f, p));
    } else if (IsStringStorage(f.type.cpp)) {
      b.SetString(n, StringBytes(f.type.cpp, p));
    } else {
      b.SetValue(n, p);
    }
  }
}

}  // namespace tern::testing
