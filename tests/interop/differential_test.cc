// Differential test of Tern's Binary readers against Apache Thrift 0.17's
// TBinaryProtocol (tern/testing/differential.h), on bytes that are almost
// right: each struct of the conformance schema is written with seeded random
// values, then mutated, and four readers get the result:
//   Apache's generated read(), Tern's generated FastRead, Tern's generic
//   reader (generic::Read over TypeInfo), and a copy-free view
//   (T::View::Parse, then ToStruct).
// Tern's three must agree exactly: same verdict, same bytes consumed, same
// value. With Apache they must agree too — both refuse, or both accept the
// same bytes as the same value — except where Tern differs on purpose (see
// Tolerated). Apache is given the same string and container limits.
#include <gtest/gtest.h>
#include <thrift/protocol/TBinaryProtocol.h>
#include <thrift/transport/TBufferTransports.h>

#include <cstdint>
#include <memory>
#include <string>

#include "apache_conformance_types.h"
#include "apache_io.h"
#include "conformance_types.h"
#include "tern/testing/differential.h"
#include "tern/testing/random_value.h"
#include "tern/thrift/generic.h"
#include "tern/thrift/view.h"
#include "testing/binary_uuid.h"

namespace tern {
namespace {

using apache::thrift::protocol::TBinaryProtocolT;
using apache::thrift::transport::TTransport;
using testing::Hex;
using testing::ReadOutcome;
namespace c = ::tern::conformance;

constexpr size_t kMaxString = size_t{1} << 20;
constexpr size_t kMaxContainer = size_t{1} << 16;

Limits TestLimits() {
  Limits l;
  l.max_string = kMaxString;
  l.max_container = kMaxContainer;
  return l;
}

template <class Apache>
ReadOutcome ApacheOutcome(const std::string& bytes) {
  // (Apache's COPY constructor memcpy()s into a null buffer when there are
  // no bytes, which UBSan reports.)
  auto buf = bytes.empty() ? std::make_shared<TMemoryBuffer>()
                           : std::make_shared<TMemoryBuffer>(
                                 reinterpret_cast<uint8_t*>(const_cast<char*>(bytes.data())),
                                 static_cast<uint32_t>(bytes.size()), TMemoryBuffer::COPY);
  TBinaryProtocolT<TTransport> proto(buf, static_cast<int32_t>(kMaxString),
                                     static_cast<int32_t>(kMaxContainer), false, true);
  return testing::CatchOutcome([&](size_t* consumed) {
    Apache v;
    v.read(&proto);
    *consumed = bytes.size() - buf->available_read();
    return ApacheBytes(v);
  });
}

template <class Tern>
ReadOutcome Accepted(const Tern& v, size_t consumed) {
  ReadOutcome o;
  o.ok = true;
  o.consumed = consumed;
  o.reencoded = TernBytes(v);
  return o;
}
ReadOutcome Refused(const Status& s) {
  ReadOutcome o;
  o.error = s.ToString();
  return o;
}

template <class Tern>
ReadOutcome FastReadOutcome(const std::string& bytes) {
  const Limits limits = TestLimits();
  ReadContext ctx{limits};
  Tern v;
  auto r = v.FastRead(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size(), ctx);
  return r.ok() ? Accepted(v, *r) : Refused(r.status());
}

template <class Tern>
ReadOutcome GenericOutcome(const std::string& bytes) {
  const Limits limits = TestLimits();
  ReadContext ctx{limits};
  Tern v;
  auto r = generic::Read(Tern::kTernTypeInfo, &v, reinterpret_cast<const uint8_t*>(bytes.data()),
                         bytes.size(), ctx);
  return r.ok() ? Accepted(v, *r) : Refused(r.status());
}

template <class Tern>
ReadOutcome ViewOutcome(const std::string& bytes) {
  const Limits limits = TestLimits();
  ReadContext ctx{limits};
  view::Bytes b(bytes.data(), bytes.size());
  auto v = Tern::View::Parse(b, ctx);
  if (!v.ok()) return Refused(v.status());
  Tern out;
  ReadContext ctx2{limits};
  if (Status s = v->ToStruct(&out, ctx2); !s.ok()) return Refused(s);
  return Accepted(out, v->WireSize());
}

// Where Tern differs from Apache on purpose:
//   - type 16 is UUID (Thrift 0.19): Tern skips an unknown UUID field, and
//     takes it for an element type, where Apache 0.17 does not know it;
//   - a list, set or map whose element types contradict the schema: Apache
//     reads the elements as the schema's type anyway, taking one type's
//     bytes for another's; Tern refuses the container.
bool Tolerated(const ReadOutcome& ours, const ReadOutcome& theirs, const std::string& bytes) {
  if (ours.ok && !theirs.ok) {
    const auto* p = reinterpret_cast<const uint8_t*>(bytes.data());
    return testing::HoldsUuid(p, p + ours.consumed, 12);
  }
  return theirs.ok &&
         ours.error.find("container element type does not match the schema") != std::string::npos;
}

void ExpectSame(const ReadOutcome& a, const ReadOutcome& b, const std::string& what,
                const std::string& where) {
  ASSERT_EQ(a.ok, b.ok) << where << "\n"
                        << what << ": " << (a.ok ? "accepted" : a.error) << " vs "
                        << (b.ok ? "accepted" : b.error);
  if (!a.ok) return;
  ASSERT_EQ(a.consumed, b.consumed) << where << "\n" << what;
  ASSERT_EQ(Hex(a.reencoded), Hex(b.reencoded)) << where << "\n" << what;
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
  dc.ours = FastReadOutcome<Tern>;
  dc.theirs = ApacheOutcome<Apache>;
  dc.tolerated = Tolerated;
  dc.also = [](const std::string& bytes, const ReadOutcome& ours, const std::string& where) {
    ExpectSame(ours, GenericOutcome<Tern>(bytes), "FastRead vs generic::Read", where);
    ExpectSame(ours, ViewOutcome<Tern>(bytes), "FastRead vs View::Parse + ToStruct", where);
  };
  dc.has_union = has_union;
  testing::RunDifferential(dc, values, mutations);
}

TEST(BinaryDifferentialTest, Scalars) { Differential<c::Scalars, apache_conf::Scalars>(40, 250); }
TEST(BinaryDifferentialTest, Defaults) {
  Differential<c::Defaults, apache_conf::Defaults>(20, 250);
}
TEST(BinaryDifferentialTest, Requiredness) {
  Differential<c::Requiredness, apache_conf::Requiredness>(40, 250);
}
TEST(BinaryDifferentialTest, Numbers) { Differential<c::Numbers, apache_conf::Numbers>(40, 250); }
TEST(BinaryDifferentialTest, Containers) {
  Differential<c::Containers, apache_conf::Containers>(40, 250);
}
TEST(BinaryDifferentialTest, Unions) {
  Differential<c::Choice, apache_conf::Choice>(40, 250, true);
}
TEST(BinaryDifferentialTest, Exceptions) {
  Differential<c::Failure, apache_conf::Failure>(20, 250);
}
TEST(BinaryDifferentialTest, RecursiveTrees) { Differential<c::Tree, apache_conf::Tree>(40, 250); }
TEST(BinaryDifferentialTest, SparseIds) { Differential<c::Sparse, apache_conf::Sparse>(20, 250); }
TEST(BinaryDifferentialTest, RequiredRef) {
  Differential<c::RequiredRef, apache_conf::RequiredRef>(20, 250);
}
TEST(BinaryDifferentialTest, Everything) {
  Differential<c::Everything, apache_conf::Everything>(20, 250, true);
}

}  // namespace
}  // namespace tern
