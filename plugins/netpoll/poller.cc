#include "plugins/netpoll/poller.h"

#include <sched.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <glog/logging.h>

#include <algorithm>
#include <cerrno>

#include "plugins/netpoll/connection.h"
#include "plugins/netpoll/listener.h"
#include "plugins/netpoll/sys.h"

namespace tern::netpoll {

thread_local Poller* Poller::current_ = nullptr;

namespace {
constexpr int kMaxEvents = 512;
}  // namespace

Poller::Poller(NetpollTransport* transport, const NetpollOptions& options, int index)
    : transport_(transport), options_(options), index_(index) {}

Poller::~Poller() {
  DCHECK(!thread_.joinable());
  // Anything still queued belongs to a stopped transport: drop it.
  tasks_.clear();
  remote_.clear();
  timers_.clear();
  retired_.clear();
  conns_.clear();
  if (evfd_ >= 0) ::close(evfd_);
  if (epfd_ >= 0) ::close(epfd_);
}

Status Poller::Init() {
  epfd_ = ::epoll_create1(EPOLL_CLOEXEC);
  if (epfd_ < 0) return ErrnoError("epoll_create1", errno);
  evfd_ = ::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  if (evfd_ < 0) return ErrnoError("eventfd", errno);
  epoll_event ev{};
  ev.events = EPOLLIN;
  ev.data.ptr = &wake_item_;
  if (::epoll_ctl(epfd_, EPOLL_CTL_ADD, evfd_, &ev) != 0) {
    return ErrnoError("epoll_ctl(eventfd)", errno);
  }
  return Status::OK();
}

void Poller::StartThread() {
  thread_ = std::thread([this] { Run(); });
}

void Poller::Join() {
  if (thread_.joinable()) thread_.join();
}

void Poller::Post(std::function<void()> task) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    tasks_.push_back(std::move(task));
  }
  Wake();
}

void Poller::QueueRemote(NetConn* c) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    remote_.emplace_back(c);
  }
  Wake();
}

void Poller::Wake() {
  // One eventfd write per sleep: the flag is cleared by the poller before it
  // takes the queues (HandleWake), so a push after that writes again.
  if (!wake_pending_.exchange(true, std::memory_order_acq_rel)) {
    const uint64_t one = 1;
    ssize_t n;
    do {
      n = ::write(evfd_, &one, sizeof(one));
    } while (n < 0 && errno == EINTR);
  }
}

void Poller::Adopt(NetConn* c) {
  c->slot = conns_.size();
  conns_.emplace_back(c);
}

void Poller::Retire(NetConn* c) {
  const size_t slot = c->slot;
  DCHECK(slot < conns_.size() && conns_[slot].get() == c);
  ConnectionRef ref = std::move(conns_[slot]);
  if (slot + 1 != conns_.size()) {
    conns_[slot] = std::move(conns_.back());
    static_cast<NetConn*>(conns_[slot].get())->slot = slot;
  }
  conns_.pop_back();
  retired_.push_back(std::move(ref));
  load_.fetch_sub(1, std::memory_order_relaxed);
}

Poller::TimerKey Poller::AddTimer(int64_t deadline_ns, std::function<void()> fn) {
  const TimerKey key{deadline_ns, next_timer_id_++};
  timers_.emplace(key, std::move(fn));
  return key;
}

void Poller::CancelTimer(TimerKey key) {
  if (key.second != 0) timers_.erase(key);
}

void Poller::NoteIdleDeadline(int64_t deadline_ns) {
  idle_scan_at_ = std::min(idle_scan_at_, deadline_ns);
}

void Poller::RemoveListener(Listener* l) {
  listeners_.erase(std::remove(listeners_.begin(), listeners_.end(), l), listeners_.end());
}

int Poller::WaitTimeoutMs(bool poll_now) const {
  if (poll_now) return 0;
  int64_t next = idle_scan_at_;
  if (!timers_.empty()) next = std::min(next, timers_.begin()->first.first);
  if (next == INT64_MAX) return -1;
  const int64_t delta = next - sys::NowNs();
  if (delta <= 0) return 0;
  // Round up: waking before the deadline only costs another wait.
  const int64_t ms = (delta + 999'999) / 1'000'000;
  return static_cast<int>(std::min<int64_t>(ms, 60'000));
}

void Poller::Run() {
  current_ = this;
  tid_.store(sys::ThreadId(), std::memory_order_release);
  epoll_event events[kMaxEvents];
  bool poll_now = false;
  for (;;) {
    const int timeout = WaitTimeoutMs(poll_now);
    const int n = ::epoll_wait(epfd_, events, kMaxEvents, timeout);
    if (n < 0) {
      if (errno != EINTR) PLOG(ERROR) << "epoll_wait";
      continue;
    }
    now_ns_ = sys::NowNs();
    for (int i = 0; i < n; ++i) {
      auto* item = static_cast<PollItem*>(events[i].data.ptr);
      switch (item->kind) {
        case PollItem::Kind::kWake:
          HandleWake();
          break;
        case PollItem::Kind::kListener:
          static_cast<Listener*>(item)->HandleAccept();
          break;
        case PollItem::Kind::kConnection:
          static_cast<NetConn*>(item)->HandleEvents(events[i].events);
          break;
      }
      ProcessLocal();
    }
    RunTimers();
    if (now_ns_ >= idle_scan_at_) IdleScan();
    // The batch is done: no event of it can name a retired connection now.
    retired_.clear();
    if (stopping_ && conns_.empty()) break;
    if (options_.adaptive_wait) {
      if (n > 0) {
        poll_now = true;
      } else if (poll_now) {
        // The busy spell is over: let the peer run before blocking.
        poll_now = false;
        ::sched_yield();
      }
    }
  }
  current_ = nullptr;
}

void Poller::HandleWake() {
  uint64_t v;
  while (::read(evfd_, &v, sizeof(v)) < 0 && errno == EINTR) {
  }
  wake_pending_.store(false, std::memory_order_seq_cst);
  std::vector<std::function<void()>> tasks;
  std::vector<ConnectionRef> remote;
  {
    std::lock_guard<std::mutex> lock(mu_);
    tasks.swap(tasks_);
    remote.swap(remote_);
  }
  RunQueued(tasks, remote);
}

void Poller::RunQueued(std::vector<std::function<void()>>& tasks,
                       std::vector<ConnectionRef>& remote) {
  for (auto& task : tasks) {
    task();
    ProcessLocal();
  }
  for (auto& ref : remote) static_cast<NetConn*>(ref.get())->Service();
  ProcessLocal();
}

void Poller::ProcessLocal() {
  // Service may queue more (a close that triggers a handler's Send).
  for (size_t i = 0; i < local_.size(); ++i) local_[i]->Service();
  local_.clear();
}

void Poller::RunTimers() {
  while (!timers_.empty() && timers_.begin()->first.first <= now_ns_) {
    auto node = timers_.extract(timers_.begin());
    node.mapped()();
    ProcessLocal();
  }
}

void Poller::IdleScan() {
  idle_scan_at_ = INT64_MAX;
  std::vector<NetConn*> expired;
  for (const auto& ref : conns_) {
    auto* c = static_cast<NetConn*>(ref.get());
    const int64_t deadline = c->IdleDeadline();
    if (deadline == INT64_MAX) continue;
    if (deadline > now_ns_) {
      idle_scan_at_ = std::min(idle_scan_at_, deadline);
    } else if (!c->KeptAliveAt(now_ns_)) {  // (else its deadline moved on)
      expired.push_back(c);
    }
  }
  for (NetConn* c : expired) {
    c->CloseNow(Status(StatusCode::kDeadlineExceeded, "idle timeout"));
    ProcessLocal();
  }
  // Busy connections push their deadlines forward a little at a time; a
  // floor on the scan interval keeps that from becoming a scan per wake-up.
  if (idle_scan_at_ != INT64_MAX) {
    idle_scan_at_ = std::max(idle_scan_at_, now_ns_ + 1'000'000);
  }
}

void Poller::CloseAll(const Status& why) {
  while (!conns_.empty()) {
    auto* c = static_cast<NetConn*>(conns_.back().get());
    if (c->state() == NetConn::State::kConnecting) {
      c->FailDial(why);
    } else {
      c->CloseNow(why);
    }
    ProcessLocal();
  }
}

void Poller::BeginStop(int64_t deadline_ns) {
  stopping_ = true;
  const std::vector<Listener*> listeners = listeners_;
  for (Listener* l : listeners) l->Close();
  const Status why(StatusCode::kCancelled, "transport stopped");
  std::vector<NetConn*> snapshot;
  snapshot.reserve(conns_.size());
  for (const auto& ref : conns_) snapshot.push_back(static_cast<NetConn*>(ref.get()));
  for (NetConn* c : snapshot) {
    switch (c->state()) {
      case NetConn::State::kConnecting:
        c->FailDial(why);
        break;
      case NetConn::State::kOpen:
      case NetConn::State::kClosing:
        c->CloseAfterFlush(why);
        break;
      case NetConn::State::kClosed:
        break;
    }
    ProcessLocal();
  }
  AddTimer(deadline_ns, [this] {
    CloseAll(Status(StatusCode::kCancelled, "transport stopped: shutdown deadline passed"));
  });
}

bool Poller::DrainAfterJoin() {
  std::vector<std::function<void()>> tasks;
  std::vector<ConnectionRef> remote;
  {
    std::lock_guard<std::mutex> lock(mu_);
    tasks.swap(tasks_);
    remote.swap(remote_);
  }
  const bool any = !tasks.empty() || !remote.empty() || !conns_.empty();
  Poller* const saved = current_;
  current_ = this;
  stopping_ = true;
  now_ns_ = sys::NowNs();
  RunQueued(tasks, remote);
  CloseAll(Status(StatusCode::kCancelled, "transport stopped"));
  timers_.clear();
  retired_.clear();
  current_ = saved;
  return any;
}

}  // namespace tern::netpoll
