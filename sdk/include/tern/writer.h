// Writer: where generated code and codecs put encoded bytes — a thin wrapper
// over the output LinkBuffer that adds by-reference payloads.
//
// `Malloc(n)` hands out the pre-sized region that BLength computed (the fast
// path: one Malloc, one FastWrite). `AppendRef(p, n)` adds the bytes at p
// *by reference* when a keep-alive owner was given and n is at least the
// threshold: the bytes are not copied, and the owner (a ref-counted handle
// on the object that holds them — a handler's result moved into a holder, a
// request the client stub took by value) stays alive until the bytes have
// been written to the socket and released, even if the call that produced
// them has long timed out. Without an owner, or below the threshold, the
// bytes are copied.
//
// The owner is a Slice (usually Slice::External over the holder, size 0,
// whose release function drops the holder): every by-reference payload is a
// Slice sharing the owner's block, so it costs a reference count, not an
// allocation. The Writer does not copy the owner: it must outlive the Writer
// (a Writer lives for one Encode).
//
// Thread: a Writer is used by one thread, like the LinkBuffer writer side.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>

#include "tern/buffer.h"
#include "tern/slice.h"
#include "tern/status.h"
#include "tern/thrift/wire.h"

namespace tern {

class Writer {
 public:
  // Payloads at least this long go by reference when an owner is given.
  static constexpr size_t kDefaultRefThreshold = 4096;

  // Copies every payload.
  explicit Writer(LinkBuffer& out) : out_(out), owner_(nullptr), threshold_(kDefaultRefThreshold) {}
  // Payloads of at least ref_threshold bytes by reference, keeping `owner`
  // (which must outlive the Writer) alive; an owner without a block copies.
  Writer(LinkBuffer& out, const Slice& owner, size_t ref_threshold = kDefaultRefThreshold)
      : out_(out), owner_(owner.block()), threshold_(ref_threshold) {}
  // A temporary owner would be gone before the Writer.
  Writer(LinkBuffer& out, Slice&& owner, size_t ref_threshold = kDefaultRefThreshold) = delete;

  LinkBuffer& buffer() { return out_; }
  // True when AppendRef may avoid copies.
  bool by_ref() const { return owner_ != nullptr; }
  size_t ref_threshold() const { return threshold_; }

  Result<uint8_t*> Malloc(size_t n) { return out_.Malloc(n); }

  // Appends n bytes at p: by reference (sharing the owner) when allowed and
  // worth it, else copied.
  void AppendRef(const void* p, size_t n) {
    if (by_ref() && n >= threshold_) {
      out_.Append(Slice::FromBlock(owner_, static_cast<const uint8_t*>(p), n));
    } else {
      out_.Write(p, n);
    }
  }

  // A Thrift Binary string of n bytes at p, after `head` bytes (a field
  // header, or 0) that the caller writes through the returned pointer: the
  // head, the 4-byte length and the bytes, the bytes by reference when
  // allowed and worth it, else copied into the same piece as the head.
  TERN_ALWAYS_INLINE Result<uint8_t*> MallocBinary(size_t head, const void* p, size_t n) {
    const bool copy = !(by_ref() && n >= threshold_);
    if (TERN_LIKELY(copy && n <= LinkBuffer::kMaxContiguous - head - 4)) {
      TERN_ASSIGN_OR_RETURN(uint8_t * h, out_.Malloc(head + 4 + n));
      wire::PutBinary(h + head, p, n);
      return h;
    }
    TERN_ASSIGN_OR_RETURN(uint8_t * h, out_.Malloc(head + 4));
    wire::PutI32(h + head, static_cast<int32_t>(n));
    AppendRef(p, n);
    return h;
  }

 private:
  LinkBuffer& out_;
  detail::Block* owner_;  // the owner's block, not referenced: the owner keeps it
  size_t threshold_;
};

}  // namespace tern
