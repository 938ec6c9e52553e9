#include "alloc_counter.h"

#include <cstdlib>
#include <new>

namespace {
std::atomic<uint64_t> g_news{0};

void* Count(std::size_t n) {
  g_news.fetch_add(1, std::memory_order_relaxed);
  if (void* p = std::malloc(n == 0 ? 1 : n)) return p;
  throw std::bad_alloc();
}
void* CountAligned(std::size_t n, std::align_val_t al) {
  g_news.fetch_add(1, std::memory_order_relaxed);
  std::size_t a = static_cast<std::size_t>(al);
  std::size_t size = (n + a - 1) / a * a;
  if (void* p = std::aligned_alloc(a, size == 0 ? a : size)) return p;
  throw std::bad_alloc();
}
}  // namespace

namespace tern::bench {
uint64_t NewCount() { return g_news.load(std::memory_order_relaxed); }
}  // namespace tern::bench

void* operator new(std::size_t n) { return Count(n); }
void* operator new[](std::size_t n) { return Count(n); }
void* operator new(std::size_t n, std::align_val_t al) { return CountAligned(n, al); }
void* operator new[](std::size_t n, std::align_val_t al) { return CountAligned(n, al); }
void operator delete(void* p) noexcept { std::free(p); }
void operator delete[](void* p) noexcept { std::free(p); }
void operator delete(void* p, std::size_t) noexcept { std::free(p); }
void operator delete[](void* p, std::size_t) noexcept { std::free(p); }
void operator delete(void* p, std::align_val_t) noexcept { std::free(p); }
void operator delete[](void* p, std::align_val_t) noexcept { std::free(p); }
void operator delete(void* p, std::size_t, std::align_val_t) noexcept { std::free(p); }
void operator delete[](void* p, std::size_t, std::align_val_t) noexcept { std::free(p); }
