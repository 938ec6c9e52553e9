// CopyFreeCodec::DecodeView: where the view's bytes come from and how long
// they live (shared with frame.owner, or borrowed from frame.data), and bad
// input — the set the thrift_fast codec tests feed DecodeBody (truncation,
// over-limit lengths, negative sizes, wrong element types, depth bombs,
// trailing garbage) — each a clean error equal to the one DecodeBody
// (FastRead) gives for the same bytes, with the view left empty.
#include "plugins/thrift_copyfree/copyfree_codec.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <memory>
#include <random>
#include <string>
#include <vector>

#include "conformance_types.h"
#include "tern/buffer.h"
#include "tern/testing/random_value.h"
#include "tern/thrift/view.h"
#include "unit/thrift_copyfree/test_util.h"
#include "unit/thrift_fast/test_util.h"

namespace tern::thrift_copyfree {
namespace {

namespace c = ::tern::conformance;
using testing::DecodeViewOf;
using testing::FastBytes;
using ::testing::HasSubstr;
using testing::IsEmptyView;
using ::testing::StartsWith;
using thrift_fast::testing::Framed;
using Wire = thrift_fast::testing::Bytes;

// An Everything whose strings are known, one of them large.
c::Everything Sample() {
  c::Everything e;
  e.scalars.s = "kept alive";
  e.scalars.bin.assign(4096, 'b');
  e.scalars.i64v = -5;
  e.req.id = 7;
  e.req.name = "required";
  e.containers.strings = {"x", "yy", "zzz"};
  e.containers.counts = {{"a", 1}, {"bb", 2}};
  e.tree.label = "root";
  e.tree.set_left(c::Tree{});
  e.tree.left->label = "left";
  e.sparse.max_id = 1ll << 40;
  return e;
}

std::string Message(const Codec& codec, const c::Everything& e) {
  LinkBuffer out;
  EXPECT_TRUE(codec
                  .Encode({"call", MessageType::kCall, 3},
                          BodyRef{&c::Everything::kTernTypeInfo, &e, {}}, out)
                  .ok());
  out.Flush();
  std::string s;
  EXPECT_TRUE(out.ReadString(out.Len(), &s).ok());
  return s;
}

// Memory the test owns, released through a Slice: counts the releases and
// frees the bytes (so a read after the release is a sanitizer error).
struct Holder {
  std::unique_ptr<std::string> bytes;
  int released = 0;

  Slice Share() {
    return Slice::External(
        bytes->data(), bytes->size(),
        [](void* ctx, const uint8_t*, size_t) {
          auto* h = static_cast<Holder*>(ctx);
          h->bytes.reset();
          ++h->released;
        },
        this);
  }
};

bool Inside(const void* p, size_t n, const std::string& s) {
  const char* q = static_cast<const char*>(p);
  return q >= s.data() && q + n <= s.data() + s.size();
}

class DecodeViewTest : public ::testing::Test {
 protected:
  CopyFreeCodec framed_{Framing::kFramed};
  CopyFreeCodec buffered_{Framing::kBuffered};
};

TEST_F(DecodeViewTest, WithAnOwnerTheViewKeepsTheBlockAliveAfterTheSliceIsDropped) {
  const c::Everything e = Sample();
  for (const CopyFreeCodec* codec : {&framed_, &buffered_}) {
    SCOPED_TRACE(thrift_fast::FramingName(codec->framing()));
    Holder holder{std::make_unique<std::string>(Message(*codec, e))};
    const std::string* original = holder.bytes.get();
    auto bytes = std::make_unique<view::Bytes>();
    c::Everything::View v;
    {
      Slice slice = holder.Share();
      FrameView frame{slice.data(), slice.size(), 0, slice};
      ASSERT_TRUE(codec->DecodeHeader(frame, DefaultLimits()).ok());
      const Status st = DecodeViewOf<c::Everything>(*codec, frame, bytes.get(), &v);
      ASSERT_TRUE(st.ok()) << st;
      EXPECT_EQ(frame.pos, frame.size);
    }  // the Slice and the FrameView (with its owner) are gone
    EXPECT_EQ(holder.released, 0) << "the view's bytes still reference the block";
    EXPECT_EQ(v.scalars().s().view(), "kept alive");
    EXPECT_EQ(v.scalars().bin().size(), 4096u);
    EXPECT_TRUE(Inside(v.scalars().bin().view().data(), 4096, *original))
        << "the string is read in place, not copied";
    // A string taken as a Slice shares the received block.
    Slice bin = v.scalars().bin().ToSlice();
    EXPECT_EQ(bin.data(), reinterpret_cast<const uint8_t*>(v.scalars().bin().view().data()));
    EXPECT_EQ(v.tree().left().label().view(), "left");
    EXPECT_EQ(v.req().name().view(), "required");
    auto back = v.ToStruct();
    ASSERT_TRUE(back.ok()) << back.status();
    EXPECT_EQ(*back, e);
    bytes.reset();
    EXPECT_EQ(holder.released, 0) << "the Slice taken from the view still holds it";
    EXPECT_EQ(bin.view(), std::string(4096, 'b'));
    bin = Slice();
    EXPECT_EQ(holder.released, 1);
  }
}

TEST_F(DecodeViewTest, WithAnOwnerTheViewOutlivesTheConnectionBuffer) {
  const c::Everything e = Sample();
  const std::string msg = Message(framed_, e);
  view::Bytes bytes;
  c::Everything::View v;
  {
    LinkBuffer in;
    in.Append(Slice::Copy(msg.data(), msg.size()));
    in.Flush();
    FrameState state;
    const FrameResult fr = framed_.Frame(in, state, DefaultLimits());
    ASSERT_EQ(fr.what, FrameResult::kFrame) << fr.error;
    auto slice = in.ReadSlice(fr.size);
    ASSERT_TRUE(slice.ok()) << slice.status();
    in.Release();
    FrameView frame{slice->data(), slice->size(), 0, *slice};
    ASSERT_TRUE(framed_.DecodeHeader(frame, DefaultLimits()).ok());
    ASSERT_TRUE(DecodeViewOf<c::Everything>(framed_, frame, &bytes, &v).ok());
  }
  // Pool blocks freed above would be handed out again here and overwritten.
  std::vector<LinkBuffer> churn(8);
  const std::string junk(msg.size() + 64, '\xEE');
  for (LinkBuffer& b : churn) b.Append(Slice::Copy(junk.data(), junk.size()));
  EXPECT_EQ(v.scalars().s().view(), "kept alive");
  EXPECT_EQ(v.containers().strings().size(), 3u);
  auto back = v.ToStruct();
  ASSERT_TRUE(back.ok()) << back.status();
  EXPECT_EQ(*back, e);
}

TEST_F(DecodeViewTest, WithoutAnOwnerTheViewBorrowsTheFrame) {
  const c::Everything e = Sample();
  const std::string msg = Message(buffered_, e);
  FrameView frame = thrift_fast::testing::ViewOf(msg);
  ASSERT_TRUE(buffered_.DecodeHeader(frame, DefaultLimits()).ok());
  const size_t body_at = frame.pos;
  view::Bytes bytes;
  c::Everything::View v;
  ASSERT_TRUE(DecodeViewOf<c::Everything>(buffered_, frame, &bytes, &v).ok());
  EXPECT_EQ(bytes.size(), msg.size() - body_at) << "exactly the body";
  EXPECT_EQ(v.WireBytes(), &bytes);
  EXPECT_EQ(v.WireOffset(), 0u);
  EXPECT_EQ(v.WireSize(), bytes.size());
  EXPECT_TRUE(Inside(v.scalars().s().view().data(), 10, msg));
  EXPECT_EQ(v.scalars().i64v(), -5);
  EXPECT_EQ(v.sparse().max_id(), 1ll << 40);
}

TEST_F(DecodeViewTest, TheOwnerMayBeLargerThanTheFrameButMustHoldIt) {
  const c::Everything e = Sample();
  const std::string msg = Message(buffered_, e);
  Holder holder{std::make_unique<std::string>("head" + msg + "tail")};
  Slice whole = holder.Share();
  FrameView frame{whole.data() + 4, msg.size(), 0, whole};
  ASSERT_TRUE(buffered_.DecodeHeader(frame, DefaultLimits()).ok());
  view::Bytes bytes;
  c::Everything::View v;
  ASSERT_TRUE(DecodeViewOf<c::Everything>(buffered_, frame, &bytes, &v).ok());
  EXPECT_EQ(v.tree().label().view(), "root");
  whole = Slice();
  frame = FrameView();
  EXPECT_EQ(holder.released, 0);
  EXPECT_EQ(v.scalars().s().view(), "kept alive");

  // An owner that does not hold the frame's bytes is the caller's bug.
  const Slice other = Slice::Copy("unrelated", 9);
  FrameView bad = thrift_fast::testing::ViewOf(msg);
  bad.owner = other;
  c::Everything::View w;
  const Status st = DecodeViewOf<c::Everything>(buffered_, bad, &bytes, &w);
  EXPECT_EQ(st.code(), StatusCode::kInternal) << st;
  EXPECT_THAT(std::string(st.message()), StartsWith("thrift_copyfree: "));
  EXPECT_TRUE(IsEmptyView<c::Everything>(&w));
  EXPECT_EQ(bytes.size(), 0u);
  EXPECT_EQ(holder.released, 1) << "resetting the bytes dropped the old block";
}

TEST_F(DecodeViewTest, ReusingTheBytesReleasesThePreviousFrame) {
  c::Scalars a, b;
  a.s = "first";
  b.s = "second";
  Holder first{std::make_unique<std::string>(FastBytes(a))};
  Holder second{std::make_unique<std::string>(FastBytes(b))};
  view::Bytes bytes;
  c::Scalars::View v;
  {
    Slice s = first.Share();
    FrameView frame{s.data(), s.size(), 0, s};
    ASSERT_TRUE(DecodeViewOf<c::Scalars>(buffered_, frame, &bytes, &v).ok());
  }
  EXPECT_EQ(v.s().view(), "first");
  {
    Slice s = second.Share();
    FrameView frame{s.data(), s.size(), 0, s};
    ASSERT_TRUE(DecodeViewOf<c::Scalars>(buffered_, frame, &bytes, &v).ok());
  }
  EXPECT_EQ(first.released, 1);
  EXPECT_EQ(second.released, 0);
  EXPECT_EQ(v.s().view(), "second");
}

// ---- bad input -------------------------------------------------------------------

// `body` (copied to exactly its size, so ASan sees any over-read) decoded as
// T by DecodeView and by DecodeBody.
struct BothWays {
  Status view;
  Status body;
};

template <class T>
BothWays Decode(const Codec& codec, const std::string& body, const Limits& limits) {
  const std::vector<uint8_t> copy(body.begin(), body.end());
  FrameView for_view{copy.data(), copy.size(), 0, Slice()};
  FrameView for_body = for_view;
  BothWays r;
  view::Bytes bytes;
  typename T::View v;
  r.view = DecodeViewOf<T>(codec, for_view, &bytes, &v, limits);
  if (!r.view.ok()) {
    EXPECT_TRUE(IsEmptyView<T>(&v)) << "an error leaves the view empty";
    EXPECT_EQ(bytes.size(), 0u);
    EXPECT_EQ(for_view.pos, 0u) << "an error leaves the position";
  }
  T obj;
  ReadContext ctx{limits};
  r.body = codec.DecodeBody(for_body, T::kTernTypeInfo, &obj, ctx);
  return r;
}

// DecodeView fails with `code`, and with exactly DecodeBody's Status.
template <class T>
void ExpectSameError(const Codec& codec, const std::string& body, StatusCode code,
                     const Limits& limits = DefaultLimits()) {
  const BothWays r = Decode<T>(codec, body, limits);
  EXPECT_EQ(r.view.code(), code) << r.view;
  EXPECT_EQ(r.view, r.body) << "view: " << r.view << "\nbody: " << r.body;
}

std::string Field(TType t, int16_t id) { return Wire().Field(t, id).str(); }
uint8_t T(TType t) { return static_cast<uint8_t>(t); }

TEST_F(DecodeViewTest, TruncatedBodiesFailAtEveryOffset) {
  c::Scalars s;
  s.s = "truncate me";
  s.bin = std::string("\0\1\2", 3);
  const std::string small = FastBytes(s);
  for (size_t k = 0; k < small.size(); ++k) {
    SCOPED_TRACE(k);
    ExpectSameError<c::Scalars>(buffered_, small.substr(0, k), StatusCode::kDataLoss);
  }
  c::Everything e;
  tern::testing::RandomValue(7, 3, 3).Fill(c::Everything::kTernTypeInfo, &e);
  const std::string big = FastBytes(e);
  const size_t step = big.size() <= 4096 ? 1 : big.size() / 4096 + 1;
  for (size_t k = 0; k < big.size(); k += step) {
    SCOPED_TRACE(k);
    const BothWays r = Decode<c::Everything>(buffered_, big.substr(0, k), DefaultLimits());
    EXPECT_FALSE(r.view.ok());
    EXPECT_EQ(r.view, r.body);
  }
  EXPECT_TRUE(Decode<c::Everything>(buffered_, big, DefaultLimits()).view.ok());
}

TEST_F(DecodeViewTest, OverLimitLengthsAndCountsAreResourceExhausted) {
  Limits small;
  small.max_string = 10;
  small.max_container = 3;
  ExpectSameError<c::Scalars>(
      buffered_, Field(TType::kString, 7) + Wire().Str(std::string(11, 'x')).Stop().str(),
      StatusCode::kResourceExhausted, small);
  ExpectSameError<c::Numbers>(
      buffered_,
      Field(TType::kList, 2) +
          Wire().U8(T(TType::kI32)).I32(4).Raw(std::string(16, '\0')).Stop().str(),
      StatusCode::kResourceExhausted, small);
  ExpectSameError<c::Containers>(buffered_,
                                 Field(TType::kMap, 4) + Wire()
                                                             .U8(T(TType::kI32))
                                                             .U8(T(TType::kString))
                                                             .I32(4)
                                                             .Raw(std::string(32, '\0'))
                                                             .Stop()
                                                             .str(),
                                 StatusCode::kResourceExhausted, small);
  // Counts far beyond the bytes present: refused, nothing allocated for them.
  for (const std::string& body :
       {Field(TType::kList, 3) + Wire().U8(T(TType::kI64)).I32(0x7fffffff).str() +
            std::string(32, '\0'),
        Field(TType::kList, 1) + Wire().U8(T(TType::kString)).I32(0x7fffffff).str() +
            std::string(32, '\0')}) {
    const BothWays r = Decode<c::Numbers>(buffered_, body, DefaultLimits());
    EXPECT_FALSE(r.view.ok());
  }
  const BothWays r = Decode<c::Containers>(
      buffered_,
      Field(TType::kMap, 3) + Wire().U8(T(TType::kString)).U8(T(TType::kI64)).I32(0x7fffffff).str(),
      DefaultLimits());
  EXPECT_FALSE(r.view.ok());
  EXPECT_EQ(r.view, r.body);
}

TEST_F(DecodeViewTest, NegativeSizesAndCountsAreDataLoss) {
  ExpectSameError<c::Scalars>(buffered_, Field(TType::kString, 7) + Wire().I32(-1).Stop().str(),
                              StatusCode::kDataLoss);
  ExpectSameError<c::Numbers>(
      buffered_, Field(TType::kList, 3) + Wire().U8(T(TType::kI64)).I32(-5).Stop().str(),
      StatusCode::kDataLoss);
  ExpectSameError<c::Containers>(
      buffered_,
      Field(TType::kMap, 3) + Wire().U8(T(TType::kString)).U8(T(TType::kI64)).I32(-1).Stop().str(),
      StatusCode::kDataLoss);
  // In an unknown field, skipped by wire type.
  ExpectSameError<c::Scalars>(
      buffered_, Field(TType::kSet, 99) + Wire().U8(T(TType::kI32)).I32(-2).Stop().str(),
      StatusCode::kDataLoss);
}

TEST_F(DecodeViewTest, WrongElementTypesAndInvalidTypeIdsAreErrors) {
  // Numbers.i64s sent as a list of strings.
  ExpectSameError<c::Numbers>(
      buffered_, Field(TType::kList, 3) + Wire().U8(T(TType::kString)).I32(1).Str("x").Stop().str(),
      StatusCode::kDataLoss);
  // Containers.counts (map<string, i64>) with i32 keys.
  ExpectSameError<c::Containers>(
      buffered_,
      Field(TType::kMap, 3) +
          Wire().U8(T(TType::kI32)).U8(T(TType::kI64)).I32(1).I32(1).I64(2).Stop().str(),
      StatusCode::kDataLoss);
  // Containers.matrix (list<list<i32>>) whose inner list holds a double ...
  ExpectSameError<c::Containers>(
      buffered_,
      Field(TType::kList, 5) +
          Wire().U8(T(TType::kList)).I32(1).U8(T(TType::kDouble)).I32(1).I64(0).Stop().str(),
      StatusCode::kDataLoss);
  // ... while an empty one, whatever element type it names, is accepted by
  // both (and by Apache).
  const BothWays empty = Decode<c::Containers>(
      buffered_,
      Field(TType::kList, 5) +
          Wire().U8(T(TType::kList)).I32(1).U8(T(TType::kDouble)).I32(0).Stop().str(),
      DefaultLimits());
  EXPECT_TRUE(empty.view.ok()) << empty.view;
  EXPECT_TRUE(empty.body.ok()) << empty.body;
  // Unknown field with a type id Thrift does not use; an unknown list of them.
  ExpectSameError<c::Scalars>(buffered_, Field(static_cast<TType>(7), 99) + std::string(4, '\0'),
                              StatusCode::kDataLoss);
  for (uint8_t bad : {1, 5, 9, 17, 200, 255}) {
    SCOPED_TRACE(static_cast<int>(bad));
    const BothWays a =
        Decode<c::Scalars>(buffered_, Wire().U8(bad).I16(1).Stop().str(), DefaultLimits());
    EXPECT_FALSE(a.view.ok());
    EXPECT_EQ(a.view, a.body);
    const BothWays b = Decode<c::Scalars>(
        buffered_, Field(TType::kList, 99) + Wire().U8(bad).I32(1).I32(0).Stop().str(),
        DefaultLimits());
    EXPECT_FALSE(b.view.ok());
    EXPECT_EQ(b.view, b.body);
  }
  // A known id with another wire type is skipped by both, not an error.
  const BothWays skipped = Decode<c::Scalars>(
      buffered_, Field(TType::kI32, 7) + Wire().I32(5).Stop().str(), DefaultLimits());
  EXPECT_TRUE(skipped.view.ok()) << skipped.view;
  EXPECT_TRUE(skipped.body.ok()) << skipped.body;
}

// Tree { 2: list<Tree> children }, nested `levels` deep.
std::string DeepTree(int levels) {
  std::string open;
  for (int i = 0; i < levels; ++i) {
    open += Field(TType::kList, 2) + Wire().U8(T(TType::kStruct)).I32(1).str();
  }
  return open + std::string(static_cast<size_t>(levels) + 1, '\0');
}

TEST_F(DecodeViewTest, DepthBombsStopAtTheLimit) {
  Limits limits;
  limits.max_depth = 10;
  EXPECT_TRUE(Decode<c::Tree>(buffered_, DeepTree(4), limits).view.ok());
  ExpectSameError<c::Tree>(buffered_, DeepTree(20), StatusCode::kResourceExhausted, limits);
  // Far past any stack: the pass stops at the limit, it does not recurse on.
  ExpectSameError<c::Tree>(buffered_, DeepTree(100000), StatusCode::kResourceExhausted);
  // Through unknown fields: structs in structs, lists in lists.
  std::string structs;
  for (int i = 0; i < 100000; ++i) structs += Field(TType::kStruct, 999);
  structs += std::string(100001, '\0');
  ExpectSameError<c::Scalars>(buffered_, structs, StatusCode::kResourceExhausted);
  std::string lists = Field(TType::kList, 999);
  for (int i = 0; i < 100000; ++i) lists += Wire().U8(T(TType::kList)).I32(1).str();
  lists += Wire().U8(T(TType::kI32)).I32(0).Stop().str();
  ExpectSameError<c::Scalars>(buffered_, lists, StatusCode::kResourceExhausted);
}

TEST_F(DecodeViewTest, MissingRequiredFieldIsDataLoss) {
  // Requiredness with only `id`: the required `name` is missing.
  ExpectSameError<c::Requiredness>(buffered_, Field(TType::kI64, 1) + Wire().I64(1).Stop().str(),
                                   StatusCode::kDataLoss);
}

TEST_F(DecodeViewTest, TrailingGarbageAfterTheBodyIsDataLoss) {
  c::Scalars s;
  s.i32v = 9;
  const BothWays r = Decode<c::Scalars>(buffered_, FastBytes(s) + "JUNK", DefaultLimits());
  EXPECT_EQ(r.view.code(), StatusCode::kDataLoss);
  EXPECT_EQ(r.view.message(), "thrift_copyfree: 4 trailing bytes after the body of Scalars");
  EXPECT_EQ(r.body.code(), StatusCode::kDataLoss);
  // Inside a frame whose length covers the junk: the framer trusts the
  // length, DecodeView finds the junk.
  const std::string msg =
      Framed(Wire().Strict("m", MessageType::kCall, 1).Raw(FastBytes(s)).Raw("JUNK").str());
  FrameView frame = thrift_fast::testing::ViewOf(msg);
  ASSERT_TRUE(framed_.DecodeHeader(frame, DefaultLimits()).ok());
  view::Bytes bytes;
  c::Scalars::View v;
  const Status st = DecodeViewOf<c::Scalars>(framed_, frame, &bytes, &v);
  EXPECT_EQ(st.code(), StatusCode::kDataLoss);
  EXPECT_THAT(std::string(st.message()), HasSubstr("4 trailing bytes"));
  EXPECT_TRUE(IsEmptyView<c::Scalars>(&v));
}

TEST_F(DecodeViewTest, PositionPastTheEndIsInternal) {
  const std::string body = Wire().Stop().str();
  FrameView frame = thrift_fast::testing::ViewOf(body);
  frame.pos = 2;
  view::Bytes bytes;
  c::Scalars::View v;
  const Status st = DecodeViewOf<c::Scalars>(buffered_, frame, &bytes, &v);
  EXPECT_EQ(st.code(), StatusCode::kInternal);
  EXPECT_THAT(std::string(st.message()), StartsWith("thrift_copyfree: "));
  EXPECT_TRUE(IsEmptyView<c::Scalars>(&v));
}

TEST_F(DecodeViewTest, CorruptBodiesAgreeWithDecodeBody) {
  // Random byte flips: DecodeView accepts exactly what DecodeBody accepts,
  // fails with the same Status, and what it accepts decodes (ToStruct) to
  // what DecodeBody decoded. Never a crash or a read outside the body.
  c::Containers in;
  tern::testing::RandomValue(11, 4, 3).Fill(c::Containers::kTernTypeInfo, &in);
  const std::string good = FastBytes(in);
  Limits limits;
  limits.max_container = 1 << 16;
  limits.max_string = 1 << 16;
  std::mt19937_64 rng(3);
  int accepted = 0;
  for (int i = 0; i < 2000; ++i) {
    std::string bad = good;
    const int flips = 1 + static_cast<int>(rng() % 4);
    for (int f = 0; f < flips; ++f) bad[rng() % bad.size()] = static_cast<char>(rng());
    SCOPED_TRACE(i);
    const std::vector<uint8_t> copy(bad.begin(), bad.end());
    FrameView for_view{copy.data(), copy.size(), 0, Slice()};
    FrameView for_body = for_view;
    view::Bytes bytes;
    c::Containers::View v;
    const Status vs = DecodeViewOf<c::Containers>(buffered_, for_view, &bytes, &v, limits);
    c::Containers obj;
    ReadContext ctx{limits};
    const Status bs = buffered_.DecodeBody(for_body, c::Containers::kTernTypeInfo, &obj, ctx);
    ASSERT_EQ(vs.ok(), bs.ok()) << "view: " << vs << "\nbody: " << bs;
    if (!vs.ok()) {
      // Trailing-bytes messages name their codec; the rest are FastRead's.
      if (vs.message().find("trailing bytes") == std::string_view::npos) {
        EXPECT_EQ(vs, bs);
      }
      continue;
    }
    ++accepted;
    auto back = v.ToStruct();
    ASSERT_TRUE(back.ok()) << back.status();
    EXPECT_EQ(*back, obj);
  }
  EXPECT_GT(accepted, 0) << "some flips (inside string bytes) leave a valid body";
}

}  // namespace
}  // namespace tern::thrift_copyfree
