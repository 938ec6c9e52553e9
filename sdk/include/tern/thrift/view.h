// Copy-free views: read a Thrift Binary struct in place, without decoding it
// into a C++ object first.
//
// `tern gen` emits, beside each struct `Foo`, a view class `Foo::View` with
// one accessor per field. Building a view makes one validating pass over the
// struct's bytes (Foo::View::Parse) that records where each field the schema
// knows starts — a fixed-size table of uint32_t offsets inside the view, no
// allocation per field — and skips unknown fields, so a newer peer's bytes
// are fine. A string or a list of fixed-size elements is skipped by its
// length: the pass costs O(fields), not O(bytes). Any malformed or truncated
// input, an over-limit length or count, a container whose element type is
// not the schema's, a missing required field, or nesting past the depth
// limit fails there, with the same Status FastRead would give; afterwards no
// accessor can read outside the bytes.
//
//   Bytes (segments, logically one run of bytes)
//   +-----------+   +------------------+   +--------+
//   | block 0   |-->| block 1          |-->| block 2|      Slices, kept alive
//   +-----------+   +------------------+   +--------+      by the Bytes
//        ^ begin                ^ slot[k]: value of field k        ^ end
//   Foo::View { const Bytes*; begin; end; uint32_t slot[N] }
//
// Accessors: scalars decode on access (absent fields give the IDL default);
// string/binary return a `String` that points into the bytes (contiguous when
// the value lies in one segment; copied only when it straddles segments, and
// only when asked); a nested struct returns its view (indexed when asked for;
// the outer pass has already validated it); list/set return a lazy `List<T>`
// (size, iteration, random access and a bulk `CopyTo` through the selected
// SIMD kernels for fixed-size elements), map a lazy `Map<K, V>`. Optional
// fields say whether they are present (`has_x()`). `ToStruct()` decodes the
// view's bytes into the owning struct.
//
// A field sent more than once reads as its last occurrence, as with FastRead
// — except a struct-typed field, which FastRead (like Apache Thrift) merges
// into one object occurrence by occurrence; a view reads the last one whole.
// Writers never repeat a field; only hand-made input does.
//
// Ownership and lifetime: a `Bytes` owns (references) the Slices it was given,
// or borrows memory the caller keeps alive. Views, Strings, Lists and Maps are
// small values that point at a Bytes: they are valid while that Bytes lives
// and is not moved. A `Bytes` is therefore neither copyable nor movable; hold
// it where the views can see it (ViewHolder below bundles the two).
//
// Thread: a Bytes and the views over it are immutable after construction;
// any number of threads may read them at once.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <iterator>
#include <memory>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

#include "tern/export.h"
#include "tern/kernels.h"
#include "tern/slice.h"
#include "tern/status.h"
#include "tern/thrift/types.h"
#include "tern/thrift/wire.h"
#include "tern/type_info.h"

namespace tern {
class LinkBuffer;
}

namespace tern::view {

// The slot value of a field that is not on the wire. No value can start at
// offset 0 (a field header comes first), so a zeroed table is all absent.
inline constexpr uint32_t kAbsent = 0;

// The largest run of bytes a view can address (offsets are 32-bit).
inline constexpr size_t kMaxViewBytes = 0xFFFFFFFEu;

// The bytes under a view: one or more segments read as one run.
class TERN_EXPORT Bytes {
 public:
  Bytes() = default;
  // Borrows [data, data + size): the caller keeps it alive and unchanged.
  Bytes(const void* data, size_t size);
  // One segment, kept alive by the Slice.
  explicit Bytes(Slice s);
  // Several segments in order (empty ones are dropped), each kept alive.
  explicit Bytes(std::vector<Slice> segments);
  // Takes the next n bytes of `in` by reference, one Slice per block they
  // span (no copy), and consumes them. Fails when `in` holds fewer.
  static Result<std::unique_ptr<Bytes>> Take(LinkBuffer& in, size_t n);
  ~Bytes();
  Bytes(const Bytes&) = delete;
  Bytes& operator=(const Bytes&) = delete;

  // Replaces the bytes (views over the old ones become invalid): borrowed,
  // or one owned segment.
  void Reset(const void* data, size_t size);
  void Reset(Slice s);

  size_t size() const { return size_; }
  size_t segments() const { return segs_.empty() ? (size_ != 0 ? 1 : 0) : segs_.size(); }

  // [off, off + n) as one pointer when the range lies in one segment, else
  // null (also when it is outside the bytes).
  const uint8_t* Contiguous(uint32_t off, uint32_t n) const {
    if (TERN_LIKELY(static_cast<uint64_t>(off) + n <= first_end_)) return first_ + off;
    return ContiguousSlow(off, n);
  }
  // [off, off + n), contiguous: a pointer into the bytes, or `tmp` (n bytes)
  // filled with a copy when the range straddles segments. A range outside the
  // bytes reads as zeros (views never ask for one; this keeps them safe).
  const uint8_t* At(uint32_t off, uint32_t n, uint8_t* tmp) const {
    if (TERN_LIKELY(static_cast<uint64_t>(off) + n <= first_end_)) return first_ + off;
    return AtSlow(off, n, tmp);
  }
  // Copies [off, off + n) into dst (zeros past the end).
  void CopyOut(uint32_t off, uint32_t n, void* dst) const;
  // [off, off + n) as a Slice: shares the block when the range lies in one
  // owned segment, else a copy.
  Slice ToSlice(uint32_t off, uint32_t n) const;
  // [off, off + n) as a Slice sharing its block, when the range lies in one
  // owned segment: true and *out set; false otherwise (nothing copied).
  bool Share(uint32_t off, uint32_t n, Slice* out) const;

  // Big-endian loads at off.
  uint8_t U8(uint32_t off) const {
    uint8_t t[1];
    return *At(off, 1, t);
  }
  int16_t I16(uint32_t off) const {
    uint8_t t[2];
    return wire::LoadI16(At(off, 2, t));
  }
  int32_t I32(uint32_t off) const {
    uint8_t t[4];
    return wire::LoadI32(At(off, 4, t));
  }
  int64_t I64(uint32_t off) const {
    uint8_t t[8];
    return wire::LoadI64(At(off, 8, t));
  }
  double F64(uint32_t off) const {
    uint8_t t[8];
    return wire::LoadDouble(At(off, 8, t));
  }

  // Internal: the segment holding off (segments() > 1 only).
  struct Segment {
    uint32_t begin, end;  // logical offsets
    const uint8_t* data;  // byte `begin`
    size_t owner;         // index into owners_, or SIZE_MAX when borrowed
  };
  const Segment* Find(uint32_t off) const;

 private:
  void Init(std::vector<Slice> segments);
  void InitOne(Slice s);
  const uint8_t* ContiguousSlow(uint32_t off, uint32_t n) const;
  const uint8_t* AtSlow(uint32_t off, uint32_t n, uint8_t* tmp) const;

  const uint8_t* first_ = nullptr;  // the first segment (all of it when there is one)
  uint64_t first_end_ = 0;
  size_t size_ = 0;
  std::vector<Segment> segs_;  // only when there are several segments
  std::vector<Slice> owners_;  // several segments
  Slice one_;                  // or one owned segment
};

// ---- the index pass -----------------------------------------------------------

// Indexes the struct of type `t` starting at `begin`: slots[i] (one per
// t.fields[i]) becomes the offset of that field's value, or kAbsent; *end the
// offset after its stop byte. Validates the whole struct (nested values
// against the schema, unknown fields by their wire types) with ctx's limits
// and depth. On error the slots are unspecified.
TERN_EXPORT Status IndexStruct(const Bytes& b, uint32_t begin, const TypeInfo& t, uint32_t* slots,
                               uint32_t* end, ReadContext& ctx);

// Re-indexes a struct the outer pass already validated (a nested view). Never
// reads outside the bytes; on a failure (only possible if the bytes were not
// validated) every slot is kAbsent and *end is b.size().
TERN_EXPORT void IndexValidated(const Bytes& b, uint32_t begin, const TypeInfo& t, uint32_t* slots,
                                uint32_t* end);

// Limits for re-reading bytes a view already validated (ToStruct, nested
// views): nothing is allocated from their counts beyond what is present.
TERN_EXPORT const Limits& ValidatedLimits();

// The offset after the value of wire type `type` at off (validated bytes).
TERN_EXPORT uint32_t SkipValidated(const Bytes& b, uint32_t off, TType type);

// The common part of every generated view.
struct ViewCore {
  const Bytes* bytes = nullptr;  // null: an empty view (every field absent)
  uint32_t begin = 0;            // first byte of the struct
  uint32_t end = 0;              // after its stop byte
};

// ---- values -------------------------------------------------------------------

// A string or binary value inside the bytes (or, for an absent field, the
// IDL default, in static memory).
class String {
 public:
  String() = default;
  String(const Bytes* b, uint32_t off, uint32_t len)
      : b_(b), p_(b->Contiguous(off, len)), off_(off), len_(len) {}
  static String Literal(std::string_view s) {
    String r;
    r.p_ = reinterpret_cast<const uint8_t*>(s.data());
    r.len_ = static_cast<uint32_t>(s.size());
    return r;
  }

  size_t size() const { return len_; }
  bool empty() const { return len_ == 0; }
  // True when the bytes lie in one segment (view() is then valid).
  bool contiguous() const { return p_ != nullptr || len_ == 0; }
  // The bytes, when contiguous(); an empty view otherwise.
  std::string_view view() const {
    return p_ != nullptr ? std::string_view(reinterpret_cast<const char*>(p_), len_)
                         : std::string_view();
  }
  // The bytes, copied into *scratch only when they straddle segments.
  std::string_view view(std::string* scratch) const {
    if (contiguous()) return view();
    scratch->resize(len_);
    b_->CopyOut(off_, len_, scratch->data());
    return *scratch;
  }
  // A copy.
  std::string str() const {
    std::string s;
    return std::string(view(&s));
  }
  void CopyTo(void* dst) const {
    if (p_ != nullptr) {
      if (len_ != 0) std::memcpy(dst, p_, len_);
    } else if (b_ != nullptr) {
      b_->CopyOut(off_, len_, dst);
    }
  }
  // The bytes as a Slice sharing the received block (no copy) when they lie
  // in one owned segment; a copy otherwise.
  Slice ToSlice() const {
    if (b_ == nullptr) return Slice::Copy(p_, len_);
    return b_->ToSlice(off_, len_);
  }
  bool operator==(std::string_view s) const {
    if (s.size() != len_) return false;
    if (p_ != nullptr) return len_ == 0 || std::memcmp(p_, s.data(), len_) == 0;
    std::string tmp;
    return view(&tmp) == s;
  }

 private:
  const Bytes* b_ = nullptr;
  const uint8_t* p_ = nullptr;
  uint32_t off_ = 0;
  uint32_t len_ = 0;
};

template <class K, class V>
class Map;
template <class T>
class List;

// How containers read an element of type T at an offset of validated bytes:
// Get returns it and sets *next to the offset after it. kFixed is its wire
// size when fixed (0 otherwise).
template <class T, class = void>
struct Elem {
  // Generated views: T::TernAt.
  static constexpr uint32_t kFixed = 0;
  static T Get(const Bytes& b, uint32_t off, uint32_t* next) { return T::TernAt(b, off, next); }
};

template <class T>
struct FixedElem {
  static constexpr uint32_t kFixed = sizeof(T) == 1 ? 1 : sizeof(T);
  static T Get(const Bytes& b, uint32_t off, uint32_t* next) {
    *next = off + kFixed;
    return Load(b, off);
  }
  static T Load(const Bytes& b, uint32_t off) {
    if constexpr (std::is_same_v<T, bool>) {
      return b.U8(off) != 0;
    } else if constexpr (std::is_enum_v<T>) {
      return static_cast<T>(b.I32(off));
    } else if constexpr (std::is_same_v<T, double>) {
      return b.F64(off);
    } else if constexpr (sizeof(T) == 1) {
      return static_cast<T>(b.U8(off));
    } else if constexpr (sizeof(T) == 2) {
      return static_cast<T>(b.I16(off));
    } else if constexpr (sizeof(T) == 4) {
      return static_cast<T>(b.I32(off));
    } else {
      return static_cast<T>(b.I64(off));
    }
  }
};
template <class T>
struct Elem<T, std::enable_if_t<std::is_arithmetic_v<T> || std::is_enum_v<T>>> : FixedElem<T> {};

template <>
struct Elem<String> {
  static constexpr uint32_t kFixed = 0;
  static String Get(const Bytes& b, uint32_t off, uint32_t* next) {
    const uint32_t n = static_cast<uint32_t>(b.I32(off));
    *next = off + 4 + n;
    return String(&b, off + 4, n);
  }
};

template <class T>
struct Elem<List<T>> {
  static constexpr uint32_t kFixed = 0;
  static List<T> Get(const Bytes& b, uint32_t off, uint32_t* next) {
    List<T> l = List<T>::At(b, off);
    *next = l.EndOffset();
    return l;
  }
};

template <class K, class V>
struct Elem<Map<K, V>> {
  static constexpr uint32_t kFixed = 0;
  static Map<K, V> Get(const Bytes& b, uint32_t off, uint32_t* next) {
    Map<K, V> m = Map<K, V>::At(b, off);
    *next = m.EndOffset();
    return m;
  }
};

// A list or set of T over validated bytes: lazy, nothing decoded until read.
// Fixed-size elements have random access and a bulk CopyTo; others iterate.
template <class T>
class List {
 public:
  using value_type = T;
  static constexpr uint32_t kFixed = Elem<T>::kFixed;

  List() = default;
  // The list whose header (element type, count) is at off.
  static List At(const Bytes& b, uint32_t off) {
    List l;
    l.b_ = &b;
    l.first_ = off + 5;
    l.n_ = static_cast<uint32_t>(b.I32(off + 1));
    l.elem_type_ = static_cast<TType>(b.U8(off));
    return l;
  }

  size_t size() const { return n_; }
  bool empty() const { return n_ == 0; }

  class iterator {
   public:
    using iterator_category = std::input_iterator_tag;
    using value_type = T;
    using difference_type = std::ptrdiff_t;
    using pointer = void;
    using reference = T;
    iterator() = default;
    iterator(const Bytes* b, uint32_t off, uint32_t left) : b_(b), off_(off), left_(left) {}
    T operator*() const {
      uint32_t next;
      return Elem<T>::Get(*b_, off_, &next);
    }
    iterator& operator++() {
      if constexpr (kFixed != 0) {
        off_ += kFixed;
      } else {
        Elem<T>::Get(*b_, off_, &off_);
      }
      --left_;
      return *this;
    }
    bool operator==(const iterator& o) const { return left_ == o.left_; }
    bool operator!=(const iterator& o) const { return left_ != o.left_; }

   private:
    const Bytes* b_ = nullptr;
    uint32_t off_ = 0;
    uint32_t left_ = 0;
  };
  iterator begin() const { return iterator(b_, first_, n_); }
  iterator end() const { return iterator(b_, 0, 0); }

  // Element i (fixed-size elements only). Requires i < size().
  T operator[](size_t i) const requires(kFixed != 0) {
    return FixedElem<T>::Load(*b_, first_ + static_cast<uint32_t>(i) * kFixed);
  }

  // Decodes every element into dst (size() elements): one kernel call per
  // segment for i16/i32/i64/double.
  void CopyTo(T* dst) const requires(kFixed != 0) {
    if (n_ == 0) return;
    if constexpr (std::is_same_v<T, int16_t> || std::is_same_v<T, int32_t> ||
                  std::is_same_v<T, int64_t> || std::is_same_v<T, double>) {
      size_t done = 0;
      while (done < n_) {
        const uint32_t off = first_ + static_cast<uint32_t>(done) * kFixed;
        // Elements wholly inside the segment at off go through the kernel.
        size_t run = ContiguousRun(off);
        if (run == 0) {  // one element straddles segments
          dst[done] = FixedElem<T>::Load(*b_, off);
          ++done;
          continue;
        }
        run = std::min(run, n_ - done);
        const uint8_t* p = b_->Contiguous(off, static_cast<uint32_t>(run * kFixed));
        Convert(p, run, dst + done);
        done += run;
      }
    } else if constexpr (sizeof(T) == 1 && !std::is_same_v<T, bool>) {
      b_->CopyOut(first_, n_, dst);
    } else {
      for (size_t i = 0; i < n_; ++i) dst[i] = (*this)[i];
    }
  }
  std::vector<T> ToVector() const {
    std::vector<T> v;
    if constexpr (kFixed != 0 && !std::is_same_v<T, bool>) {
      v.resize(n_);
      CopyTo(v.data());
    } else {
      v.reserve(n_);
      for (auto it = begin(); it != end(); ++it) v.push_back(*it);
    }
    return v;
  }

  // Where the list (header included) lies in WireBytes(); null bytes for
  // an empty default list.
  const Bytes* WireBytes() const { return b_; }
  uint32_t WireOffset() const { return first_ - 5; }
  uint32_t WireSize() const { return EndOffset() - WireOffset(); }

  // The offset after the list (walks variable-size elements).
  uint32_t EndOffset() const {
    if (b_ == nullptr) return 0;
    if constexpr (kFixed != 0) {
      return first_ + n_ * kFixed;
    } else {
      if (n_ == 0) return first_;
      return SkipValidated(*b_, first_ - 5, TType::kList);
    }
  }

 private:
  // How many whole elements start at off inside its segment.
  size_t ContiguousRun(uint32_t off) const {
    if (b_->segments() <= 1) return (b_->size() - off) / kFixed;
    const Bytes::Segment* s = b_->Find(off);
    return s == nullptr ? 0 : (s->end - off) / kFixed;
  }
  static void Convert(const uint8_t* p, size_t n, T* dst) {
    const EncoderKernels& k = Kernels();
    if constexpr (std::is_same_v<T, int16_t>) {
      k.be_to_i16(p, n, dst);
    } else if constexpr (std::is_same_v<T, int32_t>) {
      k.be_to_i32(p, n, dst);
    } else if constexpr (std::is_same_v<T, int64_t>) {
      k.be_to_i64(p, n, dst);
    } else {
      k.be_to_f64(p, n, dst);
    }
  }

  const Bytes* b_ = nullptr;
  uint32_t first_ = 0;
  uint32_t n_ = 0;
  TType elem_type_ = TType::kStop;
};

template <class T>
using Set = List<T>;

// A map over validated bytes: iteration yields (key, value) pairs in wire
// order (a repeated key appears as often as it was sent; FastRead keeps the
// last).
template <class K, class V>
class Map {
 public:
  Map() = default;
  static Map At(const Bytes& b, uint32_t off) {
    Map m;
    m.b_ = &b;
    m.first_ = off + 6;
    m.n_ = static_cast<uint32_t>(b.I32(off + 2));
    return m;
  }
  size_t size() const { return n_; }
  bool empty() const { return n_ == 0; }

  class iterator {
   public:
    using iterator_category = std::input_iterator_tag;
    using value_type = std::pair<K, V>;
    using difference_type = std::ptrdiff_t;
    using pointer = void;
    using reference = value_type;
    iterator() = default;
    iterator(const Bytes* b, uint32_t off, uint32_t left) : b_(b), off_(off), left_(left) {}
    value_type operator*() const {
      uint32_t mid, next;
      K k = Elem<K>::Get(*b_, off_, &mid);
      V v = Elem<V>::Get(*b_, mid, &next);
      return {std::move(k), std::move(v)};
    }
    iterator& operator++() {
      uint32_t mid;
      Elem<K>::Get(*b_, off_, &mid);
      Elem<V>::Get(*b_, mid, &off_);
      --left_;
      return *this;
    }
    bool operator==(const iterator& o) const { return left_ == o.left_; }
    bool operator!=(const iterator& o) const { return left_ != o.left_; }

   private:
    const Bytes* b_ = nullptr;
    uint32_t off_ = 0;
    uint32_t left_ = 0;
  };
  iterator begin() const { return iterator(b_, first_, n_); }
  iterator end() const { return iterator(b_, 0, 0); }

  const Bytes* WireBytes() const { return b_; }
  uint32_t WireOffset() const { return first_ - 6; }
  uint32_t WireSize() const { return EndOffset() - WireOffset(); }

  uint32_t EndOffset() const {
    if (b_ == nullptr) return 0;
    if (n_ == 0) return first_;
    return SkipValidated(*b_, first_ - 6, TType::kMap);
  }

 private:
  const Bytes* b_ = nullptr;
  uint32_t first_ = 0;
  uint32_t n_ = 0;
};

// ---- helpers for generated views ----------------------------------------------

// Parses the struct of type `t` at offset `begin` of `b` into core/slots.
inline Status ParseInto(const Bytes& b, uint32_t begin, const TypeInfo& t, ViewCore* core,
                        uint32_t* slots, ReadContext& ctx) {
  core->bytes = &b;
  core->begin = begin;
  return IndexStruct(b, begin, t, slots, &core->end, ctx);
}

// Decodes the view's bytes into obj with FastRead (through t.fast_read).
TERN_EXPORT Status DecodeStruct(const ViewCore& core, const TypeInfo& t, void* obj,
                                ReadContext& ctx);

// The view of a default-constructed T (its IDL defaults), encoded and
// indexed once and kept for the life of the process: what an absent field
// whose IDL default is a struct or a container reads.
template <class V, class T>
const V& DefaultOf() {
  // One object holds the bytes, the Bytes over them and the view, so all of
  // it stays reachable (never freed: it lives as long as the process).
  struct Holder {
    std::string wire;
    Bytes bytes;
    V view;
  };
  static const Holder* const kHolder = [] {
    const T value{};
    auto* h = new Holder;
    h->wire.assign(value.BLength(), '\0');
    value.FastWrite(reinterpret_cast<uint8_t*>(h->wire.data()));
    h->bytes.Reset(h->wire.data(), h->wire.size());
    auto v = V::Parse(h->bytes);
    if (v.ok()) h->view = *v;
    return h;
  }();
  return kHolder->view;
}

// A view together with the Bytes it reads, for a view that must outlive the
// scope that received the bytes:
//   auto h = ViewHolder<Foo::View>::Parse(std::move(slice));
//   if (h.ok()) use((*h)->field());
template <class V>
class ViewHolder {
 public:
  static Result<ViewHolder> Parse(std::unique_ptr<Bytes> b, ReadContext& ctx) {
    ViewHolder h;
    h.bytes_ = std::move(b);
    auto v = V::Parse(*h.bytes_, ctx);
    if (!v.ok()) return v.status();
    h.view_ = *v;
    return h;
  }
  static Result<ViewHolder> Parse(Slice s) {
    ReadContext ctx{DefaultLimits()};
    return Parse(std::make_unique<Bytes>(std::move(s)), ctx);
  }
  const V& operator*() const { return view_; }
  const V* operator->() const { return &view_; }
  const Bytes& bytes() const { return *bytes_; }

 private:
  std::unique_ptr<Bytes> bytes_;
  V view_;
};

}  // namespace tern::view
