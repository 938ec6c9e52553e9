// The Binary wire primitives of tern/thrift/wire.h that have size classes:
// CopyBytes (inline overlapping copies up to 128 bytes, memcpy beyond) and
// PutBinary on top of it.
#include "tern/thrift/wire.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <vector>

namespace tern::wire {
namespace {

constexpr uint8_t kGuard = 0xA5;

// Every length across every size class boundary, at every alignment of
// source and destination: exactly n bytes land, nothing around them moves.
TEST(WireTest, CopyBytesCopiesExactlyNBytesAtEveryLengthAndAlignment) {
  std::vector<uint8_t> src(512);
  for (size_t i = 0; i < src.size(); ++i) src[i] = static_cast<uint8_t>(i * 7 + 1);
  for (size_t n = 0; n <= 300; ++n) {
    for (size_t so = 0; so < 4; ++so) {
      for (size_t d_off = 0; d_off < 4; ++d_off) {
        std::vector<uint8_t> dst(n + 64, kGuard);
        CopyBytes(dst.data() + 16 + d_off, src.data() + so, n);
        for (size_t i = 0; i < dst.size(); ++i) {
          const bool inside = i >= 16 + d_off && i < 16 + d_off + n;
          const uint8_t want = inside ? src[so + i - 16 - d_off] : kGuard;
          ASSERT_EQ(dst[i], want) << "n=" << n << " src+" << so << " dst+" << d_off << " byte " << i;
        }
      }
    }
  }
}

TEST(WireTest, PutBinaryWritesTheBigEndianLengthThenTheBytes) {
  for (size_t n : {0, 1, 3, 15, 16, 17, 64, 65, 128, 129, 4096}) {
    std::vector<uint8_t> src(n);
    for (size_t i = 0; i < n; ++i) src[i] = static_cast<uint8_t>(255 - i);
    std::vector<uint8_t> out(n + 8, kGuard);
    uint8_t* end = PutBinary(out.data(), src.data(), n);
    ASSERT_EQ(end, out.data() + 4 + n);
    EXPECT_EQ(LoadI32(out.data()), static_cast<int32_t>(n));
    for (size_t i = 0; i < n; ++i) ASSERT_EQ(out[4 + i], src[i]) << "n=" << n << " byte " << i;
    for (size_t i = 4 + n; i < out.size(); ++i) ASSERT_EQ(out[i], kGuard) << "n=" << n;
  }
}

}  // namespace
}  // namespace tern::wire
