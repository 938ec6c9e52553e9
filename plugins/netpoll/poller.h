// Poller: one epoll instance on one thread, owning the connections that live
// on it.
//
// Everything the kernel can point at (epoll_event.data.ptr) is a PollItem:
// the poller's own eventfd, a Listener, or a NetConn. A NetConn is kept alive
// by the reference the poller holds in conns_; when it closes, that reference
// moves to retired_ and is dropped only after the whole batch of events from
// one epoll_wait (and the tasks and timers of that loop turn) is done, so a
// later event of the same batch that names the closed connection finds a
// live object in state kClosed and is ignored.
//
// Work from other threads arrives in two queues behind one mutex: tasks
// (std::function, rare: adopt an accepted socket, start a dial, stop) and
// connections that need service (a Send or Close from a worker; one entry per
// connection however many Sends, see NetConn::queued_). The eventfd is
// written only when the poller has not already been woken.
//
// Thread: [thread-safe] methods may be called from any thread; [poller] ones
// only on this poller's thread (or by Stop() after the thread has been
// joined, which drains what arrived too late).
#pragma once

#include <sys/types.h>

#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <thread>
#include <utility>
#include <vector>

#include "plugins/netpoll/netpoll.h"
#include "tern/status.h"
#include "tern/transport.h"

namespace tern::netpoll {

class NetConn;
class Listener;

// What epoll_event.data.ptr points to.
struct PollItem {
  enum class Kind : uint8_t { kWake, kListener, kConnection };
  explicit PollItem(Kind k) : kind(k) {}
  Kind kind;
};

class Poller {
 public:
  using TimerKey = std::pair<int64_t, uint64_t>;  // {deadline ns, id}; id 0 = none

  Poller(NetpollTransport* transport, const NetpollOptions& options, int index);
  ~Poller();
  Poller(const Poller&) = delete;
  Poller& operator=(const Poller&) = delete;

  // Creates the epoll instance and the eventfd. Returns: OK or IO_ERROR.
  Status Init();
  void StartThread();
  void Join();

  // ---- [thread-safe] -------------------------------------------------------
  // Runs `task` on the poller thread, in posting order.
  void Post(std::function<void()> task);
  // Asks for c->Service() on the poller thread (c->queued_ is already set).
  void QueueRemote(NetConn* c);
  bool IsCurrent() const { return current_ == this; }
  static Poller* Current() { return current_; }
  std::atomic<int>& load() { return load_; }
  pid_t tid() const { return tid_.load(std::memory_order_acquire); }
  NetpollTransport* transport() const { return transport_; }
  const NetpollOptions& options() const { return options_; }
  int index() const { return index_; }

  // ---- [poller] ------------------------------------------------------------
  int epfd() const { return epfd_; }
  // The time at the start of this loop turn.
  int64_t now_ns() const { return now_ns_; }
  bool stopping() const { return stopping_; }
  // Service c before this loop turn ends (c->queued_ is already set).
  void QueueLocal(NetConn* c) { local_.push_back(c); }
  // Takes the poller's reference to c (NetConn::Start* call this first).
  void Adopt(NetConn* c);
  // c has closed: forget it; its reference is dropped after this loop turn.
  void Retire(NetConn* c);
  TimerKey AddTimer(int64_t deadline_ns, std::function<void()> fn);
  void CancelTimer(TimerKey key);
  // An idle deadline exists at or after `deadline_ns`: scan then.
  void NoteIdleDeadline(int64_t deadline_ns);
  void AddListener(Listener* l) { listeners_.push_back(l); }
  void RemoveListener(Listener* l);
  // Closes this poller's listeners, fails dials in progress, closes idle
  // connections and lets the others flush until `deadline_ns`.
  void BeginStop(int64_t deadline_ns);

  // After Join: runs the tasks and service requests that arrived after the
  // loop ended, as this poller. Returns: whether there were any.
  bool DrainAfterJoin();

 private:
  void Run();
  void HandleWake();
  void RunQueued(std::vector<std::function<void()>>& tasks, std::vector<ConnectionRef>& remote);
  void ProcessLocal();
  void RunTimers();
  void IdleScan();
  void CloseAll(const Status& why);
  int WaitTimeoutMs(bool poll_now) const;
  void Wake();

  static thread_local Poller* current_;

  NetpollTransport* const transport_;
  const NetpollOptions options_;
  const int index_;
  PollItem wake_item_{PollItem::Kind::kWake};
  int epfd_ = -1;
  int evfd_ = -1;
  std::thread thread_;
  std::atomic<pid_t> tid_{0};
  std::atomic<int> load_{0};

  // Cross-thread queues.
  std::mutex mu_;
  std::vector<std::function<void()>> tasks_;
  std::vector<ConnectionRef> remote_;
  std::atomic<bool> wake_pending_{false};

  // Poller-thread state.
  int64_t now_ns_ = 0;
  bool stopping_ = false;
  std::vector<NetConn*> local_;  // alive: conns_ or retired_ holds them this turn
  std::vector<ConnectionRef> conns_;
  std::vector<ConnectionRef> retired_;
  std::vector<Listener*> listeners_;
  std::map<TimerKey, std::function<void()>> timers_;
  uint64_t next_timer_id_ = 1;
  int64_t idle_scan_at_ = INT64_MAX;
};

}  // namespace tern::netpoll
