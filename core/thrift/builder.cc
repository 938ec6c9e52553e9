// Copy-free builders (tern/thrift/builder.h): a struct's fields as a chain of
// own, received and attached pieces.
#include "tern/thrift/builder.h"

#include <algorithm>
#include <cstring>
#include <limits>

#include "tern/thrift/generic.h"
#include "tern/thrift/wire.h"
#include "tern/writer.h"

namespace tern::view {

namespace {

constexpr size_t kMaxI32 = static_cast<size_t>(std::numeric_limits<int32_t>::max());
// own_ is addressed with 32-bit offsets.
constexpr size_t kMaxOwn = 0xFFFFFFF0u;

}  // namespace

StructBuilder::StructBuilder(const TypeInfo& t) : type_(&t), loc_(t.num_fields) {}

StructBuilder::StructBuilder(const TypeInfo& t, const ViewCore& v, const uint32_t* slots)
    : StructBuilder(t) {
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
    loc_[i] = {true, s - static_cast<uint32_t>(wire::kFieldHeader),
               end - s + static_cast<uint32_t>(wire::kFieldHeader)};
  }
}

void StructBuilder::Fail(Status s) {
  if (error_.ok()) error_ = std::move(s);
}

size_t StructBuilder::references() const {
  size_t n = 0;
  for (const Piece& p : pieces_) n += p.kind == kRef;
  return n;
}

void StructBuilder::InsertPiece(size_t* at, const Piece& p) {
  // Own bytes that continue the piece before them (same field, adjacent in
  // own_) extend it instead of adding a node.
  if (p.kind == kOwn && *at > 0) {
    Piece& prev = pieces_[*at - 1];
    if (prev.kind == kOwn && prev.field == p.field && prev.off + prev.len == p.off) {
      prev.len += p.len;
      size_ += p.len;
      return;
    }
  }
  pieces_.insert(pieces_.begin() + static_cast<std::ptrdiff_t>(*at), p);
  size_ += p.len;
  ++*at;
}

size_t StructBuilder::Cut(uint32_t field) {
  Loc& l = loc_[field];
  if (l.len == 0) return pieces_.size();
  size_t at = pieces_.size();
  if (l.in_src) {
    // Split the received run around the field's bytes.
    for (size_t i = 0; i < pieces_.size(); ++i) {
      Piece& p = pieces_[i];
      if (p.kind != kSrc || p.field != -1 || l.off < p.off || l.off + l.len > p.off + p.len) {
        continue;
      }
      const Piece before{kSrc, -1, p.off, l.off - p.off, 0};
      const Piece after{kSrc, -1, l.off + l.len, p.off + p.len - (l.off + l.len), 0};
      pieces_.erase(pieces_.begin() + static_cast<std::ptrdiff_t>(i));
      at = i;
      if (after.len != 0) pieces_.insert(pieces_.begin() + static_cast<std::ptrdiff_t>(i), after);
      if (before.len != 0) {
        pieces_.insert(pieces_.begin() + static_cast<std::ptrdiff_t>(i), before);
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
    pieces_.erase(pieces_.begin() + static_cast<std::ptrdiff_t>(first),
                  pieces_.begin() + static_cast<std::ptrdiff_t>(last));
    at = first;
  }
  size_ -= l.len;
  l = Loc();
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

uint8_t* StructBuilder::Grow(uint32_t field, size_t n, size_t* at) {
  const size_t off = own_.size();
  if (TERN_UNLIKELY(off + n > kMaxOwn)) {
    Fail(ResourceExhausted(std::string("builder: ") + type_->name + " larger than 4 GiB"));
    return nullptr;
  }
  own_.resize(off + n);
  InsertPiece(at, {kOwn, static_cast<int32_t>(field), static_cast<uint32_t>(off),
                   static_cast<uint32_t>(n), 0});
  return reinterpret_cast<uint8_t*>(own_.data()) + off;
}

void StructBuilder::MaybeCompact() {
  // Replaced fields leave their old bytes behind; once they are most of
  // own_, copy the live bytes out so repeated setting cannot grow memory
  // without bound.
  if (own_garbage_ < 4096 || own_garbage_ * 2 < own_.size()) return;
  std::string fresh;
  fresh.reserve(own_.size() - own_garbage_);
  for (Piece& p : pieces_) {
    if (p.kind != kOwn) continue;
    const uint32_t moved = static_cast<uint32_t>(fresh.size());
    fresh.append(own_, p.off, p.len);
    if (p.field >= 0) {
      Loc& l = loc_[static_cast<uint32_t>(p.field)];
      if (!l.in_src && l.off == p.off) l.off = moved;
    }
    p.off = moved;
  }
  own_.swap(fresh);
  own_garbage_ = 0;
}

void StructBuilder::SetFixed(uint32_t field, uint64_t bits) {
  const FieldInfo& f = type_->fields[field];
  const size_t w = FixedWireSize(f.type.ttype);
  const uint32_t total = static_cast<uint32_t>(wire::kFieldHeader + w);
  Loc& l = loc_[field];
  uint8_t* p;
  if (!l.in_src && l.len == total && type_->kind != StructKind::kUnion) {
    p = reinterpret_cast<uint8_t*>(own_.data()) + l.off;  // in place
  } else {
    size_t at = PrepareSet(field);
    const size_t off = own_.size();
    p = Grow(field, total, &at);
    if (p == nullptr) return;
    loc_[field] = {false, static_cast<uint32_t>(off), total};
  }
  uint8_t* v = wire::PutFieldBegin(p, f.type.ttype, f.id);
  for (size_t i = 0; i < w; ++i) v[i] = static_cast<uint8_t>(bits >> (8 * (w - 1 - i)));
}

void StructBuilder::SetString(uint32_t field, std::string_view s) {
  if (TERN_UNLIKELY(s.size() > kMaxI32)) {
    return Fail(InvalidArgument(std::string("builder: ") + type_->name + "." +
                                type_->fields[field].name + ": string longer than 2^31 - 1"));
  }
  const FieldInfo& f = type_->fields[field];
  size_t at = PrepareSet(field);
  const size_t off = own_.size();
  const size_t total = wire::kFieldHeader + 4 + s.size();
  uint8_t* p = Grow(field, total, &at);
  if (p == nullptr) return;
  p = wire::PutFieldBegin(p, f.type.ttype, f.id);
  wire::PutBinary(p, s.data(), s.size());
  loc_[field] = {false, static_cast<uint32_t>(off), static_cast<uint32_t>(total)};
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
  size_t at = PrepareSet(field);
  const size_t off = own_.size();
  uint8_t* p = Grow(field, wire::kFieldHeader + 4, &at);
  if (p == nullptr) return;
  p = wire::PutFieldBegin(p, f.type.ttype, f.id);
  wire::PutI32(p, static_cast<int32_t>(s.size()));
  const uint32_t n = static_cast<uint32_t>(s.size());
  refs_.push_back(std::move(s));
  InsertPiece(&at,
              {kRef, static_cast<int32_t>(field), 0, n, static_cast<uint32_t>(refs_.size() - 1)});
  loc_[field] = {false, static_cast<uint32_t>(off),
                 static_cast<uint32_t>(wire::kFieldHeader + 4 + n)};
}

void StructBuilder::SetValue(uint32_t field, const void* value) {
  const FieldInfo& f = type_->fields[field];
  const size_t n = generic::ValueBLength(f.type, value);
  if (TERN_UNLIKELY(n > kMaxI32)) {
    return Fail(InvalidArgument(std::string("builder: ") + type_->name + "." + f.name +
                                ": value larger than a Thrift message"));
  }
  size_t at = PrepareSet(field);
  const size_t off = own_.size();
  const size_t total = wire::kFieldHeader + n;
  uint8_t* p = Grow(field, total, &at);
  if (p == nullptr) return;
  p = wire::PutFieldBegin(p, f.type.ttype, f.id);
  uint8_t* end = generic::WriteValueTo(f.type, value, p);
  if (TERN_UNLIKELY(end != p + n)) {
    Fail(Internal(std::string("builder: ") + type_->name + "." + f.name +
                  ": encoder wrote a size other than its length"));
  }
  loc_[field] = {false, static_cast<uint32_t>(off), static_cast<uint32_t>(total)};
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
  const size_t off = own_.size();
  const int32_t tag = static_cast<int32_t>(field);
  uint8_t* p = Grow(field, wire::kFieldHeader, &at);
  if (p == nullptr) return;
  wire::PutFieldBegin(p, f.type.ttype, f.id);
  for (const Piece& np : nested.pieces_) {
    switch (np.kind) {
      case kOwn: {
        uint8_t* q = Grow(field, np.len, &at);
        if (q == nullptr) return;
        std::memcpy(q, nested.own_.data() + np.off, np.len);
        break;
      }
      case kSrc: {
        Slice shared;
        if (nested.src_ == src_ && src_ != nullptr) {
          InsertPiece(&at, {kSrc, tag, np.off, np.len, 0});
        } else if (np.len >= kRefBytes && nested.src_->Share(np.off, np.len, &shared)) {
          refs_.push_back(std::move(shared));
          InsertPiece(&at, {kRef, tag, 0, np.len, static_cast<uint32_t>(refs_.size() - 1)});
        } else {
          uint8_t* q = Grow(field, np.len, &at);
          if (q == nullptr) return;
          nested.src_->CopyOut(np.off, np.len, q);
        }
        break;
      }
      case kRef:
        refs_.push_back(nested.refs_[np.ref]);
        InsertPiece(&at, {kRef, tag, 0, np.len, static_cast<uint32_t>(refs_.size() - 1)});
        break;
    }
  }
  uint8_t* stop = Grow(field, 1, &at);
  if (stop == nullptr) return;
  *stop = 0;
  loc_[field] = {false, static_cast<uint32_t>(off), static_cast<uint32_t>(total)};
}

void StructBuilder::SetEncoded(uint32_t field, const Bytes& b, uint32_t off, uint32_t len) {
  const FieldInfo& f = type_->fields[field];
  if (TERN_UNLIKELY(len > kMaxI32)) {
    return Fail(InvalidArgument(std::string("builder: ") + type_->name + "." + f.name +
                                ": value larger than a Thrift message"));
  }
  const int32_t tag = static_cast<int32_t>(field);
  size_t at = PrepareSet(field);
  const size_t hoff = own_.size();
  uint8_t* p = Grow(field, wire::kFieldHeader, &at);
  if (p == nullptr) return;
  wire::PutFieldBegin(p, f.type.ttype, f.id);
  Slice shared;
  if (FixedWireSize(f.type.ttype) != 0) {
    // Copied, so SetFixed can later overwrite it in place.
    uint8_t* q = Grow(field, len, &at);
    if (q == nullptr) return;
    b.CopyOut(off, len, q);
  } else if (&b == src_) {
    InsertPiece(&at, {kSrc, tag, off, len, 0});
  } else if (len >= kRefBytes && b.Share(off, len, &shared)) {
    refs_.push_back(std::move(shared));
    InsertPiece(&at, {kRef, tag, 0, len, static_cast<uint32_t>(refs_.size() - 1)});
  } else {
    uint8_t* q = Grow(field, len, &at);
    if (q == nullptr) return;
    b.CopyOut(off, len, q);
  }
  loc_[field] = {false, static_cast<uint32_t>(hoff),
                 static_cast<uint32_t>(wire::kFieldHeader + len)};
}

void StructBuilder::Clear(uint32_t field) { Cut(field); }

int StructBuilder::MissingRequired() const {
  if (type_->kind == StructKind::kUnion) return -1;
  for (uint32_t i = 0; i < type_->num_fields; ++i) {
    if (type_->fields[i].req == Requiredness::kRequired && loc_[i].len == 0) {
      return static_cast<int>(i);
    }
  }
  return -1;
}

bool StructBuilder::shares() const {
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

Status StructBuilder::Emittable() const {
  return CheckEmittable(*type_, error_, MissingRequired());
}

Status StructBuilder::WriteTo(LinkBuffer& out) const {
  TERN_RETURN_IF_ERROR(CheckEmittable(*type_, error_, MissingRequired()));
  // Adjacent own pieces that are adjacent in own_ too go out as one copy.
  const char* run = nullptr;
  size_t run_len = 0;
  auto flush_run = [&] {
    if (run_len != 0) out.Write(run, run_len);
    run_len = 0;
  };
  for (const Piece& p : pieces_) {
    switch (p.kind) {
      case kOwn:
        if (run_len != 0 && run + run_len == own_.data() + p.off) {
          run_len += p.len;
        } else {
          flush_run();
          run = own_.data() + p.off;
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
  for (const Piece& p : pieces_) {
    switch (p.kind) {
      case kOwn:
        std::memcpy(out, own_.data() + p.off, p.len);
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
  return Status::OK();
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
uint8_t* BuiltWrite(const void* obj, uint8_t* out) {
  const StructBuilder& b = AsBuilder(obj);
  // Emittable() was checked by whoever made the BodyRef; on a failure the
  // bytes are a bare stop byte padded with zeros, still a valid struct.
  if (!b.CopyTo(out).ok()) std::memset(out, 0, b.size());
  return out + b.size();
}
Result<size_t> BuiltRead(void*, const uint8_t*, size_t, ReadContext&) {
  return Internal("builder: a built struct cannot be decoded into");
}
Status BuiltWriteRef(const void* obj, Writer& w) { return AsBuilder(obj).WriteTo(w.buffer()); }
bool BuiltEquals(const void* a, const void* b) { return a == b; }
void NoRelease(void*, const uint8_t*, size_t) {}

constexpr TypeInfo kBuiltStructType = {
    "(built struct)",
    StructKind::kStruct,
    0,
    nullptr,
    0,
    sizeof(StructBuilder),
    alignof(StructBuilder),
    &NoConstruct,
    &NoConstruct,
    &BuiltLength,
    &BuiltWrite,
    &BuiltRead,
    &BuiltWriteRef,
    &BuiltEquals,
};

}  // namespace

const TypeInfo& BuiltStructType() { return kBuiltStructType; }

Slice BuiltStructKeepAlive() {
  static const Slice keep = Slice::External(nullptr, 0, &NoRelease, nullptr);
  return keep;
}

}  // namespace tern::view
