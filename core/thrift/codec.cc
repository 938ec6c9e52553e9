// Out-of-line destructors of the SDK interfaces: their vtables live in core,
// so every plugin and the host share one (plugin ABI rule 9).
#include "tern/codec.h"

namespace tern {

Codec::~Codec() = default;

Status Codec::DecodeView(FrameView&, const TypeInfo& type, view::Bytes*, view::ViewCore*, uint32_t*,
                         ReadContext&) const {
  return Unimplemented(std::string("this codec does not decode views (") + type.name + ")");
}

}  // namespace tern
