#include "core/buffer/block_pool.h"

#include <algorithm>
#include <cstdlib>
#include <new>
#include <vector>

namespace tern {

namespace {
// The data of a pool block starts this far after its header, so it is
// cache-line aligned (SIMD kernels and memcpy like that).
constexpr size_t kHeaderSpace = 64;
static_assert(sizeof(detail::Block) <= kHeaderSpace);
}  // namespace

// Per-thread cache of small blocks: the common Malloc/Release cycle of one
// connection never takes a lock, nor an atomic read-modify-write.
struct ThreadCache {
  struct Bin {
    detail::Block* head = nullptr;
    int count = 0;
  };
  std::array<Bin, BlockPool::kThreadCacheMaxShift - BlockPool::kMinShift + 1> bins{};
  // Blocks this thread allocated minus those it freed (a block may be freed
  // on another thread, so one thread's count may be negative). Written by
  // this thread only; GetStats sums every thread's count.
  std::atomic<int64_t> live{0};
  bool registered = false;
  bool retired = false;  // the thread is exiting: blocks bypass the cache

  void Register() noexcept {
    registered = true;
    BlockPool::Global().RegisterCache(this);
  }
  // At thread exit: every cached block to the global lists, the live count
  // to the pool's; blocks freed later bypass the cache.
  void Retire() noexcept {
    Flush();
    BlockPool::Global().RetireCache(this);
    retired = true;
    for (auto& bin : bins) bin.count = BlockPool::kThreadCacheBlocks;
  }
  void AddLive(int64_t d) noexcept {
    if (TERN_UNLIKELY(retired)) {
      BlockPool::Global().live_blocks_.fetch_add(d, std::memory_order_relaxed);
      return;
    }
    live.store(live.load(std::memory_order_relaxed) + d, std::memory_order_relaxed);
  }
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
// Constant-initialised and trivially destructible, so an access is a plain
// load: no guard, no init call. initial-exec: libtern_core is loaded with the
// program (not dlopen'ed alone), so its TLS is static and reached without
// __tls_get_addr. The first use registers the cache and arms its retirer.
constinit __attribute__((tls_model("initial-exec"))) thread_local ThreadCache tls_cache;

// Flushes and retires the thread's cache when the thread exits.
struct CacheRetirer {
  bool armed = false;
  ~CacheRetirer() {
    if (armed) tls_cache.Retire();
  }
};
thread_local CacheRetirer tls_retirer;

ThreadCache& Cache() noexcept {
  ThreadCache& c = tls_cache;
  if (TERN_UNLIKELY(!c.registered)) {
    tls_retirer.armed = true;
    c.Register();
  }
  return c;
}
}  // namespace

void BlockPool::RegisterCache(ThreadCache* c) noexcept {
  std::lock_guard<std::mutex> lock(caches_mu_);
  caches_.push_back(c);
}

void BlockPool::RetireCache(ThreadCache* c) noexcept {
  std::lock_guard<std::mutex> lock(caches_mu_);
  caches_.erase(std::remove(caches_.begin(), caches_.end(), c), caches_.end());
  live_blocks_.fetch_add(c->live.load(std::memory_order_relaxed), std::memory_order_relaxed);
}

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
  ThreadCache& cache = Cache();
  detail::Block* b = nullptr;
  if (cls <= kThreadCacheMaxShift - kMinShift) {
    auto& bin = cache.bins[cls];
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
  cache.AddLive(1);
  return b;
}

void BlockPool::Free(detail::Block* b) noexcept {
  ThreadCache& cache = Cache();
  cache.AddLive(-1);
  const int cls = static_cast<int>(b->size_class);
  if (cls <= kThreadCacheMaxShift - kMinShift) {
    auto& bin = cache.bins[cls];
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
  std::lock_guard<std::mutex> lock(caches_mu_);
  s.live_blocks = live_blocks_.load(std::memory_order_relaxed);
  for (const ThreadCache* c : caches_) s.live_blocks += c->live.load(std::memory_order_relaxed);
  return s;
}

void BlockPool::FlushThreadCache() noexcept { Cache().Flush(); }

}  // namespace tern
