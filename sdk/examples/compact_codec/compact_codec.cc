#include "compact_codec.h"

#include <cstring>
#include <limits>
#include <new>
#include <string>

#include "compact_framer.h"
#include "compact_protocol.h"

namespace tern::compact {

namespace {

constexpr size_t kFrameHeader = 4;
constexpr uint8_t kProtocolId = 0x82;
constexpr uint8_t kVersion = 1;
constexpr uint8_t kVersionMask = 0x1f;
constexpr int kTypeShift = 5;
constexpr size_t kMaxI32 = static_cast<size_t>(std::numeric_limits<int32_t>::max());

// TApplicationException's fields.
constexpr uint8_t kMessageHeader = 0x18;  // delta 1, binary
constexpr uint8_t kTypeHeader = 0x15;     // delta 1, i32

inline uint32_t LoadBE32(const uint8_t* p) {
  return (uint32_t{p[0]} << 24) | (uint32_t{p[1]} << 16) | (uint32_t{p[2]} << 8) | p[3];
}
inline uint8_t* PutBE32(uint8_t* p, uint32_t v) {
  p[0] = static_cast<uint8_t>(v >> 24);
  p[1] = static_cast<uint8_t>(v >> 16);
  p[2] = static_cast<uint8_t>(v >> 8);
  p[3] = static_cast<uint8_t>(v);
  return p + 4;
}

bool IsValidMessageType(uint8_t t) { return t >= 1 && t <= 4; }

Status CheckEncodable(const MessageHeader& h) {
  if (!IsValidMessageType(static_cast<uint8_t>(h.type))) {
    return InvalidArgument("thrift_compact: cannot encode message type " +
                           std::to_string(static_cast<int>(h.type)));
  }
  if (h.name.size() > kMaxI32) return InvalidArgument("thrift_compact: message name too long");
  return Status::OK();
}

size_t EnvelopeSize(const MessageHeader& h) {
  return 2 + VarintSize(static_cast<uint32_t>(h.seqid)) + VarintSize(h.name.size()) + h.name.size();
}

uint8_t* WriteEnvelope(uint8_t* p, const MessageHeader& h) {
  *p++ = kProtocolId;
  *p++ = static_cast<uint8_t>((static_cast<uint8_t>(h.type) << kTypeShift) | kVersion);
  p = PutVarint(p, static_cast<uint32_t>(h.seqid));
  p = PutVarint(p, h.name.size());
  std::memcpy(p, h.name.data(), h.name.size());
  return p + h.name.size();
}

Status FrameTooLarge(size_t n) {
  return ResourceExhausted("thrift_compact: message of " + std::to_string(n) +
                           " bytes does not fit a Thrift frame (2^31 - 1)");
}

Status CheckPos(const FrameView& frame) {
  if (frame.pos > frame.size) return Internal("thrift_compact: FrameView position past its end");
  return Status::OK();
}

// A 32-bit varint size checked against `max` and the bytes left.
const uint8_t* ReadSize(const uint8_t* p, const uint8_t* end, size_t max, size_t* n, Status* error,
                        const char* what) {
  uint64_t v;
  bool truncated = false;
  p = GetVarint(p, end, &v, &truncated);
  if (p == nullptr) {
    *error = DataLoss(std::string("thrift_compact: ") + what +
                      (truncated ? ": truncated" : ": varint longer than 10 bytes"));
    return nullptr;
  }
  if (static_cast<int32_t>(v) < 0) {
    *error = DataLoss(std::string("thrift_compact: ") + what + ": negative size");
    return nullptr;
  }
  *n = static_cast<uint32_t>(v);
  if (*n > max) {
    *error = ResourceExhausted(std::string("thrift_compact: ") + what + " of " +
                               std::to_string(*n) + " bytes is over max_string");
    return nullptr;
  }
  if (static_cast<size_t>(end - p) < *n) {
    *error = DataLoss(std::string("thrift_compact: ") + what + ": truncated");
    return nullptr;
  }
  return p;
}

}  // namespace

FrameResult CompactCodec::Frame(LinkBuffer& in, FrameState& state, const Limits& limits) const {
  if (!framed_) return FrameBuffered(in, state, limits);
  if (in.Len() < kFrameHeader) return FrameResult::NeedMore(kFrameHeader);
  Result<const uint8_t*> head = in.Peek(kFrameHeader);
  if (!head.ok()) return FrameResult::Error(std::move(head).status());
  const auto n = static_cast<int32_t>(LoadBE32(*head));
  if (n <= 0) {
    return FrameResult::Error(
        DataLoss("thrift_compact: frame length " + std::to_string(n) + " is not positive"));
  }
  if (static_cast<size_t>(n) > limits.max_frame) {
    return FrameResult::Error(ResourceExhausted("thrift_compact: frame of " + std::to_string(n) +
                                                " bytes is over max_frame (" +
                                                std::to_string(limits.max_frame) + ")"));
  }
  const size_t total = kFrameHeader + static_cast<size_t>(n);
  if (in.Len() < total) return FrameResult::NeedMore(total);
  return FrameResult::Frame(total);
}

Status CompactCodec::Encode(const MessageHeader& header, const BodyRef& body,
                            LinkBuffer& out) const {
  if (body.type == nullptr || body.obj == nullptr) {
    return InvalidArgument("thrift_compact: Encode without a body type or object");
  }
  TERN_RETURN_IF_ERROR(CheckEncodable(header));
  // One pass: frame header, envelope and about what the body took last
  // time reserved at once; the body is written as it goes (no size pass)
  // and the frame's length filled in after.
  const size_t prefix = PrefixSize();
  const size_t head = prefix + EnvelopeSize(header);
  size_t got = 0;
  Result<uint8_t*> mem = out.MallocAtLeast(head + SizeHint(*body.type), &got);
  if (!mem.ok()) return std::move(mem).status().WithContext("thrift_compact: Encode");
  uint8_t* frame = *mem;
  uint8_t* p = WriteEnvelope(frame + prefix, header);
  size_t blen = 0;
  // Large strings by reference when the caller gave a keep-alive.
  TERN_RETURN_IF_ERROR(WriteReserved(*body.type, body.obj, out, p, got - head, &blen,
                                     body.keepalive_block() != nullptr ? body.keepalive : nullptr)
                           .WithContext("thrift_compact: Encode"));
  const size_t total = head - prefix + blen;
  if (total > kMaxI32) return FrameTooLarge(total);
  if (framed_) PutBE32(frame, static_cast<uint32_t>(total));
  return Status::OK();
}

Status CompactCodec::EncodeException(const MessageHeader& header, const AppException& ex,
                                     LinkBuffer& out) const {
  MessageHeader h = header;
  h.type = MessageType::kException;
  TERN_RETURN_IF_ERROR(CheckEncodable(h));
  if (ex.message.size() > kMaxI32) {
    return InvalidArgument("thrift_compact: exception message too long to encode");
  }
  const auto type = static_cast<uint32_t>((static_cast<uint32_t>(ex.type) << 1) ^
                                          static_cast<uint32_t>(ex.type >> 31));
  const size_t body =
      1 + VarintSize(ex.message.size()) + ex.message.size() + 1 + VarintSize(type) + 1;
  const size_t total = EnvelopeSize(h) + body;
  if (total > kMaxI32) return FrameTooLarge(total);
  Result<uint8_t*> mem = out.Malloc(PrefixSize() + total);
  if (!mem.ok()) return std::move(mem).status().WithContext("thrift_compact: EncodeException");
  uint8_t* p = *mem;
  if (framed_) p = PutBE32(p, static_cast<uint32_t>(total));
  p = WriteEnvelope(p, h);
  *p++ = kMessageHeader;
  p = PutVarint(p, ex.message.size());
  std::memcpy(p, ex.message.data(), ex.message.size());
  p += ex.message.size();
  *p++ = kTypeHeader;
  p = PutVarint(p, type);
  *p = 0;
  return Status::OK();
}

Result<MessageHeader> CompactCodec::DecodeHeader(FrameView& frame, const Limits& limits) const {
  TERN_RETURN_IF_ERROR(CheckPos(frame));
  const uint8_t* p = frame.data + frame.pos;
  const uint8_t* const end = frame.data + frame.size;
  if (framed_) {
    if (end - p < static_cast<ptrdiff_t>(kFrameHeader)) {
      return DataLoss("thrift_compact: truncated frame header");
    }
    const auto n = static_cast<int32_t>(LoadBE32(p));
    p += kFrameHeader;
    if (n <= 0 || static_cast<size_t>(n) != static_cast<size_t>(end - p)) {
      return DataLoss("thrift_compact: frame length " + std::to_string(n) + " does not match the " +
                      std::to_string(end - p) + " bytes of the frame");
    }
  }
  if (end - p < 2) return DataLoss("thrift_compact: truncated message header");
  if (p[0] != kProtocolId) {
    return DataLoss("thrift_compact: bad protocol id " + std::to_string(p[0]) +
                    " (expected 0x82: is the peer speaking Compact?)");
  }
  if ((p[1] & kVersionMask) != kVersion) {
    return DataLoss("thrift_compact: bad protocol version " + std::to_string(p[1] & kVersionMask));
  }
  const uint8_t type = static_cast<uint8_t>(p[1] >> kTypeShift);
  if (!IsValidMessageType(type)) {
    return DataLoss("thrift_compact: invalid message type " + std::to_string(type));
  }
  p += 2;
  MessageHeader h;
  h.type = static_cast<MessageType>(type);
  uint64_t seqid;
  bool truncated = false;
  p = GetVarint(p, end, &seqid, &truncated);
  if (p == nullptr) {
    return DataLoss(truncated ? "thrift_compact: truncated sequence id"
                              : "thrift_compact: sequence id varint longer than 10 bytes");
  }
  h.seqid = static_cast<int32_t>(static_cast<uint32_t>(seqid));
  size_t len;
  Status error;
  p = ReadSize(p, end, limits.max_string, &len, &error, "message name");
  if (p == nullptr) return error;
  h.name = std::string_view(reinterpret_cast<const char*>(p), len);
  p += len;
  frame.pos = static_cast<size_t>(p - frame.data);
  return h;
}

Status CompactCodec::DecodeBody(FrameView& frame, const TypeInfo& type, void* obj,
                                ReadContext& ctx) const {
  TERN_RETURN_IF_ERROR(CheckPos(frame));
  const size_t left = frame.size - frame.pos;
  Result<size_t> r = Read(type, obj, frame.data + frame.pos, left, ctx);
  if (!r.ok()) return std::move(r).status();
  frame.pos += *r;
  if (frame.pos != frame.size) {
    return DataLoss("thrift_compact: " + std::to_string(frame.size - frame.pos) +
                    " trailing bytes after the body of " + type.name);
  }
  return Status::OK();
}

Result<AppException> CompactCodec::DecodeException(FrameView& frame, const Limits& limits) const {
  TERN_RETURN_IF_ERROR(CheckPos(frame));
  const uint8_t* p = frame.data + frame.pos;
  const uint8_t* const end = frame.data + frame.size;
  AppException ex;
  int16_t last = 0;
  for (;;) {
    if (end - p < 1) return DataLoss("thrift_compact: TApplicationException: truncated input");
    const uint8_t b = *p++;
    const uint8_t ct = b & 0x0f;
    // The stop is a type of 0, whatever the delta bits (as every reader).
    if (ct == 0) break;
    int16_t id;
    uint64_t v;
    bool truncated = false;
    if ((b >> 4) != 0) {
      id = static_cast<int16_t>(last + (b >> 4));
    } else {
      p = GetVarint(p, end, &v, &truncated);
      if (p == nullptr) return DataLoss("thrift_compact: TApplicationException: bad field id");
      const auto z = static_cast<uint32_t>(v);
      id = static_cast<int16_t>((z >> 1) ^ (~(z & 1) + 1));
    }
    last = id;
    if (id == 1 && ct == 8) {
      size_t len;
      Status error;
      p = ReadSize(p, end, limits.max_string, &len, &error, "TApplicationException message");
      if (p == nullptr) return error;
      ex.message.assign(reinterpret_cast<const char*>(p), len);
      p += len;
    } else if (id == 2 && ct == 5) {
      p = GetVarint(p, end, &v, &truncated);
      if (p == nullptr) return DataLoss("thrift_compact: TApplicationException: bad type");
      const auto z = static_cast<uint32_t>(v);
      ex.type = static_cast<int32_t>((z >> 1) ^ (~(z & 1) + 1));
    } else {
      // Anything else (a newer peer's field) is skipped, depth-limited.
      size_t skipped = 0;
      Status s = SkipField(ct, p, static_cast<size_t>(end - p), limits, &skipped);
      if (!s.ok()) return s;
      p += skipped;
    }
  }
  frame.pos = static_cast<size_t>(p - frame.data);
  if (frame.pos != frame.size) {
    return DataLoss("thrift_compact: " + std::to_string(frame.size - frame.pos) +
                    " trailing bytes after TApplicationException");
  }
  return ex;
}

Status CreateCompactCodec(const ConfigView& section, std::unique_ptr<Codec>* out) noexcept {
  try {
    Result<std::string> framing = section.GetString("framing", "framed");
    if (!framing.ok()) return std::move(framing).status();
    if (*framing != "framed" && *framing != "buffered") {
      return InvalidArgument("thrift_compact: framing must be 'framed' or 'buffered', not '" +
                             *framing + "'");
    }
    *out = std::make_unique<CompactCodec>(*framing == "framed");
    return Status::OK();
  } catch (const std::bad_alloc&) {
    return ResourceExhausted("thrift_compact: out of memory creating the codec");
  } catch (...) {
    return Internal("thrift_compact: unexpected exception creating the codec");
  }
}

}  // namespace tern::compact
