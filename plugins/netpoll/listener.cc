#include "plugins/netpoll/listener.h"

#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <glog/logging.h>

#include <cerrno>
#include <cstring>

#include "plugins/netpoll/connection.h"
#include "plugins/netpoll/sys.h"

namespace tern::netpoll {

Listener::Listener(NetpollTransport* transport, int fd, Endpoint bound,
                   const ListenOptions& options, ConnectionHandler* handler,
                   int64_t idle_timeout_ns)
    : PollItem(Kind::kListener),
      transport_(transport),
      fd_(fd),
      bound_(std::move(bound)),
      options_(options),
      handler_(handler),
      idle_timeout_ns_(idle_timeout_ns) {}

Listener::~Listener() {
  if (fd_ >= 0) {
    ::close(fd_);
    if (bound_.is_unix()) ::unlink(bound_.ToString().substr(5).c_str());
  }
}

void Listener::Register() {
  if (closed_) return;
  home_->AddListener(this);
  Arm();
}

void Listener::Arm() {
  if (armed_ || closed_) return;
  epoll_event ev{};
  ev.events = EPOLLIN;
  ev.data.ptr = static_cast<PollItem*>(this);
  if (::epoll_ctl(home_->epfd(), EPOLL_CTL_ADD, fd_, &ev) != 0) {
    PLOG(ERROR) << "epoll_ctl(ADD) for listener " << bound_.ToString();
    return;
  }
  armed_ = true;
}

void Listener::Disarm() {
  if (!armed_) return;
  ::epoll_ctl(home_->epfd(), EPOLL_CTL_DEL, fd_, nullptr);
  armed_ = false;
}

void Listener::Close() {
  if (closed_) return;
  closed_ = true;
  Disarm();
  ::close(fd_);
  fd_ = -1;
  if (bound_.is_unix()) ::unlink(bound_.ToString().substr(5).c_str());
  home_->RemoveListener(this);
}

void Listener::HandleAccept() {
  auto& counters = transport_->counters();
  for (int i = 0; i < kAcceptBatch && !closed_; ++i) {
    if (options_.max_connections > 0 &&
        count_.load(std::memory_order_seq_cst) >= static_cast<int64_t>(options_.max_connections)) {
      PauseForLimit();
      return;
    }
    sockaddr_storage ss{};
    socklen_t len = sizeof(ss);
    const int fd =
        ::accept4(fd_, reinterpret_cast<sockaddr*>(&ss), &len, SOCK_NONBLOCK | SOCK_CLOEXEC);
    counters.accept_calls.fetch_add(1, std::memory_order_relaxed);
    if (fd < 0) {
      const int err = errno;
      switch (err) {
        case EINTR:
        case ECONNABORTED:  // the peer left while in the backlog
        case EPROTO:
        case EPERM:  // a firewall rule refused it
          continue;
        case EAGAIN:
#if EWOULDBLOCK != EAGAIN
        case EWOULDBLOCK:
#endif
          return;
        default:
          // EMFILE, ENFILE, ENOBUFS, ENOMEM, or worse: retrying at once
          // would fail again at full speed.
          BackOff(err);
          return;
      }
    }
    count_.fetch_add(1, std::memory_order_seq_cst);
    counters.accepted.fetch_add(1, std::memory_order_relaxed);
    Endpoint peer;
    if (auto ep = Endpoint::FromSockaddr(reinterpret_cast<const sockaddr*>(&ss), len); ep.ok()) {
      peer = *ep;
    }
    if (!bound_.is_unix()) sys::SetNoDelay(fd);
    Poller* p = transport_->PickPoller();
    auto* c = new NetConn(p, fd, std::move(peer), handler_, this, idle_timeout_ns_);
    if (p == home_) {
      c->StartAccepted();
    } else {
      p->Post([ref = ConnectionRef(c)] { static_cast<NetConn*>(ref.get())->StartAccepted(); });
    }
  }
}

void Listener::PauseForLimit() {
  limit_paused_.store(true, std::memory_order_seq_cst);
  // A close that decremented the count before seeing the flag would not
  // post a resume: look again after publishing it.
  if (count_.load(std::memory_order_seq_cst) < static_cast<int64_t>(options_.max_connections)) {
    limit_paused_.store(false, std::memory_order_seq_cst);
    return;  // still armed; level-triggered epoll reports the backlog again
  }
  transport_->counters().accept_limit_pauses.fetch_add(1, std::memory_order_relaxed);
  Disarm();
}

void Listener::ResumeFromLimit() {
  if (closed_ || !limit_paused_.load(std::memory_order_seq_cst)) return;
  if (count_.load(std::memory_order_seq_cst) >= static_cast<int64_t>(options_.max_connections)) {
    return;
  }
  limit_paused_.store(false, std::memory_order_seq_cst);
  if (!backing_off_) Arm();
}

void Listener::OnConnectionClosed() {
  count_.fetch_sub(1, std::memory_order_seq_cst);
  if (options_.max_connections > 0 && limit_paused_.load(std::memory_order_seq_cst)) {
    home_->Post([this] { ResumeFromLimit(); });
  }
}

void Listener::BackOff(int err) {
  transport_->counters().accept_fd_exhausted.fetch_add(1, std::memory_order_relaxed);
  LOG_EVERY_N(WARNING, 100) << "accept on " << bound_.ToString() << ": " << std::strerror(err)
                            << "; pausing accepts for " << kFdBackoffNs / 1'000'000 << " ms";
  Disarm();
  backing_off_ = true;
  home_->AddTimer(home_->now_ns() + kFdBackoffNs, [this] {
    backing_off_ = false;
    if (!limit_paused_.load(std::memory_order_seq_cst)) Arm();
  });
}

}  // namespace tern::netpoll
