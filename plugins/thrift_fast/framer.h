// Framers of the Thrift Binary protocol: where does the message at the start
// of a connection's input end?
//
// Framed (TFramedTransport): a 4-byte big-endian length N, then N bytes. The
// length is known from the first 4 bytes, so the answer is immediate: an
// error for N <= 0 or N > max_frame (without waiting for the bytes), else
// NeedMore(4 + N) until the whole frame is buffered (the transport sizes one
// read for it), then Frame(4 + N).
//
// Buffered (TBufferedTransport): no length prefix; the message ends where its
// envelope and body struct end, so the framer parses the message's *shape*
// (types, lengths, counts) without decoding values. The scan is a pushdown
// automaton whose whole state lives in the connection's FrameState:
//
//   words[kPos]    bytes of the message scanned so far (all earlier calls)
//   words[kPhase]  the token expected next (envelope word, field header,
//                  string length, container header) or "skipping bytes"
//   words[kSkip]   bytes still to skip (a string body, fixed-size elements)
//   words[kTok*]   up to 8 bytes of a token split across buffer blocks or
//                  across calls
//   stack          one entry per open struct/list/set/map: kind, element
//                  type(s), elements still to begin — its size is the depth
//
// so every call resumes where the previous stopped: each byte is examined
// once over the life of a message, however it is chunked. Strings and runs
// of fixed-size elements are skipped by length, partially across calls. The
// walk is iterative (an explicit stack bounded by max_depth), so hostile
// nesting cannot overflow the thread's stack. Every length and count is
// checked against the limits before the bytes are waited for: a forged
// string length or element count is an error at once, not a wait for 2 GB.
// The input is read through ReadableIovecs, never copied or consumed; a
// token straddling blocks is assembled in FrameState's scratch word.
//
// Cost per call: O(new bytes) plus O(blocks) to walk the iovecs to the
// resume point (ReadableIovecs always starts at the read position).
//
// Depth accounting matches wire::Skip (and generated FastRead): the body
// struct is depth 1, each nested struct and each container whose elements
// are not fixed-size adds one. A message the buffered framer accepts is one
// wire::Skip accepts, ending at the same byte.
//
// Errors: DATA_LOSS for malformed input (bad version bits, unknown message or
// field type, negative sizes), RESOURCE_EXHAUSTED for an exceeded limit.
// After an error the state stays failed (the connection is to be closed);
// after a frame it keeps answering that frame until Reset().
//
// Thread: stateless functions; a FrameState is used by one thread at a time.
#pragma once

#include <cstddef>
#include <cstdint>

#include "tern/buffer.h"
#include "tern/codec.h"
#include "tern/thrift/types.h"

namespace tern::thrift_fast {

// Size of the framed transport's length prefix.
inline constexpr size_t kFrameHeaderSize = 4;

// Framed transport: peeks at the 4-byte length only.
FrameResult FrameFramed(LinkBuffer& in, const Limits& limits);

// Buffered transport: resumes the scan kept in `state` (zeroed by
// FrameState::Reset() for each new message).
FrameResult FrameBuffered(LinkBuffer& in, FrameState& state, const Limits& limits);

// Work counters of the buffered scan of the current message, for tests and
// diagnostics: each byte of the message is examined at most once in total,
// however the message is delivered.
struct BufferedScanStats {
  uint64_t scanned = 0;   // bytes of the message consumed by the scan
  uint64_t examined = 0;  // bytes looked at or skipped over, over all calls
  uint64_t calls = 0;     // FrameBuffered calls for this message
};
BufferedScanStats GetBufferedScanStats(const FrameState& state);

}  // namespace tern::thrift_fast
