// CompactCodec: Thrift Compact protocol over the Framed or the Buffered
// transport — the `thrift_compact` codec plugin, built with nothing but the
// installed SDK.
//
//   frame     framed: a 4-byte big-endian length N (0 < N <= max_frame), then
//             N bytes; buffered: nothing — the message ends where its body
//             struct ends (compact_framer.h finds it, resuming across reads)
//   envelope  0x82 (protocol id), (type << 5) | 1 (version), seqid as a
//             varint (its 32 bits unsigned), name (varint length, bytes)
//   body      the args/result struct, compact_protocol.h
//
// Encode: one pass. Frame header, envelope and about what the last body of
// that type took are reserved at once, the body is written as it goes
// (compact::WriteReserved: no size pass; more room is reserved if it runs
// out) and the frame length is filled in at the end. With a keep-alive in
// the BodyRef, strings and binaries of 4 KB and more are linked into `out`
// by reference (as thrift_fast does), not copied. On an error `out` may
// hold part of the message: the caller discards it. Decode: the whole frame
// is handed over contiguously (FrameView); the body must end exactly at the
// frame's end. Framing is chosen when the codec is created (config key
// `framing`: framed, the default, or buffered); both ends must agree.
//
// Errors: DATA_LOSS for malformed input (bad protocol id or version, unknown
// message type, bad varints, truncation), RESOURCE_EXHAUSTED for an
// exceeded limit; INVALID_ARGUMENT for what the caller cannot encode.
// Thread: immutable after construction; every method is reentrant.
#pragma once

#include <memory>

#include "tern/codec.h"
#include "tern/config_view.h"
#include "tern/status.h"

namespace tern::compact {

class CompactCodec final : public Codec {
 public:
  explicit CompactCodec(bool framed = true) : framed_(framed) {}
  bool framed() const { return framed_; }

  uint64_t Capabilities() const override { return 0; }
  FrameResult Frame(LinkBuffer& in, FrameState& state, const Limits& limits) const override;
  Status Encode(const MessageHeader& header, const BodyRef& body, LinkBuffer& out) const override;
  // Always writes message type EXCEPTION, as an Apache server does.
  Status EncodeException(const MessageHeader& header, const AppException& ex,
                         LinkBuffer& out) const override;
  Result<MessageHeader> DecodeHeader(FrameView& frame, const Limits& limits) const override;
  Status DecodeBody(FrameView& frame, const TypeInfo& type, void* obj,
                    ReadContext& ctx) const override;
  Result<AppException> DecodeException(FrameView& frame, const Limits& limits) const override;

 private:
  size_t PrefixSize() const { return framed_ ? 4 : 0; }
  bool framed_;
};

// The plugin's factory: `framing` from the codec's config section.
Status CreateCompactCodec(const ConfigView& section, std::unique_ptr<Codec>* out) noexcept;

}  // namespace tern::compact
