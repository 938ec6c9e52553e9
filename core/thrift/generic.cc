#include "tern/thrift/generic.h"

#include <cstring>
#include <new>
#include <string>
#include <vector>

#include "tern/kernels.h"
#include "tern/thrift/wire.h"

namespace tern::generic {

namespace {

using wire::ReadError;

// ---- size -------------------------------------------------------------------

size_t ValueSize(const ValueType& v, const void* p);

struct SizeCtx {
  const ContainerInfo* c;
  size_t total;
};

size_t ContainerSize(const ContainerInfo& c, const void* p) {
  const size_t n = c.count(p);
  size_t total = c.kind == TType::kMap ? wire::kMapHeader : wire::kListHeader;
  const size_t fe = FixedWireSize(c.elem.ttype);
  const size_t fk = c.kind == TType::kMap ? FixedWireSize(c.key.ttype) : 0;
  if (fe != 0 && (c.kind != TType::kMap || fk != 0)) return total + n * (fe + fk);
  SizeCtx sc{&c, 0};
  c.for_each(p, &sc, [](void* ctx, const void* key, const void* elem) {
    auto* s = static_cast<SizeCtx*>(ctx);
    if (key != nullptr) s->total += ValueSize(s->c->key, key);
    s->total += ValueSize(s->c->elem, elem);
  });
  return total + sc.total;
}

size_t ValueSize(const ValueType& v, const void* p) {
  if (const size_t f = FixedWireSize(v.ttype); f != 0) return f;
  switch (v.cpp) {
    case CppType::kString:
      return 4 + static_cast<const std::string*>(p)->size();
    case CppType::kPmrString:
      return 4 + static_cast<const std::pmr::string*>(p)->size();
    case CppType::kStruct:
      return BLength(*v.strct, p);
    case CppType::kList:
    case CppType::kSet:
    case CppType::kMap:
      return ContainerSize(*v.container, p);
    default:
      return 0;
  }
}

// ---- write ------------------------------------------------------------------

uint8_t* WriteValue(const ValueType& v, const void* p, uint8_t* out);

struct WriteCtx {
  const ContainerInfo* c;
  uint8_t* out;
};

uint8_t* WriteContainer(const ContainerInfo& c, const void* p, uint8_t* out) {
  const size_t n = c.count(p);
  if (c.kind == TType::kMap) {
    out = wire::PutMapBegin(out, c.key.ttype, c.elem.ttype, n);
  } else {
    out = wire::PutListBegin(out, c.elem.ttype, n);
    if (c.data != nullptr && n > 0) {
      void* d = c.data(const_cast<void*>(p));
      const EncoderKernels& k = Kernels();
      switch (c.elem.cpp) {
        case CppType::kI8:
          std::memcpy(out, d, n);
          return out + n;
        case CppType::kI16:
          k.i16_to_be(static_cast<const int16_t*>(d), n, out);
          return out + 2 * n;
        case CppType::kI32:
          k.i32_to_be(static_cast<const int32_t*>(d), n, out);
          return out + 4 * n;
        case CppType::kI64:
          k.i64_to_be(static_cast<const int64_t*>(d), n, out);
          return out + 8 * n;
        case CppType::kDouble:
          k.f64_to_be(static_cast<const double*>(d), n, out);
          return out + 8 * n;
        default:
          break;
      }
    }
  }
  WriteCtx wc{&c, out};
  c.for_each(p, &wc, [](void* ctx, const void* key, const void* elem) {
    auto* w = static_cast<WriteCtx*>(ctx);
    if (key != nullptr) w->out = WriteValue(w->c->key, key, w->out);
    w->out = WriteValue(w->c->elem, elem, w->out);
  });
  return wc.out;
}

uint8_t* WriteValue(const ValueType& v, const void* p, uint8_t* out) {
  switch (v.cpp) {
    case CppType::kBool:
      return wire::PutBool(out, *static_cast<const bool*>(p));
    case CppType::kI8:
      return wire::PutU8(out, *static_cast<const uint8_t*>(p));
    case CppType::kI16:
      return wire::PutI16(out, *static_cast<const int16_t*>(p));
    case CppType::kI32:
      return wire::PutI32(out, *static_cast<const int32_t*>(p));
    case CppType::kI64:
      return wire::PutI64(out, *static_cast<const int64_t*>(p));
    case CppType::kDouble:
      return wire::PutDouble(out, *static_cast<const double*>(p));
    case CppType::kUuid:
      std::memcpy(out, p, 16);
      return out + 16;
    case CppType::kString:
      return wire::PutString(out, *static_cast<const std::string*>(p));
    case CppType::kPmrString:
      return wire::PutString(out, *static_cast<const std::pmr::string*>(p));
    case CppType::kStruct:
      return Write(*v.strct, p, out);
    case CppType::kList:
    case CppType::kSet:
    case CppType::kMap:
      return WriteContainer(*v.container, p, out);
  }
  return out;
}

// ---- read -------------------------------------------------------------------

const uint8_t* ReadValue(const ValueType& v, void* p, const uint8_t* in, const uint8_t* end,
                         ReadContext& ctx, ReadError* err);

const uint8_t* ReadStruct(const TypeInfo& t, void* obj, const uint8_t* p, const uint8_t* end,
                          ReadContext& ctx, ReadError* err);

const uint8_t* ReadContainer(const ContainerInfo& c, void* obj, const uint8_t* p,
                             const uint8_t* end, ReadContext& ctx, ReadError* err) {
  int32_t n;
  TType kt = TType::kStop, et;
  if (c.kind == TType::kMap) {
    if (TERN_UNLIKELY(end - p < 6)) return *err = ReadError::kTruncated, nullptr;
    kt = static_cast<TType>(p[0]);
    et = static_cast<TType>(p[1]);
    n = wire::LoadI32(p + 2);
    p += 6;
  } else {
    if (TERN_UNLIKELY(end - p < 5)) return *err = ReadError::kTruncated, nullptr;
    et = static_cast<TType>(p[0]);
    n = wire::LoadI32(p + 1);
    p += 5;
  }
  c.clear(obj);
  if (n == 0) {  // writers may give an empty container other (valid) types
    const bool ok = IsEmptyElementTType(static_cast<uint8_t>(et)) &&
                    (c.kind != TType::kMap || IsEmptyElementTType(static_cast<uint8_t>(kt)));
    return TERN_LIKELY(ok) ? p : (*err = ReadError::kBadType, nullptr);
  }
  if (TERN_UNLIKELY(et != c.elem.ttype || (c.kind == TType::kMap && kt != c.key.ttype))) {
    return *err = ReadError::kWrongElementType, nullptr;
  }
  const size_t min_size =
      wire::MinWireSize(et) + (c.kind == TType::kMap ? wire::MinWireSize(kt) : 0);
  if (!wire::CheckCount(n, ctx.limits.max_container, min_size, p, end, err)) return nullptr;
  const size_t count = static_cast<size_t>(n);
  if (!wire::ChargeDecoded(ctx, count * DecodedElementCost(c), err)) return nullptr;
  if (c.data != nullptr) {
    c.resize(obj, count);
    void* d = c.data(obj);
    const EncoderKernels& k = Kernels();
    switch (c.elem.cpp) {
      case CppType::kI8:
        std::memcpy(d, p, count);
        return p + count;
      case CppType::kI16:
        k.be_to_i16(p, count, static_cast<int16_t*>(d));
        return p + 2 * count;
      case CppType::kI32:
        k.be_to_i32(p, count, static_cast<int32_t*>(d));
        return p + 4 * count;
      case CppType::kI64:
        k.be_to_i64(p, count, static_cast<int64_t*>(d));
        return p + 8 * count;
      case CppType::kDouble:
        k.be_to_f64(p, count, static_cast<double*>(d));
        return p + 8 * count;
      default:
        break;
    }
  }
  if (TERN_UNLIKELY(++ctx.depth > ctx.limits.max_depth)) return *err = ReadError::kTooDeep, nullptr;
  c.reserve(obj, count);
  for (size_t i = 0; i < count; ++i) {
    ContainerTemp elem(c, obj, ContainerTemp::kElem);
    if (c.kind == TType::kMap) {
      ContainerTemp key(c, obj, ContainerTemp::kKey);
      p = ReadValue(c.key, key.get(), p, end, ctx, err);
      if (p == nullptr) return nullptr;
      p = ReadValue(c.elem, elem.get(), p, end, ctx, err);
      if (p == nullptr) return nullptr;
      c.add(obj, key.get(), elem.get());
    } else {
      p = ReadValue(c.elem, elem.get(), p, end, ctx, err);
      if (p == nullptr) return nullptr;
      c.add(obj, nullptr, elem.get());
    }
  }
  --ctx.depth;
  return p;
}

const uint8_t* ReadValue(const ValueType& v, void* p, const uint8_t* in, const uint8_t* end,
                         ReadContext& ctx, ReadError* err) {
  const size_t fixed = FixedWireSize(v.ttype);
  if (fixed != 0 && TERN_UNLIKELY(static_cast<size_t>(end - in) < fixed)) {
    return *err = ReadError::kTruncated, nullptr;
  }
  switch (v.cpp) {
    case CppType::kBool:
      *static_cast<bool*>(p) = in[0] != 0;
      return in + 1;
    case CppType::kI8:
      *static_cast<int8_t*>(p) = static_cast<int8_t>(in[0]);
      return in + 1;
    case CppType::kI16:
      *static_cast<int16_t*>(p) = wire::LoadI16(in);
      return in + 2;
    case CppType::kI32:
      *static_cast<int32_t*>(p) = wire::LoadI32(in);
      return in + 4;
    case CppType::kI64:
      *static_cast<int64_t*>(p) = wire::LoadI64(in);
      return in + 8;
    case CppType::kDouble:
      *static_cast<double*>(p) = wire::LoadDouble(in);
      return in + 8;
    case CppType::kUuid:
      std::memcpy(p, in, 16);
      return in + 16;
    case CppType::kString:
      return wire::ReadString(in, end, ctx.limits.max_string, static_cast<std::string*>(p), err);
    case CppType::kPmrString:
      return wire::ReadString(in, end, ctx.limits.max_string, static_cast<std::pmr::string*>(p),
                              err);
    case CppType::kStruct:
      return ReadStruct(*v.strct, p, in, end, ctx, err);
    case CppType::kList:
    case CppType::kSet:
    case CppType::kMap:
      return ReadContainer(*v.container, p, in, end, ctx, err);
  }
  return *err = ReadError::kBadType, nullptr;
}

const uint8_t* ReadStruct(const TypeInfo& t, void* obj, const uint8_t* p, const uint8_t* end,
                          ReadContext& ctx, ReadError* err) {
  if (TERN_UNLIKELY(++ctx.depth > ctx.limits.max_depth)) return *err = ReadError::kTooDeep, nullptr;
  // Required fields seen, by index: a word for the common case, a vector for
  // structs with more than 64 fields.
  uint64_t seen = 0;
  std::vector<bool> seen_big;
  if (t.num_fields > 64) seen_big.resize(t.num_fields);
  uint32_t next = 0;  // fields usually arrive in declaration or canonical order
  for (;;) {
    if (TERN_UNLIKELY(end - p < 1)) return *err = ReadError::kTruncated, nullptr;
    const uint8_t type = *p++;
    if (type == 0) break;
    if (TERN_UNLIKELY(end - p < 2)) return *err = ReadError::kTruncated, nullptr;
    const int16_t id = wire::LoadI16(p);
    p += 2;
    const FieldInfo* f = nullptr;
    for (uint32_t k = 0; k < t.num_fields; ++k) {
      const uint32_t i = (next + k) % t.num_fields;
      if (t.fields[i].id == id) {
        f = &t.fields[i];
        next = i + 1;
        break;
      }
    }
    if (f == nullptr || static_cast<uint8_t>(f->type.ttype) != type) {
      p = wire::Skip(p, end, static_cast<TType>(type), ctx, err);
      if (p == nullptr) return nullptr;
      continue;
    }
    void* m = MutableFieldValue(*f, obj);
    p = ReadValue(f->type, m, p, end, ctx, err);
    if (p == nullptr) return nullptr;
    MarkFieldRead(t, *f, obj);
    const auto idx = static_cast<uint32_t>(f - t.fields);
    if (idx < 64) seen |= uint64_t{1} << idx;
    if (!seen_big.empty()) seen_big[idx] = true;
  }
  for (uint32_t i = 0; i < t.num_fields; ++i) {
    if (t.fields[i].req != Requiredness::kRequired) continue;
    const bool was_seen = i < 64 ? (seen & (uint64_t{1} << i)) != 0 : seen_big[i];
    if (!was_seen) {
      ctx.missing_struct = t.name;
      ctx.missing_field = t.fields[i].name;
      return *err = ReadError::kMissingRequired, nullptr;
    }
  }
  --ctx.depth;
  return p;
}

}  // namespace

size_t BLength(const TypeInfo& t, const void* obj) {
  if (TERN_UNLIKELY(obj == nullptr)) return 1;  // a null required indirect field: empty
  size_t n = 1;
  for (uint32_t i = 0; i < t.num_fields; ++i) {
    const FieldInfo& f = t.fields[i];
    if (!FieldIsWritten(t, f, obj)) continue;
    n += wire::kFieldHeader + ValueSize(f.type, FieldValue(f, obj));
  }
  return n;
}

uint8_t* Write(const TypeInfo& t, const void* obj, uint8_t* out) {
  if (TERN_UNLIKELY(obj == nullptr)) return wire::PutStop(out);  // see BLength
  for (int pass = 0; pass < 2; ++pass) {
    for (uint32_t i = 0; i < t.num_fields; ++i) {
      const FieldInfo& f = t.fields[i];
      if (IsFixedSizeField(f) != (pass == 0) || !FieldIsWritten(t, f, obj)) continue;
      out = wire::PutFieldBegin(out, f.type.ttype, f.id);
      out = WriteValue(f.type, FieldValue(f, obj), out);
    }
  }
  return wire::PutStop(out);
}

size_t ValueBLength(const ValueType& v, const void* value) {
  if (v.cpp == CppType::kStruct) return v.strct->blength(value);
  return ValueSize(v, value);
}

uint8_t* WriteValueTo(const ValueType& v, const void* value, uint8_t* out) {
  if (v.cpp == CppType::kStruct) return v.strct->fast_write(value, out);
  return WriteValue(v, value, out);
}

Result<size_t> Read(const TypeInfo& t, void* obj, const uint8_t* p, size_t n, ReadContext& ctx) {
  ReadError err = ReadError::kNone;
  const uint8_t* end = ReadStruct(t, obj, p, p + n, ctx, &err);
  if (end == nullptr) return wire::MakeError(err, t.name, ctx);
  return static_cast<size_t>(end - p);
}

}  // namespace tern::generic
