// Types generated with `tern gen --alloc=pmr` (std::pmr strings and
// containers, allocator-aware structs), from the same IDLs as gen_test:
//   - the TypeInfo conformance checks (fast path == generic walker) and the
//     codec conformance suite for thrift_fast and thrift_compact, which walk
//     CppType::kPmrString;
//   - a message decoded into an arena takes every string, element and node
//     from that arena: the default resource and the arena's upstream are
//     std::pmr::null_memory_resource() while it decodes, so any allocation
//     elsewhere throws;
//   - the allocator-extended constructors put copies on the given resource.
#include <gtest/gtest.h>

#include <cstddef>
#include <memory_resource>
#include <string>
#include <vector>

#include "bench/workloads.h"
#include "conformance_types.h"
#include "everything_types.h"
#include "keys_types.h"
#include "names_types.h"
#include "plugins/thrift_fast/binary_codec.h"
#include "sdk/examples/compact_codec/compact_codec.h"
#include "serde_types.h"
#include "tern/testing/codec_conformance.h"
#include "tern/testing/random_value.h"
#include "tern/thrift/generic.h"

namespace tern::testing {
namespace {

// ---- conformance ---------------------------------------------------------------

std::vector<const TypeInfo*> AllTypes() {
  std::vector<const TypeInfo*> all = ConformanceTypes();
  for (const TypeInfo* t :
       {&::tern::test::everything::User::kTernTypeInfo,
        &::tern::test::everything::Value::kTernTypeInfo,
        &::tern::test::everything::Node::kTernTypeInfo,
        &::tern::test::everything::WithDefaults::kTernTypeInfo,
        &::tern::bench::serde::Mixed::kTernTypeInfo, &::tern::bench::serde::MyTest::kTernTypeInfo,
        &::tern::test::keys::Id::kTernTypeInfo, &::tern::test::keys::Cell::kTernTypeInfo,
        &::tern::test::keys::Board::kTernTypeInfo, &::tern::test::names::Holder::kTernTypeInfo,
        &::tern::test::names::Tagged::kTernTypeInfo}) {
    all.push_back(t);
  }
  return all;
}

INSTANTIATE_TEST_SUITE_P(PmrSchemas, TypeInfoConformanceTest, ::testing::ValuesIn(AllTypes()),
                         TypeInfoName);

struct ThriftFastFramed {
  static std::unique_ptr<Codec> Make() {
    return std::make_unique<thrift_fast::BinaryCodec>(thrift_fast::Framing::kFramed);
  }
  static constexpr bool kBinaryBody = true;
};
struct CompactFramed {
  static std::unique_ptr<Codec> Make() { return std::make_unique<compact::CompactCodec>(true); }
  static constexpr bool kBinaryBody = false;
};
using Codecs = ::testing::Types<ThriftFastFramed, CompactFramed>;
INSTANTIATE_TYPED_TEST_SUITE_P(Pmr, CodecConformanceTest, Codecs);

// ---- arenas ----------------------------------------------------------------------

// Makes r the default memory resource while alive.
class DefaultResource {
 public:
  explicit DefaultResource(std::pmr::memory_resource* r)
      : saved_(std::pmr::set_default_resource(r)) {}
  ~DefaultResource() { std::pmr::set_default_resource(saved_); }
  DefaultResource(const DefaultResource&) = delete;
  DefaultResource& operator=(const DefaultResource&) = delete;

 private:
  std::pmr::memory_resource* saved_;
};

template <class T>
std::string BytesOf(const T& v) {
  std::string s(v.BLength(), '\0');
  uint8_t* end = v.FastWrite(reinterpret_cast<uint8_t*>(s.data()));
  EXPECT_EQ(end, reinterpret_cast<uint8_t*>(s.data()) + s.size());
  return s;
}

// A fixed buffer with no upstream: running out throws std::bad_alloc.
class Arena {
 public:
  explicit Arena(size_t bytes)
      : buf_(bytes), res_(buf_.data(), buf_.size(), std::pmr::null_memory_resource()) {}
  std::pmr::memory_resource* resource() { return &res_; }
  std::pmr::polymorphic_allocator<> alloc() { return {&res_}; }

 private:
  std::vector<std::byte> buf_;
  std::pmr::monotonic_buffer_resource res_;
};

// Decodes src's bytes into a T on an arena while nothing else can allocate
// through pmr; the result equals src and re-encodes to the same bytes.
template <class T>
void CheckArenaDecode(const T& src) {
  const std::string bytes = BytesOf(src);
  Arena arena(16 * bytes.size() + (1 << 16));
  // IDL defaults are constants made on first use, from the default resource.
  T warm(arena.alloc());
  {
    DefaultResource none(std::pmr::null_memory_resource());
    T out(arena.alloc());
    Result<size_t> r(size_t{0});
    ASSERT_NO_THROW(r = out.FastRead(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size()))
        << "an allocation left the arena";
    ASSERT_TRUE(r.ok()) << r.status();
    EXPECT_EQ(*r, bytes.size());
    EXPECT_TRUE(out == src);
    EXPECT_EQ(out.get_allocator().resource(), arena.resource());
    EXPECT_EQ(BytesOf(out), bytes);
    // Decoding again into the used object (a server reusing one) stays in the
    // arena as well.
    ASSERT_NO_THROW(r = out.FastRead(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size()));
    ASSERT_TRUE(r.ok()) << r.status();
    EXPECT_TRUE(out == src);
  }
  // The generic walker (what TypeInfo codecs such as Compact use) too: its
  // container temporaries are made on the container's allocator
  // (ContainerInfo::construct_elem_for), a recursive field's pointee on its
  // parent's (FieldInfo::indirect_get).
  T generic_out(arena.alloc());
  {
    DefaultResource none(std::pmr::null_memory_resource());
    ReadContext ctx{DefaultLimits()};
    Result<size_t> g(size_t{0});
    ASSERT_NO_THROW(g = generic::Read(T::kTernTypeInfo, &generic_out,
                                      reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size(),
                                      ctx))
        << "an allocation left the arena";
    ASSERT_TRUE(g.ok()) << g.status();
  }
  EXPECT_TRUE(generic_out == src);
}

template <class T>
void CheckArenaDecodeOfRandomValues() {
  for (uint64_t seed = 1; seed <= 20; ++seed) {
    SCOPED_TRACE(std::string(T::kTernTypeInfo.name) + " seed " + std::to_string(seed));
    T src;
    RandomValue(seed).Fill(T::kTernTypeInfo, &src);
    CheckArenaDecode(src);
  }
}

TEST(PmrArena, DecodesEveryConformanceStructWithoutLeavingTheArena) {
  CheckArenaDecodeOfRandomValues<::tern::conformance::Everything>();
  CheckArenaDecodeOfRandomValues<::tern::conformance::Containers>();
  CheckArenaDecodeOfRandomValues<::tern::conformance::Tree>();
  CheckArenaDecodeOfRandomValues<::tern::conformance::Choice>();
  CheckArenaDecodeOfRandomValues<::tern::conformance::Defaults>();
}

TEST(PmrArena, DecodesStructKeysUnionsAndRecursiveFieldsWithoutLeavingTheArena) {
  CheckArenaDecodeOfRandomValues<::tern::test::keys::Board>();
  CheckArenaDecodeOfRandomValues<::tern::test::keys::Cell>();
  CheckArenaDecodeOfRandomValues<::tern::test::everything::User>();
  CheckArenaDecodeOfRandomValues<::tern::test::names::Holder>();
}

TEST(PmrArena, DecodesTheSmallWorkloadWithoutLeavingTheArena) {
  ::tern::bench::serde::Mixed small;
  bench::FillMixed(small, bench::kSmallSeed, bench::kSmallShape);
  EXPECT_EQ(small.BLength(), 19953u);  // the same bytes as the std types'
  CheckArenaDecode(small);
}

TEST(PmrArena, NestedElementsAndPointeesUseTheParentsResource) {
  ::tern::bench::serde::Mixed small;
  bench::FillMixed(small, bench::kSmallSeed, bench::kSmallShape);
  const std::string bytes = BytesOf(small);
  Arena arena(1 << 20);
  ::tern::bench::serde::Mixed m(arena.alloc());
  ASSERT_TRUE(m.FastRead(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size()).ok());
  std::pmr::memory_resource* r = arena.resource();
  EXPECT_EQ(m.description.get_allocator().resource(), r);
  EXPECT_EQ(m.ids.get_allocator().resource(), r);
  ASSERT_FALSE(m.attrs.empty());
  EXPECT_EQ(m.attrs.begin()->first.get_allocator().resource(), r);
  EXPECT_EQ(m.attrs.begin()->second.get_allocator().resource(), r);
  ASSERT_FALSE(m.items.empty());
  EXPECT_EQ(m.items.back().get_allocator().resource(), r);
  EXPECT_EQ(m.items.back().note.get_allocator().resource(), r);

  // A recursive field's pointee (from new) gets the parent's resource.
  ::tern::test::everything::User u;
  u.name = "boss";
  u.set_manager(::tern::test::everything::User());
  u.manager->name = "a name longer than the small-string buffer";
  const std::string ub = BytesOf(u);
  ::tern::test::everything::User v(arena.alloc());
  ASSERT_TRUE(v.FastRead(reinterpret_cast<const uint8_t*>(ub.data()), ub.size()).ok());
  ASSERT_NE(v.manager, nullptr);
  EXPECT_EQ(v.manager->get_allocator().resource(), r);
  EXPECT_EQ(v.manager->name, u.manager->name);
}

TEST(PmrArena, AllocatorExtendedCopyAndMoveUseTheGivenResource) {
  ::tern::bench::serde::Mixed small;
  bench::FillMixed(small, bench::kSmallSeed, bench::kSmallShape);
  Arena arena(1 << 20);
  ::tern::bench::serde::Mixed copy(small, arena.alloc());
  EXPECT_TRUE(copy == small);
  EXPECT_EQ(copy.get_allocator().resource(), arena.resource());
  EXPECT_EQ(copy.items.front().get_allocator().resource(), arena.resource());
  ::tern::bench::serde::Mixed moved(std::move(copy), std::pmr::new_delete_resource());
  EXPECT_TRUE(moved == small);
  EXPECT_EQ(moved.get_allocator().resource(), std::pmr::new_delete_resource());
  // Containers of generated structs construct them on their own allocator.
  std::pmr::vector<::tern::bench::serde::Item> items(arena.alloc());
  items.resize(3);
  EXPECT_EQ(items[2].get_allocator().resource(), arena.resource());
  // Default construction uses the default resource, as std::pmr types do.
  ::tern::bench::serde::Mixed plain;
  EXPECT_EQ(plain.get_allocator().resource(), std::pmr::get_default_resource());
}

TEST(PmrArena, TypeInfoDescribesPmrStrings) {
  const TypeInfo& t = ::tern::bench::serde::Mixed::kTernTypeInfo;
  bool saw_string = false;
  for (uint32_t i = 0; i < t.num_fields; ++i) {
    if (t.fields[i].type.ttype == TType::kString) {
      EXPECT_EQ(t.fields[i].type.cpp, CppType::kPmrString) << t.fields[i].name;
      saw_string = true;
    }
  }
  EXPECT_TRUE(saw_string);
  ::tern::bench::serde::Item item;
  item.name = "widget";
  const FieldInfo* name = nullptr;
  for (uint32_t i = 0; i < ::tern::bench::serde::Item::kTernTypeInfo.num_fields; ++i) {
    const FieldInfo& f = ::tern::bench::serde::Item::kTernTypeInfo.fields[i];
    if (std::string_view(f.name) == "name") name = &f;
  }
  ASSERT_NE(name, nullptr);
  EXPECT_EQ(StringBytes(name->type.cpp, FieldValue(*name, &item)), "widget");
  AssignString(name->type.cpp, MutableFieldValue(*name, &item), "gadget", 6);
  EXPECT_EQ(item.name, "gadget");
}

TEST(PmrArena, TruncatedInputFailsCleanlyInAnArena) {
  ::tern::bench::serde::Mixed small;
  bench::FillMixed(small, bench::kMixed1k5Seed, bench::kMixed1k5Shape);
  const std::string bytes = BytesOf(small);
  for (size_t cut = 0; cut < bytes.size(); ++cut) {
    Arena arena(16 * bytes.size() + (1 << 16));
    std::vector<uint8_t> head(bytes.begin(), bytes.begin() + static_cast<long>(cut));
    ::tern::bench::serde::Mixed m(arena.alloc());
    EXPECT_FALSE(m.FastRead(head.data(), head.size()).ok()) << "cut at " << cut;
  }
}

}  // namespace
}  // namespace tern::testing
