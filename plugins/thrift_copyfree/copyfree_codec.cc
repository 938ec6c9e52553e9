#include "plugins/thrift_copyfree/copyfree_codec.h"

#include <algorithm>
#include <cstdint>
#include <new>
#include <string>

#include "tern/thrift/view.h"

namespace tern::thrift_copyfree {

namespace {

// The empty view: what an error leaves behind, so a caller that reads the
// view despite the error sees defaults, never unvalidated bytes.
void Clear(const TypeInfo& type, view::Bytes* bytes, view::ViewCore* core, uint32_t* slots) {
  *core = view::ViewCore();
  std::fill(slots, slots + type.num_fields, view::kAbsent);
  bytes->Reset(nullptr, 0);  // drops the reference on the frame's block
}

}  // namespace

Status CopyFreeCodec::DecodeView(FrameView& frame, const TypeInfo& type, view::Bytes* bytes,
                                 view::ViewCore* core, uint32_t* slots, ReadContext& ctx) const {
  if (frame.pos > frame.size) {
    Clear(type, bytes, core, slots);
    return Internal("thrift_copyfree: FrameView position past its end");
  }
  const size_t body = frame.size - frame.pos;
  if (!frame.owner.empty()) {
    // The owner may be larger than the frame (the whole received block);
    // the frame must lie inside it.
    const auto owner_begin = reinterpret_cast<uintptr_t>(frame.owner.data());
    const auto data = reinterpret_cast<uintptr_t>(frame.data);
    if (data < owner_begin || data - owner_begin > frame.owner.size() ||
        frame.size > frame.owner.size() - (data - owner_begin)) {
      Clear(type, bytes, core, slots);
      return Internal("thrift_copyfree: FrameView owner does not hold the frame's bytes");
    }
    bytes->Reset(frame.owner.Sub(data - owner_begin + frame.pos, body));
  } else {
    bytes->Reset(frame.data + frame.pos, body);
  }
  core->bytes = bytes;
  core->begin = 0;
  Status st = view::IndexStruct(*bytes, 0, type, slots, &core->end, ctx);
  if (TERN_UNLIKELY(!st.ok())) {
    Clear(type, bytes, core, slots);
    return st;
  }
  if (TERN_UNLIKELY(core->end != body)) {
    const size_t trailing = body - core->end;
    Clear(type, bytes, core, slots);
    return DataLoss("thrift_copyfree: " + std::to_string(trailing) +
                    " trailing bytes after the body of " + type.name);
  }
  frame.pos = frame.size;
  return Status::OK();
}

Status CreateCopyFreeCodec(const ConfigView& section, std::unique_ptr<Codec>* out) noexcept {
  try {
    Result<Framing> framing = thrift_fast::ReadFraming(section, "thrift_copyfree");
    if (!framing.ok()) return std::move(framing).status();
    *out = std::make_unique<CopyFreeCodec>(*framing);
    return Status::OK();
  } catch (const std::bad_alloc&) {
    return ResourceExhausted("thrift_copyfree: out of memory creating the codec");
  } catch (...) {
    return Internal("thrift_copyfree: unexpected exception creating the codec");
  }
}

}  // namespace tern::thrift_copyfree
