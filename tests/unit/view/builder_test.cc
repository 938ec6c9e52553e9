// Copy-free builders (tern/thrift/builder.h and the generated Foo::Builder
// classes): what a builder emits decodes to the values it was given, for
// every conformance type; a builder made from a view re-emits the received
// bytes, and editing one field changes only that field's bytes; large
// strings are attached and forwarded by reference, never copied.
#include <gtest/gtest.h>

#include <sys/uio.h>

#include <cstring>
#include <limits>
#include <string>
#include <thread>
#include <vector>

#include "conformance_types.h"
#include "core/buffer/block_pool.h"
#include "echo_types.h"
#include "serde_types.h"
#include "tern/buffer.h"
#include "tern/copy_stats.h"
#include "tern/testing/random_value.h"
#include "tern/thrift/builder.h"
#include "tern/thrift/view.h"
#include "tern/thrift/wire.h"
#include "tern/type_info.h"
#include "testing/set_all.h"
#include "testing/struct_bytes.h"

namespace tern {
namespace {

namespace c = ::tern::conformance;
using view::Bytes;
using view::StructBuilder;

using testing::Decode;
using testing::Encode;
using testing::Random;

std::string Drain(LinkBuffer& out) {
  out.Flush();
  std::string s;
  EXPECT_TRUE(out.ReadString(out.Len(), &s).ok());
  return s;
}

template <class T>
void CheckGenericBuild(int seeds) {
  for (int seed = 1; seed <= seeds; ++seed) {
    SCOPED_TRACE(std::string(T::kTernTypeInfo.name) + " seed " + std::to_string(seed));
    const T value = Random<T>(static_cast<uint64_t>(seed));
    StructBuilder b(T::kTernTypeInfo);
    ::tern::testing::SetAll(b, T::kTernTypeInfo, &value);
    EXPECT_EQ(b.size(), value.BLength());
    LinkBuffer out;
    ASSERT_TRUE(b.WriteTo(out).ok());
    const std::string bytes = Drain(out);
    EXPECT_EQ(bytes, b.ToString());
    auto back = Decode<T>(bytes);
    ASSERT_TRUE(back.ok()) << back.status();
    EXPECT_TRUE(*back == value);
  }
}

TEST(BuilderTest, EveryConformanceTypeRoundTrips) {
  CheckGenericBuild<c::Scalars>(50);
  CheckGenericBuild<c::Defaults>(20);
  CheckGenericBuild<c::Requiredness>(50);
  CheckGenericBuild<c::Numbers>(50);
  CheckGenericBuild<c::Containers>(50);
  CheckGenericBuild<c::Choice>(50);
  CheckGenericBuild<c::Failure>(20);
  CheckGenericBuild<c::Tree>(50);
  CheckGenericBuild<c::Sparse>(20);
  CheckGenericBuild<c::Everything>(50);
}

// The generated setters of struct and container fields write with the
// generated size and write code: what they build decodes to the values set.
TEST(BuilderTest, GeneratedSettersOfStructsAndContainersRoundTrip) {
  for (int seed = 1; seed <= 50; ++seed) {
    SCOPED_TRACE("seed " + std::to_string(seed));
    const c::Everything v = Random<c::Everything>(static_cast<uint64_t>(seed));
    const c::Containers& k = v.containers;
    c::Containers::Builder kb;
    kb.set_strings(k.strings)
        .set_string_set(k.string_set)
        .set_counts(k.counts)
        .set_names(k.names)
        .set_matrix(k.matrix)
        .set_groups(k.groups)
        .set_nested(k.nested)
        .set_weights(k.weights)
        .set_blobs(k.blobs);
    EXPECT_EQ(kb.size(), k.BLength());
    auto kback = Decode<c::Containers>(kb.ToString());
    ASSERT_TRUE(kback.ok()) << kback.status();
    EXPECT_TRUE(*kback == k);

    c::Everything::Builder b;
    b.set_scalars(v.scalars)
        .set_defaults(v.defaults)
        .set_req(v.req)
        .set_numbers(v.numbers)
        .set_containers(kb)  // a nested builder, spliced in
        .set_choice(v.choice)
        .set_failure(v.failure)
        .set_tree(v.tree)
        .set_sparse(v.sparse)
        .set_choices(v.choices);
    if (v.has_maybe_choice()) b.set_maybe_choice(v.maybe_choice);
    EXPECT_EQ(b.size(), v.BLength());
    LinkBuffer out;
    ASSERT_TRUE(b.WriteTo(out).ok());
    auto back = Decode<c::Everything>(Drain(out));
    ASSERT_TRUE(back.ok()) << back.status();
    EXPECT_TRUE(*back == v);
    // Setting a container again replaces it.
    b.set_choices(std::vector<c::Choice>());
    auto empty = Decode<c::Everything>(b.ToString());
    ASSERT_TRUE(empty.ok()) << empty.status();
    EXPECT_TRUE(empty->choices.empty());
    EXPECT_TRUE(empty->tree == v.tree);
  }
}

TEST(BuilderTest, FromAViewReEmitsTheReceivedBytes) {
  for (int seed = 1; seed <= 50; ++seed) {
    const std::string bytes = Encode(Random<c::Everything>(static_cast<uint64_t>(seed)));
    Bytes b(bytes.data(), bytes.size());
    auto v = c::Everything::View::Parse(b);
    ASSERT_TRUE(v.ok()) << v.status();
    c::Everything::Builder builder(*v);
    EXPECT_EQ(builder.ToString(), bytes);
    EXPECT_EQ(builder.tern_builder().pieces(), 1u);
  }
}

// The bytes of a field (header + value) of type `tt` and id `id` whose value
// encodes as `value`.
std::string FieldBytes(TType tt, int16_t id, const std::string& value) {
  std::string s(3, '\0');
  wire::PutFieldBegin(reinterpret_cast<uint8_t*>(s.data()), tt, id);
  return s + value;
}

// Editing one field of a received Everything: the output is the input with
// exactly that field's bytes replaced where they were, one node of the chain
// swapped (received | new | received).
TEST(BuilderTest, EditingOneFieldLeavesEveryOtherByteAsReceived) {
  for (int seed = 1; seed <= 30; ++seed) {
    SCOPED_TRACE("seed " + std::to_string(seed));
    const c::Everything original = Random<c::Everything>(static_cast<uint64_t>(seed));
    const c::Everything other = Random<c::Everything>(static_cast<uint64_t>(seed) + 1000);
    const std::string bytes = Encode(original);
    Bytes b(bytes.data(), bytes.size());
    auto v = c::Everything::View::Parse(b);
    ASSERT_TRUE(v.ok());
    auto expect_edit = [&](const char* name, uint32_t value_off, uint32_t value_len, TType tt,
                           int16_t id, const std::string& new_value,
                           const c::Everything::Builder& edited, const c::Everything& want) {
      SCOPED_TRACE(name);
      const std::string expected = bytes.substr(0, value_off - 3) + FieldBytes(tt, id, new_value) +
                                   bytes.substr(value_off + value_len);
      EXPECT_EQ(edited.ToString(), expected);
      EXPECT_EQ(edited.size(), expected.size());
      EXPECT_LE(edited.tern_builder().pieces(), 3u);
      auto back = Decode<c::Everything>(edited.ToString());
      ASSERT_TRUE(back.ok()) << back.status();
      EXPECT_TRUE(*back == want);
    };
    {
      c::Everything::Builder e(*v);
      e.set_scalars(other.scalars);
      c::Everything want = original;
      want.scalars = other.scalars;
      expect_edit("scalars", v->scalars().WireOffset(), v->scalars().WireSize(), TType::kStruct, 1,
                  Encode(other.scalars), e, want);
    }
    {
      c::Everything::Builder e(*v);
      e.set_numbers(other.numbers);
      c::Everything want = original;
      want.numbers = other.numbers;
      expect_edit("numbers", v->numbers().WireOffset(), v->numbers().WireSize(), TType::kStruct, 4,
                  Encode(other.numbers), e, want);
    }
    {
      // A list field, from another view's bytes as received.
      const std::string other_bytes = Encode(other);
      Bytes ob(other_bytes.data(), other_bytes.size());
      auto ov = c::Everything::View::Parse(ob);
      ASSERT_TRUE(ov.ok());
      c::Everything::Builder e(*v);
      e.set_choices(ov->choices());
      c::Everything want = original;
      want.choices = other.choices;
      const auto l = ov->choices();
      expect_edit("choices", v->choices().WireOffset(), v->choices().WireSize(), TType::kList, 11,
                  other_bytes.substr(l.WireOffset(), l.WireSize()), e, want);
    }
  }
}

TEST(BuilderTest, FixedFieldsAreOverwrittenInPlace) {
  c::Scalars::Builder b;
  b.set_i32v(1).set_s("hello").set_i64v(-5);
  const size_t size = b.size();
  const size_t pieces = b.tern_builder().pieces();
  b.set_i32v(0x12345678).set_i64v(std::numeric_limits<int64_t>::min());
  EXPECT_EQ(b.size(), size);
  EXPECT_EQ(b.tern_builder().pieces(), pieces);
  auto v = b.ToStruct();
  ASSERT_TRUE(v.ok()) << v.status();
  EXPECT_EQ(v->i32v, 0x12345678);
  EXPECT_EQ(v->i64v, std::numeric_limits<int64_t>::min());
  EXPECT_EQ(v->s, "hello");
  // A variable-size field replaced: still one value, new size.
  b.set_s("a longer string than before");
  v = b.ToStruct();
  ASSERT_TRUE(v.ok());
  EXPECT_EQ(v->s, "a longer string than before");
  EXPECT_EQ(b.size(), size + std::strlen("a longer string than before") - 5);
  b.set_d(2.5).set_b(true).set_i8v(-1).set_i16v(-300).set_color(c::Color::BLUE);
  v = b.ToStruct();
  ASSERT_TRUE(v.ok());
  EXPECT_EQ(v->d, 2.5);
  EXPECT_TRUE(v->b);
  EXPECT_EQ(v->i8v, -1);
  EXPECT_EQ(v->i16v, -300);
  EXPECT_EQ(v->color, c::Color::BLUE);
}

TEST(BuilderTest, ClearRemovesAField) {
  c::Scalars::Builder b;
  b.set_s("x").set_i32v(7);
  EXPECT_TRUE(b.has_s());
  b.clear_s();
  EXPECT_FALSE(b.has_s());
  auto v = b.ToStruct();
  ASSERT_TRUE(v.ok());
  EXPECT_EQ(v->s, "");
  EXPECT_EQ(v->i32v, 7);
  EXPECT_EQ(b.size(), 3u + 4u + 1u);
}

TEST(BuilderTest, UnionKeepsTheFieldSetLast) {
  c::Choice::Builder b;
  b.set_number(5).set_text("now text");
  EXPECT_FALSE(b.has_number());
  auto v = b.ToStruct();
  ASSERT_TRUE(v.ok()) << v.status();
  EXPECT_EQ(v->getType(), 2);
  EXPECT_EQ(v->text, "now text");
}

TEST(BuilderTest, MissingRequiredFieldIsAnErrorNotBadBytes) {
  c::Requiredness::Builder b;
  b.set_id(1);
  LinkBuffer out;
  Status st = b.WriteTo(out);
  EXPECT_EQ(st.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(std::string(st.message()).find("name"), std::string::npos) << st;
  out.Flush();
  EXPECT_EQ(out.Len(), 0u);
  EXPECT_FALSE(b.ToStruct().ok());
  b.set_name("n");
  EXPECT_TRUE(b.WriteTo(out).ok());
  // A nested builder missing a required field makes the outer one fail.
  c::Everything::Builder e;
  c::Requiredness::Builder bad;
  e.set_req(bad);
  EXPECT_EQ(e.WriteTo(out).code(), StatusCode::kInvalidArgument);
}

TEST(BuilderTest, RequiredMaskNamesTheRequiredFields) {
  using view::StructBuilder;
  // conformance.thrift: Requiredness's fields 0 (id) and 5 (name) are required.
  EXPECT_EQ(StructBuilder::RequiredMask(c::Requiredness::kTernTypeInfo), 0x21u);
  // A union's fields are never required.
  EXPECT_EQ(StructBuilder::RequiredMask(c::Choice::kTernTypeInfo), 0u);
}

TEST(BuilderTest, RequiredFieldPastTheSixtyFourthIsChecked) {
  // A struct of 70 i32 fields whose field 66 is required: beyond the mask,
  // so an emit walks the fields.
  std::vector<FieldInfo> fields(70);
  for (size_t i = 0; i < fields.size(); ++i) {
    fields[i] = FieldInfo{static_cast<int16_t>(i + 1),
                          i == 66 ? Requiredness::kRequired : Requiredness::kDefault,
                          false,
                          ValueType{TType::kI32, CppType::kI32, false, false, nullptr, nullptr},
                          "f",
                          0,
                          0,
                          0,
                          nullptr};
  }
  TypeInfo t{};
  t.name = "Wide";
  t.kind = StructKind::kStruct;
  t.fields = fields.data();
  t.num_fields = static_cast<uint32_t>(fields.size());
  EXPECT_EQ(view::StructBuilder::RequiredMask(t), view::StructBuilder::kScanRequired);
  view::StructBuilder b(t);
  for (uint32_t i = 0; i < 66; ++i) b.SetFixed(i, i);
  EXPECT_EQ(b.MissingRequired(), 66);
  EXPECT_EQ(b.Emittable().code(), StatusCode::kInvalidArgument);
  b.SetFixed(66, 7);
  EXPECT_EQ(b.MissingRequired(), -1);
  EXPECT_TRUE(b.Emittable().ok());
  LinkBuffer out;
  EXPECT_TRUE(b.WriteTo(out).ok());
}

TEST(BuilderTest, NestedBuildersAreSplicedIn) {
  c::Tree::Builder leaf;
  leaf.set_label("leaf");
  c::Tree::Builder root;
  root.set_label("root").set_left(leaf);
  auto v = root.ToStruct();
  ASSERT_TRUE(v.ok()) << v.status();
  EXPECT_EQ(v->label, "root");
  ASSERT_NE(v->left, nullptr);
  EXPECT_EQ(v->left->label, "leaf");
  EXPECT_EQ(v->right, nullptr);
}

// Whether any iovec of out's readable chain starts at p.
bool ChainPointsAt(LinkBuffer& out, const void* p) {
  out.Flush();
  iovec iov[64];
  const size_t n = out.ReadableIovecs(iov, 64);
  for (size_t i = 0; i < n; ++i) {
    if (iov[i].iov_base == p) return true;
  }
  return false;
}

TEST(BuilderTest, LargeStringsAreAttachedByReference) {
  std::string big(1 << 20, 'x');
  for (size_t i = 0; i < big.size(); ++i) big[i] = static_cast<char>('a' + i % 26);
  Slice s = Slice::FromString(std::string(big));
  const void* data = s.data();
  ::tern::bench::echo::Request::Builder b;
  b.set_action("echo").set_msg(s);
  EXPECT_EQ(b.tern_builder().references(), 1u);
  LinkBuffer out;
  ASSERT_TRUE(b.WriteTo(out).ok());
  EXPECT_TRUE(ChainPointsAt(out, data));
  auto v = Decode<::tern::bench::echo::Request>(Drain(out));
  ASSERT_TRUE(v.ok()) << v.status();
  EXPECT_EQ(v->msg, big);
  EXPECT_EQ(v->action, "echo");
  // Small Slices are copied.
  b.set_msg(Slice::Copy("tiny", 4));
  EXPECT_EQ(b.tern_builder().references(), 0u);
}

// A proxy: receive a 1 MB echo request, change one field, forward the rest:
// the payload leaves as a reference to the received block.
TEST(BuilderTest, ProxyForwardsTheReceivedPayloadWithoutCopying) {
  ::tern::bench::echo::Request req;
  req.action = "echo";
  req.msg.assign(1 << 20, 'm');
  const std::string bytes = Encode(req);
  Slice received = Slice::Copy(bytes.data(), bytes.size());
  Bytes b(received);
  auto v = ::tern::bench::echo::Request::View::Parse(b);
  ASSERT_TRUE(v.ok());
  ::tern::bench::echo::Request::Builder edit(*v);
  edit.set_action("forwarded");
  LinkBuffer out;
  ASSERT_TRUE(edit.WriteTo(out).ok());
  // The received run after the edited field is linked, not copied.
  EXPECT_GE(edit.tern_builder().pieces(), 2u);
  const uint8_t* msg_at = reinterpret_cast<const uint8_t*>(v->msg().view().data());
  bool linked = false;
  out.Flush();
  iovec iov[16];
  const size_t n = out.ReadableIovecs(iov, 16);
  for (size_t i = 0; i < n; ++i) {
    auto* base = static_cast<const uint8_t*>(iov[i].iov_base);
    linked |= base <= msg_at && msg_at + req.msg.size() <= base + iov[i].iov_len;
  }
  EXPECT_TRUE(linked);
  auto back = Decode<::tern::bench::echo::Request>(Drain(out));
  ASSERT_TRUE(back.ok()) << back.status();
  EXPECT_EQ(back->action, "forwarded");
  EXPECT_EQ(back->msg, req.msg);
  // Forwarding a view string into a fresh builder shares the block too.
  ::tern::bench::echo::Request::Builder fresh;
  fresh.set_action(v->action()).set_msg(v->msg());
  EXPECT_EQ(fresh.tern_builder().references(), 1u);
  LinkBuffer out2;
  ASSERT_TRUE(fresh.WriteTo(out2).ok());
  EXPECT_TRUE(ChainPointsAt(out2, msg_at));
}

TEST(BuilderTest, ForwardingAnAbsentViewFieldSetsItsDefault) {
  c::Everything::View empty;
  c::Everything::Builder b;
  b.set_scalars(empty.scalars()).set_choices(empty.choices());
  EXPECT_TRUE(b.has_scalars());
  auto v = b.ToStruct();
  ASSERT_TRUE(v.ok()) << v.status();
  EXPECT_TRUE(v->scalars == c::Scalars{});
  EXPECT_TRUE(v->choices.empty());
}

TEST(BuilderTest, RepeatedSettingDoesNotGrowWithoutBound) {
  c::Scalars::Builder b;
  const std::string payload(1000, 'p');
  for (int i = 0; i < 100000; ++i) b.set_s(payload);
  EXPECT_LT(b.tern_builder().own_bytes(), 16u * 1024);
  auto v = b.ToStruct();
  ASSERT_TRUE(v.ok());
  EXPECT_EQ(v->s, payload);
}

// A thread keeps the own bytes of the builder it destroyed last for its next
// one (tern/thrift/builder.h): a builder made after another emits only what
// it was given, whatever the one before wrote, and sizes differ both ways.
TEST(BuilderTest, BuildersOneAfterAnotherEmitOnlyTheirOwnFields) {
  const size_t sizes[] = {3000, 10, 60000, 0, 1500, 70000, 200};
  for (size_t round = 0; round < 3; ++round) {
    for (size_t i = 0; i < std::size(sizes); ++i) {
      SCOPED_TRACE("round " + std::to_string(round) + " size " + std::to_string(sizes[i]));
      c::Scalars::Builder b;
      const std::string s(sizes[i], static_cast<char>('a' + i));
      b.set_s(s);
      if (i % 2 == 0) b.set_i32v(static_cast<int32_t>(i));
      auto v = b.ToStruct();
      ASSERT_TRUE(v.ok()) << v.status();
      c::Scalars want;
      want.s = s;
      if (i % 2 == 0) want.i32v = static_cast<int32_t>(i);
      EXPECT_TRUE(*v == want);
      LinkBuffer out;
      ASSERT_TRUE(b.WriteTo(out).ok());
      auto back = Decode<c::Scalars>(Drain(out));
      ASSERT_TRUE(back.ok()) << back.status();
      EXPECT_TRUE(*back == want);
    }
  }
}

// The block a thread keeps goes back to the pool when the thread exits.
TEST(BuilderTest, AThreadsKeptOwnBytesAreFreedAtItsExit) {
  BlockPool& pool = BlockPool::Global();
  const int64_t live_before = pool.GetStats().live_blocks;
  std::thread t([] {
    for (size_t n : {100, 2000, 40000}) {
      c::Scalars::Builder b;
      b.set_s(std::string(n, 'k'));
      LinkBuffer out;
      ASSERT_TRUE(b.WriteTo(out).ok());
    }
    // One block kept while the thread lives.
    EXPECT_GE(BlockPool::Global().GetStats().live_blocks, 1);
  });
  t.join();
  EXPECT_EQ(pool.GetStats().live_blocks, live_before);
}

TEST(BuilderTest, SegmentedViewsEditAndEmit) {
  const c::Everything original = Random<c::Everything>(7);
  const std::string bytes = Encode(original);
  for (size_t cut = 1; cut < bytes.size(); cut += 97) {
    std::vector<Slice> parts{Slice::Copy(bytes.data(), cut),
                             Slice::Copy(bytes.data() + cut, bytes.size() - cut)};
    Bytes b(std::move(parts));
    auto v = c::Everything::View::Parse(b);
    ASSERT_TRUE(v.ok());
    c::Everything::Builder e(*v);
    EXPECT_EQ(e.ToString(), bytes);
    c::Sparse sp;
    sp.one = 11;
    e.set_sparse(sp);
    auto back = e.ToStruct();
    ASSERT_TRUE(back.ok()) << back.status();
    c::Everything want = original;
    want.sparse = sp;
    EXPECT_TRUE(*back == want);
  }
}

}  // namespace
}  // namespace tern

namespace tern {
namespace {

// tern/copy_stats.h: copies of 4 KB or more are counted where Tern makes
// them; references and small copies are not.
TEST(PayloadCopyStatsTest, CountsLargeCopiesOnly) {
  auto delta = [](const PayloadCopies& before) {
    const PayloadCopies now = PayloadCopyStats();
    return std::make_pair(now.count - before.count, now.bytes - before.bytes);
  };
  const std::string big(8192, 'b');
  PayloadCopies before = PayloadCopyStats();
  LinkBuffer out;
  out.Write(big.data(), big.size());
  out.Write("tiny", 4);
  EXPECT_EQ(delta(before), std::make_pair(uint64_t{1}, uint64_t{8192}));

  // Attached by reference, and forwarded from a view: no payload copy.
  before = PayloadCopyStats();
  Slice payload = Slice::FromString(std::string(big));
  ::tern::bench::echo::Request::Builder b;
  b.set_action("echo").set_msg(payload);
  LinkBuffer out2;
  ASSERT_TRUE(b.WriteTo(out2).ok());
  EXPECT_EQ(delta(before).first, 0u);

  // FastRead of the message copies the payload once; a view does not.
  ::tern::bench::echo::Request req;
  req.action = "echo";
  req.msg = big;
  const std::string wire = Encode(req);  // FastWrite: one copy
  before = PayloadCopyStats();
  Bytes bytes(Slice::Copy(wire.data(), wire.size()));  // one copy (Slice::Copy)
  auto v = ::tern::bench::echo::Request::View::Parse(bytes);
  ASSERT_TRUE(v.ok());
  EXPECT_EQ(v->msg().view().size(), big.size());
  EXPECT_EQ(delta(before).first, 1u);
  before = PayloadCopyStats();
  ASSERT_TRUE(Decode<::tern::bench::echo::Request>(wire).ok());
  EXPECT_EQ(delta(before).first, 1u);
}

}  // namespace
}  // namespace tern
