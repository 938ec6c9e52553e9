#include "tern/slice.h"

#include <gtest/gtest.h>

#include <string>
#include <thread>
#include <vector>

namespace tern {
namespace {

struct ReleaseCounter {
  int calls = 0;
  const uint8_t* data = nullptr;
  size_t size = 0;
  static void Release(void* ctx, const uint8_t* data, size_t size) {
    auto* c = static_cast<ReleaseCounter*>(ctx);
    ++c->calls;
    c->data = data;
    c->size = size;
  }
};

TEST(SliceTest, ExternalReleaseRunsOnceWhenLastReferenceGoes) {
  static const char kText[] = "hello, world";
  ReleaseCounter counter;
  {
    Slice a = Slice::External(kText, 12, &ReleaseCounter::Release, &counter);
    EXPECT_EQ(a.data(), reinterpret_cast<const uint8_t*>(kText));
    Slice b = a;
    Slice c = b.Sub(7, 5);
    EXPECT_EQ(c.view(), "world");
    a = Slice();
    b = Slice();
    EXPECT_EQ(counter.calls, 0);
  }
  EXPECT_EQ(counter.calls, 1);
  EXPECT_EQ(counter.data, reinterpret_cast<const uint8_t*>(kText));
  EXPECT_EQ(counter.size, 12u);
}

TEST(SliceTest, FromStringKeepsTheBytesWithoutCopy) {
  std::string s(1000, 'x');
  const char* p = s.data();
  Slice slice = Slice::FromString(std::move(s));
  EXPECT_EQ(reinterpret_cast<const char*>(slice.data()), p);
  EXPECT_EQ(slice.size(), 1000u);
}

TEST(SliceTest, CopyOwnsItsBytes) {
  std::string s = "abc";
  Slice slice = Slice::Copy(s.data(), s.size());
  s = "xyz";
  EXPECT_EQ(slice.view(), "abc");
  EXPECT_TRUE(Slice::Copy(nullptr, 0).empty());
}

TEST(SliceTest, SubClampsToBounds) {
  Slice s = Slice::Copy("0123456789", 10);
  EXPECT_EQ(s.Sub(8, 100).view(), "89");
  EXPECT_TRUE(s.Sub(20, 1).empty());
}

TEST(SliceTest, ConcurrentCopiesReleaseExactlyOnce) {
  ReleaseCounter counter;
  static const char kText[] = "shared";
  {
    Slice root = Slice::External(kText, 6, &ReleaseCounter::Release, &counter);
    std::vector<std::thread> threads;
    for (int t = 0; t < 4; ++t) {
      threads.emplace_back([root] {
        for (int i = 0; i < 10000; ++i) {
          Slice copy = root;
          Slice sub = copy.Sub(1, 3);
          (void)sub;
        }
      });
    }
    for (auto& th : threads) th.join();
  }
  EXPECT_EQ(counter.calls, 1);
}

}  // namespace
}  // namespace tern
