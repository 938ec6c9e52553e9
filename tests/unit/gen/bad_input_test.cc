// FastRead against hostile input: every failure is a Status, nothing
// allocates beyond what the bytes present justify, deep nesting stops at the
// limit without recursion past it.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>

#include "conformance_types.h"
#include "core/buffer/block_pool.h"
#include "tern/thrift/generic.h"
#include "tern/thrift/wire.h"

namespace tern {
namespace {

namespace conf = ::tern::conformance;

std::string Field(uint8_t type, int16_t id) {
  std::string s(3, '\0');
  wire::PutFieldBegin(reinterpret_cast<uint8_t*>(s.data()), static_cast<TType>(type), id);
  return s;
}
std::string I32(int32_t v) {
  std::string s(4, '\0');
  wire::PutI32(reinterpret_cast<uint8_t*>(s.data()), v);
  return s;
}

template <class T>
Status ReadStatus(const std::string& bytes, const Limits& limits = DefaultLimits()) {
  T v;
  ReadContext ctx{limits};
  // Exactly the bytes, on the heap, so ASan catches any over-read.
  std::vector<uint8_t> buf(bytes.begin(), bytes.end());
  auto r = v.FastRead(buf.data(), buf.size(), ctx);
  return r.ok() ? Status() : r.status();
}

TEST(BadInputTest, HugeListCountInATinyBufferDoesNotAllocate) {
  // Numbers.i64s: list<i64> declared with 2^31-1 elements, 40 bytes present.
  std::string b = Field(15, 3) + std::string(1, 10) + I32(0x7fffffff) + std::string(32, '\0');
  ASSERT_EQ(b.size(), 40u);
  Status st = ReadStatus<conf::Numbers>(b);
  EXPECT_FALSE(st.ok());
  // The same with a string list: each element needs >= 4 bytes.
  std::string c = Field(15, 1) + std::string(1, 11) + I32(0x7fffffff) + std::string(32, '\0');
  EXPECT_FALSE(ReadStatus<conf::Containers>(c).ok());
  // And a map of strings.
  std::string m = Field(13, 3) + std::string(1, 11) + std::string(1, 10) + I32(0x7fffffff);
  EXPECT_FALSE(ReadStatus<conf::Containers>(m).ok());
}

TEST(BadInputTest, NegativeSizesAndCounts) {
  EXPECT_EQ(ReadStatus<conf::Scalars>(Field(11, 7) + I32(-1) + "\0").code(), StatusCode::kDataLoss);
  EXPECT_EQ(ReadStatus<conf::Numbers>(Field(15, 3) + std::string(1, 10) + I32(-5) + "\0").code(),
            StatusCode::kDataLoss);
}

TEST(BadInputTest, LimitsOnStringsAndContainers) {
  Limits small;
  small.max_string = 10;
  small.max_container = 3;
  std::string s = Field(11, 7) + I32(11) + std::string(11, 'x') + std::string(1, '\0');
  EXPECT_EQ(ReadStatus<conf::Scalars>(s, small).code(), StatusCode::kResourceExhausted);
  std::string l =
      Field(15, 2) + std::string(1, 8) + I32(4) + std::string(16, '\0') + std::string(1, '\0');
  EXPECT_EQ(ReadStatus<conf::Numbers>(l, small).code(), StatusCode::kResourceExhausted);
}

// A list of empty structs is one byte an element on the wire but
// sizeof(struct) in memory: what the containers of one message take once
// decoded is charged to max_decoded, by generated readers and by the
// TypeInfo reader alike.
TEST(BadInputTest, DecodedMemoryIsBoundedByMaxDecoded) {
  constexpr int32_t kN = 100000;
  const std::string b =
      Field(15, 2) + std::string(1, 12) + I32(kN) + std::string(kN, '\0') + std::string(1, '\0');
  const size_t need = kN * sizeof(conf::Tree);
  Limits enough;
  enough.max_decoded = need;
  Limits short_of = enough;
  short_of.max_decoded = need - 1;
  EXPECT_TRUE(ReadStatus<conf::Tree>(b).ok());
  EXPECT_TRUE(ReadStatus<conf::Tree>(b, enough).ok());
  const Status st = ReadStatus<conf::Tree>(b, short_of);
  EXPECT_EQ(st.code(), StatusCode::kResourceExhausted);
  EXPECT_THAT(std::string(st.message()), ::testing::HasSubstr("max_decoded"));

  auto generic_read = [&](const Limits& limits) {
    conf::Tree t;
    ReadContext ctx{limits};
    auto r = generic::Read(conf::Tree::kTernTypeInfo, &t,
                           reinterpret_cast<const uint8_t*>(b.data()), b.size(), ctx);
    return r.ok() ? Status() : r.status();
  };
  EXPECT_TRUE(generic_read(enough).ok());
  EXPECT_EQ(generic_read(short_of).code(), StatusCode::kResourceExhausted);

  // The budget is per message: what nested containers take adds up.
  const std::string two = Field(15, 2) + std::string(1, 12) + I32(2) +  // two children,
                          Field(15, 2) + std::string(1, 12) + I32(kN) + std::string(kN, '\0') +
                          std::string(1, '\0') +  // each with kN empty children
                          Field(15, 2) + std::string(1, 12) + I32(kN) + std::string(kN, '\0') +
                          std::string(1, '\0') + std::string(1, '\0');
  EXPECT_TRUE(ReadStatus<conf::Tree>(two).ok());
  EXPECT_EQ(ReadStatus<conf::Tree>(two, enough).code(), StatusCode::kResourceExhausted);
}

TEST(BadInputTest, InvalidTypeIdsAreErrors) {
  // An unknown field (id 99) with type id 7 (unused in Thrift) cannot be skipped.
  EXPECT_EQ(ReadStatus<conf::Scalars>(Field(7, 99) + std::string(4, '\0')).code(),
            StatusCode::kDataLoss);
  // A known field with an invalid type id.
  EXPECT_FALSE(ReadStatus<conf::Scalars>(Field(200, 1) + std::string(1, '\0')).ok());
  // An unknown list whose element type is invalid.
  EXPECT_FALSE(ReadStatus<conf::Scalars>(Field(15, 99) + std::string(1, 9) + I32(1) + "\0\0").ok());
}

TEST(BadInputTest, WrongElementTypeInAKnownList) {
  // Numbers.i64s declared as a list of strings.
  std::string b = Field(15, 3) + std::string(1, 11) + I32(1) + I32(1) + "x" + std::string(1, '\0');
  EXPECT_EQ(ReadStatus<conf::Numbers>(b).code(), StatusCode::kDataLoss);
}

// An empty container's element (and key) type is not held to the schema,
// but must be a type or 0/1 (tern::IsEmptyElementTType), as Apache reads
// it: for a known field and a skipped one, in FastRead and generic::Read
// alike. (tests/interop/differential_test.cc compares with Apache.)
TEST(BadInputTest, EmptyContainersNameValidElementTypes) {
  for (int t = 0; t < 256; ++t) {
    SCOPED_TRACE("element type " + std::to_string(t));
    const bool valid = IsEmptyElementTType(static_cast<uint8_t>(t));
    EXPECT_EQ(valid, t <= 4 || t == 6 || t == 8 || (t >= 10 && t <= 16));
    const std::string et(1, static_cast<char>(t));
    const std::string stop(1, '\0');
    // Numbers.i16s (known), and a list Numbers does not know (id 99).
    for (int16_t id : {int16_t{1}, int16_t{99}}) {
      const std::string list = Field(15, id) + et + I32(0) + stop;
      EXPECT_EQ(ReadStatus<conf::Numbers>(list).ok(), valid) << "list, field " << id;
      conf::Numbers n;
      ReadContext ctx{DefaultLimits()};
      auto g = generic::Read(conf::Numbers::kTernTypeInfo, &n,
                             reinterpret_cast<const uint8_t*>(list.data()), list.size(), ctx);
      EXPECT_EQ(g.ok(), valid) << "generic, list, field " << id;
    }
    // Containers.counts (map<string, i64>, known) with either type replaced.
    const std::string k(1, 11), v(1, 10);
    EXPECT_EQ(ReadStatus<conf::Containers>(Field(13, 3) + et + v + I32(0) + stop).ok(), valid);
    EXPECT_EQ(ReadStatus<conf::Containers>(Field(13, 3) + k + et + I32(0) + stop).ok(), valid);
    EXPECT_EQ(ReadStatus<conf::Containers>(Field(13, 99) + et + et + I32(0) + stop).ok(), valid);
  }
}

TEST(BadInputTest, MissingRequiredFieldsAreErrors) {
  conf::Requiredness r;
  r.id = 1;
  r.name = "n";
  std::string ok(r.BLength(), '\0');
  r.FastWrite(reinterpret_cast<uint8_t*>(ok.data()));
  EXPECT_TRUE(ReadStatus<conf::Requiredness>(ok).ok());
  // Only `id`: `name` is missing.
  std::string only_id = Field(10, 1) + std::string(8, '\0') + std::string(1, '\0');
  Status st = ReadStatus<conf::Requiredness>(only_id);
  EXPECT_EQ(st.code(), StatusCode::kDataLoss);
  EXPECT_EQ(st.message(), "Requiredness: required field Requiredness.name is missing");
  // The generic (TypeInfo) reader says the same.
  conf::Requiredness g;
  ReadContext ctx{DefaultLimits()};
  Result<size_t> got =
      generic::Read(conf::Requiredness::kTernTypeInfo, &g,
                    reinterpret_cast<const uint8_t*>(only_id.data()), only_id.size(), ctx);
  ASSERT_FALSE(got.ok());
  EXPECT_EQ(got.status().message(), "Requiredness: required field Requiredness.name is missing");
}

// Tree { 2: list<Tree> children }: nest `levels` deep.
std::string DeepTree(int levels) {
  std::string open;
  for (int i = 0; i < levels; ++i) open += Field(15, 2) + std::string(1, 12) + I32(1);
  return open + std::string(static_cast<size_t>(levels) + 1, '\0');
}

TEST(BadInputTest, NestingBeyondTheLimitIsAnError) {
  Limits limits;
  limits.max_depth = 10;
  EXPECT_TRUE(ReadStatus<conf::Tree>(DeepTree(4), limits).ok());
  EXPECT_EQ(ReadStatus<conf::Tree>(DeepTree(20), limits).code(), StatusCode::kResourceExhausted);
}

TEST(BadInputTest, HundredThousandLevelsDeepDoesNotOverflowTheStack) {
  EXPECT_EQ(ReadStatus<conf::Tree>(DeepTree(100000)).code(), StatusCode::kResourceExhausted);
  // The same through an unknown field, handled by the generic skip.
  std::string unknown;
  for (int i = 0; i < 100000; ++i) unknown += Field(12, 999);
  unknown += std::string(100001, '\0');
  EXPECT_EQ(ReadStatus<conf::Scalars>(unknown).code(), StatusCode::kResourceExhausted);
}

TEST(BadInputTest, TrailingFieldsAfterAStopAreNotRead) {
  conf::Scalars s;
  s.i32v = 9;
  std::string b(s.BLength(), '\0');
  s.FastWrite(reinterpret_cast<uint8_t*>(b.data()));
  b += "garbage";
  conf::Scalars out;
  auto r = out.FastRead(reinterpret_cast<const uint8_t*>(b.data()), b.size());
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(*r, s.BLength()) << "FastRead reports the bytes it used; codecs reject the rest";
}

}  // namespace
}  // namespace tern
