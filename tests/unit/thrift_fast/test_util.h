// Helpers for the thrift_fast tests: building input buffers with chosen
// block boundaries, delivering bytes in pieces to a framer, and hand-written
// Thrift Binary messages.
#pragma once

#include <gtest/gtest.h>
#include <sys/uio.h>

#include <cstdint>
#include <cstring>
#include <random>
#include <string>
#include <string_view>
#include <vector>

#include "plugins/thrift_fast/binary_codec.h"
#include "tern/buffer.h"
#include "tern/codec.h"
#include "tern/slice.h"
#include "tern/thrift/wire.h"

namespace tern::thrift_fast::testing {

// Every readable byte of `buf`, copied out without consuming.
inline std::string Contents(const LinkBuffer& buf) {
  std::vector<iovec> iov(4096);
  const size_t n = buf.ReadableIovecs(iov.data(), iov.size());
  std::string out;
  for (size_t i = 0; i < n; ++i)
    out.append(static_cast<const char*>(iov[i].iov_base), iov[i].iov_len);
  return out;
}

// Appends `bytes` as its own block (a separate node), so block boundaries
// fall exactly where the test wants them.
inline void AppendBlock(LinkBuffer& buf, std::string_view bytes) {
  if (bytes.empty()) return;
  buf.Append(Slice::Copy(bytes.data(), bytes.size()));
  buf.Flush();
}

// The outcome of delivering a byte stream piece by piece.
struct Delivery {
  FrameResult result;    // the first result that was not NeedMore (or the last NeedMore)
  size_t buffered = 0;   // bytes in the buffer when `result` came
  size_t calls = 0;      // Frame calls made
  bool hints_ok = true;  // every NeedMore asked for more than was buffered (or 0)
};

// Delivers bytes[0, pieces...) one piece at a time (each piece its own block
// when `separate_blocks`, else copied into the tail block like a socket read),
// calling Frame after each, until it answers something other than NeedMore.
inline Delivery Deliver(const Codec& codec, std::string_view bytes,
                        const std::vector<size_t>& pieces, const Limits& limits,
                        bool separate_blocks = true) {
  LinkBuffer buf;
  FrameState state;
  Delivery d;
  size_t at = 0;
  for (size_t piece : pieces) {
    const std::string_view chunk = bytes.substr(at, piece);
    at += chunk.size();
    if (separate_blocks) {
      AppendBlock(buf, chunk);
    } else {
      buf.Write(chunk.data(), chunk.size());
      buf.Flush();
    }
    d.result = codec.Frame(buf, state, limits);
    ++d.calls;
    d.buffered = buf.Len();
    if (d.result.what != FrameResult::kNeedMore) break;
    if (d.result.size != 0 && d.result.size <= buf.Len()) d.hints_ok = false;
  }
  EXPECT_EQ(buf.Len(), at) << "Frame must not consume";
  return d;
}

// Random piece sizes covering n bytes (1..max_piece each).
inline std::vector<size_t> RandomPieces(size_t n, std::mt19937& rng, size_t max_piece) {
  std::vector<size_t> pieces;
  std::uniform_int_distribution<size_t> dist(1, max_piece);
  for (size_t left = n; left > 0;) {
    const size_t k = std::min(left, dist(rng));
    pieces.push_back(k);
    left -= k;
  }
  return pieces;
}

inline std::vector<size_t> OneBytePieces(size_t n) { return std::vector<size_t>(n, 1); }

// A hand-rolled Thrift Binary writer, for inputs no well-behaved writer
// would produce (forged lengths, bad type ids, absurd nesting).
class Bytes {
 public:
  Bytes& U8(uint8_t v) {
    s_.push_back(static_cast<char>(v));
    return *this;
  }
  Bytes& I16(int16_t v) {
    uint8_t b[2];
    wire::PutI16(b, v);
    s_.append(reinterpret_cast<const char*>(b), 2);
    return *this;
  }
  Bytes& I32(int32_t v) {
    uint8_t b[4];
    wire::PutI32(b, v);
    s_.append(reinterpret_cast<const char*>(b), 4);
    return *this;
  }
  Bytes& U32(uint32_t v) { return I32(static_cast<int32_t>(v)); }
  Bytes& I64(int64_t v) {
    uint8_t b[8];
    wire::PutI64(b, v);
    s_.append(reinterpret_cast<const char*>(b), 8);
    return *this;
  }
  Bytes& Str(std::string_view v) {
    I32(static_cast<int32_t>(v.size()));
    s_.append(v);
    return *this;
  }
  Bytes& Raw(std::string_view v) {
    s_.append(v);
    return *this;
  }
  Bytes& Field(TType t, int16_t id) { return U8(static_cast<uint8_t>(t)).I16(id); }
  Bytes& Stop() { return U8(0); }
  // Strict envelope.
  Bytes& Strict(std::string_view name, MessageType type, int32_t seqid) {
    return U32(0x80010000u | static_cast<uint32_t>(type)).Str(name).I32(seqid);
  }
  // Non-strict (old) envelope.
  Bytes& Old(std::string_view name, MessageType type, int32_t seqid) {
    return Str(name).U8(static_cast<uint8_t>(type)).I32(seqid);
  }
  const std::string& str() const { return s_; }
  size_t size() const { return s_.size(); }

 private:
  std::string s_;
};

// `body` behind a 4-byte big-endian length.
inline std::string Framed(std::string_view body) {
  return Bytes().I32(static_cast<int32_t>(body.size())).Raw(body).str();
}

// A FrameView over a whole string (which must outlive it).
inline FrameView ViewOf(const std::string& s) {
  FrameView v;
  v.data = reinterpret_cast<const uint8_t*>(s.data());
  v.size = s.size();
  return v;
}

}  // namespace tern::thrift_fast::testing
