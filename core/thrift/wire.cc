#include "tern/thrift/wire.h"

#include <string>

namespace tern {

const char* TTypeName(TType t) {
  switch (t) {
    case TType::kStop:
      return "stop";
    case TType::kVoid:
      return "void";
    case TType::kBool:
      return "bool";
    case TType::kByte:
      return "byte";
    case TType::kDouble:
      return "double";
    case TType::kI16:
      return "i16";
    case TType::kI32:
      return "i32";
    case TType::kI64:
      return "i64";
    case TType::kString:
      return "string";
    case TType::kStruct:
      return "struct";
    case TType::kMap:
      return "map";
    case TType::kSet:
      return "set";
    case TType::kList:
      return "list";
    case TType::kUuid:
      return "uuid";
  }
  return "invalid";
}

const Limits& DefaultLimits() {
  static const Limits limits;
  return limits;
}

namespace wire {

Status MakeError(ReadError e, const char* what) {
  std::string m = what != nullptr ? what : "";
  if (!m.empty()) m += ": ";
  switch (e) {
    case ReadError::kNone:
      m += "unknown error";
      break;
    case ReadError::kTruncated:
      m += "truncated input";
      break;
    case ReadError::kNegativeSize:
      m += "negative size";
      break;
    case ReadError::kStringTooLong:
      m += "string/binary longer than max_string";
      break;
    case ReadError::kContainerTooLarge:
      m += "container larger than max_container";
      break;
    case ReadError::kTooDeep:
      m += "nesting deeper than max_depth";
      break;
    case ReadError::kBadType:
      m += "invalid type id";
      break;
    case ReadError::kWrongElementType:
      m += "container element type does not match the schema";
      break;
    case ReadError::kMissingRequired:
      m += "required field missing";
      break;
    case ReadError::kUnionMultiple:
      m += "union with more than one field set";
      break;
    case ReadError::kBadBool:
      m += "invalid bool";
      break;
    case ReadError::kDecodedTooLarge:
      m += "decoded containers larger than max_decoded";
      break;
  }
  const StatusCode code = (e == ReadError::kStringTooLong || e == ReadError::kContainerTooLarge ||
                           e == ReadError::kTooDeep || e == ReadError::kDecodedTooLarge)
                              ? StatusCode::kResourceExhausted
                              : StatusCode::kDataLoss;
  return Status(code, m);
}

Status MakeError(ReadError e, const char* what, const ReadContext& ctx) {
  if (e != ReadError::kMissingRequired || ctx.missing_field == nullptr) return MakeError(e, what);
  std::string m = what != nullptr ? what : "";
  if (!m.empty()) m += ": ";
  m += "required field ";
  if (ctx.missing_struct != nullptr) m += std::string(ctx.missing_struct) + ".";
  m += ctx.missing_field;
  m += " is missing";
  return Status(StatusCode::kDataLoss, m);
}

namespace {

// Iterative-over-siblings, recursive-over-depth skip; depth is bounded by the
// limit, so the recursion is too.
const uint8_t* SkipValue(const uint8_t* p, const uint8_t* end, TType t, ReadContext& ctx,
                         ReadError* err);

const uint8_t* SkipStruct(const uint8_t* p, const uint8_t* end, ReadContext& ctx, ReadError* err) {
  for (;;) {
    if (TERN_UNLIKELY(end - p < 1)) return *err = ReadError::kTruncated, nullptr;
    const uint8_t t = *p++;
    if (t == 0) return p;
    if (TERN_UNLIKELY(!IsValidTType(t))) return *err = ReadError::kBadType, nullptr;
    if (TERN_UNLIKELY(end - p < 2)) return *err = ReadError::kTruncated, nullptr;
    p += 2;
    p = SkipValue(p, end, static_cast<TType>(t), ctx, err);
    if (p == nullptr) return nullptr;
  }
}

const uint8_t* SkipValue(const uint8_t* p, const uint8_t* end, TType t, ReadContext& ctx,
                         ReadError* err) {
  const size_t fixed = FixedWireSize(t);
  if (fixed != 0) {
    if (TERN_UNLIKELY(static_cast<size_t>(end - p) < fixed))
      return *err = ReadError::kTruncated, nullptr;
    return p + fixed;
  }
  switch (t) {
    case TType::kString: {
      size_t n;
      p = ReadLength(p, end, ctx.limits.max_string, &n, err);
      return p == nullptr ? nullptr : p + n;
    }
    case TType::kStruct: {
      if (TERN_UNLIKELY(++ctx.depth > ctx.limits.max_depth))
        return *err = ReadError::kTooDeep, nullptr;
      p = SkipStruct(p, end, ctx, err);
      --ctx.depth;
      return p;
    }
    case TType::kList:
    case TType::kSet: {
      if (TERN_UNLIKELY(end - p < 5)) return *err = ReadError::kTruncated, nullptr;
      const uint8_t et = p[0];
      const int32_t n = LoadI32(p + 1);
      p += 5;
      if (TERN_UNLIKELY(n == 0 ? !IsEmptyElementTType(et) : !IsValidTType(et))) {
        return *err = ReadError::kBadType, nullptr;
      }
      const TType e = static_cast<TType>(et);
      if (!CheckCount(n, ctx.limits.max_container, MinWireSize(e), p, end, err)) return nullptr;
      if (const size_t fs = FixedWireSize(e); fs != 0) return p + static_cast<size_t>(n) * fs;
      if (TERN_UNLIKELY(++ctx.depth > ctx.limits.max_depth))
        return *err = ReadError::kTooDeep, nullptr;
      for (int32_t i = 0; i < n && p != nullptr; ++i) p = SkipValue(p, end, e, ctx, err);
      --ctx.depth;
      return p;
    }
    case TType::kMap: {
      if (TERN_UNLIKELY(end - p < 6)) return *err = ReadError::kTruncated, nullptr;
      const uint8_t kt = p[0], vt = p[1];
      const int32_t n = LoadI32(p + 2);
      p += 6;
      if (TERN_UNLIKELY(n == 0 ? !IsEmptyElementTType(kt) || !IsEmptyElementTType(vt)
                               : !IsValidTType(kt) || !IsValidTType(vt))) {
        return *err = ReadError::kBadType, nullptr;
      }
      const TType k = static_cast<TType>(kt), v = static_cast<TType>(vt);
      if (!CheckCount(n, ctx.limits.max_container, MinWireSize(k) + MinWireSize(v), p, end, err)) {
        return nullptr;
      }
      const size_t fk = FixedWireSize(k), fv = FixedWireSize(v);
      if (fk != 0 && fv != 0) return p + static_cast<size_t>(n) * (fk + fv);
      if (TERN_UNLIKELY(++ctx.depth > ctx.limits.max_depth))
        return *err = ReadError::kTooDeep, nullptr;
      for (int32_t i = 0; i < n && p != nullptr; ++i) {
        p = SkipValue(p, end, k, ctx, err);
        if (p != nullptr) p = SkipValue(p, end, v, ctx, err);
      }
      --ctx.depth;
      return p;
    }
    default:
      return *err = ReadError::kBadType, nullptr;
  }
}

}  // namespace

const uint8_t* Skip(const uint8_t* p, const uint8_t* end, TType t, ReadContext& ctx,
                    ReadError* err) {
  if (TERN_UNLIKELY(!IsValidTType(static_cast<uint8_t>(t))))
    return *err = ReadError::kBadType, nullptr;
  return SkipValue(p, end, t, ctx, err);
}

}  // namespace wire
}  // namespace tern
