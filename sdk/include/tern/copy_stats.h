// Payload copies: how often Tern's data path copied a run of bytes large
// enough to be a payload (kPayloadCopyBytes or more), and how many bytes.
//
// Counted where Tern itself copies message bytes in user space: generated
// code reading a string/binary into a std::string (wire::ReadString) and
// writing one into an output region (wire::PutBinary/PutString),
// LinkBuffer::Write, a LinkBuffer read that joins bytes straddling blocks,
// Slice::Copy, and a copy-free view's bytes copied out (view::Bytes). Not
// counted: the kernel's copies (readv/writev), and copies of fewer than
// kPayloadCopyBytes (headers, small fields), which cost less than the node
// that would avoid them. A server whose payloads go by reference shows
// none per call; one that decodes into structs shows one per payload in
// and one per payload out.
//
// The counters are process-wide (every thread, server and client alike)
// and monotonic; take differences.
//
// Thread: any thread. Each thread counts in its own slot (no locked
// instruction on the copy path, and only for large copies); PayloadCopyStats
// sums the slots, so it may miss copies other threads are making meanwhile.
#pragma once

#include <cstddef>
#include <cstdint>

#include "tern/export.h"

namespace tern {

inline constexpr size_t kPayloadCopyBytes = 4096;

struct PayloadCopies {
  uint64_t count = 0;
  uint64_t bytes = 0;
};

// The counts so far.
TERN_EXPORT PayloadCopies PayloadCopyStats() noexcept;

namespace detail {
TERN_EXPORT void CountPayloadCopy(size_t n) noexcept;
}  // namespace detail

// Call where n bytes of a message are copied.
inline void NotePayloadCopy(size_t n) noexcept {
  if (TERN_UNLIKELY(n >= kPayloadCopyBytes)) detail::CountPayloadCopy(n);
}

}  // namespace tern
