#include "plugins/thrift_fast/app_exception.h"

#include "tern/thrift/wire.h"

namespace tern::thrift_fast {

namespace {
constexpr int16_t kMessageId = 1;
constexpr int16_t kTypeId = 2;
}  // namespace

size_t AppExceptionSize(const AppException& ex) {
  return wire::kFieldHeader + wire::StringSize(ex.message.size()) + wire::kFieldHeader + 4 + 1;
}

uint8_t* WriteAppException(uint8_t* p, const AppException& ex) {
  p = wire::PutFieldBegin(p, TType::kString, kMessageId);
  p = wire::PutString(p, ex.message);
  p = wire::PutFieldBegin(p, TType::kI32, kTypeId);
  p = wire::PutI32(p, ex.type);
  return wire::PutStop(p);
}

Result<size_t> ReadAppException(const uint8_t* p, size_t n, const Limits& limits,
                                AppException* out) {
  const uint8_t* const start = p;
  const uint8_t* const end = p + n;
  // The exception struct itself is depth 1, as for any message body.
  ReadContext ctx{limits, 1};
  if (limits.max_depth < 1)
    return wire::MakeError(wire::ReadError::kTooDeep, "TApplicationException");
  wire::ReadError err = wire::ReadError::kNone;
  for (;;) {
    if (end - p < 1) return wire::MakeError(wire::ReadError::kTruncated, "TApplicationException");
    const uint8_t type = *p++;
    if (type == static_cast<uint8_t>(TType::kStop)) break;
    if (!IsValidTType(type))
      return wire::MakeError(wire::ReadError::kBadType, "TApplicationException");
    if (end - p < 2) return wire::MakeError(wire::ReadError::kTruncated, "TApplicationException");
    const int16_t id = wire::LoadI16(p);
    p += 2;
    if (id == kMessageId && type == static_cast<uint8_t>(TType::kString)) {
      p = wire::ReadString(p, end, limits.max_string, &out->message, &err);
    } else if (id == kTypeId && type == static_cast<uint8_t>(TType::kI32)) {
      if (end - p < 4) return wire::MakeError(wire::ReadError::kTruncated, "TApplicationException");
      out->type = wire::LoadI32(p);
      p += 4;
    } else {
      p = wire::Skip(p, end, static_cast<TType>(type), ctx, &err);
    }
    if (p == nullptr) return wire::MakeError(err, "TApplicationException");
  }
  return static_cast<size_t>(p - start);
}

}  // namespace tern::thrift_fast
