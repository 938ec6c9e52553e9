// Differential tests at the message level against Apache Thrift 0.17's
// TBinaryProtocol (tern/testing/differential.h), on messages that are almost
// right: valid for a seed, then mutated.
//
// Envelopes: Apache writes an envelope (strict or non-strict, names from
// empty to a few hundred bytes of any value, every message type, any
// sequence id) and, for an EXCEPTION, a TApplicationException. Tern's
// ReadEnvelope (+ ReadAppException) and Apache's readMessageBegin
// (+ TApplicationException::read) must refuse together, or read the same
// envelope (and exception) from the same bytes.
//
// Buffered framer: where does a message end, with no frame length to say?
// Tern's framer scans the message's shape; Apache reads the envelope and
// skips the body struct (TProtocol::skip), as its server does with a message
// it cannot dispatch. On a strict envelope and a random conformance struct,
// they must find the same end, or both refuse (incomplete: the framer waits
// for more where Apache hits the end; or malformed).
//
// Kept on purpose: Apache's readMessageBegin takes any type byte (its
// processor refuses a type other than CALL/ONEWAY later, its client one
// other than REPLY/EXCEPTION); Tern refuses a type that is none of the four
// while reading the header. And a UUID (type 16, Thrift 0.19) is skipped by
// Tern, unknown to Apache 0.17.
#include <gtest/gtest.h>
#include <thrift/TApplicationException.h>
#include <thrift/protocol/TBinaryProtocol.h>
#include <thrift/transport/TBufferTransports.h>

#include <cstdint>
#include <functional>
#include <memory>
#include <random>
#include <string>

#include "conformance_types.h"
#include "plugins/thrift_fast/app_exception.h"
#include "plugins/thrift_fast/binary_codec.h"
#include "plugins/thrift_fast/envelope.h"
#include "tern/testing/differential.h"
#include "tern/testing/random_value.h"
#include "testing/binary_uuid.h"

namespace tern::thrift_fast {
namespace {

namespace ap = ::apache::thrift;
namespace apt = ::apache::thrift::transport;
namespace app = ::apache::thrift::protocol;
using testing::DifferentialCase;
using testing::ReadOutcome;

constexpr size_t kMaxString = 4096;
constexpr size_t kMaxContainer = 1024;

Limits TestLimits() {
  Limits l;
  l.max_string = kMaxString;
  l.max_container = kMaxContainer;
  return l;
}

using Protocol = app::TBinaryProtocolT<apt::TTransport>;

// Apache's protocol over `buf`: non-strict envelopes read (its default), the
// same string and container limits as Tern's.
Protocol ApacheProtocol(std::shared_ptr<apt::TMemoryBuffer> buf, bool strict_write) {
  return Protocol(std::move(buf), static_cast<int32_t>(kMaxString),
                  static_cast<int32_t>(kMaxContainer), /*strict_read=*/false, strict_write);
}

// Apache reading `bytes` with `read`, which returns what it read re-encoded.
ReadOutcome ApacheReads(const std::string& bytes,
                        const std::function<std::string(Protocol& in)>& read) {
  // (Apache's COPY constructor memcpy()s from a null buffer when there are
  // no bytes, which UBSan reports.)
  auto buf = bytes.empty() ? std::make_shared<apt::TMemoryBuffer>()
                           : std::make_shared<apt::TMemoryBuffer>(
                                 reinterpret_cast<uint8_t*>(const_cast<char*>(bytes.data())),
                                 static_cast<uint32_t>(bytes.size()), apt::TMemoryBuffer::COPY);
  Protocol in = ApacheProtocol(buf, true);
  return testing::CatchOutcome([&](size_t* consumed) {
    std::string out = read(in);
    *consumed = bytes.size() - buf->available_read();
    return out;
  });
}

// Whether the body after the envelope at the start of `bytes`, up to
// `end`, holds a UUID.
bool BodyHoldsUuid(const std::string& bytes, size_t end) {
  const auto* p = reinterpret_cast<const uint8_t*>(bytes.data());
  MessageHeader h;
  Result<size_t> envelope = ReadEnvelope(p, bytes.size(), TestLimits(), &h);
  if (!envelope.ok()) return false;
  const uint8_t* body = p + *envelope;
  return testing::HoldsUuid(body, p + end, 12);
}

// Whether Apache read a message whose type byte is no message type: the
// byte after the first word of a strict envelope, after the name of a
// non-strict one (`bytes` as Apache read them).
bool TypeIsNoMessageType(const std::string& bytes) {
  if (bytes.size() < 4) return false;
  const int32_t first = wire::LoadI32(reinterpret_cast<const uint8_t*>(bytes.data()));
  const size_t at = first < 0 ? 3 : 4 + static_cast<size_t>(first);
  return at < bytes.size() && !IsValidMessageType(static_cast<uint8_t>(bytes[at]));
}

// ---- envelopes ---------------------------------------------------------------

std::string GoodMessage(uint64_t seed) {
  std::mt19937_64 rng(seed);
  auto buf = std::make_shared<apt::TMemoryBuffer>();
  Protocol p = ApacheProtocol(buf, /*strict_write=*/seed % 2 == 0);
  static constexpr size_t kNameSizes[] = {0, 1, 4, 12, 40, 300};
  std::string name(kNameSizes[rng() % std::size(kNameSizes)], '\0');
  for (char& c : name) c = static_cast<char>(rng() % 4 == 0 ? rng() : 'a' + rng() % 26);
  const auto type = static_cast<app::TMessageType>(1 + rng() % 4);
  p.writeMessageBegin(name, type, static_cast<int32_t>(rng()));
  if (type == app::T_EXCEPTION) {
    std::string what(rng() % 3 == 0 ? 0 : rng() % 100, 'w');
    ap::TApplicationException(
        static_cast<ap::TApplicationException::TApplicationExceptionType>(rng() % 11), what)
        .write(&p);
  } else {
    // A body follows the envelope (what it holds is not read here).
    p.writeStructBegin("args");
    p.writeFieldBegin("x", app::T_I32, 1);
    p.writeI32(static_cast<int32_t>(rng()));
    p.writeFieldEnd();
    p.writeFieldStop();
    p.writeStructEnd();
  }
  p.writeMessageEnd();
  return buf->getBufferAsString();
}

// Tern's reading: the envelope, and for an EXCEPTION the exception after it,
// re-encoded by Tern (strict).
ReadOutcome TernReadsMessage(const std::string& bytes) {
  const auto* p = reinterpret_cast<const uint8_t*>(bytes.data());
  const Limits limits = TestLimits();
  ReadOutcome o;
  MessageHeader h;
  Result<size_t> used = ReadEnvelope(p, bytes.size(), limits, &h);
  if (!used.ok()) {
    o.error = used.status().ToString();
    return o;
  }
  o.consumed = *used;
  o.reencoded.resize(EnvelopeSize(h.name.size()));
  WriteEnvelope(reinterpret_cast<uint8_t*>(o.reencoded.data()), h);
  if (h.type == MessageType::kException) {
    AppException ex;
    Result<size_t> more = ReadAppException(p + o.consumed, bytes.size() - o.consumed, limits, &ex);
    if (!more.ok()) {
      o.error = more.status().ToString();
      return o;
    }
    o.consumed += *more;
    std::string body(AppExceptionSize(ex), '\0');
    WriteAppException(reinterpret_cast<uint8_t*>(body.data()), ex);
    o.reencoded += body;
  }
  o.ok = true;
  return o;
}

// Apache's reading, re-encoded by Apache (strict).
ReadOutcome ApacheReadsMessage(const std::string& bytes) {
  return ApacheReads(bytes, [](Protocol& in) {
    std::string name;
    app::TMessageType type;
    int32_t seqid = 0;
    in.readMessageBegin(name, type, seqid);
    auto buf = std::make_shared<apt::TMemoryBuffer>();
    Protocol out = ApacheProtocol(buf, true);
    out.writeMessageBegin(name, type, seqid);
    if (type == app::T_EXCEPTION) {
      ap::TApplicationException ex;
      ex.read(&in);
      ex.write(&out);
    }
    in.readMessageEnd();
    return buf->getBufferAsString();
  });
}

DifferentialCase MessageCase() {
  DifferentialCase c;
  c.name = "envelope";
  c.good = GoodMessage;
  c.ours = TernReadsMessage;
  c.theirs = ApacheReadsMessage;
  c.tolerated = [](const ReadOutcome& ours, const ReadOutcome& theirs, const std::string& bytes) {
    if (ours.ok) return BodyHoldsUuid(bytes, ours.consumed);  // in an exception
    return theirs.ok && TypeIsNoMessageType(bytes);
  };
  // A header is most of a short message, and a mutated type byte is one
  // Apache takes and Tern refuses: more such inputs than in a struct.
  c.max_tolerated = 0.25;
  return c;
}

TEST(EnvelopeDifferentialTest, TernAndApacheReadTheSameMessageHeaders) {
  testing::RunDifferential(MessageCase(), /*values=*/300, /*mutations=*/100);
}

TEST(EnvelopeDifferentialTest, EveryGoodMessageReadsTheSameBothWays) {
  testing::ExpectAgreeOnGood(MessageCase(), 64);
}

// ---- the Buffered framer -----------------------------------------------------

std::string GoodBufferedMessage(uint64_t seed) {
  conformance::Everything v;
  testing::RandomValue(seed).Fill(conformance::Everything::kTernTypeInfo, &v);
  const MessageHeader h{"call", static_cast<MessageType>(1 + seed % 4), static_cast<int32_t>(seed)};
  std::string s(EnvelopeSize(h.name.size()) + v.BLength(), '\0');
  v.FastWrite(WriteEnvelope(reinterpret_cast<uint8_t*>(s.data()), h));
  return s;
}

DifferentialCase FramerCase() {
  DifferentialCase c;
  c.name = "buffered message";
  c.good = GoodBufferedMessage;
  c.ours = [](const std::string& bytes) {
    static const BinaryCodec codec(Framing::kBuffered);
    return testing::FrameOutcome(codec, bytes, TestLimits());
  };
  c.theirs = [](const std::string& bytes) {
    ReadOutcome o = ApacheReads(bytes, [](Protocol& in) {
      std::string name;
      app::TMessageType type;
      int32_t seqid = 0;
      in.readMessageBegin(name, type, seqid);
      in.skip(app::T_STRUCT);
      in.readMessageEnd();
      return std::string();
    });
    if (o.ok) o.reencoded = bytes.substr(0, o.consumed);  // as the framer's outcome
    return o;
  };
  c.tolerated = [](const ReadOutcome& ours, const ReadOutcome& theirs, const std::string& bytes) {
    if (ours.ok) return BodyHoldsUuid(bytes, ours.consumed);
    return theirs.ok && TypeIsNoMessageType(bytes);
  };
  c.max_tolerated = 0.25;
  return c;
}

TEST(BufferedFramerDifferentialTest, TernAndApacheFindTheSameMessageEnd) {
  testing::RunDifferential(FramerCase(), /*values=*/200, /*mutations=*/100);
}

TEST(BufferedFramerDifferentialTest, EveryGoodMessageEndsWhereApacheSaysBothWays) {
  testing::ExpectAgreeOnGood(FramerCase(), 64);
}

}  // namespace
}  // namespace tern::thrift_fast
