// BinaryCodec: Thrift Binary over the Framed or the Buffered transport — the
// `thrift_fast` codec plugin.
//
// Bodies go through the generated fast functions of their TypeInfo, one
// call per message:
//
//   Encode, no keep-alive:  one Malloc(frame header + envelope + blength),
//                           envelope written, one fast_write.
//   Encode, keep-alive set: frame header reserved (Malloc(4), pointer kept:
//                           Malloc'd bytes do not move before Flush), then
//                           envelope, then write_ref through a Writer that
//                           links large strings/binaries in by reference;
//                           the length is patched when the size is known.
//   DecodeBody:             one fast_read over the contiguous frame; the body
//                           must end exactly at the frame's end.
//
// Encode and EncodeException append to `out` and never Flush(): the caller
// publishes (often several messages at once). On an error `out` may hold a
// partial message and must not be sent.
//
// Framing is chosen when the codec is created (config key `framing`:
// `framed`, the default, or `buffered`) — both ends of a connection must
// agree, so it is not guessed from the bytes. Framed frames start with their
// 4-byte length; DecodeHeader checks it against the frame it is given.
//
// Thread: immutable after construction; every method is reentrant
// (FrameState is per connection).
//
// Other Thrift Binary codecs build on this one rather than repeat it:
// thrift_copyfree derives from BinaryCodec (adding DecodeView) and uses
// ReadFraming and kFramingConfigKey for its own `framing` key.
#pragma once

#include <cstdint>
#include <memory>
#include <string_view>

#include "tern/codec.h"
#include "tern/config_view.h"
#include "tern/plugin.h"
#include "tern/status.h"

namespace tern::thrift_fast {

enum class Framing : uint8_t { kFramed = 0, kBuffered = 1 };

const char* FramingName(Framing f);
// "framed" or "buffered"; anything else is INVALID_ARGUMENT.
Result<Framing> ParseFraming(std::string_view text);

// The `framing` key every Thrift Binary codec plugin declares.
inline constexpr PluginConfigKey kFramingConfigKey = {
    "framing", ConfigType::kString, "framed",
    "framed (4-byte length prefix, TFramedTransport) or buffered (none, TBufferedTransport)"};

// `framing` from a codec's config section (default framed); an error names
// the key as "<section>.framing" (`plugin` when the section has no name).
Result<Framing> ReadFraming(const ConfigView& section, std::string_view plugin);

class BinaryCodec : public Codec {
 public:
  explicit BinaryCodec(Framing framing) : framing_(framing) {}

  Framing framing() const { return framing_; }

  uint64_t Capabilities() const override { return 0; }
  FrameResult Frame(LinkBuffer& in, FrameState& state, const Limits& limits) const override;
  Status Encode(const MessageHeader& header, const BodyRef& body, LinkBuffer& out) const override;
  // Always writes message type EXCEPTION (header.type is not used), with
  // header.name and header.seqid, as an Apache server does.
  Status EncodeException(const MessageHeader& header, const AppException& ex,
                         LinkBuffer& out) const override;
  Result<MessageHeader> DecodeHeader(FrameView& frame, const Limits& limits) const override;
  Status DecodeBody(FrameView& frame, const TypeInfo& type, void* obj,
                    ReadContext& ctx) const override;
  Result<AppException> DecodeException(FrameView& frame, const Limits& limits) const override;

 private:
  size_t PrefixSize() const;
  Framing framing_;
};

// The plugin's factory: `framing` from the codec's config section.
Status CreateBinaryCodec(const ConfigView& section, std::unique_ptr<Codec>* out) noexcept;

}  // namespace tern::thrift_fast
