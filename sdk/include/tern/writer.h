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
// allocation.
//
// Thread: a Writer is used by one thread, like the LinkBuffer writer side.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>

#include "tern/buffer.h"
#include "tern/slice.h"
#include "tern/status.h"

namespace tern {

class Writer {
 public:
  // Payloads at least this long go by reference when an owner is given.
  static constexpr size_t kDefaultRefThreshold = 4096;

  explicit Writer(LinkBuffer& out, Slice owner = Slice(),
                  size_t ref_threshold = kDefaultRefThreshold)
      : out_(out), owner_(std::move(owner)), threshold_(ref_threshold) {}

  LinkBuffer& buffer() { return out_; }
  // True when AppendRef may avoid copies.
  bool by_ref() const { return owner_.block() != nullptr; }
  size_t ref_threshold() const { return threshold_; }

  Result<uint8_t*> Malloc(size_t n) { return out_.Malloc(n); }

  // Appends n bytes at p: by reference (sharing the owner) when allowed and
  // worth it, else copied.
  void AppendRef(const void* p, size_t n) {
    if (by_ref() && n >= threshold_) {
      out_.Append(Slice::FromBlock(owner_.block(), static_cast<const uint8_t*>(p), n));
    } else {
      out_.Write(p, n);
    }
  }

 private:
  LinkBuffer& out_;
  Slice owner_;
  size_t threshold_;
};

}  // namespace tern
