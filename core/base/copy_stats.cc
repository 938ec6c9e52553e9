#include "tern/copy_stats.h"

#include <atomic>

namespace tern {

namespace {

std::atomic<uint64_t> g_copies{0};
std::atomic<uint64_t> g_bytes{0};

}  // namespace

PayloadCopies PayloadCopyStats() noexcept {
  PayloadCopies c;
  c.count = g_copies.load(std::memory_order_relaxed);
  c.bytes = g_bytes.load(std::memory_order_relaxed);
  return c;
}

namespace detail {

void CountPayloadCopy(size_t n) noexcept {
  g_copies.fetch_add(1, std::memory_order_relaxed);
  g_bytes.fetch_add(n, std::memory_order_relaxed);
}

}  // namespace detail

}  // namespace tern
