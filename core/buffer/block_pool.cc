#include "core/buffer/block_pool.h"

#include <algorithm>
#include <cstdlib>
#include <new>

namespace tern {

namespace {
// The data of a pool block starts this far after its header, so it is
// cache-line aligned (SIMD kernels and memcpy like that).
constexpr size_t kHeaderSpace = 64;
static_assert(sizeof(detail::Block) <= kHeaderSpace);
}  // namespace

// Per-thread cache of small blocks: the common Malloc/Release cycle of one
// connection never takes a lock.
struct ThreadCache {
  struct Bin {
    detail::Block* head = nullptr;
    int count = 0;
  };
  std::array<Bin, BlockPool::kThreadCacheMaxShift - BlockPool::kMinShift + 1> bins{};

  ~ThreadCache() { Flush(); }
  void Flush() noexcept {
    BlockPool& pool = BlockPool::Global();
    for (auto& bin : bins) {
      while (bin.head != nullptr) {
        detail::Block* b = bin.head;
        bin.head = b->next_free;
        pool.PushGlobal(b);
      }
      bin.count = 0;
    }
  }
};

namespace {
thread_local ThreadCache tls_cache;
}  // namespace

BlockPool& BlockPool::Global() {
  static BlockPool* pool = new BlockPool();  // never destroyed: see header
  return *pool;
}

detail::Block* BlockPool::AllocateFromSystem(int cls) noexcept {
  const size_t cap = ClassSize(cls);
  void* mem = std::aligned_alloc(64, kHeaderSpace + cap);
  if (mem == nullptr) return nullptr;
  auto* b = new (mem) detail::Block;
  b->size_class = static_cast<uint32_t>(cls);
  b->data = static_cast<uint8_t*>(mem) + kHeaderSpace;
  b->capacity = cap;
  b->release = nullptr;
  b->release_ctx = nullptr;
  b->next_free = nullptr;
  system_allocs_.fetch_add(1, std::memory_order_relaxed);
  return b;
}

void BlockPool::FreeToSystem(detail::Block* b) noexcept {
  system_frees_.fetch_add(1, std::memory_order_relaxed);
  b->~Block();
  std::free(b);
}

detail::Block* BlockPool::PopGlobal(int cls) noexcept {
  FreeList& list = lists_[cls];
  std::lock_guard<std::mutex> lock(list.mu);
  detail::Block* b = list.head;
  if (b != nullptr) {
    list.head = b->next_free;
    --list.count;
  }
  return b;
}

void BlockPool::PushGlobal(detail::Block* b) noexcept {
  const int cls = static_cast<int>(b->size_class);
  const size_t block_size = ClassSize(cls);
  const size_t cap =
      std::max(cache_bytes_per_class_.load(std::memory_order_relaxed), 2 * block_size);
  FreeList& list = lists_[cls];
  {
    std::lock_guard<std::mutex> lock(list.mu);
    if ((list.count + 1) * block_size <= cap) {
      b->next_free = list.head;
      list.head = b;
      ++list.count;
      return;
    }
  }
  FreeToSystem(b);
}

detail::Block* BlockPool::Allocate(size_t size) noexcept {
  const int cls = ClassOf(size);
  if (cls < 0) return nullptr;
  detail::Block* b = nullptr;
  if (cls <= kThreadCacheMaxShift - kMinShift) {
    auto& bin = tls_cache.bins[cls];
    if (bin.head != nullptr) {
      b = bin.head;
      bin.head = b->next_free;
      --bin.count;
    }
  }
  if (b == nullptr) b = PopGlobal(cls);
  if (b == nullptr) b = AllocateFromSystem(cls);
  if (b == nullptr) return nullptr;
  b->next_free = nullptr;
  b->refs.store(1, std::memory_order_relaxed);
  live_blocks_.fetch_add(1, std::memory_order_relaxed);
  return b;
}

void BlockPool::Free(detail::Block* b) noexcept {
  live_blocks_.fetch_sub(1, std::memory_order_relaxed);
  const int cls = static_cast<int>(b->size_class);
  if (cls <= kThreadCacheMaxShift - kMinShift) {
    auto& bin = tls_cache.bins[cls];
    if (bin.count < kThreadCacheBlocks) {
      b->next_free = bin.head;
      bin.head = b;
      ++bin.count;
      return;
    }
  }
  PushGlobal(b);
}

void BlockPool::SetOptions(const Options& options) {
  cache_bytes_per_class_.store(options.cache_bytes_per_class, std::memory_order_relaxed);
  // Trim lists that are now over the cap.
  for (int cls = 0; cls < kNumClasses; ++cls) {
    const size_t block_size = ClassSize(cls);
    const size_t cap = std::max(options.cache_bytes_per_class, 2 * block_size);
    detail::Block* excess = nullptr;
    {
      FreeList& list = lists_[cls];
      std::lock_guard<std::mutex> lock(list.mu);
      while (list.count * block_size > cap) {
        detail::Block* b = list.head;
        list.head = b->next_free;
        --list.count;
        b->next_free = excess;
        excess = b;
      }
    }
    while (excess != nullptr) {
      detail::Block* b = excess;
      excess = b->next_free;
      FreeToSystem(b);
    }
  }
}

BlockPool::Options BlockPool::options() const {
  Options o;
  o.cache_bytes_per_class = cache_bytes_per_class_.load(std::memory_order_relaxed);
  return o;
}

BlockPool::Stats BlockPool::GetStats() const {
  Stats s;
  for (int cls = 0; cls < kNumClasses; ++cls) {
    auto& list = const_cast<FreeList&>(lists_[cls]);
    std::lock_guard<std::mutex> lock(list.mu);
    s.classes[cls].block_size = ClassSize(cls);
    s.classes[cls].cached_blocks = list.count;
    s.classes[cls].cached_bytes = list.count * ClassSize(cls);
  }
  s.system_allocs = system_allocs_.load(std::memory_order_relaxed);
  s.system_frees = system_frees_.load(std::memory_order_relaxed);
  s.live_blocks = live_blocks_.load(std::memory_order_relaxed);
  return s;
}

void BlockPool::FlushThreadCache() noexcept { tls_cache.Flush(); }

}  // namespace tern
