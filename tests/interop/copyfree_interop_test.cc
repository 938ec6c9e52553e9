// Copy-free views and builders against Apache Thrift's C++ TBinaryProtocol,
// for every struct of the conformance schema with seeded random values:
//  * a view over bytes Apache wrote (IDL field order, not Tern's canonical
//    one) decodes to what FastRead decodes, and a builder made from it
//    re-emits Apache's bytes exactly (a proxy passes them through);
//  * what a builder emits (fields in the order they were set) Apache reads
//    to the intended values;
//  * one field edited in Apache's bytes: Apache reads the new value there and
//    the received values everywhere else.
#include <gtest/gtest.h>
#include <thrift/protocol/TBinaryProtocol.h>
#include <thrift/transport/TBufferTransports.h>

#include <memory>
#include <string>

#include "apache_conformance_types.h"
#include "apache_io.h"
#include "conformance_types.h"
#include "tern/testing/random_value.h"
#include "tern/thrift/builder.h"
#include "tern/thrift/view.h"
#include "testing/set_all.h"

namespace tern {
namespace {

namespace c = ::tern::conformance;

template <class Tern>
Tern TernRead(const std::string& bytes) {
  Tern v;
  auto r = v.FastRead(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size());
  EXPECT_TRUE(r.ok()) << r.status();
  if (r.ok()) {
    EXPECT_EQ(*r, bytes.size());
  }
  return v;
}

// Apache's bytes for a random Tern value (Apache read Tern's, wrote its own).
template <class Tern, class Apache>
std::string ApacheBytesOf(const Tern& v) {
  return ApacheBytes(ApacheRead<Apache>(TernBytes(v)));
}

template <class Tern, class Apache>
void Check(int seeds) {
  for (int seed = 1; seed <= seeds; ++seed) {
    SCOPED_TRACE(std::string(Tern::kTernTypeInfo.name) + " seed " + std::to_string(seed));
    Tern original;
    ::tern::testing::RandomValue(static_cast<uint64_t>(seed)).Fill(Tern::kTernTypeInfo, &original);
    const std::string apache = ApacheBytesOf<Tern, Apache>(original);

    // A view over Apache's bytes, split into two segments at a seeded spot.
    const size_t cut = 1 + static_cast<size_t>(seed) * 7919 % apache.size();
    std::vector<Slice> parts{Slice::Copy(apache.data(), cut),
                             Slice::Copy(apache.data() + cut, apache.size() - cut)};
    view::Bytes b(std::move(parts));
    auto v = Tern::View::Parse(b);
    ASSERT_TRUE(v.ok()) << v.status();
    EXPECT_EQ(v->WireSize(), apache.size());
    auto from_view = v->ToStruct();
    ASSERT_TRUE(from_view.ok()) << from_view.status();
    EXPECT_TRUE(*from_view == original);
    EXPECT_TRUE(*from_view == TernRead<Tern>(apache));

    // Passed through a builder untouched: Apache's own bytes.
    typename Tern::Builder through(*v);
    EXPECT_EQ(through.ToString(), apache);

    // Built field by field (reverse IDL order): Apache reads the values.
    view::StructBuilder built(Tern::kTernTypeInfo);
    ::tern::testing::SetAll(built, Tern::kTernTypeInfo, &original);
    const std::string ours = built.ToString();
    ASSERT_FALSE(ours.empty());
    Apache theirs;
    try {
      theirs = ApacheRead<Apache>(ours);
    } catch (const std::exception& e) {
      FAIL() << "Apache could not read the builder's bytes: " << e.what();
    }
    EXPECT_EQ(ApacheBytes(theirs), apache);
  }
}

TEST(CopyFreeInteropTest, Scalars) { Check<c::Scalars, apache_conf::Scalars>(100); }
TEST(CopyFreeInteropTest, Defaults) { Check<c::Defaults, apache_conf::Defaults>(30); }
TEST(CopyFreeInteropTest, Requiredness) { Check<c::Requiredness, apache_conf::Requiredness>(100); }
TEST(CopyFreeInteropTest, Numbers) { Check<c::Numbers, apache_conf::Numbers>(100); }
TEST(CopyFreeInteropTest, Containers) { Check<c::Containers, apache_conf::Containers>(100); }
TEST(CopyFreeInteropTest, Unions) { Check<c::Choice, apache_conf::Choice>(100); }
TEST(CopyFreeInteropTest, Exceptions) { Check<c::Failure, apache_conf::Failure>(30); }
TEST(CopyFreeInteropTest, RecursiveTrees) { Check<c::Tree, apache_conf::Tree>(100); }
TEST(CopyFreeInteropTest, SparseIds) { Check<c::Sparse, apache_conf::Sparse>(30); }
TEST(CopyFreeInteropTest, Everything) { Check<c::Everything, apache_conf::Everything>(100); }

// An edit in place of Apache's bytes: Apache reads the new field and the
// received values for the rest.
TEST(CopyFreeInteropTest, EditOfApacheBytesReadsBackInApache) {
  for (int seed = 1; seed <= 50; ++seed) {
    SCOPED_TRACE("seed " + std::to_string(seed));
    c::Everything original, other;
    ::tern::testing::RandomValue(static_cast<uint64_t>(seed))
        .Fill(c::Everything::kTernTypeInfo, &original);
    ::tern::testing::RandomValue(static_cast<uint64_t>(seed) + 5000)
        .Fill(c::Everything::kTernTypeInfo, &other);
    const std::string apache = ApacheBytesOf<c::Everything, apache_conf::Everything>(original);
    view::Bytes b(apache.data(), apache.size());
    auto v = c::Everything::View::Parse(b);
    ASSERT_TRUE(v.ok()) << v.status();
    c::Everything::Builder edit(*v);
    edit.set_containers(other.containers);
    edit.set_sparse(other.sparse);
    const std::string edited = edit.ToString();
    apache_conf::Everything theirs;
    try {
      theirs = ApacheRead<apache_conf::Everything>(edited);
    } catch (const std::exception& e) {
      FAIL() << "Apache could not read the edited bytes: " << e.what();
    }
    c::Everything want = original;
    want.containers = other.containers;
    want.sparse = other.sparse;
    EXPECT_TRUE(TernRead<c::Everything>(ApacheBytes(theirs)) == want);
  }
}

}  // namespace
}  // namespace tern
