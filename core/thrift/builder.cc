// Copy-free builders (tern/thrift/builder.h): a struct's fields as a chain of
// own, received and attached pieces.
#include "tern/thrift/builder.h"

#include <algorithm>
#include <cstring>
#include <limits>

#include "core/buffer/block_pool.h"
#include "tern/thrift/generic.h"
#include "tern/thrift/wire.h"
#include "tern/writer.h"

namespace tern::view {

namespace {

constexpr size_t kMaxI32 = static_cast<size_t>(std::numeric_limits<int32_t>::max());
// own_ is addressed with 32-bit offsets.
constexpr size_t kMaxOwn = 0xFFFFFFF0u;

}  // namespace

namespace detail {

namespace {

// The own bytes of the last builder this thread destroyed, kept for the
// next one: a builder per request (build, emit, destroy) then takes no
// block from the pool and gives none back, which costs more than the rest
// of building a small message. One block of at most kMaxSpare bytes per
// thread; a block anything else still references is not kept (own bytes
// are copied out, never linked, so that is a guard, not a case). Plain
// data, reached with one TLS load (as the pool's own cache: libtern_core
// is loaded with the program); the first block kept arms the reaper that
// frees it at thread exit.
constexpr size_t kMaxSpare = 64 * 1024;
struct SpareOwn {
  ::tern::detail::Block* block = nullptr;
  bool armed = false;
  bool retired = false;  // the thread is exiting: keep nothing
};
constinit __attribute__((tls_model("initial-exec"))) thread_local SpareOwn tls_spare;

struct SpareReaper {
  bool armed = false;
  ~SpareReaper() {
    if (!armed) return;
    SpareOwn& s = tls_spare;
    s.retired = true;
    if (s.block != nullptr) ::tern::detail::Unref(std::exchange(s.block, nullptr));
  }
};
thread_local SpareReaper tls_spare_reaper;

}  // namespace

OwnBytes OwnBytes::Allocate(size_t capacity) {
  OwnBytes b;
  SpareOwn& spare = tls_spare;
  if (spare.block != nullptr && spare.block->capacity >= capacity) {
    b.block_ = std::exchange(spare.block, nullptr);  // its reference is ours now
  } else if (capacity <= BlockPool::kMaxBlock) {
    b.block_ = BlockPool::Global().Allocate(capacity);
  }
  if (b.block_ != nullptr) {
    b.data_ = b.block_->data;
  } else {
    b.data_ = new uint8_t[capacity];
  }
  return b;
}

OwnBytes::~OwnBytes() {
  if (block_ == nullptr) {
    delete[] data_;
    return;
  }
  // The only reference (no output shares the bytes): no other thread can
  // touch the count, so the block can wait for this thread's next builder.
  // Of this block and the one kept, the larger stays (a builder's first
  // blocks are small, before its type's size hint has grown).
  SpareOwn& spare = tls_spare;
  ::tern::detail::Block* drop = block_;
  if (!spare.retired && block_->capacity <= kMaxSpare &&
      (spare.block == nullptr || spare.block->capacity < block_->capacity) &&
      block_->refs.load(std::memory_order_acquire) == 1) {
    if (TERN_UNLIKELY(!spare.armed)) {
      spare.armed = true;
      tls_spare_reaper.armed = true;
    }
    drop = std::exchange(spare.block, block_);
    if (drop == nullptr) return;
  }
  ::tern::detail::Unref(drop);
}

OwnBytes& OwnBytes::operator=(OwnBytes&& o) noexcept {
  if (this != &o) {
    OwnBytes old(std::move(*this));
    block_ = std::exchange(o.block_, nullptr);
    data_ = std::exchange(o.data_, nullptr);
  }
  return *this;
}

}  // namespace detail

uint64_t StructBuilder::RequiredMask(const TypeInfo& t) {
  if (t.kind == StructKind::kUnion) return 0;
  uint64_t m = 0;
  for (uint32_t i = 0; i < t.num_fields; ++i) {
    if (t.fields[i].req != Requiredness::kRequired) continue;
    if (i >= 64) return kScanRequired;
    m |= uint64_t{1} << i;
  }
  return m;
}

namespace {

// What a builder with this size hint allocates at construction (0: none).
uint32_t InitialOwn(const std::atomic<uint32_t>* size_hint) {
  return size_hint != nullptr ? size_hint->load(std::memory_order_relaxed) : 0;
}

// Zeroes n bytes (a multiple of 4). glibc's memset of less than 64 bytes
// may use AVX-512 masked stores, which cannot forward to later loads of the
// same bytes: each builder's first setter, reading its field's location,
// waited for the constructor's memset to retire. Plain word stores forward.
// (The empty asm keeps the compiler from turning the loop into memset.)
void ZeroLocations(void* at, size_t n) {
  if (n >= 64) {
    std::memset(at, 0, n);
    return;
  }
  auto* p = static_cast<uint8_t*>(at);
  size_t i = 0;
  for (; i + 8 <= n; i += 8) {
    const uint64_t z = 0;
    std::memcpy(p + i, &z, 8);
    asm("" : : "r"(p) : "memory");
  }
  if (i < n) {
    const uint32_t z = 0;
    std::memcpy(p + i, &z, 4);
  }
}

}  // namespace

// A fresh builder with a size hint takes its own bytes now, so that the
// setters of a struct built field by field all take the inline path.
StructBuilder::StructBuilder(const TypeInfo& t, std::atomic<uint32_t>* size_hint, uint64_t required)
    : type_(&t),
      union_(t.kind == StructKind::kUnion),
      required_(required == kScanRequired ? RequiredMask(t) : required),
      size_hint_(size_hint),
      own_cap_(InitialOwn(size_hint)),
      own_(own_cap_ != 0 ? detail::OwnBytes::Allocate(own_cap_) : detail::OwnBytes()) {
  static_assert(sizeof(Loc) % 4 == 0);
  loc_.resize_uninit(t.num_fields);
  ZeroLocations(loc_.data(), t.num_fields * sizeof(Loc));
}

StructBuilder::StructBuilder(const TypeInfo& t, const ViewCore& v, const uint32_t* slots,
                             uint64_t required)
    : StructBuilder(t, nullptr, required) {
  if (v.bytes == nullptr || v.end <= v.begin) return;
  src_ = v.bytes;
  // Every received field but the stop byte.
  const uint32_t body = v.end - v.begin - 1;
  if (body != 0) {
    pieces_.push_back({kSrc, -1, v.begin, body, 0});
    size_ = body;
  }
  for (uint32_t i = 0; i < t.num_fields; ++i) {
    const uint32_t s = slots[i];
    if (s == kAbsent) continue;
    const TType tt = t.fields[i].type.ttype;
    const size_t fixed = FixedWireSize(tt);
    const uint32_t end =
        fixed != 0 ? s + static_cast<uint32_t>(fixed) : SkipValidated(*src_, s, tt);
    loc_[i] = {true, kSrc, s - static_cast<uint32_t>(wire::kFieldHeader),
               end - s + static_cast<uint32_t>(wire::kFieldHeader)};
  }
}

StructBuilder::~StructBuilder() {
  if (size_hint_ != nullptr && own_size_ > size_hint_->load(std::memory_order_relaxed)) {
    // Capped, so one huge message does not make every later builder
    // allocate that much.
    size_hint_->store(std::min<uint32_t>(own_size_, 64 * 1024), std::memory_order_relaxed);
  }
}

StructBuilder::StructBuilder(const StructBuilder& o)
    : type_(o.type_),
      union_(o.union_),
      required_(o.required_),
      src_(o.src_),
      size_hint_(o.size_hint_),
      own_size_(o.own_size_),
      own_cap_(o.own_size_),
      own_garbage_(o.own_garbage_),
      pieces_(o.pieces_),
      refs_(o.refs_),
      loc_(o.loc_),
      size_(o.size_),
      error_(o.error_) {
  if (own_size_ != 0) {
    own_ = detail::OwnBytes::Allocate(own_size_);
    std::memcpy(own_.get(), o.own_.get(), own_size_);
  }
}

StructBuilder& StructBuilder::operator=(const StructBuilder& o) {
  if (this != &o) *this = StructBuilder(o);
  return *this;
}

StructBuilder::StructBuilder(StructBuilder&& o) noexcept = default;
StructBuilder& StructBuilder::operator=(StructBuilder&& o) noexcept = default;

void StructBuilder::Fail(Status s) {
  if (error_.ok()) error_ = std::move(s);
}

size_t StructBuilder::references() const {
  size_t n = 0;
  for (const Piece& p : pieces_) n += p.kind == kRef;
  return n;
}

// (Scalars, not a Piece: a Piece built field by field in the caller and
// loaded here whole stalls store forwarding.)
void StructBuilder::InsertPiece(size_t* at, Kind kind, int32_t field, uint32_t off, uint32_t len,
                                uint32_t ref) {
  size_ += len;
  // Own bytes that continue the piece before them (the same field, or both
  // runs) and are adjacent in own_ extend it instead of adding a node.
  if (kind == kOwn && *at > 0) {
    Piece& prev = pieces_[*at - 1];
    if (prev.kind == kOwn && prev.field == field && prev.off + prev.len == off) {
      prev.len += len;
      return;
    }
  }
  Piece* p;
  if (*at == pieces_.size()) {
    pieces_.reserve(pieces_.size() + 1);  // the common case: appending
    p = pieces_.end();
    pieces_.resize_uninit(pieces_.size() + 1);
  } else {
    p = pieces_.insert(pieces_.begin() + *at, Piece{});
  }
  p->kind = kind;
  p->field = field;
  p->off = off;
  p->len = len;
  p->ref = ref;
  ++*at;
}

size_t StructBuilder::Cut(uint32_t field) {
  Loc& l = loc_[field];
  if (l.len == 0) return pieces_.size();
  size_t at = pieces_.size();
  if (l.in_run) {
    // Split the run around the field's bytes.
    for (size_t i = 0; i < pieces_.size(); ++i) {
      Piece& p = pieces_[i];
      if (p.kind != l.run_kind || p.field != -1 || l.off < p.off || l.off + l.len > p.off + p.len) {
        continue;
      }
      const Piece before{p.kind, -1, p.off, l.off - p.off, 0};
      const Piece after{p.kind, -1, l.off + l.len, p.off + p.len - (l.off + l.len), 0};
      if (p.kind == kOwn) own_garbage_ += l.len;
      pieces_.erase(pieces_.begin() + i);
      at = i;
      if (after.len != 0) pieces_.insert(pieces_.begin() + i, after);
      if (before.len != 0) {
        pieces_.insert(pieces_.begin() + i, before);
        ++at;
      }
      break;
    }
  } else {
    // The field's own pieces are consecutive.
    size_t first = 0;
    while (first < pieces_.size() && pieces_[first].field != static_cast<int32_t>(field)) ++first;
    size_t last = first;
    while (last < pieces_.size() && pieces_[last].field == static_cast<int32_t>(field)) {
      const Piece& p = pieces_[last];
      if (p.kind == kOwn) own_garbage_ += p.len;
      if (p.kind == kRef) refs_[p.ref] = Slice();
      ++last;
    }
    pieces_.erase(pieces_.begin() + first, pieces_.begin() + last);
    at = first;
  }
  size_ -= l.len;
  l = Loc{};
  return at;
}

size_t StructBuilder::PrepareSet(uint32_t field) {
  if (type_->kind == StructKind::kUnion) {
    for (uint32_t i = 0; i < type_->num_fields; ++i) {
      if (i != field) Cut(i);
    }
  }
  const size_t at = Cut(field);
  MaybeCompact();  // before the caller takes own_ offsets
  return at;
}

bool StructBuilder::Reserve(size_t more) {
  const size_t need = static_cast<size_t>(own_size_) + more;
  if (TERN_UNLIKELY(need > kMaxOwn)) {
    Fail(ResourceExhausted(std::string("builder: ") + type_->name + " larger than 4 GiB"));
    return false;
  }
  if (need <= own_cap_) return true;
  size_t cap = std::max<size_t>(need, 2 * static_cast<size_t>(own_cap_));
  if (own_cap_ == 0) {
    const uint32_t hint = size_hint_ != nullptr ? size_hint_->load(std::memory_order_relaxed) : 0;
    cap = std::max<size_t>({need, hint, 64});
  }
  cap = std::min(cap, kMaxOwn);
  detail::OwnBytes fresh = detail::OwnBytes::Allocate(cap);
  if (own_size_ != 0) std::memcpy(fresh.get(), own_.get(), own_size_);
  own_ = std::move(fresh);
  own_cap_ = static_cast<uint32_t>(cap);
  return true;
}

uint8_t* StructBuilder::Grow(int32_t field, size_t n, size_t* at) {
  if (!Reserve(n)) return nullptr;
  const uint32_t off = own_size_;
  own_size_ += static_cast<uint32_t>(n);
  InsertPiece(at, kOwn, field, off, static_cast<uint32_t>(n), 0);
  return own_.get() + off;
}

uint8_t* StructBuilder::GrowField(uint32_t field, size_t n, size_t* at) {
  const uint32_t off = own_size_;
  uint8_t* p = Grow(-1, n, at);
  if (p != nullptr) loc_[field] = {true, kOwn, off, static_cast<uint32_t>(n)};
  return p;
}

uint8_t* StructBuilder::AppendField(uint32_t field, size_t n) {
  Loc& l = loc_[field];
  if (l.len != 0 || type_->kind == StructKind::kUnion) return nullptr;
  if (n > own_cap_ - own_size_ && !Reserve(n)) return nullptr;
  const uint32_t off = own_size_;
  const auto len = static_cast<uint32_t>(n);
  own_size_ += len;
  l.in_run = true;
  l.run_kind = kOwn;
  l.off = off;
  l.len = len;
  size_t at = pieces_.size();
  InsertPiece(&at, kOwn, -1, off, len, 0);  // extends the run when adjacent
  return own_.get() + off;
}

void StructBuilder::MaybeCompact() {
  // Replaced fields leave their old bytes behind; once they are most of
  // own_, copy the live bytes out so repeated setting cannot grow memory
  // without bound.
  if (own_garbage_ < 4096 || own_garbage_ * 2 < own_size_) return;
  const size_t live = own_size_ - own_garbage_;
  detail::OwnBytes fresh = detail::OwnBytes::Allocate(std::max<size_t>(live, 64));
  uint32_t pos = 0;
  for (Piece& p : pieces_) {
    if (p.kind != kOwn) continue;
    std::memcpy(fresh.get() + pos, own_.get() + p.off, p.len);
    if (p.field == -1) {
      // Move the Locs of the run's fields with it.
      for (Loc& l : loc_) {
        if (l.in_run && l.run_kind == kOwn && l.off >= p.off && l.off < p.off + p.len) {
          l.off = l.off - p.off + pos;
        }
      }
    }
    p.off = pos;
    pos += p.len;
  }
  own_ = std::move(fresh);
  own_size_ = pos;
  own_cap_ = static_cast<uint32_t>(std::max<size_t>(live, 64));
  own_garbage_ = 0;
}

void StructBuilder::SetFixed(uint32_t field, uint64_t bits) {
  const FieldInfo& f = type_->fields[field];
  const size_t w = FixedWireSize(f.type.ttype);
  const uint32_t total = static_cast<uint32_t>(wire::kFieldHeader + w);
  const Loc& l = loc_[field];
  uint8_t* p = nullptr;
  if (l.in_run && l.run_kind == kOwn && l.len == total && type_->kind != StructKind::kUnion) {
    p = own_.get() + l.off;  // in place
  } else {
    p = AppendField(field, total);
  }
  if (p == nullptr) {
    size_t at = PrepareSet(field);
    p = GrowField(field, total, &at);
    if (p == nullptr) return;
  }
  uint8_t* v = wire::PutFieldBegin(p, f.type.ttype, f.id);
  for (size_t i = 0; i < w; ++i) v[i] = static_cast<uint8_t>(bits >> (8 * (w - 1 - i)));
}

void StructBuilder::SetStringSlow(uint32_t field, std::string_view s) {
  if (TERN_UNLIKELY(s.size() > kMaxI32)) {
    return Fail(InvalidArgument(std::string("builder: ") + type_->name + "." +
                                type_->fields[field].name + ": string longer than 2^31 - 1"));
  }
  if (s.size() >= kRefBytes) {
    // One copy into a block of its own, linked at WriteTo: not copied again.
    return SetSlice(field, Slice::Copy(s.data(), s.size()));
  }
  const FieldInfo& f = type_->fields[field];
  const size_t n = wire::kFieldHeader + 4 + s.size();
  uint8_t* p = AppendField(field, n);
  if (p == nullptr) {
    size_t at = PrepareSet(field);
    p = GrowField(field, n, &at);
    if (p == nullptr) return;
  }
  p = wire::PutFieldBegin(p, f.type.ttype, f.id);
  wire::PutBinary(p, s.data(), s.size());
}

void StructBuilder::SetSlice(uint32_t field, Slice s) {
  if (s.size() < kRefBytes) {
    return SetString(field, std::string_view(reinterpret_cast<const char*>(s.data()), s.size()));
  }
  if (TERN_UNLIKELY(s.size() > kMaxI32)) {
    return Fail(InvalidArgument(std::string("builder: ") + type_->name + "." +
                                type_->fields[field].name + ": string longer than 2^31 - 1"));
  }
  const FieldInfo& f = type_->fields[field];
  const int32_t tag = static_cast<int32_t>(field);
  size_t at = PrepareSet(field);
  uint8_t* p = Grow(tag, wire::kFieldHeader + 4, &at);
  if (p == nullptr) return;
  p = wire::PutFieldBegin(p, f.type.ttype, f.id);
  wire::PutI32(p, static_cast<int32_t>(s.size()));
  const uint32_t n = static_cast<uint32_t>(s.size());
  refs_.push_back(std::move(s));
  InsertPiece(&at, kRef, tag, 0, n, static_cast<uint32_t>(refs_.size() - 1));
  loc_[field] = {false, kOwn, 0, static_cast<uint32_t>(wire::kFieldHeader + 4 + n)};
}

uint8_t* StructBuilder::BeginValue(uint32_t field, size_t n) {
  const FieldInfo& f = type_->fields[field];
  if (TERN_UNLIKELY(n > kMaxI32)) {
    Fail(InvalidArgument(std::string("builder: ") + type_->name + "." + f.name +
                         ": value larger than a Thrift message"));
    return nullptr;
  }
  uint8_t* p = AppendField(field, wire::kFieldHeader + n);
  if (p == nullptr) {
    size_t at = PrepareSet(field);
    p = GrowField(field, wire::kFieldHeader + n, &at);
    if (p == nullptr) return nullptr;
  }
  return wire::PutFieldBegin(p, f.type.ttype, f.id);
}

void StructBuilder::SetValue(uint32_t field, const void* value) {
  const FieldInfo& f = type_->fields[field];
  const size_t n = generic::ValueBLength(f.type, value);
  uint8_t* p = BeginValue(field, n);
  if (p == nullptr) return;
  uint8_t* end = generic::WriteValueTo(f.type, value, p);
  if (TERN_UNLIKELY(end != p + n)) {
    Fail(Internal(std::string("builder: ") + type_->name + "." + f.name +
                  ": encoder wrote a size other than its length"));
  }
}

void StructBuilder::SetStruct(uint32_t field, const StructBuilder& nested) {
  const FieldInfo& f = type_->fields[field];
  if (f.type.cpp != CppType::kStruct || f.type.strct != nested.type_) {
    return Fail(InvalidArgument(std::string("builder: ") + type_->name + "." + f.name +
                                " is not a " + nested.type_->name));
  }
  if (&nested == this) return Fail(InvalidArgument("builder: a struct cannot contain itself"));
  if (!nested.error_.ok()) return Fail(nested.error_);
  if (const int m = nested.MissingRequired(); m >= 0) {
    return Fail(InvalidArgument(std::string("builder: ") + nested.type_->name + "." +
                                nested.type_->fields[m].name + " is required and not set"));
  }
  const size_t total = wire::kFieldHeader + nested.size();
  if (total > kMaxI32) {
    return Fail(InvalidArgument(std::string("builder: ") + type_->name + "." + f.name +
                                ": value larger than a Thrift message"));
  }
  size_t at = PrepareSet(field);
  const int32_t tag = static_cast<int32_t>(field);
  if (!Reserve(total)) return;  // own_ does not move below
  uint8_t* p = Grow(tag, wire::kFieldHeader, &at);
  wire::PutFieldBegin(p, f.type.ttype, f.id);
  for (const Piece& np : nested.pieces_) {
    switch (np.kind) {
      case kOwn: {
        uint8_t* q = Grow(tag, np.len, &at);
        std::memcpy(q, nested.own_.get() + np.off, np.len);
        break;
      }
      case kSrc: {
        Slice shared;
        if (nested.src_ == src_ && src_ != nullptr) {
          InsertPiece(&at, kSrc, tag, np.off, np.len, 0);
        } else if (np.len >= kRefBytes && nested.src_->Share(np.off, np.len, &shared)) {
          refs_.push_back(std::move(shared));
          InsertPiece(&at, kRef, tag, 0, np.len, static_cast<uint32_t>(refs_.size() - 1));
        } else {
          uint8_t* q = Grow(tag, np.len, &at);
          nested.src_->CopyOut(np.off, np.len, q);
        }
        break;
      }
      case kRef:
        refs_.push_back(nested.refs_[np.ref]);
        InsertPiece(&at, kRef, tag, 0, np.len, static_cast<uint32_t>(refs_.size() - 1));
        break;
    }
  }
  uint8_t* stop = Grow(tag, 1, &at);
  *stop = 0;
  loc_[field] = {false, kOwn, 0, static_cast<uint32_t>(total)};
}

void StructBuilder::SetEncoded(uint32_t field, const Bytes& b, uint32_t off, uint32_t len) {
  const FieldInfo& f = type_->fields[field];
  if (TERN_UNLIKELY(len > kMaxI32)) {
    return Fail(InvalidArgument(std::string("builder: ") + type_->name + "." + f.name +
                                ": value larger than a Thrift message"));
  }
  const int32_t tag = static_cast<int32_t>(field);
  size_t at = PrepareSet(field);
  Slice shared;
  const bool link_src = &b == src_ && FixedWireSize(f.type.ttype) == 0;
  const bool link_ref = !link_src && len >= kRefBytes && b.Share(off, len, &shared);
  if (!link_src && !link_ref) {
    // Copied whole into a run (so SetFixed can overwrite it in place later).
    uint8_t* p = GrowField(field, wire::kFieldHeader + len, &at);
    if (p == nullptr) return;
    p = wire::PutFieldBegin(p, f.type.ttype, f.id);
    b.CopyOut(off, len, p);
    return;
  }
  uint8_t* p = Grow(tag, wire::kFieldHeader, &at);
  if (p == nullptr) return;
  wire::PutFieldBegin(p, f.type.ttype, f.id);
  if (link_src) {
    InsertPiece(&at, kSrc, tag, off, len, 0);
  } else {
    refs_.push_back(std::move(shared));
    InsertPiece(&at, kRef, tag, 0, len, static_cast<uint32_t>(refs_.size() - 1));
  }
  loc_[field] = {false, kOwn, 0, static_cast<uint32_t>(wire::kFieldHeader + len)};
}

void StructBuilder::Clear(uint32_t field) { Cut(field); }

int StructBuilder::ScanRequired() const {
  if (type_->kind == StructKind::kUnion) return -1;
  for (uint32_t i = 0; i < type_->num_fields; ++i) {
    if (type_->fields[i].req == Requiredness::kRequired && loc_[i].len == 0) {
      return static_cast<int>(i);
    }
  }
  return -1;
}

bool StructBuilder::SharesSrc() const {
  for (const Piece& p : pieces_) {
    if (p.kind == kRef || (p.kind == kSrc && p.len >= kRefBytes)) return true;
  }
  return false;
}

namespace {

Status CheckEmittable(const TypeInfo& t, const Status& error, int missing) {
  TERN_RETURN_IF_ERROR(error);
  if (missing >= 0) {
    return InvalidArgument(std::string("builder: ") + t.name + "." + t.fields[missing].name +
                           " is required and not set");
  }
  return Status::OK();
}

}  // namespace

Status StructBuilder::NotEmittable() const {
  return CheckEmittable(*type_, error_, MissingRequired());
}

Status StructBuilder::WriteTo(LinkBuffer& out) const {
  TERN_RETURN_IF_ERROR(CheckEmittable(*type_, error_, MissingRequired()));
  if (!shares()) {
    // Nothing to link: one reservation, every piece copied into it.
    Result<uint8_t*> mem = out.Malloc(size());
    if (!mem.ok()) return std::move(mem).status().WithContext("builder: WriteTo");
    CopyPieces(*mem);
    return Status::OK();
  }
  // Adjacent own pieces that are adjacent in own_ too go out as one copy.
  const uint8_t* run = nullptr;
  size_t run_len = 0;
  auto flush_run = [&] {
    if (run_len != 0) out.Write(run, run_len);
    run_len = 0;
  };
  for (const Piece& p : pieces_) {
    switch (p.kind) {
      case kOwn:
        if (run_len != 0 && run + run_len == own_.get() + p.off) {
          run_len += p.len;
        } else {
          flush_run();
          run = own_.get() + p.off;
          run_len = p.len;
        }
        break;
      case kSrc: {
        flush_run();
        Slice shared;
        if (p.len >= kRefBytes && src_->Share(p.off, p.len, &shared)) {
          out.Append(std::move(shared));
        } else if (const uint8_t* c = src_->Contiguous(p.off, p.len)) {
          out.Write(c, p.len);
        } else {
          Result<uint8_t*> mem = out.Malloc(p.len);
          if (!mem.ok()) return std::move(mem).status().WithContext("builder: WriteTo");
          src_->CopyOut(p.off, p.len, *mem);
        }
        break;
      }
      case kRef: {
        flush_run();
        const Slice& s = refs_[p.ref];
        if (p.len >= kRefBytes) {
          out.Append(s);
        } else {
          out.Write(s.data(), s.size());
        }
        break;
      }
    }
  }
  flush_run();
  const uint8_t stop = 0;
  out.Write(&stop, 1);
  return Status::OK();
}

Status StructBuilder::CopyTo(uint8_t* out) const {
  TERN_RETURN_IF_ERROR(CheckEmittable(*type_, error_, MissingRequired()));
  CopyPieces(out);
  return Status::OK();
}

void StructBuilder::CopyPieces(uint8_t* out) const {
  if (pieces_.size() == 1 && pieces_[0].kind == kOwn) {  // a fresh builder's one run
    std::memcpy(out, own_.get() + pieces_[0].off, pieces_[0].len);
    out[pieces_[0].len] = 0;
    return;
  }
  for (const Piece& p : pieces_) {
    switch (p.kind) {
      case kOwn:
        std::memcpy(out, own_.get() + p.off, p.len);
        break;
      case kSrc:
        src_->CopyOut(p.off, p.len, out);
        break;
      case kRef:
        std::memcpy(out, refs_[p.ref].data(), p.len);
        break;
    }
    out += p.len;
  }
  *out = 0;
}

std::string StructBuilder::ToString() const {
  std::string s(size(), '\0');
  if (!CopyTo(reinterpret_cast<uint8_t*>(s.data())).ok()) return std::string();
  return s;
}

// ---- a builder as a message body ---------------------------------------------------

namespace {

const StructBuilder& AsBuilder(const void* obj) { return *static_cast<const StructBuilder*>(obj); }
void NoConstruct(void*) {}
size_t BuiltLength(const void* obj) { return AsBuilder(obj).size(); }
Result<size_t> BuiltRead(void*, const uint8_t*, size_t, ReadContext&) {
  return Internal("builder: a built struct cannot be decoded into");
}
Status BuiltWriteRef(const void* obj, Writer& w) { return AsBuilder(obj).WriteTo(w.buffer()); }
bool BuiltEquals(const void* a, const void* b) { return a == b; }
void NoRelease(void*, const uint8_t*, size_t) {}

// The TypeInfo of a built value: a StructBuilder's pieces (BuiltStructType)
// or those pieces as field 0 of a `<Method>_result` (BuiltSuccessType);
// the two differ only in how the bytes are sized and written.
constexpr TypeInfo BuiltType(const char* name, size_t (*blength)(const void*),
                             uint8_t* (*fast_write)(const void*, uint8_t*),
                             Status (*write_ref)(const void*, Writer&)) {
  return {name,
          StructKind::kStruct,
          0,
          nullptr,
          0,
          sizeof(StructBuilder),
          alignof(StructBuilder),
          &NoConstruct,
          &NoConstruct,
          blength,
          fast_write,
          &BuiltRead,
          write_ref,
          &BuiltEquals,
          nullptr};
}

}  // namespace

const TypeInfo& BuiltStructType() {
  // Emittable() was checked by whoever made the BodyRef (see the header):
  // the pieces are copied without checking again.
  constexpr auto write = [](const void* obj, uint8_t* out) {
    const StructBuilder& b = AsBuilder(obj);
    const size_t n = b.size();
    b.CopyPieces(out);
    return out + n;
  };
  static constexpr TypeInfo kBuiltStructType =
      BuiltType("(built struct)", &BuiltLength, +write, &BuiltWriteRef);
  return kBuiltStructType;
}

namespace {

// A `<Method>_result` holding the builder's struct as field 0: the field
// header, the struct, the result's stop byte.
size_t SuccessLength(const void* obj) { return wire::kFieldHeader + AsBuilder(obj).size() + 1; }
Status SuccessWriteRef(const void* obj, Writer& w) {
  LinkBuffer& out = w.buffer();
  uint8_t header[wire::kFieldHeader];
  wire::PutFieldBegin(header, TType::kStruct, 0);
  out.Write(header, sizeof(header));
  TERN_RETURN_IF_ERROR(AsBuilder(obj).WriteTo(out));
  const uint8_t stop = 0;
  out.Write(&stop, 1);
  return Status::OK();
}

}  // namespace

const TypeInfo& BuiltSuccessType() {
  // As BuiltStructType's: Emittable() was checked by whoever made the BodyRef.
  constexpr auto write = [](const void* obj, uint8_t* out) {
    const StructBuilder& b = AsBuilder(obj);
    out = wire::PutFieldBegin(out, TType::kStruct, 0);
    b.CopyPieces(out);
    out += b.size();
    *out = 0;
    return out + 1;
  };
  static constexpr TypeInfo kBuiltSuccessType =
      BuiltType("(built result)", &SuccessLength, +write, &SuccessWriteRef);
  return kBuiltSuccessType;
}

const Slice& BuiltStructKeepAlive() {
  static const Slice keep = Slice::External(nullptr, 0, &NoRelease, nullptr);
  return keep;
}

}  // namespace tern::view
