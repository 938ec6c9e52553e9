// Netpoll: Tern's epoll transport.
//
// N poller threads, each with its own epoll instance and the connections it
// owns (DESIGN.md "Threading"); a listener lives on one poller and hands
// each accepted socket to the least-loaded poller; dials are spread the same
// way. The Connection object is what epoll_event.data.ptr points to, and
// only its poller frees (drops its reference to) it, after the batch of
// events in which it closed.
//
//   accept ──> least-loaded poller ──> epoll (LT) ──> readv into Input()
//                                                      │ OnData
//   Send (any thread) ──> output LinkBuffer ──> poller: sendmsg(iovecs)
//
// Wake-ups are level-triggered: a connection that used up its read budget
// is simply reported again, and EPOLLOUT is watched only while output is
// pending after a short write. Adaptive wait (as in Netpoll): after a
// wake-up with events, poll again with timeout 0; after an empty poll,
// yield once, then block.
//
// Backpressure: when a connection's pending output passes high_water_mark,
// its poller stops reading from it until the output drains to half the mark,
// so a peer that never reads its replies holds at most about
// high_water_mark + read_budget bytes of server memory.
//
// Thread: NetpollTransport is [thread-safe] as documented in tern/transport.h.
#pragma once

#include <sys/types.h>

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "tern/config_view.h"
#include "tern/plugin.h"
#include "tern/status.h"
#include "tern/transport.h"

namespace tern::netpoll {

struct NetpollOptions {
  // Poller threads; 0 = the CPUs in the process's affinity mask.
  int pollers = 0;
  // Poll with timeout 0 after a busy wake-up, yield after an empty poll,
  // then block. Off: always block.
  bool adaptive_wait = true;
  // Pending output bytes per connection above which reading from it pauses.
  size_t high_water_mark = size_t{4} << 20;
  // Default idle timeout for connections (a listener's own wins: the RPC
  // server's is [server] idle_timeout_ms); 0 = none.
  int64_t idle_timeout_ms = 0;
  // Bytes read from one connection per wake-up before serving the others.
  size_t read_budget = size_t{512} << 10;
};

// The CPUs this process may run on (sched_getaffinity), at least 1.
int AffinityCpuCount();

// The keys of the [netpoll] config section, for PluginInfo::config_keys.
extern const PluginConfigKey kNetpollConfigKeys[];
extern const uint32_t kNumNetpollConfigKeys;

// Reads the [netpoll] config section (keys: pollers, adaptive_wait,
// high_water_mark, idle_timeout_ms, read_budget).
// Returns: the options, or INVALID_ARGUMENT naming the bad key.
Result<NetpollOptions> NetpollOptionsFromConfig(const ConfigView& section);

class Poller;
class Listener;

class NetpollTransport final : public Transport {
 public:
  // Counters for tests and diagnostics (relaxed, approximate while running).
  struct Stats {
    uint64_t accept_calls = 0;         // accept4() calls, failed ones included
    uint64_t accepted = 0;             // connections accepted
    uint64_t accept_fd_exhausted = 0;  // EMFILE/ENFILE/ENOBUFS/ENOMEM backoffs
    uint64_t accept_limit_pauses = 0;  // pauses at max_connections
    int64_t open_connections = 0;      // accepted or dialed, not yet closed
  };

  explicit NetpollTransport(const NetpollOptions& options);
  ~NetpollTransport() override;

  Result<Endpoint> Listen(const Endpoint& endpoint, const ListenOptions& options,
                          ConnectionHandler* handler) override;
  void Dial(const Endpoint& endpoint, Duration timeout, ConnectionHandler* handler,
            DialCallback callback) override;
  Status Start() override;
  void Stop(Duration grace) override;
  bool OnPollerThread() const override;

  // Thread: any. Returns: a snapshot of the counters.
  Stats GetStats() const;
  // Thread: any, after Start. Returns: the kernel thread ids of the pollers.
  std::vector<pid_t> PollerThreadIds() const;
  // The options in effect (pollers resolved).
  const NetpollOptions& options() const { return options_; }

  // ---- for the pollers -----------------------------------------------------
  struct Counters {
    std::atomic<uint64_t> accept_calls{0};
    std::atomic<uint64_t> accepted{0};
    std::atomic<uint64_t> accept_fd_exhausted{0};
    std::atomic<uint64_t> accept_limit_pauses{0};
    std::atomic<int64_t> open_connections{0};
  };
  Counters& counters() { return counters_; }
  // The poller with the fewest connections; its load is counted up at once so
  // a burst of accepts spreads.
  Poller* PickPoller();

 private:
  enum class State { kNew, kRunning, kStopped };

  NetpollOptions options_;
  Counters counters_;
  mutable std::mutex mu_;  // state_, listeners_, pollers_ creation
  State state_ = State::kNew;
  std::vector<std::unique_ptr<Poller>> pollers_;
  std::vector<std::unique_ptr<Listener>> listeners_;
  std::atomic<bool> running_{false};
  std::atomic<uint32_t> next_listener_poller_{0};
};

}  // namespace tern::netpoll
