#include "plugins/thrift_fast/framer.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstring>
#include <random>
#include <string>

#include "plugins/thrift_fast/binary_codec.h"
#include "tern/thrift/wire.h"
#include "unit/thrift_fast/test_util.h"

namespace tern::thrift_fast {
namespace {

using testing::AppendBlock;
using testing::Bytes;
using testing::Deliver;
using testing::Framed;
using ::testing::HasSubstr;
using testing::OneBytePieces;
using testing::RandomPieces;

constexpr uint8_t T(TType t) { return static_cast<uint8_t>(t); }

// A body with every wire type, nested containers, empty containers and
// fields in no particular order: what the buffered scanner must walk.
std::string RichBody() {
  uint64_t ratio;
  const double d = 0.25;
  std::memcpy(&ratio, &d, 8);
  Bytes b;
  b.Field(TType::kBool, 1).U8(1);
  b.Field(TType::kByte, 2).U8(0xfe);
  b.Field(TType::kI16, 3).I16(-3);
  b.Field(TType::kI32, 4).I32(100000);
  b.Field(TType::kI64, 5).I64(int64_t{1} << 40);
  b.Field(TType::kDouble, 6).I64(static_cast<int64_t>(ratio));
  b.Field(TType::kString, 7).Str("hello, world");
  b.Field(TType::kStruct, 8)
      .Field(TType::kString, 1)
      .Str("")
      .Field(TType::kList, 2)
      .U8(T(TType::kI32))
      .I32(3)
      .I32(1)
      .I32(2)
      .I32(3)
      .Stop();
  b.Field(TType::kList, 9).U8(T(TType::kString)).I32(2).Str("a").Str("bcd");
  b.Field(TType::kSet, 10).U8(T(TType::kStruct)).I32(2).Stop().Field(TType::kI32, 1).I32(5).Stop();
  b.Field(TType::kMap, 11).U8(T(TType::kString)).U8(T(TType::kList)).I32(2);
  b.Str("k1").U8(T(TType::kI64)).I32(1).I64(9);
  b.Str("k2").U8(T(TType::kI64)).I32(0);
  b.Field(TType::kMap, 12).U8(T(TType::kI32)).U8(T(TType::kDouble)).I32(2);
  b.I32(1).I64(2).I32(3).I64(4);
  b.Field(TType::kList, 13).U8(T(TType::kList)).I32(1);
  b.U8(T(TType::kMap)).I32(1).U8(T(TType::kByte)).U8(T(TType::kString)).I32(1).U8(3).Str("x");
  b.Field(TType::kUuid, 14).Raw(std::string(16, '\x11'));
  b.Field(TType::kList, 15).U8(T(TType::kBool)).I32(0);
  b.Field(TType::kMap, 16).U8(T(TType::kString)).U8(T(TType::kStruct)).I32(0);
  b.Field(TType::kStruct, -7).Stop();
  b.Stop();
  return b.str();
}

std::string RichMessage(bool strict = true) {
  Bytes b;
  if (strict) {
    b.Strict("getThings", MessageType::kCall, 42);
  } else {
    b.Old("getThings", MessageType::kCall, 42);
  }
  return b.Raw(RichBody()).str();
}

// A message whose body is `depth` structs nested in field 1 of each other.
std::string NestedStructs(size_t depth) {
  Bytes b;
  b.Strict("deep", MessageType::kCall, 1);
  std::string s = b.str();
  s.reserve(s.size() + depth * 4 + 1);
  for (size_t i = 0; i < depth; ++i) s += Bytes().Field(TType::kStruct, 1).str();
  s.append(depth + 1, '\0');  // the stops of every struct and of the body
  return s;
}

// A message whose body holds `depth` lists nested in each other.
std::string NestedLists(size_t depth) {
  std::string s = Bytes().Strict("deep", MessageType::kCall, 1).Field(TType::kList, 1).str();
  const std::string level = Bytes().U8(T(TType::kList)).I32(1).str();
  for (size_t i = 1; i < depth; ++i) s += level;
  s += Bytes().U8(T(TType::kI32)).I32(0).Stop().str();
  return s;
}

class FramerTest : public ::testing::Test {
 protected:
  BinaryCodec framed_{Framing::kFramed};
  BinaryCodec buffered_{Framing::kBuffered};
  Limits limits_;
};

// ---- framed -----------------------------------------------------------------

TEST_F(FramerTest, FramedWaitsForTheHeaderThenAsksForTheWholeFrame) {
  const std::string msg = Framed(RichMessage());
  for (size_t k = 0; k <= msg.size(); ++k) {
    SCOPED_TRACE(k);
    LinkBuffer buf;
    AppendBlock(buf, std::string_view(msg).substr(0, k));
    FrameState state;
    const FrameResult r = framed_.Frame(buf, state, limits_);
    if (k < 4) {
      EXPECT_EQ(r.what, FrameResult::kNeedMore);
      EXPECT_EQ(r.size, 4u);
    } else if (k < msg.size()) {
      EXPECT_EQ(r.what, FrameResult::kNeedMore);
      EXPECT_EQ(r.size, msg.size()) << "one read should be sized for the whole frame";
    } else {
      EXPECT_EQ(r.what, FrameResult::kFrame);
      EXPECT_EQ(r.size, msg.size());
    }
    EXPECT_EQ(buf.Len(), k) << "framing only peeks";
  }
}

TEST_F(FramerTest, FramedHeaderSplitAcrossBlocksAtEveryByte) {
  const std::string msg = Framed(RichMessage());
  for (size_t k = 1; k < msg.size(); ++k) {
    SCOPED_TRACE(k);
    auto d = Deliver(framed_, msg, {k, msg.size() - k}, limits_);
    EXPECT_EQ(d.result.what, FrameResult::kFrame);
    EXPECT_EQ(d.result.size, msg.size());
    EXPECT_EQ(d.calls, 2u);
    EXPECT_TRUE(d.hints_ok);
  }
  auto d = Deliver(framed_, msg, OneBytePieces(msg.size()), limits_);
  EXPECT_EQ(d.result.what, FrameResult::kFrame);
  EXPECT_EQ(d.result.size, msg.size());
}

TEST_F(FramerTest, FramedRejectsZeroAndNegativeLengths) {
  for (int32_t n : {0, -1, -4096, INT32_MIN}) {
    SCOPED_TRACE(n);
    LinkBuffer buf;
    AppendBlock(buf, Bytes().I32(n).Raw("abcd").str());
    FrameState state;
    const FrameResult r = framed_.Frame(buf, state, limits_);
    ASSERT_EQ(r.what, FrameResult::kError);
    EXPECT_EQ(r.error.code(), StatusCode::kDataLoss);
    EXPECT_THAT(std::string(r.error.message()), HasSubstr("not positive"));
  }
}

TEST_F(FramerTest, FramedRejectsOverLimitLengthWithoutWaitingForTheBody) {
  Limits limits;
  limits.max_frame = 1000;
  LinkBuffer buf;
  AppendBlock(buf, Bytes().I32(1001).str());
  FrameState state;
  FrameResult r = framed_.Frame(buf, state, limits);
  ASSERT_EQ(r.what, FrameResult::kError);
  EXPECT_EQ(r.error.code(), StatusCode::kResourceExhausted);
  EXPECT_THAT(std::string(r.error.message()), HasSubstr("max_frame"));

  LinkBuffer ok;
  AppendBlock(ok, Bytes().I32(1000).str());
  r = framed_.Frame(ok, state, limits);
  EXPECT_EQ(r.what, FrameResult::kNeedMore);
  EXPECT_EQ(r.size, 1004u);

  LinkBuffer huge;
  AppendBlock(huge, Bytes().I32(INT32_MAX).str());
  r = framed_.Frame(huge, state, limits_);
  ASSERT_EQ(r.what, FrameResult::kError);
  EXPECT_EQ(r.error.code(), StatusCode::kResourceExhausted);
}

TEST_F(FramerTest, FramedHeaderWithNoBodyIsIncompleteNotAFrame) {
  LinkBuffer buf;
  AppendBlock(buf, Bytes().I32(10).str());
  FrameState state;
  const FrameResult r = framed_.Frame(buf, state, limits_);
  EXPECT_EQ(r.what, FrameResult::kNeedMore);
  EXPECT_EQ(r.size, 14u);
}

TEST_F(FramerTest, FramedFindsConsecutiveFrames) {
  const std::string a = Framed(RichMessage()),
                    b = Framed(Bytes().Strict("x", MessageType::kCall, 2).Stop().str());
  LinkBuffer buf;
  AppendBlock(buf, a + b.substr(0, 3));
  FrameState state;
  FrameResult r = framed_.Frame(buf, state, limits_);
  ASSERT_EQ(r.what, FrameResult::kFrame);
  ASSERT_EQ(r.size, a.size());
  ASSERT_TRUE(buf.Skip(r.size).ok());
  state.Reset();
  r = framed_.Frame(buf, state, limits_);
  EXPECT_EQ(r.what, FrameResult::kNeedMore);
  AppendBlock(buf, b.substr(3));
  r = framed_.Frame(buf, state, limits_);
  ASSERT_EQ(r.what, FrameResult::kFrame);
  EXPECT_EQ(r.size, b.size());
}

// ---- buffered ---------------------------------------------------------------

TEST_F(FramerTest, BufferedFindsTheEndOfEveryWireType) {
  const std::string body = RichBody();
  // wire::Skip is the reference for where a struct ends.
  ReadContext ctx{limits_};
  wire::ReadError err = wire::ReadError::kNone;
  const auto* p = reinterpret_cast<const uint8_t*>(body.data());
  ASSERT_EQ(wire::Skip(p, p + body.size(), TType::kStruct, ctx, &err), p + body.size());

  for (bool strict : {true, false}) {
    const std::string msg = RichMessage(strict);
    LinkBuffer buf;
    AppendBlock(buf, msg + RichMessage(strict));  // a second message follows
    FrameState state;
    const FrameResult r = buffered_.Frame(buf, state, limits_);
    ASSERT_EQ(r.what, FrameResult::kFrame) << r.error;
    EXPECT_EQ(r.size, msg.size());
  }
}

TEST_F(FramerTest, BufferedSplitAtEveryByte) {
  const std::string msg = RichMessage();
  for (size_t k = 1; k < msg.size(); ++k) {
    SCOPED_TRACE(k);
    const auto d = Deliver(buffered_, msg, {k, msg.size() - k}, limits_);
    ASSERT_EQ(d.result.what, FrameResult::kFrame) << d.result.error;
    EXPECT_EQ(d.result.size, msg.size());
    EXPECT_EQ(d.calls, 2u);
    EXPECT_TRUE(d.hints_ok);
  }
  // Three blocks: every first cut, a sample of second cuts.
  for (size_t i = 1; i < msg.size(); ++i) {
    for (size_t j = i + 1; j < msg.size(); j += 7) {
      const auto d = Deliver(buffered_, msg, {i, j - i, msg.size() - j}, limits_);
      ASSERT_EQ(d.result.what, FrameResult::kFrame) << i << "," << j << ": " << d.result.error;
      ASSERT_EQ(d.result.size, msg.size());
    }
  }
}

TEST_F(FramerTest, BufferedOneByteAtATimeExaminesEachByteOnce) {
  for (bool separate_blocks : {false, true}) {
    for (bool strict : {true, false}) {
      const std::string msg = RichMessage(strict);
      LinkBuffer buf;
      FrameState state;
      FrameResult r;
      for (size_t i = 0; i < msg.size(); ++i) {
        if (separate_blocks) {
          AppendBlock(buf, std::string_view(msg).substr(i, 1));
        } else {
          buf.Write(msg.data() + i, 1);
          buf.Flush();
        }
        r = buffered_.Frame(buf, state, limits_);
        if (i + 1 < msg.size()) {
          ASSERT_EQ(r.what, FrameResult::kNeedMore) << i;
          ASSERT_GT(r.size, i + 1) << "the hint asks for more than is buffered";
        }
      }
      ASSERT_EQ(r.what, FrameResult::kFrame) << r.error;
      EXPECT_EQ(r.size, msg.size());
      const BufferedScanStats stats = GetBufferedScanStats(state);
      EXPECT_EQ(stats.calls, msg.size());
      EXPECT_EQ(stats.scanned, msg.size());
      // Linear: a scan that restarted would have examined ~n^2/2 bytes.
      EXPECT_EQ(stats.examined, msg.size());
    }
  }
}

TEST_F(FramerTest, BufferedRandomChunks) {
  std::mt19937 rng(20240611);
  const std::string msg = RichMessage();
  for (int iter = 0; iter < 300; ++iter) {
    const auto pieces = RandomPieces(msg.size(), rng, 1 + iter % 40);
    const auto d = Deliver(buffered_, msg, pieces, limits_, /*separate_blocks=*/iter % 2 == 0);
    ASSERT_EQ(d.result.what, FrameResult::kFrame) << iter << ": " << d.result.error;
    ASSERT_EQ(d.result.size, msg.size());
    ASSERT_EQ(d.calls, pieces.size());
    ASSERT_TRUE(d.hints_ok);
  }
}

TEST_F(FramerTest, BufferedSkipsLargeStringsAcrossCallsWithASizeHint) {
  const std::string big(100000, 'z');
  const std::string head =
      Bytes().Strict("put", MessageType::kCall, 7).Field(TType::kString, 1).str();
  const std::string msg = head + Bytes().Str(big).Stop().str();
  LinkBuffer buf;
  FrameState state;
  AppendBlock(buf, std::string_view(msg).substr(0, head.size() + 4 + 10));
  FrameResult r = buffered_.Frame(buf, state, limits_);
  ASSERT_EQ(r.what, FrameResult::kNeedMore);
  EXPECT_EQ(r.size, head.size() + 4 + big.size()) << "the hint covers the whole string";
  AppendBlock(buf, std::string_view(msg).substr(head.size() + 14, 50000));
  r = buffered_.Frame(buf, state, limits_);
  ASSERT_EQ(r.what, FrameResult::kNeedMore);
  AppendBlock(buf, std::string_view(msg).substr(head.size() + 14 + 50000));
  r = buffered_.Frame(buf, state, limits_);
  ASSERT_EQ(r.what, FrameResult::kFrame) << r.error;
  EXPECT_EQ(r.size, msg.size());
  const BufferedScanStats stats = GetBufferedScanStats(state);
  EXPECT_EQ(stats.examined, msg.size());
}

TEST_F(FramerTest, BufferedAnswersTheSameFrameUntilResetThenScansTheNext) {
  const std::string a = RichMessage();
  const std::string b = Bytes().Strict("ping", MessageType::kOneway, 9).Stop().str();
  LinkBuffer buf;
  AppendBlock(buf, a + b);
  FrameState state;
  for (int i = 0; i < 2; ++i) {
    const FrameResult r = buffered_.Frame(buf, state, limits_);
    ASSERT_EQ(r.what, FrameResult::kFrame);
    ASSERT_EQ(r.size, a.size());
  }
  ASSERT_TRUE(buf.Skip(a.size()).ok());
  state.Reset();
  const FrameResult r = buffered_.Frame(buf, state, limits_);
  ASSERT_EQ(r.what, FrameResult::kFrame) << r.error;
  EXPECT_EQ(r.size, b.size());
}

// Feeds a whole (bad) message at once and returns the result.
FrameResult FrameAll(const Codec& codec, const std::string& bytes, const Limits& limits) {
  LinkBuffer buf;
  AppendBlock(buf, bytes);
  FrameState state;
  return codec.Frame(buf, state, limits);
}

void ExpectError(const FrameResult& r, StatusCode code, const std::string& text) {
  ASSERT_EQ(r.what, FrameResult::kError) << "expected " << text;
  EXPECT_EQ(r.error.code(), code) << r.error;
  EXPECT_THAT(std::string(r.error.message()), HasSubstr(text));
}

TEST_F(FramerTest, BufferedRejectsBadVersionBits) {
  for (uint32_t word : {0x80020001u, 0x90010001u, 0xffff0001u, 0x80000001u}) {
    SCOPED_TRACE(word);
    const std::string msg = Bytes().U32(word).Str("m").I32(1).Stop().str();
    ExpectError(FrameAll(buffered_, msg, limits_), StatusCode::kDataLoss, "version");
  }
}

TEST_F(FramerTest, BufferedRejectsUnknownMessageTypes) {
  for (uint32_t type : {0u, 5u, 0x7fu, 0xffu}) {
    SCOPED_TRACE(type);
    ExpectError(
        FrameAll(buffered_, Bytes().U32(0x80010000u | type).Str("m").I32(1).Stop().str(), limits_),
        StatusCode::kDataLoss, "message type");
    ExpectError(
        FrameAll(buffered_, Bytes().Str("m").U8(static_cast<uint8_t>(type)).I32(1).Stop().str(),
                 limits_),
        StatusCode::kDataLoss, "message type");
  }
}

TEST_F(FramerTest, BufferedRejectsNonStrictWhenStrictReadIsSet) {
  Limits strict = limits_;
  strict.strict_read = true;
  ExpectError(FrameAll(buffered_, RichMessage(/*strict=*/false), strict), StatusCode::kDataLoss,
              "strict_read");
  const FrameResult ok = FrameAll(buffered_, RichMessage(/*strict=*/true), strict);
  EXPECT_EQ(ok.what, FrameResult::kFrame);
}

TEST_F(FramerTest, BufferedRejectsHugeNamesBeforeTheyArrive) {
  // Only the length is present: the answer cannot wait for 2 GB.
  ExpectError(FrameAll(buffered_, Bytes().I32(0x7fff0000).str(), limits_),
              StatusCode::kResourceExhausted, "max_string");
  ExpectError(FrameAll(buffered_, Bytes().U32(0x80010001u).I32(0x7fff0000).str(), limits_),
              StatusCode::kResourceExhausted, "max_string");
  ExpectError(FrameAll(buffered_, Bytes().U32(0x80010001u).I32(-5).str(), limits_),
              StatusCode::kDataLoss, "negative");
  Limits small = limits_;
  small.max_frame = 64;
  ExpectError(FrameAll(buffered_, Bytes().I32(100).str(), small), StatusCode::kResourceExhausted,
              "max_frame");
}

std::string Envelope() { return Bytes().Strict("f", MessageType::kCall, 1).str(); }

TEST_F(FramerTest, BufferedRejectsForgedStringLengthsAtOnce) {
  const std::string field = Envelope() + Bytes().Field(TType::kString, 1).str();
  ExpectError(FrameAll(buffered_, field + Bytes().I32(INT32_MAX).str(), limits_),
              StatusCode::kResourceExhausted, "max_string");
  ExpectError(FrameAll(buffered_, field + Bytes().I32(-1).str(), limits_), StatusCode::kDataLoss,
              "negative");
  Limits small = limits_;
  small.max_frame = 1024;
  ExpectError(FrameAll(buffered_, field + Bytes().I32(2000).str(), small),
              StatusCode::kResourceExhausted, "max_frame");
}

TEST_F(FramerTest, BufferedRejectsForgedCountsAtOnce) {
  const std::string env = Envelope();
  // Fixed-size elements: the count alone says how many bytes must follow.
  ExpectError(FrameAll(buffered_,
                       env + Bytes().Field(TType::kList, 1).U8(T(TType::kI64)).I32(INT32_MAX).str(),
                       limits_),
              StatusCode::kResourceExhausted, "max_container");
  Limits small = limits_;
  small.max_frame = 1 << 20;
  ExpectError(
      FrameAll(buffered_,
               env + Bytes().Field(TType::kList, 1).U8(T(TType::kString)).I32(1 << 19).str(),
               small),
      StatusCode::kResourceExhausted, "max_frame");
  ExpectError(
      FrameAll(buffered_,
               env + Bytes().Field(TType::kSet, 1).U8(T(TType::kStruct)).I32(1 << 21).str(), small),
      StatusCode::kResourceExhausted, "max_frame");
  ExpectError(FrameAll(buffered_,
                       env + Bytes()
                                 .Field(TType::kMap, 1)
                                 .U8(T(TType::kString))
                                 .U8(T(TType::kString))
                                 .I32(1 << 20)
                                 .str(),
                       small),
              StatusCode::kResourceExhausted, "max_frame");
  Limits few = limits_;
  few.max_container = 10;
  ExpectError(
      FrameAll(
          buffered_,
          env + Bytes().Field(TType::kMap, 1).U8(T(TType::kI32)).U8(T(TType::kI32)).I32(11).str(),
          few),
      StatusCode::kResourceExhausted, "max_container");
  ExpectError(
      FrameAll(buffered_, env + Bytes().Field(TType::kList, 1).U8(T(TType::kI32)).I32(-2).str(),
               limits_),
      StatusCode::kDataLoss, "negative");
  ExpectError(
      FrameAll(
          buffered_,
          env +
              Bytes().Field(TType::kMap, 1).U8(T(TType::kI32)).U8(T(TType::kString)).I32(-1).str(),
          limits_),
      StatusCode::kDataLoss, "negative");
}

TEST_F(FramerTest, BufferedRejectsInvalidTypeIds) {
  const std::string env = Envelope();
  for (uint8_t bad : {1, 5, 7, 9, 17, 200, 255}) {
    SCOPED_TRACE(static_cast<int>(bad));
    ExpectError(FrameAll(buffered_, env + Bytes().U8(bad).I16(1).str(), limits_),
                StatusCode::kDataLoss, "type id");
    ExpectError(FrameAll(buffered_,
                         env + Bytes().Field(TType::kList, 1).U8(bad).I32(bad == 1).str(), limits_),
                StatusCode::kDataLoss, "type id");
    ExpectError(
        FrameAll(buffered_,
                 env + Bytes().Field(TType::kMap, 1).U8(T(TType::kI32)).U8(bad).I32(1).str(),
                 limits_),
        StatusCode::kDataLoss, "type id");
  }
  ExpectError(FrameAll(buffered_, env + Bytes().Field(TType::kSet, 1).U8(0).I32(1).str(), limits_),
              StatusCode::kDataLoss, "type id");
  // An empty container may name 0 (stop) or 1 (void), as Apache reads it.
  for (uint8_t none : {0, 1}) {
    const std::string msg = env + Bytes().Field(TType::kList, 1).U8(none).I32(0).str() +
                            Bytes().Field(TType::kMap, 2).U8(none).U8(none).I32(0).U8(0).str();
    FrameResult r = FrameAll(buffered_, msg, limits_);
    ASSERT_EQ(r.what, FrameResult::kFrame) << r.error;
    EXPECT_EQ(r.size, msg.size());
  }
}

TEST_F(FramerTest, BufferedBoundsTheWholeMessageByMaxFrame) {
  const std::string msg = RichMessage();
  Limits small = limits_;
  small.max_frame = 100;
  ASSERT_GT(msg.size(), 110u);
  const auto d = Deliver(buffered_, msg, OneBytePieces(msg.size()), small, false);
  ASSERT_EQ(d.result.what, FrameResult::kError);
  EXPECT_EQ(d.result.error.code(), StatusCode::kResourceExhausted);
  EXPECT_LE(d.buffered, 101u) << "refused as soon as the message outgrew the limit";
  // Exactly at the limit is fine.
  small.max_frame = msg.size();
  EXPECT_EQ(FrameAll(buffered_, msg, small).what, FrameResult::kFrame);
}

TEST_F(FramerTest, BufferedDeepNestingIsAnErrorNotAStackOverflow) {
  for (const std::string& msg : {NestedStructs(100000), NestedLists(100000)}) {
    const FrameResult r = FrameAll(buffered_, msg, limits_);
    ExpectError(r, StatusCode::kResourceExhausted, "max_depth");
  }
  // At the limit exactly (the body is depth 1) it is a frame.
  const std::string at_limit = NestedStructs(limits_.max_depth - 1);
  const FrameResult r = FrameAll(buffered_, at_limit, limits_);
  ASSERT_EQ(r.what, FrameResult::kFrame) << r.error;
  EXPECT_EQ(r.size, at_limit.size());
  ExpectError(FrameAll(buffered_, NestedStructs(limits_.max_depth), limits_),
              StatusCode::kResourceExhausted, "max_depth");
}

TEST_F(FramerTest, BufferedScanIsIterativeEvenWithAHugeDepthLimit) {
  Limits deep = limits_;
  deep.max_depth = 1 << 20;
  for (const std::string& msg : {NestedStructs(100000), NestedLists(100000)}) {
    const FrameResult r = FrameAll(buffered_, msg, deep);
    ASSERT_EQ(r.what, FrameResult::kFrame) << r.error;
    EXPECT_EQ(r.size, msg.size());
  }
}

TEST_F(FramerTest, BufferedErrorIsSticky) {
  LinkBuffer buf;
  AppendBlock(buf, Bytes().U32(0x80020001u).str());
  FrameState state;
  FrameResult r = buffered_.Frame(buf, state, limits_);
  ASSERT_EQ(r.what, FrameResult::kError);
  AppendBlock(buf, "more bytes that cannot help");
  r = buffered_.Frame(buf, state, limits_);
  ASSERT_EQ(r.what, FrameResult::kError);
  EXPECT_EQ(r.error.code(), StatusCode::kDataLoss);
}

TEST_F(FramerTest, BufferedTruncatedMessagesNeedMoreAtEveryOffset) {
  const std::string msg = RichMessage();
  for (size_t k = 0; k < msg.size(); ++k) {
    LinkBuffer buf;
    AppendBlock(buf, std::string_view(msg).substr(0, k));
    FrameState state;
    const FrameResult r = buffered_.Frame(buf, state, limits_);
    ASSERT_EQ(r.what, FrameResult::kNeedMore) << k;
    ASSERT_GT(r.size, k);
    ASSERT_LE(r.size, msg.size()) << "never asks for bytes past the message";
  }
}

}  // namespace
}  // namespace tern::thrift_fast
