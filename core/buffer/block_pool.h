// BlockPool: the process-wide allocator of LinkBuffer blocks.
//
// Blocks come in power-of-two size classes from kMinBlock (512 B) to kMaxBlock
// (64 MiB, above the largest frame Tern accepts). A request takes the nearest
// class at or above it. Freed blocks go back to a free list per class, so a
// 4 MiB block freed after one large frame serves the next large frame instead
// of going back to the system. The bytes cached per class are capped
// (Options::cache_bytes_per_class, but always room for two blocks of the
// class), so a burst of large frames cannot pin memory for ever: past the cap,
// a freed block is returned to the system.
//
//   thread cache (classes <= 64 KiB, 16 blocks each, no lock)
//        |  overflow / refill
//   global free lists (one per class, one mutex per class, capped bytes)
//        |  overflow / miss
//   aligned_alloc / free
//
// Thread: every method is thread-safe. Blocks may be freed on a thread other
// than the one that allocated them (the poller frees what a worker wrote).
//
// Lifetime: the global pool is never destroyed (it outlives every static and
// thread that may still hold a block).
#pragma once

#include <array>
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <mutex>
#include <vector>

#include "tern/export.h"
#include "tern/slice.h"

namespace tern {

struct ThreadCache;

class TERN_EXPORT BlockPool {
 public:
  static constexpr int kMinShift = 9;   // 512 B
  static constexpr int kMaxShift = 26;  // 64 MiB
  static constexpr int kNumClasses = kMaxShift - kMinShift + 1;
  static constexpr size_t kMinBlock = size_t{1} << kMinShift;
  static constexpr size_t kMaxBlock = size_t{1} << kMaxShift;
  // Classes up to this size are cached per thread as well.
  static constexpr int kThreadCacheMaxShift = 16;
  static constexpr int kThreadCacheBlocks = 16;

  struct Options {
    size_t cache_bytes_per_class = size_t{16} << 20;
  };

  struct ClassStats {
    size_t block_size = 0;
    size_t cached_blocks = 0;  // in the global free list
    size_t cached_bytes = 0;
  };
  struct Stats {
    std::array<ClassStats, kNumClasses> classes{};
    uint64_t system_allocs = 0;  // blocks obtained from the system, ever
    uint64_t system_frees = 0;   // blocks returned to the system, ever
    int64_t live_blocks = 0;     // handed out and not yet freed
  };

  // The process-wide pool.
  static BlockPool& Global();

  // The class index for `size`, or -1 when size > kMaxBlock.
  static int ClassOf(size_t size) noexcept {
    if (size <= kMinBlock) return 0;
    if (size > kMaxBlock) return -1;
    return 64 - __builtin_clzll(size - 1) - kMinShift;
  }
  static size_t ClassSize(int cls) noexcept { return size_t{1} << (cls + kMinShift); }

  // A block with capacity >= size and refs == 1, or nullptr when size >
  // kMaxBlock or the system is out of memory.
  detail::Block* Allocate(size_t size) noexcept;
  // Returns a pool block (refs already 0).
  void Free(detail::Block* b) noexcept;

  void SetOptions(const Options& options);
  Options options() const;
  Stats GetStats() const;
  // Returns the calling thread's cached blocks to the global lists (tests,
  // and threads about to idle for long).
  void FlushThreadCache() noexcept;

 private:
  BlockPool() = default;
  friend struct ThreadCache;

  detail::Block* AllocateFromSystem(int cls) noexcept;
  void FreeToSystem(detail::Block* b) noexcept;
  detail::Block* PopGlobal(int cls) noexcept;
  void PushGlobal(detail::Block* b) noexcept;
  void RegisterCache(ThreadCache* c) noexcept;
  void RetireCache(ThreadCache* c) noexcept;

  struct alignas(64) FreeList {
    std::mutex mu;
    detail::Block* head = nullptr;
    size_t count = 0;
  };
  std::array<FreeList, kNumClasses> lists_;
  std::atomic<size_t> cache_bytes_per_class_{size_t{16} << 20};
  std::atomic<uint64_t> system_allocs_{0};
  std::atomic<uint64_t> system_frees_{0};
  // Live blocks counted by threads that have exited; the running threads'
  // counts are in their caches (GetStats sums them).
  std::atomic<int64_t> live_blocks_{0};
  mutable std::mutex caches_mu_;
  std::vector<ThreadCache*> caches_;
};

}  // namespace tern
