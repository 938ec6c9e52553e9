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

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <limits>
#include <string>
#include <utility>

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
  explicit Writer(LinkBuffer& out)
      : out_(out), owner_(nullptr), threshold_(kDefaultRefThreshold), ref_from_(kNever) {}
  // Payloads of at least ref_threshold bytes by reference, keeping `owner`
  // (which must outlive the Writer) alive; an owner without a block copies.
  Writer(LinkBuffer& out, const Slice& owner, size_t ref_threshold = kDefaultRefThreshold)
      : out_(out),
        owner_(owner.block()),
        threshold_(ref_threshold),
        ref_from_(owner_ != nullptr ? ref_threshold : kNever) {}
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

  // ---- streaming: written as it goes, no size pass ---------------------------
  //
  // Generated tern_write_ref writes into an open region [p, limit) of the
  // buffer and never computes its size first: Open() reserves a region (the
  // tail block's free space when it has `hint` bytes), Ensure(p, n) makes
  // room for n more bytes at p, Close(p) gives back what is unused. When a
  // region is full, Ensure gives back its unused rest and reserves the next:
  // the tail block's free space if it holds n, else a new block of at least
  // n, 8 KB, 16 KB, ... up to kMaxChunk, so a large message takes a few
  // blocks, not one per 8 KB. Between Open and Close, write only through
  // these calls (and PutBinary/PutRaw/PutNumbers below).
  //
  // Every call that may reserve returns the new position, or nullptr when
  // memory is short: the writer stops and returns status().
  static constexpr size_t kMaxChunk = size_t{1} << 20;

  uint8_t* Open(size_t hint = 64) { return Reserve(nullptr, std::max<size_t>(hint, 1)); }
  TERN_ALWAYS_INLINE uint8_t* Ensure(uint8_t* p, size_t n) {
    if (TERN_LIKELY(static_cast<size_t>(lim_ - p) >= n)) return p;
    return Reserve(p, n);
  }
  void Close(uint8_t* p) {
    GiveBack(p);
    lim_ = nullptr;
  }
  // Why the last call returned nullptr.
  const Status& status() const { return error_; }

  // A Thrift string's length and bytes at p, where the caller ensured room
  // for the 4-byte length: the bytes copied, or linked by reference when
  // allowed and worth it (as AppendRef decides).
  TERN_ALWAYS_INLINE uint8_t* PutBinary(uint8_t* p, const void* d, size_t n) {
    if (TERN_LIKELY(n < ref_from_ && static_cast<size_t>(lim_ - p) - 4 >= n)) {
      return wire::PutBinary(p, d, n);
    }
    return PutBinarySlow(p, d, n);
  }
  // n bytes copied at p, continuing in new regions as they fill.
  TERN_NOINLINE uint8_t* PutRaw(uint8_t* p, const void* d, size_t n) {
    NotePayloadCopy(n);
    const auto* s = static_cast<const uint8_t*>(d);
    while (n != 0) {
      if (lim_ == p) {
        p = Reserve(p, std::min(n, kMaxChunk));
        if (p == nullptr) return nullptr;
      }
      const size_t k = std::min(n, static_cast<size_t>(lim_ - p));
      std::memcpy(p, s, k);
      p += k;
      s += k;
      n -= k;
    }
    return p;
  }
  // n numbers big-endian at p through a SIMD kernel (tern/kernels.h), a
  // region's worth per call.
  template <class T>
  uint8_t* PutNumbers(uint8_t* p, const T* v, size_t n,
                      void (*kernel)(const T*, size_t, uint8_t*)) {
    while (n != 0) {
      size_t room = static_cast<size_t>(lim_ - p) / sizeof(T);
      if (room == 0) {
        p = Reserve(p, std::min(n * sizeof(T), kMaxChunk));
        if (p == nullptr) return nullptr;
        room = static_cast<size_t>(lim_ - p) / sizeof(T);
      }
      const size_t k = std::min(n, room);
      kernel(v, k, p);
      p += k * sizeof(T);
      v += k;
      n -= k;
    }
    return p;
  }

 private:
  static constexpr size_t kNever = std::numeric_limits<size_t>::max();

  // Gives back the unused rest of the open region (if any) and reserves the
  // next, of at least n bytes (n <= kMaxChunk, or one value's contiguous
  // bytes up to LinkBuffer::kMaxContiguous).
  TERN_NOINLINE uint8_t* Reserve(uint8_t* p, size_t n) {
    if (lim_ != nullptr) GiveBack(p);
    size_t want = n;
    if (out_.TailRoom() < n) {
      want = std::max(n, chunk_);
      chunk_ = std::min(2 * chunk_, kMaxChunk);
    }
    size_t got = 0;
    Result<uint8_t*> r = out_.MallocAtLeast(want, &got);
    if (!r.ok()) {
      error_ = std::move(r).status().WithContext("Writer");
      lim_ = nullptr;
      return nullptr;
    }
    lim_ = *r + got;
    return *r;
  }
  // Ends the open region at p: the rest goes back to the buffer, and the
  // next Ensure (which finds no room) reserves again.
  void GiveBack(uint8_t* p) {
    out_.Unmalloc(static_cast<size_t>(lim_ - p));
    lim_ = p;
  }
  TERN_NOINLINE uint8_t* PutBinarySlow(uint8_t* p, const void* d, size_t n) {
    if (n > static_cast<size_t>(std::numeric_limits<int32_t>::max())) {
      error_ = InvalidArgument("Writer: a string or binary of " + std::to_string(n) +
                               " bytes is longer than Thrift allows");
      Close(p);  // the writer stops: nothing stays reserved, and Open works again
      return nullptr;
    }
    p = wire::PutI32(p, static_cast<int32_t>(n));
    if (n < ref_from_) return PutRaw(p, d, n);
    // By reference: the region ends here; the next Ensure reserves again.
    GiveBack(p);
    out_.Append(Slice::FromBlock(owner_, static_cast<const uint8_t*>(d), n));
    return p;
  }

  LinkBuffer& out_;
  detail::Block* owner_;  // the owner's block, not referenced: the owner keeps it
  size_t threshold_;
  size_t ref_from_;         // strings this long or longer go by reference (kNever: none)
  uint8_t* lim_ = nullptr;  // end of the open region (streaming)
  size_t chunk_ = LinkBuffer::kDefaultBlockSize;
  Status error_;
};

}  // namespace tern
