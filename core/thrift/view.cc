// Copy-free views (tern/thrift/view.h): the segmented byte run and the
// validating index pass.
//
// The pass mirrors the generated FastRead exactly — the same checks, in the
// same order, with the same errors — so a message a view accepts is one
// FastRead accepts, and ToStruct() of a view cannot fail. It differs only in
// what it keeps: offsets in a table instead of decoded values.
#include "tern/thrift/view.h"

#include <algorithm>
#include <cstring>

#include "core/thrift/view_nested.h"

#include "tern/buffer.h"
#include "tern/copy_stats.h"

namespace tern::view {

// ---- Bytes ----------------------------------------------------------------------

Bytes::Bytes(const void* data, size_t size)
    : first_(static_cast<const uint8_t*>(data)), first_end_(size), size_(size) {}

Bytes::Bytes(Slice s) { InitOne(std::move(s)); }

Bytes::Bytes(std::vector<Slice> segments) { Init(std::move(segments)); }

Bytes::~Bytes() = default;

void Bytes::Reset(const void* data, size_t size) {
  owners_.clear();
  one_ = Slice();
  segs_.clear();
  first_ = static_cast<const uint8_t*>(data);
  first_end_ = size;
  size_ = size;
}

void Bytes::Reset(Slice s) {
  segs_.clear();
  owners_.clear();
  first_ = nullptr;
  first_end_ = 0;
  InitOne(std::move(s));
}

// One owned segment, the common case (a frame in one block): no vector.
void Bytes::InitOne(Slice s) {
  one_ = std::move(s);
  size_ = one_.size();
  first_ = size_ != 0 ? one_.data() : nullptr;
  first_end_ = size_;
  if (size_ == 0) one_ = Slice();
}

void Bytes::Init(std::vector<Slice> segments) {
  segments.erase(
      std::remove_if(segments.begin(), segments.end(), [](const Slice& s) { return s.empty(); }),
      segments.end());
  owners_ = std::move(segments);
  size_ = 0;
  for (const Slice& s : owners_) size_ += s.size();
  if (owners_.empty()) return;
  first_ = owners_[0].data();
  first_end_ = owners_[0].size();
  if (owners_.size() == 1) return;
  segs_.reserve(owners_.size());
  uint64_t pos = 0;
  for (size_t i = 0; i < owners_.size(); ++i) {
    const uint64_t end = pos + owners_[i].size();
    segs_.push_back({static_cast<uint32_t>(std::min<uint64_t>(pos, kMaxViewBytes)),
                     static_cast<uint32_t>(std::min<uint64_t>(end, kMaxViewBytes)),
                     owners_[i].data(), i});
    pos = end;
  }
}

Result<std::unique_ptr<Bytes>> Bytes::Take(LinkBuffer& in, size_t n) {
  if (in.Len() < n) return OutOfRange("view: fewer bytes buffered than asked for");
  std::vector<Slice> parts;
  size_t left = n;
  while (left > 0) {
    iovec iov[1];
    if (in.ReadableIovecs(iov, 1, left) == 0) return Internal("view: buffer shorter than Len()");
    auto s = in.ReadSlice(std::min(left, iov[0].iov_len));  // one block: no copy
    if (!s.ok()) return s.status();
    left -= s->size();
    parts.push_back(std::move(*s));
  }
  return std::make_unique<Bytes>(std::move(parts));
}

const Bytes::Segment* Bytes::Find(uint32_t off) const {
  if (segs_.empty()) return nullptr;
  auto it = std::upper_bound(segs_.begin(), segs_.end(), off,
                             [](uint32_t o, const Segment& s) { return o < s.end; });
  return it == segs_.end() ? nullptr : &*it;
}

const uint8_t* Bytes::ContiguousSlow(uint32_t off, uint32_t n) const {
  const Segment* s = Find(off);
  if (s == nullptr || static_cast<uint64_t>(off) + n > s->end) return nullptr;
  return s->data + (off - s->begin);
}

void Bytes::CopyOut(uint32_t off, uint32_t n, void* dst) const {
  NotePayloadCopy(n);
  auto* out = static_cast<uint8_t*>(dst);
  if (static_cast<uint64_t>(off) + n <= first_end_) {
    if (n != 0) std::memcpy(out, first_ + off, n);
    return;
  }
  const Segment* s = Find(off);
  while (n > 0 && s != nullptr && s < segs_.data() + segs_.size()) {
    const uint32_t take = std::min<uint32_t>(n, s->end - off);
    std::memcpy(out, s->data + (off - s->begin), take);
    out += take;
    off += take;
    n -= take;
    ++s;
  }
  if (n > 0) std::memset(out, 0, n);
}

const uint8_t* Bytes::AtSlow(uint32_t off, uint32_t n, uint8_t* tmp) const {
  if (const uint8_t* p = ContiguousSlow(off, n)) return p;
  CopyOut(off, n, tmp);
  return tmp;
}

bool Bytes::Share(uint32_t off, uint32_t n, Slice* out) const {
  if (n == 0) return false;
  if (segs_.empty()) {
    const Slice* owner = one_.size() != 0 ? &one_ : owners_.empty() ? nullptr : &owners_[0];
    if (owner == nullptr || static_cast<uint64_t>(off) + n > first_end_) return false;
    *out = owner->Sub(off, n);
    return true;
  }
  const Segment* s = Find(off);
  if (s == nullptr || static_cast<uint64_t>(off) + n > s->end) return false;
  *out = owners_[s->owner].Sub(off - s->begin, n);
  return true;
}

Slice Bytes::ToSlice(uint32_t off, uint32_t n) const {
  if (n == 0) return Slice();
  Slice shared;
  if (Share(off, n, &shared)) return shared;
  std::string tmp(n, '\0');
  CopyOut(off, n, tmp.data());
  return Slice::FromString(std::move(tmp));
}

// ---- the index pass ---------------------------------------------------------------

namespace {

using wire::ReadError;

class Walker {
 public:
  // validated: the bytes passed a schema-checked walk already, so an empty
  // container's element type is not looked at (the schema walk allowed it).
  Walker(const Bytes& b, uint32_t pos, ReadContext& ctx, bool validated = false)
      : b_(b),
        pos_(pos),
        size_(static_cast<uint32_t>(std::min(b.size(), kMaxViewBytes))),
        ctx_(ctx),
        validated_(validated),
        flat_(b.Contiguous(0, size_)) {}

  uint32_t pos() const { return pos_; }
  ReadError error() const { return err_; }

  // Same-pass indexing of nested structs (view_nested.h): the layout and
  // table their records go to.
  void SetNested(const nested::Layout* layout, char* table) {
    layout_ = layout;
    table_ = table;
  }

  // Walks one struct; slots (one per t->fields) get the value offsets of the
  // fields t knows. t null: an unknown struct, skipped by wire types. plan:
  // with SetNested, this struct's plan, whose struct fields are indexed
  // into their records in this pass.
  bool Struct(const TypeInfo* t, uint32_t* slots, int32_t plan = -1) {
    if (TERN_UNLIKELY(++ctx_.depth > ctx_.limits.max_depth)) return Fail(ReadError::kTooDeep);
    const uint32_t nf = t != nullptr ? t->num_fields : 0;
    if (slots != nullptr) std::fill(slots, slots + nf, kAbsent);
    // Required fields seen (structs and exceptions; unions have none).
    uint64_t seen_small[2] = {0, 0};
    std::vector<uint64_t> seen_big;
    uint64_t* seen = seen_small;
    bool has_required = false;
    if (t != nullptr && t->kind != StructKind::kUnion) {
      for (uint32_t i = 0; i < nf; ++i) has_required |= t->fields[i].req == Requiredness::kRequired;
      if (has_required && nf > 128) {
        seen_big.assign((nf + 63) / 64, 0);
        seen = seen_big.data();
      }
    }
    uint32_t hint = 0;
    for (;;) {
      if (TERN_UNLIKELY(!Need(1))) return false;
      const uint8_t type = U8(pos_++);
      if (type == 0) break;
      if (TERN_UNLIKELY(!Need(2))) return false;
      const int16_t id = I16(pos_);
      pos_ += 2;
      const FieldInfo* f = nullptr;
      uint32_t idx = 0;
      if (nf != 0) {
        // Fields usually arrive in IDL order (or fixed-size first): try the
        // one after the last match before scanning.
        if (hint < nf && t->fields[hint].id == id) {
          idx = hint;
        } else {
          idx = 0;
          while (idx < nf && t->fields[idx].id != id) ++idx;
        }
        if (idx < nf && static_cast<uint8_t>(t->fields[idx].type.ttype) == type) {
          f = &t->fields[idx];
          hint = idx + 1;
        }
      }
      if (f != nullptr) {
        if (slots != nullptr) slots[idx] = pos_;
        const int32_t child = plan >= 0 ? layout_->plans[plan].child[idx] : -1;
        if (child >= 0) {
          char* rec = table_ + layout_->plans[child].record;
          auto* core = reinterpret_cast<ViewCore*>(rec);
          core->bytes = &b_;
          core->begin = pos_;
          if (TERN_UNLIKELY(!Struct(f->type.strct,
                                    reinterpret_cast<uint32_t*>(rec + sizeof(ViewCore)), child))) {
            return false;
          }
          core->end = pos_;
        } else if (TERN_UNLIKELY(!Value(f->type.ttype, &f->type))) {
          return false;
        }
        if (has_required && f->req == Requiredness::kRequired)
          seen[idx / 64] |= uint64_t{1} << (idx % 64);
      } else {
        if (TERN_UNLIKELY(!IsValidTType(type))) return Fail(ReadError::kBadType);
        if (TERN_UNLIKELY(!Value(static_cast<TType>(type), nullptr))) return false;
      }
    }
    if (has_required) {
      for (uint32_t i = 0; i < nf; ++i) {
        if (t->fields[i].req == Requiredness::kRequired &&
            (seen[i / 64] & (uint64_t{1} << (i % 64))) == 0) {
          ctx_.missing_struct = t->name;
          ctx_.missing_field = t->fields[i].name;
          return Fail(ReadError::kMissingRequired);
        }
      }
    }
    --ctx_.depth;
    return true;
  }

  // Walks one value of wire type `type`; `schema` (when known) is checked
  // against the container element types and nested structs.
  bool Value(TType type, const ValueType* schema) {
    const size_t fixed = FixedWireSize(type);
    if (fixed != 0) {
      if (TERN_UNLIKELY(!Need(static_cast<uint32_t>(fixed)))) return false;
      pos_ += static_cast<uint32_t>(fixed);
      return true;
    }
    switch (type) {
      case TType::kString: {
        if (TERN_UNLIKELY(!Need(4))) return false;
        const int32_t n = I32(pos_);
        pos_ += 4;
        if (TERN_UNLIKELY(n < 0)) return Fail(ReadError::kNegativeSize);
        if (TERN_UNLIKELY(static_cast<size_t>(n) > ctx_.limits.max_string))
          return Fail(ReadError::kStringTooLong);
        if (TERN_UNLIKELY(!Need(static_cast<uint32_t>(n)))) return false;
        pos_ += static_cast<uint32_t>(n);
        return true;
      }
      case TType::kStruct:
        return Struct(schema != nullptr ? schema->strct : nullptr, nullptr);
      case TType::kList:
      case TType::kSet: {
        if (TERN_UNLIKELY(!Need(5))) return false;
        const uint8_t et = U8(pos_);
        const int32_t n = I32(pos_ + 1);
        pos_ += 5;
        const ValueType* es = schema != nullptr ? &schema->container->elem : nullptr;
        if (es != nullptr && n != 0 && et != static_cast<uint8_t>(es->ttype)) {
          return Fail(ReadError::kWrongElementType);
        }
        // An empty list may name another type than the schema's, and 0 or 1
        // (IsEmptyElementTType); one with elements a valid type.
        const bool empty_known = (es != nullptr || validated_) && n == 0;
        if (TERN_UNLIKELY(n == 0 ? !validated_ && !IsEmptyElementTType(et) : !IsValidTType(et))) {
          return Fail(ReadError::kBadType);
        }
        const TType e = static_cast<TType>(et);
        const size_t fs = empty_known ? 0 : FixedWireSize(e);
        if (TERN_UNLIKELY(!Count(n, empty_known ? 1 : wire::MinWireSize(e)))) return false;
        // Depth as FastRead counts it: every container but a list it
        // converts in bulk (i8/i16/i32/i64/double); Skip's rule (any
        // container of variable-size elements) for unknown fields.
        const bool deep = es != nullptr ? type == TType::kSet || !BulkElement(*es) : fs == 0;
        if (deep && TERN_UNLIKELY(++ctx_.depth > ctx_.limits.max_depth)) {
          return Fail(ReadError::kTooDeep);
        }
        if (fs != 0) {
          pos_ += static_cast<uint32_t>(n) * static_cast<uint32_t>(fs);
        } else {
          for (int32_t i = 0; i < n; ++i) {
            if (TERN_UNLIKELY(!Value(e, es))) return false;
          }
        }
        if (deep) --ctx_.depth;
        return true;
      }
      case TType::kMap: {
        if (TERN_UNLIKELY(!Need(6))) return false;
        const uint8_t kt = U8(pos_), vt = U8(pos_ + 1);
        const int32_t n = I32(pos_ + 2);
        pos_ += 6;
        const ValueType* ks = schema != nullptr ? &schema->container->key : nullptr;
        const ValueType* vs = schema != nullptr ? &schema->container->elem : nullptr;
        if (ks != nullptr && n != 0 &&
            (kt != static_cast<uint8_t>(ks->ttype) || vt != static_cast<uint8_t>(vs->ttype))) {
          return Fail(ReadError::kWrongElementType);
        }
        const bool empty_known = (ks != nullptr || validated_) && n == 0;
        if (TERN_UNLIKELY(n == 0 ? !validated_ &&
                                       (!IsEmptyElementTType(kt) || !IsEmptyElementTType(vt))
                                 : !IsValidTType(kt) || !IsValidTType(vt))) {
          return Fail(ReadError::kBadType);
        }
        const TType k = static_cast<TType>(kt), v = static_cast<TType>(vt);
        const size_t fk = empty_known ? 0 : FixedWireSize(k);
        const size_t fv = empty_known ? 0 : FixedWireSize(v);
        if (TERN_UNLIKELY(
                !Count(n, empty_known ? 1 : wire::MinWireSize(k) + wire::MinWireSize(v)))) {
          return false;
        }
        const bool deep = ks != nullptr || fk == 0 || fv == 0;  // FastRead: every map
        if (deep && TERN_UNLIKELY(++ctx_.depth > ctx_.limits.max_depth)) {
          return Fail(ReadError::kTooDeep);
        }
        if (fk != 0 && fv != 0) {
          pos_ += static_cast<uint32_t>(n) * static_cast<uint32_t>(fk + fv);
        } else {
          for (int32_t i = 0; i < n; ++i) {
            if (TERN_UNLIKELY(!Value(k, ks) || !Value(v, vs))) return false;
          }
        }
        if (deep) --ctx_.depth;
        return true;
      }
      default:
        return Fail(ReadError::kBadType);
    }
  }

 private:
  // Lists FastRead converts in one call, without a depth level.
  static bool BulkElement(const ValueType& e) {
    if (e.is_enum) return false;
    return e.cpp == CppType::kI8 || e.cpp == CppType::kI16 || e.cpp == CppType::kI32 ||
           e.cpp == CppType::kI64 || e.cpp == CppType::kDouble;
  }
  // Loads at offsets Need() has checked: straight from memory when the
  // bytes are one run (the common case: a frame in one block), else through
  // the segments.
  uint8_t U8(uint32_t off) const { return flat_ != nullptr ? flat_[off] : b_.U8(off); }
  int16_t I16(uint32_t off) const {
    return flat_ != nullptr ? wire::LoadI16(flat_ + off) : b_.I16(off);
  }
  int32_t I32(uint32_t off) const {
    return flat_ != nullptr ? wire::LoadI32(flat_ + off) : b_.I32(off);
  }
  bool Need(uint32_t n) {
    if (TERN_LIKELY(size_ - pos_ >= n)) return true;
    return Fail(ReadError::kTruncated);
  }
  // A container count: not negative, within the limit, and its elements'
  // least wire size within the bytes left (so no forged count is trusted).
  bool Count(int32_t n, size_t min_elem) {
    if (TERN_UNLIKELY(n < 0)) return Fail(ReadError::kNegativeSize);
    if (TERN_UNLIKELY(static_cast<size_t>(n) > ctx_.limits.max_container))
      return Fail(ReadError::kContainerTooLarge);
    if (TERN_UNLIKELY(static_cast<uint64_t>(n) * min_elem > size_ - pos_))
      return Fail(ReadError::kTruncated);
    return true;
  }
  bool Fail(ReadError e) {
    if (err_ == ReadError::kNone) err_ = e;
    return false;
  }

  const Bytes& b_;
  uint32_t pos_;
  uint32_t size_;
  ReadContext& ctx_;
  bool validated_;
  ReadError err_ = ReadError::kNone;
  const uint8_t* flat_;  // every byte in one run, or null
  const nested::Layout* layout_ = nullptr;
  char* table_ = nullptr;
};

}  // namespace

const Limits& ValidatedLimits() {
  static const Limits kLimits = [] {
    Limits l;
    l.max_frame = kMaxViewBytes;
    l.max_string = kMaxViewBytes;
    l.max_container = kMaxViewBytes;
    l.max_depth = 1 << 20;
    return l;
  }();
  return kLimits;
}

Status IndexStruct(const Bytes& b, uint32_t begin, const TypeInfo& t, uint32_t* slots,
                   uint32_t* end, ReadContext& ctx) {
  if (TERN_UNLIKELY(b.size() > kMaxViewBytes)) {
    return ResourceExhausted("view: message larger than 4 GiB");
  }
  Walker w(b, begin, ctx);
  const int depth = ctx.depth;
  if (TERN_UNLIKELY(!w.Struct(&t, slots))) {
    ctx.depth = depth;
    return wire::MakeError(w.error(), t.name, ctx);
  }
  *end = w.pos();
  return Status();
}

void IndexValidated(const Bytes& b, uint32_t begin, const TypeInfo& t, uint32_t* slots,
                    uint32_t* end) {
  ReadContext ctx{ValidatedLimits()};
  Walker w(b, begin, ctx, /*validated=*/true);
  if (TERN_LIKELY(w.Struct(&t, slots))) {
    *end = w.pos();
    return;
  }
  std::fill(slots, slots + t.num_fields, kAbsent);
  *end = static_cast<uint32_t>(std::min(b.size(), kMaxViewBytes));
}

uint32_t SkipValidated(const Bytes& b, uint32_t off, TType type) {
  ReadContext ctx{ValidatedLimits()};
  Walker w(b, off, ctx, /*validated=*/true);
  if (TERN_LIKELY(w.Value(type, nullptr))) return w.pos();
  return static_cast<uint32_t>(std::min(b.size(), kMaxViewBytes));
}

Status DecodeStruct(const ViewCore& core, const TypeInfo& t, void* obj, ReadContext& ctx) {
  if (core.bytes == nullptr) return Status();  // an empty view: the defaults
  const uint32_t n = core.end - core.begin;
  const uint8_t* p = core.bytes->Contiguous(core.begin, n);
  std::string joined;
  if (p == nullptr) {
    joined.resize(n);
    core.bytes->CopyOut(core.begin, n, joined.data());
    p = reinterpret_cast<const uint8_t*>(joined.data());
  }
  auto r = t.fast_read(obj, p, n, ctx);
  return r.ok() ? Status() : r.status();
}

namespace nested {

namespace {

size_t RecordBytes(const TypeInfo& t) {
  const size_t n = sizeof(ViewCore) + sizeof(uint32_t) * t.num_fields;
  return (n + 7) & ~size_t{7};
}

int32_t AddPlan(Layout& l, const TypeInfo& t, int depth_left) {
  const auto id = static_cast<int32_t>(l.plans.size());
  l.plans.push_back({&t, l.bytes, std::vector<int32_t>(t.num_fields, -1)});
  l.bytes += RecordBytes(t);
  if (depth_left <= 0) return id;
  for (uint32_t i = 0; i < t.num_fields; ++i) {
    const FieldInfo& f = t.fields[i];
    if (f.type.ttype != TType::kStruct || f.indirect || f.type.strct == nullptr) continue;
    const int32_t c = AddPlan(l, *f.type.strct, depth_left - 1);
    l.plans[static_cast<size_t>(id)].child[i] = c;
  }
  return id;
}

}  // namespace

Layout MakeLayout(const TypeInfo& root, int max_depth) {
  Layout l;
  AddPlan(l, root, max_depth);
  return l;
}

Status Index(const Bytes& b, uint32_t begin, const Layout& layout, void* table, ReadContext& ctx) {
  if (TERN_UNLIKELY(b.size() > kMaxViewBytes)) {
    return ResourceExhausted("view: message larger than 4 GiB");
  }
  auto* t = static_cast<char*>(table);
  for (const Plan& p : layout.plans) {  // absent until the pass finds them
    *reinterpret_cast<ViewCore*>(t + p.record) = ViewCore{};
    auto* slots = reinterpret_cast<uint32_t*>(t + p.record + sizeof(ViewCore));
    std::fill(slots, slots + p.type->num_fields, kAbsent);
  }
  auto* root = reinterpret_cast<ViewCore*>(t);
  Walker w(b, begin, ctx);
  w.SetNested(&layout, t);
  const int depth = ctx.depth;
  if (TERN_UNLIKELY(
          !w.Struct(layout.plans[0].type, reinterpret_cast<uint32_t*>(t + sizeof(ViewCore)), 0))) {
    ctx.depth = depth;
    return wire::MakeError(w.error(), layout.plans[0].type->name, ctx);
  }
  root->bytes = &b;
  root->begin = begin;
  root->end = w.pos();
  return Status();
}

}  // namespace nested

}  // namespace tern::view
