#include "plugins/thrift_fast/binary_codec.h"

#include <limits>
#include <new>
#include <string>

#include "plugins/thrift_fast/app_exception.h"
#include "plugins/thrift_fast/envelope.h"
#include "plugins/thrift_fast/framer.h"
#include "tern/thrift/wire.h"
#include "tern/writer.h"

namespace tern::thrift_fast {

namespace {

constexpr size_t kMaxI32 = static_cast<size_t>(std::numeric_limits<int32_t>::max());

Status FrameTooLarge(size_t n) {
  return ResourceExhausted("thrift_fast: message of " + std::to_string(n) +
                           " bytes does not fit a Thrift frame (2^31 - 1)");
}

}  // namespace

const char* FramingName(Framing f) { return f == Framing::kFramed ? "framed" : "buffered"; }

Result<Framing> ParseFraming(std::string_view text) {
  if (text == "framed") return Framing::kFramed;
  if (text == "buffered") return Framing::kBuffered;
  return InvalidArgument("framing must be 'framed' or 'buffered', not '" + std::string(text) + "'");
}

size_t BinaryCodec::PrefixSize() const {
  return framing_ == Framing::kFramed ? kFrameHeaderSize : 0;
}

FrameResult BinaryCodec::Frame(LinkBuffer& in, FrameState& state, const Limits& limits) const {
  if (framing_ == Framing::kFramed) return FrameFramed(in, limits);
  return FrameBuffered(in, state, limits);
}

Status BinaryCodec::Encode(const MessageHeader& header, const BodyRef& body,
                           LinkBuffer& out) const {
  if (body.type == nullptr || body.obj == nullptr) {
    return InvalidArgument("thrift_fast: Encode without a body type or object");
  }
  TERN_RETURN_IF_ERROR(CheckEncodable(header));
  const size_t prefix = PrefixSize();
  const size_t envelope = EnvelopeSize(header.name.size());
  // A keep-alive with no block is the "copy everything" case: a Slice made by
  // Slice::External over a holder is size 0 yet holds a block.
  if (body.keepalive_block() == nullptr) {
    const size_t blen = body.type->blength(body.obj);
    if (envelope + blen > kMaxI32) return FrameTooLarge(envelope + blen);
    Result<uint8_t*> mem = out.Malloc(prefix + envelope + blen);
    if (!mem.ok()) return std::move(mem).status().WithContext("thrift_fast: Encode");
    uint8_t* p = *mem;
    if (prefix != 0) p = wire::PutI32(p, static_cast<int32_t>(envelope + blen));
    p = WriteEnvelope(p, header);
    uint8_t* end = body.type->fast_write(body.obj, p);
    if (TERN_UNLIKELY(end != p + blen)) {
      return Internal(std::string("thrift_fast: fast_write of ") + body.type->name +
                      " wrote a size other than its blength");
    }
    return Status::OK();
  }
  // Frame length (patched below) and envelope in one piece.
  Result<uint8_t*> mem = out.Malloc(prefix + envelope);
  if (!mem.ok()) return std::move(mem).status().WithContext("thrift_fast: Encode");
  uint8_t* length_at = prefix != 0 ? *mem : nullptr;
  WriteEnvelope(*mem + prefix, header);
  const size_t before = out.UnflushedLen() - envelope;
  Writer writer(out, *body.keepalive);
  TERN_RETURN_IF_ERROR(body.type->write_ref(body.obj, writer));
  const size_t written = out.UnflushedLen() - before;
  if (length_at != nullptr) {
    if (written > kMaxI32) return FrameTooLarge(written);
    wire::PutI32(length_at, static_cast<int32_t>(written));
  }
  return Status::OK();
}

Status BinaryCodec::EncodeException(const MessageHeader& header, const AppException& ex,
                                    LinkBuffer& out) const {
  MessageHeader h = header;
  h.type = MessageType::kException;
  TERN_RETURN_IF_ERROR(CheckEncodable(h));
  if (ex.message.size() > kMaxI32) {
    return InvalidArgument("thrift_fast: exception message too long to encode");
  }
  const size_t prefix = PrefixSize();
  const size_t body = EnvelopeSize(h.name.size()) + AppExceptionSize(ex);
  if (body > kMaxI32) return FrameTooLarge(body);
  Result<uint8_t*> mem = out.Malloc(prefix + body);
  if (!mem.ok()) return std::move(mem).status().WithContext("thrift_fast: EncodeException");
  uint8_t* p = *mem;
  if (prefix != 0) p = wire::PutI32(p, static_cast<int32_t>(body));
  p = WriteEnvelope(p, h);
  WriteAppException(p, ex);
  return Status::OK();
}

Result<MessageHeader> BinaryCodec::DecodeHeader(FrameView& frame, const Limits& limits) const {
  if (frame.pos > frame.size) return Internal("thrift_fast: FrameView position past its end");
  size_t pos = frame.pos;
  if (framing_ == Framing::kFramed) {
    if (frame.size - pos < kFrameHeaderSize) return DataLoss("thrift_fast: truncated frame header");
    const int32_t n = wire::LoadI32(frame.data + pos);
    pos += kFrameHeaderSize;
    if (n <= 0 || static_cast<size_t>(n) != frame.size - pos) {
      return DataLoss("thrift_fast: frame length " + std::to_string(n) + " does not match the " +
                      std::to_string(frame.size - pos) + " bytes of the frame");
    }
  }
  MessageHeader header;
  Result<size_t> r = ReadEnvelope(frame.data + pos, frame.size - pos, limits, &header);
  if (!r.ok()) return std::move(r).status();
  frame.pos = pos + *r;
  return header;
}

Status BinaryCodec::DecodeBody(FrameView& frame, const TypeInfo& type, void* obj,
                               ReadContext& ctx) const {
  if (frame.pos > frame.size) return Internal("thrift_fast: FrameView position past its end");
  const size_t left = frame.size - frame.pos;
  Result<size_t> r = type.fast_read(obj, frame.data + frame.pos, left, ctx);
  if (!r.ok()) return std::move(r).status();
  if (TERN_UNLIKELY(*r > left)) {
    return Internal(std::string("thrift_fast: fast_read of ") + type.name +
                    " claims more bytes than it was given");
  }
  frame.pos += *r;
  if (frame.pos != frame.size) {
    return DataLoss("thrift_fast: " + std::to_string(frame.size - frame.pos) +
                    " trailing bytes after the body of " + type.name);
  }
  return Status::OK();
}

Result<AppException> BinaryCodec::DecodeException(FrameView& frame, const Limits& limits) const {
  if (frame.pos > frame.size) return Internal("thrift_fast: FrameView position past its end");
  AppException ex;
  Result<size_t> r = ReadAppException(frame.data + frame.pos, frame.size - frame.pos, limits, &ex);
  if (!r.ok()) return std::move(r).status();
  frame.pos += *r;
  if (frame.pos != frame.size) {
    return DataLoss("thrift_fast: " + std::to_string(frame.size - frame.pos) +
                    " trailing bytes after TApplicationException");
  }
  return ex;
}

Result<Framing> ReadFraming(const ConfigView& section, std::string_view plugin) {
  Result<std::string> text =
      section.GetString(kFramingConfigKey.name, kFramingConfigKey.default_value);
  if (!text.ok()) return std::move(text).status();
  Result<Framing> framing = ParseFraming(*text);
  if (!framing.ok()) {
    return std::move(framing).status().WithContext(
        (section.section().empty() ? std::string(plugin) : section.section()) + ".framing");
  }
  return framing;
}

Status CreateBinaryCodec(const ConfigView& section, std::unique_ptr<Codec>* out) noexcept {
  try {
    Result<Framing> framing = ReadFraming(section, "thrift_fast");
    if (!framing.ok()) return std::move(framing).status();
    *out = std::make_unique<BinaryCodec>(*framing);
    return Status::OK();
  } catch (const std::bad_alloc&) {
    return ResourceExhausted("thrift_fast: out of memory creating the codec");
  } catch (...) {
    return Internal("thrift_fast: unexpected exception creating the codec");
  }
}

}  // namespace tern::thrift_fast
