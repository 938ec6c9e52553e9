// Slice: a ref-counted, read-only view of bytes that may live in a pooled
// block or in memory Tern does not own.
//
// Ownership. Bytes live in a Block. A pool block is owned by the BlockPool and
// returns to it when its last reference goes; an external block wraps memory
// the caller owns (a std::string, an mmap, a Thrift object's payload) together
// with a release function that Tern calls exactly once, when the last Slice or
// LinkBuffer node that refers to it is gone. That is how a handler returns a
// 10 MB string that is written to the socket without a copy, and freed only
// after its bytes have left.
//
//     Slice s = Slice::External(p, n, &Free, ctx);   // refs = 1
//     out.Append(s);                                  // refs = 2 (a node of out)
//     s = Slice();                                    // refs = 1
//     ... writev ... out.Release()                    // refs = 0 -> Free(ctx, p, n)
//
// Thread: copying and destroying Slices that share a block is safe from any
// threads (the count is atomic). The bytes are immutable once published: a
// Slice is never a way to write.
//
// ABI: Block's layout is part of the plugin ABI (see plugin.h); change it
// only with an ABI version bump.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>

#include "tern/export.h"

namespace tern {

// Called once when the last reference to external memory goes.
// `ctx`, `data` and `size` are what was given to Slice::External.
using ReleaseFn = void (*)(void* ctx, const uint8_t* data, size_t size);

namespace detail {

// A block of bytes with a reference count. Pool blocks hold their data right
// after this header; external blocks point at the caller's memory.
struct Block {
  std::atomic<int32_t> refs;
  // kExternalClass for external memory, else the pool's size class.
  uint32_t size_class;
  uint8_t* data;
  size_t capacity;
  ReleaseFn release;  // external blocks only
  void* release_ctx;  // external blocks only
  Block* next_free;   // free-list link while cached in the pool

  static constexpr uint32_t kExternalClass = 0xFFFFFFFFu;
};

// Frees the block (to the pool, or through its release function). Out of line:
// the last unref is the rare, slow path.
TERN_EXPORT void DestroyBlock(Block* b) noexcept;

inline void Ref(Block* b) noexcept { b->refs.fetch_add(1, std::memory_order_relaxed); }
inline void Unref(Block* b) noexcept {
  // The only reference needs no atomic read-modify-write: no other holder
  // exists to race with (a reference is only made from another one), and the
  // acquire load orders this after every earlier holder's release.
  if (b->refs.load(std::memory_order_acquire) == 1 ||
      b->refs.fetch_sub(1, std::memory_order_acq_rel) == 1) {
    DestroyBlock(b);
  }
}

}  // namespace detail

class TERN_EXPORT Slice {
 public:
  Slice() noexcept = default;
  ~Slice() {
    if (block_) detail::Unref(block_);
  }
  Slice(const Slice& o) noexcept : block_(o.block_), data_(o.data_), size_(o.size_) {
    if (block_) detail::Ref(block_);
  }
  Slice(Slice&& o) noexcept
      : block_(std::exchange(o.block_, nullptr)),
        data_(std::exchange(o.data_, nullptr)),
        size_(std::exchange(o.size_, 0)) {}
  Slice& operator=(const Slice& o) noexcept {
    Slice tmp(o);
    Swap(tmp);
    return *this;
  }
  Slice& operator=(Slice&& o) noexcept {
    Slice tmp(std::move(o));
    Swap(tmp);
    return *this;
  }
  void Swap(Slice& o) noexcept {
    std::swap(block_, o.block_);
    std::swap(data_, o.data_);
    std::swap(size_, o.size_);
  }

  // A Slice over memory the caller owns; `release(ctx, data, size)` runs
  // exactly once, when the last reference goes (possibly on another thread).
  // `release` may be null for memory that outlives every user (literals).
  // Allocates the block header (one small allocation).
  static Slice External(const void* data, size_t size, ReleaseFn release, void* ctx);

  // Takes a string by move; the Slice keeps it alive. No copy of the bytes.
  static Slice FromString(std::string&& s);

  // Copies `size` bytes into a pool block.
  static Slice Copy(const void* data, size_t size);

  // Internal: a view of `size` bytes at `data` inside `block`, taking a
  // reference. Used by LinkBuffer.
  static Slice FromBlock(detail::Block* block, const uint8_t* data, size_t size) noexcept {
    detail::Ref(block);
    return Slice(block, data, size);
  }

  const uint8_t* data() const noexcept { return data_; }
  size_t size() const noexcept { return size_; }
  bool empty() const noexcept { return size_ == 0; }
  std::string_view view() const noexcept {
    return std::string_view(reinterpret_cast<const char*>(data_), size_);
  }
  std::string ToString() const { return std::string(view()); }

  // The bytes [offset, offset + len) of this slice, sharing the block.
  // Requires offset + len <= size() (clamped otherwise).
  Slice Sub(size_t offset, size_t len) const noexcept;

  // Internal: the block this slice references (null for an empty slice).
  detail::Block* block() const noexcept { return block_; }
  // Internal: gives up this slice's reference to the caller and empties it.
  detail::Block* DetachBlock() noexcept {
    data_ = nullptr;
    size_ = 0;
    return std::exchange(block_, nullptr);
  }

 private:
  Slice(detail::Block* b, const uint8_t* d, size_t n) noexcept : block_(b), data_(d), size_(n) {}
  detail::Block* block_ = nullptr;
  const uint8_t* data_ = nullptr;
  size_t size_ = 0;
};

}  // namespace tern
