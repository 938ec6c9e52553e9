// Thrift's vocabulary: wire type ids, message types, the decoder limits and
// the context every decoder carries.
//
// Limits are checked against the bytes actually present *before* anything is
// allocated: a 40-byte message that declares a list of 2^31-1 elements is an
// error, not a 16 GB allocation. Depth grows with every nested struct and
// container; past max_depth decoding fails instead of recursing further.
//
// Thread: plain values.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "tern/export.h"

namespace tern {

// Thrift wire type ids (TType in Apache Thrift).
enum class TType : uint8_t {
  kStop = 0,
  kVoid = 1,
  kBool = 2,
  kByte = 3,  // also i8
  kDouble = 4,
  kI16 = 6,
  kI32 = 8,
  kI64 = 10,
  kString = 11,  // also binary
  kStruct = 12,
  kMap = 13,
  kSet = 14,
  kList = 15,
  kUuid = 16,
};

// True for the ids a Binary decoder accepts in a field or container header.
constexpr bool IsValidTType(uint8_t t) {
  return t == 2 || t == 3 || t == 4 || t == 6 || t == 8 || t == 10 || t == 11 || t == 12 ||
         t == 13 || t == 14 || t == 15 || t == 16;
}
// The element (or key) type of an empty list, set or map: any valid type,
// or 0 (stop) or 1 (void), which no value has: so Apache Thrift reads it
// (checking no element's size against the bytes left), whether the field is
// known or skipped. An empty container of a known field may name another
// type than the schema's.
constexpr bool IsEmptyElementTType(uint8_t t) { return t <= 1 || IsValidTType(t); }
TERN_EXPORT const char* TTypeName(TType t);

// Size on the Binary wire of a fixed-size type, 0 for variable-size ones.
constexpr size_t FixedWireSize(TType t) {
  switch (t) {
    case TType::kBool:
    case TType::kByte:
      return 1;
    case TType::kI16:
      return 2;
    case TType::kI32:
      return 4;
    case TType::kI64:
    case TType::kDouble:
      return 8;
    case TType::kUuid:
      return 16;
    default:
      return 0;
  }
}

enum class MessageType : uint8_t {
  kCall = 1,
  kReply = 2,
  kException = 3,
  kOneway = 4,
};

struct Limits {
  size_t max_frame = size_t{16} << 20;      // one whole message
  size_t max_string = size_t{16} << 20;     // one string/binary
  size_t max_container = size_t{16} << 20;  // elements of one list/set/map
  int max_depth = 64;                       // nesting of structs and containers
  // Memory the containers of one message may take once decoded (elements,
  // and tree nodes for sets and maps): a list of 16 M empty structs is 16 MB
  // on the wire but sizeof(struct) times that in memory.
  size_t max_decoded = size_t{256} << 20;
  bool strict_read = false;  // reject non-strict (old) Binary envelopes
};

// What a decoder carries through one message.
struct ReadContext {
  const Limits& limits;
  int depth = 0;
  size_t decoded = 0;  // bytes of container storage charged so far (max_decoded)
  // Set by a decoder that fails for a required field that is absent: the
  // struct's Thrift name and the field's, for the error message
  // (wire::MakeError). Static strings (a TypeInfo's), or null.
  const char* missing_struct = nullptr;
  const char* missing_field = nullptr;
};

// The Limits used when a caller gives none.
TERN_EXPORT const Limits& DefaultLimits();

}  // namespace tern
