#include "plugins/thrift_fast/binary_codec.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <atomic>
#include <string>
#include <vector>

#include "plugins/thrift_fast/app_exception.h"
#include "plugins/thrift_fast/envelope.h"
#include "thrift_fast_test_types.h"
#include "unit/thrift_fast/test_util.h"

namespace tern::thrift_fast {
namespace {

using testing::AppendBlock;
using testing::Bytes;
using testing::Contents;
using testing::Framed;
using ::testing::HasSubstr;
using testing::ViewOf;
namespace t = ::tern::thrift_fast::test;

t::Payload SamplePayload(size_t blob_size = 10) {
  t::Payload p;
  p.id = -1234567890123;
  p.name = "sample";
  p.blob.assign(blob_size, '\x5a');
  p.nums = {1, -2, 3, 1 << 30};
  p.origin.x = 3;
  p.origin.y = -4;
  p.tags = {{"a", 1}, {"bb", -2}};
  p.set_flag(true);
  p.path = {t::Point{}, p.origin};
  p.labels = {"x", "yy", "zzz"};
  p.ratio = 0.125;
  return p;
}

// The keep-alive is borrowed: it must outlive the Encode call.
BodyRef Body(const t::Payload& p, const Slice* keepalive = nullptr) {
  return BodyRef{&t::Payload::kTernTypeInfo, &p, keepalive};
}

std::string Encode(const Codec& codec, const MessageHeader& h, const BodyRef& body) {
  LinkBuffer out;
  Status st = codec.Encode(h, body, out);
  EXPECT_TRUE(st.ok()) << st;
  out.Flush();
  return Contents(out);
}

std::string PayloadBytes(const t::Payload& p) {
  std::string s(p.BLength(), '\0');
  p.FastWrite(reinterpret_cast<uint8_t*>(s.data()));
  return s;
}

class CodecTest : public ::testing::Test {
 protected:
  BinaryCodec framed_{Framing::kFramed};
  BinaryCodec buffered_{Framing::kBuffered};
  Limits limits_;
};

TEST_F(CodecTest, EncodeWritesLengthStrictEnvelopeAndBody) {
  const t::Payload p = SamplePayload();
  const MessageHeader h{"getPayload", MessageType::kReply, 77};
  const std::string envelope_and_body =
      Bytes().Strict("getPayload", MessageType::kReply, 77).Raw(PayloadBytes(p)).str();
  EXPECT_EQ(Encode(framed_, h, Body(p)), Framed(envelope_and_body));
  EXPECT_EQ(Encode(buffered_, h, Body(p)), envelope_and_body);
}

TEST_F(CodecTest, EncodeLeavesFlushingToTheCaller) {
  const t::Payload p = SamplePayload();
  LinkBuffer out;
  ASSERT_TRUE(framed_.Encode({"m", MessageType::kCall, 1}, Body(p), out).ok());
  EXPECT_EQ(out.Len(), 0u);
  EXPECT_GT(out.UnflushedLen(), 0u);
  out.Flush();
  EXPECT_GT(out.Len(), 0u);
}

TEST_F(CodecTest, EncodeRejectsWhatCannotBeEncoded) {
  const t::Payload p = SamplePayload();
  LinkBuffer out;
  Status st = framed_.Encode({"m", static_cast<MessageType>(9), 1}, Body(p), out);
  EXPECT_EQ(st.code(), StatusCode::kInvalidArgument);
  st = framed_.Encode({"m", MessageType::kCall, 1}, BodyRef{}, out);
  EXPECT_EQ(st.code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(out.UnflushedLen(), 0u) << "nothing written on a refused encode";
}

// Frames `bytes` with `codec`, then decodes header and body.
struct Decoded {
  Status status;
  MessageHeader header;
  t::Payload payload;
};

Decoded FrameAndDecode(const Codec& codec, const std::string& bytes, const Limits& limits) {
  Decoded d;
  LinkBuffer in;
  AppendBlock(in, bytes);
  FrameState state;
  const FrameResult fr = codec.Frame(in, state, limits);
  if (fr.what != FrameResult::kFrame) {
    d.status = fr.what == FrameResult::kError ? fr.error : DataLoss("incomplete");
    return d;
  }
  EXPECT_EQ(fr.size, bytes.size());
  auto next = in.Next(fr.size);
  EXPECT_TRUE(next.ok());
  FrameView view{*next, fr.size, 0, Slice()};
  auto h = codec.DecodeHeader(view, limits);
  if (!h.ok()) {
    d.status = h.status();
    return d;
  }
  d.header = *h;
  // The name is a view into the frame, not a copy.
  EXPECT_GE(reinterpret_cast<const uint8_t*>(d.header.name.data()), view.data);
  EXPECT_LE(reinterpret_cast<const uint8_t*>(d.header.name.data() + d.header.name.size()),
            view.data + view.size);
  ReadContext ctx{limits};
  d.status = codec.DecodeBody(view, t::Payload::kTernTypeInfo, &d.payload, ctx);
  if (d.status.ok()) {
    EXPECT_EQ(view.pos, view.size);
  }
  d.header.name = {};  // the frame is gone when we return
  return d;
}

TEST_F(CodecTest, RoundTripsFramedAndBuffered) {
  for (const BinaryCodec* codec : {&framed_, &buffered_}) {
    SCOPED_TRACE(FramingName(codec->framing()));
    const t::Payload p = SamplePayload();
    const std::string bytes = Encode(*codec, {"getPayload", MessageType::kCall, 5}, Body(p));
    const Decoded d = FrameAndDecode(*codec, bytes, limits_);
    ASSERT_TRUE(d.status.ok()) << d.status;
    EXPECT_EQ(d.header.type, MessageType::kCall);
    EXPECT_EQ(d.header.seqid, 5);
    EXPECT_EQ(d.payload, p);
  }
}

// The owner of a by-reference payload: counts its releases.
struct Holder {
  t::Payload payload;
  std::atomic<int> released{0};
};

TEST_F(CodecTest, EncodeWithKeepAliveLinksLargePayloadsByReference) {
  for (const BinaryCodec* codec : {&framed_, &buffered_}) {
    SCOPED_TRACE(FramingName(codec->framing()));
    Holder holder;
    holder.payload = SamplePayload(/*blob_size=*/64 * 1024);
    const std::string copied =
        Encode(*codec, {"big", MessageType::kReply, 3}, Body(holder.payload));
    {
      LinkBuffer out;
      Slice owner = Slice::External(
          &holder, 0,
          [](void* ctx, const uint8_t*, size_t) { ++static_cast<Holder*>(ctx)->released; },
          &holder);
      ASSERT_TRUE(
          codec->Encode({"big", MessageType::kReply, 3}, Body(holder.payload, &owner), out).ok());
      owner = Slice();
      out.Flush();
      // Same bytes (the frame length patched in afterwards) ...
      EXPECT_EQ(Contents(out), copied);
      // ... with the blob's own memory linked in rather than copied.
      std::vector<iovec> iov(64);
      const size_t n = out.ReadableIovecs(iov.data(), iov.size());
      bool found = false;
      for (size_t i = 0; i < n; ++i) {
        found = found || (iov[i].iov_base == holder.payload.blob.data() &&
                          iov[i].iov_len == holder.payload.blob.size());
      }
      EXPECT_TRUE(found) << "the 64 KiB blob should be appended by reference";
      EXPECT_EQ(holder.released.load(), 0) << "kept alive while the buffer holds it";
      // The bytes decode like any other frame.
      const Decoded d = FrameAndDecode(*codec, Contents(out), limits_);
      ASSERT_TRUE(d.status.ok()) << d.status;
      EXPECT_EQ(d.payload, holder.payload);
    }
    EXPECT_EQ(holder.released.load(), 1) << "released once the buffer let go";
  }
}

TEST_F(CodecTest, DecodeHeaderReadsStrictAndNonStrictEnvelopes) {
  const std::string body = Bytes().Stop().str();
  for (const std::string& msg : {Bytes().Strict("alpha", MessageType::kOneway, -9).Raw(body).str(),
                                 Bytes().Old("alpha", MessageType::kOneway, -9).Raw(body).str()}) {
    std::string bytes = msg;
    FrameView v = ViewOf(bytes);
    auto h = buffered_.DecodeHeader(v, limits_);
    ASSERT_TRUE(h.ok()) << h.status();
    EXPECT_EQ(h->name, "alpha");
    EXPECT_EQ(h->type, MessageType::kOneway);
    EXPECT_EQ(h->seqid, -9);
    EXPECT_EQ(v.pos, bytes.size() - 1);
    EXPECT_EQ(h->name.data(), bytes.data() + (msg[0] == '\x80' ? 8 : 4)) << "a view, not a copy";
  }
}

Status HeaderError(const Codec& codec, const std::string& bytes, const Limits& limits) {
  FrameView v = ViewOf(bytes);
  auto h = codec.DecodeHeader(v, limits);
  return h.ok() ? Status::OK() : h.status();
}

TEST_F(CodecTest, DecodeHeaderRejectsMalformedEnvelopes) {
  const std::string stop = Bytes().Stop().str();
  // Wrong version bits.
  Status st = HeaderError(buffered_, Bytes().U32(0x80020001u).Str("m").I32(1).str(), limits_);
  EXPECT_EQ(st.code(), StatusCode::kDataLoss);
  EXPECT_THAT(std::string(st.message()), HasSubstr("version"));
  // Unknown message types, strict and not.
  st = HeaderError(buffered_, Bytes().U32(0x80010005u).Str("m").I32(1).str(), limits_);
  EXPECT_THAT(std::string(st.message()), HasSubstr("message type"));
  st = HeaderError(buffered_, Bytes().Str("m").U8(0).I32(1).str(), limits_);
  EXPECT_THAT(std::string(st.message()), HasSubstr("message type"));
  // Non-strict with strict_read.
  Limits strict = limits_;
  strict.strict_read = true;
  st = HeaderError(buffered_, Bytes().Old("m", MessageType::kCall, 1).Raw(stop).str(), strict);
  EXPECT_EQ(st.code(), StatusCode::kDataLoss);
  EXPECT_THAT(std::string(st.message()), HasSubstr("strict_read"));
  // Names longer than max_string, or than the frame.
  st = HeaderError(buffered_, Bytes().I32(0x7ffffff0).Raw("abc").str(), limits_);
  EXPECT_EQ(st.code(), StatusCode::kResourceExhausted);
  st = HeaderError(buffered_, Bytes().I32(100).Raw("abc").str(), limits_);
  EXPECT_EQ(st.code(), StatusCode::kDataLoss);
  EXPECT_THAT(std::string(st.message()), HasSubstr("longer than the frame"));
  st = HeaderError(buffered_, Bytes().U32(0x80010001u).I32(100).Raw("abc").str(), limits_);
  EXPECT_EQ(st.code(), StatusCode::kDataLoss);
  Limits tiny = limits_;
  tiny.max_string = 2;
  st = HeaderError(buffered_, Bytes().Strict("abc", MessageType::kCall, 1).Raw(stop).str(), tiny);
  EXPECT_EQ(st.code(), StatusCode::kResourceExhausted);
}

TEST_F(CodecTest, DecodeHeaderOfATruncatedEnvelopeFailsAtEveryOffset) {
  for (const std::string& full : {Bytes().Strict("method", MessageType::kCall, 3).str(),
                                  Bytes().Old("method", MessageType::kCall, 3).str()}) {
    for (size_t k = 0; k < full.size(); ++k) {
      const std::string cut = full.substr(0, k);
      EXPECT_FALSE(HeaderError(buffered_, cut, limits_).ok()) << k;
      EXPECT_FALSE(HeaderError(framed_, Framed(cut), limits_).ok()) << k;
    }
    EXPECT_TRUE(HeaderError(buffered_, full, limits_).ok());
  }
}

TEST_F(CodecTest, DecodeHeaderChecksTheFrameLength) {
  const std::string msg = Bytes().Strict("m", MessageType::kCall, 1).Stop().str();
  EXPECT_TRUE(HeaderError(framed_, Framed(msg), limits_).ok());
  // Only a header, claiming a body that is not there.
  Status st = HeaderError(framed_, Bytes().I32(10).str(), limits_);
  EXPECT_EQ(st.code(), StatusCode::kDataLoss);
  // A length that disagrees with the frame handed over.
  st = HeaderError(framed_, Bytes().I32(static_cast<int32_t>(msg.size() + 3)).Raw(msg).str(),
                   limits_);
  EXPECT_EQ(st.code(), StatusCode::kDataLoss);
  st = HeaderError(framed_, Bytes().I32(0).str(), limits_);
  EXPECT_EQ(st.code(), StatusCode::kDataLoss);
  st = HeaderError(framed_, "ab", limits_);
  EXPECT_EQ(st.code(), StatusCode::kDataLoss);
}

TEST_F(CodecTest, DecodeBodyRejectsTrailingGarbageInsideTheFrame) {
  const t::Payload p = SamplePayload();
  const std::string env_body =
      Bytes().Strict("m", MessageType::kCall, 1).Raw(PayloadBytes(p)).Raw("JUNK").str();
  const std::string bytes = Framed(env_body);
  // The framer trusts the length; the body decoder finds the junk.
  const Decoded d = FrameAndDecode(framed_, bytes, limits_);
  EXPECT_EQ(d.status.code(), StatusCode::kDataLoss);
  EXPECT_THAT(std::string(d.status.message()), HasSubstr("4 trailing bytes"));
}

TEST_F(CodecTest, DecodeBodyOfATruncatedFrameFailsCleanlyAtEveryOffset) {
  const t::Payload p = SamplePayload();
  const std::string env = Bytes().Strict("m", MessageType::kCall, 1).str();
  const std::string body = PayloadBytes(p);
  for (size_t k = 0; k < body.size(); ++k) {
    // Each cut copied alone, so a read past its end is a sanitizer error.
    const std::string cut = body.substr(0, k);
    FrameView v;
    v.data = reinterpret_cast<const uint8_t*>(cut.data());
    v.size = cut.size();
    t::Payload out;
    ReadContext ctx{limits_};
    EXPECT_FALSE(buffered_.DecodeBody(v, t::Payload::kTernTypeInfo, &out, ctx).ok()) << k;
  }
}

TEST_F(CodecTest, AppExceptionBytesAreApacheLayout) {
  AppException ex;
  ex.type = AppException::kUnknownMethod;
  ex.message = "Invalid method name: 'nope'";
  const std::string expected_body = Bytes()
                                        .Field(TType::kString, 1)
                                        .Str(ex.message)
                                        .Field(TType::kI32, 2)
                                        .I32(AppException::kUnknownMethod)
                                        .Stop()
                                        .str();
  LinkBuffer out;
  // The message type is EXCEPTION whatever the header says.
  ASSERT_TRUE(framed_.EncodeException({"nope", MessageType::kReply, 12}, ex, out).ok());
  out.Flush();
  EXPECT_EQ(Contents(out),
            Framed(Bytes().Strict("nope", MessageType::kException, 12).Raw(expected_body).str()));
  EXPECT_EQ(AppExceptionSize(ex), expected_body.size());
}

TEST_F(CodecTest, AppExceptionRoundTrips) {
  for (const BinaryCodec* codec : {&framed_, &buffered_}) {
    AppException ex;
    ex.type = AppException::kInternalError;
    ex.message = std::string(300, 'e');
    LinkBuffer out;
    ASSERT_TRUE(codec->EncodeException({"m", MessageType::kCall, 4}, ex, out).ok());
    out.Flush();
    FrameState state;
    const FrameResult fr = codec->Frame(out, state, limits_);
    ASSERT_EQ(fr.what, FrameResult::kFrame) << fr.error;
    const std::string bytes = Contents(out);
    ASSERT_EQ(fr.size, bytes.size());
    FrameView v = ViewOf(bytes);
    auto h = codec->DecodeHeader(v, limits_);
    ASSERT_TRUE(h.ok()) << h.status();
    EXPECT_EQ(h->type, MessageType::kException);
    EXPECT_EQ(h->seqid, 4);
    EXPECT_TRUE(ExpectReply(*h).ok());
    auto got = codec->DecodeException(v, limits_);
    ASSERT_TRUE(got.ok()) << got.status();
    EXPECT_EQ(got->type, ex.type);
    EXPECT_EQ(got->message, ex.message);
  }
}

Result<AppException> DecodeExceptionBody(const std::string& body, const Limits& limits) {
  FrameView v = ViewOf(body);
  return BinaryCodec(Framing::kBuffered).DecodeException(v, limits);
}

TEST_F(CodecTest, AppExceptionDecodeSkipsUnknownFieldsAndKeepsDefaults) {
  const std::string body = Bytes()
                               .Field(TType::kStruct, 9)
                               .Field(TType::kList, 1)
                               .U8(static_cast<uint8_t>(TType::kString))
                               .I32(1)
                               .Str("nested")
                               .Stop()
                               .Field(TType::kI32, 1)  // right id, wrong type: skipped
                               .I32(5)
                               .Field(TType::kI32, 2)
                               .I32(AppException::kProtocolError)
                               .Field(TType::kString, 3)
                               .Str("extra")
                               .Stop()
                               .str();
  auto ex = DecodeExceptionBody(body, limits_);
  ASSERT_TRUE(ex.ok()) << ex.status();
  EXPECT_EQ(ex->type, AppException::kProtocolError);
  EXPECT_EQ(ex->message, "");
  auto empty = DecodeExceptionBody(Bytes().Stop().str(), limits_);
  ASSERT_TRUE(empty.ok());
  EXPECT_EQ(empty->type, AppException::kUnknown);
}

TEST_F(CodecTest, AppExceptionDecodeRejectsBadInput) {
  Limits tiny = limits_;
  tiny.max_string = 4;
  auto r = DecodeExceptionBody(Bytes().Field(TType::kString, 1).Str("too long").Stop().str(), tiny);
  EXPECT_EQ(r.status().code(), StatusCode::kResourceExhausted);
  r = DecodeExceptionBody(Bytes().Field(TType::kString, 1).I32(1000).Raw("abc").str(), limits_);
  EXPECT_EQ(r.status().code(), StatusCode::kDataLoss);
  r = DecodeExceptionBody(Bytes().U8(99).I16(1).Stop().str(), limits_);
  EXPECT_EQ(r.status().code(), StatusCode::kDataLoss);
  r = DecodeExceptionBody(Bytes().Field(TType::kI32, 2).I32(1).Stop().Raw("x").str(), limits_);
  EXPECT_EQ(r.status().code(), StatusCode::kDataLoss);
  EXPECT_THAT(std::string(r.status().message()), HasSubstr("trailing"));
  // Unknown nested fields obey max_depth.
  std::string deep = Bytes().Field(TType::kStruct, 7).str();
  for (int i = 0; i < 100; ++i) deep += Bytes().Field(TType::kStruct, 1).str();
  deep.append(102, '\0');
  r = DecodeExceptionBody(deep, limits_);
  EXPECT_EQ(r.status().code(), StatusCode::kResourceExhausted);
  const std::string full =
      Bytes().Field(TType::kString, 1).Str("msg").Field(TType::kI32, 2).I32(3).Stop().str();
  for (size_t k = 0; k < full.size(); ++k) {
    EXPECT_FALSE(DecodeExceptionBody(full.substr(0, k), limits_).ok()) << k;
  }
}

TEST_F(CodecTest, ExpectCallAcceptsOnlyCallsAndOneways) {
  EXPECT_TRUE(ExpectCall({"m", MessageType::kCall, 1}).ok());
  EXPECT_TRUE(ExpectCall({"m", MessageType::kOneway, 1}).ok());
  for (MessageType t : {MessageType::kReply, MessageType::kException}) {
    // As a server would see it: decoded off the wire.
    const std::string bytes = Bytes().Strict("m", t, 8).Stop().str();
    FrameView v = ViewOf(bytes);
    auto h = buffered_.DecodeHeader(v, limits_);
    ASSERT_TRUE(h.ok());
    const Status st = ExpectCall(*h);
    EXPECT_EQ(st.code(), StatusCode::kDataLoss);
    EXPECT_THAT(std::string(st.message()), HasSubstr("seqid 8"));
    const AppException ex = InvalidMessageType(*h);
    EXPECT_EQ(ex.type, AppException::kInvalidMessageType);
    EXPECT_THAT(ex.message, HasSubstr("'m'"));
  }
  EXPECT_FALSE(ExpectReply({"m", MessageType::kCall, 1}).ok());
  EXPECT_FALSE(ExpectReply({"m", MessageType::kOneway, 1}).ok());
}

TEST_F(CodecTest, FactoryReadsFramingFromItsSection) {
  std::unique_ptr<Codec> codec;
  ASSERT_TRUE(CreateBinaryCodec(ConfigView("thrift_fast", {}), &codec).ok());
  EXPECT_EQ(static_cast<BinaryCodec*>(codec.get())->framing(), Framing::kFramed);
  ASSERT_TRUE(CreateBinaryCodec(ConfigView("thrift_fast", {{"framing", "buffered"}}), &codec).ok());
  EXPECT_EQ(static_cast<BinaryCodec*>(codec.get())->framing(), Framing::kBuffered);
  const Status st = CreateBinaryCodec(ConfigView("thrift_fast", {{"framing", "chunked"}}), &codec);
  EXPECT_EQ(st.code(), StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(st.message()), HasSubstr("thrift_fast.framing"));
  EXPECT_THAT(std::string(st.message()), HasSubstr("chunked"));
}

}  // namespace
}  // namespace tern::thrift_fast
