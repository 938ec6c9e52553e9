// core/thrift/view_nested.h: nested structs indexed in their parent's pass
// (the alternative measured by tests/bench/view_nested_bench.cc) record
// exactly what lazy indexing finds, and accept and refuse the same bytes.
#include "core/thrift/view_nested.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "conformance_types.h"
#include "tern/testing/random_value.h"
#include "testing/struct_bytes.h"

namespace tern {
namespace {

namespace c = ::tern::conformance;
using view::Bytes;
using view::ViewCore;
namespace nested = view::nested;

struct Table {
  explicit Table(const nested::Layout& l) : words((l.bytes + 7) / 8) {}
  std::vector<uint64_t> words;
  const ViewCore& Core(const nested::Layout& l, size_t plan) const {
    return *static_cast<const ViewCore*>(
        nested::Record(l, words.data(), static_cast<int32_t>(plan)));
  }
  const uint32_t* Slots(const nested::Layout& l, size_t plan) const {
    return reinterpret_cast<const uint32_t*>(
        static_cast<const char*>(nested::Record(l, words.data(), static_cast<int32_t>(plan))) +
        sizeof(ViewCore));
  }
};

// Every record against lazy indexing: a present nested struct's record is
// where its parent's slot says and holds what IndexStruct finds there; an
// absent one is empty.
void CheckRecords(const Bytes& b, const nested::Layout& l, const Table& t) {
  for (size_t p = 0; p < l.plans.size(); ++p) {
    const TypeInfo& type = *l.plans[p].type;
    const ViewCore& core = t.Core(l, p);
    for (uint32_t i = 0; i < type.num_fields; ++i) {
      const int32_t child = l.plans[p].child[i];
      if (child < 0) continue;
      const ViewCore& cc = t.Core(l, static_cast<size_t>(child));
      const uint32_t at = core.bytes != nullptr ? t.Slots(l, p)[i] : view::kAbsent;
      if (at == view::kAbsent) {
        EXPECT_EQ(cc.bytes, nullptr) << type.name << "." << type.fields[i].name;
        for (uint32_t k = 0; k < l.plans[child].type->num_fields; ++k) {
          EXPECT_EQ(t.Slots(l, static_cast<size_t>(child))[k], view::kAbsent);
        }
        continue;
      }
      EXPECT_EQ(cc.bytes, &b);
      EXPECT_EQ(cc.begin, at);
      std::vector<uint32_t> want(l.plans[child].type->num_fields);
      uint32_t end = 0;
      ReadContext ctx{DefaultLimits()};
      ASSERT_TRUE(view::IndexStruct(b, at, *l.plans[child].type, want.data(), &end, ctx).ok());
      EXPECT_EQ(cc.end, end);
      for (size_t k = 0; k < want.size(); ++k) {
        EXPECT_EQ(t.Slots(l, static_cast<size_t>(child))[k], want[k])
            << type.name << "." << type.fields[i].name << " field " << k;
      }
    }
  }
}

TEST(ViewNestedTest, LayoutCoversDirectStructFieldsOnly) {
  const nested::Layout l = nested::MakeLayout(c::Everything::kTernTypeInfo);
  // Everything's struct fields: scalars, defaults, req, numbers, containers,
  // choice, failure, tree, sparse, maybe_choice; Tree's & fields are not
  // followed and list<Choice> is a container.
  size_t structs = 0;
  for (uint32_t i = 0; i < c::Everything::kTernTypeInfo.num_fields; ++i) {
    const FieldInfo& f = c::Everything::kTernTypeInfo.fields[i];
    if (f.type.ttype == TType::kStruct && !f.indirect) ++structs;
  }
  EXPECT_EQ(l.plans[0].type, &c::Everything::kTernTypeInfo);
  EXPECT_GE(l.plans.size(), structs + 1);
  for (const nested::Plan& p : l.plans) {
    EXPECT_EQ(p.record % 8, 0u);
    EXPECT_LE(p.record + sizeof(ViewCore) + 4 * p.type->num_fields, l.bytes);
  }
}

TEST(ViewNestedTest, RecordsMatchLazyIndexing) {
  const nested::Layout l = nested::MakeLayout(c::Everything::kTernTypeInfo);
  for (uint64_t seed = 1; seed <= 60; ++seed) {
    SCOPED_TRACE("seed " + std::to_string(seed));
    testing::RandomValue rv(seed, 3, 4);
    c::Everything v;
    rv.Fill(c::Everything::kTernTypeInfo, &v);
    const std::string wire = testing::Encode(v);
    const Bytes b(wire.data(), wire.size());
    Table t(l);
    ReadContext ctx{DefaultLimits()};
    ASSERT_TRUE(nested::Index(b, 0, l, t.words.data(), ctx).ok());
    EXPECT_EQ(ctx.depth, 0);
    EXPECT_EQ(t.Core(l, 0).end, wire.size());
    CheckRecords(b, l, t);
    if (::testing::Test::HasFailure()) break;
  }
}

// Truncated anywhere, the message is refused with the error lazy indexing
// gives; the same limits apply.
TEST(ViewNestedTest, RefusesWhatIndexStructRefuses) {
  testing::RandomValue rv(7, 3, 4);
  c::Everything v;
  rv.Fill(c::Everything::kTernTypeInfo, &v);
  const std::string wire = testing::Encode(v);
  const nested::Layout l = nested::MakeLayout(c::Everything::kTernTypeInfo);
  Table t(l);
  std::vector<uint32_t> slots(c::Everything::kTernTypeInfo.num_fields);
  for (size_t n = 0; n < wire.size(); ++n) {
    const Bytes b(wire.data(), n);
    ReadContext lazy_ctx{DefaultLimits()}, same_ctx{DefaultLimits()};
    uint32_t end = 0;
    const Status lazy =
        view::IndexStruct(b, 0, c::Everything::kTernTypeInfo, slots.data(), &end, lazy_ctx);
    const Status same = nested::Index(b, 0, l, t.words.data(), same_ctx);
    ASSERT_FALSE(lazy.ok()) << n;
    EXPECT_EQ(same.code(), lazy.code()) << n;
    EXPECT_EQ(same.message(), lazy.message()) << n;
    EXPECT_EQ(same_ctx.depth, 0) << n;
  }
  Limits tight = DefaultLimits();
  tight.max_depth = 2;
  const Bytes b(wire.data(), wire.size());
  ReadContext lazy_ctx{tight}, same_ctx{tight};
  uint32_t end = 0;
  const Status lazy =
      view::IndexStruct(b, 0, c::Everything::kTernTypeInfo, slots.data(), &end, lazy_ctx);
  const Status same = nested::Index(b, 0, l, t.words.data(), same_ctx);
  EXPECT_FALSE(lazy.ok());
  EXPECT_EQ(same.code(), lazy.code());
  EXPECT_EQ(same.message(), lazy.message());
}

}  // namespace
}  // namespace tern
