// LinkBuffer: a chain of ref-counted blocks, written at one end and read at
// the other, with zero-copy appends and zero-copy reads.
//
// It is the currency every Tern plugin trades in: the transport reads the
// socket into one (readv into its blocks) and writes one to the socket (writev
// of its blocks); codecs decode from one and encode into one.
//
//   head_                read_ / read_pos_                 flush_ ... write_
//    |                        |                                 |
//   [node]------->[node]------->[node: borrowed Slice]-------->[node]
//    released       consumed     |<------- Len() readable ------>| unflushed
//    on Release()                                                 (writer only)
//
// Writer side. `Malloc(n)` returns n contiguous writable bytes (in the tail
// block, or in a new block sized for n); `Write` copies; `Append(Slice)` links
// an external, ref-counted buffer in by reference — no byte is copied, the
// current block is split so later Mallocs continue after the appended node.
// Nothing written is visible to the reader until `Flush()` publishes it.
//
// Reader side. `Len()` counts the published, unread bytes. `Next(n)` returns n
// contiguous bytes and consumes them: a pointer into the block when the n
// bytes lie in one block, otherwise a copy into a scratch block (the only
// copy a LinkBuffer makes). `Peek(n)` is Next without consuming; `Skip(n)`
// consumes without looking; `ReadSlice(n)` hands out a Slice that keeps its
// block alive after `Release()` (zero-copy within one block, one copy when
// straddling). `Release()` returns fully consumed blocks to the pool.
//
// Validity. A pointer from Next/Peek stays valid until the next Release() on
// this buffer. A Slice stays valid for as long as it lives.
//
// Errors. Reading past Len(), or a Malloc larger than BlockPool's largest
// class (64 MiB), returns an error Status and changes nothing.
//
// Thread: one writer thread and one reader thread may use one LinkBuffer at
// the same time ([writer] and [reader] methods below), as in Netpoll: the
// writer publishes with release stores in Flush(), the reader observes with
// acquire loads. Two writers, or two readers, need external locking. Methods
// marked [single] need both sides quiescent (construction, move, destruction,
// and the readv helpers used by the transport on its poller thread, where the
// same thread both reads and writes the input buffer).
#pragma once

#include <sys/uio.h>

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <string>

#include "tern/export.h"
#include "tern/slice.h"
#include "tern/status.h"

namespace tern {

class TERN_EXPORT LinkBuffer {
 public:
  // Size of a new block when a write needs one and asks for less.
  static constexpr size_t kDefaultBlockSize = 8 * 1024;
  // The largest contiguous Malloc / Next / Peek (BlockPool's largest class).
  static constexpr size_t kMaxContiguous = size_t{64} << 20;

  LinkBuffer();
  ~LinkBuffer();
  LinkBuffer(LinkBuffer&& other) noexcept;             // [single]
  LinkBuffer& operator=(LinkBuffer&& other) noexcept;  // [single]
  LinkBuffer(const LinkBuffer&) = delete;
  LinkBuffer& operator=(const LinkBuffer&) = delete;

  // ---- [writer] -----------------------------------------------------------

  // Returns n contiguous writable bytes; fill them before the next Flush().
  // Invalidates nothing the reader holds.
  Result<uint8_t*> Malloc(size_t n) {
    if (TERN_LIKELY(n <= static_cast<size_t>(write_->cap_end - write_->malloc_end))) {
      uint8_t* p = write_->malloc_end;
      write_->malloc_end += n;
      unflushed_ += n;
      return p;
    }
    return MallocSlow(n);
  }
  // n contiguous writable bytes or more, for a writer that does not know
  // its size in advance: all the tail block's free space when that is at
  // least n, else a new block of at least n (whole). *got is how many were
  // reserved (as Malloc(*got) reserves them); give back what goes unused
  // with Unmalloc before the next Flush().
  Result<uint8_t*> MallocAtLeast(size_t n, size_t* got) {
    const auto avail = static_cast<size_t>(write_->cap_end - write_->malloc_end);
    if (TERN_LIKELY(n <= avail && avail != 0)) {
      uint8_t* p = write_->malloc_end;
      write_->malloc_end = write_->cap_end;
      unflushed_ += avail;
      *got = avail;
      return p;
    }
    return MallocAtLeastSlow(n, got);
  }
  // Free bytes in the tail block: what the next Malloc/MallocAtLeast can
  // have without a new block.
  size_t TailRoom() const { return static_cast<size_t>(write_->cap_end - write_->malloc_end); }
  // Gives back the last n bytes of the latest Malloc or MallocAtLeast (n at
  // most what it reserved; not after a Flush()).
  void Unmalloc(size_t n) {
    write_->malloc_end -= n;
    unflushed_ -= n;
  }
  // Copies n bytes in (across blocks if needed; never fails for size).
  void Write(const void* data, size_t n);
  // Links the slice's bytes in by reference: no copy; the node holds a
  // reference on the slice's block until the reader releases it.
  void Append(Slice slice);
  // Moves every readable byte of `other` to this buffer's tail by reference
  // (no copy). `other` is read and released here: its reader must be this
  // thread.
  void AppendBuffer(LinkBuffer& other);
  // Bytes written since the last Flush().
  size_t UnflushedLen() const { return unflushed_; }
  // Publishes everything written so far to the reader.
  void Flush() {
    if (TERN_LIKELY(flush_ == write_)) {  // one node to publish: no walk
      if (unflushed_ == 0) return;
      write_->flushed_end.store(write_->malloc_end, std::memory_order_release);
      flushed_.store(flushed_.load(std::memory_order_relaxed) + unflushed_,
                     std::memory_order_release);
      unflushed_ = 0;
      return;
    }
    FlushSlow();
  }

  // For readv [single]: returns up to max_iov iovecs (at least 1 when max_iov
  // >= 1) of writable space totalling at least min(hint, kMaxContiguous)
  // bytes, or 0 on allocation failure. When `hint` is more than the tail
  // block has free, the space is one new block of at least `hint` bytes, so
  // an expected large frame lands contiguously. Then CommitWritable(n) with
  // the count readv returned: those bytes are written and flushed.
  size_t WritableIovecs(size_t hint, iovec* iov, size_t max_iov);
  void CommitWritable(size_t n);
  // [single] Makes the next n bytes from the read position (the unread ones
  // and those written next) one contiguous run, for a frame of n bytes whose
  // start has arrived: when the unread bytes and the tail block's free space
  // cannot hold n in one block, the unread bytes move (one copy of Len()
  // bytes) to a new block of at least n, the writer's tail. Then a
  // WritableIovecs(n - Len()) reads the rest behind them. Returns false when
  // n exceeds kMaxContiguous or memory is short (nothing changed);
  // invalidates pointers from Next/Peek, as Release() does.
  bool PrepareContiguous(size_t n);

  // ---- [reader] -----------------------------------------------------------

  // Published, unread bytes.
  size_t Len() const {
    // consumed first: it never exceeds flushed, so flushed loaded after it
    // is at least as large.
    const uint64_t consumed = consumed_.load(std::memory_order_acquire);
    return static_cast<size_t>(flushed_.load(std::memory_order_acquire) - consumed);
  }
  bool IsEmpty() const { return Len() == 0; }

  // n contiguous bytes, consumed. Valid until Release().
  Result<const uint8_t*> Next(size_t n) {
    if (TERN_LIKELY(n <= ReadAvailInNode() && n <= Len())) {
      const uint8_t* p = read_pos_;
      read_pos_ += n;
      Consumed(n);
      return p;
    }
    return ReadSlow(n, /*consume=*/true);
  }
  // n contiguous bytes, not consumed. Valid until Release().
  Result<const uint8_t*> Peek(size_t n) {
    if (TERN_LIKELY(n <= ReadAvailInNode() && n <= Len()))
      return static_cast<const uint8_t*>(read_pos_);
    return ReadSlow(n, /*consume=*/false);
  }
  // Consumes n bytes.
  Status Skip(size_t n) {
    if (TERN_LIKELY(n <= ReadAvailInNode() && n <= Len())) {  // within the read node
      read_pos_ += n;
      Consumed(n);
      return Status::OK();
    }
    return SkipSlow(n);
  }
  // Copies n bytes out and consumes them.
  Status ReadTo(void* dst, size_t n);
  // Appends n bytes to *out and consumes them.
  Status ReadString(size_t n, std::string* out);
  // n bytes as a Slice that keeps its block alive (zero-copy when they lie in
  // one block; one copy into a new block when they straddle).
  Result<Slice> ReadSlice(size_t n);
  // Returns fully consumed blocks to the pool and frees Next/Peek copies.
  // Invalidates every pointer returned by Next/Peek.
  void Release() {
    // Nothing to free: no scratch copies and no node before the read node
    // (one that is fully read with a successor counts: it is freed).
    if (TERN_LIKELY(
            scratch_ == nullptr && head_ == read_ &&
            (ReadAvailInNode() != 0 || read_->next.load(std::memory_order_acquire) == nullptr))) {
      return;
    }
    ReleaseSlow();
  }

  // For writev: up to max_iov iovecs covering up to max_bytes readable bytes
  // from the read position. Returns the count; consume with Skip(written).
  size_t ReadableIovecs(iovec* iov, size_t max_iov, size_t max_bytes = SIZE_MAX) const;

  // Internal node of the chain; its layout is private to core.
  struct Node;

 private:
  Result<uint8_t*> MallocSlow(size_t n);
  Result<uint8_t*> MallocAtLeastSlow(size_t n, size_t* got);
  void FlushSlow();
  Result<const uint8_t*> ReadSlow(size_t n, bool consume);
  Status SkipSlow(size_t n);
  void ReleaseSlow();
  size_t ReadAvailInNode() const {
    return static_cast<size_t>(read_->flushed_end.load(std::memory_order_acquire) - read_pos_);
  }
  // Moves read_ to the next node while the current one is fully consumed and
  // sealed. Returns false when no further node is published.
  bool AdvanceReadNode();
  Node* NewWriteNode(size_t min_capacity);
  void Reset();
  // [reader] n more bytes consumed.
  void Consumed(size_t n) {
    consumed_.store(consumed_.load(std::memory_order_relaxed) + n, std::memory_order_release);
  }

 public:
  // Public only so the inline fast paths above can see its fields.
  struct Node {
    detail::Block* block = nullptr;  // null for the sentinel
    // Whether this node holds a reference on `block`. A node split off by
    // Append takes its predecessor's reference (a later node on the same
    // block outlives an earlier one: the reader frees nodes in order).
    bool owns_block = true;
    uint8_t* start = nullptr;       // first byte of this node's range
    uint8_t* malloc_end = nullptr;  // [writer] end of written bytes
    uint8_t* cap_end = nullptr;     // [writer] end of writable space (== start for borrowed)
    std::atomic<uint8_t*> flushed_end{nullptr};  // published end
    std::atomic<Node*> next{nullptr};            // published link (set when sealed)
    Node* next_w = nullptr;                      // [writer] link
  };

 private:
  // Reader state.
  Node* head_;
  Node* read_;
  const uint8_t* read_pos_;
  detail::Block* scratch_ = nullptr;  // Next/Peek copies, freed by Release
  // Shared. Two monotonic counters, each with one writer, instead of one
  // length both sides read-modify-write: plain stores, no locked
  // instruction (and no full fence) per Flush and per read.
  std::atomic<uint64_t> consumed_{0};  // [reader] bytes ever consumed
  std::atomic<uint64_t> flushed_{0};   // [writer] bytes ever published
  // Writer state.
  Node* flush_;
  Node* write_;
  size_t unflushed_ = 0;
  detail::Block* spare_ = nullptr;  // readv's second region
  bool spare_after_tail_ = false;   // the last WritableIovecs offered the tail first
};

}  // namespace tern
