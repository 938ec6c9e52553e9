#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <cstddef>
#include <sstream>
#include <vector>

#include "bench/workloads.h"
#include "collide_services.h"
#include "collide_types.h"
#include "conformance_types.h"
#include "echo_types.h"
#include "everything_types.h"
#include "keys_types.h"
#include "names_services.h"
#include "names_types.h"
#include "serde_types.h"
#include "tern/buffer.h"
#include "tern/testing/random_value.h"
#include "tern/thrift/generic.h"
#include "tern/writer.h"
#include "wide_types.h"

namespace tern {
namespace {

using ::testing::HasSubstr;
namespace serde = ::tern::bench::serde;
namespace ev = ::tern::test::everything;
namespace conf = ::tern::conformance;

template <class T>
std::string Bytes(const T& v) {
  std::string s(v.BLength(), '\0');
  uint8_t* end = v.FastWrite(reinterpret_cast<uint8_t*>(s.data()));
  EXPECT_EQ(end, reinterpret_cast<uint8_t*>(s.data()) + s.size());
  return s;
}

template <class T>
T Read(const std::string& s) {
  T v;
  auto r = v.FastRead(reinterpret_cast<const uint8_t*>(s.data()), s.size());
  EXPECT_TRUE(r.ok()) << r.status();
  if (r.ok()) {
    EXPECT_EQ(*r, s.size());
  }
  return v;
}

// An optional field with an IDL default starts set and is written, as in
// Apache's generated code; cleared, it is absent, and a reader still gets
// the default but not the isset bit.
TEST(GeneratedTest, AnOptionalFieldWithADefaultStartsSet) {
  ev::Address a;
  a.street = "Main";
  EXPECT_TRUE(a.has_city());
  EXPECT_EQ(a.city, "Springfield");
  const std::string with = Bytes(a);
  EXPECT_NE(with.find("Springfield"), std::string::npos);
  EXPECT_TRUE(Read<ev::Address>(with).has_city());
  a.clear_city();
  const std::string without = Bytes(a);
  EXPECT_EQ(without.find("Springfield"), std::string::npos);
  EXPECT_LT(without.size(), with.size());
  // A fresh object starts set, so reading bytes without the field keeps the
  // default and the bit, as Apache's read into a fresh object does.
  const ev::Address back = Read<ev::Address>(without);
  EXPECT_TRUE(back.has_city());
  EXPECT_EQ(back.city, "Springfield");
}

TEST(WorkloadTest, BinarySizesMatchTheSharedWorkloads) {
  // ../shared/bench/README.md gives the Binary size of each workload; a match
  // checks the generator and the fill code at once. (Struct bodies; the
  // envelope is the codec's.)
  serde::Mixed small;
  bench::FillMixed(small, bench::kSmallSeed, bench::kSmallShape);
  EXPECT_EQ(small.BLength(), 19953u);
  auto large = std::make_unique<serde::Mixed>();
  bench::FillMixed(*large, bench::kLargeSeed, bench::kLargeShape);
  EXPECT_EQ(large->BLength(), 6001457u);
  serde::Mixed m15;
  bench::FillMixed(m15, bench::kMixed1k5Seed, bench::kMixed1k5Shape);
  EXPECT_NEAR(static_cast<double>(m15.BLength()), 1500, 200);
  serde::MyTest mt;
  bench::FillMyTest(mt, mt.Ano);
  EXPECT_NEAR(static_cast<double>(mt.BLength()), 1 << 20, 64);
  serde::Request req;
  bench::FillEcho(req, 1024);
  EXPECT_EQ(req.BLength(), 1024u + 19);
  EXPECT_EQ(Read<serde::Mixed>(Bytes(small)), small);
  EXPECT_EQ(Read<serde::MyTest>(Bytes(mt)), mt);
}

// Numeric lists longer than the piece ReadNumbers grows a vector by, read
// into an object whose lists are longer, shorter or absent: the result is the
// wire's lists exactly, whatever was there before.
TEST(GeneratedTest, LongNumericListsReadOverWhatWasThere) {
  conf::Numbers want;
  for (int i = 0; i < 5000; ++i) {
    want.i16s.push_back(static_cast<int16_t>(i * 7 - 9000));
    want.i32s.push_back(i * 104729 - 7);
    want.i64s.push_back(int64_t{i} * 0x123456789LL - 1);
    want.doubles.push_back(i * 0.25 - 3.5);
    want.bytes.push_back(static_cast<int8_t>(i * 13));
  }
  const std::string wire = Bytes(want);
  conf::Numbers longer = want;
  for (int i = 0; i < 3000; ++i) {
    longer.i16s.push_back(1);
    longer.i32s.push_back(2);
    longer.i64s.push_back(3);
    longer.doubles.push_back(4);
    longer.bytes.push_back(5);
  }
  conf::Numbers shorter;
  shorter.i16s = {9, 9};
  shorter.i32s = {9};
  shorter.i64s = {9, 9, 9};
  shorter.doubles = {9.5};
  shorter.bytes = {9};
  for (conf::Numbers* got : {&longer, &shorter}) {
    auto r = got->FastRead(reinterpret_cast<const uint8_t*>(wire.data()), wire.size());
    ASSERT_TRUE(r.ok()) << r.status();
    EXPECT_EQ(*r, wire.size());
    EXPECT_EQ(*got, want);
  }
  EXPECT_EQ(Read<conf::Numbers>(wire), want);
}

// A key repeated on the wire keeps one entry with the last value (as Apache
// Thrift reads it); a repeated set element is kept once; keys out of order
// are still placed in order. Generated readers and the TypeInfo reader agree.
TEST(GeneratedTest, RepeatedMapKeysAndSetElements) {
  auto str = [](const std::string& v) {
    std::string s(4, '\0');
    wire::PutI32(reinterpret_cast<uint8_t*>(s.data()), static_cast<int32_t>(v.size()));
    return s + v;
  };
  auto i64 = [](int64_t v) {
    std::string s(8, '\0');
    wire::PutI64(reinterpret_cast<uint8_t*>(s.data()), v);
    return s;
  };
  std::string wire;
  wire += std::string("\x0e\x00\x02\x0b\x00\x00\x00\x04", 8);  // 2: set<string> of 4
  wire += str("b") + str("a") + str("b") + str("a long element past the small-string size");
  wire += std::string("\x0d\x00\x03\x0b\x0a\x00\x00\x00\x04", 9);  // 3: map<string, i64> of 4
  wire += str("k") + i64(1) + str("j") + i64(2) + str("k") + i64(3) +
          str("a long key past the small-string size") + i64(4);
  wire += '\0';
  conf::Containers want;
  want.string_set = {"a", "b", "a long element past the small-string size"};
  want.counts = {{"j", 2}, {"k", 3}, {"a long key past the small-string size", 4}};
  EXPECT_EQ(Read<conf::Containers>(wire), want);
  conf::Containers g;
  ReadContext ctx{DefaultLimits()};
  auto r = generic::Read(conf::Containers::kTernTypeInfo, &g,
                         reinterpret_cast<const uint8_t*>(wire.data()), wire.size(), ctx);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(g, want);
}

TEST(GeneratedTest, DefaultsFromTheIdl) {
  conf::Defaults d;
  EXPECT_EQ(d.answer, 42);
  EXPECT_EQ(d.greeting, "hello");
  EXPECT_EQ(d.ratio, 0.5);
  EXPECT_EQ(d.color, conf::Color::GREEN);
  EXPECT_EQ(d.primes, (std::vector<int32_t>{2, 3, 5, 7}));
  EXPECT_TRUE(d.flag);
  ev::WithDefaults w;
  EXPECT_EQ(w.address.street, "Main");
  EXPECT_EQ(w.address.zip, 12345);
  EXPECT_EQ(w.statuses, (std::vector<ev::Status>{ev::Status::ACTIVE, ev::Status::SUSPENDED}));
  EXPECT_EQ(w.weights.at("b"), 2.5);
  EXPECT_TRUE(w.has_tags());  // an optional field with a default starts set
  EXPECT_TRUE(w.tags.empty());
  EXPECT_TRUE(w.none.empty());
  EXPECT_EQ(ev::MAX_USERS, 1000);
  EXPECT_EQ(ev::SMALLEST, INT64_MIN);
  EXPECT_EQ(ev::GREETING, "hello \"world\"\n");
  EXPECT_EQ(ev::ORIGIN.x, 0);
  EXPECT_EQ(ev::ROOT, 1000);
  EXPECT_EQ(ev::AGES.at("bob"), 25);
  ev::User u;
  EXPECT_EQ(u.shape, ::tern::test::shared::Shape::SQUARE);
  EXPECT_EQ(u.account, 1000);
}

TEST(GeneratedTest, OptionalFieldsAreWrittenOnlyWhenSet) {
  conf::Requiredness r;
  r.id = 1;
  r.name = "n";
  const size_t without = r.BLength();
  EXPECT_FALSE(r.has_note());
  r.set_note("hello");
  EXPECT_TRUE(r.has_note());
  EXPECT_EQ(r.BLength(), without + 3 + 4 + 5);
  auto back = Read<conf::Requiredness>(Bytes(r));
  EXPECT_TRUE(back.has_note());
  EXPECT_FALSE(back.has_count());
  EXPECT_EQ(back, r);
  r.clear_note();
  EXPECT_EQ(r.BLength(), without);
}

TEST(GeneratedTest, UnionsCarryOneField) {
  conf::Choice c;
  EXPECT_EQ(c.getType(), 0);
  c.set_text("abc");
  EXPECT_EQ(c.getType(), 2);
  EXPECT_TRUE(c.has_text());
  auto back = Read<conf::Choice>(Bytes(c));
  EXPECT_EQ(back.getType(), 2);
  EXPECT_EQ(back.text, "abc");
  c.set_number(5);
  EXPECT_EQ(Bytes(c).size(), 1u + 3 + 4);
}

TEST(GeneratedTest, RecursiveStructsThroughRefsAndContainers) {
  conf::Tree t;
  t.label = "root";
  t.children.resize(2);
  t.children[1].label = "child";
  conf::Tree left;
  left.label = "left";
  t.set_left(left);
  auto back = Read<conf::Tree>(Bytes(t));
  ASSERT_NE(back.left, nullptr);
  EXPECT_EQ(back.left->label, "left");
  EXPECT_EQ(back.right, nullptr);
  EXPECT_EQ(back, t);
}

// A null required `&` field is written as an empty struct (what Apache
// Thrift's C++ writes), by the generated and the generic writer alike, and
// reads back as a default value; a null optional one stays off the wire.
TEST(GeneratedTest, ANullRequiredRefIsWrittenAsAnEmptyStruct) {
  conf::RequiredRef r;
  r.n = 7;
  const std::string want = {0x08, 0x00, 0x02, 0x00,
                            0x00, 0x00, 0x07,        // 2: i32 7 (fixed-size fields first)
                            0x0c, 0x00, 0x01, 0x00,  // 1: an empty Sparse
                            0x00};
  EXPECT_EQ(Bytes(r), want);
  const TypeInfo& t = conf::RequiredRef::kTernTypeInfo;
  ASSERT_EQ(generic::BLength(t, &r), want.size());
  std::string g(want.size(), '\0');
  EXPECT_EQ(generic::Write(t, &r, reinterpret_cast<uint8_t*>(g.data())),
            reinterpret_cast<uint8_t*>(g.data()) + g.size());
  EXPECT_EQ(g, want);
  LinkBuffer buf;
  Writer w(buf);
  ASSERT_TRUE(t.write_ref(&r, w).ok());
  buf.Flush();
  std::string by_ref;
  ASSERT_TRUE(buf.ReadString(buf.Len(), &by_ref).ok());
  EXPECT_EQ(by_ref, want);

  const auto back = Read<conf::RequiredRef>(want);
  ASSERT_NE(back.sparse, nullptr);
  EXPECT_EQ(*back.sparse, conf::Sparse{});
  EXPECT_EQ(back.n, 7);
  EXPECT_EQ(back.tree, nullptr);
  // Set, it is written as any struct field.
  r.sparse = std::make_unique<conf::Sparse>();
  r.sparse->one = 5;
  EXPECT_EQ(*Read<conf::RequiredRef>(Bytes(r)).sparse, *r.sparse);
}

TEST(GeneratedTest, UnknownEnumValuesAreKept) {
  conf::Scalars s;
  s.color = static_cast<conf::Color>(12345);
  EXPECT_EQ(static_cast<int32_t>(Read<conf::Scalars>(Bytes(s)).color), 12345);
  std::ostringstream os;
  os << conf::Color::BLUE << " " << static_cast<conf::Color>(99);
  EXPECT_EQ(os.str(), "BLUE 99");
}

TEST(GeneratedTest, OlderSchemaSkipsNewFields) {
  conf::Scalars s;
  s.b = true;
  s.i64v = 77;
  s.s = "keep";
  s.d = 1.5;
  s.bin = "\x01\x02";
  auto old = Read<conf::ScalarsV1>(Bytes(s));
  EXPECT_TRUE(old.b);
  EXPECT_EQ(old.i64v, 77);
  EXPECT_EQ(old.s, "keep");
}

TEST(GeneratedTest, WideStructsUseSeveralIssetAndRequiredWords) {
  ::tern::test::wide::Wide w;
  w.set_f3(2.5);
  w.set_f69(69.5);
  w.f70 = true;
  auto back = Read<::tern::test::wide::Wide>(Bytes(w));
  EXPECT_TRUE(back.has_f3());
  EXPECT_TRUE(back.has_f69());
  EXPECT_FALSE(back.has_f66());
  EXPECT_EQ(back, w);
}

TEST(GeneratedTest, PrinterIsReadable) {
  conf::Scalars s;
  s.i32v = 7;
  s.s = std::string(100, 'x');
  s.color = conf::Color::RED;
  std::ostringstream os;
  os << s;
  EXPECT_THAT(os.str(), HasSubstr("Scalars{b=false, i8v=0, i16v=0, i32v=7"));
  EXPECT_THAT(os.str(), HasSubstr("...(100 bytes)"));
  EXPECT_THAT(os.str(), HasSubstr("color=RED}"));

  // A union's active field, or an optional field first set, prints with no
  // separator before it.
  conf::Choice c;
  c.set_text("hi");
  std::ostringstream oc;
  oc << c;
  EXPECT_EQ(oc.str(), "Choice{text=\"hi\"}");
  ::tern::test::keys::Point p;
  p.set_label("L");
  std::ostringstream op;
  op << p;
  EXPECT_EQ(op.str(), "Point{x=0, y=0, label=\"L\"}");

  // A recursive field prints its value, or null.
  ::tern::test::keys::Cell cell;
  cell.where = p;
  ::tern::test::keys::Cell next;
  next.where.x = 9;
  cell.set_next(next);
  std::ostringstream ocell;
  ocell << cell;
  EXPECT_THAT(ocell.str(), HasSubstr("next=Cell{where=Point{x=9, y=0}, path=[]}"));
}

TEST(GeneratedTest, WriteAppendsLargeStringsByReference) {
  serde::Request req;
  req.action = "echo";
  req.msg.assign(1 << 20, 'm');
  LinkBuffer out;
  int released = 0;
  {
    // The owner: a Slice whose release marks the request as free to go.
    Slice owner = Slice::External(
        &req, 0, [](void* ctx, const uint8_t*, size_t) { ++*static_cast<int*>(ctx); }, &released);
    Writer w(out, owner);
    ASSERT_TRUE(req.Write(w).ok());
  }
  out.Flush();
  EXPECT_EQ(released, 0) << "the bytes in the buffer still hold the owner";
  EXPECT_EQ(out.Len(), req.BLength());
  iovec iov[16];
  const size_t n = out.ReadableIovecs(iov, 16);
  bool found = false;
  for (size_t i = 0; i < n; ++i) found = found || iov[i].iov_base == req.msg.data();
  EXPECT_TRUE(found) << "msg's bytes are linked in place, not copied";
  std::string bytes;
  ASSERT_TRUE(out.ReadString(out.Len(), &bytes).ok());
  EXPECT_EQ(bytes, Bytes(req));
  out.Release();
  EXPECT_EQ(released, 1);
}

// The streaming by-reference writer (tern_write_ref) writes the bytes
// FastWrite writes, wherever the buffer's tail block leaves off (it fills
// the tail's free space, then reserves more as it goes), with large strings
// at every nesting level linked in place and numeric lists larger than a
// region split across regions.
conf::Everything LargeEverything(size_t big) {
  conf::Everything e;
  ::tern::testing::RandomValue(3, 4, 3).Fill(conf::Everything::kTernTypeInfo, &e);
  const std::string s(big, 's');
  e.scalars.s = s + "scalar";
  e.containers.strings = {"a", s + "list", "", s};
  e.containers.string_set = {s + "set1", "x", s + "set2"};
  e.containers.names[7] = s + "map value";
  e.containers.counts[s + "map key"] = 9;
  e.containers.groups[s + "group"].resize(2);
  e.containers.groups[s + "group"][1].bin = s + "nested binary";
  e.containers.nested.resize(2);
  e.containers.nested[1][3] = {s + "deep", "shallow"};
  e.containers.blobs = {s + "blob"};
  e.choice.set_text(s + "union");
  e.numbers.i64s.resize(300000);  // 2.4 MB: more than one region
  for (size_t i = 0; i < e.numbers.i64s.size(); ++i) e.numbers.i64s[i] = int64_t(i) * 7919;
  e.numbers.i16s.assign(70000, -3);
  e.numbers.bytes.assign(3 << 20, 5);  // list<byte>: copied in pieces
  e.numbers.bools.assign(9000, true);
  e.numbers.colors.assign(5000, conf::Color::BLUE);
  return e;
}

TEST(GeneratedTest, StreamingWriteMatchesFastWriteWhereverTheTailLeavesOff) {
  const conf::Everything e = LargeEverything(Writer::kDefaultRefThreshold);
  const std::string want = Bytes(e);
  const Slice owner = Slice::External(nullptr, 0, nullptr, nullptr);
  for (const bool by_ref : {false, true}) {
    for (const size_t before :
         {size_t{0}, size_t{1}, size_t{5}, size_t{100}, LinkBuffer::kDefaultBlockSize - 7,
          LinkBuffer::kDefaultBlockSize - 1, LinkBuffer::kDefaultBlockSize + 3}) {
      SCOPED_TRACE(::testing::Message()
                   << "by_ref " << by_ref << ", " << before << " bytes before");
      LinkBuffer out;
      out.Write(std::string(before, '-').data(), before);
      Writer w = by_ref ? Writer(out, owner) : Writer(out);
      ASSERT_TRUE(e.tern_write_ref(w).ok());
      ASSERT_TRUE(out.Malloc(1).ok());  // the buffer is usable after
      out.Flush();
      ASSERT_EQ(out.Len(), before + want.size() + 1);
      iovec iov[1024];
      const size_t n = out.ReadableIovecs(iov, 1024);
      size_t linked = 0;
      for (size_t i = 0; i < n; ++i) {
        linked += iov[i].iov_base == e.scalars.s.data() ? 1 : 0;
        linked += iov[i].iov_base == e.containers.names.at(7).data() ? 1 : 0;
        linked += iov[i].iov_base == e.containers.nested[1].at(3).rbegin()->data() ? 1 : 0;
      }
      EXPECT_EQ(linked, by_ref ? 3u : 0u);
      std::string got;
      ASSERT_TRUE(out.ReadString(out.Len(), &got).ok());
      EXPECT_EQ(got.substr(0, before), std::string(before, '-'));
      EXPECT_TRUE(got.substr(before, want.size()) == want);
      EXPECT_EQ(Read<conf::Everything>(got.substr(before, want.size())), e);
    }
  }
  // Just under the threshold, nothing is linked.
  const conf::Everything under = LargeEverything(Writer::kDefaultRefThreshold - 7);
  LinkBuffer out;
  Writer w(out, owner);
  ASSERT_TRUE(under.tern_write_ref(w).ok());
  out.Flush();
  std::string got;
  ASSERT_TRUE(out.ReadString(out.Len(), &got).ok());
  EXPECT_TRUE(got == Bytes(under));
}

// Random values of every conformance type: the streaming writer and
// FastWrite agree byte for byte.
TEST(GeneratedTest, StreamingWriteMatchesFastWriteOnRandomValues) {
  const Slice owner = Slice::External(nullptr, 0, nullptr, nullptr);
  for (uint64_t seed = 1; seed <= 40; ++seed) {
    conf::Everything e;
    ::tern::testing::RandomValue(seed, 6, 4).Fill(conf::Everything::kTernTypeInfo, &e);
    LinkBuffer out;
    out.Write("xyz", seed % 4);
    Writer w(out, owner, 16);  // a low threshold: many strings by reference
    ASSERT_TRUE(e.tern_write_ref(w).ok());
    out.Flush();
    std::string got;
    ASSERT_TRUE(out.ReadString(out.Len(), &got).ok());
    EXPECT_TRUE(got.substr(seed % 4) == Bytes(e)) << "seed " << seed;
  }
}

TEST(GeneratedTest, WriteWithoutOwnerCopiesInOnePiece) {
  serde::Mixed m;
  bench::FillMixed(m, bench::kMixed1k5Seed, bench::kMixed1k5Shape);
  LinkBuffer out;
  Writer w(out);
  ASSERT_TRUE(m.Write(w).ok());
  out.Flush();
  std::string bytes;
  ASSERT_TRUE(out.ReadString(out.Len(), &bytes).ok());
  EXPECT_EQ(bytes, Bytes(m));
}

// Structs, unions and enums as set elements and map keys (keys.thrift):
// generated operator< is a strict weak order consistent with ==, so the
// containers hold what was put in and the bytes round-trip.
namespace keys = ::tern::test::keys;

keys::Point P(int32_t x, int32_t y) {
  keys::Point p;
  p.x = x;
  p.y = y;
  return p;
}

TEST(GeneratedTest, StructOrderIsAStrictWeakOrderConsistentWithEquality) {
  std::vector<keys::Point> pts = {P(0, 0), P(0, 1), P(1, 0), P(-1, 5), P(0, 0)};
  pts[4].set_label("a");  // same x, y as pts[0]; an unset optional sorts first
  keys::Point b = pts[4];
  b.set_label("b");
  pts.push_back(b);
  for (const auto& a : pts) {
    EXPECT_FALSE(a < a);
    for (const auto& c : pts) {
      EXPECT_EQ(a == c, !(a < c) && !(c < a)) << a << " vs " << c;
      if (a < c) {
        EXPECT_FALSE(c < a) << a << " vs " << c;
      }
    }
  }
  EXPECT_TRUE(pts[0] < pts[4]);
  EXPECT_TRUE(pts[4] < b);
  EXPECT_TRUE(pts[3] < pts[0]);  // x first

  keys::Id n, s, at;
  n.set_number(5);
  s.set_name("five");
  at.set_at(P(1, 2));
  EXPECT_TRUE(n < s);  // by the active field's id, then its value
  EXPECT_TRUE(s < at);
  keys::Id n2;
  n2.set_number(6);
  EXPECT_TRUE(n < n2);
  EXPECT_FALSE(n2 < n);

  keys::Cell c1, c2;
  c1.where = P(1, 1);
  c2.where = P(1, 1);
  EXPECT_FALSE(c1 < c2);
  keys::Cell next;
  next.where = P(2, 2);
  c2.set_next(next);  // a recursive field: unset before set
  EXPECT_TRUE(c1 < c2);
  EXPECT_FALSE(c2 < c1);
}

TEST(GeneratedTest, StructsAsSetElementsAndMapKeysRoundTrip) {
  keys::Board b;
  for (int i = 0; i < 5; ++i) b.points.insert(P(i % 3, i));
  b.points.insert(P(0, 0));  // a duplicate: the set keeps one
  EXPECT_EQ(b.points.size(), 5u);
  b.labels[P(1, 2)] = "one-two";
  b.labels[P(-1, 2)] = "minus";
  keys::Id id;
  id.set_name("home");
  b.by_id[id] = {P(1, 1), P(2, 2)};
  b.ids.insert(id);
  id.set_number(3);
  b.ids.insert(id);
  b.tiers[keys::Tier::TEAM] = {P(7, 7)};
  keys::Cell c;
  c.where = P(3, 3);
  b.cells.insert(c);
  b.nested["k"][P(0, 1)] = id;
  b.set_groups({{P(1, 1)}, {P(0, 0), P(2, 2)}});
  const keys::Board back = Read<keys::Board>(Bytes(b));
  EXPECT_EQ(back, b);
  ASSERT_EQ(back.labels.size(), 2u);
  EXPECT_EQ(back.labels.begin()->first, P(-1, 2)) << "std::map order is the struct order";
}

// names.thrift: structs named View and Builder get their nested view and
// builder classes under other names; a method named foo_async does not
// collide with foo's Future-returning variant.
TEST(GeneratedTest, NamesThatCollideWithGeneratedOnesStillWork) {
  namespace nm = ::tern::test::names;
  nm::Builder b;
  b.v.a = 7;
  EXPECT_EQ(b.status, nm::Status::EOF_);  // C macros are escaped
  nm::Holder h;
  h.by_view[b.v] = b;
  h.set_maybe(b.v);
  EXPECT_EQ(Read<nm::Holder>(Bytes(h)), h);
  const std::string wire = Bytes(b);
  ::tern::view::Bytes bytes(wire.data(), wire.size());
  auto view = nm::Builder::TernView::Parse(bytes);
  ASSERT_TRUE(view.ok()) << view.status();
  EXPECT_EQ(view->v().a(), 7);
  // Mutually recursive structs, and members renamed where they would be
  // another field's accessor (has_x_ beside has_x()).
  nm::Ping ping;
  nm::Pong pong;
  pong.n = 3;
  nm::Ping inner;
  inner.pongs.push_back(pong);
  pong.set_ping(inner);
  ping.set_pong(pong);
  EXPECT_EQ(Read<nm::Ping>(Bytes(ping)), ping);
  nm::Accessors acc;
  acc.has_x_ = 1;
  acc.set_x_ = 2;
  acc.clear_x_ = 3;
  EXPECT_FALSE(acc.has_x());
  acc.set_x(4);
  EXPECT_TRUE(acc.has_x());
  EXPECT_EQ(Read<nm::Accessors>(Bytes(acc)), acc);
  nm::Tagged t;
  t.set_has_type(true);
  EXPECT_TRUE(t.has_has_type());
  EXPECT_FALSE(t.has_type());
  EXPECT_EQ(Read<nm::Tagged>(Bytes(t)), t);
  // Both client methods exist with their own signatures.
  using Client = nm::NamesClient;
  static_assert(std::is_same_v<decltype(&Client::foo_async),
                               int32_t (Client::*)(int32_t, const ::tern::rpc::CallOptions&)>);
  static_assert(
      std::is_same_v<decltype(&Client::foo_async_), ::tern::rpc::Future<int32_t> (Client::*)(
                                                        int32_t, const ::tern::rpc::CallOptions&)>);
}

// collide.thrift: names that hide ::std, C macros, the members of an
// allocator-aware struct, or the accessors of the result's `success` are
// renamed, and the renamed members still round-trip.
// A map key that comes twice on the wire: the later value wins whole — a
// struct value does not keep fields only the earlier one set — in FastRead,
// the TypeInfo walker and a view's ToStruct alike.
TEST(GeneratedTest, ARepeatedMapKeyTakesTheLaterStructValueWhole) {
  namespace nm = ::tern::test::names;
  nm::View key;
  key.a = 1;
  nm::Builder first;
  first.v.a = 5;
  first.status = nm::Status::DOMAIN;
  std::string wire(1, static_cast<char>(TType::kMap));
  wire += std::string("\0\1", 2);
  wire += static_cast<char>(TType::kStruct);
  wire += static_cast<char>(TType::kStruct);
  wire += std::string("\0\0\0\2", 4);
  wire += Bytes(key) + Bytes(first) + Bytes(key) + std::string(1, '\0');  // later: no fields
  wire += '\0';
  nm::Holder fast;
  auto r = fast.FastRead(reinterpret_cast<const uint8_t*>(wire.data()), wire.size());
  ASSERT_TRUE(r.ok()) << r.status();
  ASSERT_EQ(fast.by_view.size(), 1u);
  EXPECT_EQ(fast.by_view.at(key), nm::Builder{});
  nm::Holder walked;
  ReadContext ctx{DefaultLimits()};
  ASSERT_TRUE(generic::Read(nm::Holder::kTernTypeInfo, &walked,
                            reinterpret_cast<const uint8_t*>(wire.data()), wire.size(), ctx)
                  .ok());
  EXPECT_EQ(walked, fast);
  ::tern::view::Bytes bytes(wire.data(), wire.size());
  auto view = nm::Holder::View::Parse(bytes);
  ASSERT_TRUE(view.ok()) << view.status();
  auto viewed = view->ToStruct();
  ASSERT_TRUE(viewed.ok()) << viewed.status();
  EXPECT_EQ(*viewed, fast);
}

TEST(GeneratedTest, NamesThatCollideWithCppOrTheResultStructStillWork) {
  namespace co = ::tern::test::collide::std_;
  EXPECT_EQ(static_cast<int32_t>(co::Errno::EINVAL_), 22);
  EXPECT_EQ(static_cast<int32_t>(co::Errno::NAN_), 3);
  co::allocator_type_ a;
  EXPECT_EQ(a.offsetof_, co::Errno::EINVAL_);
  a.get_allocator_ = "g";
  a.allocator_type_2 = "t";
  a.EOF_ = 1;
  a.stdin_ = {"x", "y"};
  EXPECT_EQ(Read<co::allocator_type_>(Bytes(a)), a);
  // Twin.Twin cannot be `Twin`, and Twin_ is field 2's name: it is Twin_2;
  // Twin__ has a reserved "__" and is Twin_u_.
  EXPECT_EQ(co::Twin::kTernTypeInfo.fields[0].offset, offsetof(co::Twin, Twin_2));
  EXPECT_EQ(co::Twin::kTernTypeInfo.fields[1].offset, offsetof(co::Twin, Twin_));
  EXPECT_EQ(co::Twin::kTernTypeInfo.fields[2].offset, offsetof(co::Twin, Twin_u_));
  co::Twin twin;
  twin.Twin_2 = 1;
  twin.Twin_ = 2;
  twin.Twin_u_ = 3;
  EXPECT_EQ(Read<co::Twin>(Bytes(twin)), twin);
  const co::Nothing none;
  EXPECT_EQ(none.getType(), 0);
  EXPECT_EQ(Read<co::Nothing>(Bytes(none)), none);
  EXPECT_EQ(co::kTwice.size(), 2u);
  EXPECT_EQ(co::kTwice.at(1), "last");
  co::Expr e;
  e.op = "+";
  e.params.resize(2);
  e.params[0].name = "a";
  e.params[1].value.op = "neg";
  e.named["k"].value.params.resize(1);
  EXPECT_EQ(Read<co::Expr>(Bytes(e)), e);

  // The exception named `success` is success_ in the result struct; the
  // others keep their IDL names in their accessors.
  co::Collide_success_result r;
  r.set_success(5);
  co::Oops oops;
  oops.message = "m";
  r.set_success_(oops);
  co::Other other;
  other.what = 7;
  r.set_has_success(other);
  r.set_set_success(oops);
  const auto back = Read<co::Collide_success_result>(Bytes(r));
  EXPECT_EQ(back, r);
  EXPECT_EQ(back.success, 5);
  EXPECT_EQ(back.success_.message, "m");
  EXPECT_EQ(back.has_success__.what, 7);
  co::Collide_success_args args;
  args.x = 1;
  args.has_x_ = 2;
  args.set_x_ = 3;
  EXPECT_EQ(Read<co::Collide_success_args>(Bytes(args)), args);
  static_assert(std::is_same_v<decltype(&co::CollideClient::Collide_plain_args),
                               int32_t (co::CollideClient::*)(co::allocator_type_, co::Nothing,
                                                              const ::tern::rpc::CallOptions&)>);
}

}  // namespace
}  // namespace tern
