// Interop with Apache Thrift 0.17's C++ library, both ways: messages that
// Apache's TBinaryProtocol writes (strict and non-strict, over
// TFramedTransport and TBufferedTransport) are framed and decoded by
// thrift_fast, and what thrift_fast encodes Apache reads back with
// strict_read on. Bodies are written and read by hand through the protocol
// (no Apache generated code), mirroring the Payload struct of
// thrift_fast_test.thrift.
#include <gtest/gtest.h>
#include <thrift/TApplicationException.h>
#include <thrift/protocol/TBinaryProtocol.h>
#include <thrift/transport/TBufferTransports.h>

#include <functional>
#include <memory>
#include <random>
#include <string>
#include <tuple>
#include <vector>

#include "plugins/thrift_fast/binary_codec.h"
#include "plugins/thrift_fast/envelope.h"
#include "thrift_fast_test_types.h"
#include "unit/thrift_fast/test_util.h"

namespace tern::thrift_fast {
namespace {

namespace ap = ::apache::thrift;
namespace apt = ::apache::thrift::transport;
namespace app = ::apache::thrift::protocol;
namespace t = ::tern::thrift_fast::test;
using testing::AppendBlock;
using testing::Contents;
using testing::RandomPieces;

t::Payload SamplePayload(size_t blob_size) {
  t::Payload p;
  p.id = 0x0102030405060708;
  p.name = "interop";
  p.blob.assign(blob_size, '\0');
  for (size_t i = 0; i < blob_size; ++i) p.blob[i] = static_cast<char>(i * 7);
  p.nums = {0, -1, 65536, -2147483647 - 1};
  p.origin.x = -10;
  p.origin.y = 20;
  p.tags = {{"k", 9}, {"kk", -9}, {"", 0}};
  p.set_flag(false);
  p.path = {p.origin, t::Point{}};
  p.labels = {"a", "b"};
  p.ratio = -1.5e300;
  return p;
}

// ---- Apache side: writing -------------------------------------------------

void WritePoint(app::TProtocol& p, const t::Point& v) {
  p.writeStructBegin("Point");
  p.writeFieldBegin("x", app::T_I32, 1);
  p.writeI32(v.x);
  p.writeFieldEnd();
  p.writeFieldBegin("y", app::T_I32, 2);
  p.writeI32(v.y);
  p.writeFieldEnd();
  p.writeFieldStop();
  p.writeStructEnd();
}

// Fields in IDL order, as Apache's generated code writes them (Tern's
// canonical order differs; readers accept both).
void WritePayload(app::TProtocol& p, const t::Payload& v) {
  p.writeStructBegin("Payload");
  p.writeFieldBegin("id", app::T_I64, 1);
  p.writeI64(v.id);
  p.writeFieldEnd();
  p.writeFieldBegin("name", app::T_STRING, 2);
  p.writeString(v.name);
  p.writeFieldEnd();
  p.writeFieldBegin("blob", app::T_STRING, 3);
  p.writeBinary(v.blob);
  p.writeFieldEnd();
  p.writeFieldBegin("nums", app::T_LIST, 4);
  p.writeListBegin(app::T_I32, static_cast<uint32_t>(v.nums.size()));
  for (int32_t n : v.nums) p.writeI32(n);
  p.writeListEnd();
  p.writeFieldEnd();
  p.writeFieldBegin("origin", app::T_STRUCT, 5);
  WritePoint(p, v.origin);
  p.writeFieldEnd();
  p.writeFieldBegin("tags", app::T_MAP, 6);
  p.writeMapBegin(app::T_STRING, app::T_I16, static_cast<uint32_t>(v.tags.size()));
  for (const auto& [k, val] : v.tags) {
    p.writeString(k);
    p.writeI16(val);
  }
  p.writeMapEnd();
  p.writeFieldEnd();
  if (v.has_flag()) {
    p.writeFieldBegin("flag", app::T_BOOL, 7);
    p.writeBool(v.flag);
    p.writeFieldEnd();
  }
  p.writeFieldBegin("path", app::T_LIST, 8);
  p.writeListBegin(app::T_STRUCT, static_cast<uint32_t>(v.path.size()));
  for (const t::Point& pt : v.path) WritePoint(p, pt);
  p.writeListEnd();
  p.writeFieldEnd();
  p.writeFieldBegin("labels", app::T_SET, 9);
  p.writeSetBegin(app::T_STRING, static_cast<uint32_t>(v.labels.size()));
  for (const std::string& l : v.labels) p.writeString(l);
  p.writeSetEnd();
  p.writeFieldEnd();
  p.writeFieldBegin("ratio", app::T_DOUBLE, 10);
  p.writeDouble(v.ratio);
  p.writeFieldEnd();
  p.writeFieldStop();
  p.writeStructEnd();
}

// Bytes Apache writes through `write`, over TFramedTransport or
// TBufferedTransport, with strict or non-strict envelopes.
std::string ApacheWrite(bool framed, bool strict,
                        const std::function<void(app::TProtocol&)>& write) {
  auto mem = std::make_shared<apt::TMemoryBuffer>();
  std::shared_ptr<apt::TTransport> trans;
  if (framed) {
    trans = std::make_shared<apt::TFramedTransport>(mem);
  } else {
    trans = std::make_shared<apt::TBufferedTransport>(mem);
  }
  app::TBinaryProtocol proto(trans, 0, 0, /*strict_read=*/false, /*strict_write=*/strict);
  write(proto);
  trans->flush();
  return mem->getBufferAsString();
}

// ---- Apache side: reading -------------------------------------------------

t::Point ReadPoint(app::TProtocol& p) {
  t::Point v;
  std::string name;
  app::TType type;
  int16_t id;
  p.readStructBegin(name);
  for (;;) {
    p.readFieldBegin(name, type, id);
    if (type == app::T_STOP) break;
    EXPECT_EQ(type, app::T_I32);
    p.readI32(id == 1 ? v.x : v.y);
    p.readFieldEnd();
  }
  p.readStructEnd();
  return v;
}

t::Payload ReadPayload(app::TProtocol& p) {
  t::Payload v;
  std::string name;
  app::TType type, k, e;
  int16_t id;
  uint32_t n;
  p.readStructBegin(name);
  for (;;) {
    p.readFieldBegin(name, type, id);
    if (type == app::T_STOP) break;
    switch (id) {
      case 1:
        p.readI64(v.id);
        break;
      case 2:
        p.readString(v.name);
        break;
      case 3:
        p.readBinary(v.blob);
        break;
      case 4:
        p.readListBegin(e, n);
        EXPECT_EQ(e, app::T_I32);
        v.nums.resize(n);
        for (auto& x : v.nums) p.readI32(x);
        p.readListEnd();
        break;
      case 5:
        v.origin = ReadPoint(p);
        break;
      case 6:
        p.readMapBegin(k, e, n);
        for (uint32_t i = 0; i < n; ++i) {
          std::string key;
          int16_t val;
          p.readString(key);
          p.readI16(val);
          v.tags[key] = val;
        }
        p.readMapEnd();
        break;
      case 7: {
        bool b;
        p.readBool(b);
        v.set_flag(b);
        break;
      }
      case 8:
        p.readListBegin(e, n);
        EXPECT_EQ(e, app::T_STRUCT);
        for (uint32_t i = 0; i < n; ++i) v.path.push_back(ReadPoint(p));
        p.readListEnd();
        break;
      case 9:
        p.readSetBegin(e, n);
        for (uint32_t i = 0; i < n; ++i) {
          std::string s;
          p.readString(s);
          v.labels.insert(s);
        }
        p.readSetEnd();
        break;
      case 10:
        p.readDouble(v.ratio);
        break;
      default:
        ADD_FAILURE() << "unexpected field " << id;
        p.skip(type);
    }
    p.readFieldEnd();
  }
  p.readStructEnd();
  return v;
}

// Apache reads `bytes` (strict_read on: Tern writes strict envelopes only).
// Returns false if bytes are left over after `read`.
bool ApacheRead(const std::string& bytes, bool framed,
                const std::function<void(app::TProtocol&)>& read) {
  auto mem = std::make_shared<apt::TMemoryBuffer>(
      reinterpret_cast<uint8_t*>(const_cast<char*>(bytes.data())),
      static_cast<uint32_t>(bytes.size()), apt::TMemoryBuffer::COPY);
  std::shared_ptr<apt::TTransport> trans = mem;
  if (framed) trans = std::make_shared<apt::TFramedTransport>(mem);
  app::TBinaryProtocol proto(trans, 0, 0, /*strict_read=*/true, /*strict_write=*/true);
  read(proto);
  return !trans->peek();
}

// ---- Tern side ----------------------------------------------------------------

struct Message {
  std::string name;
  MessageType type;
  int32_t seqid;
  std::string frame;
};

// Frames and splits a stream delivered in the given pieces: every message
// Tern finds, in order. Fails the test on an error or leftover bytes.
std::vector<Message> FrameStream(const Codec& codec, const std::string& stream,
                                 const std::vector<size_t>& pieces) {
  std::vector<Message> out;
  LinkBuffer in;
  FrameState state;
  const Limits& limits = DefaultLimits();
  size_t at = 0;
  for (size_t piece : pieces) {
    AppendBlock(in, std::string_view(stream).substr(at, piece));
    at += piece;
    for (;;) {
      const FrameResult r = codec.Frame(in, state, limits);
      if (r.what == FrameResult::kError) {
        ADD_FAILURE() << r.error;
        return out;
      }
      if (r.what == FrameResult::kNeedMore) break;
      auto frame = in.Next(r.size);
      EXPECT_TRUE(frame.ok());
      if (!frame.ok()) return out;
      Message m;
      m.frame.assign(reinterpret_cast<const char*>(*frame), r.size);
      FrameView v = testing::ViewOf(m.frame);
      auto h = codec.DecodeHeader(v, limits);
      EXPECT_TRUE(h.ok()) << h.status();
      if (!h.ok()) return out;
      m.name = std::string(h->name);
      m.type = h->type;
      m.seqid = h->seqid;
      out.push_back(std::move(m));
      in.Release();
      state.Reset();
    }
  }
  EXPECT_EQ(in.Len(), 0u) << "bytes left over";
  return out;
}

// Decodes the body of a framed message into a T.
template <class T>
T DecodeBody(const Codec& codec, const std::string& frame) {
  FrameView v = testing::ViewOf(frame);
  EXPECT_TRUE(codec.DecodeHeader(v, DefaultLimits()).ok());
  T value;
  ReadContext ctx{DefaultLimits()};
  const Status st = codec.DecodeBody(v, T::kTernTypeInfo, &value, ctx);
  EXPECT_TRUE(st.ok()) << st;
  return value;
}

// (framed, strict)
class ApacheToTernTest : public ::testing::TestWithParam<std::tuple<bool, bool>> {
 protected:
  bool framed() const { return std::get<0>(GetParam()); }
  bool strict() const { return std::get<1>(GetParam()); }
  BinaryCodec codec_{framed() ? Framing::kFramed : Framing::kBuffered};
};

TEST_P(ApacheToTernTest, ApacheMessagesFrameAndDecode) {
  const t::Payload payload = SamplePayload(5000);
  const std::string call = ApacheWrite(framed(), strict(), [&](app::TProtocol& p) {
    p.writeMessageBegin("getPayload", app::T_CALL, 101);
    WritePayload(p, payload);
    p.writeMessageEnd();
  });
  const std::string oneway = ApacheWrite(framed(), strict(), [&](app::TProtocol& p) {
    p.writeMessageBegin("ping", app::T_ONEWAY, 102);
    p.writeStructBegin("ping_args");
    p.writeFieldStop();
    p.writeStructEnd();
    p.writeMessageEnd();
  });
  const std::string reply = ApacheWrite(framed(), strict(), [&](app::TProtocol& p) {
    p.writeMessageBegin("getPayload", app::T_REPLY, -5);
    WritePayload(p, t::Payload{});
    p.writeMessageEnd();
  });
  const std::string stream = call + oneway + reply;
  std::mt19937 rng(7);
  for (int iter = 0; iter < 40; ++iter) {
    const auto pieces = iter == 0 ? std::vector<size_t>{stream.size()}
                                  : RandomPieces(stream.size(), rng, 1 + (iter * 97) % 3000);
    const std::vector<Message> msgs = FrameStream(codec_, stream, pieces);
    ASSERT_EQ(msgs.size(), 3u) << iter;
    EXPECT_EQ(msgs[0].name, "getPayload");
    EXPECT_EQ(msgs[0].type, MessageType::kCall);
    EXPECT_EQ(msgs[0].seqid, 101);
    EXPECT_EQ(msgs[0].frame, call);
    EXPECT_EQ(msgs[1].name, "ping");
    EXPECT_EQ(msgs[1].type, MessageType::kOneway);
    EXPECT_EQ(msgs[1].seqid, 102);
    EXPECT_EQ(msgs[2].type, MessageType::kReply);
    EXPECT_EQ(msgs[2].seqid, -5);
    if (iter == 0) {
      EXPECT_EQ(DecodeBody<t::Payload>(codec_, msgs[0].frame), payload);
      EXPECT_EQ(DecodeBody<t::Point>(codec_, msgs[1].frame), t::Point{});
      EXPECT_EQ(DecodeBody<t::Payload>(codec_, msgs[2].frame), t::Payload{});
      EXPECT_TRUE(ExpectCall({msgs[0].name, msgs[0].type, 0}).ok());
      EXPECT_TRUE(ExpectCall({msgs[1].name, msgs[1].type, 0}).ok());
      EXPECT_FALSE(ExpectCall({msgs[2].name, msgs[2].type, 0}).ok());
    }
  }
  // The small message split at every byte.
  for (size_t k = 1; k < oneway.size(); ++k) {
    const auto msgs = FrameStream(codec_, oneway, {k, oneway.size() - k});
    ASSERT_EQ(msgs.size(), 1u) << k;
    EXPECT_EQ(msgs[0].name, "ping");
  }
}

TEST_P(ApacheToTernTest, ApacheApplicationExceptionsDecode) {
  const std::string bytes = ApacheWrite(framed(), strict(), [](app::TProtocol& p) {
    ap::TApplicationException ex(ap::TApplicationException::WRONG_METHOD_NAME, "no such thing");
    p.writeMessageBegin("frob", app::T_EXCEPTION, 33);
    ex.write(&p);
    p.writeMessageEnd();
  });
  const auto msgs = FrameStream(codec_, bytes, {bytes.size()});
  ASSERT_EQ(msgs.size(), 1u);
  EXPECT_EQ(msgs[0].type, MessageType::kException);
  EXPECT_EQ(msgs[0].seqid, 33);
  FrameView v = testing::ViewOf(msgs[0].frame);
  ASSERT_TRUE(codec_.DecodeHeader(v, DefaultLimits()).ok());
  auto ex = codec_.DecodeException(v, DefaultLimits());
  ASSERT_TRUE(ex.ok()) << ex.status();
  EXPECT_EQ(ex->type, AppException::kWrongMethodName);
  EXPECT_EQ(ex->message, "no such thing");
  // With strict Apache envelopes the bytes are exactly Tern's own encoding.
  if (strict()) {
    AppException mine;
    mine.type = AppException::kWrongMethodName;
    mine.message = "no such thing";
    LinkBuffer out;
    ASSERT_TRUE(codec_.EncodeException({"frob", MessageType::kCall, 33}, mine, out).ok());
    out.Flush();
    EXPECT_EQ(Contents(out), bytes);
  }
}

INSTANTIATE_TEST_SUITE_P(AllTransports, ApacheToTernTest,
                         ::testing::Combine(::testing::Bool(), ::testing::Bool()),
                         [](const auto& info) {
                           return std::string(std::get<0>(info.param) ? "Framed" : "Buffered") +
                                  (std::get<1>(info.param) ? "Strict" : "NonStrict");
                         });

// (framed, by reference)
class TernToApacheTest : public ::testing::TestWithParam<std::tuple<bool, bool>> {
 protected:
  bool framed() const { return std::get<0>(GetParam()); }
  bool by_ref() const { return std::get<1>(GetParam()); }
  BinaryCodec codec_{framed() ? Framing::kFramed : Framing::kBuffered};
};

TEST_P(TernToApacheTest, ApacheReadsTernMessages) {
  const t::Payload payload = SamplePayload(100000);
  LinkBuffer out;
  Slice owner;
  if (by_ref()) owner = Slice::External(&payload, 0, nullptr, nullptr);
  ASSERT_TRUE(codec_
                  .Encode({"getPayload", MessageType::kReply, 9},
                          BodyRef{&t::Payload::kTernTypeInfo, &payload, &owner}, out)
                  .ok());
  ASSERT_TRUE(codec_
                  .Encode({"next", MessageType::kCall, 10},
                          BodyRef{&t::Point::kTernTypeInfo, &payload.origin, &owner}, out)
                  .ok());
  out.Flush();
  const std::string bytes = Contents(out);
  const bool clean = ApacheRead(bytes, framed(), [&](app::TProtocol& p) {
    std::string name;
    app::TMessageType type;
    int32_t seqid;
    p.readMessageBegin(name, type, seqid);
    EXPECT_EQ(name, "getPayload");
    EXPECT_EQ(type, app::T_REPLY);
    EXPECT_EQ(seqid, 9);
    EXPECT_EQ(ReadPayload(p), payload);
    p.readMessageEnd();
    p.readMessageBegin(name, type, seqid);
    EXPECT_EQ(name, "next");
    EXPECT_EQ(type, app::T_CALL);
    EXPECT_EQ(seqid, 10);
    EXPECT_EQ(ReadPoint(p), payload.origin);
    p.readMessageEnd();
  });
  EXPECT_TRUE(clean) << "Apache left bytes unread";
}

TEST_P(TernToApacheTest, ApacheReadsTernApplicationExceptions) {
  AppException ex;
  ex.type = AppException::kInternalError;
  ex.message = "handler threw: std::runtime_error";
  LinkBuffer out;
  ASSERT_TRUE(codec_.EncodeException({"compute", MessageType::kCall, 71}, ex, out).ok());
  out.Flush();
  const bool clean = ApacheRead(Contents(out), framed(), [&](app::TProtocol& p) {
    std::string name;
    app::TMessageType type;
    int32_t seqid;
    p.readMessageBegin(name, type, seqid);
    EXPECT_EQ(name, "compute");
    EXPECT_EQ(type, app::T_EXCEPTION);
    EXPECT_EQ(seqid, 71);
    ap::TApplicationException got;
    got.read(&p);
    p.readMessageEnd();
    EXPECT_EQ(got.getType(), ap::TApplicationException::INTERNAL_ERROR);
    EXPECT_STREQ(got.what(), ex.message.c_str());
  });
  EXPECT_TRUE(clean);
}

INSTANTIATE_TEST_SUITE_P(AllModes, TernToApacheTest,
                         ::testing::Combine(::testing::Bool(), ::testing::Bool()),
                         [](const auto& info) {
                           return std::string(std::get<0>(info.param) ? "Framed" : "Buffered") +
                                  (std::get<1>(info.param) ? "ByRef" : "Copied");
                         });

}  // namespace
}  // namespace tern::thrift_fast
