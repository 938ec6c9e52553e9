// Differential test against Apache Thrift 0.17's TCompactProtocol
// (tern/testing/differential.h): each struct of the conformance schema is
// written with seeded random values, then mutated, and both readers get the
// result; they must both refuse it, or accept it as the same value. A reader
// that accepts what Apache refuses (or the reverse) reads a different
// language from its peers: a bad varint taken for two elements, a stop byte
// not recognised, a limit checked too late. Apache is given the same string
// and container limits as Tern.
#include <gtest/gtest.h>
#include <thrift/TApplicationException.h>
#include <thrift/protocol/TCompactProtocol.h>
#include <thrift/transport/TBufferTransports.h>

#include <cstdint>
#include <memory>
#include <random>
#include <string>

#include "compact_apache_types.h"
#include "compact_codec.h"
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

// ---- message headers --------------------------------------------------------
//
// The same for whole messages: Apache writes an envelope (names from empty
// to a few hundred bytes of any value, every message type, any sequence id)
// and, for an EXCEPTION, a TApplicationException; mutated, the bytes go to
// CompactCodec's DecodeHeader (+ DecodeException) and to Apache's
// readMessageBegin (+ TApplicationException::read). Kept on purpose, besides
// the UUID type: Apache's readMessageBegin takes any of the 8 type values the
// 3 bits hold (its processor or client refuses the wrong ones later), Tern
// refuses one that is no message type while reading the header; and Tern
// refuses bytes after the exception inside its frame, which Apache leaves
// for the next read.

std::string GoodMessage(uint64_t seed) {
  std::mt19937_64 rng(seed);
  auto buf = std::make_shared<apache::thrift::transport::TMemoryBuffer>();
  TCompactProtocolT<TTransport> p(buf);
  static constexpr size_t kNameSizes[] = {0, 1, 4, 12, 40, 300};
  std::string name(kNameSizes[rng() % std::size(kNameSizes)], '\0');
  for (char& ch : name) ch = static_cast<char>(rng() % 4 == 0 ? rng() : 'a' + rng() % 26);
  const auto type = static_cast<apache::thrift::protocol::TMessageType>(1 + rng() % 4);
  p.writeMessageBegin(name, type, static_cast<int32_t>(rng()));
  if (type == apache::thrift::protocol::T_EXCEPTION) {
    apache::thrift::TApplicationException(
        static_cast<apache::thrift::TApplicationException::TApplicationExceptionType>(rng() % 11),
        std::string(rng() % 3 == 0 ? 0 : rng() % 100, 'w'))
        .write(&p);
  } else {
    p.writeStructBegin("args");
    p.writeFieldBegin("x", apache::thrift::protocol::T_I32, 1);
    p.writeI32(static_cast<int32_t>(rng()));
    p.writeFieldEnd();
    p.writeFieldStop();
    p.writeStructEnd();
  }
  p.writeMessageEnd();
  return buf->getBufferAsString();
}

// Apache's writer for a header (and exception): the re-encoding both sides
// use, so that only what was read is compared.
std::string WriteMessage(const std::string& name, apache::thrift::protocol::TMessageType type,
                         int32_t seqid, const apache::thrift::TApplicationException* ex) {
  auto buf = std::make_shared<apache::thrift::transport::TMemoryBuffer>();
  TCompactProtocolT<TTransport> w(buf);
  w.writeMessageBegin(name, type, seqid);
  if (ex != nullptr) ex->write(&w);
  return buf->getBufferAsString();
}

Limits MessageLimits() {
  Limits limits;
  limits.max_string = kMaxString;
  limits.max_container = kMaxContainer;
  return limits;
}

ReadOutcome TernMessageOutcome(const std::string& bytes) {
  const compact::CompactCodec codec(/*framed=*/false);
  FrameView frame{reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size(), 0, {}};
  ReadOutcome o;
  Result<MessageHeader> h = codec.DecodeHeader(frame, MessageLimits());
  if (!h.ok()) {
    o.error = h.status().ToString();
    return o;
  }
  const std::string name(h->name);
  const auto type = static_cast<apache::thrift::protocol::TMessageType>(h->type);
  if (h->type != MessageType::kException) {
    o.ok = true;
    o.consumed = frame.pos;
    o.reencoded = WriteMessage(name, type, h->seqid, nullptr);
    return o;
  }
  Result<AppException> ex = codec.DecodeException(frame, MessageLimits());
  if (!ex.ok()) {
    o.error = ex.status().ToString();
    return o;
  }
  const apache::thrift::TApplicationException as_apache(
      static_cast<apache::thrift::TApplicationException::TApplicationExceptionType>(ex->type),
      ex->message);
  o.ok = true;
  o.consumed = frame.pos;
  o.reencoded = WriteMessage(name, type, h->seqid, &as_apache);
  return o;
}

// Apache reading `bytes` with `read`, which returns what it read re-encoded.
template <class Read>
ReadOutcome ApacheReads(const std::string& bytes, Read&& read) {
  auto buf = ApacheBuffer(bytes);
  TCompactProtocolT<TTransport> in(buf, static_cast<int32_t>(kMaxString),
                                   static_cast<int32_t>(kMaxContainer));
  return testing::CatchOutcome([&](size_t* consumed) {
    std::string out = read(in);
    *consumed = bytes.size() - buf->available_read();
    return out;
  });
}

ReadOutcome ApacheMessageOutcome(const std::string& bytes) {
  return ApacheReads(bytes, [](TCompactProtocolT<TTransport>& in) {
    std::string name;
    apache::thrift::protocol::TMessageType type;
    int32_t seqid = 0;
    in.readMessageBegin(name, type, seqid);
    std::string out;
    if (type == apache::thrift::protocol::T_EXCEPTION) {
      apache::thrift::TApplicationException ex;
      ex.read(&in);
      out = WriteMessage(name, type, seqid, &ex);
    } else {
      out = WriteMessage(name, type, seqid, nullptr);
    }
    in.readMessageEnd();
    return out;
  });
}

// Whether Apache read a message whose type is no message type (the top 3
// bits of byte 1).
bool TypeIsNoMessageType(const std::string& bytes) {
  if (bytes.size() < 2) return false;
  const auto type = static_cast<uint8_t>(static_cast<uint8_t>(bytes[1]) >> 5);
  return type < 1 || type > 4;
}

bool IsUnknownUuid(const ReadOutcome& theirs) {
  return theirs.error == std::string("don't know what type: ") + '\x0d';
}

testing::DifferentialCase MessageCase() {
  testing::DifferentialCase dc;
  dc.name = "message";
  dc.good = GoodMessage;
  dc.ours = TernMessageOutcome;
  dc.theirs = ApacheMessageOutcome;
  dc.tolerated = [](const ReadOutcome& ours, const ReadOutcome& theirs, const std::string& bytes) {
    if (ours.ok) return IsUnknownUuid(theirs);
    if (!theirs.ok) return false;
    return TypeIsNoMessageType(bytes) ||
           (ours.error.find("trailing bytes after TApplicationException") != std::string::npos &&
            theirs.consumed < bytes.size());
  };
  // A header is most of a short message, and a mutated type is one Apache
  // takes and Tern refuses: more such inputs than in a struct.
  dc.max_tolerated = 0.25;
  return dc;
}

TEST(CompactDifferentialTest, MessageHeadersAndExceptions) {
  testing::RunDifferential(MessageCase(), /*values=*/300, /*mutations=*/100);
}

TEST(CompactDifferentialTest, EveryGoodMessageReadsTheSameBothWays) {
  testing::ExpectAgreeOnGood(MessageCase(), 64);
}

// ---- the Buffered framer ---------------------------------------------------
//
// Where a message ends with no frame length to say: CompactCodec's Buffered
// framer scans the message's shape; Apache reads the envelope and skips the
// body struct (TProtocol::skip). On mutated messages (an envelope and a
// random conformance struct) they must find the same end, or both refuse
// (incomplete, or malformed). Kept on purpose, as above: a type value that
// is no message type, and UUID.

std::string GoodBufferedMessage(uint64_t seed) {
  c::Everything v;
  testing::RandomValue(seed).Fill(c::Everything::kTernTypeInfo, &v);
  const auto type = static_cast<apache::thrift::protocol::TMessageType>(1 + seed % 4);
  return WriteMessage("call", type, static_cast<int32_t>(seed), nullptr) + TernBytes(v);
}

testing::DifferentialCase FramerCase() {
  testing::DifferentialCase dc;
  dc.name = "buffered message";
  dc.good = GoodBufferedMessage;
  dc.ours = [](const std::string& bytes) {
    static const compact::CompactCodec codec(/*framed=*/false);
    return testing::FrameOutcome(codec, bytes, MessageLimits());
  };
  dc.theirs = [](const std::string& bytes) {
    ReadOutcome o = ApacheReads(bytes, [](TCompactProtocolT<TTransport>& in) {
      std::string name;
      apache::thrift::protocol::TMessageType type;
      int32_t seqid = 0;
      in.readMessageBegin(name, type, seqid);
      in.skip(apache::thrift::protocol::T_STRUCT);
      in.readMessageEnd();
      return std::string();
    });
    if (o.ok) o.reencoded = bytes.substr(0, o.consumed);  // as the framer's outcome
    return o;
  };
  dc.tolerated = [](const ReadOutcome& ours, const ReadOutcome& theirs, const std::string& bytes) {
    if (ours.ok) return IsUnknownUuid(theirs);
    return theirs.ok && TypeIsNoMessageType(bytes);
  };
  dc.max_tolerated = 0.25;
  return dc;
}

TEST(CompactDifferentialTest, BufferedFramerFindsApachesMessageEnd) {
  testing::RunDifferential(FramerCase(), /*values=*/200, /*mutations=*/100);
}

TEST(CompactDifferentialTest, EveryGoodMessageEndsWhereApacheSaysBothWays) {
  testing::ExpectAgreeOnGood(FramerCase(), 64);
}

}  // namespace
}  // namespace tern
