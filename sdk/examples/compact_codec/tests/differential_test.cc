// Differential test against Apache Thrift 0.17's TCompactProtocol
// (tern/testing/differential.h): each struct of the conformance schema is
// written with seeded random values, then mutated, and both readers get the
// result; they must both refuse it, or accept it as the same value. A reader
// that accepts what Apache refuses (or the reverse) reads a different
// language from its peers: a bad varint taken for two elements, a stop byte
// not recognised, a limit checked too late. Apache is given the same string
// and container limits as Tern.
#include <gtest/gtest.h>
#include <thrift/protocol/TCompactProtocol.h>
#include <thrift/transport/TBufferTransports.h>

#include <cstdint>
#include <memory>
#include <string>

#include "compact_apache_types.h"
#include "compact_protocol.h"
#include "compact_test_io.h"
#include "conformance_types.h"
#include "tern/testing/differential.h"
#include "tern/testing/random_value.h"

namespace tern {
namespace {

using apache::thrift::protocol::TCompactProtocolT;
using apache::thrift::transport::TTransport;
using testing::ReadOutcome;
namespace c = ::tern::conformance;

constexpr size_t kMaxString = size_t{1} << 20;
constexpr size_t kMaxContainer = size_t{1} << 16;

template <class Apache>
ReadOutcome ApacheOutcome(const std::string& bytes) {
  auto buf = ApacheBuffer(bytes);
  TCompactProtocolT<TTransport> proto(buf, static_cast<int32_t>(kMaxString),
                                      static_cast<int32_t>(kMaxContainer));
  return testing::CatchOutcome([&](size_t* consumed) {
    Apache v;
    v.read(&proto);
    *consumed = bytes.size() - buf->available_read();
    return ApacheBytes(v);
  });
}

template <class Tern>
ReadOutcome TernOutcome(const std::string& bytes) {
  Limits limits;
  limits.max_string = kMaxString;
  limits.max_container = kMaxContainer;
  ReadContext ctx{limits};
  Tern v;
  auto r = compact::Read(Tern::kTernTypeInfo, &v, reinterpret_cast<const uint8_t*>(bytes.data()),
                         bytes.size(), ctx);
  ReadOutcome o;
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
bool Tolerated(const ReadOutcome& ours, const ReadOutcome& theirs, const std::string&) {
  if (ours.ok && theirs.error == std::string("don't know what type: ") + '\x0d') return true;
  return theirs.ok &&
         ours.error.find("container element type does not match the schema") != std::string::npos;
}

// has_union: the type holds a union somewhere.
template <class Tern, class Apache>
void Differential(int values, int mutations, bool has_union = false) {
  testing::DifferentialCase dc;
  dc.name = Tern::kTernTypeInfo.name;
  dc.good = [](uint64_t seed) {
    Tern v;
    testing::RandomValue(seed).Fill(Tern::kTernTypeInfo, &v);
    return TernBytes(v);
  };
  dc.ours = TernOutcome<Tern>;
  dc.theirs = ApacheOutcome<Apache>;
  dc.tolerated = Tolerated;
  dc.has_union = has_union;
  testing::RunDifferential(dc, values, mutations);
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
