// Codec: a wire protocol — framing, the message envelope, and message bodies.
//
// One Codec object serves every service: it reaches message bodies through
// their TypeInfo (type_info.h), so the runtime never knows which codec it
// runs. A codec that knows generated code calls TypeInfo's fast functions
// once per message (thrift_fast); one that does not walks TypeInfo's field
// table (a third-party Compact codec). One virtual call per message, static
// code per field.
//
// Framing has three outcomes (need more / a frame of N bytes / an error), so
// the transport never confuses "not yet" with "never". A FrameState lives per
// connection, so a codec whose frames carry no length (Thrift Buffered) can
// resume its scan where the last call stopped instead of rescanning.
//
// Decoding works on one whole frame handed over contiguously (FrameView):
// the connection sizes its reads from the frame's declared length so a large
// frame lands in one block and is not copied to be joined. A codec with
// kCapDecodesViews can also index a body in place (DecodeView) instead of
// decoding it: the view (tern/thrift/view.h) reads the frame's bytes, which
// it keeps alive when the frame comes with an owner.
//
// Errors: every method returns a Status; malformed input is DATA_LOSS, an
// exceeded limit RESOURCE_EXHAUSTED. A codec never throws and never reads
// outside the frame.
//
// Thread: a Codec object is immutable after creation and its methods are
// reentrant: one instance serves all connections and threads. FrameState is
// per connection (one thread at a time).
//
// ABI: the vtable is part of the plugin ABI (plugin.h).
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "tern/buffer.h"
#include "tern/export.h"
#include "tern/slice.h"
#include "tern/status.h"
#include "tern/thrift/types.h"
#include "tern/type_info.h"

namespace tern::view {
class Bytes;
struct ViewCore;
}  // namespace tern::view

namespace tern {

struct MessageHeader {
  std::string_view name;  // valid as long as the frame it was decoded from
  MessageType type = MessageType::kCall;
  int32_t seqid = 0;
};

// Per-connection framing state, owned by the connection, opaque to it: a
// codec's resumable scan position and whatever it needs to continue (a
// Buffered framer keeps its parse stack here). The connection calls Reset()
// after each frame it consumes.
struct FrameState {
  uint64_t words[8] = {};
  std::vector<uint64_t> stack;
  void Reset() {
    for (auto& w : words) w = 0;
    stack.clear();
  }
};

struct FrameResult {
  enum What : uint8_t { kNeedMore, kFrame, kError };
  What what = kNeedMore;
  // kFrame: the frame's size in bytes (framing header included).
  // kNeedMore: at least how many bytes must be buffered before calling again
  //   (0 when unknown), so the transport can size its next read.
  size_t size = 0;
  Status error;  // kError

  static FrameResult NeedMore(size_t at_least) { return {kNeedMore, at_least, Status()}; }
  static FrameResult Frame(size_t n) { return {kFrame, n, Status()}; }
  static FrameResult Error(Status s) { return {kError, 0, std::move(s)}; }
};

// One whole frame, contiguous. `owner`, when not empty, is a Slice whose
// bytes include [data, data + size) and keeps them alive (views may hold
// it); empty, the caller keeps the bytes alive for as long as anything
// decoded from them is used. `pos` is where the next decode starts (after
// the envelope, once DecodeHeader ran).
struct FrameView {
  const uint8_t* data = nullptr;
  size_t size = 0;
  size_t pos = 0;
  Slice owner;
};

// A message body to encode: the struct, its type, and (optionally) a handle
// that keeps the object alive until its by-reference payloads have left.
// Everything here is borrowed for the one Encode call, the keep-alive too:
// Encode takes its own reference for each payload it links into `out`, so a
// BodyRef costs no reference count of its own (a Slice copied in and dropped
// per message was two atomic operations, more than a small by-reference
// write itself).
struct BodyRef {
  const TypeInfo* type = nullptr;
  const void* obj = nullptr;
  const Slice* keepalive = nullptr;  // null or empty: copy every payload

  // The keep-alive's block, or null when every payload is copied.
  detail::Block* keepalive_block() const {
    return keepalive != nullptr ? keepalive->block() : nullptr;
  }
};

// Thrift's TApplicationException.
struct AppException {
  enum Type : int32_t {
    kUnknown = 0,
    kUnknownMethod = 1,
    kInvalidMessageType = 2,
    kWrongMethodName = 3,
    kBadSequenceId = 4,
    kMissingResult = 5,
    kInternalError = 6,
    kProtocolError = 7,
    kInvalidTransform = 8,
    kInvalidProtocol = 9,
    kUnsupportedClientType = 10,
  };
  std::string message;
  int32_t type = kUnknown;
};

class TERN_EXPORT Codec {
 public:
  virtual ~Codec();

  // PluginCapability bits this codec supports (e.g. kCapDecodesViews).
  virtual uint64_t Capabilities() const = 0;

  // Is a whole frame at the start of `in`? Reads (Peek) without consuming.
  // [poller thread of the connection]
  virtual FrameResult Frame(LinkBuffer& in, FrameState& state, const Limits& limits) const = 0;

  // Appends one framed message (envelope + body) to `out`.
  virtual Status Encode(const MessageHeader& header, const BodyRef& body,
                        LinkBuffer& out) const = 0;
  // Appends one framed message carrying a TApplicationException.
  virtual Status EncodeException(const MessageHeader& header, const AppException& ex,
                                 LinkBuffer& out) const = 0;

  // Decodes the framing header and envelope; leaves frame.pos at the body.
  virtual Result<MessageHeader> DecodeHeader(FrameView& frame, const Limits& limits) const = 0;
  // Decodes the body at frame.pos into obj (a constructed value of `type`).
  virtual Status DecodeBody(FrameView& frame, const TypeInfo& type, void* obj,
                            ReadContext& ctx) const = 0;
  // Decodes a TApplicationException body at frame.pos.
  virtual Result<AppException> DecodeException(FrameView& frame, const Limits& limits) const = 0;

  // kCapDecodesViews codecs: indexes the body at frame.pos as a copy-free
  // view of `type` (tern/thrift/view.h) without decoding it. *bytes is reset
  // to the body's bytes: sharing frame.owner when it is set (the view then
  // keeps the block alive), else borrowing frame.data (the caller keeps it
  // alive). core and slots (type.num_fields entries) are the generated
  // view's storage. The body must end exactly at the frame's end; on success
  // frame.pos is at the frame's end.
  // Returns: the errors FastRead would give for the body, DATA_LOSS for
  //   bytes after it. On an error the view is empty (core cleared, every
  //   slot absent), *bytes holds nothing and frame.pos is unchanged.
  // Invalidates: every view over *bytes' previous contents.
  // Default: UNIMPLEMENTED, touching nothing.
  virtual Status DecodeView(FrameView& frame, const TypeInfo& type, view::Bytes* bytes,
                            view::ViewCore* core, uint32_t* slots, ReadContext& ctx) const;
};

}  // namespace tern
