// Thrift Compact protocol bodies, for any generated struct, by walking its
// TypeInfo (tern/type_info.h) — no generated code on the path. This is what a
// third party can build against the installed SDK alone.
//
// Wire format (Apache Thrift's TCompactProtocol, THRIFT-110):
//   field header   one byte (id delta << 4 | type) when the id is 1..15 above
//                  the previous field's, else the type byte and the id as a
//                  zigzag varint; bool fields carry their value in the type
//                  (1 true, 2 false); a struct ends with a 0 byte
//   i16, i32, i64  zigzag varints; byte: one byte; double: 8 bytes,
//                  little-endian; string/binary: varint length, bytes
//   list, set      one byte (size << 4 | element type) when size < 15, else
//                  (0xF0 | element type) and the size as a varint; bools in
//                  containers are one byte each (1 true, 2 false)
//   map            0 for an empty map, else the size as a varint and one
//                  byte (key type << 4 | value type)
// Fields are written in IDL order, as Apache Thrift's generated code writes
// them (so for equal values the bytes are Apache's, byte for byte), optional
// fields only when set, a union only its active field; any order is read.
//
// Limits (ReadContext's Limits): string/binary size, container size, nesting
// depth; every length and count is checked against the bytes present before
// anything is allocated (every element takes at least one byte). Malformed
// input is DATA_LOSS, an exceeded limit RESOURCE_EXHAUSTED; reads never go
// outside [p, p + n). Unknown fields are skipped (depth-limited).
//
// Thread: reentrant functions.
#pragma once

#include <cstddef>
#include <cstdint>

#include "tern/buffer.h"
#include "tern/slice.h"
#include "tern/status.h"
#include "tern/type_info.h"

namespace tern::compact {

// Exact Compact-encoded size of obj (a value of type t), stop byte included.
size_t EncodedSize(const TypeInfo& t, const void* obj);
// Writes exactly EncodedSize(t, obj) bytes at out; returns the end.
uint8_t* Write(const TypeInfo& t, const void* obj, uint8_t* out);
// Appends the encoding of obj to out in one pass (no EncodedSize first):
// it reserves room as it goes, starting with `reserve` bytes (0: about what
// the last struct of this type took), and gives back what it did not use.
// The bytes are contiguous when the first reservation holds them, else they
// continue in further blocks. *written (when not null) is their count. Does
// not Flush. On an error (out of memory) part of the struct may be in out:
// discard it.
// With an `owner` that holds a block (a keep-alive of obj, as a codec's
// BodyRef carries one: tern/codec.h), strings and binaries of at least
// Writer::kDefaultRefThreshold bytes are linked into out by reference, not
// copied; the owner's block then stays referenced until out releases them.
Status WriteTo(const TypeInfo& t, const void* obj, LinkBuffer& out, size_t reserve = 0,
               size_t* written = nullptr, const Slice* owner = nullptr);
// The same after a header of the caller's: [p, p + room) is the rest of a
// reservation the caller made in out (MallocAtLeast; SizeHint(t) is about
// what the struct will take).
Status WriteReserved(const TypeInfo& t, const void* obj, LinkBuffer& out, uint8_t* p, size_t room,
                     size_t* written, const Slice* owner = nullptr);
size_t SizeHint(const TypeInfo& t);
// Decodes one struct from [p, p + n) into obj (a constructed value of t);
// returns the bytes consumed.
Result<size_t> Read(const TypeInfo& t, void* obj, const uint8_t* p, size_t n, ReadContext& ctx);
// Skips the value of a field whose header carried compact type `ctype`
// (bools: nothing follows) at [p, p + n), inside a struct at depth 1;
// *skipped is its size. For envelopes' and exceptions' unknown fields.
Status SkipField(uint8_t ctype, const uint8_t* p, size_t n, const Limits& limits, size_t* skipped);

// Varints (also used by the envelope).
inline size_t VarintSize(uint64_t v) {
  // ceil(bits / 7) as (bits * 9 + 64) / 64: exact for bits = 1..64, and a
  // multiply-add-shift instead of a division.
  const unsigned bits = 64 - static_cast<unsigned>(__builtin_clzll(v | 1));
  return (bits * 9 + 64) >> 6;
}
inline uint8_t* PutVarint(uint8_t* p, uint64_t v) {
  while (v >= 0x80) {
    *p++ = static_cast<uint8_t>(v | 0x80);
    v >>= 7;
  }
  *p++ = static_cast<uint8_t>(v);
  return p;
}
// Reads a varint of at most 10 bytes from [p, end); null when truncated or
// longer (*truncated tells which).
const uint8_t* GetVarintSlow(const uint8_t* p, const uint8_t* end, uint64_t* out, bool* truncated);
inline const uint8_t* GetVarint(const uint8_t* p, const uint8_t* end, uint64_t* out,
                                bool* truncated) {
  if (TERN_LIKELY(p < end && *p < 0x80)) {
    *out = *p;
    return p + 1;
  }
  return GetVarintSlow(p, end, out, truncated);
}

}  // namespace tern::compact
