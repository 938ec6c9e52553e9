// DecodeView over messages Apache Thrift 0.17's C++ library wrote: the
// conformance `Everything` struct with seeded random values, through
// Apache's generated code and TBinaryProtocol (strict and non-strict
// envelopes) over TFramedTransport and TBufferedTransport. Apache writes
// fields in IDL order (Tern's writer puts fixed-size fields first), so the
// index pass sees another layout than Tern's own. The view must read what
// DecodeBody (FastRead) decodes from the same frame: as a whole (ToStruct)
// and accessor by accessor.
#include <gtest/gtest.h>
#include <thrift/protocol/TBinaryProtocol.h>
#include <thrift/transport/TBufferTransports.h>

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "apache_conformance_types.h"
#include "conformance_types.h"
#include "plugins/thrift_copyfree/copyfree_codec.h"
#include "tern/buffer.h"
#include "tern/testing/random_value.h"
#include "tern/thrift/view.h"
#include "unit/thrift_copyfree/test_util.h"
#include "unit/thrift_fast/test_util.h"

namespace tern::thrift_copyfree {
namespace {

namespace c = ::tern::conformance;
namespace app = ::apache::thrift::protocol;
namespace apt = ::apache::thrift::transport;
using testing::DecodeViewOf;
using testing::FastBytes;

// Apache's generated enums are plain C++ enums whose range is that of the
// declared values: loading an undeclared one there (Apache passes them
// through) is undefined behaviour, and UBSan stops on it. So the values sent
// through Apache use declared colors only; undeclared ones are covered by
// the other DecodeView tests, which do not go through Apache.
c::Color Declared(c::Color color) {
  constexpr c::Color kDeclared[] = {c::Color::RED, c::Color::GREEN, c::Color::BLUE,
                                    c::Color::NEGATIVE};
  return kDeclared[static_cast<uint32_t>(color) % 4];
}
void UseDeclaredColors(c::Scalars& s) { s.color = Declared(s.color); }
void UseDeclaredColors(c::Choice& ch) {
  if (ch.has_scalars()) UseDeclaredColors(ch.scalars);
}
void UseDeclaredColors(c::Everything& e) {
  UseDeclaredColors(e.scalars);
  e.defaults.color = Declared(e.defaults.color);
  for (c::Color& color : e.numbers.colors) color = Declared(color);
  std::map<c::Color, double> weights;
  for (const auto& [color, w] : e.containers.weights) weights[Declared(color)] = w;
  e.containers.weights = std::move(weights);
  for (auto& [name, group] : e.containers.groups) {
    for (c::Scalars& s : group) UseDeclaredColors(s);
  }
  UseDeclaredColors(e.choice);
  UseDeclaredColors(e.maybe_choice);
  for (c::Choice& ch : e.choices) UseDeclaredColors(ch);
}

// Apache's copy of `v`: Tern's bytes read by Apache's generated code.
apache_conf::Everything ToApache(const c::Everything& v) {
  std::string bytes = FastBytes(v);
  auto buf = std::make_shared<apt::TMemoryBuffer>(reinterpret_cast<uint8_t*>(bytes.data()),
                                                  static_cast<uint32_t>(bytes.size()),
                                                  apt::TMemoryBuffer::COPY);
  app::TBinaryProtocol proto(buf);
  apache_conf::Everything a;
  a.read(&proto);
  EXPECT_EQ(buf->available_read(), 0u);
  return a;
}

// One CALL message carrying `a`, as an Apache client writes it.
std::string ApacheMessage(const apache_conf::Everything& a, bool framed, bool strict,
                          int32_t seqid) {
  auto mem = std::make_shared<apt::TMemoryBuffer>();
  std::shared_ptr<apt::TTransport> trans;
  if (framed) {
    trans = std::make_shared<apt::TFramedTransport>(mem);
  } else {
    trans = std::make_shared<apt::TBufferedTransport>(mem);
  }
  app::TBinaryProtocol proto(trans, 0, 0, /*strict_read=*/false, /*strict_write=*/strict);
  proto.writeMessageBegin("everything", app::T_CALL, seqid);
  a.write(&proto);
  proto.writeMessageEnd();
  trans->flush();
  return mem->getBufferAsString();
}

template <class E, class C>
void ExpectSameSeq(const view::List<E>& v, const C& x) {
  ASSERT_EQ(v.size(), x.size());
  auto it = v.begin();
  for (const auto& e : x) {
    if constexpr (std::is_same_v<E, view::String>) {
      EXPECT_EQ((*it).str(), e);
    } else {
      EXPECT_EQ(*it, e);
    }
    ++it;
  }
}

// A sample of direct accessors, one or more per kind of field: scalars,
// strings and binaries, numeric lists (element access and bulk), sets,
// maps, nested structs, unions, optional and recursive fields.
void ExpectAccessorsMatch(const c::Everything::View& v, const c::Everything& x) {
  const c::Scalars::View s = v.scalars();
  EXPECT_EQ(s.b(), x.scalars.b);
  EXPECT_EQ(s.i8v(), x.scalars.i8v);
  EXPECT_EQ(s.i16v(), x.scalars.i16v);
  EXPECT_EQ(s.i32v(), x.scalars.i32v);
  EXPECT_EQ(s.i64v(), x.scalars.i64v);
  EXPECT_EQ(s.d(), x.scalars.d);
  EXPECT_EQ(s.s().str(), x.scalars.s);
  EXPECT_TRUE(s.bin() == x.scalars.bin);
  EXPECT_EQ(s.color(), x.scalars.color);

  EXPECT_EQ(v.defaults().answer(), x.defaults.answer);
  EXPECT_EQ(v.defaults().greeting().str(), x.defaults.greeting);
  EXPECT_EQ(v.defaults().primes().ToVector(), x.defaults.primes);

  EXPECT_EQ(v.req().id(), x.req.id);
  EXPECT_EQ(v.req().name().str(), x.req.name);
  EXPECT_EQ(v.req().has_note(), x.req.has_note());
  if (x.req.has_note()) {
    EXPECT_EQ(v.req().note().str(), x.req.note);
  }

  const c::Numbers::View n = v.numbers();
  EXPECT_EQ(n.i16s().ToVector(), x.numbers.i16s);
  EXPECT_EQ(n.i32s().ToVector(), x.numbers.i32s);
  EXPECT_EQ(n.i64s().ToVector(), x.numbers.i64s);
  EXPECT_EQ(n.doubles().ToVector(), x.numbers.doubles);
  EXPECT_EQ(n.bytes().ToVector(), x.numbers.bytes);
  ExpectSameSeq(n.bools(), x.numbers.bools);
  ExpectSameSeq(n.ids(), x.numbers.ids);
  ExpectSameSeq(n.colors(), x.numbers.colors);
  for (size_t i = 0; i < x.numbers.i64s.size(); ++i) EXPECT_EQ(n.i64s()[i], x.numbers.i64s[i]);

  const c::Containers::View k = v.containers();
  ExpectSameSeq(k.strings(), x.containers.strings);
  ExpectSameSeq(k.string_set(), x.containers.string_set);
  ExpectSameSeq(k.blobs(), x.containers.blobs);
  ASSERT_EQ(k.counts().size(), x.containers.counts.size());
  auto it = k.counts().begin();
  for (const auto& [key, value] : x.containers.counts) {
    const auto [vk, vv] = *it;
    EXPECT_EQ(vk.str(), key);
    EXPECT_EQ(vv, value);
    ++it;
  }
  ASSERT_EQ(k.matrix().size(), x.containers.matrix.size());
  size_t row = 0;
  for (const view::List<int32_t> r : k.matrix())
    EXPECT_EQ(r.ToVector(), x.containers.matrix[row++]);

  EXPECT_EQ(v.choice().getType(), x.choice.getType());
  if (x.choice.has_text()) {
    EXPECT_EQ(v.choice().text().str(), x.choice.text);
  }
  if (x.choice.has_number()) {
    EXPECT_EQ(v.choice().number(), x.choice.number);
  }
  EXPECT_EQ(v.failure().message().str(), x.failure.message);
  EXPECT_EQ(v.failure().code(), x.failure.code);

  EXPECT_EQ(v.tree().label().str(), x.tree.label);
  EXPECT_EQ(v.tree().children().size(), x.tree.children.size());
  EXPECT_EQ(v.tree().has_left(), x.tree.has_left());
  if (x.tree.has_left()) {
    EXPECT_EQ(v.tree().left().label().str(), x.tree.left->label);
  }

  EXPECT_EQ(v.sparse().one(), x.sparse.one);
  EXPECT_EQ(v.sparse().hundred().str(), x.sparse.hundred);
  EXPECT_EQ(v.sparse().max_id(), x.sparse.max_id);

  EXPECT_EQ(v.has_maybe_choice(), x.has_maybe_choice());
  ASSERT_EQ(v.choices().size(), x.choices.size());
  size_t i = 0;
  for (const c::Choice::View ch : v.choices()) {
    EXPECT_EQ(ch.getType(), x.choices[i].getType());
    auto back = ch.ToStruct();
    ASSERT_TRUE(back.ok()) << back.status();
    EXPECT_EQ(*back, x.choices[i]);
    ++i;
  }
}

TEST(DecodeViewInteropTest, ViewsOfApacheMessagesReadWhatDecodeBodyDecodes) {
  for (const bool framed : {true, false}) {
    const CopyFreeCodec codec(framed ? Framing::kFramed : Framing::kBuffered);
    for (const bool strict : {true, false}) {
      for (uint64_t seed = 1; seed <= 25; ++seed) {
        SCOPED_TRACE(std::string(framed ? "framed" : "buffered") +
                     (strict ? " strict" : " non-strict") + " seed " + std::to_string(seed));
        c::Everything original;
        tern::testing::RandomValue(seed).Fill(c::Everything::kTernTypeInfo, &original);
        UseDeclaredColors(original);
        const std::string msg =
            ApacheMessage(ToApache(original), framed, strict, static_cast<int32_t>(seed));

        // Framed as a connection would, then decoded both ways.
        LinkBuffer in;
        thrift_fast::testing::AppendBlock(in, msg);
        FrameState state;
        const FrameResult fr = codec.Frame(in, state, DefaultLimits());
        ASSERT_EQ(fr.what, FrameResult::kFrame) << fr.error;
        ASSERT_EQ(fr.size, msg.size());
        FrameView frame = thrift_fast::testing::ViewOf(msg);
        auto h = codec.DecodeHeader(frame, DefaultLimits());
        ASSERT_TRUE(h.ok()) << h.status();
        EXPECT_EQ(h->name, "everything");
        EXPECT_EQ(h->seqid, static_cast<int32_t>(seed));
        EXPECT_EQ(h->type, MessageType::kCall);

        FrameView for_body = frame;
        c::Everything decoded;
        ReadContext ctx{DefaultLimits()};
        const Status bs = codec.DecodeBody(for_body, c::Everything::kTernTypeInfo, &decoded, ctx);
        ASSERT_TRUE(bs.ok()) << bs;
        EXPECT_EQ(decoded, original);

        view::Bytes bytes;
        c::Everything::View v;
        const Status vs = DecodeViewOf<c::Everything>(codec, frame, &bytes, &v);
        ASSERT_TRUE(vs.ok()) << vs;
        EXPECT_EQ(frame.pos, frame.size);
        EXPECT_EQ(v.WireSize(), bytes.size()) << "the view's bytes are exactly the body";
        auto back = v.ToStruct();
        ASSERT_TRUE(back.ok()) << back.status();
        EXPECT_EQ(*back, decoded);
        ExpectAccessorsMatch(v, decoded);
      }
    }
  }
}

}  // namespace
}  // namespace tern::thrift_copyfree
