#include "compact_protocol.h"

#include <cpuid.h>
#include <emmintrin.h>
#include <immintrin.h>

#include <algorithm>
#include <atomic>
#include <bit>
#include <cstring>
#include <limits>
#include <mutex>
#include <new>
#include <string>
#include <type_traits>
#include <vector>

#include "tern/cpu.h"
#include "tern/thrift/wire.h"
#include "tern/writer.h"

namespace tern::compact {

static_assert(std::endian::native == std::endian::little,
              "Compact doubles are little-endian on the wire; this code copies them as they are");

const uint8_t* GetVarintSlow(const uint8_t* p, const uint8_t* end, uint64_t* out, bool* truncated) {
  uint64_t r = 0;
  for (int shift = 0; shift < 70; shift += 7) {
    if (TERN_UNLIKELY(p == end)) {
      *truncated = true;
      return nullptr;
    }
    const uint8_t b = *p++;
    r |= static_cast<uint64_t>(b & 0x7f) << shift;
    if (b < 0x80) {
      *out = r;
      return p;
    }
  }
  *truncated = false;
  return nullptr;
}

namespace {

// Compact type ids (the low nibble of a field header or container header).
enum CType : uint8_t {
  kCStop = 0,
  kCTrue = 1,
  kCFalse = 2,
  kCByte = 3,
  kCI16 = 4,
  kCI32 = 5,
  kCI64 = 6,
  kCDouble = 7,
  kCBinary = 8,
  kCList = 9,
  kCSet = 10,
  kCMap = 11,
  kCStruct = 12,
  kCUuid = 13,
};

constexpr uint8_t ToCType(TType t) {
  switch (t) {
    case TType::kBool:
      return kCTrue;
    case TType::kByte:
      return kCByte;
    case TType::kI16:
      return kCI16;
    case TType::kI32:
      return kCI32;
    case TType::kI64:
      return kCI64;
    case TType::kDouble:
      return kCDouble;
    case TType::kString:
      return kCBinary;
    case TType::kList:
      return kCList;
    case TType::kSet:
      return kCSet;
    case TType::kMap:
      return kCMap;
    case TType::kStruct:
      return kCStruct;
    case TType::kUuid:
      return kCUuid;
    default:
      return 0xff;
  }
}

// Does a wire type `ct` carry a value of schema type `expected` (bools come
// as true or false)?
inline bool TypeMatches(uint8_t ct, uint8_t expected) {
  return ct == expected || (expected == kCTrue && ct == kCFalse);
}

// Least bytes one value of compact type ct takes inside a container.
constexpr size_t MinSize(uint8_t ct) { return ct == kCDouble ? 8 : ct == kCUuid ? 16 : 1; }

inline uint32_t ZigZag32(int32_t v) {
  return (static_cast<uint32_t>(v) << 1) ^ static_cast<uint32_t>(v >> 31);
}
inline uint64_t ZigZag64(int64_t v) {
  return (static_cast<uint64_t>(v) << 1) ^ static_cast<uint64_t>(v >> 63);
}
inline int32_t UnZigZag32(uint32_t n) { return static_cast<int32_t>((n >> 1) ^ (~(n & 1) + 1)); }
inline int64_t UnZigZag64(uint64_t n) { return static_cast<int64_t>((n >> 1) ^ (~(n & 1) + 1)); }

// ---- varints a word at a time ------------------------------------------------
//
// A varint's first 8 bytes carry 56 bits, 7 per byte. Spread56 moves the low
// 56 bits of a value into the low 7 bits of 8 bytes, Gather56 is its inverse:
// three shift-and-mask steps each (28|28 bits, then 14-bit, then 7-bit
// groups), instead of a loop with a branch per byte.
inline uint64_t Spread56(uint64_t x) {
  x &= 0x00FFFFFFFFFFFFFFull;
  x = ((x & 0x00FFFFFFF0000000ull) << 4) | (x & 0x000000000FFFFFFFull);
  x = ((x & 0x0FFFC0000FFFC000ull) << 2) | (x & 0x00003FFF00003FFFull);
  x = ((x & 0x3F803F803F803F80ull) << 1) | (x & 0x007F007F007F007Full);
  return x;
}
inline uint64_t Gather56(uint64_t x) {
  x = ((x & 0x7F007F007F007F00ull) >> 1) | (x & 0x007F007F007F007Full);
  x = ((x & 0x3FFF00003FFF0000ull) >> 2) | (x & 0x00003FFF00003FFFull);
  x = ((x & 0x0FFFFFFF00000000ull) >> 4) | (x & 0x000000000FFFFFFFull);
  return x;
}
inline uint64_t LoadLE64(const uint8_t* p) {
  uint64_t x;
  std::memcpy(&x, p, 8);
  return x;
}
// Continuation bits of the first 8 bytes of an n-byte varint (n = 1..10).
constexpr uint64_t kContinuation[11] = {0,
                                        0,
                                        0x80ull,
                                        0x8080ull,
                                        0x808080ull,
                                        0x80808080ull,
                                        0x8080808080ull,
                                        0x808080808080ull,
                                        0x80808080808080ull,
                                        0x8080808080808080ull,
                                        0x8080808080808080ull};
// The low 8*n bits (n = 1..8).
constexpr uint64_t kLowBytes[9] = {0,
                                   0xFFull,
                                   0xFFFFull,
                                   0xFFFFFFull,
                                   0xFFFFFFFFull,
                                   0xFFFFFFFFFFull,
                                   0xFFFFFFFFFFFFull,
                                   0xFFFFFFFFFFFFFFull,
                                   0xFFFFFFFFFFFFFFFFull};

constexpr uint64_t k7Bits = 0x7F7F7F7F7F7F7F7Full;

// Spread56/Gather56 two ways. BMI2's pdep/pext do each in one instruction
// (3 cycles) where the shifts take nine; they are written as inline asm so
// that this file needs no -mbmi2 and the portable loops stay portable. The
// BMI2 loops run only where CpuFeatures reports BMI2 and pdep/pext are fast
// (not AMD before Zen 3, which microcodes them at ~250 cycles): see
// UseBmi2().
struct PortableBits {
  static uint64_t Spread(uint64_t x) { return Spread56(x); }
  // The 7-bit groups of x (its high bits ignored), packed.
  static uint64_t Gather(uint64_t x) { return Gather56(x & k7Bits); }
  // Leading zeros of x, which is not 0.
  static unsigned Clz(uint64_t x) { return static_cast<unsigned>(__builtin_clzll(x)); }
};
#if defined(__x86_64__)
struct Bmi2Bits {
  static uint64_t Spread(uint64_t x) {
    uint64_t r;
    __asm__("pdepq %2, %1, %0" : "=r"(r) : "r"(x), "r"(k7Bits));
    return r;
  }
  static uint64_t Gather(uint64_t x) {
    uint64_t r;
    __asm__("pextq %2, %1, %0" : "=r"(r) : "r"(x), "r"(k7Bits));
    return r;
  }
  // lzcnt, not bsr: one fast uop everywhere (bsr is slow on AMD), and CPUs
  // with BMI2 have it (FastPdep checks).
  static unsigned Clz(uint64_t x) {
    uint64_t r;
    __asm__("lzcntq %1, %0" : "=r"(r) : "r"(x));
    return static_cast<unsigned>(r);
  }
};
#endif

bool FastPdep() {
#if defined(__x86_64__)
  if (!CpuFeatures::Host().Has(kCpuBmi2)) return false;
  unsigned eax, ebx, ecx, edx;
  if (!__get_cpuid(0x80000001, &eax, &ebx, &ecx, &edx) || (ecx & bit_LZCNT) == 0) return false;
  if (!__get_cpuid(0, &eax, &ebx, &ecx, &edx)) return false;
  const bool amd = ebx == 0x68747541 && edx == 0x69746e65 && ecx == 0x444d4163;  // AuthenticAMD
  if (!amd) return true;
  if (!__get_cpuid(1, &eax, &ebx, &ecx, &edx)) return false;
  unsigned family = (eax >> 8) & 0xf;
  if (family == 0xf) family += (eax >> 20) & 0xff;
  return family >= 0x19;  // Zen 3 and later
#else
  return false;
#endif
}

// Whether the list loops use Bmi2Bits; decided once per process.
bool UseBmi2() {
  static const bool use = FastPdep();
  return use;
}

// Writes the varint of v at p; returns p + its size. Always stores 10 bytes:
// the caller guarantees that much room (bytes past the varint's end are
// overwritten by what follows).
template <class Bits>
inline uint8_t* PutVarintWord(uint8_t* p, uint64_t v) {
  const size_t n = ((64 - Bits::Clz(v | 1)) * 9 + 64) >> 6;  // VarintSize(v)
  const uint64_t lo = Bits::Spread(v) | kContinuation[n];
  std::memcpy(p, &lo, 8);
  // Bytes 8 and 9 in one store.
  const auto hi =
      static_cast<uint16_t>(((v >> 56) & 0x7f) | (n == 10 ? 0x80 : 0) | ((v >> 63) << 8));
  std::memcpy(p + 8, &hi, 2);
  return p + n;
}

// The same for a value below 2^32 (at most 5 bytes): one 8-byte store.
template <class Bits>
inline uint8_t* PutVarintWord32(uint8_t* p, uint32_t v) {
  const unsigned bits = 64 - Bits::Clz(uint64_t{v} | 1);
  const unsigned n = (bits * 9 + 64) >> 6;
  const uint64_t lo = Bits::Spread(v) | kContinuation[n];
  std::memcpy(p, &lo, 8);
  return p + n;
}

// Decodes the varint at p, which has at least 10 readable bytes; null for a
// varint longer than 10 bytes.
template <class Bits>
inline const uint8_t* DecodeVarintWord(const uint8_t* p, uint64_t* out) {
  const uint64_t x = LoadLE64(p);
  const uint64_t stops = ~x & 0x8080808080808080ull;
  if (TERN_LIKELY(stops != 0)) {
    const unsigned nb = (static_cast<unsigned>(__builtin_ctzll(stops)) >> 3) + 1;
    *out = Bits::Gather(x & kLowBytes[nb]);
    return p + nb;
  }
  // 9 or 10 bytes, without a branch on which.
  const uint64_t b8 = p[8], b9 = p[9];
  const uint64_t ten = b8 >> 7;
  if (TERN_UNLIKELY(b9 & (ten << 7))) return nullptr;  // an 11th byte
  *out = Bits::Gather(x) | ((b8 & 0x7f) << 56) | ((b9 & ten) << 63);
  return p + 9 + ten;
}

inline size_t FieldHeaderSize(int16_t id, int16_t last) {
  return id > last && id - last <= 15 ? 1 : 1 + VarintSize(ZigZag32(id));
}
inline uint8_t* PutFieldHeader(uint8_t* p, uint8_t ct, int16_t id, int16_t last) {
  if (id > last && id - last <= 15) {
    *p++ = static_cast<uint8_t>(((id - last) << 4) | ct);
    return p;
  }
  *p++ = ct;
  return PutVarint(p, ZigZag32(id));
}

// ---- size -------------------------------------------------------------------

size_t StructSize(const TypeInfo& t, const void* obj);
size_t ValueSize(const ValueType& v, const void* p);

size_t CollectionHeaderSize(size_t n) { return n < 15 ? 1 : 1 + VarintSize(n); }

template <class T, class F>
size_t SumVarints(const void* data, size_t n, F zigzag) {
  const T* v = static_cast<const T*>(data);
  size_t total = 0;
  for (size_t i = 0; i < n; ++i) total += VarintSize(zigzag(v[i]));
  return total;
}

#if defined(__x86_64__)
// The i64 sum eight elements at a time with AVX-512 (F + CD: vplzcntq),
// VarintSize's formula per lane. Only where the CPU has both: see
// SumVarints64.
// (Shifts and adds as GCC vector arithmetic: the AVX-512 shift intrinsics
// trip -Wmaybe-uninitialized in GCC 12's own headers.)
__attribute__((target("avx512f,avx512cd"))) size_t SumVarints64Avx512(const int64_t* v, size_t n) {
  using V = int64_t __attribute__((vector_size(64)));
  using U = uint64_t __attribute__((vector_size(64)));
  U acc = {};
  size_t i = 0;
  for (; i + 8 <= n; i += 8) {
    V x;
    std::memcpy(&x, v + i, sizeof x);
    const U z = reinterpret_cast<U>((x << 1) ^ (x >> 63)) | 1;
    const U lz = reinterpret_cast<U>(_mm512_lzcnt_epi64(reinterpret_cast<__m512i>(z)));
    const U bits = 64 - lz;
    acc += (bits * 9 + 64) >> 6;
  }
  size_t total = 0;
  for (int k = 0; k < 8; ++k) total += acc[k];
  for (; i < n; ++i) total += VarintSize(ZigZag64(v[i]));
  return total;
}

// The same for i32 elements, sixteen at a time (bits * 9 + 64 >> 6 holds for
// 32-bit values too).
__attribute__((target("avx512f,avx512cd"))) size_t SumVarints32Avx512(const int32_t* v, size_t n) {
  using V = int32_t __attribute__((vector_size(64)));
  using U = uint32_t __attribute__((vector_size(64)));
  U acc = {};  // at most 5 per lane per iteration: fits while n < 2^32
  size_t i = 0;
  for (; i + 16 <= n; i += 16) {
    V x;
    std::memcpy(&x, v + i, sizeof x);
    const U z = reinterpret_cast<U>((x << 1) ^ (x >> 31)) | 1;
    const U lz = reinterpret_cast<U>(_mm512_lzcnt_epi32(reinterpret_cast<__m512i>(z)));
    acc += ((32 - lz) * 9 + 64) >> 6;
  }
  size_t total = 0;
  for (int k = 0; k < 16; ++k) total += acc[k];
  for (; i < n; ++i) total += VarintSize(ZigZag32(v[i]));
  return total;
}

bool HasAvx512Cd() {
  if (!CpuFeatures::Host().Has(kCpuAvx512F)) return false;  // includes the OS's ZMM state
  unsigned eax, ebx, ecx, edx;
  if (__get_cpuid_max(0, nullptr) < 7) return false;
  __cpuid_count(7, 0, eax, ebx, ecx, edx);
  return (ebx & bit_AVX512CD) != 0;
}

bool UseAvx512Cd() {
  static const bool use = HasAvx512Cd();
  return use;
}
#endif

size_t SumVarints64(const int64_t* v, size_t n) {
#if defined(__x86_64__)
  if (UseAvx512Cd()) return SumVarints64Avx512(v, n);
#endif
  return SumVarints<int64_t>(v, n, [](int64_t x) { return ZigZag64(x); });
}

// The same for 16- and 32-bit elements as a sum of comparisons, which the
// compiler vectorizes (SSE2 at least): one byte, plus one per threshold.
template <class T>
size_t SumVarints32(const T* v, size_t n) {
  uint32_t extra = 0;  // at most 4 per element: fits while n < 2^30
  size_t total = n;
  constexpr size_t kBlock = size_t{1} << 28;
  for (size_t start = 0; start < n; start += kBlock) {
    const size_t stop = n - start < kBlock ? n : start + kBlock;
    extra = 0;
    for (size_t i = start; i < stop; ++i) {
      const uint32_t z = ZigZag32(v[i]);
      extra += (z > 0x7Fu) + (z > 0x3FFFu) + (z > 0x1FFFFFu) + (z > 0xFFFFFFFu);
    }
    total += extra;
  }
  return total;
}

size_t SumVarintsI32(const int32_t* v, size_t n) {
#if defined(__x86_64__)
  // Lanes count up to 5 per element in 32 bits.
  if (UseAvx512Cd() && n < (size_t{1} << 31)) return SumVarints32Avx512(v, n);
#endif
  return SumVarints32(v, n);
}

struct SizeCtx {
  const ContainerInfo* c;
  size_t total;
};

size_t ContainerSize(const ContainerInfo& c, const void* p) {
  const size_t n = c.count(p);
  if (c.kind == TType::kMap) {
    if (n == 0) return 1;
  }
  size_t total = c.kind == TType::kMap ? VarintSize(n) + 1 : CollectionHeaderSize(n);
  if (c.data != nullptr && n > 0) {
    const void* d = c.data(const_cast<void*>(p));
    switch (c.elem.cpp) {
      case CppType::kI8:
        return total + n;
      case CppType::kI16:
        return total + SumVarints32(static_cast<const int16_t*>(d), n);
      case CppType::kI32:
        return total + SumVarintsI32(static_cast<const int32_t*>(d), n);
      case CppType::kI64:
        return total + SumVarints64(static_cast<const int64_t*>(d), n);
      case CppType::kDouble:
        return total + 8 * n;
      default:
        break;
    }
  }
  if (c.kind != TType::kMap && c.elem.cpp == CppType::kBool) return total + n;
  SizeCtx sc{&c, 0};
  c.for_each(p, &sc, [](void* ctx, const void* key, const void* elem) {
    auto* s = static_cast<SizeCtx*>(ctx);
    if (key != nullptr) s->total += ValueSize(s->c->key, key);
    s->total += ValueSize(s->c->elem, elem);
  });
  return total + sc.total;
}

size_t ValueSize(const ValueType& v, const void* p) {
  switch (v.cpp) {
    case CppType::kBool:
    case CppType::kI8:
      return 1;
    case CppType::kI16:
      return VarintSize(ZigZag32(*static_cast<const int16_t*>(p)));
    case CppType::kI32:
      return VarintSize(ZigZag32(*static_cast<const int32_t*>(p)));
    case CppType::kI64:
      return VarintSize(ZigZag64(*static_cast<const int64_t*>(p)));
    case CppType::kDouble:
      return 8;
    case CppType::kUuid:
      return 16;
    case CppType::kString:
    case CppType::kPmrString: {
      const size_t n = StringBytes(v.cpp, p).size();
      return VarintSize(n) + n;
    }
    case CppType::kStruct:
      return StructSize(*v.strct, p);
    case CppType::kList:
    case CppType::kSet:
    case CppType::kMap:
      return ContainerSize(*v.container, p);
  }
  return 0;
}

size_t StructSize(const TypeInfo& t, const void* obj) {
  // A null required indirect field (FieldIsWritten): an empty struct.
  if (TERN_UNLIKELY(obj == nullptr)) return 1;
  size_t n = 1;  // stop
  int16_t last = 0;
  for (uint32_t i = 0; i < t.num_fields; ++i) {
    const FieldInfo& f = t.fields[i];
    if (!FieldIsWritten(t, f, obj)) continue;
    n += FieldHeaderSize(f.id, last);
    last = f.id;
    const void* v = FieldValue(f, obj);
    if (f.type.cpp == CppType::kString) {  // the common case, inline
      const size_t len = static_cast<const std::string*>(v)->size();
      n += VarintSize(len) + len;
    } else if (f.type.cpp != CppType::kBool) {
      n += ValueSize(f.type, v);
    }
  }
  return n;
}

// ---- write ------------------------------------------------------------------

// Where the writer puts its bytes: p, and Ensure(n), true when n bytes
// can be written at p (false: out of room for good; the writer stops).
//
// ExactSink: memory of EncodedSize's length, so Ensure has nothing to check
// (it compiles away).
struct ExactSink {
  uint8_t* p;
  static bool Ensure(size_t) { return true; }
  static bool ByReference(size_t) { return false; }
  static bool Reference(const uint8_t*, size_t) { return false; }
};

// BufferSink: room reserved in a LinkBuffer as the writer goes, so no size
// pass comes first. It starts with what its owner reserved; when that runs
// out it gives back the unused rest and reserves again, at least twice as
// much each time (up to kMaxChunk), so the bytes continue in a new block.
class BufferSink {
 public:
  static constexpr size_t kMaxChunk = size_t{1} << 20;

  // With an owner (a keep-alive Slice holding a block, as Writer takes
  // one: tern/writer.h), strings of at least Writer::kDefaultRefThreshold
  // bytes are linked into out by reference instead of copied.
  BufferSink(LinkBuffer& out, uint8_t* p, size_t room, const Slice* owner = nullptr)
      : p(p), out_(&out), end_(p + room), owner_(owner) {}
  uint8_t* p;
  bool Ensure(size_t n) { return TERN_LIKELY(static_cast<size_t>(end_ - p) >= n) || Grow(n); }
  // Whether n payload bytes go by reference.
  bool ByReference(size_t n) const {
    return owner_ != nullptr && n >= Writer::kDefaultRefThreshold;
  }
  // Links [d, d + n), which the owner keeps alive, into out (after what
  // was written so far); the next Ensure reserves again.
  bool Reference(const uint8_t* d, size_t n) {
    Finish();
    out_->Append(Slice::FromBlock(owner_->block(), d, n));
    referenced_ += n;
    return true;
  }
  // Gives back what is reserved and unwritten.
  void Finish() {
    out_->Unmalloc(static_cast<size_t>(end_ - p));
    end_ = p;
  }
  Status status() const { return error_; }
  // Bytes linked by reference so far.
  size_t referenced() const { return referenced_; }

 private:
  bool Grow(size_t n) {
    Finish();
    if (!error_.ok()) return false;
    if (n > LinkBuffer::kMaxContiguous) {
      error_ = ResourceExhausted("thrift_compact: a value of " + std::to_string(n) +
                                 " contiguous bytes exceeds the largest block");
      return false;
    }
    size_t got = 0;
    Result<uint8_t*> r = out_->MallocAtLeast(std::max(n, chunk_), &got);
    if (!r.ok()) {
      error_ = std::move(r).status();
      return false;
    }
    chunk_ = std::min(2 * chunk_, kMaxChunk);
    p = *r;
    end_ = p + got;
    return true;
  }

  LinkBuffer* out_;
  uint8_t* end_;
  const Slice* owner_;
  size_t referenced_ = 0;
  size_t chunk_ = LinkBuffer::kDefaultBlockSize;
  Status error_;
};

// The most a field header takes (type byte, zigzag varint of an i16 id).
constexpr size_t kMaxFieldHeader = 4;
// The longest string written with its field header in one reservation
// (longer ones go through PutBytes, which splits what exceeds a block).
constexpr size_t kMaxOneRun = LinkBuffer::kMaxContiguous - kMaxFieldHeader - 10;

template <class Sink>
bool WriteStruct(const TypeInfo& t, const void* obj, Sink& s);
template <class Sink>
bool WriteValue(const ValueType& v, const void* p, Sink& s);

// n raw bytes: contiguous when they fit a block, else in pieces.
template <class Sink>
bool PutBytes(Sink& s, const void* data, size_t n) {
  if (n == 0) return true;
  const auto* d = static_cast<const uint8_t*>(data);
  if (n > LinkBuffer::kMaxContiguous) {
    for (size_t k; n != 0; d += k, n -= k) {
      k = std::min(n, BufferSink::kMaxChunk);
      if (!s.Ensure(k)) return false;
      std::memcpy(s.p, d, k);
      s.p += k;
    }
    return true;
  }
  if (!s.Ensure(n)) return false;
  wire::CopyBytes(s.p, d, n);  // short strings inline: no call to memcpy
  s.p += n;
  return true;
}

// A string/binary value: varint length, bytes.
template <class Sink>
bool PutString(Sink& s, std::string_view v) {
  if (!s.Ensure(10)) return false;
  s.p = PutVarint(s.p, v.size());
  if (s.ByReference(v.size()))
    return s.Reference(reinterpret_cast<const uint8_t*>(v.data()), v.size());
  return PutBytes(s, v.data(), v.size());
}

template <class Sink>
struct WriteCtx {
  const ContainerInfo* c;
  Sink* s;
  bool ok;
};

// A numeric list's elements as varints. Each element but the last nine is
// written a word at a time (PutVarintWord stores 10 bytes; the nine or more
// elements that follow, at least a byte each, cover the overhang); the last
// ones byte by byte, so nothing is written past the list.
template <class Bits, class T, class ZigZag>
uint8_t* PutVarintsWith(const T* v, size_t n, uint8_t* out, ZigZag zigzag) {
  size_t i = 0;
  if constexpr (sizeof(T) <= 4) {
    for (; i + 9 < n; ++i) out = PutVarintWord32<Bits>(out, static_cast<uint32_t>(zigzag(v[i])));
  } else {
    for (; i + 9 < n; ++i) out = PutVarintWord<Bits>(out, zigzag(v[i]));
  }
  for (; i < n; ++i) out = PutVarint(out, zigzag(v[i]));
  return out;
}

#if defined(__x86_64__)
#define TERN_COMPACT_AVX512 \
  __attribute__((target("avx512f,avx512bw,avx512dq,avx512cd,avx512vbmi,avx512vbmi2,popcnt")))

// The varint bytes of eight 64-bit lanes, packed at out (exactly their size
// is written: a masked store); returns the end. Lane q holds up to 56 bits
// of a zigzagged value; keep[q] of its bytes are written, the first more[q]
// with the continuation bit. vpmultishiftqb takes the 7-bit groups into
// bytes 0..7, byte compares against the counts give the masks, and
// vpcompressb packs the kept bytes.
TERN_COMPACT_AVX512 inline uint8_t* PackVarintLanes(__m512i z, __m512i keep, __m512i more,
                                                    uint8_t* out) {
  using U = uint64_t __attribute__((vector_size(64)));
  const __m512i groups = _mm512_set1_epi64(0x312A231C150E0700ll);  // bit 7k for byte k
  const __m512i byte_index = _mm512_set1_epi64(0x0706050403020100ll);
  const __m512i spread = _mm512_and_si512(_mm512_maskz_multishift_epi64_epi8(~0ull, groups, z),
                                          _mm512_set1_epi8(0x7f));
  // Each count in every byte of its lane.
  const U ones = U{} + 0x0101010101010101ull;
  const __m512i keep_bytes = reinterpret_cast<__m512i>(reinterpret_cast<U>(keep) * ones);
  const __m512i more_bytes = reinterpret_cast<__m512i>(reinterpret_cast<U>(more) * ones);
  const __mmask64 kept = _mm512_cmplt_epu8_mask(byte_index, keep_bytes);
  const __mmask64 continued = _mm512_cmplt_epu8_mask(byte_index, more_bytes);
  const __m512i bytes =
      _mm512_or_si512(spread, _mm512_maskz_mov_epi8(continued, _mm512_set1_epi8(-128)));
  const __m512i packed = _mm512_maskz_compress_epi8(kept, bytes);
  const unsigned count = static_cast<unsigned>(__builtin_popcountll(kept));
  _mm512_mask_storeu_epi8(out, count == 64 ? ~0ull : (1ull << count) - 1, packed);
  return out + count;
}

// Varint lengths (1..10) of eight zigzagged values.
TERN_COMPACT_AVX512 inline __m512i VarintLengths(__m512i z) {
  using U = uint64_t __attribute__((vector_size(64)));
  const U lz = reinterpret_cast<U>(_mm512_lzcnt_epi64(_mm512_or_si512(z, _mm512_set1_epi64(1))));
  return reinterpret_cast<__m512i>(((64 - lz) * 9 + 64) >> 6);
}

// Eight values below 2^56: a lane each.
TERN_COMPACT_AVX512 inline uint8_t* PutEightShortVarints(__m512i z, uint8_t* out) {
  const __m512i len = VarintLengths(z);
  return PackVarintLanes(z, len, _mm512_sub_epi64(len, _mm512_set1_epi64(1)), out);
}

// Four lanes of lo and hi interleaved, lo[f] hi[f] lo[f+1] hi[f+1] ...: f = 0
// or 4 as idx is kZipLow or kZipHigh.
TERN_COMPACT_AVX512 inline __m512i Zip(uint64_t __attribute__((vector_size(64))) lo,
                                       uint64_t __attribute__((vector_size(64))) hi, __m512i idx) {
  return _mm512_permutex2var_epi64(reinterpret_cast<__m512i>(lo), idx,
                                   reinterpret_cast<__m512i>(hi));
}

// Eight values of any size (up to 10 bytes), four at a time in two lanes
// each: bits 0..55, and bits 56..63 (bytes 8 and 9).
TERN_COMPACT_AVX512 inline uint8_t* PutEightVarints(__m512i z, uint8_t* out) {
  using U = uint64_t __attribute__((vector_size(64)));
  const U len = reinterpret_cast<U>(VarintLengths(z));
  const U zu = reinterpret_cast<U>(z);
  const U high = zu >> 56;
  const U low_keep = len < 8 ? len : 8;
  const U high_keep = (len > 8 ? len : 8) - 8;
  const U low_more = len - 1 < 8 ? len - 1 : 8;
  const U high_more = (len > 9 ? len : 9) - 9;
  const __m512i zip_low = _mm512_set_epi64(11, 3, 10, 2, 9, 1, 8, 0);
  const __m512i zip_high = _mm512_set_epi64(15, 7, 14, 6, 13, 5, 12, 4);
  out = PackVarintLanes(Zip(zu, high, zip_low), Zip(low_keep, high_keep, zip_low),
                        Zip(low_more, high_more, zip_low), out);
  return PackVarintLanes(Zip(zu, high, zip_high), Zip(low_keep, high_keep, zip_high),
                         Zip(low_more, high_more, zip_high), out);
}

// A list of i32 varints eight at a time.
TERN_COMPACT_AVX512 uint8_t* PutVarintsI32Avx512(const int32_t* v, size_t n, uint8_t* out) {
  using V = int32_t __attribute__((vector_size(32)));
  size_t i = 0;
  for (; i + 8 <= n; i += 8) {
    V x;
    std::memcpy(&x, v + i, sizeof x);
    const V z = (x << 1) ^ (x >> 31);
    out =
        PutEightShortVarints(_mm512_maskz_cvtepu32_epi64(0xff, reinterpret_cast<__m256i>(z)), out);
  }
  for (; i < n; ++i) out = PutVarint(out, ZigZag32(v[i]));
  return out;
}

// A list of i64 varints eight at a time: a lane each while the eight are
// below 2^56 (up to 8 bytes), else two lanes each.
TERN_COMPACT_AVX512 uint8_t* PutVarintsI64Avx512(const int64_t* v, size_t n, uint8_t* out) {
  using V = int64_t __attribute__((vector_size(64)));
  size_t i = 0;
  for (; i + 8 <= n; i += 8) {
    V x;
    std::memcpy(&x, v + i, sizeof x);
    const __m512i z = reinterpret_cast<__m512i>((x << 1) ^ (x >> 63));
    if (_mm512_cmpge_epu64_mask(z, _mm512_set1_epi64(1ll << 56)) == 0) {
      out = PutEightShortVarints(z, out);
    } else {
      out = PutEightVarints(z, out);
    }
  }
  for (; i < n; ++i) out = PutVarint(out, ZigZag64(v[i]));
  return out;
}

bool UseAvx512Varints() {
  static const bool use = UseAvx512Cd() && UseBmi2() &&
                          CpuFeatures::Host().Has(kCpuAvx512BW | kCpuAvx512DQ | kCpuAvx512VBMI |
                                                  kCpuAvx512VBMI2 | kCpuPopcnt);
  return use;
}
#endif

template <class T, class ZigZag>
uint8_t* PutVarints(const T* v, size_t n, uint8_t* out, ZigZag zigzag) {
#if defined(__x86_64__)
  if constexpr (std::is_same_v<T, int32_t>) {
    if (UseAvx512Varints()) return PutVarintsI32Avx512(v, n, out);
  }
  if constexpr (std::is_same_v<T, int64_t>) {
    if (UseAvx512Varints()) return PutVarintsI64Avx512(v, n, out);
  }
  if (UseBmi2()) return PutVarintsWith<Bmi2Bits>(v, n, out, zigzag);
#endif
  return PutVarintsWith<PortableBits>(v, n, out, zigzag);
}

// Numeric elements at most `width` bytes each (a varint's largest, or a
// double's 8), in batches of a bounded reservation.
template <class Sink, class T, class Put>
bool PutNumbers(Sink& s, const T* v, size_t n, size_t width, Put put) {
  const size_t batch = BufferSink::kMaxChunk / width;
  for (size_t i = 0; i < n; i += batch) {
    const size_t k = std::min(batch, n - i);
    if (!s.Ensure(k * width)) return false;
    s.p = put(v + i, k, s.p);
  }
  return true;
}

// Container elements at most this large (varint headers included) are
// written with one reservation; well under any reference threshold.
constexpr size_t kShortElement = 1024;

template <class Sink>
bool WriteContainer(const ContainerInfo& c, const void* p, Sink& s) {
  const size_t n = c.count(p);
  const uint8_t et = ToCType(c.elem.ttype);
  if (!s.Ensure(11)) return false;  // a header: a byte and a varint
  uint8_t* out = s.p;
  if (c.kind == TType::kMap) {
    if (n == 0) {
      *out++ = 0;
      s.p = out;
      return true;
    }
    out = PutVarint(out, n);
    *out++ = static_cast<uint8_t>((ToCType(c.key.ttype) << 4) | et);
  } else if (n < 15) {
    *out++ = static_cast<uint8_t>((n << 4) | et);
  } else {
    *out++ = static_cast<uint8_t>(0xf0 | et);
    out = PutVarint(out, n);
  }
  s.p = out;
  if (c.data != nullptr && n > 0) {
    const void* d = c.data(const_cast<void*>(p));
    switch (c.elem.cpp) {
      case CppType::kI8:
        return PutBytes(s, d, n);
      case CppType::kI16:
        return PutNumbers(
            s, static_cast<const int16_t*>(d), n, 3, [](const int16_t* v, size_t k, uint8_t* o) {
              return PutVarints(v, k, o, [](int16_t x) -> uint64_t { return ZigZag32(x); });
            });
      case CppType::kI32:
        return PutNumbers(
            s, static_cast<const int32_t*>(d), n, 5, [](const int32_t* v, size_t k, uint8_t* o) {
              return PutVarints(v, k, o, [](int32_t x) -> uint64_t { return ZigZag32(x); });
            });
      case CppType::kI64:
        return PutNumbers(s, static_cast<const int64_t*>(d), n, 10,
                          [](const int64_t* v, size_t k, uint8_t* o) {
                            return PutVarints(v, k, o, [](int64_t x) { return ZigZag64(x); });
                          });
      case CppType::kDouble:
        return PutBytes(s, d, 8 * n);
      default:
        break;
    }
  }
  WriteCtx<Sink> wc{&c, &s, true};
  const bool strings =
      IsStringStorage(c.elem.cpp) && (c.kind != TType::kMap || IsStringStorage(c.key.cpp));
  if (strings) {
    // Strings (a map's key and value): one reservation per element and
    // the bytes copied inline, instead of WriteValue's switch and a
    // reservation per string. Long strings (and those that go by
    // reference) take the general path.
    c.for_each(p, &wc, [](void* ctx, const void* key, const void* elem) {
      auto* w = static_cast<WriteCtx<Sink>*>(ctx);
      if (!w->ok) return;
      Sink& s = *w->s;
      const std::string_view v = StringBytes(w->c->elem.cpp, elem);
      const std::string_view k =
          key != nullptr ? StringBytes(w->c->key.cpp, key) : std::string_view();
      const size_t need = (key != nullptr ? 10 + k.size() : 0) + 10 + v.size();
      if (TERN_LIKELY(need <= kShortElement)) {
        if (!s.Ensure(need)) {
          w->ok = false;
          return;
        }
        uint8_t* out = s.p;
        if (key != nullptr) {
          out = PutVarint(out, k.size());
          wire::CopyBytes(out, k.data(), k.size());
          out += k.size();
        }
        out = PutVarint(out, v.size());
        wire::CopyBytes(out, v.data(), v.size());
        s.p = out + v.size();
        return;
      }
      if (key != nullptr) w->ok = PutString(s, k);
      if (w->ok) w->ok = PutString(s, v);
    });
    return wc.ok;
  }
  c.for_each(p, &wc, [](void* ctx, const void* key, const void* elem) {
    auto* w = static_cast<WriteCtx<Sink>*>(ctx);
    if (!w->ok) return;
    if (key != nullptr) w->ok = WriteValue(w->c->key, key, *w->s);
    if (w->ok) w->ok = WriteValue(w->c->elem, elem, *w->s);
  });
  return wc.ok;
}

template <class Sink>
bool WriteValue(const ValueType& v, const void* p, Sink& s) {
  switch (v.cpp) {
    case CppType::kBool:  // in a container: one byte
      if (!s.Ensure(1)) return false;
      *s.p++ = *static_cast<const bool*>(p) ? kCTrue : kCFalse;
      return true;
    case CppType::kI8:
      if (!s.Ensure(1)) return false;
      *s.p++ = *static_cast<const uint8_t*>(p);
      return true;
    case CppType::kI16:
      if (!s.Ensure(3)) return false;
      s.p = PutVarint(s.p, ZigZag32(*static_cast<const int16_t*>(p)));
      return true;
    case CppType::kI32:
      if (!s.Ensure(5)) return false;
      s.p = PutVarint(s.p, ZigZag32(*static_cast<const int32_t*>(p)));
      return true;
    case CppType::kI64:
      if (!s.Ensure(10)) return false;
      s.p = PutVarint(s.p, ZigZag64(*static_cast<const int64_t*>(p)));
      return true;
    case CppType::kDouble:
      return PutBytes(s, p, 8);
    case CppType::kUuid:
      return PutBytes(s, p, 16);
    case CppType::kString:
    case CppType::kPmrString:
      return PutString(s, StringBytes(v.cpp, p));
    case CppType::kStruct:
      return WriteStruct(*v.strct, p, s);
    case CppType::kList:
    case CppType::kSet:
    case CppType::kMap:
      return WriteContainer(*v.container, p, s);
  }
  return true;
}

template <class Sink>
bool WriteStruct(const TypeInfo& t, const void* obj, Sink& s) {
  if (TERN_UNLIKELY(obj == nullptr)) {  // see StructSize
    if (!s.Ensure(1)) return false;
    *s.p++ = kCStop;
    return true;
  }
  int16_t last = 0;
  for (uint32_t i = 0; i < t.num_fields; ++i) {
    const FieldInfo& f = t.fields[i];
    if (!FieldIsWritten(t, f, obj)) continue;
    const void* v = FieldValue(f, obj);
    if (f.type.cpp == CppType::kString) {  // the common case, inline
      const auto* str = static_cast<const std::string*>(v);
      const size_t n = str->size();
      if (TERN_LIKELY(n <= kMaxOneRun && !s.ByReference(n))) {
        if (!s.Ensure(kMaxFieldHeader + 10 + n)) return false;
        uint8_t* out = PutFieldHeader(s.p, kCBinary, f.id, last);
        out = PutVarint(out, n);
        wire::CopyBytes(out, str->data(), n);
        s.p = out + n;
      } else {
        if (!s.Ensure(kMaxFieldHeader)) return false;
        s.p = PutFieldHeader(s.p, kCBinary, f.id, last);
        if (!PutString(s, *str)) return false;
      }
    } else if (f.type.cpp == CppType::kBool) {
      if (!s.Ensure(kMaxFieldHeader)) return false;
      s.p = PutFieldHeader(s.p, *static_cast<const bool*>(v) ? kCTrue : kCFalse, f.id, last);
    } else if (f.type.cpp == CppType::kI64 || f.type.cpp == CppType::kI32 ||
               f.type.cpp == CppType::kDouble) {  // the other common scalars, inline
      if (!s.Ensure(kMaxFieldHeader + 10)) return false;
      uint8_t* out = PutFieldHeader(s.p, ToCType(f.type.ttype), f.id, last);
      if (f.type.cpp == CppType::kI64) {
        out = PutVarint(out, ZigZag64(*static_cast<const int64_t*>(v)));
      } else if (f.type.cpp == CppType::kI32) {
        out = PutVarint(out, ZigZag32(*static_cast<const int32_t*>(v)));
      } else {
        std::memcpy(out, v, 8);  // little-endian, as Compact sends doubles
        out += 8;
      }
      s.p = out;
    } else {
      if (!s.Ensure(kMaxFieldHeader)) return false;
      s.p = PutFieldHeader(s.p, ToCType(f.type.ttype), f.id, last);
      if (!WriteValue(f.type, v, s)) return false;
    }
    last = f.id;
  }
  if (!s.Ensure(1)) return false;
  *s.p++ = kCStop;
  return true;
}

// ---- read -------------------------------------------------------------------

enum class Err : uint8_t {
  kNone,
  kTruncated,
  kBadVarint,
  kNegativeSize,
  kStringTooLong,
  kContainerTooLarge,
  kTooDeep,
  kBadType,
  kWrongElementType,
  kMissingRequired,
  kDecodedTooLarge,
};

Status MakeError(Err e, const char* what) {
  std::string m = std::string("thrift_compact: ") + what + ": ";
  switch (e) {
    case Err::kNone:
      m += "unknown error";
      break;
    case Err::kTruncated:
      m += "truncated input";
      break;
    case Err::kBadVarint:
      m += "varint longer than 10 bytes";
      break;
    case Err::kNegativeSize:
      m += "negative size";
      break;
    case Err::kStringTooLong:
      return ResourceExhausted(m + "string/binary longer than max_string");
    case Err::kContainerTooLarge:
      return ResourceExhausted(m + "container larger than max_container");
    case Err::kTooDeep:
      return ResourceExhausted(m + "nesting deeper than max_depth");
    case Err::kDecodedTooLarge:
      return ResourceExhausted(m + "decoded containers larger than max_decoded");
    case Err::kBadType:
      m += "invalid compact type id";
      break;
    case Err::kWrongElementType:
      m += "container element type does not match the schema";
      break;
    case Err::kMissingRequired:
      m += "required field missing";
      break;
  }
  return DataLoss(m);
}

// ---- read plans -------------------------------------------------------------

// What the field loop needs of a struct type, worked out once per process
// instead of per field read: the field for each id (a table over the id
// range, not a search of the fields), the compact type it must come as, how
// to store it, and the required fields as a mask. Types a plan cannot
// describe (ids spread over more than kMaxSpan, a required field past the
// 64th, no fields) are read by the generic loop.
enum Op : uint8_t {
  kOpBool,
  kOpI32,
  kOpI64,
  kOpDouble,
  kOpString,
  kOpPmrString,
  kOpStruct,
  kOpOther
};

struct FieldPlan {
  const FieldInfo* info;
  const TypeInfo* strct;  // kOpStruct
  uint32_t offset;        // of the member (every op but kOpOther: direct)
  uint8_t ctype;          // the compact type it comes as (bools: kCTrue)
  Op op;
  bool mark;     // MarkFieldRead has something to do (optional, union)
  uint64_t bit;  // 1 << field index (0 past the 64th)
};

struct ReadPlan {
  const TypeInfo* type;
  // Identity of the TypeInfo besides its address, so that a table entry
  // left by a type whose module was unloaded is not taken for another.
  const FieldInfo* fields;
  uint32_t num_fields;
  bool usable;  // false: read this type with the generic loop
  int32_t min_id;
  uint32_t span;      // ids [min_id, min_id + span)
  uint64_t required;  // bits of the required fields
  // [id - min_id]: the field of that id; an unknown id's entry has a ctype
  // no wire type matches (kNoCType).
  std::vector<FieldPlan> by_id;
};

constexpr uint32_t kMaxSpan = 256;
constexpr uint8_t kNoCType = 0xee;

// How the planned loop stores a direct field of this storage.
constexpr Op OpOf(CppType c) {
  switch (c) {
    case CppType::kBool:
      return kOpBool;
    case CppType::kI32:
      return kOpI32;
    case CppType::kI64:
      return kOpI64;
    case CppType::kDouble:
      return kOpDouble;
    case CppType::kString:
      return kOpString;
    case CppType::kPmrString:
      return kOpPmrString;
    case CppType::kStruct:
      return kOpStruct;
    default:
      return kOpOther;
  }
}

ReadPlan* MakePlan(const TypeInfo& t) {
  auto* plan = new ReadPlan{};
  plan->type = &t;
  plan->fields = t.fields;
  plan->num_fields = t.num_fields;
  if (t.num_fields == 0) return plan;
  int32_t lo = t.fields[0].id, hi = t.fields[0].id;
  for (uint32_t i = 0; i < t.num_fields; ++i) {
    lo = std::min<int32_t>(lo, t.fields[i].id);
    hi = std::max<int32_t>(hi, t.fields[i].id);
    if (t.fields[i].req == Requiredness::kRequired && t.kind != StructKind::kUnion) {
      if (i >= 64) return plan;
      plan->required |= uint64_t{1} << i;
    }
  }
  if (static_cast<uint32_t>(hi - lo) >= kMaxSpan) return plan;
  plan->min_id = lo;
  plan->span = static_cast<uint32_t>(hi - lo) + 1;
  FieldPlan unknown{};
  unknown.ctype = kNoCType;
  plan->by_id.assign(plan->span, unknown);
  for (uint32_t i = 0; i < t.num_fields; ++i) {
    const FieldInfo& f = t.fields[i];
    FieldPlan& fp = plan->by_id[static_cast<size_t>(f.id - lo)];
    fp.info = &f;
    fp.strct = f.type.strct;
    fp.offset = f.offset;
    fp.ctype = ToCType(f.type.ttype);
    fp.mark = t.kind == StructKind::kUnion || f.req == Requiredness::kOptional;
    fp.bit = i < 64 ? uint64_t{1} << i : 0;
    fp.op = f.indirect ? kOpOther : OpOf(f.type.cpp);
  }
  plan->usable = true;
  return plan;
}

// Plans by TypeInfo address: open addressing, filled under a mutex, read
// without one (an entry is published with a release store, and replaced only
// when its type's module was unloaded and another type took the address).
// Plans live as long as the process (a few hundred bytes a type). A full
// table only means more types take the generic loop.
constexpr size_t kPlanSlots = 16384;  // 128 KB of pointers, zero until used
constexpr size_t kPlanProbes = 32;
std::atomic<const ReadPlan*> plan_table[kPlanSlots];
std::mutex plan_mu;

inline size_t PlanSlot(const TypeInfo* t) {
  const auto a = reinterpret_cast<uintptr_t>(t);
  return (a >> 3 ^ a >> 13) % kPlanSlots;
}

inline bool PlanIsFor(const ReadPlan* p, const TypeInfo& t) {
  return p->type == &t && p->fields == t.fields && p->num_fields == t.num_fields;
}

const ReadPlan* PlanForSlow(const TypeInfo& t) {
  std::lock_guard<std::mutex> lock(plan_mu);
  const size_t h = PlanSlot(&t);
  for (size_t i = 0; i < kPlanProbes; ++i) {
    std::atomic<const ReadPlan*>& slot = plan_table[(h + i) % kPlanSlots];
    const ReadPlan* p = slot.load(std::memory_order_relaxed);
    if (p != nullptr && PlanIsFor(p, t)) return p->usable ? p : nullptr;
    // An entry of an unloaded type at this address: replace it (the old
    // plan is leaked; a reader may still be looking at it).
    if (p == nullptr || p->type == &t) {
      const ReadPlan* fresh = MakePlan(t);
      slot.store(fresh, std::memory_order_release);
      return fresh->usable ? fresh : nullptr;
    }
  }
  return nullptr;
}

// The plan of t, or null: read t with the generic loop. When every slot t
// may take holds another type's plan, t is read with the generic loop
// without taking the mutex.
inline const ReadPlan* PlanFor(const TypeInfo& t) {
  const size_t h = PlanSlot(&t);
  for (size_t i = 0; i < kPlanProbes; ++i) {
    const ReadPlan* p = plan_table[(h + i) % kPlanSlots].load(std::memory_order_acquire);
    if (p == nullptr) return PlanForSlow(t);
    if (PlanIsFor(p, t)) return p->usable ? p : nullptr;
  }
  return nullptr;
}

// AssignString for a decoder. A std::pmr::string that cannot hold the bytes
// in place (a fresh one, or one moved from) is replaced by one constructed
// from them on its resource: a shorter path in libstdc++ than assign()'s
// general replace, which reached the resource through more calls. (For
// std::string, assign() measured faster.)
TERN_ALWAYS_INLINE void AssignBytes(CppType c, void* v, const char* p, size_t n) {
  if (c == CppType::kPmrString) {
    auto* s = static_cast<std::pmr::string*>(v);
    if (n > s->capacity()) {
      // Constructed in place, not moved from a temporary: the move's 16-byte
      // copy of the temporary's pointer and size, just written as two
      // 8-byte stores, cannot be store-forwarded and stalled every string.
      const std::pmr::polymorphic_allocator<char> alloc = s->get_allocator();
      s->~basic_string();
      try {
        new (s) std::pmr::string(p, n, alloc);
      } catch (...) {
        new (s) std::pmr::string(alloc);  // (the member stays a string)
        throw;
      }
    } else {
      s->assign(p, n);
    }
  } else {
    static_cast<std::string*>(v)->assign(p, n);
  }
}

struct Reader {
  const uint8_t* end;
  ReadContext& ctx;
  Err err = Err::kNone;

  const uint8_t* Fail(Err e) {
    err = e;
    return nullptr;
  }
  const uint8_t* Varint(const uint8_t* p, uint64_t* v) {
    bool truncated = false;
    const uint8_t* q = GetVarint(p, end, v, &truncated);
    if (TERN_UNLIKELY(q == nullptr)) err = truncated ? Err::kTruncated : Err::kBadVarint;
    return q;
  }
  // A 32-bit size (string length, element count): Apache reads a varint and
  // takes its low 32 bits as a signed size.
  const uint8_t* Size(const uint8_t* p, size_t* n) {
    uint64_t v;
    p = Varint(p, &v);
    if (TERN_UNLIKELY(p == nullptr)) return nullptr;
    if (TERN_UNLIKELY(static_cast<int32_t>(v) < 0)) return Fail(Err::kNegativeSize);
    *n = static_cast<uint32_t>(v);
    return p;
  }
  // The id of a field whose header byte b (not the stop byte) was read,
  // after `*last`: from the delta in b, else from the zigzag varint at p.
  // Sets *last; returns past the header, or null.
  TERN_ALWAYS_INLINE const uint8_t* FieldId(uint8_t b, const uint8_t* p, int16_t* last) {
    if (const uint8_t delta = b >> 4; TERN_LIKELY(delta != 0)) {
      *last = static_cast<int16_t>(*last + delta);
      return p;
    }
    uint64_t v;
    p = Varint(p, &v);
    if (TERN_LIKELY(p != nullptr))
      *last = static_cast<int16_t>(UnZigZag32(static_cast<uint32_t>(v)));
    return p;
  }
  // A string/binary value into *obj (string storage of kind cpp).
  TERN_ALWAYS_INLINE const uint8_t* String(CppType cpp, void* obj, const uint8_t* p) {
    size_t n;
    p = Size(p, &n);
    if (TERN_UNLIKELY(p == nullptr)) return nullptr;
    if (TERN_UNLIKELY(n > ctx.limits.max_string)) return Fail(Err::kStringTooLong);
    if (TERN_UNLIKELY(static_cast<size_t>(end - p) < n)) return Fail(Err::kTruncated);
    AssignBytes(cpp, obj, reinterpret_cast<const char*>(p), n);
    return p + n;
  }

  const uint8_t* Struct(const TypeInfo& t, void* obj, const uint8_t* p);
  const uint8_t* StructPlanned(const ReadPlan& plan, void* obj, const uint8_t* p);
  const uint8_t* StructGeneric(const TypeInfo& t, void* obj, const uint8_t* p);
  const uint8_t* Value(const ValueType& v, void* obj, const uint8_t* p);
  const uint8_t* Container(const ContainerInfo& c, void* obj, const uint8_t* p);
  const uint8_t* Skip(uint8_t ct, const uint8_t* p, bool in_field);
};

const uint8_t* Reader::Skip(uint8_t ct, const uint8_t* p, bool in_field) {
  uint64_t v;
  switch (ct) {
    case kCTrue:
    case kCFalse:
      if (in_field) return p;  // the value is in the field header
      [[fallthrough]];
    case kCByte:
      if (TERN_UNLIKELY(end - p < 1)) return Fail(Err::kTruncated);
      return p + 1;
    case kCI16:
    case kCI32:
    case kCI64:
      return Varint(p, &v);
    case kCDouble:
      if (TERN_UNLIKELY(end - p < 8)) return Fail(Err::kTruncated);
      return p + 8;
    case kCUuid:
      if (TERN_UNLIKELY(end - p < 16)) return Fail(Err::kTruncated);
      return p + 16;
    case kCBinary: {
      size_t n;
      p = Size(p, &n);
      if (TERN_UNLIKELY(p == nullptr)) return nullptr;
      if (TERN_UNLIKELY(n > ctx.limits.max_string)) return Fail(Err::kStringTooLong);
      if (TERN_UNLIKELY(static_cast<size_t>(end - p) < n)) return Fail(Err::kTruncated);
      return p + n;
    }
    case kCStruct: {
      if (TERN_UNLIKELY(++ctx.depth > ctx.limits.max_depth)) return Fail(Err::kTooDeep);
      for (;;) {
        if (TERN_UNLIKELY(end - p < 1)) return Fail(Err::kTruncated);
        const uint8_t b = *p++;
        if ((b & 0x0f) == kCStop) break;  // as Apache: the type nibble alone
        if ((b >> 4) == 0) {
          p = Varint(p, &v);  // the field id
          if (TERN_UNLIKELY(p == nullptr)) return nullptr;
        }
        p = Skip(b & 0x0f, p, /*in_field=*/true);
        if (TERN_UNLIKELY(p == nullptr)) return nullptr;
      }
      --ctx.depth;
      return p;
    }
    case kCList:
    case kCSet:
    case kCMap: {
      size_t n;
      uint8_t kt = kCStop, et;
      if (ct == kCMap) {
        p = Size(p, &n);
        if (TERN_UNLIKELY(p == nullptr)) return nullptr;
        if (n == 0) return p;
        if (TERN_UNLIKELY(end - p < 1)) return Fail(Err::kTruncated);
        kt = *p >> 4;
        et = *p & 0x0f;
        ++p;
      } else {
        if (TERN_UNLIKELY(end - p < 1)) return Fail(Err::kTruncated);
        n = *p >> 4;
        et = *p & 0x0f;
        ++p;
        if (n == 15) {
          p = Size(p, &n);
          if (TERN_UNLIKELY(p == nullptr)) return nullptr;
        }
        if (n == 0) return TERN_LIKELY(et <= kCUuid) ? p : Fail(Err::kBadType);
      }
      if (TERN_UNLIKELY(n > ctx.limits.max_container)) return Fail(Err::kContainerTooLarge);
      const size_t min = MinSize(et) + (ct == kCMap ? MinSize(kt) : 0);
      if (TERN_UNLIKELY(n > static_cast<size_t>(end - p) / min)) return Fail(Err::kTruncated);
      if (TERN_UNLIKELY(++ctx.depth > ctx.limits.max_depth)) return Fail(Err::kTooDeep);
      for (size_t i = 0; i < n; ++i) {
        if (ct == kCMap) {
          p = Skip(kt, p, false);
          if (TERN_UNLIKELY(p == nullptr)) return nullptr;
        }
        p = Skip(et, p, false);
        if (TERN_UNLIKELY(p == nullptr)) return nullptr;
      }
      --ctx.depth;
      return p;
    }
    default:
      return Fail(Err::kBadType);
  }
}

template <class Bits, class T, class Decode>
const uint8_t* ReadVarintsWith(Reader& r, const uint8_t* p, T* out, size_t n, Decode decode) {
  const uint8_t* const end = r.end;
  size_t i = 0;
  // 16 bytes at a time: one load and one movemask give the ends of every
  // varint in the window, so consecutive varints are found by clearing bits
  // of a register rather than through a chain of dependent loads. Each
  // varint of up to 8 bytes is then gathered from one 8-byte load. Needs 24
  // readable bytes (a window, and 8 from its last varint's start).
  while (i < n && end - p >= 24) {
    const __m128i w = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p));
    uint32_t stops = ~static_cast<uint32_t>(_mm_movemask_epi8(w)) & 0xFFFFu;
    unsigned start = 0;
    while (stops != 0 && i < n) {
      const unsigned last = static_cast<unsigned>(__builtin_ctz(stops));
      const unsigned len = last - start + 1;
      if (TERN_UNLIKELY(len > 8)) break;  // 9 or 10 bytes: the word path below
      const uint64_t x = LoadLE64(p + start);
      out[i++] = decode(Bits::Gather(x & kLowBytes[len]));
      start = last + 1;
      stops &= stops - 1;
    }
    if (start == 0) {
      // The window's first varint is longer than 8 bytes (or malformed).
      // Stay on the word path while the varints are that long (random
      // 64-bit values are 9-10 bytes each).
      if (i == n) break;
      do {
        uint64_t v;
        const uint8_t* q = DecodeVarintWord<Bits>(p, &v);
        if (TERN_UNLIKELY(q == nullptr)) return r.Fail(Err::kBadVarint);
        p = q;
        out[i++] = decode(v);
      } while (i < n && end - p >= 24 &&
               (LoadLE64(p) & 0x8080808080808080ull) == 0x8080808080808080ull);
      continue;
    }
    p += start;
  }
  // Word at a time while 10 bytes remain (the longest varint), no per-byte
  // loop and no branch on the varint's length.
  for (; i < n && end - p >= 10; ++i) {
    uint64_t v;
    const uint8_t* q = DecodeVarintWord<Bits>(p, &v);
    if (TERN_UNLIKELY(q == nullptr)) return r.Fail(Err::kBadVarint);
    p = q;
    out[i] = decode(v);
  }
  for (; i < n; ++i) {
    uint64_t v;
    p = r.Varint(p, &v);
    if (TERN_UNLIKELY(p == nullptr)) return nullptr;
    out[i] = decode(v);
  }
  return p;
}

#if defined(__x86_64__)
#define TERN_COMPACT_AVX512_BMI2                                                 \
  __attribute__((                                                                \
      target("avx512f,avx512bw,avx512dq,avx512cd,avx512vbmi,avx512vbmi2,popcnt," \
             "bmi,bmi2")))

alignas(64) constexpr uint8_t kIota[64] = {
    0,  1,  2,  3,  4,  5,  6,  7,  8,  9,  10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21,
    22, 23, 24, 25, 26, 27, 28, 29, 30, 31, 32, 33, 34, 35, 36, 37, 38, 39, 40, 41, 42, 43,
    44, 45, 46, 47, 48, 49, 50, 51, 52, 53, 54, 55, 56, 57, 58, 59, 60, 61, 62, 63};

// The eight varints at p (64 readable bytes), when each is at most 8 bytes:
// their values (not yet unzigzagged) in the lanes of *values; returns their
// total size, or 0 when one is longer or fewer than eight end in the window
// (the caller then reads them one by one, with every check). vpcompressb of
// the byte indexes under the "last byte" mask gives where each varint ends;
// each lane takes its varint's bytes with vpermb; vpmaddubsw and vpmaddwd
// pack the 7-bit groups pairwise, a shift the two 28-bit halves.
struct EightVarintConsts {
  __m512i iota, lane, lane_before, byte_in_lane, one, eight, low7, mul7, mul14;
};
TERN_COMPACT_AVX512_BMI2 inline EightVarintConsts MakeEightVarintConsts() {
  const __m512i iota = _mm512_load_si512(kIota);
  const __m512i one = _mm512_set1_epi8(1);
  const __m512i lane = _mm512_srli_epi16(_mm512_and_si512(iota, _mm512_set1_epi8(0x38)), 3);
  return {iota,
          lane,
          _mm512_sub_epi8(lane, one),
          _mm512_and_si512(iota, _mm512_set1_epi8(7)),
          one,
          _mm512_set1_epi8(8),
          _mm512_set1_epi8(0x7f),
          _mm512_set1_epi16(0x8001),       // bytes 1, 128: b0 + (b1 << 7)
          _mm512_set1_epi32(0x40000001)};  // words 1, 16384: w0 + (w1 << 14)
}
TERN_COMPACT_AVX512_BMI2 inline unsigned DecodeEightVarints(const EightVarintConsts& k,
                                                            const uint8_t* p, __m512i* values) {
  using U = uint64_t __attribute__((vector_size(64)));
  const __m512i in = _mm512_loadu_si512(p);
  const uint64_t ends = ~static_cast<uint64_t>(_mm512_movepi8_mask(in));
  const uint64_t eighth = _pdep_u64(uint64_t{1} << 7, ends);
  if (eighth == 0) return 0;
  // Byte j: one past the end of varint j. Each lane's start (the stop of the
  // varint before; 0 for the first) and length in every byte of the lane.
  const __m512i stop = _mm512_add_epi8(_mm512_maskz_compress_epi8(ends, k.iota), k.one);
  const __m512i lane_stop = _mm512_maskz_permutexvar_epi8(~uint64_t{0}, k.lane, stop);
  const __m512i lane_start = _mm512_maskz_permutexvar_epi8(~uint64_t{0xff}, k.lane_before, stop);
  const __m512i lane_len = _mm512_sub_epi8(lane_stop, lane_start);
  if (_mm512_cmpgt_epu8_mask(lane_len, k.eight) != 0) return 0;
  const __mmask64 valid = _mm512_cmplt_epu8_mask(k.byte_in_lane, lane_len);
  const __m512i bytes = _mm512_and_si512(
      _mm512_maskz_permutexvar_epi8(valid, _mm512_add_epi8(lane_start, k.byte_in_lane), in),
      k.low7);
  const __m512i words = _mm512_maddubs_epi16(k.mul7, bytes);                // 14 bits each
  const U halves = reinterpret_cast<U>(_mm512_madd_epi16(words, k.mul14));  // 28 bits each
  *values = reinterpret_cast<__m512i>((halves & 0x0FFFFFFFull) | ((halves >> 32) << 28));
  return static_cast<unsigned>(__builtin_ctzll(eighth)) + 1;
}

// Lanes unzigzagged as 32-bit values (the low 32 bits of each, as
// UnZigZag32 of the truncated value does), stored as eight int32.
TERN_COMPACT_AVX512_BMI2 inline void StoreEight(__m512i v, int32_t* out) {
  using U = uint64_t __attribute__((vector_size(64)));
  const U z = reinterpret_cast<U>(v) & 0xFFFFFFFFull;
  const U d = (z >> 1) ^ (U{} - (z & 1));
  _mm256_storeu_si256(reinterpret_cast<__m256i*>(out),
                      _mm512_maskz_cvtepi64_epi32(0xff, reinterpret_cast<__m512i>(d)));
}
TERN_COMPACT_AVX512_BMI2 inline void StoreEight(__m512i v, int64_t* out) {
  using U = uint64_t __attribute__((vector_size(64)));
  const U z = reinterpret_cast<U>(v);
  _mm512_storeu_si512(out, reinterpret_cast<__m512i>((z >> 1) ^ (U{} - (z & 1))));
}

// i32/i64 lists eight varints at a time while 64 bytes are readable; a block
// with a varint over 8 bytes, and up to 56 varints after it, goes through
// the checked one-by-one loop. *done: how many were decoded.
template <class T, class Decode>
TERN_COMPACT_AVX512_BMI2 const uint8_t* ReadVarintsAvx512(Reader& r, const uint8_t* p, T* out,
                                                          size_t n, Decode decode, size_t* done) {
  const EightVarintConsts k = MakeEightVarintConsts();
  size_t i = 0;
  for (;;) {
    // No call in this loop, so the constants stay in registers.
    while (n - i >= 8 && r.end - p >= 64) {
      __m512i v;
      const unsigned used = DecodeEightVarints(k, p, &v);
      if (TERN_UNLIKELY(used == 0)) break;
      StoreEight(v, out + i);
      p += used;
      i += 8;
    }
    if (n - i < 8 || r.end - p < 64) break;
    const size_t some = std::min<size_t>(n - i, 64);
    p = ReadVarintsWith<Bmi2Bits>(r, p, out + i, some, decode);
    if (TERN_UNLIKELY(p == nullptr)) return nullptr;
    i += some;
  }
  *done = i;
  return p;
}
#endif

template <class T, class Decode>
const uint8_t* ReadVarints(Reader& r, const uint8_t* p, T* out, size_t n, Decode decode) {
#if defined(__x86_64__)
  if constexpr (std::is_same_v<T, int32_t> || std::is_same_v<T, int64_t>) {
    if (UseAvx512Varints()) {
      size_t done = 0;
      p = ReadVarintsAvx512(r, p, out, n, decode, &done);
      if (TERN_UNLIKELY(p == nullptr)) return nullptr;
      out += done;
      n -= done;
    }
  }
  if (UseBmi2()) return ReadVarintsWith<Bmi2Bits>(r, p, out, n, decode);
#endif
  return ReadVarintsWith<PortableBits>(r, p, out, n, decode);
}

// Whether reading a value of this storage sets all of it, whatever the
// temporary held before (a moved-from string, the last element's number),
// so that one temporary can serve every element of a container. Not a
// struct: fields absent on the wire would keep the last element's values.
constexpr bool Overwritten(CppType t) {
  switch (t) {
    case CppType::kBool:
    case CppType::kI8:
    case CppType::kI16:
    case CppType::kI32:
    case CppType::kI64:
    case CppType::kDouble:
    case CppType::kUuid:
    case CppType::kString:
    case CppType::kPmrString:
      return true;
    default:
      return false;
  }
}

const uint8_t* Reader::Container(const ContainerInfo& c, void* obj, const uint8_t* p) {
  size_t n;
  uint8_t kt = kCStop, et;
  if (c.kind == TType::kMap) {
    p = Size(p, &n);
    if (TERN_UNLIKELY(p == nullptr)) return nullptr;
    c.clear(obj);
    if (n == 0) return p;
    if (TERN_UNLIKELY(end - p < 1)) return Fail(Err::kTruncated);
    kt = *p >> 4;
    et = *p & 0x0f;
    ++p;
    if (TERN_UNLIKELY(!TypeMatches(kt, ToCType(c.key.ttype)))) return Fail(Err::kWrongElementType);
  } else {
    if (TERN_UNLIKELY(end - p < 1)) return Fail(Err::kTruncated);
    n = *p >> 4;
    et = *p & 0x0f;
    ++p;
    if (n == 15) {
      p = Size(p, &n);
      if (TERN_UNLIKELY(p == nullptr)) return nullptr;
    }
    c.clear(obj);
    // An empty list's element type is not checked against the schema, but
    // must be a type (Apache refuses 14 and 15 as well).
    if (n == 0) return TERN_LIKELY(et <= kCUuid) ? p : Fail(Err::kBadType);
  }
  if (TERN_UNLIKELY(!TypeMatches(et, ToCType(c.elem.ttype)))) return Fail(Err::kWrongElementType);
  if (TERN_UNLIKELY(n > ctx.limits.max_container)) return Fail(Err::kContainerTooLarge);
  const size_t min = MinSize(et) + (c.kind == TType::kMap ? MinSize(kt) : 0);
  if (TERN_UNLIKELY(n > static_cast<size_t>(end - p) / min)) return Fail(Err::kTruncated);
  ctx.decoded += n * DecodedElementCost(c);
  if (TERN_UNLIKELY(ctx.decoded > ctx.limits.max_decoded)) return Fail(Err::kDecodedTooLarge);
  if (c.data != nullptr) {
    c.resize(obj, n);
    void* d = c.data(obj);
    switch (c.elem.cpp) {
      case CppType::kI8:
        std::memcpy(d, p, n);
        return p + n;
      case CppType::kI16:
        return ReadVarints(*this, p, static_cast<int16_t*>(d), n, [](uint64_t v) {
          return static_cast<int16_t>(UnZigZag32(static_cast<uint32_t>(v)));
        });
      case CppType::kI32:
        return ReadVarints(*this, p, static_cast<int32_t*>(d), n,
                           [](uint64_t v) { return UnZigZag32(static_cast<uint32_t>(v)); });
      case CppType::kI64:
        return ReadVarints(*this, p, static_cast<int64_t*>(d), n,
                           [](uint64_t v) { return UnZigZag64(v); });
      case CppType::kDouble:
        std::memcpy(d, p, 8 * n);
        return p + 8 * n;
      default:
        break;
    }
  }
  if (TERN_UNLIKELY(++ctx.depth > ctx.limits.max_depth)) return Fail(Err::kTooDeep);
  c.reserve(obj, n);
  if (Overwritten(c.elem.cpp) && (c.kind != TType::kMap || Overwritten(c.key.cpp))) {
    // Every read sets the whole value: one temporary (two for a map) for
    // all the elements, not one made and destroyed per element.
    ContainerTemp elem(c, obj, ContainerTemp::kElem);
    if (c.kind == TType::kMap) {
      ContainerTemp key(c, obj, ContainerTemp::kKey);
      for (size_t i = 0; i < n; ++i) {
        p = Value(c.key, key.get(), p);
        if (TERN_UNLIKELY(p == nullptr)) return nullptr;
        p = Value(c.elem, elem.get(), p);
        if (TERN_UNLIKELY(p == nullptr)) return nullptr;
        c.add(obj, key.get(), elem.get());
      }
    } else {
      for (size_t i = 0; i < n; ++i) {
        p = Value(c.elem, elem.get(), p);
        if (TERN_UNLIKELY(p == nullptr)) return nullptr;
        c.add(obj, nullptr, elem.get());
      }
    }
    --ctx.depth;
    return p;
  }
  for (size_t i = 0; i < n; ++i) {
    ContainerTemp elem(c, obj, ContainerTemp::kElem);
    if (c.kind == TType::kMap) {
      ContainerTemp key(c, obj, ContainerTemp::kKey);
      p = Value(c.key, key.get(), p);
      if (TERN_UNLIKELY(p == nullptr)) return nullptr;
      p = Value(c.elem, elem.get(), p);
      if (TERN_UNLIKELY(p == nullptr)) return nullptr;
      c.add(obj, key.get(), elem.get());
    } else {
      p = Value(c.elem, elem.get(), p);
      if (TERN_UNLIKELY(p == nullptr)) return nullptr;
      c.add(obj, nullptr, elem.get());
    }
  }
  --ctx.depth;
  return p;
}

// A value inside a container, or a non-bool field's value.
const uint8_t* Reader::Value(const ValueType& v, void* obj, const uint8_t* p) {
  uint64_t x;
  switch (v.cpp) {
    case CppType::kBool:
      if (TERN_UNLIKELY(end - p < 1)) return Fail(Err::kTruncated);
      *static_cast<bool*>(obj) = *p == kCTrue;  // as Apache: anything else is false
      return p + 1;
    case CppType::kI8:
      if (TERN_UNLIKELY(end - p < 1)) return Fail(Err::kTruncated);
      *static_cast<int8_t*>(obj) = static_cast<int8_t>(*p);
      return p + 1;
    case CppType::kI16:
      p = Varint(p, &x);
      if (TERN_LIKELY(p != nullptr)) {
        *static_cast<int16_t*>(obj) = static_cast<int16_t>(UnZigZag32(static_cast<uint32_t>(x)));
      }
      return p;
    case CppType::kI32:
      p = Varint(p, &x);
      if (TERN_LIKELY(p != nullptr))
        *static_cast<int32_t*>(obj) = UnZigZag32(static_cast<uint32_t>(x));
      return p;
    case CppType::kI64:
      p = Varint(p, &x);
      if (TERN_LIKELY(p != nullptr)) *static_cast<int64_t*>(obj) = UnZigZag64(x);
      return p;
    case CppType::kDouble:
      if (TERN_UNLIKELY(end - p < 8)) return Fail(Err::kTruncated);
      std::memcpy(obj, p, 8);
      return p + 8;
    case CppType::kUuid:
      if (TERN_UNLIKELY(end - p < 16)) return Fail(Err::kTruncated);
      std::memcpy(obj, p, 16);
      return p + 16;
    case CppType::kString:
    case CppType::kPmrString:
      return String(v.cpp, obj, p);
    case CppType::kStruct:
      return Struct(*v.strct, obj, p);
    case CppType::kList:
    case CppType::kSet:
    case CppType::kMap:
      return Container(*v.container, obj, p);
  }
  return Fail(Err::kBadType);
}

const uint8_t* Reader::Struct(const TypeInfo& t, void* obj, const uint8_t* p) {
  if (const ReadPlan* plan = PlanFor(t)) return StructPlanned(*plan, obj, p);
  return StructGeneric(t, obj, p);
}

// The field loop of StructGeneric with the type's plan: one table lookup
// per field, a switch on how it is stored, the required fields checked as
// a mask at the end.
const uint8_t* Reader::StructPlanned(const ReadPlan& plan, void* obj, const uint8_t* p) {
  if (TERN_UNLIKELY(++ctx.depth > ctx.limits.max_depth)) return Fail(Err::kTooDeep);
  char* const base = static_cast<char*>(obj);
  uint64_t seen = 0;
  int16_t last = 0;
  for (;;) {
    if (TERN_UNLIKELY(end - p < 1)) return Fail(Err::kTruncated);
    const uint8_t b = *p++;
    // Apache (and every Thrift library) ends the struct on a stop type
    // nibble whatever the high bits hold.
    if ((b & 0x0f) == kCStop) break;
    const uint8_t ct = b & 0x0f;
    p = FieldId(b, p, &last);
    if (TERN_UNLIKELY(p == nullptr)) return nullptr;
    const int16_t id = last;
    const auto k = static_cast<uint32_t>(static_cast<int32_t>(id) - plan.min_id);
    const FieldPlan* f = k < plan.span ? &plan.by_id[k] : nullptr;
    if (TERN_UNLIKELY(f == nullptr || !TypeMatches(ct, f->ctype))) {
      p = Skip(ct, p, /*in_field=*/true);
      if (TERN_UNLIKELY(p == nullptr)) return nullptr;
      continue;
    }
    void* const m = base + f->offset;
    switch (f->op) {
      case kOpBool:
        *static_cast<bool*>(m) = ct == kCTrue;
        break;
      case kOpString:
        p = String(CppType::kString, m, p);
        if (TERN_UNLIKELY(p == nullptr)) return nullptr;
        break;
      case kOpPmrString:
        p = String(CppType::kPmrString, m, p);
        if (TERN_UNLIKELY(p == nullptr)) return nullptr;
        break;
      case kOpI64:
      case kOpI32: {
        uint64_t x;
        p = Varint(p, &x);
        if (TERN_UNLIKELY(p == nullptr)) return nullptr;
        if (f->op == kOpI64) {
          *static_cast<int64_t*>(m) = UnZigZag64(x);
        } else {
          *static_cast<int32_t*>(m) = UnZigZag32(static_cast<uint32_t>(x));
        }
        break;
      }
      case kOpDouble:
        if (TERN_UNLIKELY(end - p < 8)) return Fail(Err::kTruncated);
        std::memcpy(m, p, 8);
        p += 8;
        break;
      case kOpStruct:
        p = Struct(*f->strct, m, p);
        if (TERN_UNLIKELY(p == nullptr)) return nullptr;
        break;
      case kOpOther: {
        void* const v = MutableFieldValue(*f->info, obj);
        if (f->info->type.cpp == CppType::kBool) {
          *static_cast<bool*>(v) = ct == kCTrue;
        } else {
          p = Value(f->info->type, v, p);
          if (TERN_UNLIKELY(p == nullptr)) return nullptr;
        }
        break;
      }
    }
    if (f->mark) MarkFieldRead(*plan.type, *f->info, obj);
    seen |= f->bit;
  }
  if (TERN_UNLIKELY((seen & plan.required) != plan.required)) return Fail(Err::kMissingRequired);
  --ctx.depth;
  return p;
}

const uint8_t* Reader::StructGeneric(const TypeInfo& t, void* obj, const uint8_t* p) {
  if (TERN_UNLIKELY(++ctx.depth > ctx.limits.max_depth)) return Fail(Err::kTooDeep);
  // Required fields seen, by index: a word for the common case, a vector for
  // structs with more than 64 fields.
  uint64_t seen = 0;
  std::vector<bool> seen_big;
  if (t.num_fields > 64) seen_big.resize(t.num_fields);
  uint32_t next = 0;  // fields usually arrive in IDL order
  int16_t last = 0;
  for (;;) {
    if (TERN_UNLIKELY(end - p < 1)) return Fail(Err::kTruncated);
    const uint8_t b = *p++;
    // Apache (and every Thrift library) ends the struct on a stop type
    // nibble whatever the high bits hold.
    if ((b & 0x0f) == kCStop) break;
    const uint8_t ct = b & 0x0f;
    p = FieldId(b, p, &last);
    if (TERN_UNLIKELY(p == nullptr)) return nullptr;
    const int16_t id = last;
    const FieldInfo* f = nullptr;
    for (uint32_t k = 0; k < t.num_fields; ++k) {
      const uint32_t i = next + k < t.num_fields ? next + k : next + k - t.num_fields;
      if (t.fields[i].id == id) {
        f = &t.fields[i];
        next = i + 1;
        break;
      }
    }
    const uint8_t expected = f != nullptr ? ToCType(f->type.ttype) : 0xff;
    if (f == nullptr || !TypeMatches(ct, expected)) {
      p = Skip(ct, p, /*in_field=*/true);
      if (TERN_UNLIKELY(p == nullptr)) return nullptr;
      continue;
    }
    void* m = MutableFieldValue(*f, obj);
    if (f->type.cpp == CppType::kBool) {
      *static_cast<bool*>(m) = ct == kCTrue;
    } else if (f->type.cpp == CppType::kString ||
               f->type.cpp == CppType::kPmrString) {  // the common case, inline
      p = String(f->type.cpp, m, p);
      if (TERN_UNLIKELY(p == nullptr)) return nullptr;
    } else if (f->type.cpp == CppType::kI64 || f->type.cpp == CppType::kI32) {
      uint64_t x;
      p = Varint(p, &x);
      if (TERN_UNLIKELY(p == nullptr)) return nullptr;
      if (f->type.cpp == CppType::kI64) {
        *static_cast<int64_t*>(m) = UnZigZag64(x);
      } else {
        *static_cast<int32_t*>(m) = UnZigZag32(static_cast<uint32_t>(x));
      }
    } else {
      p = Value(f->type, m, p);
      if (TERN_UNLIKELY(p == nullptr)) return nullptr;
    }
    MarkFieldRead(t, *f, obj);
    const auto idx = static_cast<uint32_t>(f - t.fields);
    if (idx < 64) seen |= uint64_t{1} << idx;
    if (!seen_big.empty()) seen_big[idx] = true;
  }
  for (uint32_t i = 0; i < t.num_fields; ++i) {
    if (t.fields[i].req != Requiredness::kRequired) continue;
    const bool was_seen = i < 64 ? (seen & (uint64_t{1} << i)) != 0 : seen_big[i];
    if (!was_seen) return Fail(Err::kMissingRequired);
  }
  --ctx.depth;
  return p;
}

}  // namespace

size_t EncodedSize(const TypeInfo& t, const void* obj) { return StructSize(t, obj); }

uint8_t* Write(const TypeInfo& t, const void* obj, uint8_t* out) {
  ExactSink s{out};
  WriteStruct(t, obj, s);
  return s.p;
}

namespace {

// The bytes the last struct of a type took, by type (a small table indexed
// by a hash of the TypeInfo's address; collisions only cost a worse first
// reservation), so WriteTo's first reservation usually holds the whole
// struct.
constexpr size_t kHints = 256;
std::atomic<uint32_t> size_hints[kHints];

std::atomic<uint32_t>& HintFor(const TypeInfo& t) {
  const auto a = reinterpret_cast<uintptr_t>(&t);
  return size_hints[(a >> 4 ^ a >> 12) % kHints];
}

}  // namespace

size_t SizeHint(const TypeInfo& t) {
  return std::max<size_t>(HintFor(t).load(std::memory_order_relaxed), 64);
}

Status WriteReserved(const TypeInfo& t, const void* obj, LinkBuffer& out, uint8_t* p, size_t room,
                     size_t* written, const Slice* owner) {
  const size_t before = out.UnflushedLen() - room;
  BufferSink s(out, p, room, owner != nullptr && owner->block() != nullptr ? owner : nullptr);
  const bool ok = WriteStruct(t, obj, s);
  s.Finish();
  if (!ok) return s.status();
  const size_t n = out.UnflushedLen() - before;
  // What was copied (references need no room), capped, so one huge struct
  // does not make every later one reserve that much.
  HintFor(t).store(
      static_cast<uint32_t>(std::min<size_t>(n - s.referenced(), BufferSink::kMaxChunk)),
      std::memory_order_relaxed);
  if (written != nullptr) *written = n;
  return Status::OK();
}

Status WriteTo(const TypeInfo& t, const void* obj, LinkBuffer& out, size_t reserve, size_t* written,
               const Slice* owner) {
  size_t got = 0;
  Result<uint8_t*> mem = out.MallocAtLeast(reserve != 0 ? reserve : SizeHint(t), &got);
  if (!mem.ok()) return std::move(mem).status().WithContext("thrift_compact");
  return WriteReserved(t, obj, out, *mem, got, written, owner);
}

Result<size_t> Read(const TypeInfo& t, void* obj, const uint8_t* p, size_t n, ReadContext& ctx) {
  Reader r{p + n, ctx};
  const uint8_t* end = r.Struct(t, obj, p);
  if (end == nullptr) return MakeError(r.err, t.name);
  return static_cast<size_t>(end - p);
}

Status SkipField(uint8_t ctype, const uint8_t* p, size_t n, const Limits& limits, size_t* skipped) {
  ReadContext ctx{limits, 1};
  Reader r{p + n, ctx};
  const uint8_t* end = r.Skip(ctype, p, /*in_field=*/true);
  if (end == nullptr) return MakeError(r.err, "unknown field");
  *skipped = static_cast<size_t>(end - p);
  return Status::OK();
}

}  // namespace tern::compact
