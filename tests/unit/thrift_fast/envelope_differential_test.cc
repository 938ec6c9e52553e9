// Differential tests of thrift_fast's message envelope and
// TApplicationException readers, and of its Buffered framer, against Apache
// Thrift 0.17's TBinaryProtocol (tern/testing/differential.h), on messages
// that are almost right.
//
// Envelopes: Apache writes an envelope (strict or non-strict, names from empty
// to a few hundred bytes of any value, every message type, any sequence id)
// and, for an EXCEPTION, a TApplicationException; the bytes are mutated and
// both read them: Tern's ReadEnvelope (+ ReadAppException), Apache's
// readMessageBegin (+ TApplicationException::read). They must refuse
// together, or read the same envelope (and exception) from the same bytes.
//
// Kept on purpose: Apache's readMessageBegin takes any type byte (its
// processor refuses a type other than CALL/ONEWAY later, its client one
// other than REPLY/EXCEPTION); Tern refuses a type that is none of the four
// while reading the header. And a UUID field (type 16, Thrift 0.19) in an
// exception is skipped by Tern, unknown to Apache 0.17.
#include <gtest/gtest.h>
#include <thrift/TApplicationException.h>
#include <thrift/protocol/TBinaryProtocol.h>
#include <thrift/transport/TBufferTransports.h>

#include <cstdint>
#include <memory>
#include <random>
#include <string>

#include "conformance_types.h"
#include "plugins/thrift_fast/app_exception.h"
#include "plugins/thrift_fast/envelope.h"
#include "plugins/thrift_fast/framer.h"
#include "tern/buffer.h"
#include "tern/testing/differential.h"
#include "tern/testing/random_value.h"
#include "testing/binary_uuid.h"

namespace tern::thrift_fast {
namespace {

namespace ap = ::apache::thrift;
namespace apt = ::apache::thrift::transport;
namespace app = ::apache::thrift::protocol;
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

// A message as Apache writes it for `seed`.
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
ReadOutcome TernOutcome(const std::string& bytes) {
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
ReadOutcome ApacheOutcome(const std::string& bytes) {
  // (Apache's COPY constructor memcpy()s from a null buffer when there are
  // no bytes, which UBSan reports.)
  auto in = bytes.empty() ? std::make_shared<apt::TMemoryBuffer>()
                          : std::make_shared<apt::TMemoryBuffer>(
                                reinterpret_cast<uint8_t*>(const_cast<char*>(bytes.data())),
                                static_cast<uint32_t>(bytes.size()), apt::TMemoryBuffer::COPY);
  Protocol r = ApacheProtocol(in, true);
  return testing::CatchOutcome([&](size_t* consumed) {
    std::string name;
    app::TMessageType type;
    int32_t seqid = 0;
    r.readMessageBegin(name, type, seqid);
    auto out = std::make_shared<apt::TMemoryBuffer>();
    Protocol w = ApacheProtocol(out, true);
    w.writeMessageBegin(name, type, seqid);
    if (type == app::T_EXCEPTION) {
      ap::TApplicationException ex;
      ex.read(&r);
      ex.write(&w);
    }
    r.readMessageEnd();
    *consumed = bytes.size() - in->available_read();
    return out->getBufferAsString();
  });
}

TEST(EnvelopeDifferentialTest, TernAndApacheReadTheSameMessageHeaders) {
  testing::DifferentialCase c;
  c.name = "envelope";
  c.good = GoodMessage;
  c.ours = TernOutcome;
  c.theirs = ApacheOutcome;
  c.tolerated = [](const ReadOutcome& ours, const ReadOutcome& theirs, const std::string& bytes) {
    if (ours.ok) {
      // An exception with a UUID field (Thrift 0.19), which Tern skips.
      const auto* p = reinterpret_cast<const uint8_t*>(bytes.data());
      MessageHeader h;
      Result<size_t> envelope = ReadEnvelope(p, bytes.size(), TestLimits(), &h);
      if (!envelope.ok()) return false;
      p += *envelope;
      return testing::HoldsUuid(p, reinterpret_cast<const uint8_t*>(bytes.data()) + ours.consumed,
                                12);
    }
    // Apache took a type byte that is no message type (its strict
    // re-encoding has the type in byte 3).
    return theirs.ok && theirs.reencoded.size() >= 4 &&
           !IsValidMessageType(static_cast<uint8_t>(theirs.reencoded[3]));
  };
  // A header is most of a short message, and a mutated type byte is one
  // Apache takes and Tern refuses: more such inputs than elsewhere.
  c.max_tolerated = 0.25;
  testing::RunDifferential(c, /*values=*/300, /*mutations=*/100);
}

// The good messages themselves: both read every one, strict and not.
TEST(EnvelopeDifferentialTest, EveryGoodMessageReadsTheSameBothWays) {
  for (uint64_t seed = 1; seed <= 64; ++seed) {
    const std::string bytes = GoodMessage(seed);
    const ReadOutcome ours = TernOutcome(bytes);
    const ReadOutcome theirs = ApacheOutcome(bytes);
    ASSERT_TRUE(ours.ok) << "seed " << seed << ": " << ours.error;
    ASSERT_TRUE(theirs.ok) << "seed " << seed << ": " << theirs.error;
    EXPECT_EQ(ours.consumed, theirs.consumed) << "seed " << seed;
    EXPECT_EQ(testing::Hex(ours.reencoded), testing::Hex(theirs.reencoded)) << "seed " << seed;
  }
}

// ---- the Buffered framer ---------------------------------------------------
//
// Where does a message end, with no frame length to say? Tern's Buffered
// framer scans the message's shape; Apache reads the envelope and skips the
// body struct (TProtocol::skip), as its server does with a message it
// cannot dispatch. On mutated messages (a strict envelope and a random
// conformance struct) they must find the same end, or both refuse: an
// incomplete message (the framer waits for more, Apache hits the end) or a
// malformed one. Kept on purpose, as above: a message type that is none of
// the four, and UUID (type 16).

std::string GoodBufferedMessage(uint64_t seed) {
  conformance::Everything v;
  testing::RandomValue(seed).Fill(conformance::Everything::kTernTypeInfo, &v);
  const MessageHeader h{"call", static_cast<MessageType>(1 + seed % 4), static_cast<int32_t>(seed)};
  std::string s(EnvelopeSize(h.name.size()) + v.BLength(), '\0');
  auto* p = reinterpret_cast<uint8_t*>(s.data());
  v.FastWrite(WriteEnvelope(p, h));
  return s;
}

ReadOutcome FramerOutcome(const std::string& bytes) {
  LinkBuffer in;
  in.Write(bytes.data(), bytes.size());
  in.Flush();
  FrameState state;
  Limits limits = TestLimits();
  FrameResult r = FrameBuffered(in, state, limits);
  ReadOutcome o;
  switch (r.what) {
    case FrameResult::kFrame:
      o.ok = true;
      o.consumed = r.size;
      o.reencoded = bytes.substr(0, r.size);
      break;
    case FrameResult::kNeedMore:
      o.error = "incomplete: needs more bytes";
      break;
    case FrameResult::kError:
      o.error = r.error.ToString();
      break;
  }
  return o;
}

ReadOutcome ApacheSkipOutcome(const std::string& bytes) {
  auto in = bytes.empty() ? std::make_shared<apt::TMemoryBuffer>()
                          : std::make_shared<apt::TMemoryBuffer>(
                                reinterpret_cast<uint8_t*>(const_cast<char*>(bytes.data())),
                                static_cast<uint32_t>(bytes.size()), apt::TMemoryBuffer::COPY);
  Protocol r = ApacheProtocol(in, true);
  return testing::CatchOutcome([&](size_t* consumed) {
    std::string name;
    app::TMessageType type;
    int32_t seqid = 0;
    r.readMessageBegin(name, type, seqid);
    r.skip(app::T_STRUCT);
    r.readMessageEnd();
    *consumed = bytes.size() - in->available_read();
    return bytes.substr(0, *consumed);
  });
}

TEST(BufferedFramerDifferentialTest, TernAndApacheFindTheSameMessageEnd) {
  testing::DifferentialCase c;
  c.name = "buffered message";
  c.good = GoodBufferedMessage;
  c.ours = FramerOutcome;
  c.theirs = ApacheSkipOutcome;
  c.tolerated = [](const ReadOutcome& ours, const ReadOutcome& theirs, const std::string& bytes) {
    if (ours.ok) {
      // A UUID somewhere in the body.
      const auto* p = reinterpret_cast<const uint8_t*>(bytes.data());
      MessageHeader h;
      Result<size_t> envelope = ReadEnvelope(p, bytes.size(), TestLimits(), &h);
      if (!envelope.ok()) return false;
      p += *envelope;
      return testing::HoldsUuid(p, reinterpret_cast<const uint8_t*>(bytes.data()) + ours.consumed,
                                12);
    }
    // A type byte that is no message type (byte 3 of a strict envelope, the
    // byte after the name of a non-strict one: Apache's copy of the bytes
    // is read again to find it).
    if (!theirs.ok || theirs.reencoded.size() < 4) return false;
    const int32_t first = wire::LoadI32(reinterpret_cast<const uint8_t*>(theirs.reencoded.data()));
    const size_t at = first < 0 ? 3 : 4 + static_cast<size_t>(first);
    return at < theirs.reencoded.size() &&
           !IsValidMessageType(static_cast<uint8_t>(theirs.reencoded[at]));
  };
  c.max_tolerated = 0.25;
  testing::RunDifferential(c, /*values=*/200, /*mutations=*/100);
}

}  // namespace
}  // namespace tern::thrift_fast
