// Where does a Compact message end when nothing says how long it is
// (TBufferedTransport)? The framer parses the message's shape — envelope,
// field headers, varints, lengths, container headers — without decoding
// values, as a pushdown automaton whose whole state lives in the
// connection's FrameState, so every call resumes where the last stopped:
// each byte of a message is examined once, however it arrives.
//
// Compact tokens are byte-oriented (a header byte, a varint read byte by
// byte, or a run of bytes skipped by length), so no token has to be
// assembled across blocks. The input is read through ReadableIovecs, never
// copied or consumed.
//
// Limits: the message may not pass max_frame, a string max_string, a
// container max_container elements, nesting max_depth (the body struct is
// depth 1; each nested struct and each non-empty container adds one, as in
// the decoder). A length or count is refused as soon as it is read, never
// waited for. Errors: DATA_LOSS (bad protocol id, version, message type,
// field type, varint over 10 bytes, negative size), RESOURCE_EXHAUSTED (a
// limit). After an error the state stays failed; after a frame it answers
// that frame until FrameState::Reset().
//
// Thread: a FrameState is used by one thread at a time.
#pragma once

#include "tern/buffer.h"
#include "tern/codec.h"

namespace tern::compact {

FrameResult FrameBuffered(LinkBuffer& in, FrameState& state, const Limits& limits);

}  // namespace tern::compact
