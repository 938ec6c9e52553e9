// gen::ForEachSorted, the walk generated BLength/FastWrite (and the
// TypeInfo container accessors) use for std::map and std::set: the same
// elements in the same order as the iterators, for trees of every size and
// shape (inserted in order, in reverse, at random, after erasures), and for
// containers it does not walk itself.
#include <gtest/gtest.h>

#include <cstdint>
#include <functional>
#include <iterator>
#include <map>
#include <random>
#include <set>
#include <string>
#include <unordered_map>
#include <vector>

#include "tern/thrift/generated.h"

namespace tern::gen {
namespace {

template <class C>
std::vector<typename C::value_type> ByIterator(const C& c) {
  return {c.begin(), c.end()};
}

template <class C>
std::vector<typename C::value_type> ByWalk(const C& c) {
  std::vector<typename C::value_type> out;
  ForEachSorted(c, [&](const auto& e) { out.push_back(e); });
  return out;
}

TEST(ForEachSortedTest, MapsAndSetsOfEveryShapeInIteratorOrder) {
  static_assert(kRbTree<std::map<int, std::string>> == kRbTree<std::set<int>>);
  std::mt19937_64 rng(42);
  for (int n = 0; n <= 300; n += (n < 40 ? 1 : 37)) {
    for (int shape = 0; shape < 4; ++shape) {
      std::map<int64_t, std::string> m;
      std::set<std::string> s;
      for (int i = 0; i < n; ++i) {
        const int64_t k = shape == 0 ? i : shape == 1 ? n - i : static_cast<int64_t>(rng() % 1000);
        m[k] = std::to_string(k * 7);
        s.insert(std::to_string(k));
      }
      if (shape == 3) {  // holes: erase every third
        size_t i = 0;
        for (auto it = m.begin(); it != m.end(); ++i) it = i % 3 == 0 ? m.erase(it) : std::next(it);
        for (auto it = s.begin(); it != s.end();) it = (it->size() % 3 == 0) ? s.erase(it) : std::next(it);
      }
      ASSERT_EQ(ByWalk(m), ByIterator(m)) << "n=" << n << " shape=" << shape;
      ASSERT_EQ(ByWalk(s), ByIterator(s)) << "n=" << n << " shape=" << shape;
    }
  }
}

TEST(ForEachSortedTest, AMillionElementsAndOtherContainers) {
  std::set<int32_t> big;
  for (uint32_t i = 0; i < 1000000; ++i) big.insert(static_cast<int32_t>(i * 2654435761u % 1000003));
  int64_t expect = -1;
  size_t count = 0;
  bool ordered = true;
  ForEachSorted(big, [&](int32_t v) {
    ordered = ordered && v > expect;
    expect = v;
    ++count;
  });
  EXPECT_TRUE(ordered);
  EXPECT_EQ(count, big.size());

  // Not a libstdc++ tree (another comparator is; another container is not):
  // the iterators.
  const std::map<int, int, std::greater<int>> desc = {{1, 1}, {2, 2}, {3, 3}};
  EXPECT_EQ(ByWalk(desc), ByIterator(desc));
  const std::unordered_map<int, int> hashed = {{1, 1}, {2, 2}};
  EXPECT_FALSE((kRbTree<std::unordered_map<int, int>>));
  EXPECT_EQ(ByWalk(hashed), ByIterator(hashed));
}

}  // namespace
}  // namespace tern::gen
