// Copy-free builders: a Thrift Binary struct built (or edited) as a chain of
// byte pieces, emitted without re-encoding what did not change.
//
// `tern gen` emits, beside each struct `Foo` and its view, a `Foo::Builder`
// with one typed setter per field; each wraps the StructBuilder below, which
// holds the struct's encoded fields (header + value) as an ordered list of
// pieces:
//
//   pieces:  [ own 0..57 ][ src 120..4000 ][ ref: 1 MB Slice ][ own 57..63 ]
//                 |              |                 |
//   own_  (bytes the builder wrote)   src: the view's bytes   a Slice attached
//                                     (received, kept as is)  by reference
//
// - A fresh builder appends each field it is given to its own bytes, so a
//   struct set field by field is one contiguous run (the common case costs a
//   serialization, nothing more).
// - A builder made from a view starts as one `src` piece: the received bytes
//   of every field. Setting a field splits that piece around the field's old
//   bytes and puts the new field in their place (one node of the chain
//   replaced; every other byte as received, in the received order). A field
//   the view did not have is added at the end.
// - Setting a fixed-size field the builder wrote itself overwrites it in
//   place; setting a variable-size one cuts its old bytes out and links the
//   new ones where they were.
// - Large strings/binaries can be attached by reference (`SetSlice`): the
//   Slice's block is linked into the output, never copied.
//
// Emitting (`WriteTo`) appends the pieces and the stop byte to a LinkBuffer:
// own bytes and short pieces are copied, pieces of at least kRefBytes are
// appended by reference (the Slice keeps them alive until written). The
// output is exactly valid Thrift Binary, readable by any Thrift peer: fields
// appear once each (possibly not in IDL order, which Thrift allows).
//
// What is not checked when setting: nothing — every setter takes a value of
// the field's own type, so the bytes are valid by construction. `WriteTo` and
// `CopyTo` refuse (INVALID_ARGUMENT) a struct whose required field was never
// set; unset default and optional fields are absent on the wire (a reader
// gets their IDL defaults).
//
// Ownership: a builder owns its bytes and holds references on attached
// Slices. A builder made from a view points at the view's Bytes, which must
// outlive it (ViewHolder keeps them together). Copying a builder copies its
// own bytes and shares the rest.
//
// Thread: a builder is a plain value: one thread at a time; const methods
// may run concurrently.
#pragma once

#include <algorithm>
#include <atomic>
#include <bit>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <memory>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

#include "tern/buffer.h"
#include "tern/export.h"
#include "tern/slice.h"
#include "tern/status.h"
#include "tern/thrift/view.h"
#include "tern/thrift/wire.h"
#include "tern/type_info.h"

namespace tern::view {

namespace detail {

// A vector of trivially copyable T that keeps its first N elements inline
// (a builder's pieces and field locations fit there almost always, so a
// builder costs no allocation for them).
template <class T, size_t N>
class PodVec {
  static_assert(std::is_trivially_copyable_v<T>);

 public:
  PodVec() = default;
  explicit PodVec(size_t n) { resize(n); }
  ~PodVec() {
    if (data_ != inline_) delete[] data_;
  }
  PodVec(const PodVec& o) { *this = o; }
  PodVec& operator=(const PodVec& o) {
    if (this == &o) return *this;
    size_ = 0;
    reserve(o.size_);
    std::memcpy(data_, o.data_, o.size_ * sizeof(T));
    size_ = o.size_;
    return *this;
  }
  PodVec(PodVec&& o) noexcept { *this = std::move(o); }
  PodVec& operator=(PodVec&& o) noexcept {
    if (this == &o) return *this;
    if (data_ != inline_) delete[] data_;
    if (o.data_ != o.inline_) {
      data_ = std::exchange(o.data_, o.inline_);
      cap_ = o.cap_;
    } else {
      data_ = inline_;
      cap_ = N;
      std::memcpy(inline_, o.inline_, o.size_ * sizeof(T));
    }
    size_ = o.size_;
    o.size_ = 0;
    o.cap_ = N;
    return *this;
  }

  // (A pointer to the inline array or the heap, not a branch per access.)
  T* data() { return data_; }
  const T* data() const { return data_; }
  size_t size() const { return size_; }
  size_t capacity() const { return cap_; }
  T* begin() { return data_; }
  T* end() { return data_ + size_; }
  const T* begin() const { return data_; }
  const T* end() const { return data_ + size_; }
  T& operator[](size_t i) { return data_[i]; }
  const T& operator[](size_t i) const { return data_[i]; }
  T& back() { return data_[size_ - 1]; }

  void reserve(size_t n) {
    if (n <= cap_) return;
    const size_t cap = std::max(n, 2 * cap_);
    T* fresh = new T[cap];
    std::memcpy(fresh, data_, size_ * sizeof(T));
    if (data_ != inline_) delete[] data_;
    data_ = fresh;
    cap_ = cap;
  }
  void resize(size_t n) {
    reserve(n);
    if (n > size_) {
      if constexpr (std::is_trivially_default_constructible_v<T>) {
        // Value-initialised: all zero bits (one memset, not a store per member).
        std::memset(static_cast<void*>(data_ + size_), 0, (n - size_) * sizeof(T));
      } else {
        for (size_t i = size_; i < n; ++i) data_[i] = T();
      }
    }
    size_ = n;
  }
  // Grows to n without initialising the new elements (n >= size()).
  void resize_uninit(size_t n) {
    reserve(n);
    size_ = n;
  }
  void push_back(const T& v) {
    reserve(size_ + 1);
    data_[size_++] = v;
  }
  T* insert(T* pos, const T& v) {
    const size_t i = static_cast<size_t>(pos - data_);
    reserve(size_ + 1);
    std::memmove(data_ + i + 1, data_ + i, (size_ - i) * sizeof(T));
    data_[i] = v;
    ++size_;
    return data_ + i;
  }
  T* erase(T* first, T* last) {
    const size_t i = static_cast<size_t>(first - data_);
    const size_t n = static_cast<size_t>(last - first);
    std::memmove(data_ + i, data_ + i + n, (size_ - i - n) * sizeof(T));
    size_ -= n;
    return data_ + i;
  }
  T* erase(T* pos) { return erase(pos, pos + 1); }

 private:
  T* data_ = inline_;
  size_t size_ = 0;
  size_t cap_ = N;
  T inline_[N];
};

// A builder's own bytes: a block of the BlockPool, or heap memory past the
// pool's largest class. Move-only. Each thread keeps the block (up to 64 KB)
// of the builder it destroyed last for its next one, so a builder per
// request takes nothing from the pool; the block is freed at thread exit.
class TERN_EXPORT OwnBytes {
 public:
  OwnBytes() = default;
  // At least `capacity` bytes, not initialised.
  static OwnBytes Allocate(size_t capacity);
  ~OwnBytes();
  OwnBytes(OwnBytes&& o) noexcept
      : block_(std::exchange(o.block_, nullptr)), data_(std::exchange(o.data_, nullptr)) {}
  OwnBytes& operator=(OwnBytes&& o) noexcept;
  OwnBytes(const OwnBytes&) = delete;
  OwnBytes& operator=(const OwnBytes&) = delete;
  uint8_t* get() const { return data_; }

 private:
  ::tern::detail::Block* block_ = nullptr;  // null: data_ is from new[]
  uint8_t* data_ = nullptr;
};

}  // namespace detail

// The bits SetFixed takes for a value of a fixed-size field type.
template <class T>
constexpr uint64_t FixedBits(T v) {
  if constexpr (std::is_same_v<T, bool>) {
    return v ? 1 : 0;
  } else if constexpr (std::is_enum_v<T>) {
    return static_cast<uint32_t>(static_cast<int32_t>(v));
  } else if constexpr (std::is_same_v<T, double>) {
    return std::bit_cast<uint64_t>(v);
  } else {
    return static_cast<uint64_t>(static_cast<std::make_unsigned_t<T>>(v));
  }
}

class StructBuilder;
// (Declared here: StructBuilder names them friends.)
TERN_EXPORT const TypeInfo& BuiltStructType();
TERN_EXPORT const TypeInfo& BuiltSuccessType();

class TERN_EXPORT StructBuilder {
 public:
  // Pieces (and attached Slices) at least this large are linked into the
  // output by reference; smaller ones are copied (a node costs more than a
  // copy of a few KB).
  static constexpr uint32_t kRefBytes = 4096;

  // An empty struct of type t (no field set). `size_hint`, when given, is a
  // per-type estimate of the bytes a builder writes itself (the generated
  // Builder keeps one per struct type): the first allocation takes that
  // much, and a builder that wrote more raises it when destroyed.
  // `required`, when given, is RequiredMask(t), which generated code knows
  // at compile time (saves a walk of the fields per builder).
  explicit StructBuilder(const TypeInfo& t, std::atomic<uint32_t>* size_hint = nullptr,
                         uint64_t required = kScanRequired);
  // Every field of the view's struct, as received. `slots` is the view's
  // index (one entry per t.fields). An empty view (no bytes) gives an empty
  // builder.
  StructBuilder(const TypeInfo& t, const ViewCore& v, const uint32_t* slots,
                uint64_t required = kScanRequired);

  // Bit i set: field i of a struct (not a union) is required. kScanRequired
  // when a required field's index is 64 or more (then the fields are walked
  // when a builder is emitted).
  static constexpr uint64_t kScanRequired = ~uint64_t{0};
  static uint64_t RequiredMask(const TypeInfo& t);
  ~StructBuilder();
  StructBuilder(const StructBuilder& o);
  StructBuilder& operator=(const StructBuilder& o);
  StructBuilder(StructBuilder&& o) noexcept;
  StructBuilder& operator=(StructBuilder&& o) noexcept;

  const TypeInfo& type() const { return *type_; }
  bool has(uint32_t field) const { return loc_[field].len != 0; }

  // Setters take the index of the field in type().fields. A union keeps only
  // the field set last.
  // A bool/byte/i16/i32/i64/double/enum field: `bits` holds the value (the
  // low bytes for narrower types; a double's bit pattern).
  void SetFixed(uint32_t field, uint64_t bits);
  // A string/binary field, copied.
  void SetString(uint32_t field, std::string_view s) {
    // The common case of a fresh builder, inline: a short value appended to
    // the run of own bytes at the tail.
    if (s.size() < kRefBytes) {
      const FieldInfo& f = type_->fields[field];
      if (uint8_t* p = AppendFast(field, wire::kFieldHeader + 4 + s.size())) {
        wire::PutBinary(wire::PutFieldBegin(p, f.type.ttype, f.id), s.data(), s.size());
        return;
      }
    }
    SetStringSlow(field, s);
  }
  // A string/binary field by reference when s.size() >= kRefBytes (the
  // Slice is kept until the bytes are written), copied otherwise.
  void SetSlice(uint32_t field, Slice s);
  // A struct or container field encoded from its C++ value (`value` points
  // at an object of the field's C++ type).
  void SetValue(uint32_t field, const void* value);
  // A string/binary field from a view's string: shares the received block
  // when large and in one owned segment, else copies.
  void SetString(uint32_t field, const String& s) {
    if (s.size() >= kRefBytes) return SetSlice(field, s.ToSlice());
    std::string scratch;
    SetString(field, s.view(&scratch));
  }
  // A struct field from a nested builder of the field's type: its pieces are
  // spliced in (own bytes copied, references shared). A nested builder with
  // an error or a missing required field makes this one fail to emit.
  void SetStruct(uint32_t field, const StructBuilder& nested);
  // A field of any type from its value's bytes in validated view bytes
  // (e.g. another view's field, forwarded as received): [off, off + len)
  // of b, which must outlive the builder. Linked by reference when large and
  // in one owned segment, else copied.
  void SetEncoded(uint32_t field, const Bytes& b, uint32_t off, uint32_t len);
  // For generated setters: replaces the field with a value of exactly n
  // encoded bytes (header excluded) that the caller writes at the returned
  // address before any other call on this builder. Null when the value
  // cannot be set (larger than a Thrift message; status() says why).
  uint8_t* BeginValue(uint32_t field, size_t n);
  void Clear(uint32_t field);

  // Encoded size, stop byte included.
  size_t size() const { return size_ + 1; }
  // OK when WriteTo/CopyTo can emit: no setter failed and every required
  // field is set; else the INVALID_ARGUMENT they would return.
  Status Emittable() const {
    if (TERN_LIKELY(error_.ok() && MissingRequired() < 0)) return Status::OK();
    return NotEmittable();
  }
  // True when emitting links pieces by reference (attached Slices, large
  // received runs) rather than copying everything.
  bool shares() const { return !refs_.empty() || (src_ != nullptr && SharesSrc()); }
  // The first error of a setter (a value too large to encode), or OK.
  const Status& status() const { return error_; }
  // The first required field that is not set, or -1.
  int MissingRequired() const {
    if (TERN_UNLIKELY(required_ == kScanRequired)) return ScanRequired();
    for (uint64_t m = required_; m != 0; m &= m - 1) {
      const int i = std::countr_zero(m);
      if (loc_[static_cast<uint32_t>(i)].len == 0) return i;
    }
    return -1;
  }
  // Appends the struct (fields and stop byte) to out. Does not Flush.
  Status WriteTo(LinkBuffer& out) const;
  // Writes exactly size() bytes at out.
  Status CopyTo(uint8_t* out) const;
  std::string ToString() const;

  // Every own byte, piece and reference; for tests and benchmarks.
  size_t pieces() const { return pieces_.size(); }
  size_t references() const;
  size_t own_bytes() const { return own_size_; }

 private:
  enum Kind : uint8_t { kOwn, kSrc, kRef };
  struct Piece {
    Kind kind;
    // The field whose bytes these are (a field spread over several pieces:
    // attached by reference, a spliced nested builder); -1 for a run of
    // whole fields in own_ or *src_, each located by its Loc.
    int32_t field;
    uint32_t off;  // kOwn: into own_; kSrc: into *src_; kRef: unused
    uint32_t len;
    uint32_t ref;  // kRef: index into refs_
  };
  // Where a field's header + value lie. in_run: [off, off + len) of own_
  // (run_kind kOwn) or *src_ (kSrc), inside a run piece; otherwise the
  // field's own tagged pieces.
  // (No member initialisers: PodVec value-initialises what it uses, and its
  // inline array is left alone.)
  struct Loc {
    bool in_run;
    Kind run_kind;
    uint32_t off;
    uint32_t len;  // 0: not set
  };

  // Removes the field's bytes; returns the piece index where they were (so a
  // replacement goes in the same place), or pieces_.size() when it was not
  // set.
  size_t Cut(uint32_t field);
  // Cuts the field (and, in a union, every other field), for a new value.
  size_t PrepareSet(uint32_t field);
  // Appends n bytes to own_ at piece index `at`: as a tagged piece of
  // `field`, or (field < 0) in a run. Returns where to write them (valid
  // until own_ grows again), or null when own_ would pass 4 GiB.
  uint8_t* Grow(int32_t field, size_t n, size_t* at);
  // A whole field of n bytes in a run at `at`; records its Loc.
  uint8_t* GrowField(uint32_t field, size_t n, size_t* at);
  // The common case of a fresh builder: the field is not set (not a union);
  // its n bytes go at the end of the own run (own_ grows if needed). Null
  // when the general path must run.
  uint8_t* AppendField(uint32_t field, size_t n);
  // AppendField's case that needs no call: the field is not set, the
  // struct is not a union, own_ has room and the tail piece is the own run
  // ending where the bytes go (or there is no piece yet). Null otherwise.
  uint8_t* AppendFast(uint32_t field, size_t n) {
    Loc& l = loc_[field];
    const uint32_t off = own_size_;
    if (l.len != 0 || union_ || n > own_cap_ - off) return nullptr;
    const auto len = static_cast<uint32_t>(n);
    if (pieces_.size() != 0) {
      Piece& last = pieces_.back();
      if (last.kind != kOwn || last.field != -1 || last.off + last.len != off) return nullptr;
      last.len += len;
    } else {
      pieces_.push_back(Piece{kOwn, -1, off, len, 0});
    }
    own_size_ = off + len;
    size_ += len;
    l.in_run = true;
    l.run_kind = kOwn;
    l.off = off;
    l.len = len;
    return own_.get() + off;
  }
  void SetStringSlow(uint32_t field, std::string_view s);
  // A src piece large enough to go out by reference.
  bool SharesSrc() const;
  // MissingRequired by a walk of the fields.
  int ScanRequired() const;
  Status NotEmittable() const;
  // Its fast_write copies the pieces without checking again: whoever made
  // the BodyRef checked Emittable().
  friend const TypeInfo& BuiltStructType();
  friend const TypeInfo& BuiltSuccessType();
  bool Reserve(size_t more);
  // Every piece and the stop byte: size() bytes at out.
  void CopyPieces(uint8_t* out) const;
  void InsertPiece(size_t* at, Kind kind, int32_t field, uint32_t off, uint32_t len, uint32_t ref);
  void Fail(Status s);
  void MaybeCompact();

  const TypeInfo* type_;
  bool union_;         // type_->kind == kUnion
  uint64_t required_;  // RequiredMask(*type_), or kScanRequired
  const Bytes* src_ = nullptr;
  std::atomic<uint32_t>* size_hint_ = nullptr;
  uint32_t own_size_ = 0;
  uint32_t own_cap_ = 0;    // (before own_: the constructor sizes own_ by it)
  detail::OwnBytes own_;    // bytes the builder wrote (not zero-filled)
  size_t own_garbage_ = 0;  // own_ bytes no piece refers to any more
  detail::PodVec<Piece, 4> pieces_;
  std::vector<Slice> refs_;
  detail::PodVec<Loc, 16> loc_;
  size_t size_ = 0;  // sum of the pieces (no stop byte)
  Status error_;     // the first setter that could not encode its value
};

// A TypeInfo through which a codec's Encode emits a StructBuilder as a
// message body (BodyRef.obj = the builder, which must be Emittable()):
// blength = size(), fast_write copies every piece, write_ref links the
// by-reference pieces (use &BuiltStructKeepAlive() as the BodyRef's
// keep-alive to select it; the pieces hold their own blocks). It has no
// field table: only Binary codecs that call the fast functions
// (thrift_fast, thrift_copyfree) can emit it.
TERN_EXPORT const TypeInfo& BuiltStructType();
TERN_EXPORT const Slice& BuiltStructKeepAlive();
// The same for a `<Method>_result` whose only field is `success` (id 0), a
// struct given as a builder (BodyRef.obj = that builder, Emittable()): the
// field header and the result's stop byte are written around the
// builder's bytes, so a handler's built value is not first copied into a
// result builder. Keep-alive as for BuiltStructType.
TERN_EXPORT const TypeInfo& BuiltSuccessType();

}  // namespace tern::view
