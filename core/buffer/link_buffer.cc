#include "tern/buffer.h"

#include <glog/logging.h>

#include <algorithm>
#include <cstring>

#include "core/buffer/block_pool.h"
#include "tern/copy_stats.h"

namespace tern {

static_assert(LinkBuffer::kMaxContiguous == BlockPool::kMaxBlock);

namespace {

using Node = LinkBuffer::Node;

constexpr size_t kMaxMediumWrite = 16 * 1024;

// Nodes are small and churn at message rate: a per-thread free list keeps
// them off the allocator. Nodes hold no block while cached.
// Plain data, so an access is a load (see tls_cache in block_pool.cc); the
// first node cached arms the reaper that frees the list at thread exit.
struct NodeCache {
  static constexpr int kMax = 256;
  Node* head = nullptr;
  int count = 0;
  bool armed = false;
};
constinit __attribute__((tls_model("initial-exec"))) thread_local NodeCache tls_nodes;

struct NodeReaper {
  bool armed = false;
  ~NodeReaper() {
    if (!armed) return;
    NodeCache& c = tls_nodes;
    while (c.head != nullptr) {
      Node* n = c.head;
      c.head = n->next_w;
      delete n;
    }
    c.count = NodeCache::kMax;  // nodes freed later in the exit are deleted
  }
};
thread_local NodeReaper tls_reaper;

Node* NewNode() {
  NodeCache& c = tls_nodes;
  Node* n = c.head;
  if (n != nullptr) {
    c.head = n->next_w;
    --c.count;
    n->next_w = nullptr;
    return n;
  }
  return new Node;
}

// Drops the node's block reference and recycles it.
void FreeNode(Node* n) {
  if (n->block != nullptr && n->owns_block) detail::Unref(n->block);
  // Whoever takes the node next sets its range (start, malloc_end, cap_end,
  // flushed_end).
  n->block = nullptr;
  n->owns_block = true;
  n->next.store(nullptr, std::memory_order_relaxed);
  NodeCache& c = tls_nodes;
  if (TERN_UNLIKELY(!c.armed)) {
    c.armed = true;
    tls_reaper.armed = true;
  }
  if (c.count < NodeCache::kMax) {
    n->next_w = c.head;
    c.head = n;
    ++c.count;
  } else {
    delete n;
  }
}

Node* NewSentinel() {
  Node* n = NewNode();
  n->start = n->malloc_end = n->cap_end = nullptr;
  n->flushed_end.store(nullptr, std::memory_order_relaxed);
  return n;
}

void FreeScratch(detail::Block* b) {
  while (b != nullptr) {
    detail::Block* next = b->next_free;
    b->next_free = nullptr;
    detail::Unref(b);
    b = next;
  }
}

}  // namespace

LinkBuffer::LinkBuffer() {
  Node* s = NewSentinel();
  head_ = read_ = flush_ = write_ = s;
  read_pos_ = nullptr;
}

LinkBuffer::~LinkBuffer() { Reset(); }

void LinkBuffer::Reset() {
  // Single-threaded: walk the writer's links, which cover every node.
  Node* n = head_;
  while (n != nullptr) {
    Node* next = n->next_w;
    FreeNode(n);
    n = next;
  }
  FreeScratch(scratch_);
  scratch_ = nullptr;
  if (spare_ != nullptr) detail::Unref(spare_);
  spare_ = nullptr;
  head_ = read_ = flush_ = write_ = nullptr;
  read_pos_ = nullptr;
  consumed_.store(0, std::memory_order_relaxed);
  flushed_.store(0, std::memory_order_relaxed);
  unflushed_ = 0;
}

LinkBuffer::LinkBuffer(LinkBuffer&& other) noexcept
    : head_(other.head_),
      read_(other.read_),
      read_pos_(other.read_pos_),
      scratch_(other.scratch_),
      consumed_(other.consumed_.load(std::memory_order_relaxed)),
      flushed_(other.flushed_.load(std::memory_order_relaxed)),
      flush_(other.flush_),
      write_(other.write_),
      unflushed_(other.unflushed_),
      spare_(other.spare_),
      spare_after_tail_(other.spare_after_tail_) {
  Node* s = NewSentinel();
  other.head_ = other.read_ = other.flush_ = other.write_ = s;
  other.read_pos_ = nullptr;
  other.scratch_ = nullptr;
  other.consumed_.store(0, std::memory_order_relaxed);
  other.flushed_.store(0, std::memory_order_relaxed);
  other.unflushed_ = 0;
  other.spare_ = nullptr;
}

LinkBuffer& LinkBuffer::operator=(LinkBuffer&& other) noexcept {
  if (this == &other) return *this;
  Reset();
  head_ = other.head_;
  read_ = other.read_;
  read_pos_ = other.read_pos_;
  scratch_ = other.scratch_;
  consumed_.store(other.consumed_.load(std::memory_order_relaxed), std::memory_order_relaxed);
  flushed_.store(other.flushed_.load(std::memory_order_relaxed), std::memory_order_relaxed);
  flush_ = other.flush_;
  write_ = other.write_;
  unflushed_ = other.unflushed_;
  spare_ = other.spare_;
  spare_after_tail_ = other.spare_after_tail_;
  Node* s = NewSentinel();
  other.head_ = other.read_ = other.flush_ = other.write_ = s;
  other.read_pos_ = nullptr;
  other.scratch_ = nullptr;
  other.consumed_.store(0, std::memory_order_relaxed);
  other.flushed_.store(0, std::memory_order_relaxed);
  other.unflushed_ = 0;
  other.spare_ = nullptr;
  return *this;
}

// ---- writer ----------------------------------------------------------------

LinkBuffer::Node* LinkBuffer::NewWriteNode(size_t min_capacity) {
  // Room for several writes of this size: a writer of 2-16 KB messages
  // would otherwise take a new block for almost every one.
  size_t want = std::max(min_capacity, kDefaultBlockSize);
  if (min_capacity > kDefaultBlockSize / 4 && min_capacity <= kMaxMediumWrite)
    want = 4 * min_capacity;
  detail::Block* b = BlockPool::Global().Allocate(want);
  if (b == nullptr) return nullptr;
  Node* n = NewNode();
  n->block = b;  // takes the allocation's reference
  n->start = n->malloc_end = b->data;
  n->cap_end = b->data + b->capacity;
  n->flushed_end.store(b->data, std::memory_order_relaxed);
  write_->next_w = n;
  write_ = n;
  return n;
}

Result<uint8_t*> LinkBuffer::MallocSlow(size_t n) {
  if (n > kMaxContiguous) {
    return ResourceExhausted("LinkBuffer::Malloc: " + std::to_string(n) +
                             " bytes exceed the largest block (" + std::to_string(kMaxContiguous) +
                             ")");
  }
  if (NewWriteNode(n) == nullptr) return ResourceExhausted("LinkBuffer::Malloc: out of memory");
  uint8_t* p = write_->malloc_end;
  write_->malloc_end += n;
  unflushed_ += n;
  return p;
}

Result<uint8_t*> LinkBuffer::MallocAtLeastSlow(size_t n, size_t* got) {
  n = std::max<size_t>(n, 1);
  Result<uint8_t*> p = MallocSlow(n);
  if (!p.ok()) return p;
  // The new block whole: the rest of it after the n bytes too.
  const auto rest = static_cast<size_t>(write_->cap_end - write_->malloc_end);
  write_->malloc_end = write_->cap_end;
  unflushed_ += rest;
  *got = n + rest;
  return p;
}

void LinkBuffer::Write(const void* data, size_t n) {
  NotePayloadCopy(n);
  const auto* src = static_cast<const uint8_t*>(data);
  while (n > 0) {
    size_t room = static_cast<size_t>(write_->cap_end - write_->malloc_end);
    if (room == 0) {
      if (NewWriteNode(std::min(n, kMaxContiguous)) == nullptr) {
        // Out of memory is not an input error; nothing sane can continue.
        LOG(FATAL) << "LinkBuffer::Write: out of memory";
      }
      room = static_cast<size_t>(write_->cap_end - write_->malloc_end);
    }
    const size_t k = std::min(room, n);
    std::memcpy(write_->malloc_end, src, k);
    write_->malloc_end += k;
    unflushed_ += k;
    src += k;
    n -= k;
  }
}

void LinkBuffer::Append(Slice slice) {
  if (slice.empty()) return;
  Node* n = NewNode();
  const size_t size = slice.size();
  n->start = const_cast<uint8_t*>(slice.data());
  n->malloc_end = n->start + size;
  n->cap_end = n->malloc_end;  // borrowed: never written into
  n->flushed_end.store(n->start, std::memory_order_relaxed);
  n->block = slice.DetachBlock();  // the node takes the slice's reference
  Node* tail = write_;
  tail->next_w = n;
  write_ = n;
  unflushed_ += size;
  // Split the old tail block: its free space becomes a node after the
  // appended one, so small writes that follow are not wasted or reordered.
  constexpr size_t kMinSplit = 256;
  const size_t room = static_cast<size_t>(tail->cap_end - tail->malloc_end);
  if (tail->block != nullptr && room >= kMinSplit) {
    Node* rest = NewNode();
    // The reference moves to the rest, which outlives the tail: no atomic.
    rest->block = tail->block;
    rest->owns_block = tail->owns_block;
    tail->owns_block = false;
    rest->start = rest->malloc_end = tail->malloc_end;
    rest->cap_end = tail->cap_end;
    rest->flushed_end.store(rest->start, std::memory_order_relaxed);
    tail->cap_end = tail->malloc_end;
    n->next_w = rest;
    write_ = rest;
  }
}

void LinkBuffer::AppendBuffer(LinkBuffer& other) {
  iovec iov[64];
  while (other.Len() > 0) {
    const size_t cnt = other.ReadableIovecs(iov, 64);
    size_t total = 0;
    for (size_t i = 0; i < cnt; ++i) {
      auto r = other.ReadSlice(iov[i].iov_len);
      DCHECK(r.ok());
      total += iov[i].iov_len;
      Append(std::move(r).value());
    }
    if (total == 0) break;
  }
  other.Release();
}

void LinkBuffer::FlushSlow() {
  Node* n = flush_;
  for (;;) {
    Node* next = n->next_w;  // read before publishing: the reader may free n after
    n->flushed_end.store(n->malloc_end, std::memory_order_release);
    if (n == write_) break;
    n->next.store(next, std::memory_order_release);
    n = next;
  }
  flush_ = write_;
  const size_t k = unflushed_;
  unflushed_ = 0;
  flushed_.store(flushed_.load(std::memory_order_relaxed) + k, std::memory_order_release);
}

size_t LinkBuffer::WritableIovecs(size_t hint, iovec* iov, size_t max_iov) {
  if (max_iov == 0) return 0;
  hint = std::min(std::max<size_t>(hint, 1), kMaxContiguous);
  const size_t tail_free = static_cast<size_t>(write_->cap_end - write_->malloc_end);
  if (hint <= tail_free) {
    iov[0].iov_base = write_->malloc_end;
    iov[0].iov_len = tail_free;
    spare_after_tail_ = true;
    // A spare kept from before may extend the read; it costs nothing.
    if (spare_ != nullptr && max_iov >= 2) {
      iov[1].iov_base = spare_->data;
      iov[1].iov_len = spare_->capacity;
      return 2;
    }
    return 1;
  }
  // The tail is too small for what is expected. A small read can use the
  // tail and continue in a spare block; a large expected frame gets one block
  // of its own so that it is contiguous.
  const bool use_tail = tail_free > 0 && hint <= kDefaultBlockSize && max_iov >= 2;
  const size_t need = use_tail ? std::max(hint - tail_free, kDefaultBlockSize) : hint;
  if (spare_ != nullptr && spare_->capacity < need) {
    detail::Unref(spare_);
    spare_ = nullptr;
  }
  if (spare_ == nullptr) {
    spare_ = BlockPool::Global().Allocate(std::max(need, kDefaultBlockSize));
    if (spare_ == nullptr) return 0;
  }
  size_t k = 0;
  if (use_tail) {
    iov[k].iov_base = write_->malloc_end;
    iov[k].iov_len = tail_free;
    ++k;
  }
  iov[k].iov_base = spare_->data;
  iov[k].iov_len = spare_->capacity;
  ++k;
  spare_after_tail_ = use_tail || hint <= tail_free;
  return k;
}

void LinkBuffer::CommitWritable(size_t n) {
  if (spare_after_tail_) {
    const size_t tail_free = static_cast<size_t>(write_->cap_end - write_->malloc_end);
    const size_t k = std::min(n, tail_free);
    write_->malloc_end += k;
    unflushed_ += k;
    n -= k;
  }
  if (n > 0) {
    DCHECK(spare_ != nullptr && n <= spare_->capacity);
    Node* node = NewNode();
    node->block = spare_;  // takes the spare's reference
    spare_ = nullptr;
    node->start = node->block->data;
    node->malloc_end = node->start + n;
    node->cap_end = node->start + node->block->capacity;
    node->flushed_end.store(node->start, std::memory_order_relaxed);
    write_->next_w = node;
    write_ = node;
    unflushed_ += n;
  }
  Flush();
}

bool LinkBuffer::PrepareContiguous(size_t n) {
  DCHECK_EQ(unflushed_, 0u);
  const size_t len = Len();
  if (len >= n) return true;
  if (n > kMaxContiguous) return false;
  if (len == 0) return true;  // WritableIovecs(n) gives a block of its own
  if (ReadAvailInNode() == 0) AdvanceReadNode();
  // Already fine: every unread byte is in the tail block, with room behind.
  if (read_ == write_ && static_cast<size_t>(write_->cap_end - read_pos_) >= n) return true;
  detail::Block* b = nullptr;
  if (spare_ != nullptr && spare_->capacity >= n) {
    b = spare_;
    spare_ = nullptr;
  } else {
    b = BlockPool::Global().Allocate(std::max(n, kDefaultBlockSize));
    if (b == nullptr) return false;
  }
  NotePayloadCopy(len);
  Status st = ReadTo(b->data, len);  // consumes the old copies
  DCHECK(st.ok());
  Release();
  Node* node = NewNode();
  node->block = b;  // takes the allocation's reference
  node->start = b->data;
  node->malloc_end = b->data + len;
  node->cap_end = b->data + b->capacity;
  node->flushed_end.store(b->data, std::memory_order_relaxed);
  write_->next_w = node;
  write_ = node;
  unflushed_ = len;
  Flush();
  return true;
}

// ---- reader ----------------------------------------------------------------

bool LinkBuffer::AdvanceReadNode() {
  for (;;) {
    Node* next = read_->next.load(std::memory_order_acquire);
    if (next == nullptr) return false;
    // `next` is published, so read_ is sealed and its flushed_end final.
    if (read_pos_ != read_->flushed_end.load(std::memory_order_acquire)) return true;
    read_ = next;
    read_pos_ = next->start;
    if (read_pos_ != next->flushed_end.load(std::memory_order_acquire)) return true;
  }
}

Result<const uint8_t*> LinkBuffer::ReadSlow(size_t n, bool consume) {
  const size_t len = Len();
  if (n > len) {
    return OutOfRange("LinkBuffer: read of " + std::to_string(n) + " bytes with " +
                      std::to_string(len) + " readable");
  }
  if (n == 0) return read_pos_;
  if (ReadAvailInNode() == 0) AdvanceReadNode();
  if (ReadAvailInNode() >= n) {
    const uint8_t* p = read_pos_;
    if (consume) {
      read_pos_ += n;
      Consumed(n);
    }
    return p;
  }
  // The bytes straddle blocks: copy them into a scratch block.
  if (n > kMaxContiguous) {
    return ResourceExhausted("LinkBuffer: contiguous read of " + std::to_string(n) +
                             " bytes exceeds the largest block");
  }
  detail::Block* b = BlockPool::Global().Allocate(n);
  if (b == nullptr) return ResourceExhausted("LinkBuffer: out of memory");
  NotePayloadCopy(n);
  b->next_free = scratch_;
  scratch_ = b;
  // Copy without disturbing the read position, then consume if asked.
  Node* node = read_;
  const uint8_t* pos = read_pos_;
  size_t copied = 0;
  while (copied < n) {
    const uint8_t* end = node->flushed_end.load(std::memory_order_acquire);
    const size_t k = std::min(static_cast<size_t>(end - pos), n - copied);
    std::memcpy(b->data + copied, pos, k);
    copied += k;
    if (copied < n) {
      node = node->next.load(std::memory_order_acquire);
      DCHECK(node != nullptr);
      pos = node->start;
    } else {
      pos += k;
    }
  }
  if (consume) {
    read_ = node;
    read_pos_ = pos;
    Consumed(n);
  }
  return static_cast<const uint8_t*>(b->data);
}

Status LinkBuffer::SkipSlow(size_t n) {
  const size_t len = Len();
  if (n > len) {
    return OutOfRange("LinkBuffer: skip of " + std::to_string(n) + " bytes with " +
                      std::to_string(len) + " readable");
  }
  // n <= Len(): every node the walk reaches is published.
  Node* node = read_;
  const uint8_t* pos = read_pos_;
  size_t left = n;
  for (;;) {
    const auto avail = static_cast<size_t>(node->flushed_end.load(std::memory_order_acquire) - pos);
    if (left <= avail) break;
    left -= avail;
    node = node->next.load(std::memory_order_acquire);
    DCHECK(node != nullptr);
    pos = node->start;
  }
  read_ = node;
  read_pos_ = pos + left;
  Consumed(n);
  return Status::OK();
}

Status LinkBuffer::ReadTo(void* dst, size_t n) {
  const size_t len = Len();
  if (n > len) {
    return OutOfRange("LinkBuffer: read of " + std::to_string(n) + " bytes with " +
                      std::to_string(len) + " readable");
  }
  auto* out = static_cast<uint8_t*>(dst);
  size_t left = n;
  while (left > 0) {
    size_t avail = ReadAvailInNode();
    if (avail == 0) {
      AdvanceReadNode();
      avail = ReadAvailInNode();
    }
    const size_t k = std::min(avail, left);
    std::memcpy(out, read_pos_, k);
    out += k;
    read_pos_ += k;
    left -= k;
  }
  Consumed(n);
  return Status::OK();
}

Status LinkBuffer::ReadString(size_t n, std::string* out) {
  const size_t len = Len();
  if (n > len) {
    return OutOfRange("LinkBuffer: read of " + std::to_string(n) + " bytes with " +
                      std::to_string(len) + " readable");
  }
  const size_t old = out->size();
  out->resize(old + n);
  return ReadTo(out->data() + old, n);
}

Result<Slice> LinkBuffer::ReadSlice(size_t n) {
  const size_t len = Len();
  if (n > len) {
    return OutOfRange("LinkBuffer: slice of " + std::to_string(n) + " bytes with " +
                      std::to_string(len) + " readable");
  }
  if (n == 0) return Slice();
  if (ReadAvailInNode() == 0) AdvanceReadNode();
  if (ReadAvailInNode() >= n) {
    Slice s = Slice::FromBlock(read_->block, read_pos_, n);
    read_pos_ += n;
    Consumed(n);
    return s;
  }
  if (n > kMaxContiguous) {
    return ResourceExhausted("LinkBuffer: slice of " + std::to_string(n) +
                             " bytes exceeds the largest block");
  }
  detail::Block* b = BlockPool::Global().Allocate(n);
  if (b == nullptr) return ResourceExhausted("LinkBuffer: out of memory");
  NotePayloadCopy(n);
  Status st = ReadTo(b->data, n);
  DCHECK(st.ok());
  Slice s = Slice::FromBlock(b, b->data, n);
  detail::Unref(b);  // FromBlock took its own reference
  return s;
}

void LinkBuffer::ReleaseSlow() {
  FreeScratch(scratch_);
  scratch_ = nullptr;
  if (ReadAvailInNode() == 0) AdvanceReadNode();
  while (head_ != read_) {
    Node* next = head_->next.load(std::memory_order_acquire);
    FreeNode(head_);
    head_ = next;
  }
}

size_t LinkBuffer::ReadableIovecs(iovec* iov, size_t max_iov, size_t max_bytes) const {
  size_t left = std::min(Len(), max_bytes);
  const Node* node = read_;
  const uint8_t* pos = read_pos_;
  size_t k = 0;
  while (left > 0 && k < max_iov && node != nullptr) {
    const uint8_t* end = node->flushed_end.load(std::memory_order_acquire);
    const size_t avail = std::min(static_cast<size_t>(end - pos), left);
    if (avail > 0) {
      iov[k].iov_base = const_cast<uint8_t*>(pos);
      iov[k].iov_len = avail;
      ++k;
      left -= avail;
    }
    if (left == 0) break;
    node = node->next.load(std::memory_order_acquire);
    if (node != nullptr) pos = node->start;
  }
  return k;
}

}  // namespace tern
