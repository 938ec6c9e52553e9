// The codec conformance suite: a typed GoogleTest suite every Tern codec —
// in tree or a third party's plugin — instantiates to prove it round-trips
// every Thrift type through its framing, envelope and bodies, and rejects
// malformed input cleanly.
//
// How to run it against your codec:
//
//   // CMake: generate the schema with the SDK's helper and link gtest:
//   //   tern_generate(conf_srcs ${TERN_CONFORMANCE_IDL} OUTPUT_DIR ...)
//   #include "conformance_types.h"             // generated from conformance.thrift
//   #include "tern/testing/codec_conformance.h"
//   struct MyCodec {
//     static std::unique_ptr<tern::Codec> Make();   // a framed codec instance
//     static constexpr bool kBinaryBody = false;    // true: bodies are Thrift Binary
//   };
//   INSTANTIATE_TYPED_TEST_SUITE_P(Mine, CodecConformanceTest, ::testing::Types<MyCodec>);
//
// With kBinaryBody, the suite also checks that the body bytes equal the
// generated FastWrite's (Thrift Binary is one canonical byte string per
// value here; see type_info.h, "canonical field order").
//
// A codec whose Capabilities() has kCapDecodesViews also has its DecodeView
// checked: every struct's body, viewed in place with the frame's owner set
// (the view alone keeps the bytes alive) and without one (borrowed), reads
// back as the value sent; a truncated body or bytes after it fail and leave
// the view empty. Those tests skip on other codecs, whose DecodeView must
// instead refuse with a non-OK status.
//
// The suite also checks the schema's TypeInfo itself: the generic walker
// (tern/thrift/generic.h) writes the fast path's bytes and reads them back.
#pragma once

#include <gtest/gtest.h>

#include <cstdint>
#include <cstring>
#include <memory>
#include <new>
#include <random>
#include <string>
#include <string_view>
#include <vector>

#include "conformance_types.h"
#include "tern/buffer.h"
#include "tern/codec.h"
#include "tern/plugin.h"
#include "tern/slice.h"
#include "tern/status.h"
#include "tern/testing/mutate.h"
#include "tern/testing/random_value.h"
#include "tern/thrift/generic.h"
#include "tern/thrift/view.h"

namespace tern::testing {

// The structs of the conformance schema as C++ types, for the checks that
// need their generated code (views), not only their TypeInfo.
template <class... T>
struct StructList {};
using ConformanceStructs =
    StructList<::tern::conformance::Scalars, ::tern::conformance::Defaults,
               ::tern::conformance::Requiredness, ::tern::conformance::Numbers,
               ::tern::conformance::Containers, ::tern::conformance::Choice,
               ::tern::conformance::Failure, ::tern::conformance::Tree, ::tern::conformance::Sparse,
               ::tern::conformance::RequiredRef, ::tern::conformance::Everything>;

template <class... T>
std::vector<const TypeInfo*> TypeInfosOf(StructList<T...>) {
  return {&T::kTernTypeInfo...};
}

// Every struct of the conformance schema.
inline std::vector<const TypeInfo*> ConformanceTypes() { return TypeInfosOf(ConformanceStructs()); }

// An instance of a TypeInfo'd struct with value semantics for tests.
class Object {
 public:
  explicit Object(const TypeInfo& t)
      : t_(&t), p_(::operator new(t.size, std::align_val_t(t.align))) {
    t.construct(p_);
  }
  ~Object() {
    t_->destruct(p_);
    ::operator delete(p_, std::align_val_t(t_->align));
  }
  Object(const Object&) = delete;
  Object& operator=(const Object&) = delete;
  void* get() { return p_; }
  const void* get() const { return p_; }
  bool operator==(const Object& o) const { return t_ == o.t_ && t_->equals(p_, o.p_); }

 private:
  const TypeInfo* t_;
  void* p_;
};

// Requiredness has required fields: random values always set them, but an
// empty object lacks them; the suite only encodes filled objects.
inline std::string FastBytes(const TypeInfo& t, const void* obj) {
  std::string s(t.blength(obj), '\0');
  uint8_t* end = t.fast_write(obj, reinterpret_cast<uint8_t*>(s.data()));
  EXPECT_EQ(end, reinterpret_cast<uint8_t*>(s.data()) + s.size()) << t.name;
  return s;
}

inline std::string ReadAll(LinkBuffer& b) {
  std::string s;
  EXPECT_TRUE(b.ReadString(b.Len(), &s).ok());
  return s;
}

// A generated view's storage as DecodeView fills it and T::View::TernFrom
// reads it: a ViewCore followed by one uint32_t slot per field, in a heap
// block of exactly that size, so ASan sees a write past the last slot. The
// slots start scribbled, as the server hands them over uninitialised: a
// codec must write every one.
class ViewStorage {
 public:
  static constexpr uint32_t kScribble = 0xA5A5A5A5u;

  explicit ViewStorage(const TypeInfo& t)
      : num_fields_(t.num_fields),
        p_(::operator new(sizeof(view::ViewCore) + sizeof(uint32_t) * t.num_fields,
                          std::align_val_t(alignof(view::ViewCore)))) {
    view::ViewCore* c = new (p_) view::ViewCore();
    c->begin = kScribble;
    c->end = kScribble;
    for (uint32_t i = 0; i < num_fields_; ++i) slots()[i] = kScribble;
  }
  ~ViewStorage() { ::operator delete(p_, std::align_val_t(alignof(view::ViewCore))); }
  ViewStorage(const ViewStorage&) = delete;
  ViewStorage& operator=(const ViewStorage&) = delete;

  view::ViewCore* core() { return static_cast<view::ViewCore*>(p_); }
  const view::ViewCore* core() const { return static_cast<const view::ViewCore*>(p_); }
  uint32_t* slots() {
    return reinterpret_cast<uint32_t*>(static_cast<char*>(p_) + sizeof(view::ViewCore));
  }
  const uint32_t* slots() const {
    return reinterpret_cast<const uint32_t*>(static_cast<const char*>(p_) + sizeof(view::ViewCore));
  }
  const void* get() const { return p_; }

  // Holds the empty view: core cleared and every slot kAbsent.
  ::testing::AssertionResult IsEmpty() const {
    const view::ViewCore* c = core();
    if (c->bytes != nullptr || c->begin != 0 || c->end != 0) {
      return ::testing::AssertionFailure()
             << "the core is not cleared (bytes " << static_cast<const void*>(c->bytes)
             << ", begin " << c->begin << ", end " << c->end << ")";
    }
    for (uint32_t i = 0; i < num_fields_; ++i) {
      if (slots()[i] != view::kAbsent) {
        return ::testing::AssertionFailure() << "slot " << i << " is " << slots()[i];
      }
    }
    return ::testing::AssertionSuccess();
  }

 private:
  uint32_t num_fields_;
  void* p_;
};

// A frame's bytes in a heap block of their own, so ASan sees a read past
// them or after they are freed. Borrowed: exactly the frame's bytes, alive
// as long as this object. Owned: a Slice over a block with guard bytes on
// either side of the frame (an owner may hold more than its frame, as the
// whole received block does), freed when the last reference to it goes;
// released() says whether it has.
class HeapFrame {
 public:
  static constexpr size_t kGuard = 8;

  HeapFrame(std::string_view bytes, bool owned) : owned_(owned), released_(new bool(false)) {
    const size_t guard = owned ? kGuard : 0;
    const size_t n = bytes.size() + 2 * guard;
    auto* block = new uint8_t[n];
    std::memset(block, 0xEE, n);
    std::memcpy(block + guard, bytes.data(), bytes.size());
    data_ = block + guard;
    if (owned) {
      owner_ = Slice::External(block, n, &Release, released_);
    } else {
      borrowed_.reset(block);
    }
  }
  ~HeapFrame() {
    owner_ = Slice();
    // A reference still held elsewhere (a codec that kept one, which the
    // tests report) releases the block later: its flag must outlive us.
    if (!owned_ || *released_) delete released_;
  }
  HeapFrame(const HeapFrame&) = delete;
  HeapFrame& operator=(const HeapFrame&) = delete;

  // The frame's first `size` bytes, with the owner (when owned) set.
  FrameView Frame(size_t size) const { return FrameView{data_, size, 0, owner_}; }
  // Owned: gives up this object's reference; the block lives on only as
  // long as someone else holds one.
  void DropOwner() { owner_ = Slice(); }
  bool released() const { return *released_; }

 private:
  static void Release(void* ctx, const uint8_t* data, size_t) {
    delete[] data;
    *static_cast<bool*>(ctx) = true;
  }

  bool owned_;
  bool* released_;
  const uint8_t* data_ = nullptr;
  std::unique_ptr<uint8_t[]> borrowed_;
  Slice owner_;
};

template <class Traits>
class CodecConformanceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    codec_ = Traits::Make();
    ASSERT_NE(codec_, nullptr);
  }

  // Encodes one CALL message carrying obj; returns the framed bytes.
  std::string Encode(const TypeInfo& t, const void* obj, int32_t seqid, std::string_view name,
                     MessageType type = MessageType::kCall) {
    LinkBuffer out;
    MessageHeader h{name, type, seqid};
    Status st = codec_->Encode(h, BodyRef{&t, obj, nullptr}, out);
    EXPECT_TRUE(st.ok()) << st;
    out.Flush();
    return ReadAll(out);
  }

  // Frames and decodes `bytes` (one whole message) into obj.
  Status Decode(const std::string& bytes, const TypeInfo& t, void* obj, MessageHeader* header,
                std::string* name_copy, const Limits& limits = DefaultLimits()) {
    LinkBuffer in;
    in.Write(bytes.data(), bytes.size());
    in.Flush();
    FrameState state;
    FrameResult fr = codec_->Frame(in, state, limits);
    if (fr.what == FrameResult::kError) return fr.error;
    if (fr.what == FrameResult::kNeedMore) return DataLoss("incomplete frame");
    if (fr.size != bytes.size()) return DataLoss("frame size differs from the message size");
    auto p = in.Next(fr.size);
    if (!p.ok()) return p.status();
    FrameView frame{*p, fr.size, 0, Slice()};
    auto h = codec_->DecodeHeader(frame, limits);
    if (!h.ok()) return h.status();
    *header = *h;
    *name_copy = std::string(h->name);
    ReadContext ctx{limits};
    return codec_->DecodeBody(frame, t, obj, ctx);
  }

  bool DecodesViews() const { return (codec_->Capabilities() & kCapDecodesViews) != 0; }

  // Frames `bytes` (one whole message) and decodes its envelope: the offset
  // of the body, or 0 (with a failure recorded) when either step fails.
  size_t BodyOffset(const std::string& bytes) {
    LinkBuffer in;
    in.Write(bytes.data(), bytes.size());
    in.Flush();
    FrameState state;
    FrameResult fr = codec_->Frame(in, state, DefaultLimits());
    if (fr.what != FrameResult::kFrame || fr.size != bytes.size()) {
      ADD_FAILURE() << "the message does not frame as one frame of " << bytes.size()
                    << " bytes: " << fr.error;
      return 0;
    }
    FrameView frame{reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size(), 0, Slice()};
    auto h = codec_->DecodeHeader(frame, DefaultLimits());
    if (!h.ok()) {
      ADD_FAILURE() << h.status();
      return 0;
    }
    return frame.pos;
  }

  // Views the body of a message carrying each of several random values of
  // T and checks that the view reads back as the value. Owned: the frame
  // comes with an owner, and every other reference to its bytes goes before
  // the view is read, so only the view keeps them alive; borrowed: no owner.
  template <class T>
  void CheckViewRoundTrips(bool owned) {
    const TypeInfo& t = T::kTernTypeInfo;
    for (uint64_t seed = 1; seed <= 20; ++seed) {
      SCOPED_TRACE(std::string(t.name) + " seed " + std::to_string(seed));
      T in;
      RandomValue(seed).Fill(t, &in);
      const std::string bytes = Encode(t, &in, static_cast<int32_t>(seed), "method");
      ASSERT_NE(BodyOffset(bytes), 0u);
      HeapFrame heap(bytes, owned);
      ViewStorage storage(t);
      view::Bytes vb;
      {
        FrameView frame = heap.Frame(bytes.size());
        auto h = codec_->DecodeHeader(frame, DefaultLimits());
        ASSERT_TRUE(h.ok()) << h.status();
        EXPECT_EQ(h->seqid, static_cast<int32_t>(seed));
        ReadContext ctx{DefaultLimits()};
        Status st = codec_->DecodeView(frame, t, &vb, storage.core(), storage.slots(), ctx);
        ASSERT_TRUE(st.ok()) << st;
        EXPECT_EQ(frame.pos, frame.size) << "DecodeView must consume the body";
      }  // the FrameView's reference to the owner goes here
      heap.DropOwner();
      if (owned) {
        EXPECT_FALSE(heap.released()) << "the view must keep the frame's block alive";
      }
      EXPECT_EQ(storage.core()->bytes, &vb) << "the view must read the Bytes it was given";
      const auto v = T::View::TernFrom(storage.get());
      auto out = v.ToStruct();
      ASSERT_TRUE(out.ok()) << out.status();
      EXPECT_TRUE(*out == in) << "the view does not read back as the value sent";
      vb.Reset(nullptr, 0);
      if (owned) {
        EXPECT_TRUE(heap.released()) << "something besides the view kept the frame";
      }
    }
  }
  template <class... T>
  void CheckViewRoundTripsOf(StructList<T...>, bool owned) {
    (CheckViewRoundTrips<T>(owned), ...);
  }

  // DecodeView over a bad body at frame.pos, into storage and vb that hold
  // another view (as a reused call's do): must fail, leave the view empty,
  // *vb holding nothing and frame.pos where it was. Returns the status.
  Status ExpectViewRejected(FrameView& frame, const TypeInfo& t, ViewStorage& storage,
                            view::Bytes& vb) {
    static const uint8_t kOther[] = {0};
    vb.Reset(kOther, sizeof(kOther));
    storage.core()->bytes = &vb;
    const size_t pos = frame.pos;
    ReadContext ctx{DefaultLimits()};
    Status st = codec_->DecodeView(frame, t, &vb, storage.core(), storage.slots(), ctx);
    EXPECT_FALSE(st.ok()) << "DecodeView accepted a bad body of " << t.name;
    EXPECT_EQ(frame.pos, pos) << "a failed DecodeView must leave frame.pos alone";
    EXPECT_EQ(vb.size(), 0u) << "a failed DecodeView must leave the Bytes empty";
    EXPECT_TRUE(storage.IsEmpty()) << "after a failed DecodeView of " << t.name;
    return st;
  }

  // Every cut of a message's body (at every offset for small messages,
  // sampled for large ones) fails. Each cut is copied into a block of
  // exactly its size, so ASan sees a read past it. The envelope is decoded
  // from the whole frame; only the body's end moves.
  template <class T>
  void CheckTruncatedViewsFail() {
    const TypeInfo& t = T::kTernTypeInfo;
    SCOPED_TRACE(t.name);
    T in;
    RandomValue(5, 3, 3).Fill(t, &in);
    const std::string bytes = Encode(t, &in, 1, "m");
    const size_t body = BodyOffset(bytes);
    ASSERT_NE(body, 0u);
    const size_t step = bytes.size() <= 4096 ? 1 : bytes.size() / 4096 + 1;
    const ::testing::TestResult* result =
        ::testing::UnitTest::GetInstance()->current_test_info()->result();
    const int reports = result->total_part_count();
    for (size_t cut = body; cut < bytes.size(); cut += step) {
      SCOPED_TRACE("cut at " + std::to_string(cut) + " of " + std::to_string(bytes.size()));
      HeapFrame heap(std::string_view(bytes).substr(0, cut), /*owned=*/false);
      ViewStorage storage(t);
      view::Bytes vb;
      FrameView frame = heap.Frame(cut);
      frame.pos = body;
      (void)ExpectViewRejected(frame, t, storage, vb);
      if (result->total_part_count() != reports) return;  // one cut's report will do
    }
  }
  template <class... T>
  void CheckTruncatedViewsFailOf(StructList<T...>) {
    (CheckTruncatedViewsFail<T>(), ...);
  }

  // Bytes after the body (a stray stop byte; the body again) fail with
  // DATA_LOSS, and a failed DecodeView lets go of an owned frame.
  template <class T>
  void CheckTrailingBytesFail(bool owned) {
    const TypeInfo& t = T::kTernTypeInfo;
    T in;
    RandomValue(9).Fill(t, &in);
    const std::string bytes = Encode(t, &in, 1, "m");
    const size_t body = BodyOffset(bytes);
    ASSERT_NE(body, 0u);
    for (const std::string& extra : {std::string(1, '\0'), bytes.substr(body)}) {
      SCOPED_TRACE(std::string(t.name) + ", " + std::to_string(extra.size()) +
                   " bytes after the body");
      HeapFrame heap(bytes + extra, owned);
      ViewStorage storage(t);
      view::Bytes vb;
      FrameView frame = heap.Frame(bytes.size() + extra.size());
      frame.pos = body;
      Status st = ExpectViewRejected(frame, t, storage, vb);
      EXPECT_EQ(st.code(), StatusCode::kDataLoss) << st;
      frame.owner = Slice();
      heap.DropOwner();
      if (owned) {
        EXPECT_TRUE(heap.released()) << "a failed DecodeView must let go of the frame";
      }
    }
  }
  template <class... T>
  void CheckTrailingBytesFailOf(StructList<T...>, bool owned) {
    (CheckTrailingBytesFail<T>(owned), ...);
  }

  std::unique_ptr<Codec> codec_;
};

TYPED_TEST_SUITE_P(CodecConformanceTest);

TYPED_TEST_P(CodecConformanceTest, RoundTripsEveryTypeWithRandomValues) {
  for (const TypeInfo* t : ConformanceTypes()) {
    for (uint64_t seed = 1; seed <= 40; ++seed) {
      SCOPED_TRACE(std::string(t->name) + " seed " + std::to_string(seed));
      Object in(*t);
      RandomValue(seed).Fill(*t, in.get());
      const std::string bytes = this->Encode(*t, in.get(), static_cast<int32_t>(seed), "method");
      Object out(*t);
      MessageHeader h;
      std::string name;
      Status st = this->Decode(bytes, *t, out.get(), &h, &name);
      ASSERT_TRUE(st.ok()) << st;
      EXPECT_EQ(name, "method");
      EXPECT_EQ(h.seqid, static_cast<int32_t>(seed));
      EXPECT_EQ(h.type, MessageType::kCall);
      EXPECT_TRUE(in == out);
      if constexpr (TypeParam::kBinaryBody) {
        const std::string body = FastBytes(*t, in.get());
        ASSERT_GE(bytes.size(), body.size());
        EXPECT_EQ(bytes.substr(bytes.size() - body.size()), body)
            << "the body must be exactly FastWrite's bytes";
      }
    }
  }
}

TYPED_TEST_P(CodecConformanceTest, EnvelopeCarriesNameTypeAndSeqid) {
  const TypeInfo& t = ::tern::conformance::Scalars::kTernTypeInfo;
  Object in(t);
  for (MessageType type : {MessageType::kCall, MessageType::kReply, MessageType::kOneway}) {
    for (int32_t seqid : {0, 1, -1, 0x7fffffff, static_cast<int32_t>(0x80000000)}) {
      const std::string name(static_cast<size_t>(seqid & 0xff) + 1, 'n');
      const std::string bytes = this->Encode(t, in.get(), seqid, name, type);
      Object out(t);
      MessageHeader h;
      std::string got_name;
      ASSERT_TRUE(this->Decode(bytes, t, out.get(), &h, &got_name).ok());
      EXPECT_EQ(got_name, name);
      EXPECT_EQ(h.type, type);
      EXPECT_EQ(h.seqid, seqid);
    }
  }
}

TYPED_TEST_P(CodecConformanceTest, ApplicationExceptionRoundTrips) {
  LinkBuffer out;
  AppException ex{"no such method 'frobnicate'", AppException::kUnknownMethod};
  ASSERT_TRUE(
      this->codec_->EncodeException({"frobnicate", MessageType::kException, 77}, ex, out).ok());
  out.Flush();
  const std::string bytes = ReadAll(out);
  LinkBuffer in;
  in.Write(bytes.data(), bytes.size());
  in.Flush();
  FrameState state;
  FrameResult fr = this->codec_->Frame(in, state, DefaultLimits());
  ASSERT_EQ(fr.what, FrameResult::kFrame);
  auto p = in.Next(fr.size);
  ASSERT_TRUE(p.ok());
  FrameView frame{*p, fr.size, 0, Slice()};
  auto h = this->codec_->DecodeHeader(frame, DefaultLimits());
  ASSERT_TRUE(h.ok()) << h.status();
  EXPECT_EQ(h->type, MessageType::kException);
  EXPECT_EQ(h->seqid, 77);
  auto got = this->codec_->DecodeException(frame, DefaultLimits());
  ASSERT_TRUE(got.ok()) << got.status();
  EXPECT_EQ(got->message, ex.message);
  EXPECT_EQ(got->type, ex.type);
}

TYPED_TEST_P(CodecConformanceTest, TruncationAtEveryOffsetIsACleanError) {
  const TypeInfo& t = ::tern::conformance::Everything::kTernTypeInfo;
  Object in(t);
  RandomValue(7, 3, 3).Fill(t, in.get());
  const std::string bytes = this->Encode(t, in.get(), 1, "m");
  ASSERT_LE(bytes.size(), 64u * 1024);
  const size_t step = bytes.size() <= 4096 ? 1 : bytes.size() / 4096 + 1;
  for (size_t cut = 0; cut < bytes.size(); cut += step) {
    std::string head = bytes.substr(0, cut);
    LinkBuffer buf;
    buf.Write(head.data(), head.size());
    buf.Flush();
    FrameState state;
    FrameResult fr = this->codec_->Frame(buf, state, DefaultLimits());
    EXPECT_NE(fr.what, FrameResult::kFrame) << "a cut message must not frame, cut at " << cut;
  }
}

TYPED_TEST_P(CodecConformanceTest, CorruptBodiesFailCleanly) {
  // Flip bytes inside the body of a framed message: decoding must fail or
  // succeed, never crash or read outside the frame (ASan checks the latter).
  const TypeInfo& t = ::tern::conformance::Containers::kTernTypeInfo;
  Object in(t);
  RandomValue(11, 4, 3).Fill(t, in.get());
  const std::string bytes = this->Encode(t, in.get(), 1, "m");
  std::mt19937_64 rng(3);
  for (int i = 0; i < 2000; ++i) {
    std::string bad = bytes;
    const int flips = 1 + static_cast<int>(rng() % 4);
    for (int f = 0; f < flips; ++f) {
      // Keep the framing header: corrupt the envelope and the body.
      const size_t pos = 4 + rng() % (bad.size() - 4);
      bad[pos] = static_cast<char>(rng());
    }
    Object out(t);
    MessageHeader h;
    std::string name;
    Limits limits;
    limits.max_container = 1 << 16;
    limits.max_string = 1 << 16;
    Status st = this->Decode(bad, t, out.get(), &h, &name, limits);
    (void)st;  // either outcome is fine; the absence of crashes is the test
  }
  SUCCEED();
}

TYPED_TEST_P(CodecConformanceTest, OlderSchemaSkipsUnknownFields) {
  const TypeInfo& t = ::tern::conformance::Scalars::kTernTypeInfo;
  ::tern::conformance::Scalars v;
  v.b = true;
  v.i64v = -5;
  v.s = "kept";
  v.d = 2.5;
  v.bin = std::string("\0\1\2", 3);
  const std::string bytes = this->Encode(t, &v, 3, "m");
  ::tern::conformance::ScalarsV1 old;
  MessageHeader h;
  std::string name;
  ASSERT_TRUE(
      this->Decode(bytes, ::tern::conformance::ScalarsV1::kTernTypeInfo, &old, &h, &name).ok());
  EXPECT_EQ(old.b, true);
  EXPECT_EQ(old.i64v, -5);
  EXPECT_EQ(old.s, "kept");
}

TYPED_TEST_P(CodecConformanceTest, MissingRequiredFieldIsAnError) {
  // Requiredness with `name` (required) absent: encode an object whose
  // required field is written, then decode with a schema view that lacks it
  // is not expressible here; instead encode Scalars (no required fields) and
  // decode as Requiredness, whose required `id` and `name` are missing.
  ::tern::conformance::Scalars v;
  const std::string bytes = this->Encode(::tern::conformance::Scalars::kTernTypeInfo, &v, 1, "m");
  ::tern::conformance::Requiredness r;
  MessageHeader h;
  std::string name;
  Status st = this->Decode(bytes, ::tern::conformance::Requiredness::kTernTypeInfo, &r, &h, &name);
  EXPECT_FALSE(st.ok());
}

TYPED_TEST_P(CodecConformanceTest, LimitsAreEnforced) {
  ::tern::conformance::Containers v;
  // The element type is std::string, or std::pmr::string (--alloc=pmr).
  v.strings.assign(100, typename decltype(v.strings)::value_type(100, 'x'));
  const std::string bytes =
      this->Encode(::tern::conformance::Containers::kTernTypeInfo, &v, 1, "m");
  {
    Limits limits;
    limits.max_container = 50;
    ::tern::conformance::Containers out;
    MessageHeader h;
    std::string name;
    Status st = this->Decode(bytes, ::tern::conformance::Containers::kTernTypeInfo, &out, &h, &name,
                             limits);
    EXPECT_EQ(st.code(), StatusCode::kResourceExhausted) << st;
  }
  {
    Limits limits;
    limits.max_string = 50;
    ::tern::conformance::Containers out;
    MessageHeader h;
    std::string name;
    Status st = this->Decode(bytes, ::tern::conformance::Containers::kTernTypeInfo, &out, &h, &name,
                             limits);
    EXPECT_EQ(st.code(), StatusCode::kResourceExhausted) << st;
  }
  {
    Limits limits;
    limits.max_frame = 1000;
    LinkBuffer in;
    in.Write(bytes.data(), bytes.size());
    in.Flush();
    FrameState state;
    FrameResult fr = this->codec_->Frame(in, state, limits);
    EXPECT_EQ(fr.what, FrameResult::kError);
  }
}

// ---- DecodeView (kCapDecodesViews codecs) ----------------------------------------

TYPED_TEST_P(CodecConformanceTest, DecodeViewWithoutTheCapabilityIsAnError) {
  if (this->DecodesViews()) {
    GTEST_SKIP() << "the codec has kCapDecodesViews: the other DecodeView tests check it";
  }
  for (const TypeInfo* t : ConformanceTypes()) {
    SCOPED_TRACE(t->name);
    Object in(*t);
    RandomValue(1).Fill(*t, in.get());
    const std::string bytes = this->Encode(*t, in.get(), 1, "m");
    HeapFrame heap(bytes, /*owned=*/false);
    FrameView frame = heap.Frame(bytes.size());
    ASSERT_TRUE(this->codec_->DecodeHeader(frame, DefaultLimits()).ok());
    const size_t pos = frame.pos;
    ViewStorage storage(*t);
    view::Bytes vb;
    ReadContext ctx{DefaultLimits()};
    Status st = this->codec_->DecodeView(frame, *t, &vb, storage.core(), storage.slots(), ctx);
    EXPECT_FALSE(st.ok()) << "a codec without kCapDecodesViews must refuse DecodeView";
    EXPECT_EQ(frame.pos, pos);
  }
}

TYPED_TEST_P(CodecConformanceTest, DecodeViewRoundTripsEveryTypeOverAnOwnedFrame) {
  if (!this->DecodesViews()) GTEST_SKIP() << "the codec does not have kCapDecodesViews";
  this->CheckViewRoundTripsOf(ConformanceStructs(), /*owned=*/true);
}

TYPED_TEST_P(CodecConformanceTest, DecodeViewRoundTripsEveryTypeOverABorrowedFrame) {
  if (!this->DecodesViews()) GTEST_SKIP() << "the codec does not have kCapDecodesViews";
  this->CheckViewRoundTripsOf(ConformanceStructs(), /*owned=*/false);
}

TYPED_TEST_P(CodecConformanceTest, DecodeViewRejectsTruncatedBodies) {
  if (!this->DecodesViews()) GTEST_SKIP() << "the codec does not have kCapDecodesViews";
  this->CheckTruncatedViewsFailOf(ConformanceStructs());
}

TYPED_TEST_P(CodecConformanceTest, DecodeViewRejectsTrailingBytes) {
  if (!this->DecodesViews()) GTEST_SKIP() << "the codec does not have kCapDecodesViews";
  this->CheckTrailingBytesFailOf(ConformanceStructs(), /*owned=*/true);
  this->CheckTrailingBytesFailOf(ConformanceStructs(), /*owned=*/false);
}

// TypeInfo-level checks, independent of any codec: for each struct, the
// generated fast functions and the generic walker agree byte for byte and
// value for value, and FastRead rejects every truncation. Instantiate with
//   INSTANTIATE_TEST_SUITE_P(Schema, TypeInfoConformanceTest,
//                            ::testing::ValuesIn(ConformanceTypes()), TypeInfoName);
class TypeInfoConformanceTest : public ::testing::TestWithParam<const TypeInfo*> {};

inline std::string TypeInfoName(const ::testing::TestParamInfo<const TypeInfo*>& info) {
  return info.param->name;
}

TEST_P(TypeInfoConformanceTest, GenericWalkerMatchesTheFastPath) {
  {
    const TypeInfo* t = GetParam();
    for (uint64_t seed = 100; seed < 130; ++seed) {
      SCOPED_TRACE(std::string(t->name) + " seed " + std::to_string(seed));
      Object in(*t);
      RandomValue(seed).Fill(*t, in.get());
      const std::string fast = FastBytes(*t, in.get());
      ASSERT_EQ(generic::BLength(*t, in.get()), fast.size());
      std::string gen(fast.size(), '\0');
      uint8_t* end = generic::Write(*t, in.get(), reinterpret_cast<uint8_t*>(gen.data()));
      ASSERT_EQ(end, reinterpret_cast<uint8_t*>(gen.data()) + gen.size());
      EXPECT_EQ(gen, fast);
      Object a(*t), b(*t);
      ReadContext ctx1{DefaultLimits()}, ctx2{DefaultLimits()};
      auto ra = generic::Read(*t, a.get(), reinterpret_cast<const uint8_t*>(fast.data()),
                              fast.size(), ctx1);
      ASSERT_TRUE(ra.ok()) << ra.status();
      EXPECT_EQ(*ra, fast.size());
      auto rb =
          t->fast_read(b.get(), reinterpret_cast<const uint8_t*>(fast.data()), fast.size(), ctx2);
      ASSERT_TRUE(rb.ok()) << rb.status();
      EXPECT_TRUE(a == in);
      EXPECT_TRUE(b == in);
    }
  }
}

TEST_P(TypeInfoConformanceTest, FastReadRejectsEveryTruncation) {
  const TypeInfo* t = GetParam();
  for (uint64_t seed = 200; seed < 205; ++seed) {
    Object in(*t);
    RandomValue(seed, 4, 3).Fill(*t, in.get());
    const std::string bytes = FastBytes(*t, in.get());
    const size_t step = bytes.size() <= 4096 ? 1 : bytes.size() / 4096 + 1;
    for (size_t cut = 0; cut < bytes.size(); cut += step) {
      Object out(*t);
      ReadContext ctx{DefaultLimits()};
      // A copy of exactly `cut` bytes, so ASan sees any read past it.
      std::vector<uint8_t> head(bytes.begin(), bytes.begin() + static_cast<long>(cut));
      auto r = t->fast_read(out.get(), head.data(), head.size(), ctx);
      EXPECT_FALSE(r.ok()) << t->name << " cut at " << cut << " of " << bytes.size();
      ReadContext ctx2{DefaultLimits()};
      Object out2(*t);
      EXPECT_FALSE(generic::Read(*t, out2.get(), head.data(), head.size(), ctx2).ok());
    }
  }
}

// Bytes that are almost right (tern/testing/mutate.h): the generated reader
// and the TypeInfo walker must give the same verdict, consume the same bytes
// and hold the same value, so that a codec walking TypeInfo reads the
// language the generated code reads; the copy-free view's index must give
// the same verdict and end (its ToStruct is FastRead over the bytes).
TEST_P(TypeInfoConformanceTest, FastReadAndTheWalkerAgreeOnMutatedBytes) {
  const TypeInfo* t = GetParam();
  for (uint64_t seed = 300; seed < 310; ++seed) {
    Object in(*t);
    RandomValue(seed).Fill(*t, in.get());
    const std::string good = FastBytes(*t, in.get());
    Mutator mutator(seed);
    for (int m = 0; m < 150; ++m) {
      const std::string bytes = mutator.Mutate(good);
      std::vector<uint8_t> exact(bytes.begin(), bytes.end());  // ASan sees any over-read
      Object a(*t), b(*t);
      ReadContext ctx1{DefaultLimits()}, ctx2{DefaultLimits()};
      auto ra = t->fast_read(a.get(), exact.data(), exact.size(), ctx1);
      auto rb = generic::Read(*t, b.get(), exact.data(), exact.size(), ctx2);
      const std::string where = std::string(t->name) + " seed " + std::to_string(seed) +
                                " mutation " + std::to_string(m) + "\nbytes: " + Hex(bytes);
      ASSERT_EQ(ra.ok(), rb.ok()) << where << "\nFastRead: "
                                  << (ra.ok() ? "accepted" : ra.status().ToString()) << "\nwalker: "
                                  << (rb.ok() ? "accepted" : rb.status().ToString());
      view::Bytes vb(exact.data(), exact.size());
      view::ViewCore core;
      std::vector<uint32_t> slots(t->num_fields + 1);
      ReadContext ctx3{DefaultLimits()};
      const Status vs = view::ParseInto(vb, 0, *t, &core, slots.data(), ctx3);
      ASSERT_EQ(ra.ok(), vs.ok()) << where << "\nFastRead: "
                                  << (ra.ok() ? "accepted" : ra.status().ToString())
                                  << "\nview index: " << (vs.ok() ? "accepted" : vs.ToString());
      if (!ra.ok()) continue;
      ASSERT_EQ(*ra, *rb) << where;
      ASSERT_EQ(*ra, core.end) << where;
      ASSERT_EQ(Hex(FastBytes(*t, a.get())), Hex(FastBytes(*t, b.get()))) << where;
    }
  }
}

REGISTER_TYPED_TEST_SUITE_P(CodecConformanceTest, RoundTripsEveryTypeWithRandomValues,
                            EnvelopeCarriesNameTypeAndSeqid, ApplicationExceptionRoundTrips,
                            TruncationAtEveryOffsetIsACleanError, CorruptBodiesFailCleanly,
                            OlderSchemaSkipsUnknownFields, MissingRequiredFieldIsAnError,
                            LimitsAreEnforced, DecodeViewWithoutTheCapabilityIsAnError,
                            DecodeViewRoundTripsEveryTypeOverAnOwnedFrame,
                            DecodeViewRoundTripsEveryTypeOverABorrowedFrame,
                            DecodeViewRejectsTruncatedBodies, DecodeViewRejectsTrailingBytes);

// A binary may instantiate either half of the suite alone.
GTEST_ALLOW_UNINSTANTIATED_PARAMETERIZED_TEST(TypeInfoConformanceTest);
GTEST_ALLOW_UNINSTANTIATED_PARAMETERIZED_TEST(CodecConformanceTest);

}  // namespace tern::testing
