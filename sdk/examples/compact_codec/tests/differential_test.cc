// Differential test against Apache Thrift 0.17's TCompactProtocol: bytes
// that are almost right. Each struct of the conformance schema is written
// with seeded random values, then mutated (bytes changed, cut, inserted,
// repeated, removed), and both readers get the result. They must agree:
//   - both refuse it, or
//   - both accept it, consume the same number of bytes, and hold the same
//     value (Tern's reading re-encodes to the bytes of Tern's reading of
//     Apache's value re-encoded).
// A reader that accepts what Apache refuses (or the reverse) reads a
// different language from its peers: a bad varint taken for two elements, a
// type mismatch read instead of skipped, a limit checked too late. Apache is
// given the same string and container limits as Tern.
#include <gtest/gtest.h>
#include <thrift/protocol/TCompactProtocol.h>
#include <thrift/transport/TBufferTransports.h>

#include <cstdint>
#include <memory>
#include <string>

#include "compact_apache_types.h"
#include "compact_protocol.h"
#include "conformance_types.h"
#include "tern/testing/mutate.h"
#include "tern/testing/random_value.h"

namespace tern {
namespace {

using apache::thrift::protocol::TCompactProtocolT;
using apache::thrift::transport::TMemoryBuffer;
using apache::thrift::transport::TTransport;
namespace c = ::tern::conformance;

constexpr size_t kMaxString = size_t{1} << 20;
constexpr size_t kMaxContainer = size_t{1} << 16;

Limits TestLimits() {
  Limits l;
  l.max_string = kMaxString;
  l.max_container = kMaxContainer;
  return l;
}

template <class Tern>
std::string TernBytes(const Tern& v) {
  std::string s(compact::EncodedSize(Tern::kTernTypeInfo, &v), '\0');
  compact::Write(Tern::kTernTypeInfo, &v, reinterpret_cast<uint8_t*>(s.data()));
  return s;
}

template <class Apache>
std::string ApacheBytes(const Apache& v) {
  auto buf = std::make_shared<TMemoryBuffer>();
  TCompactProtocolT<TTransport> proto(buf);
  v.write(&proto);
  return buf->getBufferAsString();
}

// Apache's reading of `bytes`: whether it accepted them, how many it
// consumed, its value re-encoded, or its error.
struct Outcome {
  bool ok = false;
  size_t consumed = 0;
  std::string reencoded;
  std::string error;
};

template <class Apache>
Outcome ApacheRead(const std::string& bytes) {
  auto buf =
      std::make_shared<TMemoryBuffer>(reinterpret_cast<uint8_t*>(const_cast<char*>(bytes.data())),
                                      static_cast<uint32_t>(bytes.size()), TMemoryBuffer::COPY);
  TCompactProtocolT<TTransport> proto(buf, static_cast<int32_t>(kMaxString),
                                      static_cast<int32_t>(kMaxContainer));
  Outcome o;
  try {
    Apache v;
    v.read(&proto);
    o.ok = true;
    o.consumed = bytes.size() - buf->available_read();
    o.reencoded = ApacheBytes(v);
  } catch (const std::exception& e) {
    o.error = e.what();
  }
  return o;
}

template <class Tern>
Outcome TernRead(const std::string& bytes) {
  const Limits limits = TestLimits();
  ReadContext ctx{limits};
  Tern v;
  auto r = compact::Read(Tern::kTernTypeInfo, &v, reinterpret_cast<const uint8_t*>(bytes.data()),
                         bytes.size(), ctx);
  Outcome o;
  if (r.ok()) {
    o.ok = true;
    o.consumed = *r;
    o.reencoded = TernBytes(v);
  } else {
    o.error = r.status().ToString();
  }
  return o;
}

// Where the two differ on purpose:
//   - type 13 is UUID (Thrift 0.19); Tern skips an unknown UUID field as any
//     other, Apache 0.17 does not know the type;
//   - a list, set or map whose element types contradict the schema: Apache
//     reads the elements as the schema's type anyway, taking one type's
//     bytes for another's; Tern refuses the container.
bool Tolerated(const Outcome& ours, const Outcome& theirs) {
  if (ours.ok && theirs.error == std::string("don't know what type: ") + '\x0d') return true;
  return theirs.ok &&
         ours.error.find("container element type does not match the schema") != std::string::npos;
}

// has_union: the type holds a union somewhere. Bytes with two members of a
// union read as two members set in Apache's C++ (its unions are structs),
// as the last one in Tern's; such values are not compared.
template <class Tern, class Apache>
void Differential(int values, int mutations, bool has_union = false) {
  int accepted = 0, tolerated = 0, union_differs = 0;
  for (int seed = 1; seed <= values; ++seed) {
    Tern original;
    testing::RandomValue(static_cast<uint64_t>(seed)).Fill(Tern::kTernTypeInfo, &original);
    const std::string good = TernBytes(original);
    testing::Mutator mutator(static_cast<uint64_t>(seed) * 7919);
    for (int m = 0; m < mutations; ++m) {
      const std::string bytes = mutator.Mutate(good);
      const Outcome theirs = ApacheRead<Apache>(bytes);
      const Outcome ours = TernRead<Tern>(bytes);
      const std::string where = std::string(Tern::kTernTypeInfo.name) + " seed " +
                                std::to_string(seed) + " mutation " + std::to_string(m) +
                                "\nbytes: " + testing::Hex(bytes);
      if (ours.ok != theirs.ok && Tolerated(ours, theirs)) {
        ++tolerated;
        continue;
      }
      ASSERT_EQ(ours.ok, theirs.ok)
          << where << "\nApache: " << (theirs.ok ? "accepted" : theirs.error)
          << "\nTern: " << (ours.ok ? "accepted" : ours.error);
      if (!ours.ok) continue;
      ++accepted;
      ASSERT_EQ(ours.consumed, theirs.consumed) << where;
      // Apache's value carried over to Tern: Apache reads a `&` struct with
      // none of its fields as null, and writes null as an empty struct, which
      // Tern reads as the default value it read in the first place.
      const Outcome carried = TernRead<Tern>(theirs.reencoded);
      ASSERT_TRUE(carried.ok) << where << "\nApache's value: " << testing::Hex(theirs.reencoded)
                              << "\nTern on it: " << carried.error;
      if (has_union && ours.reencoded != carried.reencoded) {
        ++union_differs;
        continue;
      }
      ASSERT_EQ(testing::Hex(ours.reencoded), testing::Hex(carried.reencoded))
          << where << "\nApache's value: " << testing::Hex(theirs.reencoded);
    }
  }
  // Most edits break the bytes; some must not (a changed value, a cut after
  // the last field), or the comparison above proved little.
  EXPECT_GT(accepted, 0) << "no mutation was accepted by both";
  // The tolerated differences stay exceptions.
  EXPECT_LT(tolerated, values * mutations / 10);
  EXPECT_LT(union_differs, accepted / 10 + 1);
}

TEST(CompactDifferentialTest, Scalars) {
  Differential<c::Scalars, compact_apache::Scalars>(40, 250);
}
TEST(CompactDifferentialTest, Defaults) {
  Differential<c::Defaults, compact_apache::Defaults>(20, 250);
}
TEST(CompactDifferentialTest, Requiredness) {
  Differential<c::Requiredness, compact_apache::Requiredness>(40, 250);
}
TEST(CompactDifferentialTest, Numbers) {
  Differential<c::Numbers, compact_apache::Numbers>(40, 250);
}
TEST(CompactDifferentialTest, Containers) {
  Differential<c::Containers, compact_apache::Containers>(40, 250);
}
TEST(CompactDifferentialTest, Unions) {
  Differential<c::Choice, compact_apache::Choice>(40, 250, true);
}
TEST(CompactDifferentialTest, Exceptions) {
  Differential<c::Failure, compact_apache::Failure>(20, 250);
}
TEST(CompactDifferentialTest, RecursiveTrees) {
  Differential<c::Tree, compact_apache::Tree>(40, 250);
}
TEST(CompactDifferentialTest, SparseIds) {
  Differential<c::Sparse, compact_apache::Sparse>(20, 250);
}
TEST(CompactDifferentialTest, RequiredRef) {
  Differential<c::RequiredRef, compact_apache::RequiredRef>(20, 250);
}
TEST(CompactDifferentialTest, Everything) {
  Differential<c::Everything, compact_apache::Everything>(20, 250, true);
}

}  // namespace
}  // namespace tern
