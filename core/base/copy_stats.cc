#include "tern/copy_stats.h"

#include <algorithm>
#include <atomic>
#include <mutex>
#include <vector>

namespace tern {

namespace {

// Per-thread counters: the owning thread adds with a plain load and a
// relaxed store (no locked instruction on the copy path); readers sum every
// live thread's slot plus what exited threads left behind. A sum taken while
// threads copy may miss their latest copies, never count one twice.
struct Slot {
  std::atomic<uint64_t> count{0};
  std::atomic<uint64_t> bytes{0};
  bool registered = false;
  bool retired = false;  // the thread is exiting: count globally
};

struct Registry {
  std::mutex mu;
  std::vector<Slot*> live;
  std::atomic<uint64_t> count{0};  // exited threads, and threads past their exit
  std::atomic<uint64_t> bytes{0};
};

Registry& Reg() {
  static Registry* r = new Registry();  // never destroyed: threads may count at exit
  return *r;
}

// Constant-initialised, trivially destructible, initial-exec: libtern_core is
// loaded with the program, so the slot is a plain TLS load.
constinit __attribute__((tls_model("initial-exec"))) thread_local Slot tls_slot;

struct SlotRetirer {
  bool armed = false;
  ~SlotRetirer() {
    if (!armed) return;
    Registry& r = Reg();
    std::lock_guard<std::mutex> lock(r.mu);
    r.live.erase(std::remove(r.live.begin(), r.live.end(), &tls_slot), r.live.end());
    r.count.fetch_add(tls_slot.count.load(std::memory_order_relaxed), std::memory_order_relaxed);
    r.bytes.fetch_add(tls_slot.bytes.load(std::memory_order_relaxed), std::memory_order_relaxed);
    tls_slot.retired = true;
  }
};
thread_local SlotRetirer tls_retirer;

}  // namespace

PayloadCopies PayloadCopyStats() noexcept {
  Registry& r = Reg();
  std::lock_guard<std::mutex> lock(r.mu);
  PayloadCopies c;
  c.count = r.count.load(std::memory_order_relaxed);
  c.bytes = r.bytes.load(std::memory_order_relaxed);
  for (const Slot* s : r.live) {
    c.count += s->count.load(std::memory_order_relaxed);
    c.bytes += s->bytes.load(std::memory_order_relaxed);
  }
  return c;
}

namespace detail {

void CountPayloadCopy(size_t n) noexcept {
  Slot& s = tls_slot;
  if (TERN_UNLIKELY(!s.registered)) {
    s.registered = true;
    tls_retirer.armed = true;
    Registry& r = Reg();
    std::lock_guard<std::mutex> lock(r.mu);
    r.live.push_back(&s);
  }
  if (TERN_UNLIKELY(s.retired)) {
    Registry& r = Reg();
    r.count.fetch_add(1, std::memory_order_relaxed);
    r.bytes.fetch_add(n, std::memory_order_relaxed);
    return;
  }
  s.count.store(s.count.load(std::memory_order_relaxed) + 1, std::memory_order_relaxed);
  s.bytes.store(s.bytes.load(std::memory_order_relaxed) + n, std::memory_order_relaxed);
}

}  // namespace detail

}  // namespace tern
