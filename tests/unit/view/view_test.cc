// Copy-free views (tern/thrift/view.h and the generated Foo::View classes):
// every accessor of every conformance struct returns what FastRead decodes,
// over contiguous bytes and over bytes split into segments at every
// position; the index pass accepts exactly the input FastRead accepts, with
// the same error; absent fields read the IDL defaults.
#include <gtest/gtest.h>

#include <cstring>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "conformance_types.h"
#include "serde_types.h"
#include "tern/buffer.h"
#include "tern/testing/random_value.h"
#include "tern/thrift/view.h"
#include "testing/struct_bytes.h"

namespace tern {
namespace {

namespace c = ::tern::conformance;
using view::Bytes;

using testing::Encode;
using testing::Random;

// Segments of `bytes` cut at `cuts` (ascending offsets), each its own copy
// so reading across a cut really crosses memory.
std::vector<Slice> Cut(const std::string& bytes, const std::vector<size_t>& cuts) {
  std::vector<Slice> out;
  size_t from = 0;
  for (size_t c : cuts) {
    out.push_back(Slice::Copy(bytes.data() + from, c - from));
    from = c;
  }
  out.push_back(Slice::Copy(bytes.data() + from, bytes.size() - from));
  return out;
}

// ---- deep comparison of a view with the value FastRead decodes ------------------

void ExpectSame(const c::Scalars::View& v, const c::Scalars& x);
void ExpectSame(const c::Defaults::View& v, const c::Defaults& x);
void ExpectSame(const c::Requiredness::View& v, const c::Requiredness& x);
void ExpectSame(const c::Numbers::View& v, const c::Numbers& x);
void ExpectSame(const c::Containers::View& v, const c::Containers& x);
void ExpectSame(const c::Choice::View& v, const c::Choice& x);
void ExpectSame(const c::Failure::View& v, const c::Failure& x);
void ExpectSame(const c::Tree::View& v, const c::Tree& x);
void ExpectSame(const c::Sparse::View& v, const c::Sparse& x);
void ExpectSame(const c::Everything::View& v, const c::Everything& x);

template <class T>
requires(std::is_arithmetic_v<T> || std::is_enum_v<T>) void ExpectSame(T v, T x) {
  EXPECT_EQ(v, x);
}

void ExpectSame(const view::String& v, const std::string& x) {
  EXPECT_EQ(v.size(), x.size());
  EXPECT_EQ(v.str(), x);
  EXPECT_TRUE(v == x);
  if (v.contiguous()) {
    EXPECT_EQ(v.view(), x);
  }
  std::string scratch;
  EXPECT_EQ(v.view(&scratch), x);
  EXPECT_EQ(v.ToSlice().ToString(), x);
}

template <class E, class T>
void ExpectSame(const view::List<E>& v, const std::vector<T>& x);
template <class E, class T>
void ExpectSame(const view::List<E>& v, const std::set<T>& x);
template <class K, class V, class XK, class XV>
void ExpectSame(const view::Map<K, V>& v, const std::map<XK, XV>& x);

template <class E, class C>
void ExpectSameSeq(const view::List<E>& v, const C& x) {
  ASSERT_EQ(v.size(), x.size());
  auto it = v.begin();
  for (const auto& e : x) {
    ASSERT_TRUE(it != v.end());
    ExpectSame(*it, e);
    ++it;
  }
  EXPECT_TRUE(it == v.end());
  if constexpr (view::List<E>::kFixed != 0) {
    size_t i = 0;
    for (const auto& e : x) ExpectSame(v[i++], static_cast<E>(e));
    if constexpr (!std::is_same_v<E, bool>) {
      std::vector<E> bulk(v.size());
      v.CopyTo(bulk.data());
      EXPECT_TRUE(std::equal(bulk.begin(), bulk.end(), x.begin(), x.end()));
    }
  }
}
template <class E, class T>
void ExpectSame(const view::List<E>& v, const std::vector<T>& x) {
  ExpectSameSeq(v, x);
}
template <class E, class T>
void ExpectSame(const view::List<E>& v, const std::set<T>& x) {
  ExpectSameSeq(v, x);
}
template <class K, class V, class XK, class XV>
void ExpectSame(const view::Map<K, V>& v, const std::map<XK, XV>& x) {
  ASSERT_EQ(v.size(), x.size());
  auto it = v.begin();
  for (const auto& [k, e] : x) {
    auto [vk, ve] = *it;
    ExpectSame(vk, k);
    ExpectSame(ve, e);
    ++it;
  }
  EXPECT_TRUE(it == v.end());
}

// A field's value (present or read as its default); an optional field is
// present exactly when FastRead sets it.
#define EXPECT_FIELD(f)     \
  do {                      \
    SCOPED_TRACE(#f);       \
    ExpectSame(v.f(), x.f); \
  } while (0)
#define EXPECT_OPTIONAL(f)               \
  do {                                   \
    SCOPED_TRACE(#f);                    \
    EXPECT_EQ(v.has_##f(), x.has_##f()); \
    if (x.has_##f()) {                   \
      ExpectSame(v.f(), x.f);            \
    }                                    \
  } while (0)

void ExpectSame(const c::Scalars::View& v, const c::Scalars& x) {
  EXPECT_FIELD(b);
  EXPECT_FIELD(i8v);
  EXPECT_FIELD(i16v);
  EXPECT_FIELD(i32v);
  EXPECT_FIELD(i64v);
  EXPECT_FIELD(d);
  EXPECT_FIELD(s);
  EXPECT_FIELD(bin);
  EXPECT_FIELD(color);
}
void ExpectSame(const c::Defaults::View& v, const c::Defaults& x) {
  EXPECT_FIELD(answer);
  EXPECT_FIELD(greeting);
  EXPECT_FIELD(ratio);
  EXPECT_FIELD(color);
  EXPECT_FIELD(primes);
  EXPECT_FIELD(flag);
}
void ExpectSame(const c::Requiredness::View& v, const c::Requiredness& x) {
  EXPECT_FIELD(id);
  EXPECT_OPTIONAL(note);
  EXPECT_OPTIONAL(count);
  EXPECT_FIELD(plain);
  EXPECT_OPTIONAL(tags);
  EXPECT_FIELD(name);
}
void ExpectSame(const c::Numbers::View& v, const c::Numbers& x) {
  EXPECT_FIELD(i16s);
  EXPECT_FIELD(i32s);
  EXPECT_FIELD(i64s);
  EXPECT_FIELD(doubles);
  EXPECT_FIELD(bytes);
  EXPECT_FIELD(bools);
  EXPECT_FIELD(ids);
  EXPECT_FIELD(colors);
}
void ExpectSame(const c::Containers::View& v, const c::Containers& x) {
  EXPECT_FIELD(strings);
  EXPECT_FIELD(string_set);
  EXPECT_FIELD(counts);
  EXPECT_FIELD(names);
  EXPECT_FIELD(matrix);
  EXPECT_FIELD(groups);
  EXPECT_FIELD(nested);
  EXPECT_FIELD(weights);
  EXPECT_FIELD(blobs);
}
void ExpectSame(const c::Choice::View& v, const c::Choice& x) {
  ASSERT_EQ(v.getType(), x.getType());
  switch (x.getType()) {
    case 1:
      ExpectSame(v.number(), x.number);
      break;
    case 2:
      ExpectSame(v.text(), x.text);
      break;
    case 3:
      ExpectSame(v.scalars(), x.scalars);
      break;
    case 4:
      ExpectSame(v.values(), x.values);
      break;
    default:
      EXPECT_FALSE(v.has_number() || v.has_text() || v.has_scalars() || v.has_values());
  }
}
void ExpectSame(const c::Failure::View& v, const c::Failure& x) {
  EXPECT_FIELD(message);
  EXPECT_FIELD(code);
}
void ExpectSame(const c::Tree::View& v, const c::Tree& x) {
  EXPECT_FIELD(label);
  EXPECT_FIELD(children);
  EXPECT_EQ(v.has_left(), x.left != nullptr);
  if (x.left != nullptr) ExpectSame(v.left(), *x.left);
  EXPECT_EQ(v.has_right(), x.right != nullptr);
  if (x.right != nullptr) ExpectSame(v.right(), *x.right);
}
void ExpectSame(const c::Sparse::View& v, const c::Sparse& x) {
  EXPECT_FIELD(one);
  EXPECT_FIELD(hundred);
  EXPECT_FIELD(max_id);
}
void ExpectSame(const c::Everything::View& v, const c::Everything& x) {
  EXPECT_FIELD(scalars);
  EXPECT_FIELD(defaults);
  EXPECT_FIELD(req);
  EXPECT_FIELD(numbers);
  EXPECT_FIELD(containers);
  EXPECT_FIELD(choice);
  EXPECT_FIELD(failure);
  EXPECT_FIELD(tree);
  EXPECT_FIELD(sparse);
  EXPECT_OPTIONAL(maybe_choice);
  EXPECT_FIELD(choices);
}

// Parses `bytes` as T (over `b`), checks every accessor against FastRead's
// value and ToStruct() against it too.
template <class T>
void CheckView(const Bytes& b, const std::string& bytes) {
  T expected;
  auto r = expected.FastRead(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size());
  ASSERT_TRUE(r.ok()) << r.status();
  auto v = T::View::Parse(b);
  ASSERT_TRUE(v.ok()) << v.status();
  EXPECT_EQ(v->WireOffset(), 0u);
  EXPECT_EQ(v->WireSize(), *r);
  ExpectSame(*v, expected);
  auto back = v->ToStruct();
  ASSERT_TRUE(back.ok()) << back.status();
  EXPECT_TRUE(*back == expected);
}

template <class T>
void CheckRandom(int seeds) {
  for (int seed = 1; seed <= seeds; ++seed) {
    SCOPED_TRACE(std::string(T::kTernTypeInfo.name) + " seed " + std::to_string(seed));
    const std::string bytes = Encode(Random<T>(static_cast<uint64_t>(seed)));
    Bytes contiguous(bytes.data(), bytes.size());
    CheckView<T>(contiguous, bytes);
    // Random cuts into many small segments.
    std::vector<size_t> cuts;
    uint64_t s = static_cast<uint64_t>(seed) * 0x9E3779B97F4A7C15ull;
    for (size_t at = 0;;) {
      s ^= s << 13, s ^= s >> 7, s ^= s << 17;
      at += 1 + s % 13;
      if (at >= bytes.size()) break;
      cuts.push_back(at);
    }
    Bytes segmented(Cut(bytes, cuts));
    CheckView<T>(segmented, bytes);
  }
}

TEST(ViewTest, ScalarsMatchFastRead) { CheckRandom<c::Scalars>(100); }
TEST(ViewTest, DefaultsMatchFastRead) { CheckRandom<c::Defaults>(50); }
TEST(ViewTest, RequirednessMatchesFastRead) { CheckRandom<c::Requiredness>(100); }
TEST(ViewTest, NumbersMatchFastRead) { CheckRandom<c::Numbers>(100); }
TEST(ViewTest, ContainersMatchFastRead) { CheckRandom<c::Containers>(100); }
TEST(ViewTest, UnionsMatchFastRead) { CheckRandom<c::Choice>(100); }
TEST(ViewTest, ExceptionsMatchFastRead) { CheckRandom<c::Failure>(30); }
TEST(ViewTest, RecursiveTreesMatchFastRead) { CheckRandom<c::Tree>(100); }
TEST(ViewTest, SparseIdsMatchFastRead) { CheckRandom<c::Sparse>(30); }
TEST(ViewTest, EverythingMatchesFastRead) { CheckRandom<c::Everything>(100); }

TEST(ViewTest, EverySplitPositionOfASmallMessage) {
  // Seeds until one encodes to a message that is small but rich.
  std::string bytes;
  for (uint64_t seed = 1; bytes.size() < 600 || bytes.size() > 4096; ++seed) {
    testing::RandomValue rv(seed, 3, 4);
    c::Everything v;
    rv.Fill(c::Everything::kTernTypeInfo, &v);
    bytes = Encode(v);
  }
  for (size_t cut = 1; cut < bytes.size(); ++cut) {
    SCOPED_TRACE("cut at " + std::to_string(cut));
    Bytes two(Cut(bytes, {cut}));
    ASSERT_EQ(two.segments(), 2u);
    CheckView<c::Everything>(two, bytes);
    if (::testing::Test::HasFailure()) break;
  }
  // One byte a segment: every value straddles.
  std::vector<size_t> all;
  for (size_t i = 1; i < bytes.size(); ++i) all.push_back(i);
  Bytes ones(Cut(bytes, all));
  CheckView<c::Everything>(ones, bytes);
}

TEST(ViewTest, AbsentFieldsReadTheIdlDefaults) {
  const std::string empty(1, '\0');  // a struct with only its stop byte
  Bytes b(empty.data(), empty.size());
  auto v = c::Defaults::View::Parse(b);
  ASSERT_TRUE(v.ok()) << v.status();
  EXPECT_FALSE(v->has_answer());
  EXPECT_EQ(v->answer(), 42);
  EXPECT_EQ(v->greeting().str(), "hello");
  EXPECT_EQ(v->ratio(), 0.5);
  EXPECT_EQ(v->color(), c::Color::GREEN);
  EXPECT_EQ(v->primes().ToVector(), (std::vector<int32_t>{2, 3, 5, 7}));
  EXPECT_TRUE(v->flag());
  // What FastRead gives a fresh object.
  c::Defaults fresh;
  ASSERT_TRUE(fresh.FastRead(reinterpret_cast<const uint8_t*>(empty.data()), 1).ok());
  ExpectSame(*v, fresh);
  // An empty (default-constructed) view reads defaults too.
  c::Defaults::View none;
  EXPECT_EQ(none.answer(), 42);
  EXPECT_EQ(none.primes().size(), 4u);
}

TEST(ViewTest, UnknownFieldsAreSkipped) {
  // A newer peer's Scalars read with the old schema ScalarsV1.
  for (uint64_t seed = 1; seed <= 50; ++seed) {
    const c::Scalars full = Random<c::Scalars>(seed);
    const std::string bytes = Encode(full);
    Bytes b(bytes.data(), bytes.size());
    auto v = c::ScalarsV1::View::Parse(b);
    ASSERT_TRUE(v.ok()) << v.status();
    EXPECT_EQ(v->b(), full.b);
    EXPECT_EQ(v->i64v(), full.i64v);
    EXPECT_EQ(v->s().str(), full.s);
    EXPECT_EQ(v->WireSize(), bytes.size());
  }
}

// Hand-built Binary: fields in reverse order, a repeated field (the last one
// wins, as in FastRead), a known id with another wire type (skipped).
TEST(ViewTest, UnusualFieldOrderRepeatsAndTypeMismatches) {
  std::string w;
  auto put = [&w](std::initializer_list<int> bytes) {
    for (int x : bytes) w.push_back(static_cast<char>(x));
  };
  put({8, 0, 9, 0, 0, 0, 2});               // 9: color = GREEN
  put({11, 0, 7, 0, 0, 0, 2, 'h', 'i'});    // 7: s = "hi"
  put({10, 0, 5, 0, 0, 0, 0, 0, 0, 0, 1});  // 5: i64v = 1
  put({11, 0, 4, 0, 0, 0, 1, 'x'});         // 4: i32v as a string: skipped
  put({10, 0, 5, 0, 0, 0, 0, 0, 0, 0, 9});  // 5: i64v = 9 (wins)
  put({2, 0, 1, 1});                        // 1: b = true
  put({0});
  Bytes b(w.data(), w.size());
  auto v = c::Scalars::View::Parse(b);
  ASSERT_TRUE(v.ok()) << v.status();
  EXPECT_EQ(v->color(), c::Color::GREEN);
  EXPECT_EQ(v->s().str(), "hi");
  EXPECT_EQ(v->i64v(), 9);
  EXPECT_FALSE(v->has_i32v());
  EXPECT_EQ(v->i32v(), 0);
  EXPECT_TRUE(v->b());
  c::Scalars x;
  ASSERT_TRUE(x.FastRead(reinterpret_cast<const uint8_t*>(w.data()), w.size()).ok());
  EXPECT_EQ(x.i64v, 9);
  EXPECT_EQ(x.i32v, 0);
}

// The index pass accepts exactly what FastRead accepts, with the same status
// code: every truncation, and every byte overwritten with boundary values.
template <class T>
void CheckSameVerdict(const std::string& bytes, const Limits& limits) {
  T x;
  ReadContext fctx{limits};
  auto fr = x.FastRead(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size(), fctx);
  Bytes b(bytes.data(), bytes.size());
  ReadContext vctx{limits};
  auto v = T::View::Parse(b, vctx);
  ASSERT_EQ(v.ok(), fr.ok()) << "FastRead: " << (fr.ok() ? "ok" : fr.status().ToString())
                             << "; view: " << (v.ok() ? "ok" : v.status().ToString());
  if (!fr.ok()) {
    EXPECT_EQ(v.status().code(), fr.status().code());
    EXPECT_EQ(vctx.depth, 0);
    return;
  }
  EXPECT_EQ(v->WireSize(), *fr);
  // Values are compared where the input is what a writer produces (each
  // field once). A struct-typed field repeated in one message is where the
  // two differ by design: FastRead merges the occurrences into one object,
  // a view reads the last (view.h).
  if (Encode(x) == bytes.substr(0, *fr)) ExpectSame(*v, x);
}

TEST(ViewTest, AcceptsExactlyWhatFastReadAccepts) {
  Limits limits;
  std::string bytes;
  for (uint64_t seed = 7; bytes.size() < 300 || bytes.size() > 2048; ++seed) {
    testing::RandomValue rv(seed, 3, 4);
    c::Everything v;
    rv.Fill(c::Everything::kTernTypeInfo, &v);
    bytes = Encode(v);
  }
  for (size_t n = 0; n < bytes.size(); ++n) {
    SCOPED_TRACE("truncated to " + std::to_string(n));
    CheckSameVerdict<c::Everything>(bytes.substr(0, n), limits);
    if (::testing::Test::HasFatalFailure()) return;
  }
  for (size_t i = 0; i < bytes.size(); ++i) {
    for (int value : {0x00, 0x01, 0x0B, 0x0F, 0x7F, 0x80, 0xFF}) {
      std::string bad = bytes;
      bad[i] = static_cast<char>(value);
      SCOPED_TRACE("byte " + std::to_string(i) + " = " + std::to_string(value));
      CheckSameVerdict<c::Everything>(bad, limits);
      if (::testing::Test::HasFatalFailure()) return;
    }
  }
}

TEST(ViewTest, EmptyContainersMayNameAnyElementType) {
  // FastRead ignores the element type of an empty container of a known
  // field; so must the view, also when it steps over one inside another.
  c::Containers x;
  x.nested = {{{1, {}}}, {{2, {"x"}}}};
  std::string bytes = Encode(x);
  // The empty set: element type 11 (string), count 0.
  const size_t at = bytes.find(std::string("\x0B\x00\x00\x00\x00", 5));
  ASSERT_NE(at, std::string::npos);
  bytes[at] = 0;
  CheckSameVerdict<c::Containers>(bytes, DefaultLimits());
  Bytes b(bytes.data(), bytes.size());
  auto v = c::Containers::View::Parse(b);
  ASSERT_TRUE(v.ok()) << v.status();
  ExpectSame(v->nested(), x.nested);
}

TEST(ViewTest, LimitsAreTheFastReadLimits) {
  c::Containers x;
  x.strings = {std::string(100, 'a'), "b"};
  x.matrix = {{1, 2, 3}, {4}};
  x.counts = {{"k", 1}, {"l", 2}};
  const std::string bytes = Encode(x);
  Limits strings;
  strings.max_string = 50;
  Limits containers;
  containers.max_container = 2;
  Limits depth;
  depth.max_depth = 1;  // the struct itself; matrix needs 2
  for (const Limits* l : {&strings, &containers, &depth}) {
    CheckSameVerdict<c::Containers>(bytes, *l);
    Bytes b(bytes.data(), bytes.size());
    ReadContext ctx{*l};
    EXPECT_FALSE(c::Containers::View::Parse(b, ctx).ok());
  }
}

TEST(ViewTest, DepthBombFailsCleanly) {
  // Tree.children nested 100000 deep: list<Tree> -> Tree -> list<Tree> ...
  std::string w;
  const int levels = 100000;
  for (int i = 0; i < levels; ++i) {
    w += std::string("\x0F\x00\x02\x0C\x00\x00\x00\x01", 8);  // 2: children, one Tree
  }
  Bytes b(w.data(), w.size());
  auto v = c::Tree::View::Parse(b);
  ASSERT_FALSE(v.ok());
  EXPECT_EQ(v.status().code(), StatusCode::kResourceExhausted) << v.status();
}

TEST(ViewTest, ForgedCountsAreCheckedBeforeUse) {
  // 3: i64s with 2^31-1 elements in a 20-byte message.
  std::string w = std::string("\x0F\x00\x03\x0A\x7F\xFF\xFF\xFF", 8) + std::string(12, '\0');
  Bytes b(w.data(), w.size());
  auto v = c::Numbers::View::Parse(b);
  ASSERT_FALSE(v.ok());
  CheckSameVerdict<c::Numbers>(w, DefaultLimits());
}

TEST(ViewTest, StringsPointIntoTheReceivedBlock) {
  c::Scalars x;
  x.s = std::string(1000, 's');
  const std::string bytes = Encode(x);
  Slice block = Slice::Copy(bytes.data(), bytes.size());
  Bytes b(block);
  auto v = c::Scalars::View::Parse(b);
  ASSERT_TRUE(v.ok());
  const view::String s = v->s();
  ASSERT_TRUE(s.contiguous());
  EXPECT_GE(reinterpret_cast<const uint8_t*>(s.view().data()), block.data());
  EXPECT_LT(reinterpret_cast<const uint8_t*>(s.view().data()), block.data() + block.size());
  const Slice shared = s.ToSlice();
  EXPECT_EQ(shared.block(), block.block()) << "ToSlice must share the block, not copy";
  EXPECT_EQ(shared.view(), x.s);
}

TEST(ViewTest, StraddlingStringsCopyOnlyWhenAsked) {
  c::Scalars x;
  x.s = "0123456789";
  const std::string bytes = Encode(x);
  const size_t at = bytes.find("0123456789");
  ASSERT_NE(at, std::string::npos);
  Bytes b(Cut(bytes, {at + 5}));
  auto v = c::Scalars::View::Parse(b);
  ASSERT_TRUE(v.ok());
  const view::String s = v->s();
  EXPECT_FALSE(s.contiguous());
  EXPECT_TRUE(s.view().empty());
  std::string scratch;
  EXPECT_EQ(s.view(&scratch), x.s);
  EXPECT_EQ(s.str(), x.s);
}

TEST(ViewTest, BulkCopyOfNumericListsAcrossSegments) {
  c::Numbers x;
  for (int i = 0; i < 1000; ++i) {
    x.i16s.push_back(static_cast<int16_t>(i * 37));
    x.i32s.push_back(i * 100003);
    x.i64s.push_back(int64_t{i} * 0x1234567891LL);
    x.doubles.push_back(i * 0.25 - 7);
  }
  const std::string bytes = Encode(x);
  // Cuts at odd offsets: elements straddle.
  std::vector<size_t> cuts;
  for (size_t at = 101; at < bytes.size(); at += 997) cuts.push_back(at);
  Bytes b(Cut(bytes, cuts));
  auto v = c::Numbers::View::Parse(b);
  ASSERT_TRUE(v.ok());
  ExpectSame(*v, x);
  EXPECT_EQ(v->i64s().ToVector(), x.i64s);
  EXPECT_EQ(v->doubles().ToVector(), x.doubles);
}

TEST(ViewTest, TakesBytesFromALinkBufferWithoutCopying) {
  const tern::bench::serde::Request req{"echo", std::string(200000, 'm')};
  const std::string bytes = Encode(req);
  LinkBuffer in;
  // Several blocks: write in pieces, each flushed.
  for (size_t off = 0; off < bytes.size(); off += 50000) {
    in.Write(bytes.data() + off, std::min<size_t>(50000, bytes.size() - off));
    in.Flush();
  }
  auto b = Bytes::Take(in, bytes.size());
  ASSERT_TRUE(b.ok()) << b.status();
  EXPECT_EQ(in.Len(), 0u);
  EXPECT_EQ((*b)->size(), bytes.size());
  auto v = tern::bench::serde::Request::View::Parse(**b);
  ASSERT_TRUE(v.ok()) << v.status();
  EXPECT_EQ(v->action().str(), "echo");
  EXPECT_EQ(v->msg().size(), req.msg.size());
  EXPECT_EQ(v->msg().str(), req.msg);
  EXPECT_FALSE(Bytes::Take(in, 1).ok());
}

TEST(ViewTest, ViewHolderKeepsTheBytes) {
  const c::Scalars x = Random<c::Scalars>(3);
  auto h = view::ViewHolder<c::Scalars::View>::Parse(Slice::FromString(Encode(x)));
  ASSERT_TRUE(h.ok()) << h.status();
  ExpectSame(**h, x);
}

TEST(ViewTest, MissingRequiredFieldFails) {
  c::Requiredness x;
  x.id = 1;
  x.name = "n";
  std::string bytes = Encode(x);
  CheckSameVerdict<c::Requiredness>(bytes, DefaultLimits());
  // Drop field 6 (name, required): rewrite its id to an unknown one.
  const size_t at = bytes.find(std::string("\x0B\x00\x06", 3));
  ASSERT_NE(at, std::string::npos);
  bytes[at + 2] = 0x63;
  Bytes b(bytes.data(), bytes.size());
  auto v = c::Requiredness::View::Parse(b);
  ASSERT_FALSE(v.ok());
  EXPECT_EQ(v.status().code(), StatusCode::kDataLoss);
  EXPECT_EQ(v.status().message(), "Requiredness: required field Requiredness.name is missing");
  CheckSameVerdict<c::Requiredness>(bytes, DefaultLimits());
}

TEST(ViewTest, MixedWorkloadEveryField) {
  tern::bench::serde::Mixed m;
  m.version = 3;
  m.trace_id = "trace";
  m.ids = {1, 2, 3};
  m.attrs = {{"a", "b"}, {"c", "d"}};
  m.items.resize(2);
  m.items[1].name = "second";
  m.items[1].price = 2.5;
  const std::string bytes = Encode(m);
  Bytes b(bytes.data(), bytes.size());
  auto v = tern::bench::serde::Mixed::View::Parse(b);
  ASSERT_TRUE(v.ok());
  EXPECT_TRUE(v->has_version());  // fields of default requiredness are always written
  EXPECT_TRUE(v->has_locale());
  EXPECT_EQ(v->version(), 3);
  EXPECT_EQ(v->trace_id().str(), "trace");
  EXPECT_EQ(v->ids().ToVector(), m.ids);
  std::map<std::string, std::string> attrs;
  for (auto [k, val] : v->attrs()) attrs[k.str()] = val.str();
  EXPECT_EQ(attrs, m.attrs);
  std::vector<std::string> names;
  for (const auto& item : v->items()) names.push_back(item.name().str());
  EXPECT_EQ(names, (std::vector<std::string>{"", "second"}));
}

}  // namespace
}  // namespace tern
