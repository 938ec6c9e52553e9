// tern/copy_stats.h: per-thread counting, summed over live and exited threads.
#include "tern/copy_stats.h"

#include <gtest/gtest.h>

#include <atomic>
#include <thread>
#include <vector>

namespace tern {
namespace {

TEST(CopyStatsTest, SmallCopiesAreNotCounted) {
  const PayloadCopies before = PayloadCopyStats();
  NotePayloadCopy(kPayloadCopyBytes - 1);
  NotePayloadCopy(0);
  const PayloadCopies after = PayloadCopyStats();
  EXPECT_EQ(after.count, before.count);
  EXPECT_EQ(after.bytes, before.bytes);
}

// Copies counted by threads that are still running and by threads that have
// exited all appear in the sum, each once.
TEST(CopyStatsTest, SumsLiveAndExitedThreads) {
  const PayloadCopies before = PayloadCopyStats();
  constexpr int kThreads = 4;
  constexpr int kCopies = 1000;
  constexpr size_t kSize = 5000;

  // Two threads finish and exit; two more count, then wait (still alive)
  // while the sum is taken.
  std::vector<std::thread> exited;
  for (int t = 0; t < kThreads / 2; ++t) {
    exited.emplace_back([] {
      for (int i = 0; i < kCopies; ++i) NotePayloadCopy(kSize);
    });
  }
  for (auto& t : exited) t.join();

  std::atomic<int> counted{0};
  std::atomic<bool> done{false};
  std::vector<std::thread> live;
  for (int t = 0; t < kThreads / 2; ++t) {
    live.emplace_back([&] {
      for (int i = 0; i < kCopies; ++i) NotePayloadCopy(kSize);
      counted.fetch_add(1, std::memory_order_release);
      while (!done.load(std::memory_order_acquire)) std::this_thread::yield();
    });
  }
  while (counted.load(std::memory_order_acquire) < kThreads / 2) std::this_thread::yield();
  const PayloadCopies during = PayloadCopyStats();
  done.store(true, std::memory_order_release);
  for (auto& t : live) t.join();
  const PayloadCopies after = PayloadCopyStats();

  const uint64_t want = uint64_t{kThreads} * kCopies;
  EXPECT_EQ(during.count - before.count, want);
  EXPECT_EQ(during.bytes - before.bytes, want * kSize);
  EXPECT_EQ(after.count - before.count, want) << "an exiting thread's counts moved, not doubled";
  EXPECT_EQ(after.bytes - before.bytes, want * kSize);
}

}  // namespace
}  // namespace tern
