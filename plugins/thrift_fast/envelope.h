// The Thrift Binary message envelope: name, message type and sequence id in
// front of every message body.
//
//   strict     i32 0x8001_0000 | type, i32 name length, name, i32 seqid
//   non-strict i32 name length (>= 0), name, i8 type, i32 seqid
//
// Tern writes strict envelopes only (what Apache writes by default). It
// reads both, like Apache's TBinaryProtocol, unless Limits::strict_read; the
// first word tells them apart (negative: strict). As in Apache, byte 2 of a
// strict header (between the version and the type) is ignored.
//
// Errors: DATA_LOSS for bad version bits, an unknown message type, a
// negative or truncated name; RESOURCE_EXHAUSTED for a name over
// max_string. Decoded names are views into the caller's bytes.
// Thread: stateless.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string_view>

#include "tern/codec.h"
#include "tern/status.h"
#include "tern/thrift/types.h"
#include "tern/thrift/wire.h"

namespace tern::thrift_fast {

inline constexpr uint32_t kVersionMask = 0xffff0000u;
inline constexpr uint32_t kVersion1 = 0x80010000u;

constexpr bool IsValidMessageType(uint8_t t) {
  return t >= static_cast<uint8_t>(MessageType::kCall) &&
         t <= static_cast<uint8_t>(MessageType::kOneway);
}

// Bytes of a strict envelope whose name has `name_len` bytes.
constexpr size_t EnvelopeSize(size_t name_len) { return 4 + 4 + name_len + 4; }

// The INVALID_ARGUMENT CheckEncodable returns (out of line: the rare path).
Status NotEncodable(const MessageHeader& header);

// Rejects what cannot be encoded (a name longer than an i32 can say, an
// unknown message type): INVALID_ARGUMENT, since the caller built it.
// Inline: every message encoded passes here.
inline Status CheckEncodable(const MessageHeader& header) {
  if (TERN_LIKELY(IsValidMessageType(static_cast<uint8_t>(header.type)) &&
                  header.name.size() <= static_cast<size_t>(INT32_MAX))) {
    return Status::OK();
  }
  return NotEncodable(header);
}

// Writes a strict envelope; returns the end. `header` passed CheckEncodable.
inline uint8_t* WriteEnvelope(uint8_t* p, const MessageHeader& header) {
  p = wire::PutI32(p, static_cast<int32_t>(kVersion1 | static_cast<uint32_t>(header.type)));
  p = wire::PutI32(p, static_cast<int32_t>(header.name.size()));
  wire::CopyBytes(p, header.name.data(), header.name.size());  // inline for a short name
  p += header.name.size();
  return wire::PutI32(p, header.seqid);
}

// Reads an envelope from [p, p + n). Returns the bytes it took; out->name
// points into [p, p + n).
Result<size_t> ReadEnvelope(const uint8_t* p, size_t n, const Limits& limits, MessageHeader* out);

// For the server: OK for CALL and ONEWAY; an error for a REPLY or EXCEPTION
// arriving where a call is expected (Apache's processor drops the
// connection; the caller may instead answer with the exception
// InvalidMessageType() describes).
Status ExpectCall(const MessageHeader& header);
// For the client: OK for REPLY and EXCEPTION, an error otherwise.
Status ExpectReply(const MessageHeader& header);

// The TApplicationException (INVALID_MESSAGE_TYPE) that answers `header`
// when ExpectCall refused it.
AppException InvalidMessageType(const MessageHeader& header);

}  // namespace tern::thrift_fast
