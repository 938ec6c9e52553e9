// The thrift_compact codec: the SDK conformance suite on the plugin as the
// host loads it, the exact bytes of the Compact encoding, framing delivered
// a byte at a time, and bad frames and bodies failing cleanly.
#include <gtest/gtest.h>
#include <sys/uio.h>

#include <algorithm>
#include <cstring>
#include <limits>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "compact_codec.h"
#include "compact_protocol.h"
#include "conformance_types.h"
#include "tern/buffer.h"
#include "tern/rpc/runtime.h"
#include "tern/slice.h"
#include "tern/testing/codec_conformance.h"
#include "tern/testing/random_value.h"

namespace tern::testing {
namespace {

namespace c = ::tern::conformance;

// The runtime that found the plugin through the normal plugin path: the
// directory a user's config names in [plugins] dir.
const std::shared_ptr<rpc::Runtime>& PluginRuntime() {
  static const std::shared_ptr<rpc::Runtime> rt = [] {
    auto r = rpc::Runtime::FromText("[plugins]\ndir = " TERN_COMPACT_PLUGIN_DIR "\n");
    if (!r.ok()) {
      ADD_FAILURE() << r.status();
      return std::shared_ptr<rpc::Runtime>();
    }
    return *r;
  }();
  return rt;
}

// The plugin as the runtime creates it, with the given framing.
template <bool kFramed>
struct CompactPlugin {
  static std::unique_ptr<Codec> Make() {
    if (PluginRuntime() == nullptr) return nullptr;
    auto codec = PluginRuntime()->NewCodec("thrift_compact", kFramed ? "framed" : "buffered");
    EXPECT_TRUE(codec.ok()) << codec.status();
    return codec.ok() ? std::move(*codec) : nullptr;
  }
  static constexpr bool kBinaryBody = false;
};

using CompactCodecs = ::testing::Types<CompactPlugin<true>, CompactPlugin<false>>;
INSTANTIATE_TYPED_TEST_SUITE_P(Compact, CodecConformanceTest, CompactCodecs);

TEST(CompactPluginTest, TheHostLoadsItWithEitherFraming) {
  ASSERT_NE(PluginRuntime(), nullptr);
  EXPECT_NE(PluginRuntime()->Describe().find("thrift_compact"), std::string::npos)
      << PluginRuntime()->Describe();
  EXPECT_TRUE(PluginRuntime()->NewCodec("thrift_compact", "buffered").ok());
  auto bogus = PluginRuntime()->NewCodec("thrift_compact", "zipped");
  ASSERT_FALSE(bogus.ok());
  EXPECT_NE(bogus.status().ToString().find("framing"), std::string::npos) << bogus.status();
}

std::vector<uint8_t> Body(const TypeInfo& t, const void* obj) {
  std::vector<uint8_t> out(compact::EncodedSize(t, obj));
  uint8_t* end = compact::Write(t, obj, out.data());
  EXPECT_EQ(end, out.data() + out.size());
  return out;
}

// WriteTo's bytes (read back out of the buffer, whatever blocks they span).
std::vector<uint8_t> OnePass(const TypeInfo& t, const void* obj, LinkBuffer& out, size_t reserve) {
  const size_t before = out.Len();
  size_t written = 0;
  Status st = compact::WriteTo(t, obj, out, reserve, &written);
  EXPECT_TRUE(st.ok()) << st;
  out.Flush();
  EXPECT_EQ(out.Len() - before, written);
  EXPECT_TRUE(out.Skip(before).ok());
  std::vector<uint8_t> got(out.Len());
  EXPECT_TRUE(out.ReadTo(got.data(), got.size()).ok());
  out.Release();
  return got;
}

// The one-pass writer (no size pass; room reserved as it goes) gives the
// two-pass writer's bytes exactly, wherever its first reservation runs out:
// at every byte of the message.
TEST(CompactWriteToTest, OnePassEqualsTwoPassAtEveryReservationEnd) {
  for (uint64_t seed = 1; seed <= 40; ++seed) {
    c::Everything v;
    RandomValue(seed, 6, 3).Fill(c::Everything::kTernTypeInfo, &v);
    const std::vector<uint8_t> want = Body(c::Everything::kTernTypeInfo, &v);
    for (size_t room = 1; room <= want.size() + 1; ++room) {
      LinkBuffer out;
      // Fill the first block but `room` bytes, so the first reservation is
      // that short (MallocAtLeast takes the tail's free space).
      const size_t fill = LinkBuffer::kDefaultBlockSize - room;
      std::vector<uint8_t> pad(fill, 0xAB);
      out.Write(pad.data(), pad.size());
      out.Flush();
      ASSERT_EQ(OnePass(c::Everything::kTernTypeInfo, &v, out, 1), want)
          << "seed " << seed << ", room " << room;
    }
    LinkBuffer fresh;  // and with the size hint the previous writes left
    ASSERT_EQ(OnePass(c::Everything::kTernTypeInfo, &v, fresh, 0), want) << "seed " << seed;
  }
}

// Values larger than a reservation chunk (BufferSink grows up to 1 MiB at a
// time): a numeric list written in batches, long strings and binaries.
TEST(CompactWriteToTest, LargeValuesSpanSeveralReservations) {
  c::Numbers n;
  n.i64s.resize(300000);
  for (size_t i = 0; i < n.i64s.size(); ++i) {
    n.i64s[i] = static_cast<int64_t>(i * 0x9E3779B97F4A7C15ull);
  }
  n.i32s.assign(70000, -123456);
  n.doubles.assign(50000, 2.5);
  n.bytes.assign(200000, 7);
  LinkBuffer out;
  EXPECT_EQ(OnePass(c::Numbers::kTernTypeInfo, &n, out, 1), Body(c::Numbers::kTernTypeInfo, &n));
  c::Containers k;
  k.strings.assign(3, std::string(3 << 20, 'q'));
  k.blobs.assign(2, std::string(1500000, '\x01'));
  EXPECT_EQ(OnePass(c::Containers::kTernTypeInfo, &k, out, 1),
            Body(c::Containers::kTernTypeInfo, &k));
}

// Whether one of out's readable iovecs starts at p (bytes linked by
// reference, not copied).
bool ChainPointsAt(LinkBuffer& out, const void* p) {
  iovec iov[64];
  const size_t n = out.ReadableIovecs(iov, 64);
  for (size_t i = 0; i < n; ++i) {
    if (iov[i].iov_base == p) return true;
  }
  return false;
}

// With a keep-alive, strings of 4 KB and more are linked in, not copied;
// the bytes are those of the copying writer, and shorter strings are copied.
TEST(CompactWriteToTest, LargeStringsGoByReferenceWithAnOwner) {
  c::Containers k;
  k.strings = {"short", std::string(5000, 'a'), std::string(4095, 'b'), std::string(70000, 'c')};
  k.blobs = {std::string(4096, '\x02')};
  k.counts = {{"x", 1}};
  const std::vector<uint8_t> want = Body(c::Containers::kTernTypeInfo, &k);
  bool released = false;
  {
    const Slice owner = Slice::External(
        nullptr, 0, [](void* ctx, const uint8_t*, size_t) { *static_cast<bool*>(ctx) = true; },
        &released);
    LinkBuffer out;
    size_t written = 0;
    ASSERT_TRUE(compact::WriteTo(c::Containers::kTernTypeInfo, &k, out, 0, &written, &owner).ok());
    out.Flush();
    EXPECT_EQ(written, want.size());
    EXPECT_TRUE(ChainPointsAt(out, k.strings[1].data()));
    EXPECT_TRUE(ChainPointsAt(out, k.strings[3].data()));
    EXPECT_TRUE(ChainPointsAt(out, k.blobs[0].data()));
    EXPECT_FALSE(ChainPointsAt(out, k.strings[2].data()));  // under 4 KB: copied
    std::vector<uint8_t> got(out.Len());
    ASSERT_TRUE(out.ReadTo(got.data(), got.size()).ok());
    EXPECT_EQ(got, want);
    out.Release();
    EXPECT_FALSE(released);  // `owner` itself still holds the block
  }
  EXPECT_TRUE(released);  // nothing in the buffer kept it past its release
  // The size hint the by-reference write left counts only what it copied.
  EXPECT_LT(compact::SizeHint(c::Containers::kTernTypeInfo), 5000u);
  // Without an owner everything is copied.
  LinkBuffer out;
  EXPECT_EQ(OnePass(c::Containers::kTernTypeInfo, &k, out, 0), want);
}

// Through the codec: a BodyRef with a keep-alive links the large string in;
// the message decodes to the value.
TEST(CompactCodecTest, EncodeLinksLargeStringsOfABodyWithAKeepAlive) {
  std::unique_ptr<Codec> codec = CompactPlugin<true>::Make();
  ASSERT_NE(codec, nullptr);
  c::Scalars v;
  v.s = std::string(100000, 'z');
  v.bin = "tiny";
  const Slice keep = Slice::External(nullptr, 0, nullptr, nullptr);
  LinkBuffer out;
  ASSERT_TRUE(
      codec->Encode({"m", MessageType::kReply, 9}, {&c::Scalars::kTernTypeInfo, &v, &keep}, out)
          .ok());
  out.Flush();
  EXPECT_TRUE(ChainPointsAt(out, v.s.data()));
  std::string frame;
  ASSERT_TRUE(out.ReadString(out.Len(), &frame).ok());
  FrameView fv{reinterpret_cast<const uint8_t*>(frame.data()), frame.size(), 0, {}};
  auto h = codec->DecodeHeader(fv, DefaultLimits());
  ASSERT_TRUE(h.ok()) << h.status();
  EXPECT_EQ(h->seqid, 9);
  c::Scalars back;
  ReadContext ctx{DefaultLimits()};
  ASSERT_TRUE(codec->DecodeBody(fv, c::Scalars::kTernTypeInfo, &back, ctx).ok());
  EXPECT_EQ(back, v);
}

TEST(CompactBytesTest, ScalarsAreEncodedAsTheSpecSays) {
  c::Scalars s;
  s.b = true;
  s.i8v = 1;
  s.i16v = -1;
  s.i32v = 150;
  s.i64v = -2;
  s.d = 1.0;
  s.s = "hi";
  s.bin = "";
  s.color = c::Color::RED;
  const std::vector<uint8_t> expected = {0x11,              // 1: bool true in the header
                                         0x13, 0x01,        // 2: byte 1
                                         0x14, 0x01,        // 3: i16 -1 -> zigzag 1
                                         0x15, 0xac, 0x02,  // 4: i32 150 -> zigzag 300
                                         0x16, 0x03,        // 5: i64 -2 -> zigzag 3
                                         0x17, 0,    0,    0,    0,
                                         0,    0,    0xf0, 0x3f,  // 6: double 1.0, little-endian
                                         0x18, 0x02, 'h',  'i',   // 7: string
                                         0x18, 0x00,              // 8: empty binary
                                         0x15, 0x02,              // 9: enum RED = 1 -> zigzag 2
                                         0x00};
  EXPECT_EQ(Body(c::Scalars::kTernTypeInfo, &s), expected);
  c::Scalars back;
  ReadContext ctx{DefaultLimits()};
  auto r = compact::Read(c::Scalars::kTernTypeInfo, &back, expected.data(), expected.size(), ctx);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(*r, expected.size());
  EXPECT_EQ(back, s);
}

// Fields in any order, a known id with another wire type (skipped), ids the
// schema does not know inside and outside its id range, the long field
// header, and false bools: read as Apache's reader reads them, through the
// per-type read plan (Scalars, Requiredness) and the generic loop (Sparse,
// whose ids span more than a plan's table).
TEST(CompactBytesTest, FieldsInAnyOrderWithStrangersAreRead) {
  const std::vector<uint8_t> scalars = {
      0x47, 0,    0,    0,    0,
      0,    0,    0xf0, 0x3f,  // 4 (delta 4) as a double: i32v's type is i32, skipped
      0x35, 0xac, 0x02,        // 7 (delta 3) as i32: s is a string, skipped
      0x05, 0x08, 0x03,        // 4 in the long header: i32 -2
      0x12,                    // 5 (delta 1) as bool false: i64v, skipped
      0xc5, 0x02,              // 17 (delta 12): not in Scalars, skipped
      0x05, 0x01, 0x03,        // -1 in the long header: unknown, skipped
      0x02, 0x02,              // 1 in the long header: bool false
      0x18, 0x02, 'h',  'i',   // 2 (delta 1) as binary: i8v is a byte, skipped
      0x58, 0x01, 'z',         // 7 (delta 5): string "z"
      0x00};
  c::Scalars s;
  s.b = true;
  s.i32v = 99;
  ReadContext ctx{DefaultLimits()};
  auto r = compact::Read(c::Scalars::kTernTypeInfo, &s, scalars.data(), scalars.size(), ctx);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(*r, scalars.size());
  c::Scalars want;
  want.b = false;
  want.i32v = -2;
  want.s = "z";
  EXPECT_EQ(s, want);

  // Requiredness: name (6) before id (1), note (2, optional) marked set;
  // without id, the required-field check fails.
  const std::vector<uint8_t> with_id = {0x68, 0x01, 'n',  0x06, 0x02,
                                        0x04, 0x18, 0x00, 0x00};  // 6, 1 (long), 2
  c::Requiredness q;
  ReadContext ctx2{DefaultLimits()};
  r = compact::Read(c::Requiredness::kTernTypeInfo, &q, with_id.data(), with_id.size(), ctx2);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(q.name, "n");
  EXPECT_EQ(q.id, 2);
  EXPECT_TRUE(q.has_note());
  EXPECT_FALSE(q.has_count());
  const std::vector<uint8_t> without_id = {0x68, 0x01, 'n', 0x00};
  c::Requiredness q2;
  ReadContext ctx3{DefaultLimits()};
  r = compact::Read(c::Requiredness::kTernTypeInfo, &q2, without_id.data(), without_id.size(),
                    ctx3);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("required"), std::string::npos) << r.status();

  // Sparse, in reverse order, with an unknown id between its known ones.
  const std::vector<uint8_t> sparse = {0x06, 0xfe, 0xff, 0x03, 0x0a,  // 32767: i64 5
                                       0x05, 0x80, 0x01, 0x04,        // 64: unknown, skipped
                                       0x08, 0xc8, 0x01, 0x01, 'x',   // 100: "x"
                                       0x05, 0x02, 0x02,              // 1: i32 1
                                       0x00};
  c::Sparse sp;
  ReadContext ctx4{DefaultLimits()};
  r = compact::Read(c::Sparse::kTernTypeInfo, &sp, sparse.data(), sparse.size(), ctx4);
  ASSERT_TRUE(r.ok()) << r.status();
  c::Sparse want_sp;
  want_sp.one = 1;
  want_sp.hundred = "x";
  want_sp.max_id = 5;
  EXPECT_EQ(sp, want_sp);
}

// Map keys out of order and repeated: every key is kept, and a repeated
// key takes the last value, as Apache Thrift's reader does.
TEST(CompactBytesTest, ARepeatedMapKeyTakesTheLastValue) {
  const std::vector<uint8_t> bytes = {0x3b, 0x04, 0x86,         // 3: map<string, i64>, 4 entries
                                      0x01, 'b',  0x02,         // "b": 1
                                      0x01, 'a',  0x04,         // "a": 2
                                      0x01, 'c',  0x0a,         // "c": 5
                                      0x01, 'b',  0x06, 0x00};  // "b": 3
  c::Containers got;
  ReadContext ctx{DefaultLimits()};
  auto r = compact::Read(c::Containers::kTernTypeInfo, &got, bytes.data(), bytes.size(), ctx);
  ASSERT_TRUE(r.ok()) << r.status();
  const std::map<std::string, int64_t> want = {{"a", 2}, {"b", 3}, {"c", 5}};
  EXPECT_EQ(got.counts, want);
}

// A null required `&` field: an empty struct on the wire (as Apache writes
// it), read back as a default value.
TEST(CompactBytesTest, ANullRequiredRefIsAnEmptyStruct) {
  c::RequiredRef r;
  r.n = -1;
  const std::vector<uint8_t> expected = {0x1c, 0x00,  // 1: an empty Sparse
                                         0x15, 0x01,  // 2: i32 -1 -> zigzag 1
                                         0x00};
  EXPECT_EQ(Body(c::RequiredRef::kTernTypeInfo, &r), expected);
  c::RequiredRef back;
  ReadContext ctx{DefaultLimits()};
  auto got =
      compact::Read(c::RequiredRef::kTernTypeInfo, &back, expected.data(), expected.size(), ctx);
  ASSERT_TRUE(got.ok()) << got.status();
  ASSERT_NE(back.sparse, nullptr);
  EXPECT_EQ(*back.sparse, c::Sparse{});
  EXPECT_EQ(back.n, -1);
}

TEST(CompactBytesTest, LongFieldIdDeltasUseTheLongHeader) {
  c::Sparse s;
  s.one = 1;
  s.hundred = "x";
  s.max_id = 5;
  const std::vector<uint8_t> expected = {
      0x15, 0x02,                    // 1: i32 1
      0x08, 0xc8, 0x01, 0x01, 'x',   // 100: delta 99 > 15: type, zigzag(100) = 200
      0x06, 0xfe, 0xff, 0x03, 0x0a,  // 32767: zigzag = 65534; value zigzag(5) = 10
      0x00};
  EXPECT_EQ(Body(c::Sparse::kTernTypeInfo, &s), expected);
}

TEST(CompactBytesTest, ContainerHeaders) {
  c::Numbers n;
  n.bools = {true, false};
  n.i64s.assign(20, 1);  // 15 or more elements: the size follows as a varint
  n.doubles = {};
  std::vector<uint8_t> bytes = Body(c::Numbers::kTernTypeInfo, &n);
  // 1: i16s empty: 0x19 0x04; 2: i32s empty: 0x19 0x05;
  // 3: i64s: 0x19, 0xf6, 20, then 20 x zigzag(1) = 2.
  const std::vector<uint8_t> head = {0x19, 0x04, 0x19, 0x05, 0x19, 0xf6, 20};
  ASSERT_GT(bytes.size(), head.size() + 20);
  EXPECT_EQ(std::vector<uint8_t>(bytes.begin(), bytes.begin() + 7), head);
  for (int i = 0; i < 20; ++i) EXPECT_EQ(bytes[7 + i], 2);
  // ... 6: bools: 0x19 (delta 1 after field 5), 0x21 (2 elements, type true), 1, 2.
  const std::vector<uint8_t> bools = {0x19, 0x21, 0x01, 0x02};
  EXPECT_NE(std::search(bytes.begin(), bytes.end(), bools.begin(), bools.end()), bytes.end());
  c::Numbers back;
  ReadContext ctx{DefaultLimits()};
  ASSERT_TRUE(
      compact::Read(c::Numbers::kTernTypeInfo, &back, bytes.data(), bytes.size(), ctx).ok());
  EXPECT_EQ(back, n);
}

// Numeric lists take word-at-a-time and SIMD paths (AVX-512, BMI2, portable,
// chosen by the CPU; ctest runs this binary again with TERN_CPU_DISABLE so
// that each path is covered here). Each must give exactly the bytes of the
// plain one-varint-at-a-time encoding, write nothing past its end, and read
// back to the same values, for every length around the paths' block sizes
// and values of every varint length.
std::vector<uint8_t> RefVarint(uint64_t v) {
  std::vector<uint8_t> out;
  while (v >= 0x80) {
    out.push_back(static_cast<uint8_t>(v | 0x80));
    v >>= 7;
  }
  out.push_back(static_cast<uint8_t>(v));
  return out;
}

template <class T>
void AppendRefList(std::vector<uint8_t>* out, uint8_t elem_type, const std::vector<T>& v) {
  out->push_back(0x19);  // field delta 1, list
  if (v.size() < 15) {
    out->push_back(static_cast<uint8_t>((v.size() << 4) | elem_type));
  } else {
    out->push_back(static_cast<uint8_t>(0xf0 | elem_type));
    const auto n = RefVarint(v.size());
    out->insert(out->end(), n.begin(), n.end());
  }
  for (T x : v) {
    const auto wide = static_cast<int64_t>(x);
    const uint64_t z = (static_cast<uint64_t>(wide) << 1) ^ static_cast<uint64_t>(wide >> 63);
    const auto b = RefVarint(z);
    out->insert(out->end(), b.begin(), b.end());
  }
}

// Values whose varints have every length, signs and the extremes, mixed so
// that blocks of eight see short and long ones together (and, with
// `only_short`, values below 2^55 only, the short-lane path of i64).
template <class T>
std::vector<T> VarintValues(size_t n, uint64_t seed, bool only_short) {
  std::vector<T> v(n);
  uint64_t s = seed;
  for (size_t i = 0; i < n; ++i) {
    s += 0x9E3779B97F4A7C15ull;
    uint64_t z = s;
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    z ^= z >> 31;
    const unsigned bits = static_cast<unsigned>(z % (8 * sizeof(T) + 1));  // 0..width
    uint64_t mag = bits == 0 ? 0 : (z >> 7) & (bits >= 64 ? ~0ull : (1ull << bits) - 1);
    if (only_short) mag &= (1ull << 54) - 1;
    T x = static_cast<T>(mag);
    if ((z >> 6) & 1) x = static_cast<T>(~x);  // negatives too (zigzag's odd values)
    if (i % 97 == 5) x = std::numeric_limits<T>::min();
    if (i % 89 == 7) x = std::numeric_limits<T>::max();
    v[i] = x;
  }
  return v;
}

TEST(CompactListTest, EveryPathGivesTheReferenceBytesAtEveryLength) {
  std::vector<size_t> lengths;
  for (size_t n = 0; n <= 80; ++n) lengths.push_back(n);
  for (size_t n : {127, 128, 129, 1000, 4099}) lengths.push_back(n);
  const std::vector<uint8_t> empty_tail = [] {
    std::vector<uint8_t> b = Body(c::Numbers::kTernTypeInfo, &*std::make_unique<c::Numbers>());
    return std::vector<uint8_t>(b.begin() + 6, b.end());  // after three empty lists
  }();
  for (bool only_short : {false, true}) {
    for (size_t n : lengths) {
      c::Numbers num;
      num.i16s = VarintValues<int16_t>(n, n * 3 + 1, only_short);
      num.i32s = VarintValues<int32_t>(n, n * 3 + 2, only_short);
      num.i64s = VarintValues<int64_t>(n, n * 3 + 3, only_short);
      std::vector<uint8_t> want;
      AppendRefList(&want, 0x04, num.i16s);
      AppendRefList(&want, 0x05, num.i32s);
      AppendRefList(&want, 0x06, num.i64s);
      want.insert(want.end(), empty_tail.begin(), empty_tail.end());

      const size_t size = compact::EncodedSize(c::Numbers::kTernTypeInfo, &num);
      ASSERT_EQ(size, want.size()) << "n=" << n;
      std::vector<uint8_t> out(size + 64, 0xA5);
      uint8_t* end = compact::Write(c::Numbers::kTernTypeInfo, &num, out.data());
      ASSERT_EQ(end, out.data() + size) << "n=" << n;
      ASSERT_TRUE(std::equal(want.begin(), want.end(), out.begin())) << "n=" << n;
      for (size_t i = size; i < out.size(); ++i) ASSERT_EQ(out[i], 0xA5) << "n=" << n;

      c::Numbers back;
      ReadContext ctx{DefaultLimits()};
      auto r = compact::Read(c::Numbers::kTernTypeInfo, &back, want.data(), want.size(), ctx);
      ASSERT_TRUE(r.ok()) << r.status() << " n=" << n;
      EXPECT_EQ(*r, want.size());
      ASSERT_EQ(back, num) << "n=" << n;
    }
  }
}

// Varints a writer may legally send but Tern never writes: zero-padded
// (non-canonical) ones, and in an i32 list ones longer than 5 bytes, whose
// value is truncated to 32 bits. Every path must read them as the one-by-one
// reader does; an 11-byte varint anywhere is an error.
TEST(CompactListTest, UnusualVarintsReadTheSameOnEveryPath) {
  for (bool wide : {false, true}) {
    const size_t n = 300;
    std::vector<uint8_t> body = {0x29, 0xf5, 0xac, 0x02};  // 2: list<i32>, 300 elements
    if (wide) body = {0x39, 0xf6, 0xac, 0x02};             // 3: list<i64>
    std::vector<int64_t> want;
    uint64_t s = wide ? 99 : 7;
    for (size_t i = 0; i < n; ++i) {
      s = s * 6364136223846793005ull + 1442695040888963407ull;
      const size_t len = 1 + (s >> 60) % 10;  // 1..10 bytes
      uint64_t value = 0;
      for (size_t b = 0; b < len; ++b) {
        uint8_t byte = static_cast<uint8_t>((s >> (b * 5)) & 0x7f);
        if (b == 9) byte &= 1;                            // a 10th byte carries bit 63 only
        if ((s >> 40) % 3 == 0 && b + 1 < len) byte = 0;  // zero padding
        value |= static_cast<uint64_t>(byte) << (7 * b);
        body.push_back(static_cast<uint8_t>(byte | (b + 1 < len ? 0x80 : 0)));
      }
      if (wide) {
        want.push_back(static_cast<int64_t>((value >> 1) ^ (~(value & 1) + 1)));
      } else {
        const auto z = static_cast<uint32_t>(value);
        want.push_back(static_cast<int32_t>((z >> 1) ^ (~(z & 1) + 1)));
      }
    }
    body.push_back(0x00);  // stop
    c::Numbers back;
    ReadContext ctx{DefaultLimits()};
    auto r = compact::Read(c::Numbers::kTernTypeInfo, &back, body.data(), body.size(), ctx);
    ASSERT_TRUE(r.ok()) << r.status().ToString();
    ASSERT_EQ(*r, body.size());
    const std::vector<int64_t> got =
        wide ? back.i64s : std::vector<int64_t>(back.i32s.begin(), back.i32s.end());
    ASSERT_EQ(got, want) << (wide ? "i64" : "i32");

    // The same list with one varint made 11 bytes long, at each of several
    // places (inside an AVX-512 window, at its edges, near the end). With
    // `swallow`, it replaces two elements: a reader that stopped at 10 bytes
    // would take the 11th for the next element and see a well-formed list.
    for (bool swallow : {false, true}) {
      for (size_t at : {0, 7, 8, 63, 64, 150, 290, 298}) {
        std::vector<uint8_t> bad(body.begin(), body.begin() + 4);
        size_t pos = 4;
        for (size_t i = 0; i < n; ++i) {
          const size_t start = pos;
          while (body[pos] & 0x80) ++pos;
          ++pos;
          if (i == at) {
            for (int b = 0; b < 10; ++b) bad.push_back(0x81);
            bad.push_back(0x01);
          } else if (!(swallow && i == at + 1)) {
            bad.insert(bad.end(), body.begin() + start, body.begin() + pos);
          }
        }
        bad.push_back(0x00);
        c::Numbers junk;
        ReadContext ctx2{DefaultLimits()};
        auto e = compact::Read(c::Numbers::kTernTypeInfo, &junk, bad.data(), bad.size(), ctx2);
        ASSERT_FALSE(e.ok()) << "11-byte varint at " << at << (wide ? " (i64)" : " (i32)")
                             << (swallow ? ", swallowing the next" : "");
        EXPECT_EQ(e.status().code(), StatusCode::kDataLoss) << e.status();
      }
    }
  }
}

TEST(CompactBytesTest, EnvelopeAndFrame) {
  compact::CompactCodec codec;
  c::Failure f;
  f.message = "m";
  f.code = 3;
  LinkBuffer out;
  ASSERT_TRUE(
      codec.Encode({"ping", MessageType::kCall, -2}, {&c::Failure::kTernTypeInfo, &f, {}}, out)
          .ok());
  out.Flush();
  std::string bytes;
  ASSERT_TRUE(out.ReadString(out.Len(), &bytes).ok());
  const std::string expected_envelope = std::string("\x82\x21", 2) +  // id, CALL << 5 | 1
                                        "\xfe\xff\xff\xff\x0f" +      // seqid -2 as uint32
                                        "\x04ping";
  ASSERT_GE(bytes.size(), 4 + expected_envelope.size());
  EXPECT_EQ(bytes.substr(4, expected_envelope.size()), expected_envelope);
  const uint32_t len = (uint32_t(uint8_t(bytes[0])) << 24) | (uint32_t(uint8_t(bytes[1])) << 16) |
                       (uint32_t(uint8_t(bytes[2])) << 8) | uint8_t(bytes[3]);
  EXPECT_EQ(len, bytes.size() - 4);
}

// Encodes one message and returns its framed bytes.
std::string Message(const MessageHeader& h, const TypeInfo& t, const void* obj) {
  compact::CompactCodec codec;
  LinkBuffer out;
  EXPECT_TRUE(codec.Encode(h, {&t, obj, {}}, out).ok());
  out.Flush();
  std::string s;
  EXPECT_TRUE(out.ReadString(out.Len(), &s).ok());
  return s;
}

TEST(CompactFramingTest, AByteAtATime) {
  c::Scalars s;
  RandomValue(3).Fill(c::Scalars::kTernTypeInfo, &s);
  const std::string bytes = Message({"m", MessageType::kCall, 1}, c::Scalars::kTernTypeInfo, &s);
  compact::CompactCodec codec;
  LinkBuffer in;
  FrameState state;
  for (size_t i = 0; i < bytes.size(); ++i) {
    FrameResult r = codec.Frame(in, state, DefaultLimits());
    ASSERT_EQ(r.what, FrameResult::kNeedMore) << "at " << i;
    EXPECT_LE(r.size, bytes.size());
    in.Write(bytes.data() + i, 1);
    in.Flush();
  }
  FrameResult r = codec.Frame(in, state, DefaultLimits());
  ASSERT_EQ(r.what, FrameResult::kFrame);
  EXPECT_EQ(r.size, bytes.size());
}

// ---- buffered (unframed) -----------------------------------------------------

std::string BufferedMessage(const MessageHeader& h, const TypeInfo& t, const void* obj) {
  compact::CompactCodec codec(/*framed=*/false);
  LinkBuffer out;
  EXPECT_TRUE(codec.Encode(h, {&t, obj, {}}, out).ok());
  out.Flush();
  std::string s;
  EXPECT_TRUE(out.ReadString(out.Len(), &s).ok());
  return s;
}

// Frames `bytes` delivered in chunks of `chunk` bytes (each in its own
// block); returns the first non-NeedMore result, or the last NeedMore.
FrameResult FrameInChunks(const std::string& bytes, size_t chunk, const Limits& limits) {
  compact::CompactCodec codec(/*framed=*/false);
  LinkBuffer in;
  FrameState state;
  FrameResult r = FrameResult::NeedMore(0);
  for (size_t at = 0; at < bytes.size(); at += chunk) {
    const size_t n = std::min(chunk, bytes.size() - at);
    // Small chunks are written into the tail block (as reads fill it); larger
    // ones each get a block of their own, so tokens straddle blocks.
    if (chunk < 7) {
      in.Write(bytes.data() + at, n);
    } else {
      in.Append(Slice::Copy(bytes.data() + at, n));
    }
    in.Flush();
    r = codec.Frame(in, state, limits);
    if (r.what != FrameResult::kNeedMore) return r;
    EXPECT_GT(r.size, at + n) << "NeedMore must ask for more than is buffered";
  }
  return r;
}

TEST(CompactBufferedTest, FindsTheMessageEndAtEverySplit) {
  for (uint64_t seed = 1; seed <= 20; ++seed) {
    c::Everything v;
    RandomValue(seed).Fill(c::Everything::kTernTypeInfo, &v);
    const std::string msg =
        BufferedMessage({"m", MessageType::kCall, 1}, c::Everything::kTernTypeInfo, &v);
    // Followed by the start of the next message, which must not be taken.
    const std::string bytes = msg + std::string("\x82\x21\x02", 3);
    for (size_t chunk : {size_t{1}, size_t{2}, size_t{3}, size_t{7}, size_t{64}, bytes.size()}) {
      FrameResult r = FrameInChunks(bytes, chunk, DefaultLimits());
      ASSERT_EQ(r.what, FrameResult::kFrame)
          << "seed " << seed << " chunk " << chunk << " " << r.error;
      EXPECT_EQ(r.size, msg.size()) << "seed " << seed << " chunk " << chunk;
    }
  }
}

TEST(CompactBufferedTest, ExaminesEachByteOnce) {
  // A byte at a time: NeedMore after every byte but the last, and the scan
  // resumes (a rescan would make this quadratic; 200 KB a byte at a time
  // finishes quickly only if it does not).
  c::Containers v;
  v.blobs.assign(50, std::string(4000, 'x'));
  const std::string msg =
      BufferedMessage({"m", MessageType::kCall, 1}, c::Containers::kTernTypeInfo, &v);
  FrameResult r = FrameInChunks(msg, 1, DefaultLimits());
  ASSERT_EQ(r.what, FrameResult::kFrame) << r.error;
  EXPECT_EQ(r.size, msg.size());
}

// A struct ends at a field header whose type nibble is 0 (stop), whatever
// its high nibble holds: so Apache Thrift and the other Thrift libraries
// read it, and the differential test found Tern refusing it.
TEST(CompactBytesTest, StopIsTheTypeNibble) {
  const std::string body("\x11\xf0", 2);  // 1: bool true, then a stop with delta 15
  c::Scalars s;
  ReadContext ctx{DefaultLimits()};
  auto r = compact::Read(c::Scalars::kTernTypeInfo, &s,
                         reinterpret_cast<const uint8_t*>(body.data()), body.size(), ctx);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(*r, 2u);
  EXPECT_TRUE(s.b);
  // A nested struct ends on one (0x70: delta 7, stop) as well.
  const std::string nested("\x1c\x11\x70\x00", 4);  // 1: Scalars {1: true, stop} stop
  c::Everything e;
  ReadContext ctx2{DefaultLimits()};
  auto r2 = compact::Read(c::Everything::kTernTypeInfo, &e,
                          reinterpret_cast<const uint8_t*>(nested.data()), nested.size(), ctx2);
  ASSERT_TRUE(r2.ok()) << r2.status();
  EXPECT_EQ(*r2, 4u);
  EXPECT_TRUE(e.scalars.b);
  // And the buffered framer ends the message there.
  const std::string msg = std::string("\x82\x21\x01\x01m\x11\xf0", 7);
  FrameResult f = FrameInChunks(msg, 1, DefaultLimits());
  ASSERT_EQ(f.what, FrameResult::kFrame) << f.error;
  EXPECT_EQ(f.size, msg.size());
  // So does a TApplicationException (found by the message-level differential
  // test): {1: "x", stop with delta 1}.
  const compact::CompactCodec codec(/*framed=*/false);
  const std::string ex("\x18\x01x\x10", 4);
  FrameView frame{reinterpret_cast<const uint8_t*>(ex.data()), ex.size(), 0, {}};
  Result<AppException> got = codec.DecodeException(frame, DefaultLimits());
  ASSERT_TRUE(got.ok()) << got.status();
  EXPECT_EQ(got->message, "x");
  EXPECT_EQ(frame.pos, ex.size());
}

// An empty list's element type is not held to the schema, but it must be a
// type: 0-13 (13 is UUID), not 14 or 15, as Apache Thrift reads it.
TEST(CompactBytesTest, EmptyListElementTypeMustBeAType) {
  for (uint8_t et = 0; et < 16; ++et) {
    const std::string body = {'\x19', static_cast<char>(et), '\x00'};  // 1: list<i16> of 0
    c::Numbers n;
    ReadContext ctx{DefaultLimits()};
    auto r = compact::Read(c::Numbers::kTernTypeInfo, &n,
                           reinterpret_cast<const uint8_t*>(body.data()), body.size(), ctx);
    EXPECT_EQ(r.ok(), et <= 13) << "element type " << int{et};
    // Skipped as an unknown field (ScalarsV1 has no field 4), the same rule.
    const std::string skipped = {'\x49', static_cast<char>(et), '\x00'};
    c::ScalarsV1 v1;
    ReadContext ctx2{DefaultLimits()};
    auto r2 = compact::Read(c::ScalarsV1::kTernTypeInfo, &v1,
                            reinterpret_cast<const uint8_t*>(skipped.data()), skipped.size(), ctx2);
    EXPECT_EQ(r2.ok(), et <= 13) << "skipped, element type " << int{et};
  }
}

TEST(CompactBufferedTest, BadInputFailsAtOnce) {
  Limits small = DefaultLimits();
  small.max_string = 100;
  small.max_container = 10;
  small.max_frame = 1000;
  small.max_depth = 8;
  struct Case {
    const char* what;
    std::string bytes;
    StatusCode code;
  };
  const std::vector<Case> cases = {
      {"bad protocol id", std::string("\x80\x01", 2), StatusCode::kDataLoss},
      {"bad version", std::string("\x82\x22", 2), StatusCode::kDataLoss},
      {"message type 0", std::string("\x82\x01", 2), StatusCode::kDataLoss},
      {"11-byte varint", std::string("\x82\x21") + std::string(11, '\xff'), StatusCode::kDataLoss},
      {"name over max_string", std::string("\x82\x21\x01\xe8\x07", 5),
       StatusCode::kResourceExhausted},
      {"string over max_string", std::string("\x82\x21\x01\x01m\x18\xe8\x07", 8),
       StatusCode::kResourceExhausted},
      {"negative string size", std::string("\x82\x21\x01\x01m\x18\xff\xff\xff\xff\x0f", 11),
       StatusCode::kDataLoss},
      {"list over max_container", std::string("\x82\x21\x01\x01m\x19\xf5\x0b", 8),
       StatusCode::kResourceExhausted},
      {"map over max_container", std::string("\x82\x21\x01\x01m\x1b\x0b", 7),
       StatusCode::kResourceExhausted},
      {"invalid field type", std::string("\x82\x21\x01\x01m\x1e", 6), StatusCode::kDataLoss},
      {"nesting past max_depth", std::string("\x82\x21\x01\x01m") + std::string(20, '\x1c'),
       StatusCode::kResourceExhausted},
      {"longer than max_frame", std::string("\x82\x21\x01\x01m") + std::string(2000, '\x13'),
       StatusCode::kResourceExhausted},
  };
  for (const auto& c : cases) {
    FrameResult r = FrameInChunks(c.bytes, 1, small);
    ASSERT_EQ(r.what, FrameResult::kError) << c.what;
    EXPECT_EQ(r.error.code(), c.code) << c.what << ": " << r.error;
    // And it stays failed.
    compact::CompactCodec codec(false);
    LinkBuffer in;
    in.Write(c.bytes.data(), c.bytes.size());
    in.Flush();
    FrameState state;
    EXPECT_EQ(codec.Frame(in, state, small).what, FrameResult::kError) << c.what;
    EXPECT_EQ(codec.Frame(in, state, small).what, FrameResult::kError) << c.what;
  }
}

// Runs Frame + DecodeHeader + DecodeBody over `bytes`; returns the first error.
Status DecodeAll(const std::string& bytes, const Limits& limits = DefaultLimits()) {
  compact::CompactCodec codec;
  LinkBuffer in;
  in.Write(bytes.data(), bytes.size());
  in.Flush();
  FrameState state;
  FrameResult r = codec.Frame(in, state, limits);
  if (r.what == FrameResult::kError) return r.error;
  if (r.what == FrameResult::kNeedMore) return Status::OK();  // waits: not an error yet
  auto data = in.Peek(r.size);
  if (!data.ok()) return data.status();
  FrameView frame{*data, r.size, 0, Slice()};
  auto h = codec.DecodeHeader(frame, limits);
  if (!h.ok()) return h.status();
  c::Scalars s;
  ReadContext ctx{limits};
  return codec.DecodeBody(frame, c::Scalars::kTernTypeInfo, &s, ctx);
}

std::string Framed(const std::string& payload) {
  const auto n = static_cast<uint32_t>(payload.size());
  std::string s = {char(n >> 24), char(n >> 16), char(n >> 8), char(n)};
  return s + payload;
}

TEST(CompactBadInputTest, EachIsACleanError) {
  c::Scalars s;
  RandomValue(9).Fill(c::Scalars::kTernTypeInfo, &s);
  const std::string good = Message({"m", MessageType::kCall, 1}, c::Scalars::kTernTypeInfo, &s);
  ASSERT_TRUE(DecodeAll(good).ok());
  struct Case {
    const char* what;
    std::string bytes;
    StatusCode code;
  };
  std::string trailing = good.substr(4) + "x";
  const std::vector<Case> cases = {
      {"zero length", std::string("\0\0\0\0", 4), StatusCode::kDataLoss},
      {"negative length", "\xff\xff\xff\xfe", StatusCode::kDataLoss},
      {"over max_frame", "\x7f\xff\xff\xff", StatusCode::kResourceExhausted},
      {"bad protocol id", Framed(std::string("\x80\x01\x00\x00\x00\x01", 6)),
       StatusCode::kDataLoss},
      {"bad version", Framed(std::string("\x82\x22\x01\x01m\x00", 6)), StatusCode::kDataLoss},
      {"message type 0", Framed(std::string("\x82\x01\x01\x01m\x00", 6)), StatusCode::kDataLoss},
      {"message type 7", Framed(std::string("\x82\xe1\x01\x01m\x00", 6)), StatusCode::kDataLoss},
      {"name longer than the frame", Framed(std::string("\x82\x21\x01\x7fm\x00", 6)),
       StatusCode::kDataLoss},
      {"huge name", Framed(std::string("\x82\x21\x01\xff\xff\xff\xff\x07m", 9)),
       StatusCode::kResourceExhausted},
      {"negative name length", Framed(std::string("\x82\x21\x01\xff\xff\xff\xff\x0f", 8)),
       StatusCode::kDataLoss},
      {"11-byte varint seqid", Framed(std::string("\x82\x21") + std::string(10, '\xff') + "\x01"),
       StatusCode::kDataLoss},
      {"trailing bytes in the frame", Framed(trailing), StatusCode::kDataLoss},
      {"string longer than the frame", Framed(std::string("\x82\x21\x01\x01m\x78\xff\xff\x03", 9)),
       StatusCode::kDataLoss},
      {"list of 2^31-1 elements in a few bytes",
       Framed(std::string("\x82\x21\x01\x01m\x19\xf5\xff\xff\xff\xff\x07", 12)),
       StatusCode::kResourceExhausted},
      {"list of 10^6 elements in a few bytes",
       Framed(std::string("\x82\x21\x01\x01m\x19\xf5\xc0\x84\x3d", 10)), StatusCode::kDataLoss},
      {"invalid field type 14", Framed(std::string("\x82\x21\x01\x01m\x1e\x00", 7)),
       StatusCode::kDataLoss},
  };
  for (const auto& c : cases) {
    Status st = DecodeAll(c.bytes);
    EXPECT_FALSE(st.ok()) << c.what;
    EXPECT_EQ(st.code(), c.code) << c.what << ": " << st;
    EXPECT_NE(st.ToString().find("compact"), std::string::npos) << c.what << ": " << st;
  }
}

// A list of empty structs is a byte an element on the wire, sizeof(struct)
// in memory: what one message's containers take decoded stops at
// max_decoded.
TEST(CompactBadInputTest, DecodedMemoryIsBoundedByMaxDecoded) {
  constexpr size_t kN = 100000;
  std::string body = "\x29\xfc";  // field 2 (delta 2, list), over 14 structs
  for (size_t n = kN; n != 0; n >>= 7)
    body += static_cast<char>((n & 0x7f) | (n > 0x7f ? 0x80 : 0));
  body += std::string(kN, '\0');  // kN empty Trees
  body += '\0';
  Limits limits = DefaultLimits();
  limits.max_decoded = kN * sizeof(c::Tree);
  auto read = [&] {
    c::Tree t;
    ReadContext ctx{limits};
    auto r = compact::Read(c::Tree::kTernTypeInfo, &t,
                           reinterpret_cast<const uint8_t*>(body.data()), body.size(), ctx);
    return r.ok() ? Status() : r.status();
  };
  EXPECT_TRUE(read().ok()) << read();
  limits.max_decoded -= 1;
  const Status st = read();
  EXPECT_EQ(st.code(), StatusCode::kResourceExhausted) << st;
  EXPECT_NE(st.ToString().find("max_decoded"), std::string::npos) << st;
}

TEST(CompactBadInputTest, DeepNestingStopsAtMaxDepth) {
  // An unknown field (id 1 of Scalars is a bool; this says struct) nesting
  // structs 100,000 deep must fail at max_depth, not overflow the stack.
  std::string body = std::string("\x82\x21\x01\x01m", 5);
  body += std::string(100000, '\x1c');  // field delta 1, type struct, repeated
  Status st = DecodeAll(Framed(body));
  EXPECT_EQ(st.code(), StatusCode::kResourceExhausted) << st;
}

TEST(CompactBadInputTest, TruncatedVarintsInLists) {
  // Numbers.i64s with 3 elements whose last varint never ends.
  const std::string body = std::string("\x39\x36\x02\x02\x80\x80", 6);
  c::Numbers n;
  ReadContext ctx{DefaultLimits()};
  auto r = compact::Read(c::Numbers::kTernTypeInfo, &n,
                         reinterpret_cast<const uint8_t*>(body.data()), body.size(), ctx);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kDataLoss) << r.status();
}

}  // namespace
}  // namespace tern::testing
