#include "plugins/thrift_fast/envelope.h"

#include <cstdio>
#include <limits>
#include <string>

#include "tern/thrift/wire.h"

namespace tern::thrift_fast {

namespace {

const char* MessageTypeName(MessageType t) {
  switch (t) {
    case MessageType::kCall:
      return "CALL";
    case MessageType::kReply:
      return "REPLY";
    case MessageType::kException:
      return "EXCEPTION";
    case MessageType::kOneway:
      return "ONEWAY";
  }
  return "invalid";
}

std::string Describe(const MessageHeader& h) {
  return std::string(MessageTypeName(h.type)) + " message '" + std::string(h.name) + "' (seqid " +
         std::to_string(h.seqid) + ")";
}

}  // namespace

Status NotEncodable(const MessageHeader& header) {
  if (!IsValidMessageType(static_cast<uint8_t>(header.type))) {
    return InvalidArgument("thrift_fast: cannot encode message type " +
                           std::to_string(static_cast<int>(header.type)));
  }
  return InvalidArgument("thrift_fast: message name too long to encode");
}

Result<size_t> ReadEnvelope(const uint8_t* p, size_t n, const Limits& limits, MessageHeader* out) {
  const uint8_t* const start = p;
  const uint8_t* const end = p + n;
  if (n < 4) return DataLoss("thrift_fast: truncated message header");
  const int32_t first = wire::LoadI32(p);
  p += 4;
  uint8_t type;
  if (first < 0) {
    const auto u = static_cast<uint32_t>(first);
    if ((u & kVersionMask) != kVersion1) {
      char hex[9];
      std::snprintf(hex, sizeof(hex), "%08x", u);
      return DataLoss(std::string("thrift_fast: bad version bits in the message header (0x") + hex +
                      ")");
    }
    type = static_cast<uint8_t>(u & 0xff);
    size_t len;
    wire::ReadError err = wire::ReadError::kNone;
    const uint8_t* name = wire::ReadLength(p, end, limits.max_string, &len, &err);
    if (name == nullptr) return wire::MakeError(err, "thrift_fast: message name");
    out->name = std::string_view(reinterpret_cast<const char*>(name), len);
    p = name + len;
  } else {
    if (limits.strict_read) {
      return DataLoss("thrift_fast: non-strict message header while strict_read is set");
    }
    const auto len = static_cast<size_t>(first);
    if (len > limits.max_string) {
      return ResourceExhausted("thrift_fast: message name of " + std::to_string(len) +
                               " bytes exceeds max_string");
    }
    // One extra byte: the type follows the name.
    if (len + 1 > static_cast<size_t>(end - p)) {
      return DataLoss("thrift_fast: message name longer than the frame");
    }
    out->name = std::string_view(reinterpret_cast<const char*>(p), len);
    p += len;
    type = *p++;
  }
  if (!IsValidMessageType(type)) {
    return DataLoss("thrift_fast: unknown message type " + std::to_string(type));
  }
  out->type = static_cast<MessageType>(type);
  if (end - p < 4) return DataLoss("thrift_fast: truncated message header (seqid)");
  out->seqid = wire::LoadI32(p);
  p += 4;
  return static_cast<size_t>(p - start);
}

Status ExpectCall(const MessageHeader& header) {
  if (header.type == MessageType::kCall || header.type == MessageType::kOneway) {
    return Status::OK();
  }
  return DataLoss("thrift_fast: expected a CALL or ONEWAY message, got " + Describe(header));
}

Status ExpectReply(const MessageHeader& header) {
  if (header.type == MessageType::kReply || header.type == MessageType::kException) {
    return Status::OK();
  }
  return DataLoss("thrift_fast: expected a REPLY or EXCEPTION message, got " + Describe(header));
}

AppException InvalidMessageType(const MessageHeader& header) {
  AppException ex;
  ex.type = AppException::kInvalidMessageType;
  ex.message = "invalid message type: expected a call, got " + Describe(header);
  return ex;
}

}  // namespace tern::thrift_fast
