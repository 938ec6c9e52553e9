// One writer thread and one reader thread on the same LinkBuffer: the
// contract of buffer.h, checked for content here and for races under TSan.
#include <gtest/gtest.h>

#include <atomic>
#include <cstring>
#include <random>
#include <string>
#include <thread>

#include "tern/buffer.h"

namespace tern {
namespace {

// Byte i of the stream is a function of i alone, so the reader can check
// every byte without sharing state with the writer.
uint8_t StreamByte(uint64_t i) { return static_cast<uint8_t>((i * 2654435761u) >> 13); }

TEST(LinkBufferConcurrencyTest, OneWriterOneReaderSeeEveryByteInOrder) {
  LinkBuffer buf;
  constexpr uint64_t kTotal = 24 << 20;
  std::atomic<bool> failed{false};

  std::thread writer([&] {
    std::mt19937_64 rng(1);
    uint64_t pos = 0;
    std::string scratch;
    while (pos < kTotal) {
      const uint64_t n = std::min<uint64_t>(kTotal - pos, 1 + rng() % 20000);
      switch (rng() % 3) {
        case 0: {
          auto p = buf.Malloc(n);
          ASSERT_TRUE(p.ok());
          for (uint64_t i = 0; i < n; ++i) (*p)[i] = StreamByte(pos + i);
          break;
        }
        case 1: {
          scratch.resize(n);
          for (uint64_t i = 0; i < n; ++i) scratch[i] = static_cast<char>(StreamByte(pos + i));
          buf.Write(scratch.data(), n);
          break;
        }
        default: {
          std::string s(n, '\0');
          for (uint64_t i = 0; i < n; ++i) s[i] = static_cast<char>(StreamByte(pos + i));
          buf.Append(Slice::FromString(std::move(s)));
          break;
        }
      }
      pos += n;
      if (rng() % 4 != 0) buf.Flush();
      // Keep memory bounded: wait while the reader is far behind.
      while (buf.Len() > (8u << 20) && !failed.load()) std::this_thread::yield();
    }
    buf.Flush();
  });

  std::thread reader([&] {
    std::mt19937_64 rng(2);
    uint64_t pos = 0;
    while (pos < kTotal && !failed.load()) {
      const size_t avail = buf.Len();
      if (avail == 0) {
        std::this_thread::yield();
        continue;
      }
      const size_t n = std::min<size_t>(avail, 1 + rng() % 30000);
      const int how = static_cast<int>(rng() % 3);
      if (how == 0) {
        auto p = buf.Next(n);
        if (!p.ok()) {
          failed = true;
          break;
        }
        for (size_t i = 0; i < n; ++i) {
          if ((*p)[i] != StreamByte(pos + i)) {
            failed = true;
            break;
          }
        }
      } else if (how == 1) {
        auto s = buf.ReadSlice(n);
        if (!s.ok()) {
          failed = true;
          break;
        }
        for (size_t i = 0; i < n; ++i) {
          if (s->data()[i] != StreamByte(pos + i)) {
            failed = true;
            break;
          }
        }
      } else {
        if (!buf.Skip(n).ok()) {
          failed = true;
          break;
        }
      }
      pos += n;
      if (rng() % 2 == 0) buf.Release();
    }
    buf.Release();
  });

  writer.join();
  reader.join();
  EXPECT_FALSE(failed.load()) << "the reader saw a wrong byte or a failed read";
  EXPECT_EQ(buf.Len(), 0u);
}

}  // namespace
}  // namespace tern
