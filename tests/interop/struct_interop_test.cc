// Struct-level compatibility with Apache Thrift's C++ TBinaryProtocol, both
// ways, for every struct of the conformance schema with seeded random values:
//   Tern FastWrite -> Apache read -> Apache write -> Tern FastRead == original
// so Apache reads what Tern writes, and Tern reads what Apache writes, and
// the value survives both. (Field order on the wire differs — Tern writes
// fixed-size fields first, Apache in IDL order; both accept any order — so
// bytes are compared by size, values by equality.)
#include <gtest/gtest.h>
#include <thrift/protocol/TBinaryProtocol.h>
#include <thrift/transport/TBufferTransports.h>

#include <memory>
#include <string>

#include "apache_conformance_types.h"
#include "apache_io.h"
#include "conformance_types.h"
#include "tern/testing/random_value.h"

namespace tern {
namespace {

template <class Tern, class Apache>
void CheckBothWays(int seeds) {
  for (int seed = 1; seed <= seeds; ++seed) {
    SCOPED_TRACE(std::string(Tern::kTernTypeInfo.name) + " seed " + std::to_string(seed));
    Tern original;
    testing::RandomValue(static_cast<uint64_t>(seed)).Fill(Tern::kTernTypeInfo, &original);
    const std::string ours = TernBytes(original);
    Apache theirs;
    try {
      theirs = ApacheRead<Apache>(ours);
    } catch (const std::exception& e) {
      FAIL() << "Apache could not read Tern's bytes: " << e.what();
    }
    const std::string apache_bytes = ApacheBytes(theirs);
    EXPECT_EQ(apache_bytes.size(), ours.size());
    Tern back;
    auto r =
        back.FastRead(reinterpret_cast<const uint8_t*>(apache_bytes.data()), apache_bytes.size());
    ASSERT_TRUE(r.ok()) << r.status();
    EXPECT_EQ(*r, apache_bytes.size());
    EXPECT_TRUE(back == original) << "original: " << original << "\nafter Apache: " << back;
    // And Apache re-reads its own bytes to the same bytes (its operator==
    // compares cpp.ref shared_ptrs by address, so bytes are the measure).
    EXPECT_EQ(ApacheBytes(ApacheRead<Apache>(apache_bytes)), apache_bytes);
  }
}

namespace c = ::tern::conformance;

TEST(StructInteropTest, Scalars) { CheckBothWays<c::Scalars, apache_conf::Scalars>(100); }
TEST(StructInteropTest, Defaults) { CheckBothWays<c::Defaults, apache_conf::Defaults>(50); }
TEST(StructInteropTest, Requiredness) {
  CheckBothWays<c::Requiredness, apache_conf::Requiredness>(100);
}
TEST(StructInteropTest, Numbers) { CheckBothWays<c::Numbers, apache_conf::Numbers>(100); }
TEST(StructInteropTest, Containers) { CheckBothWays<c::Containers, apache_conf::Containers>(100); }
TEST(StructInteropTest, Unions) { CheckBothWays<c::Choice, apache_conf::Choice>(100); }
TEST(StructInteropTest, Exceptions) { CheckBothWays<c::Failure, apache_conf::Failure>(50); }
TEST(StructInteropTest, RecursiveTrees) { CheckBothWays<c::Tree, apache_conf::Tree>(100); }
TEST(StructInteropTest, SparseIds) { CheckBothWays<c::Sparse, apache_conf::Sparse>(50); }
TEST(StructInteropTest, RequiredRefs) {
  CheckBothWays<c::RequiredRef, apache_conf::RequiredRef>(50);
}

// A null required `&` field: both write an empty struct, each reads the
// other's bytes (Apache throws on a required field that is missing). Apache
// reads an empty struct into a `&` field as null again; Tern as a default
// value.
TEST(StructInteropTest, NullRequiredRefsAreEmptyStructsBothWays) {
  c::RequiredRef ours;
  ours.n = 3;
  apache_conf::RequiredRef theirs;
  try {
    theirs = ApacheRead<apache_conf::RequiredRef>(TernBytes(ours));
  } catch (const std::exception& e) {
    FAIL() << "Apache could not read Tern's bytes: " << e.what();
  }
  EXPECT_EQ(theirs.sparse, nullptr);
  EXPECT_EQ(theirs.n, 3);
  EXPECT_EQ(ApacheBytes(theirs).size(), TernBytes(ours).size());

  apache_conf::RequiredRef null_theirs;
  null_theirs.n = 4;
  const std::string apache_bytes = ApacheBytes(null_theirs);
  c::RequiredRef back;
  auto r =
      back.FastRead(reinterpret_cast<const uint8_t*>(apache_bytes.data()), apache_bytes.size());
  ASSERT_TRUE(r.ok()) << r.status();
  ASSERT_NE(back.sparse, nullptr);
  EXPECT_EQ(*back.sparse, c::Sparse{});
  EXPECT_EQ(back.n, 4);
}
TEST(StructInteropTest, Everything) { CheckBothWays<c::Everything, apache_conf::Everything>(100); }

TEST(StructInteropTest, ApacheDefaultsMatchTerns) {
  const std::string apache_bytes = ApacheBytes(apache_conf::Defaults());
  c::Defaults ours;
  EXPECT_EQ(TernBytes(ours).size(), apache_bytes.size());
  c::Defaults back;
  ASSERT_TRUE(
      back.FastRead(reinterpret_cast<const uint8_t*>(apache_bytes.data()), apache_bytes.size())
          .ok());
  EXPECT_EQ(back, ours);
}

TEST(StructInteropTest, ApacheRejectsNothingTernWritesForOldSchemas) {
  // Apache's ScalarsV1 (an older schema) reads Tern's Scalars, skipping
  // the fields it does not know, like Tern does.
  c::Scalars s;
  testing::RandomValue(5).Fill(c::Scalars::kTernTypeInfo, &s);
  auto v1 = ApacheRead<apache_conf::ScalarsV1>(TernBytes(s));
  EXPECT_EQ(v1.i64v, s.i64v);
  EXPECT_EQ(v1.s, s.s);
}

}  // namespace
}  // namespace tern
