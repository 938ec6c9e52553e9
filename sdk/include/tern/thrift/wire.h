// Thrift Binary protocol primitives: big-endian loads and stores over raw
// memory, used by generated code (FastWrite/FastRead), the codecs, and the
// generic TypeInfo walker.
//
// Writers take a pointer into memory the caller sized exactly (BLength), so
// they never check bounds and never fail. Readers take [p, end) and check
// every length against what is present before reading or allocating; they
// return nullptr (and leave the detail in a Status the caller builds) on
// malformed input. Everything here is inline and branch-light: it is the
// innermost loop of every message.
//
// Thread: stateless.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>

#include "tern/copy_stats.h"
#include "tern/export.h"
#include "tern/status.h"
#include "tern/thrift/types.h"

namespace tern::wire {

// ---- stores ---------------------------------------------------------------

inline uint8_t* PutU8(uint8_t* p, uint8_t v) {
  *p = v;
  return p + 1;
}
inline uint8_t* PutI16(uint8_t* p, int16_t v) {
  const uint16_t u = __builtin_bswap16(static_cast<uint16_t>(v));
  std::memcpy(p, &u, 2);
  return p + 2;
}
inline uint8_t* PutI32(uint8_t* p, int32_t v) {
  const uint32_t u = __builtin_bswap32(static_cast<uint32_t>(v));
  std::memcpy(p, &u, 4);
  return p + 4;
}
inline uint8_t* PutI64(uint8_t* p, int64_t v) {
  const uint64_t u = __builtin_bswap64(static_cast<uint64_t>(v));
  std::memcpy(p, &u, 8);
  return p + 8;
}
inline uint8_t* PutDouble(uint8_t* p, double v) {
  uint64_t u;
  std::memcpy(&u, &v, 8);
  u = __builtin_bswap64(u);
  std::memcpy(p, &u, 8);
  return p + 8;
}
inline uint8_t* PutBool(uint8_t* p, bool v) { return PutU8(p, v ? 1 : 0); }
// Field header: type byte + big-endian id.
inline uint8_t* PutFieldBegin(uint8_t* p, TType t, int16_t id) {
  p[0] = static_cast<uint8_t>(t);
  return PutI16(p + 1, id);
}
inline uint8_t* PutStop(uint8_t* p) { return PutU8(p, 0); }
// n bytes from src to dst (not overlapping). Up to 128 bytes the copy is a
// few overlapping unaligned 16-byte loads and stores, inline: most strings of
// a struct are that short, and a call to memcpy (through the PLT, then its
// size dispatch) costs more than copying them.
TERN_ALWAYS_INLINE void CopyBytes(uint8_t* dst, const void* src, size_t n) {
  struct B16 {
    uint64_t w[2];
  };
  const auto* s = static_cast<const uint8_t*>(src);
  auto load16 = [](const uint8_t* at) {
    B16 v;
    std::memcpy(&v, at, 16);
    return v;
  };
  auto store16 = [](uint8_t* at, const B16& v) { std::memcpy(at, &v, 16); };
  if (n <= 16) {
    if (n >= 8) {
      uint64_t a, b;
      std::memcpy(&a, s, 8);
      std::memcpy(&b, s + n - 8, 8);
      std::memcpy(dst, &a, 8);
      std::memcpy(dst + n - 8, &b, 8);
    } else if (n >= 4) {
      uint32_t a, b;
      std::memcpy(&a, s, 4);
      std::memcpy(&b, s + n - 4, 4);
      std::memcpy(dst, &a, 4);
      std::memcpy(dst + n - 4, &b, 4);
    } else if (n != 0) {
      const uint8_t a = s[0], b = s[n >> 1], c = s[n - 1];
      dst[0] = a;
      dst[n >> 1] = b;
      dst[n - 1] = c;
    }
    return;
  }
  if (n <= 32) {
    const B16 a = load16(s), b = load16(s + n - 16);
    store16(dst, a);
    store16(dst + n - 16, b);
    return;
  }
  if (n <= 64) {
    const B16 a = load16(s), b = load16(s + 16), c = load16(s + n - 32), d = load16(s + n - 16);
    store16(dst, a);
    store16(dst + 16, b);
    store16(dst + n - 32, c);
    store16(dst + n - 16, d);
    return;
  }
  if (n <= 128) {
    // The first 64 and the last 64 (overlapping when n < 128).
    for (size_t i = 0; i < 64; i += 16) store16(dst + i, load16(s + i));
    const uint8_t* ts = s + n - 64;
    uint8_t* td = dst + n - 64;
    for (size_t i = 0; i < 64; i += 16) store16(td + i, load16(ts + i));
    return;
  }
  std::memcpy(dst, s, n);
}

TERN_ALWAYS_INLINE uint8_t* PutBinary(uint8_t* p, const void* data, size_t n) {
  p = PutI32(p, static_cast<int32_t>(n));
  NotePayloadCopy(n);
  CopyBytes(p, data, n);
  return p + n;
}
// std::string and std::pmr::string (generated types in either AllocMode).
template <class A>
TERN_ALWAYS_INLINE uint8_t* PutString(uint8_t* p,
                                      const std::basic_string<char, std::char_traits<char>, A>& s) {
  return PutBinary(p, s.data(), s.size());
}
inline uint8_t* PutListBegin(uint8_t* p, TType elem, size_t n) {
  p[0] = static_cast<uint8_t>(elem);
  return PutI32(p + 1, static_cast<int32_t>(n));
}
inline uint8_t* PutMapBegin(uint8_t* p, TType k, TType v, size_t n) {
  p[0] = static_cast<uint8_t>(k);
  p[1] = static_cast<uint8_t>(v);
  return PutI32(p + 2, static_cast<int32_t>(n));
}

// Sizes on the wire.
constexpr size_t kFieldHeader = 3;
constexpr size_t kListHeader = 5;
constexpr size_t kMapHeader = 6;
inline constexpr size_t StringSize(size_t n) { return 4 + n; }

// ---- loads (no bounds checks: callers check first) -------------------------

inline int16_t LoadI16(const uint8_t* p) {
  uint16_t u;
  std::memcpy(&u, p, 2);
  return static_cast<int16_t>(__builtin_bswap16(u));
}
inline int32_t LoadI32(const uint8_t* p) {
  uint32_t u;
  std::memcpy(&u, p, 4);
  return static_cast<int32_t>(__builtin_bswap32(u));
}
inline int64_t LoadI64(const uint8_t* p) {
  uint64_t u;
  std::memcpy(&u, p, 8);
  return static_cast<int64_t>(__builtin_bswap64(u));
}
inline double LoadDouble(const uint8_t* p) {
  uint64_t u;
  std::memcpy(&u, p, 8);
  u = __builtin_bswap64(u);
  double d;
  std::memcpy(&d, &u, 8);
  return d;
}

// ---- checked reads ---------------------------------------------------------
//
// Each returns the position after what it read, or nullptr when the input is
// malformed; `*err` then says why (built lazily, only on the error path).

// Reasons a read fails, turned into a Status by MakeError.
enum class ReadError : uint8_t {
  kNone = 0,
  kTruncated,
  kNegativeSize,
  kStringTooLong,
  kContainerTooLarge,
  kTooDeep,
  kBadType,
  kWrongElementType,
  kMissingRequired,
  kUnionMultiple,
  kBadBool,
  kDecodedTooLarge,
};
TERN_EXPORT Status MakeError(ReadError e, const char* what);
// The same, naming the absent required field that ctx recorded (if any).
TERN_EXPORT Status MakeError(ReadError e, const char* what, const ReadContext& ctx);

// A string/binary length (4 bytes) checked against the limit and the bytes
// left. On success *len is the length and the result points at its bytes.
inline const uint8_t* ReadLength(const uint8_t* p, const uint8_t* end, size_t max, size_t* len,
                                 ReadError* err) {
  if (TERN_UNLIKELY(end - p < 4)) return *err = ReadError::kTruncated, nullptr;
  const int32_t n = LoadI32(p);
  p += 4;
  if (TERN_UNLIKELY(n < 0)) return *err = ReadError::kNegativeSize, nullptr;
  if (TERN_UNLIKELY(static_cast<size_t>(n) > max)) return *err = ReadError::kStringTooLong, nullptr;
  if (TERN_UNLIKELY(static_cast<size_t>(end - p) < static_cast<size_t>(n))) {
    return *err = ReadError::kTruncated, nullptr;
  }
  *len = static_cast<size_t>(n);
  return p;
}

// Into std::string or std::pmr::string (whose allocator, an arena's, the
// bytes then come from).
template <class A>
inline const uint8_t* ReadString(const uint8_t* p, const uint8_t* end, size_t max,
                                 std::basic_string<char, std::char_traits<char>, A>* s,
                                 ReadError* err) {
  size_t n;
  p = ReadLength(p, end, max, &n, err);
  if (TERN_UNLIKELY(p == nullptr)) return nullptr;
  NotePayloadCopy(n);
  s->assign(reinterpret_cast<const char*>(p), n);
  return p + n;
}

// Charges `bytes` of container storage to the message's max_decoded budget.
inline bool ChargeDecoded(ReadContext& ctx, size_t bytes, ReadError* err) {
  ctx.decoded += bytes;
  if (TERN_UNLIKELY(ctx.decoded > ctx.limits.max_decoded)) {
    return *err = ReadError::kDecodedTooLarge, false;
  }
  return true;
}

// A container count checked against the limit and against the minimum bytes
// its elements need (min_elem_size: 1 for anything but the fixed-size types),
// so a forged count can never cause a large allocation.
inline bool CheckCount(int32_t n, size_t max, size_t min_elem_size, const uint8_t* p,
                       const uint8_t* end, ReadError* err) {
  if (TERN_UNLIKELY(n < 0)) return *err = ReadError::kNegativeSize, false;
  if (TERN_UNLIKELY(static_cast<size_t>(n) > max))
    return *err = ReadError::kContainerTooLarge, false;
  if (TERN_UNLIKELY(static_cast<size_t>(n) * min_elem_size > static_cast<size_t>(end - p))) {
    return *err = ReadError::kTruncated, false;
  }
  return true;
}

// Least bytes one element of type t occupies on the wire (a struct is at
// least its stop byte; a string its length; containers their header).
constexpr size_t MinWireSize(TType t) {
  switch (t) {
    case TType::kString:
      return 4;
    case TType::kStruct:
      return 1;
    case TType::kList:
    case TType::kSet:
      return 5;
    case TType::kMap:
      return 6;
    default:
      return FixedWireSize(t) == 0 ? 1 : FixedWireSize(t);
  }
}

// Skips one value of type t (recursively for structs and containers, with the
// depth limit). Out of line: it is the slow path of unknown fields.
TERN_EXPORT const uint8_t* Skip(const uint8_t* p, const uint8_t* end, TType t, ReadContext& ctx,
                                ReadError* err);

}  // namespace tern::wire
