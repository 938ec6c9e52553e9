#include "tern/buffer.h"

#include <gtest/gtest.h>

#include <cstring>
#include <random>
#include <string>
#include <vector>

#include "core/buffer/block_pool.h"
#include "tern/copy_stats.h"

namespace tern {
namespace {

std::string Pattern(size_t n, uint32_t seed = 1) {
  std::string s(n, '\0');
  uint32_t x = seed;
  for (auto& c : s) {
    x = x * 1103515245u + 12345u;
    c = static_cast<char>(x >> 24);
  }
  return s;
}

void WriteFlush(LinkBuffer& buf, const std::string& s) {
  buf.Write(s.data(), s.size());
  buf.Flush();
}

std::string NextString(LinkBuffer& buf, size_t n) {
  auto r = buf.Next(n);
  EXPECT_TRUE(r.ok()) << r.status();
  if (!r.ok()) return "";
  return std::string(reinterpret_cast<const char*>(*r), n);
}

TEST(LinkBufferTest, MallocThenFlushPublishes) {
  LinkBuffer buf;
  auto p = buf.Malloc(5);
  ASSERT_TRUE(p.ok());
  std::memcpy(*p, "hello", 5);
  EXPECT_EQ(buf.Len(), 0u) << "nothing is readable before Flush";
  EXPECT_EQ(buf.UnflushedLen(), 5u);
  buf.Flush();
  EXPECT_EQ(buf.Len(), 5u);
  EXPECT_EQ(buf.UnflushedLen(), 0u);
  EXPECT_EQ(NextString(buf, 5), "hello");
  EXPECT_EQ(buf.Len(), 0u);
  buf.Release();
}

TEST(LinkBufferTest, MallocIsContiguousEvenWhenLargerThanABlock) {
  LinkBuffer buf;
  WriteFlush(buf, "x");
  auto p = buf.Malloc(LinkBuffer::kDefaultBlockSize * 3);
  ASSERT_TRUE(p.ok());
  std::memset(*p, 'y', LinkBuffer::kDefaultBlockSize * 3);
  buf.Flush();
  EXPECT_EQ(buf.Len(), 1 + LinkBuffer::kDefaultBlockSize * 3);
  EXPECT_EQ(NextString(buf, 1), "x");
  auto q = buf.Next(LinkBuffer::kDefaultBlockSize * 3);
  ASSERT_TRUE(q.ok());
  EXPECT_EQ(*q, *p) << "a read within one block is a pointer into it, not a copy";
}

TEST(LinkBufferTest, MallocAtLeastTakesTheTailsFreeSpaceAndUnmallocGivesItBack) {
  LinkBuffer buf;
  WriteFlush(buf, "ab");
  size_t got = 0;
  auto p = buf.MallocAtLeast(10, &got);
  ASSERT_TRUE(p.ok()) << p.status();
  // The rest of the first block (which holds "ab"), not just 10 bytes.
  EXPECT_GE(got, LinkBuffer::kDefaultBlockSize - 2);
  EXPECT_EQ(buf.UnflushedLen(), got);
  std::memcpy(*p, "cde", 3);
  buf.Unmalloc(got - 3);
  EXPECT_EQ(buf.UnflushedLen(), 3u);
  // What was given back is where the next write goes: still contiguous.
  auto q = buf.Malloc(2);
  ASSERT_TRUE(q.ok());
  EXPECT_EQ(*q, *p + 3);
  std::memcpy(*q, "fg", 2);
  buf.Flush();
  EXPECT_EQ(NextString(buf, 7), "abcdefg");
  buf.Release();
}

TEST(LinkBufferTest, MallocAtLeastOpensABlockOfAtLeastNWhenTheTailIsShort) {
  LinkBuffer buf;
  const std::string head = Pattern(LinkBuffer::kDefaultBlockSize - 5);
  WriteFlush(buf, head);  // 5 bytes left in the tail block (at most)
  const size_t n = 3 * LinkBuffer::kDefaultBlockSize;
  size_t got = 0;
  auto p = buf.MallocAtLeast(n, &got);
  ASSERT_TRUE(p.ok()) << p.status();
  EXPECT_GE(got, n);
  const std::string body = Pattern(n, 7);
  std::memcpy(*p, body.data(), n);
  buf.Unmalloc(got - n);
  buf.Flush();
  EXPECT_EQ(buf.Len(), head.size() + n);
  EXPECT_EQ(NextString(buf, head.size()), head);
  auto r = buf.Next(n);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(*r, *p) << "the n bytes are contiguous in one block";
  EXPECT_EQ(std::string(reinterpret_cast<const char*>(*r), n), body);
  // Asking for 0 still reserves something, and giving it all back is fine.
  auto z = buf.MallocAtLeast(0, &got);
  ASSERT_TRUE(z.ok());
  EXPECT_GE(got, 1u);
  buf.Unmalloc(got);
  EXPECT_EQ(buf.UnflushedLen(), 0u);
  buf.Release();
}

TEST(LinkBufferTest, MallocAtLeastRefusesMoreThanTheLargestBlock) {
  LinkBuffer buf;
  size_t got = 0;
  auto p = buf.MallocAtLeast(LinkBuffer::kMaxContiguous + 1, &got);
  ASSERT_FALSE(p.ok());
  EXPECT_EQ(p.status().code(), StatusCode::kResourceExhausted) << p.status();
  EXPECT_EQ(buf.UnflushedLen(), 0u);
}

TEST(LinkBufferTest, NextCopiesOnlyWhenStraddling) {
  LinkBuffer buf;
  // Fills one block exactly (32 KB: larger than the writes that get a
  // block with room for more).
  const std::string a = Pattern(4 * LinkBuffer::kDefaultBlockSize);
  auto p = buf.Malloc(a.size());
  ASSERT_TRUE(p.ok());
  std::memcpy(*p, a.data(), a.size());
  const std::string b = Pattern(100, 2);
  WriteFlush(buf, b);
  // Within the first block: a pointer into it.
  auto first = buf.Next(10);
  ASSERT_TRUE(first.ok());
  EXPECT_EQ(*first, *p);
  // Straddling the two blocks: a copy with the right bytes.
  auto mid = buf.Next(a.size() - 10 + 50);
  ASSERT_TRUE(mid.ok());
  EXPECT_NE(*mid, *p + 10);
  EXPECT_EQ(std::string(reinterpret_cast<const char*>(*mid), a.size() - 10 + 50),
            a.substr(10) + b.substr(0, 50));
  EXPECT_EQ(NextString(buf, 50), b.substr(50));
  buf.Release();
}

TEST(LinkBufferTest, PeekDoesNotConsume) {
  LinkBuffer buf;
  WriteFlush(buf, "abcdef");
  auto p = buf.Peek(3);
  ASSERT_TRUE(p.ok());
  EXPECT_EQ(std::string(reinterpret_cast<const char*>(*p), 3), "abc");
  EXPECT_EQ(buf.Len(), 6u);
  EXPECT_EQ(NextString(buf, 6), "abcdef");
}

TEST(LinkBufferTest, PeekStraddlingReturnsACopyAndKeepsPosition) {
  LinkBuffer buf;
  const std::string a = Pattern(LinkBuffer::kDefaultBlockSize - 2);
  WriteFlush(buf, a);
  ASSERT_TRUE(buf.Malloc(LinkBuffer::kDefaultBlockSize).ok());  // forces a new block
  // Replace the malloc'ed bytes with known content by writing through Next later:
  buf.Flush();
  ASSERT_TRUE(buf.Skip(a.size() - 4).ok());
  auto p = buf.Peek(8);
  ASSERT_TRUE(p.ok());
  EXPECT_EQ(std::string(reinterpret_cast<const char*>(*p), 2), a.substr(a.size() - 4, 2));
  EXPECT_EQ(buf.Len(), 4 + LinkBuffer::kDefaultBlockSize);
}

TEST(LinkBufferTest, SkipAndReadToAcrossBlocks) {
  LinkBuffer buf;
  const std::string s = Pattern(3 * LinkBuffer::kDefaultBlockSize + 123);
  WriteFlush(buf, s);
  ASSERT_TRUE(buf.Skip(LinkBuffer::kDefaultBlockSize + 7).ok());
  std::string out(1000, '\0');
  ASSERT_TRUE(buf.ReadTo(out.data(), out.size()).ok());
  EXPECT_EQ(out, s.substr(LinkBuffer::kDefaultBlockSize + 7, 1000));
  std::string rest;
  ASSERT_TRUE(buf.ReadString(buf.Len(), &rest).ok());
  EXPECT_EQ(rest, s.substr(LinkBuffer::kDefaultBlockSize + 1007));
  buf.Release();
}

struct ReleaseCounter {
  int calls = 0;
  static void Release(void* ctx, const uint8_t*, size_t) {
    ++static_cast<ReleaseCounter*>(ctx)->calls;
  }
};

TEST(LinkBufferTest, AppendIsZeroCopyByPointerIdentity) {
  static char payload[1 << 20];
  std::memset(payload, 'p', sizeof(payload));
  ReleaseCounter counter;
  {
    LinkBuffer buf;
    WriteFlush(buf, "head");
    buf.Append(Slice::External(payload, sizeof(payload), &ReleaseCounter::Release, &counter));
    buf.Write("tail", 4);
    buf.Flush();
    EXPECT_EQ(buf.Len(), 4 + sizeof(payload) + 4);
    EXPECT_EQ(NextString(buf, 4), "head");
    auto p = buf.Next(sizeof(payload));
    ASSERT_TRUE(p.ok());
    EXPECT_EQ(reinterpret_cast<const char*>(*p), payload) << "appended bytes are read in place";
    EXPECT_EQ(NextString(buf, 4), "tail");
    EXPECT_EQ(counter.calls, 0);
    buf.Release();
    EXPECT_EQ(counter.calls, 1) << "release runs once the reader has released the node";
  }
  EXPECT_EQ(counter.calls, 1);
}

TEST(LinkBufferTest, AppendSplitsTheCurrentBlockAndKeepsOrder) {
  LinkBuffer buf;
  auto h = buf.Malloc(10);
  ASSERT_TRUE(h.ok());
  std::memcpy(*h, "0123456789", 10);
  buf.Append(Slice::Copy("APPENDED", 8));
  auto t = buf.Malloc(5);
  ASSERT_TRUE(t.ok());
  std::memcpy(*t, "after", 5);
  // The writes after the append continue in the same block, past the head.
  EXPECT_EQ(*t, *h + 10);
  buf.Flush();
  std::string all;
  ASSERT_TRUE(buf.ReadString(buf.Len(), &all).ok());
  EXPECT_EQ(all, "0123456789APPENDEDafter");
}

TEST(LinkBufferTest, ReleaseCallbackRunsOnceWhenBufferIsDestroyedUnread) {
  static const char kData[] = "never read";
  ReleaseCounter counter;
  {
    LinkBuffer buf;
    buf.Append(Slice::External(kData, 10, &ReleaseCounter::Release, &counter));
    buf.Flush();
  }
  EXPECT_EQ(counter.calls, 1);
  {
    LinkBuffer buf;  // appended but never flushed
    buf.Append(Slice::External(kData, 10, &ReleaseCounter::Release, &counter));
  }
  EXPECT_EQ(counter.calls, 2);
}

TEST(LinkBufferTest, ReadSliceSurvivesRelease) {
  LinkBuffer buf;
  const std::string s = Pattern(5000);
  WriteFlush(buf, s);
  auto peek = buf.Peek(1);
  ASSERT_TRUE(peek.ok());
  auto slice = buf.ReadSlice(4000);
  ASSERT_TRUE(slice.ok());
  EXPECT_EQ(slice->data(), *peek) << "zero-copy within one block";
  ASSERT_TRUE(buf.Skip(1000).ok());
  buf.Release();
  WriteFlush(buf, Pattern(20000, 9));  // reuse of freed blocks must not touch the slice
  EXPECT_EQ(slice->view(), s.substr(0, 4000));
}

TEST(LinkBufferTest, ReadSliceStraddlingCopiesOnce) {
  LinkBuffer buf;
  const std::string a = Pattern(LinkBuffer::kDefaultBlockSize);
  auto p = buf.Malloc(a.size());
  ASSERT_TRUE(p.ok());
  std::memcpy(*p, a.data(), a.size());
  WriteFlush(buf, "xyz");
  ASSERT_TRUE(buf.Skip(a.size() - 2).ok());
  auto slice = buf.ReadSlice(4);
  ASSERT_TRUE(slice.ok());
  buf.Release();
  EXPECT_EQ(slice->view(), a.substr(a.size() - 2) + "xy");
}

TEST(LinkBufferTest, MisuseIsAnErrorAndChangesNothing) {
  LinkBuffer buf;
  WriteFlush(buf, "abc");
  EXPECT_EQ(buf.Next(4).status().code(), StatusCode::kOutOfRange);
  EXPECT_EQ(buf.Peek(4).status().code(), StatusCode::kOutOfRange);
  EXPECT_EQ(buf.Skip(4).code(), StatusCode::kOutOfRange);
  EXPECT_EQ(buf.ReadSlice(4).status().code(), StatusCode::kOutOfRange);
  char tmp[8];
  EXPECT_EQ(buf.ReadTo(tmp, 4).code(), StatusCode::kOutOfRange);
  std::string str;
  EXPECT_EQ(buf.ReadString(4, &str).code(), StatusCode::kOutOfRange);
  EXPECT_TRUE(str.empty());
  EXPECT_EQ(buf.Len(), 3u);
  auto big = buf.Malloc(LinkBuffer::kMaxContiguous + 1);
  EXPECT_EQ(big.status().code(), StatusCode::kResourceExhausted);
  EXPECT_EQ(buf.UnflushedLen(), 0u);
  buf.Flush();
  EXPECT_EQ(NextString(buf, 3), "abc");
}

TEST(LinkBufferTest, ReadableIovecsCoverTheChainInOrder) {
  LinkBuffer buf;
  WriteFlush(buf, "one");
  buf.Append(Slice::Copy("two", 3));
  buf.Write("three", 5);
  buf.Flush();
  iovec iov[8];
  const size_t n = buf.ReadableIovecs(iov, 8);
  std::string joined;
  for (size_t i = 0; i < n; ++i) joined.append(static_cast<char*>(iov[i].iov_base), iov[i].iov_len);
  EXPECT_EQ(joined, "onetwothree");
  EXPECT_EQ(n, 3u);
  const size_t m = buf.ReadableIovecs(iov, 8, 5);
  size_t total = 0;
  for (size_t i = 0; i < m; ++i) total += iov[i].iov_len;
  EXPECT_EQ(total, 5u);
  ASSERT_TRUE(buf.Skip(5).ok());
  const size_t k = buf.ReadableIovecs(iov, 8);
  joined.clear();
  for (size_t i = 0; i < k; ++i) joined.append(static_cast<char*>(iov[i].iov_base), iov[i].iov_len);
  EXPECT_EQ(joined, "othree");
}

TEST(LinkBufferTest, WritableIovecsGiveOneBlockForALargeExpectedFrame) {
  LinkBuffer buf;
  WriteFlush(buf, "hdr!");  // the tail block now has free space
  iovec iov[4];
  const size_t hint = 1 << 20;
  const size_t n = buf.WritableIovecs(hint, iov, 4);
  ASSERT_EQ(n, 1u);
  EXPECT_GE(iov[0].iov_len, hint);
  const std::string frame = Pattern(hint);
  std::memcpy(iov[0].iov_base, frame.data(), frame.size());
  buf.CommitWritable(frame.size());
  EXPECT_EQ(buf.Len(), 4 + hint);
  ASSERT_TRUE(buf.Skip(4).ok());
  auto p = buf.Next(hint);
  ASSERT_TRUE(p.ok());
  EXPECT_EQ(static_cast<const void*>(*p), iov[0].iov_base) << "the frame is contiguous, not copied";
  EXPECT_EQ(std::memcmp(*p, frame.data(), hint), 0);
}

// A large frame's start arrived near the end of a block: PrepareContiguous
// moves the start into a block of the frame's size, and the rest is read
// behind it, so Next(frame) points into that block instead of joining.
TEST(LinkBufferTest, PrepareContiguousMovesAFramesStartIntoABlockOfItsSize) {
  LinkBuffer buf;
  const std::string filler = Pattern(LinkBuffer::kDefaultBlockSize - 5000);
  WriteFlush(buf, filler);
  ASSERT_TRUE(buf.Skip(filler.size()).ok());
  const size_t frame_len = size_t{1} << 20;
  const std::string frame = Pattern(frame_len, 9);
  // The start: 4,900 bytes, in the 5,000 free at the block's end.
  const size_t start = 4900;
  WriteFlush(buf, frame.substr(0, start));
  const PayloadCopies before = PayloadCopyStats();
  ASSERT_TRUE(buf.PrepareContiguous(frame_len));
  const PayloadCopies after = PayloadCopyStats();
  EXPECT_EQ(after.count - before.count, 1u) << "the start was copied once";
  EXPECT_EQ(after.bytes - before.bytes, start);
  ASSERT_EQ(buf.Len(), start);
  iovec iov[4];
  const size_t cnt = buf.WritableIovecs(frame_len - start, iov, 4);
  ASSERT_GE(cnt, 1u);
  ASSERT_GE(iov[0].iov_len, frame_len - start);
  std::memcpy(iov[0].iov_base, frame.data() + start, frame_len - start);
  buf.CommitWritable(frame_len - start);
  const PayloadCopies joined = PayloadCopyStats();
  auto p = buf.Next(frame_len);
  ASSERT_TRUE(p.ok());
  EXPECT_EQ(PayloadCopyStats().count, joined.count) << "no join: the frame is one block";
  EXPECT_EQ(static_cast<const void*>(*p + start), iov[0].iov_base);
  EXPECT_EQ(std::memcmp(*p, frame.data(), frame_len), 0);
  buf.Release();
  EXPECT_EQ(buf.Len(), 0u);
}

TEST(LinkBufferTest, PrepareContiguousLeavesAStartThatAlreadyHasRoom) {
  LinkBuffer buf;
  WriteFlush(buf, "hdr!");
  auto before = buf.Peek(4);
  ASSERT_TRUE(before.ok());
  const uint8_t* at = *before;
  const PayloadCopies copies = PayloadCopyStats();
  ASSERT_TRUE(buf.PrepareContiguous(100));  // fits in the tail block
  auto after = buf.Peek(4);
  ASSERT_TRUE(after.ok());
  EXPECT_EQ(*after, at) << "nothing moved";
  EXPECT_EQ(PayloadCopyStats().count, copies.count);
  // Already complete, or nothing read yet: nothing to do either.
  EXPECT_TRUE(buf.PrepareContiguous(2));
  LinkBuffer empty;
  EXPECT_TRUE(empty.PrepareContiguous(size_t{1} << 20));
  EXPECT_EQ(empty.Len(), 0u);
}

TEST(LinkBufferTest, PrepareContiguousRefusesMoreThanTheLargestBlock) {
  LinkBuffer buf;
  WriteFlush(buf, "abcd");
  EXPECT_FALSE(buf.PrepareContiguous(LinkBuffer::kMaxContiguous + 1));
  EXPECT_EQ(NextString(buf, 4), "abcd") << "nothing changed";
}

TEST(LinkBufferTest, WritableIovecsSmallReadsFillTheTailThenASpare) {
  LinkBuffer buf;
  WriteFlush(buf, "a");
  iovec iov[4];
  const size_t n = buf.WritableIovecs(LinkBuffer::kDefaultBlockSize * 2, iov, 4);
  ASSERT_GE(n, 1u);
  size_t total = 0;
  for (size_t i = 0; i < n; ++i) total += iov[i].iov_len;
  EXPECT_GE(total, LinkBuffer::kDefaultBlockSize * 2);
  // Simulate readv filling everything offered.
  std::string expect;
  for (size_t i = 0; i < n; ++i) {
    std::string part = Pattern(iov[i].iov_len, static_cast<uint32_t>(i + 3));
    std::memcpy(iov[i].iov_base, part.data(), part.size());
    expect += part;
  }
  buf.CommitWritable(total);
  EXPECT_EQ(buf.Len(), 1 + total);
  std::string got;
  ASSERT_TRUE(buf.ReadString(buf.Len(), &got).ok());
  EXPECT_EQ(got, "a" + expect);
  // A partial fill keeps the spare for the next read.
  const size_t n2 = buf.WritableIovecs(100, iov, 4);
  ASSERT_GE(n2, 1u);
  std::memcpy(iov[0].iov_base, "xy", 2);
  buf.CommitWritable(2);
  EXPECT_EQ(NextString(buf, 2), "xy");
}

TEST(LinkBufferTest, AppendBufferMovesBytesByReference) {
  LinkBuffer src;
  const std::string s = Pattern(20000);
  WriteFlush(src, s);
  iovec iov[8];
  ASSERT_GE(src.ReadableIovecs(iov, 8), 1u);
  const void* first = iov[0].iov_base;
  LinkBuffer dst;
  WriteFlush(dst, "prefix");
  dst.AppendBuffer(src);
  dst.Flush();
  EXPECT_EQ(src.Len(), 0u);
  EXPECT_EQ(dst.Len(), 6 + s.size());
  ASSERT_TRUE(dst.Skip(6).ok());
  auto p = dst.Peek(1);
  ASSERT_TRUE(p.ok());
  EXPECT_EQ(static_cast<const void*>(*p), first);
  std::string got;
  ASSERT_TRUE(dst.ReadString(dst.Len(), &got).ok());
  EXPECT_EQ(got, s);
}

TEST(LinkBufferTest, MoveTransfersContentAndLeavesAnEmptyBuffer) {
  LinkBuffer a;
  WriteFlush(a, "moved bytes");
  LinkBuffer b(std::move(a));
  EXPECT_EQ(a.Len(), 0u);  // NOLINT(bugprone-use-after-move): moved-from is valid and empty
  WriteFlush(a, "still usable");
  EXPECT_EQ(NextString(a, 12), "still usable");
  EXPECT_EQ(NextString(b, 11), "moved bytes");
  LinkBuffer c;
  WriteFlush(c, "old");
  c = std::move(b);
  EXPECT_EQ(c.Len(), 0u);
}

TEST(LinkBufferTest, ReleaseReturnsConsumedBlocksToThePool) {
  BlockPool& pool = BlockPool::Global();
  const int64_t live_before = pool.GetStats().live_blocks;
  {
    LinkBuffer buf;
    // 32 KB writes: past the sizes that get a block with room for more.
    for (int i = 0; i < 10; ++i) WriteFlush(buf, Pattern(4 * LinkBuffer::kDefaultBlockSize));
    EXPECT_GE(pool.GetStats().live_blocks - live_before, 10);
    ASSERT_TRUE(buf.Skip(buf.Len()).ok());
    buf.Release();
    // Only the block under the read position may remain.
    EXPECT_LE(pool.GetStats().live_blocks - live_before, 1);
  }
  EXPECT_EQ(pool.GetStats().live_blocks, live_before);
}

// A writer of medium messages (a few KB each) gets blocks with room for
// several, instead of a new block for nearly every message.
TEST(LinkBufferTest, MediumWritesShareBlocks) {
  BlockPool& pool = BlockPool::Global();
  const int64_t live_before = pool.GetStats().live_blocks;
  {
    LinkBuffer buf;
    const std::string msg = Pattern(4135);
    for (int i = 0; i < 16; ++i) {
      auto p = buf.Malloc(msg.size());
      ASSERT_TRUE(p.ok());
      std::memcpy(*p, msg.data(), msg.size());
      buf.Flush();
    }
    EXPECT_LE(pool.GetStats().live_blocks - live_before, 6);
    std::string all;
    ASSERT_TRUE(buf.ReadString(buf.Len(), &all).ok());
    std::string want;
    for (int i = 0; i < 16; ++i) want += msg;
    EXPECT_EQ(all, want);
  }
  EXPECT_EQ(pool.GetStats().live_blocks, live_before);
}

// Differential test: a long seeded sequence of mixed operations against a
// std::string model of the readable bytes.
TEST(LinkBufferTest, RandomOperationsMatchAStringModel) {
  std::mt19937_64 rng(0x7E4E);
  LinkBuffer buf;
  std::string model;                                // published, unread bytes
  std::string unflushed;                            // written, not yet flushed
  std::vector<std::pair<Slice, std::string>> held;  // slices read out, with their expected bytes
  auto size_of = [&](int max_log) {
    const int lg = static_cast<int>(rng() % (max_log + 1));
    return static_cast<size_t>(rng() % ((size_t{1} << lg) + 1));
  };
  constexpr int kOps = 120000;
  int prepared = 0;  // case 12 runs
  for (int op = 0; op < kOps; ++op) {
    const int kind = static_cast<int>(rng() % 13);
    switch (kind) {
      case 0: {  // Malloc + fill
        const size_t n = size_of(14);
        auto p = buf.Malloc(n);
        ASSERT_TRUE(p.ok());
        std::string data = Pattern(n, static_cast<uint32_t>(op));
        if (n > 0) std::memcpy(*p, data.data(), n);
        unflushed += data;
        break;
      }
      case 1: {  // Write (copy)
        std::string data = Pattern(size_of(15), static_cast<uint32_t>(op));
        buf.Write(data.data(), data.size());
        unflushed += data;
        break;
      }
      case 2: {  // Append by reference
        std::string data = Pattern(size_of(13), static_cast<uint32_t>(op));
        buf.Append(Slice::Copy(data.data(), data.size()));
        unflushed += data;
        break;
      }
      case 3:
      case 4: {  // Flush
        buf.Flush();
        model += unflushed;
        unflushed.clear();
        break;
      }
      case 5: {  // Next
        const size_t n = size_of(16);
        auto r = buf.Next(n);
        if (n > model.size()) {
          ASSERT_FALSE(r.ok());
          break;
        }
        ASSERT_TRUE(r.ok()) << r.status();
        ASSERT_EQ(std::string(reinterpret_cast<const char*>(*r), n), model.substr(0, n)) << op;
        model.erase(0, n);
        break;
      }
      case 6: {  // Peek
        const size_t n = size_of(14);
        auto r = buf.Peek(n);
        if (n > model.size()) {
          ASSERT_FALSE(r.ok());
          break;
        }
        ASSERT_TRUE(r.ok());
        ASSERT_EQ(std::string(reinterpret_cast<const char*>(*r), n), model.substr(0, n)) << op;
        break;
      }
      case 7: {  // Skip
        const size_t n = size_of(16);
        Status st = buf.Skip(n);
        if (n > model.size()) {
          ASSERT_FALSE(st.ok());
          break;
        }
        ASSERT_TRUE(st.ok());
        model.erase(0, n);
        break;
      }
      case 8: {  // ReadSlice, kept past Release
        const size_t n = size_of(13);
        auto r = buf.ReadSlice(n);
        if (n > model.size()) {
          ASSERT_FALSE(r.ok());
          break;
        }
        ASSERT_TRUE(r.ok());
        held.emplace_back(std::move(r).value(), model.substr(0, n));
        model.erase(0, n);
        if (held.size() > 32) held.erase(held.begin());
        break;
      }
      case 9:
      case 10: {  // Release
        buf.Release();
        break;
      }
      case 11: {  // readv-style write
        iovec iov[4];
        const size_t hint = size_of(16) + 1;
        const size_t cnt = buf.WritableIovecs(hint, iov, 4);
        ASSERT_GE(cnt, 1u);
        size_t cap = 0;
        for (size_t i = 0; i < cnt; ++i) cap += iov[i].iov_len;
        const size_t n = std::min(cap, size_of(16));
        std::string data = Pattern(n, static_cast<uint32_t>(op));
        size_t off = 0;
        for (size_t i = 0; i < cnt && off < n; ++i) {
          const size_t k = std::min(iov[i].iov_len, n - off);
          std::memcpy(iov[i].iov_base, data.data() + off, k);
          off += k;
        }
        // CommitWritable flushes everything written so far, as the transport does.
        buf.CommitWritable(n);
        model += unflushed + data;
        unflushed.clear();
        break;
      }
      case 12: {  // a frame whose start is here: make it contiguous, read the rest
        // (Only over a short start: the move copies every unread byte.)
        if (model.size() + unflushed.size() > (size_t{1} << 15)) break;
        buf.Flush();
        model += unflushed;
        unflushed.clear();
        const size_t n = model.size() + size_of(16) + 1;
        ASSERT_TRUE(buf.PrepareContiguous(n));
        iovec iov[4];
        const size_t missing = n - model.size();
        const size_t cnt = buf.WritableIovecs(missing, iov, 4);
        ASSERT_GE(cnt, 1u);
        ASSERT_GE(iov[0].iov_len, missing) << "the rest fits behind the start";
        std::string data = Pattern(missing, static_cast<uint32_t>(op));
        std::memcpy(iov[0].iov_base, data.data(), missing);
        buf.CommitWritable(missing);
        model += data;
        iovec run[8];
        ASSERT_EQ(buf.ReadableIovecs(run, 8, n), 1u) << "op " << op << ": the frame is one run";
        ++prepared;
        break;
      }
    }
    ASSERT_EQ(buf.Len(), model.size()) << "op " << op;
  }
  EXPECT_GT(prepared, 100) << "the PrepareContiguous operation ran";
  for (auto& [slice, expect] : held) EXPECT_EQ(slice.view(), expect);
  buf.Flush();
  model += unflushed;
  std::string rest;
  ASSERT_TRUE(buf.ReadString(buf.Len(), &rest).ok());
  EXPECT_EQ(rest, model);
}

}  // namespace
}  // namespace tern
