// CopyFreeCodec: the `thrift_copyfree` codec plugin — Thrift Binary that can
// hand out a request's body as a copy-free view instead of decoding it.
//
// Everything on the wire is thrift_fast's: this class derives from
// thrift_fast::BinaryCodec and inherits its framing (framed or buffered,
// config key `framing`), envelope, TApplicationException, Encode and
// DecodeBody (FastRead), so a service whose handlers take structs runs
// unchanged with `codec = thrift_copyfree`. What it adds is DecodeView
// (tern/codec.h): one validating index pass over the body, no allocation
// per string or container, and the generated view (tern/thrift/view.h)
// reads fields straight from the received bytes.
//
//   frame  [length][envelope][body .............................]
//                            ^ frame.pos (after DecodeHeader)    ^ frame.size
//   *bytes  = the body: shares frame.owner's block, or borrows frame.data
//   *core   = {bytes, 0, end of the body's stop byte (== body size)}
//   slots[] = where each field of the schema starts in *bytes, or kAbsent
//
// Lifetime: with frame.owner set, *bytes holds a reference on the block the
// frame lies in, so the view and the Strings read from it stay valid after
// the connection has moved on and the original Slice is gone; without an
// owner, *bytes borrows frame.data, which the caller keeps alive and
// unchanged while the view is read.
//
// Errors: those FastRead gives for the same body (DATA_LOSS for malformed
// or truncated input, RESOURCE_EXHAUSTED past a limit, nesting past
// max_depth included), DATA_LOSS for bytes after the body. On an error the
// view is left empty and *bytes references nothing. This class's own
// messages start "thrift_copyfree: "; those of the shared framing and
// envelope code start "thrift_fast: ".
//
// Thread: immutable after construction; every method is reentrant.
#pragma once

#include <cstdint>
#include <memory>

#include "plugins/thrift_fast/binary_codec.h"
#include "tern/codec.h"
#include "tern/config_view.h"
#include "tern/plugin.h"
#include "tern/status.h"

namespace tern::thrift_copyfree {

using thrift_fast::Framing;

class CopyFreeCodec final : public thrift_fast::BinaryCodec {
 public:
  explicit CopyFreeCodec(Framing framing) : BinaryCodec(framing) {}

  uint64_t Capabilities() const override { return kCapDecodesViews; }
  Status DecodeView(FrameView& frame, const TypeInfo& type, view::Bytes* bytes,
                    view::ViewCore* core, uint32_t* slots, ReadContext& ctx) const override;
};

// The plugin's factory: `framing` from the codec's config section.
Status CreateCopyFreeCodec(const ConfigView& section, std::unique_ptr<Codec>* out) noexcept;

}  // namespace tern::thrift_copyfree
