// Interop with Apache Thrift 0.17's TCompactProtocol, both ways:
//   - every struct of the conformance schema with seeded random values:
//     Tern writes, Apache reads and writes again, and the bytes are equal
//     (both write fields in IDL order), and Tern reads Apache's bytes back
//     to the original value;
//   - framed messages (TFramedTransport): Apache's CALL decoded by the
//     codec, the codec's REPLY and TApplicationException read by Apache.
#include <gtest/gtest.h>
#include <thrift/TApplicationException.h>
#include <thrift/protocol/TCompactProtocol.h>
#include <thrift/transport/TBufferTransports.h>

#include <functional>
#include <memory>
#include <string>

#include "compact_apache_types.h"
#include "compact_codec.h"
#include "compact_protocol.h"
#include "compact_test_io.h"
#include "conformance_types.h"
#include "tern/buffer.h"
#include "tern/testing/random_value.h"

namespace tern {
namespace {

using apache::thrift::protocol::TCompactProtocol;
using apache::thrift::transport::TFramedTransport;
using apache::thrift::transport::TMemoryBuffer;
namespace c = ::tern::conformance;

template <class Apache>
Apache ApacheRead(const std::string& bytes) {
  auto buf = ApacheBuffer(bytes);
  TCompactProtocol proto(buf);
  Apache v;
  v.read(&proto);
  EXPECT_EQ(buf->available_read(), 0u) << "Apache must consume exactly the struct";
  return v;
}

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
    EXPECT_EQ(apache_bytes, ours) << "Apache re-encodes to other bytes";
    Tern back;
    ReadContext ctx{DefaultLimits()};
    auto r = compact::Read(Tern::kTernTypeInfo, &back,
                           reinterpret_cast<const uint8_t*>(apache_bytes.data()),
                           apache_bytes.size(), ctx);
    ASSERT_TRUE(r.ok()) << r.status();
    EXPECT_EQ(*r, apache_bytes.size());
    EXPECT_TRUE(back == original) << "original: " << original << "\nafter Apache: " << back;
  }
}

TEST(CompactInteropTest, Scalars) { CheckBothWays<c::Scalars, compact_apache::Scalars>(100); }
TEST(CompactInteropTest, Defaults) { CheckBothWays<c::Defaults, compact_apache::Defaults>(50); }
TEST(CompactInteropTest, Requiredness) {
  CheckBothWays<c::Requiredness, compact_apache::Requiredness>(100);
}
TEST(CompactInteropTest, Numbers) { CheckBothWays<c::Numbers, compact_apache::Numbers>(100); }
TEST(CompactInteropTest, Containers) {
  CheckBothWays<c::Containers, compact_apache::Containers>(100);
}
TEST(CompactInteropTest, Unions) { CheckBothWays<c::Choice, compact_apache::Choice>(100); }
TEST(CompactInteropTest, Exceptions) { CheckBothWays<c::Failure, compact_apache::Failure>(50); }
TEST(CompactInteropTest, RecursiveTrees) { CheckBothWays<c::Tree, compact_apache::Tree>(100); }
TEST(CompactInteropTest, SparseIds) { CheckBothWays<c::Sparse, compact_apache::Sparse>(50); }
TEST(CompactInteropTest, Everything) {
  CheckBothWays<c::Everything, compact_apache::Everything>(100);
}

TEST(CompactInteropTest, ApacheDefaultsMatchTerns) {
  const std::string apache_bytes = ApacheBytes(compact_apache::Defaults());
  c::Defaults ours;
  EXPECT_EQ(TernBytes(ours), apache_bytes);
}

TEST(CompactInteropTest, OlderSchemasSkipNewerFields) {
  c::Scalars s;
  testing::RandomValue(5).Fill(c::Scalars::kTernTypeInfo, &s);
  auto v1 = ApacheRead<compact_apache::ScalarsV1>(TernBytes(s));
  EXPECT_EQ(v1.i64v, s.i64v);
  EXPECT_EQ(v1.s, s.s);
  // And the other way: Tern's ScalarsV1 reads Apache's full Scalars.
  compact_apache::Scalars full;
  full.i64v = -77;
  full.s = "kept";
  full.bin = std::string(300, 'b');
  const std::string bytes = ApacheBytes(full);
  c::ScalarsV1 old;
  ReadContext ctx{DefaultLimits()};
  auto r = compact::Read(c::ScalarsV1::kTernTypeInfo, &old,
                         reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size(), ctx);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(old.i64v, -77);
  EXPECT_EQ(old.s, "kept");
}

// ---- framed messages --------------------------------------------------------

std::string FramedApacheMessage(const std::string& name, apache::thrift::protocol::TMessageType t,
                                int32_t seqid, const compact_apache::Scalars& body) {
  auto mem = std::make_shared<TMemoryBuffer>();
  auto framed = std::make_shared<TFramedTransport>(mem);
  TCompactProtocol proto(framed);
  proto.writeMessageBegin(name, t, seqid);
  body.write(&proto);
  proto.writeMessageEnd();
  framed->flush();
  return mem->getBufferAsString();
}

TEST(CompactMessageInteropTest, TernDecodesApacheCalls) {
  compact::CompactCodec codec;
  for (int32_t seqid : {0, 1, 127, 128, -1, -2147483647 - 1, 2147483647}) {
    compact_apache::Scalars body;
    body.i32v = seqid;
    body.s = "call " + std::to_string(seqid);
    body.b = seqid % 2 == 0;
    const std::string bytes =
        FramedApacheMessage("lookup", apache::thrift::protocol::T_CALL, seqid, body);
    LinkBuffer in;
    in.Write(bytes.data(), bytes.size());
    in.Flush();
    FrameState state;
    FrameResult fr = codec.Frame(in, state, DefaultLimits());
    ASSERT_EQ(fr.what, FrameResult::kFrame);
    ASSERT_EQ(fr.size, bytes.size());
    auto data = in.Peek(fr.size);
    ASSERT_TRUE(data.ok());
    FrameView frame{*data, fr.size, 0, Slice()};
    auto h = codec.DecodeHeader(frame, DefaultLimits());
    ASSERT_TRUE(h.ok()) << h.status();
    EXPECT_EQ(h->name, "lookup");
    EXPECT_EQ(h->type, MessageType::kCall);
    EXPECT_EQ(h->seqid, seqid);
    c::Scalars s;
    ReadContext ctx{DefaultLimits()};
    ASSERT_TRUE(codec.DecodeBody(frame, c::Scalars::kTernTypeInfo, &s, ctx).ok());
    EXPECT_EQ(s.i32v, seqid);
    EXPECT_EQ(s.s, body.s);
    EXPECT_EQ(s.b, body.b);
  }
}

TEST(CompactMessageInteropTest, BufferedBothWays) {
  // Apache -> Tern: an unframed stream (TBufferedTransport writes the bytes
  // as they are), two calls back to back; the buffered framer finds each end.
  auto mem = std::make_shared<TMemoryBuffer>();
  TCompactProtocol proto(mem);
  compact_apache::Scalars body;
  body.s = std::string(5000, 's');
  body.i64v = -99;
  for (int32_t seqid : {7, 8}) {
    proto.writeMessageBegin("lookup", apache::thrift::protocol::T_CALL, seqid);
    body.write(&proto);
    proto.writeMessageEnd();
  }
  const std::string stream = mem->getBufferAsString();
  compact::CompactCodec codec(/*framed=*/false);
  LinkBuffer in;
  in.Write(stream.data(), stream.size());
  in.Flush();
  for (int32_t seqid : {7, 8}) {
    FrameState state;
    FrameResult fr = codec.Frame(in, state, DefaultLimits());
    ASSERT_EQ(fr.what, FrameResult::kFrame) << fr.error;
    ASSERT_EQ(fr.size, stream.size() / 2);
    auto data = in.Peek(fr.size);
    ASSERT_TRUE(data.ok());
    FrameView frame{*data, fr.size, 0, Slice()};
    auto h = codec.DecodeHeader(frame, DefaultLimits());
    ASSERT_TRUE(h.ok()) << h.status();
    EXPECT_EQ(h->seqid, seqid);
    c::Scalars s;
    ReadContext ctx{DefaultLimits()};
    ASSERT_TRUE(codec.DecodeBody(frame, c::Scalars::kTernTypeInfo, &s, ctx).ok());
    EXPECT_EQ(s.s, body.s);
    EXPECT_EQ(s.i64v, -99);
    ASSERT_TRUE(in.Skip(fr.size).ok());
    in.Release();
  }
  // Tern -> Apache: what the buffered codec writes, Apache reads unframed.
  c::Scalars ours;
  testing::RandomValue(21).Fill(c::Scalars::kTernTypeInfo, &ours);
  LinkBuffer out;
  ASSERT_TRUE(
      codec.Encode({"lookup", MessageType::kReply, 3}, {&c::Scalars::kTernTypeInfo, &ours, {}}, out)
          .ok());
  out.Flush();
  std::string bytes;
  ASSERT_TRUE(out.ReadString(out.Len(), &bytes).ok());
  auto buf = ApacheBuffer(bytes);
  TCompactProtocol reader(buf);
  std::string name;
  apache::thrift::protocol::TMessageType type;
  int32_t seqid = 0;
  reader.readMessageBegin(name, type, seqid);
  EXPECT_EQ(seqid, 3);
  compact_apache::Scalars theirs;
  theirs.read(&reader);
  EXPECT_EQ(theirs.s, ours.s);
  EXPECT_EQ(theirs.i64v, ours.i64v);
  EXPECT_EQ(buf->available_read(), 0u);
}

std::string Encoded(const std::function<Status(const compact::CompactCodec&, LinkBuffer&)>& f) {
  compact::CompactCodec codec;
  LinkBuffer out;
  EXPECT_TRUE(f(codec, out).ok());
  out.Flush();
  std::string s;
  EXPECT_TRUE(out.ReadString(out.Len(), &s).ok());
  return s;
}

TEST(CompactMessageInteropTest, ApacheReadsTernReplies) {
  c::Scalars s;
  testing::RandomValue(11).Fill(c::Scalars::kTernTypeInfo, &s);
  const std::string bytes = Encoded([&](const compact::CompactCodec& codec, LinkBuffer& out) {
    return codec.Encode({"lookup", MessageType::kReply, -5}, {&c::Scalars::kTernTypeInfo, &s, {}},
                        out);
  });
  auto framed = std::make_shared<TFramedTransport>(ApacheBuffer(bytes));
  TCompactProtocol proto(framed);
  std::string name;
  apache::thrift::protocol::TMessageType type;
  int32_t seqid = 0;
  proto.readMessageBegin(name, type, seqid);
  EXPECT_EQ(name, "lookup");
  EXPECT_EQ(type, apache::thrift::protocol::T_REPLY);
  EXPECT_EQ(seqid, -5);
  compact_apache::Scalars theirs;
  theirs.read(&proto);
  proto.readMessageEnd();
  EXPECT_EQ(theirs.i64v, s.i64v);
  EXPECT_EQ(theirs.s, s.s);
  EXPECT_EQ(theirs.bin, s.bin);
  EXPECT_EQ(theirs.b, s.b);
}

TEST(CompactMessageInteropTest, ApplicationExceptionsBothWays) {
  // Tern -> Apache.
  AppException ex{"no such method 'x'", AppException::kUnknownMethod};
  const std::string bytes = Encoded([&](const compact::CompactCodec& codec, LinkBuffer& out) {
    return codec.EncodeException({"x", MessageType::kCall, 9}, ex, out);
  });
  auto framed = std::make_shared<TFramedTransport>(ApacheBuffer(bytes));
  TCompactProtocol proto(framed);
  std::string name;
  apache::thrift::protocol::TMessageType type;
  int32_t seqid = 0;
  proto.readMessageBegin(name, type, seqid);
  EXPECT_EQ(type, apache::thrift::protocol::T_EXCEPTION);
  EXPECT_EQ(seqid, 9);
  apache::thrift::TApplicationException theirs;
  theirs.read(&proto);
  EXPECT_EQ(std::string(theirs.what()), ex.message);
  EXPECT_EQ(theirs.getType(), apache::thrift::TApplicationException::UNKNOWN_METHOD);

  // Apache -> Tern.
  auto mem = std::make_shared<TMemoryBuffer>();
  auto out = std::make_shared<TFramedTransport>(mem);
  TCompactProtocol p2(out);
  apache::thrift::TApplicationException apache_ex(
      apache::thrift::TApplicationException::INTERNAL_ERROR, "boom");
  p2.writeMessageBegin("y", apache::thrift::protocol::T_EXCEPTION, 4);
  apache_ex.write(&p2);
  p2.writeMessageEnd();
  out->flush();
  const std::string apache_bytes = mem->getBufferAsString();
  compact::CompactCodec codec;
  FrameView frame{reinterpret_cast<const uint8_t*>(apache_bytes.data()), apache_bytes.size(), 0,
                  Slice()};
  auto h = codec.DecodeHeader(frame, DefaultLimits());
  ASSERT_TRUE(h.ok()) << h.status();
  EXPECT_EQ(h->type, MessageType::kException);
  auto got = codec.DecodeException(frame, DefaultLimits());
  ASSERT_TRUE(got.ok()) << got.status();
  EXPECT_EQ(got->message, "boom");
  EXPECT_EQ(got->type, AppException::kInternalError);
}

}  // namespace
}  // namespace tern
