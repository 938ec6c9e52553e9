#include "core/buffer/block_pool.h"

#include <gtest/gtest.h>

#include <vector>

namespace tern {
namespace {

TEST(BlockPoolTest, RequestTakesTheNearestClassAtOrAbove) {
  EXPECT_EQ(BlockPool::ClassOf(1), 0);
  EXPECT_EQ(BlockPool::ClassOf(512), 0);
  EXPECT_EQ(BlockPool::ClassOf(513), 1);
  EXPECT_EQ(BlockPool::ClassOf(1024), 1);
  EXPECT_EQ(BlockPool::ClassSize(BlockPool::ClassOf(5000)), 8192u);
  EXPECT_EQ(BlockPool::ClassOf(BlockPool::kMaxBlock), BlockPool::kNumClasses - 1);
  EXPECT_EQ(BlockPool::ClassOf(BlockPool::kMaxBlock + 1), -1);
  detail::Block* b = BlockPool::Global().Allocate(3000);
  ASSERT_NE(b, nullptr);
  EXPECT_EQ(b->capacity, 4096u);
  EXPECT_EQ(reinterpret_cast<uintptr_t>(b->data) % 64, 0u);
  detail::Unref(b);
}

TEST(BlockPoolTest, LargerThanTheLargestClassIsRefused) {
  EXPECT_EQ(BlockPool::Global().Allocate(BlockPool::kMaxBlock + 1), nullptr);
}

TEST(BlockPoolTest, LargeBlocksAreReusedNotFreed) {
  BlockPool& pool = BlockPool::Global();
  detail::Block* a = pool.Allocate(3 << 20);  // 4 MiB class: not thread-cached
  ASSERT_NE(a, nullptr);
  uint8_t* data = a->data;
  detail::Unref(a);
  const auto before = pool.GetStats();
  detail::Block* b = pool.Allocate(4 << 20);
  ASSERT_NE(b, nullptr);
  EXPECT_EQ(b->data, data) << "the freed 4 MiB block should serve the next request";
  EXPECT_EQ(pool.GetStats().system_allocs, before.system_allocs);
  detail::Unref(b);
}

TEST(BlockPoolTest, CachedBytesPerClassAreCapped) {
  BlockPool& pool = BlockPool::Global();
  const auto saved = pool.options();
  BlockPool::Options opts;
  opts.cache_bytes_per_class = 1 << 20;  // 1 MiB per class
  pool.SetOptions(opts);
  const int cls = BlockPool::ClassOf(256 << 10);  // 256 KiB blocks: 4 fit under the cap
  std::vector<detail::Block*> blocks;
  for (int i = 0; i < 10; ++i) blocks.push_back(pool.Allocate(256 << 10));
  const auto before = pool.GetStats();
  for (auto* b : blocks) detail::Unref(b);
  const auto after = pool.GetStats();
  EXPECT_EQ(after.classes[cls].cached_blocks, 4u);
  EXPECT_LE(after.classes[cls].cached_bytes, size_t{1} << 20);
  EXPECT_EQ(after.system_frees - before.system_frees,
            10u - (4u - before.classes[cls].cached_blocks));
  // The cap never prevents caching two blocks of a class larger than it.
  const int big = BlockPool::ClassOf(8 << 20);
  detail::Block* x = pool.Allocate(8 << 20);
  detail::Block* y = pool.Allocate(8 << 20);
  detail::Block* z = pool.Allocate(8 << 20);
  detail::Unref(x);
  detail::Unref(y);
  detail::Unref(z);
  EXPECT_EQ(pool.GetStats().classes[big].cached_blocks, 2u);
  pool.SetOptions(saved);
}

TEST(BlockPoolTest, SmallBlocksCycleThroughTheThreadCache) {
  BlockPool& pool = BlockPool::Global();
  detail::Block* warm = pool.Allocate(1000);
  detail::Unref(warm);
  const auto before = pool.GetStats();
  for (int i = 0; i < 1000; ++i) {
    detail::Block* b = pool.Allocate(1000);
    ASSERT_NE(b, nullptr);
    detail::Unref(b);
  }
  EXPECT_EQ(pool.GetStats().system_allocs, before.system_allocs);
  pool.FlushThreadCache();
}

}  // namespace
}  // namespace tern
