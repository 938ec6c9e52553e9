// libFuzzer target for thrift_fast's framers and envelope/exception
// decoders. Any bytes must frame, need more, or fail with a Status — never
// crash, read outside the input, or disagree with themselves.
//
// Input: byte 0 = flags (bit 0 strict_read; bit 1 small limits; bits 2-7
// the largest delivery chunk), byte 1 = chunking seed, then the stream.
// Invariants checked (abort() on violation, so every fuzzer and the corpus
// replay see it):
//  * Frame never consumes, and its answer is the same whether the bytes
//    arrive at once or in pieces (the buffered scan resumes; it must not
//    depend on where blocks or calls split the input);
//  * NeedMore asks for more than is buffered (or 0); a frame lies within the
//    buffered bytes; a framed frame is 4 + its big-endian length;
//  * a buffered frame has a valid envelope (DecodeHeader succeeds) and its
//    body ends where wire::Skip says the struct ends;
//  * decoders stay inside the frame (they get an exact-size heap copy, so a
//    sanitizer catches any over-read) and their positions add up;
//  * a decoded TApplicationException re-encodes to something that decodes
//    to the same value.
#include <sys/uio.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <string>

#include "plugins/thrift_fast/binary_codec.h"
#include "tern/buffer.h"
#include "tern/slice.h"
#include "tern/thrift/wire.h"

namespace {

using namespace tern;               // NOLINT: a test harness
using namespace tern::thrift_fast;  // NOLINT

#define FUZZ_CHECK(cond)                                                                \
  do {                                                                                  \
    if (!(cond)) {                                                                      \
      std::fprintf(stderr, "%s:%d: invariant failed: %s\n", __FILE__, __LINE__, #cond); \
      std::abort();                                                                     \
    }                                                                                   \
  } while (0)

FrameResult FrameWhole(const Codec& codec, const uint8_t* data, size_t size, const Limits& limits) {
  LinkBuffer buf;
  if (size > 0) buf.Append(Slice::Copy(data, size));
  buf.Flush();
  FrameState state;
  const FrameResult r = codec.Frame(buf, state, limits);
  FUZZ_CHECK(buf.Len() == size);
  return r;
}

void CheckResultShape(const FrameResult& r, size_t buffered) {
  switch (r.what) {
    case FrameResult::kNeedMore:
      FUZZ_CHECK(r.size == 0 || r.size > buffered);
      break;
    case FrameResult::kFrame:
      FUZZ_CHECK(r.size > 0 && r.size <= buffered);
      break;
    case FrameResult::kError:
      FUZZ_CHECK(!r.error.ok());
      break;
  }
}

// Delivers the stream in pieces (alternately copied into the tail block and
// linked as separate blocks) and checks the answers against `whole`.
void CheckChunked(const Codec& codec, const uint8_t* data, size_t size, const Limits& limits,
                  const FrameResult& whole, uint32_t seed, size_t max_piece) {
  LinkBuffer buf;
  FrameState state;
  size_t at = 0;
  uint32_t x = seed * 2654435761u + 1;
  while (at < size) {
    x = x * 1103515245u + 12345u;
    const size_t piece = std::min(size - at, 1 + (x >> 16) % max_piece);
    if ((x >> 8) & 1) {
      buf.Append(Slice::Copy(data + at, piece));
    } else {
      buf.Write(data + at, piece);
    }
    buf.Flush();
    at += piece;
    const FrameResult r = codec.Frame(buf, state, limits);
    FUZZ_CHECK(buf.Len() == at);
    CheckResultShape(r, at);
    if (r.what == FrameResult::kFrame) {
      FUZZ_CHECK(whole.what == FrameResult::kFrame && whole.size == r.size);
      return;
    }
    if (r.what == FrameResult::kError) {
      FUZZ_CHECK(whole.what == FrameResult::kError && whole.error.code() == r.error.code());
      return;
    }
    // Still incomplete: the whole input must not have held a frame yet.
    FUZZ_CHECK(whole.what != FrameResult::kFrame || whole.size > at);
  }
  FUZZ_CHECK(whole.what == FrameResult::kNeedMore || size == 0);
}

// An exact-size heap copy, so reading one byte past it is a sanitizer error.
struct Copy {
  explicit Copy(const uint8_t* p, size_t n) : bytes(new uint8_t[n == 0 ? 1 : n]), size(n) {
    if (n != 0) std::memcpy(bytes.get(), p, n);
  }
  FrameView View() const {
    FrameView v;
    v.data = bytes.get();
    v.size = size;
    return v;
  }
  std::unique_ptr<uint8_t[]> bytes;
  size_t size;
};

void CheckException(const BinaryCodec& codec, FrameView& v, const Limits& limits) {
  const size_t start = v.pos;
  auto ex = codec.DecodeException(v, limits);
  if (!ex.ok()) return;
  FUZZ_CHECK(v.pos == v.size && v.pos >= start);
  FUZZ_CHECK(ex->message.size() <= limits.max_string);
  // Re-encode and decode again.
  LinkBuffer out;
  FUZZ_CHECK(codec.EncodeException({"x", MessageType::kException, 1}, *ex, out).ok());
  out.Flush();
  FrameState state;
  const FrameResult fr = codec.Frame(out, state, DefaultLimits());
  FUZZ_CHECK(fr.what == FrameResult::kFrame && fr.size == out.Len());
  auto bytes = out.Next(fr.size);
  FUZZ_CHECK(bytes.ok());
  FrameView again{*bytes, fr.size, 0, Slice()};
  FUZZ_CHECK(codec.DecodeHeader(again, DefaultLimits()).ok());
  auto ex2 = codec.DecodeException(again, DefaultLimits());
  FUZZ_CHECK(ex2.ok() && ex2->message == ex->message && ex2->type == ex->type);
}

void CheckFrame(const BinaryCodec& codec, const uint8_t* data, size_t n, const Limits& limits) {
  const Copy frame(data, n);
  FrameView v = frame.View();
  if (codec.framing() == Framing::kFramed) {
    FUZZ_CHECK(n >= 4 && n == 4 + static_cast<size_t>(wire::LoadI32(data)));
  }
  auto h = codec.DecodeHeader(v, limits);
  if (codec.framing() == Framing::kBuffered) FUZZ_CHECK(h.ok());
  if (!h.ok()) return;
  FUZZ_CHECK(v.pos <= v.size);
  const auto* name = reinterpret_cast<const uint8_t*>(h->name.data());
  FUZZ_CHECK(h->name.empty() || (name >= v.data && name + h->name.size() <= v.data + v.pos));
  FUZZ_CHECK(h->name.size() <= limits.max_string);
  if (codec.framing() == Framing::kBuffered) {
    // The scan and the reference skipper agree on where the body ends.
    ReadContext ctx{limits};
    wire::ReadError err = wire::ReadError::kNone;
    const uint8_t* end = wire::Skip(v.data + v.pos, v.data + v.size, TType::kStruct, ctx, &err);
    FUZZ_CHECK(end == v.data + v.size);
  }
  CheckException(codec, v, limits);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 2 || size > (1 << 16)) return 0;
  const uint8_t flags = data[0];
  const uint32_t seed = data[1];
  data += 2;
  size -= 2;
  Limits limits;
  limits.strict_read = (flags & 1) != 0;
  if ((flags & 2) != 0) {
    limits.max_frame = 512;
    limits.max_string = 64;
    limits.max_container = 16;
    limits.max_depth = 8;
  }
  const size_t max_piece = 1 + (flags >> 2);
  static const BinaryCodec kFramed(Framing::kFramed);
  static const BinaryCodec kBuffered(Framing::kBuffered);
  for (const BinaryCodec* codec : {&kFramed, &kBuffered}) {
    const FrameResult whole = FrameWhole(*codec, data, size, limits);
    CheckResultShape(whole, size);
    CheckChunked(*codec, data, size, limits, whole, seed, max_piece);
    if (whole.what == FrameResult::kFrame) CheckFrame(*codec, data, whole.size, limits);
  }
  // The decoders on arbitrary bytes, not only on what a framer accepted.
  const Copy raw(data, size);
  FrameView v = raw.View();
  auto h = kBuffered.DecodeHeader(v, limits);
  if (h.ok()) FUZZ_CHECK(v.pos <= v.size);
  FrameView body = raw.View();
  CheckException(kBuffered, body, limits);
  return 0;
}
