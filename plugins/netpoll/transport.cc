#include <sched.h>
#include <sys/socket.h>
#include <unistd.h>

#include <glog/logging.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "plugins/netpoll/connection.h"
#include "plugins/netpoll/listener.h"
#include "plugins/netpoll/netpoll.h"
#include "plugins/netpoll/poller.h"
#include "plugins/netpoll/sys.h"

namespace tern::netpoll {

int AffinityCpuCount() {
  cpu_set_t set;
  CPU_ZERO(&set);
  if (::sched_getaffinity(0, sizeof(set), &set) != 0) return 1;
  const int n = CPU_COUNT(&set);
  return n > 0 ? n : 1;
}

const PluginConfigKey kNetpollConfigKeys[] = {
    {"pollers", ConfigType::kInt, "0", "poller threads; 0 = the CPUs in the affinity mask"},
    {"adaptive_wait", ConfigType::kBool, "true",
     "after a busy wake-up poll again at once; after an empty poll yield, then block"},
    {"high_water_mark", ConfigType::kInt, "4194304",
     "pending output bytes per connection above which reading from it pauses"},
    {"idle_timeout_ms", ConfigType::kInt, "0",
     "close connections idle this long; 0 = never (a listener's own setting wins: the RPC "
     "server's is [server] idle_timeout_ms)"},
    {"read_budget", ConfigType::kInt, "524288",
     "bytes read from one connection per wake-up before serving the others"},
};
const uint32_t kNumNetpollConfigKeys = sizeof(kNetpollConfigKeys) / sizeof(kNetpollConfigKeys[0]);

Result<NetpollOptions> NetpollOptionsFromConfig(const ConfigView& section) {
  NetpollOptions o;
  TERN_ASSIGN_OR_RETURN(const int64_t pollers, section.GetInt("pollers", o.pollers));
  TERN_ASSIGN_OR_RETURN(o.adaptive_wait, section.GetBool("adaptive_wait", o.adaptive_wait));
  TERN_ASSIGN_OR_RETURN(const int64_t hwm,
                        section.GetInt("high_water_mark", static_cast<int64_t>(o.high_water_mark)));
  TERN_ASSIGN_OR_RETURN(o.idle_timeout_ms, section.GetInt("idle_timeout_ms", o.idle_timeout_ms));
  TERN_ASSIGN_OR_RETURN(const int64_t budget,
                        section.GetInt("read_budget", static_cast<int64_t>(o.read_budget)));
  const std::string name = section.section().empty() ? "netpoll" : section.section();
  if (pollers < 0 || pollers > 1024) {
    return InvalidArgument(name + ".pollers: must be 0 (one per CPU) to 1024");
  }
  if (hwm <= 0) return InvalidArgument(name + ".high_water_mark: must be positive");
  if (o.idle_timeout_ms < 0) return InvalidArgument(name + ".idle_timeout_ms: must be >= 0");
  if (budget < 4096) return InvalidArgument(name + ".read_budget: must be at least 4096");
  o.pollers = static_cast<int>(pollers);
  o.high_water_mark = static_cast<size_t>(hwm);
  o.read_budget = static_cast<size_t>(budget);
  return o;
}

NetpollTransport::NetpollTransport(const NetpollOptions& options) : options_(options) {
  if (options_.pollers <= 0) options_.pollers = AffinityCpuCount();
  options_.read_budget = std::max<size_t>(options_.read_budget, 4096);
}

NetpollTransport::~NetpollTransport() {
  Stop(Duration::zero());
  // Pollers first: their queues may hold connections that point at
  // listeners.
  pollers_.clear();
  listeners_.clear();
}

Status NetpollTransport::Start() {
  std::lock_guard<std::mutex> lock(mu_);
  if (state_ != State::kNew)
    return FailedPrecondition("netpoll: Start() called twice or after Stop()");
  std::vector<std::unique_ptr<Poller>> pollers;
  for (int i = 0; i < options_.pollers; ++i) {
    pollers.push_back(std::make_unique<Poller>(this, options_, i));
    TERN_RETURN_IF_ERROR(pollers.back()->Init());
  }
  pollers_ = std::move(pollers);
  for (auto& p : pollers_) p->StartThread();
  for (auto& l : listeners_) {
    Poller* home = pollers_[next_listener_poller_++ % pollers_.size()].get();
    l->set_home(home);
    home->Post([lp = l.get()] { lp->Register(); });
  }
  state_ = State::kRunning;
  running_.store(true, std::memory_order_release);
  return Status::OK();
}

Result<Endpoint> NetpollTransport::Listen(const Endpoint& endpoint, const ListenOptions& options,
                                          ConnectionHandler* handler) {
  if (handler == nullptr) return InvalidArgument("netpoll: Listen without a handler");
  TERN_ASSIGN_OR_RETURN(const int fd, sys::ListenSocket(endpoint, options.backlog));
  auto bound = sys::LocalEndpoint(fd);
  if (!bound.ok()) {
    ::close(fd);
    return bound.status();
  }
  const int64_t idle_ns = options.idle_timeout > Duration::zero()
                              ? options.idle_timeout.count()
                              : options_.idle_timeout_ms * 1'000'000;
  auto listener = std::make_unique<Listener>(this, fd, *bound, options, handler, idle_ns);
  std::lock_guard<std::mutex> lock(mu_);
  if (state_ == State::kStopped) {
    listener.reset();  // closes the socket
    return FailedPrecondition("netpoll: Listen after Stop()");
  }
  if (state_ == State::kRunning) {
    Poller* home = pollers_[next_listener_poller_++ % pollers_.size()].get();
    listener->set_home(home);
    home->Post([lp = listener.get()] { lp->Register(); });
  }
  listeners_.push_back(std::move(listener));
  return *bound;
}

Poller* NetpollTransport::PickPoller() {
  Poller* best = pollers_[0].get();
  int best_load = best->load().load(std::memory_order_relaxed);
  for (size_t i = 1; i < pollers_.size(); ++i) {
    const int l = pollers_[i]->load().load(std::memory_order_relaxed);
    if (l < best_load) {
      best = pollers_[i].get();
      best_load = l;
    }
  }
  best->load().fetch_add(1, std::memory_order_relaxed);
  return best;
}

void NetpollTransport::Dial(const Endpoint& endpoint, Duration timeout, ConnectionHandler* handler,
                            DialCallback callback) {
  std::unique_lock<std::mutex> lock(mu_);
  if (state_ != State::kRunning) {
    lock.unlock();
    callback(FailedPrecondition("netpoll: Dial while the transport is not running"));
    return;
  }
  // Errors found here still reach the callback on a poller thread, so that
  // callers see one threading rule.
  auto fail = [&](Status st) {
    pollers_[0]->Post([cb = std::move(callback), st = std::move(st)] { cb(st); });
  };
  if (handler == nullptr) return fail(InvalidArgument("netpoll: Dial without a handler"));
  if (!endpoint.valid()) return fail(InvalidArgument("netpoll: Dial to an empty endpoint"));
  const int fd =
      ::socket(endpoint.addr()->sa_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) return fail(ErrnoError("socket for " + endpoint.ToString(), errno));
  int rc;
  do {
    rc = ::connect(fd, endpoint.addr(), endpoint.addr_len());
  } while (rc != 0 && errno == EINTR);
  const int err = rc == 0 ? 0 : errno;
  if (rc != 0 && err != EINPROGRESS) {
    ::close(fd);
    // A Unix socket with a full backlog says EAGAIN: to the caller that is
    // a refusal, not something to wait for.
    return fail(Unavailable("connect to " + endpoint.ToString() + ": " + std::strerror(err)));
  }
  Poller* p = PickPoller();
  auto* c = new NetConn(p, fd, endpoint, handler, nullptr, options_.idle_timeout_ms * 1'000'000);
  p->Post(
      [ref = ConnectionRef(c), connected = rc == 0, timeout, cb = std::move(callback)]() mutable {
        static_cast<NetConn*>(ref.get())->StartDial(connected, timeout, std::move(cb));
      });
}

void NetpollTransport::Stop(Duration grace) {
  if (OnPollerThread()) {
    LOG(DFATAL) << "netpoll: Stop() called on a poller thread; it would join itself";
    return;
  }
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (state_ == State::kStopped) return;
    const bool was_running = state_ == State::kRunning;
    state_ = State::kStopped;
    running_.store(false, std::memory_order_release);
    if (!was_running) return;  // listeners never armed: the destructor closes them
  }
  const int64_t now = sys::NowNs();
  const int64_t deadline = now + std::clamp<int64_t>(grace.count(), 0, INT64_MAX - now);
  for (auto& p : pollers_) {
    p->Post([pp = p.get(), deadline] { pp->BeginStop(deadline); });
  }
  for (auto& p : pollers_) p->Join();
  // Work posted while the loops wound down (an accept handed to a poller
  // that had just exited) runs here, so nothing is left half-open.
  for (bool again = true; again;) {
    again = false;
    for (auto& p : pollers_) again |= p->DrainAfterJoin();
  }
}

bool NetpollTransport::OnPollerThread() const {
  Poller* cur = Poller::Current();
  return cur != nullptr && cur->transport() == this;
}

NetpollTransport::Stats NetpollTransport::GetStats() const {
  Stats s;
  s.accept_calls = counters_.accept_calls.load(std::memory_order_relaxed);
  s.accepted = counters_.accepted.load(std::memory_order_relaxed);
  s.accept_fd_exhausted = counters_.accept_fd_exhausted.load(std::memory_order_relaxed);
  s.accept_limit_pauses = counters_.accept_limit_pauses.load(std::memory_order_relaxed);
  s.open_connections = counters_.open_connections.load(std::memory_order_relaxed);
  return s;
}

std::vector<pid_t> NetpollTransport::PollerThreadIds() const {
  std::lock_guard<std::mutex> lock(mu_);
  std::vector<pid_t> ids;
  for (const auto& p : pollers_) ids.push_back(p->tid());
  return ids;
}

}  // namespace tern::netpoll
