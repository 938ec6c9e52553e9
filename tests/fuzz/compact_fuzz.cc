// libFuzzer target for the thrift_compact codec (sdk/examples/compact_codec):
// framing, the Compact envelope, TApplicationException, and bodies decoded
// into the richest conformance struct (Everything: every type, containers of
// structs, unions, recursion through `&`). Any bytes must frame, need more,
// or fail with a Status — never crash, read outside the input, or allocate
// beyond what the bytes can justify.
//
// Input: byte 0 = flags (bit 0 small limits; bit 1 buffered (unframed)
// framing; bits 2-7 the largest delivery chunk), then the stream. Invariants
// (abort() on violation, so the fuzzer and the corpus replay both see it):
//  * Frame never consumes, answers the same whether the bytes arrive at once
//    or in chunks (the buffered scan resumes: it must not depend on where
//    blocks or calls split the input); a framed frame is 4 + its big-endian
//    length; a buffered frame ends where skipping its body struct ends;
//  * decoders get an exact-size heap copy of the frame (a sanitizer catches
//    any over-read) and their positions stay inside it;
//  * a body that decodes re-encodes, and the re-encoding decodes to an equal
//    value of the same encoded size (a fixed point);
//  * a decoded TApplicationException re-encodes to the same value.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "compact_codec.h"
#include "compact_protocol.h"
#include "conformance_types.h"
#include "tern/buffer.h"
#include "tern/slice.h"

namespace {

using namespace tern;  // NOLINT: a test harness

#define FUZZ_CHECK(cond)                                                                \
  do {                                                                                  \
    if (!(cond)) {                                                                      \
      std::fprintf(stderr, "%s:%d: invariant failed: %s\n", __FILE__, __LINE__, #cond); \
      std::abort();                                                                     \
    }                                                                                   \
  } while (0)

using Everything = ::tern::conformance::Everything;

FrameResult FrameChunked(const Codec& codec, const uint8_t* data, size_t size, size_t chunk,
                         const Limits& limits) {
  LinkBuffer buf;
  FrameState state;
  FrameResult r = FrameResult::NeedMore(0);
  size_t at = 0;
  do {
    const size_t n = std::min(chunk, size - at);
    if (n > 0) buf.Append(Slice::Copy(data + at, n));
    buf.Flush();
    at += n;
    r = codec.Frame(buf, state, limits);
    FUZZ_CHECK(buf.Len() == at);
    if (r.what != FrameResult::kNeedMore) break;
    FUZZ_CHECK(r.size == 0 || r.size > at);
  } while (at < size);
  return r;
}

void CheckBody(const compact::CompactCodec& codec, const uint8_t* frame_bytes, size_t size,
               const Limits& limits) {
  // An exact-size copy: reading one byte past it is a sanitizer report.
  std::unique_ptr<uint8_t[]> copy(new uint8_t[size]);
  std::memcpy(copy.get(), frame_bytes, size);
  FrameView frame{copy.get(), size, 0, Slice()};
  auto header = codec.DecodeHeader(frame, limits);
  if (!header.ok()) {
    FUZZ_CHECK(codec.framed());  // the buffered framer accepted this envelope
    return;
  }
  if (!codec.framed()) {
    // The body struct ends exactly at the frame's end (when the skip, whose
    // depth count starts one deeper, stays within the limit).
    size_t skipped = 0;
    Status st = compact::SkipField(12, copy.get() + frame.pos, size - frame.pos, limits, &skipped);
    FUZZ_CHECK(!st.ok() || frame.pos + skipped == size);
    FUZZ_CHECK(st.ok() || st.code() == StatusCode::kResourceExhausted);
  }
  FUZZ_CHECK(frame.pos <= frame.size);
  FUZZ_CHECK(header->name.data() >= reinterpret_cast<const char*>(copy.get()));
  FUZZ_CHECK(header->name.data() + header->name.size() <=
             reinterpret_cast<const char*>(copy.get() + frame.pos));
  const size_t body_at = frame.pos;
  if (header->type == MessageType::kException) {
    auto ex = codec.DecodeException(frame, limits);
    if (!ex.ok()) return;
    LinkBuffer out;
    FUZZ_CHECK(codec.EncodeException(*header, *ex, out).ok());
    out.Flush();
    std::string again;
    FUZZ_CHECK(out.ReadString(out.Len(), &again).ok());
    FrameView f2{reinterpret_cast<const uint8_t*>(again.data()), again.size(), 0, Slice()};
    FUZZ_CHECK(codec.DecodeHeader(f2, limits).ok());
    auto ex2 = codec.DecodeException(f2, limits);
    FUZZ_CHECK(ex2.ok());
    FUZZ_CHECK(ex2->message == ex->message && ex2->type == ex->type);
    return;
  }
  Everything v;
  ReadContext ctx{limits};
  Status st = codec.DecodeBody(frame, Everything::kTernTypeInfo, &v, ctx);
  if (!st.ok()) return;
  FUZZ_CHECK(frame.pos == frame.size);
  // Fixed point: what we write, we read back equal, at the same size.
  const size_t n = compact::EncodedSize(Everything::kTernTypeInfo, &v);
  std::unique_ptr<uint8_t[]> enc(new uint8_t[n]);
  FUZZ_CHECK(compact::Write(Everything::kTernTypeInfo, &v, enc.get()) == enc.get() + n);
  Everything back;
  ReadContext ctx2{limits};
  auto r = compact::Read(Everything::kTernTypeInfo, &back, enc.get(), n, ctx2);
  FUZZ_CHECK(r.ok());
  FUZZ_CHECK(*r == n);
  FUZZ_CHECK(compact::EncodedSize(Everything::kTernTypeInfo, &back) == n);
  // Doubles may be NaN (never equal), so compare the bytes, not the values.
  std::unique_ptr<uint8_t[]> enc2(new uint8_t[n]);
  compact::Write(Everything::kTernTypeInfo, &back, enc2.get());
  FUZZ_CHECK(std::memcmp(enc.get(), enc2.get(), n) == 0);
  (void)body_at;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 1) return 0;
  const uint8_t flags = data[0];
  data += 1;
  size -= 1;
  Limits limits;
  if (flags & 1) {
    limits.max_frame = 4096;
    limits.max_string = 64;
    limits.max_container = 16;
    limits.max_depth = 8;
  } else {
    // Keep a fuzzer's worst case small enough to run fast.
    limits.max_frame = 1 << 20;
    limits.max_string = 1 << 16;
    limits.max_container = 1 << 12;
  }
  const size_t chunk = 1 + (flags >> 2);
  compact::CompactCodec codec(/*framed=*/(flags & 2) == 0);
  const FrameResult whole = FrameChunked(codec, data, size, size == 0 ? 1 : size, limits);
  const FrameResult pieces = FrameChunked(codec, data, size, chunk, limits);
  FUZZ_CHECK(whole.what == pieces.what);
  if (whole.what != FrameResult::kFrame) return 0;
  FUZZ_CHECK(whole.size == pieces.size);
  FUZZ_CHECK(whole.size <= size);
  if (codec.framed()) {
    FUZZ_CHECK(whole.size >= 5);
    const uint32_t len =
        (uint32_t{data[0]} << 24) | (uint32_t{data[1]} << 16) | (uint32_t{data[2]} << 8) | data[3];
    FUZZ_CHECK(whole.size == 4 + size_t{len});
  } else {
    FUZZ_CHECK(whole.size >= 5);  // id, version, seqid, name length, stop
  }
  CheckBody(codec, data, whole.size, limits);
  return 0;
}
