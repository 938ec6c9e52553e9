#include "tern/slice.h"

#include <cstring>
#include <new>

#include "core/buffer/block_pool.h"
#include "tern/copy_stats.h"

namespace tern {
namespace detail {

void DestroyBlock(Block* b) noexcept {
  if (b->size_class == Block::kExternalClass) {
    if (b->release != nullptr) b->release(b->release_ctx, b->data, b->capacity);
    delete b;
    return;
  }
  BlockPool::Global().Free(b);
}

}  // namespace detail

Slice Slice::External(const void* data, size_t size, ReleaseFn release, void* ctx) {
  auto* b = new detail::Block;
  b->refs.store(1, std::memory_order_relaxed);
  b->size_class = detail::Block::kExternalClass;
  b->data = static_cast<uint8_t*>(const_cast<void*>(data));
  b->capacity = size;
  b->release = release;
  b->release_ctx = ctx;
  b->next_free = nullptr;
  return Slice(b, static_cast<const uint8_t*>(data), size);
}

Slice Slice::FromString(std::string&& s) {
  auto* owned = new std::string(std::move(s));
  return External(
      owned->data(), owned->size(),
      [](void* ctx, const uint8_t*, size_t) { delete static_cast<std::string*>(ctx); }, owned);
}

Slice Slice::Copy(const void* data, size_t size) {
  if (size == 0) return Slice();
  NotePayloadCopy(size);
  detail::Block* b = BlockPool::Global().Allocate(size);
  if (b == nullptr) {
    // Larger than the largest pool class: an owned heap copy.
    return FromString(std::string(static_cast<const char*>(data), size));
  }
  std::memcpy(b->data, data, size);
  return Slice(b, b->data, size);
}

Slice Slice::Sub(size_t offset, size_t len) const noexcept {
  if (offset > size_) offset = size_;
  if (len > size_ - offset) len = size_ - offset;
  if (block_ == nullptr || len == 0) return Slice();
  detail::Ref(block_);
  return Slice(block_, data_ + offset, len);
}

}  // namespace tern
