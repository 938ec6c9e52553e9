#include "plugins/netpoll/connection.h"

#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#include <glog/logging.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "plugins/netpoll/listener.h"
#include "plugins/netpoll/sys.h"

namespace tern::netpoll {

namespace {
// iovecs per sendmsg: enough for a reply of many appended slices; the rest
// goes in the next call of the same wake-up.
constexpr size_t kMaxWriteIov = 64;
// The largest read size the adaptive sizing grows to.
constexpr size_t kMaxReadHint = size_t{256} << 10;
// Free space in the current block worth a plain read() on its own.
constexpr size_t kSingleReadMin = 2048;
}  // namespace

NetConn::NetConn(Poller* poller, int fd, Endpoint peer, ConnectionHandler* handler,
                 Listener* listener, int64_t idle_timeout_ns)
    : Connection(std::move(peer)),
      PollItem(Kind::kConnection),
      poller_(poller),
      fd_(fd),
      handler_(handler),
      listener_(listener),
      idle_timeout_ns_(idle_timeout_ns) {
  poller_->transport()->counters().open_connections.fetch_add(1, std::memory_order_relaxed);
}

NetConn::~NetConn() {
  // Only a connection that never reached its poller (a task dropped at
  // shutdown) still has its socket here.
  if (fd_ >= 0) {
    ::close(fd_);
    if (listener_ != nullptr) listener_->OnConnectionClosed();
    poller_->transport()->counters().open_connections.fetch_sub(1, std::memory_order_relaxed);
  }
}

// ---- any thread --------------------------------------------------------------

Status NetConn::Send(LinkBuffer&& data) {
  data.Flush();
  {
    std::lock_guard<std::mutex> lock(out_mu_);
    if (send_closed_) return Unavailable("send on a closed connection to " + peer().ToString());
    if (data.Len() != 0) {
      output_.AppendBuffer(data);
      output_.Flush();
    }
  }
  RequestService();  // also for no bytes: a write pass re-checks a closing connection
  return Status::OK();
}

void NetConn::Close() {
  if (close_requested_.exchange(true, std::memory_order_acq_rel)) return;
  {
    std::lock_guard<std::mutex> lock(out_mu_);
    send_closed_ = true;
  }
  RequestService();
}

void NetConn::CloseAfterOutput() {
  if (close_after_output_.exchange(true, std::memory_order_acq_rel)) return;
  RequestService();  // on the poller, after the current callback
}

bool NetConn::IsOpen() const {
  const State s = state();
  return (s == State::kOpen || s == State::kClosing) &&
         !close_requested_.load(std::memory_order_acquire);
}

void NetConn::RequestService() {
  if (state() == State::kClosed) return;
  // Both sides swap `queued` with read-modify-writes, so they are ordered:
  // either this swap sees Service() clear the flag (and queues again), or
  // Service()'s swap reads this one and so sees the bytes appended before.
  if (queued.exchange(true, std::memory_order_acq_rel)) return;
  if (poller_->IsCurrent()) {
    poller_->QueueLocal(this);
  } else {
    poller_->QueueRemote(this);
  }
}

// ---- poller ------------------------------------------------------------------

int64_t NetConn::IdleDeadline() const {
  if (idle_timeout_ns_ <= 0 || state() == State::kConnecting || state() == State::kClosed) {
    return INT64_MAX;
  }
  return last_active_ns_ + idle_timeout_ns_;
}

void NetConn::StartAccepted() {
  poller_->Adopt(this);
  if (poller_->stopping()) {
    // Accepted as the transport stopped: the handler never hears of it.
    CloseNow(Status(StatusCode::kCancelled, "transport stopped"));
    return;
  }
  state_.store(State::kOpen, std::memory_order_release);
  last_active_ns_ = poller_->now_ns();
  if (idle_timeout_ns_ > 0) poller_->NoteIdleDeadline(last_active_ns_ + idle_timeout_ns_);
  UpdateInterest();
  if (state() == State::kClosed) return;
  opened_ = true;
  handler_->OnOpen(ConnectionRef(this));
}

void NetConn::StartDial(bool connected, Duration timeout, DialCallback callback) {
  poller_->Adopt(this);
  dial_cb_ = std::move(callback);
  dial_timeout_ms_ = std::chrono::duration_cast<std::chrono::milliseconds>(timeout).count();
  if (poller_->stopping()) {
    FailDial(Status(StatusCode::kCancelled, "transport stopped"));
    return;
  }
  if (connected) {
    CompleteConnect(0);
    return;
  }
  UpdateInterest();  // EPOLLOUT: the connect completes (or fails)
  if (state() == State::kClosed) return;
  ConnectionRef self(this);
  const int64_t now = poller_->now_ns();
  const int64_t deadline = now + std::clamp<int64_t>(timeout.count(), 0, INT64_MAX / 2 - now);
  dial_timer_ = poller_->AddTimer(deadline, [self] {
    auto* c = static_cast<NetConn*>(self.get());
    if (c->state() != State::kConnecting) return;
    c->dial_timer_ = {0, 0};
    c->FailDial(Status(StatusCode::kDeadlineExceeded,
                       "connect to " + c->peer().ToString() + " timed out after " +
                           std::to_string(c->dial_timeout_ms_) + " ms"));
  });
}

void NetConn::CompleteConnect(uint32_t events) {
  int err = sys::SocketError(fd_);
  if (err == 0 && (events & (EPOLLERR | EPOLLHUP)) != 0) err = ECONNREFUSED;
  if (err != 0) {
    FailDial(Unavailable("connect to " + peer().ToString() + ": " + std::strerror(err)));
    return;
  }
  poller_->CancelTimer(dial_timer_);
  dial_timer_ = {0, 0};
  state_.store(State::kOpen, std::memory_order_release);
  if (!peer().is_unix()) sys::SetNoDelay(fd_);
  last_active_ns_ = poller_->now_ns();
  if (idle_timeout_ns_ > 0) poller_->NoteIdleDeadline(last_active_ns_ + idle_timeout_ns_);
  UpdateInterest();
  if (state() == State::kClosed) return;  // epoll refused it; CloseNow told the dialer
  opened_ = true;
  ConnectionRef self(this);
  handler_->OnOpen(self);
  DialCallback cb = std::move(dial_cb_);
  if (cb) cb(self);
}

void NetConn::FailDial(const Status& why) { CloseNow(why); }

void NetConn::HandleEvents(uint32_t events) {
  switch (state()) {
    case State::kClosed:
      return;
    case State::kConnecting:
      CompleteConnect(events);
      return;
    case State::kOpen:
    case State::kClosing:
      break;
  }
  if ((events & EPOLLERR) != 0) {
    const int err = sys::SocketError(fd_);
    CloseNow(err == ECONNRESET || err == EPIPE || err == 0
                 ? Unavailable("connection to " + peer().ToString() + " reset by peer")
                 : ErrnoError("socket to " + peer().ToString(), err));
    return;
  }
  if ((events & EPOLLOUT) != 0 && want_out_) {
    DoWrite();
    if (state() == State::kClosed) return;
  }
  if ((events & (EPOLLIN | EPOLLHUP)) != 0 && state() == State::kOpen && !read_paused_) {
    DoRead();
    return;
  }
  if ((events & EPOLLHUP) != 0) CloseNow(Unavailable("peer " + peer().ToString() + " hung up"));
}

void NetConn::DoRead() {
  const NetpollOptions& opts = poller_->options();
  size_t got = 0;
  bool eof = false;
  const bool fresh = expect_ == 0 && input_.Len() == 0;
  // A large frame whose start is here but whose block cannot hold it moves
  // its start (what was read so far, at most one read's worth) into a block
  // of the frame's size, so the rest lands behind it and the frame is one
  // run: a copy of the start instead of a join of the whole frame later.
  if (expect_ > input_.Len() && !input_.PrepareContiguous(expect_)) {
    VLOG(1) << "netpoll: no contiguous block of " << expect_ << " bytes for " << peer().ToString();
  }
  while (got < opts.read_budget) {
    const size_t have = input_.Len();
    const size_t missing = expect_ > have ? expect_ - have : 0;
    iovec iov[2];
    // A frame in progress asks for exactly its missing bytes, so they go
    // into the current block's free space when they fit (the frame stays
    // contiguous); otherwise read as much as the peer has been sending, into
    // a block as large as its last large frame when nothing is pending.
    const size_t hint = missing > 0 ? std::max(missing, LinkBuffer::kDefaultBlockSize)
                        : have == 0 ? std::max(read_hint_, frame_hint_)
                                    : read_hint_;
    size_t cnt = input_.WritableIovecs(hint, iov, 2);
    if (cnt == 0) {
      CloseNow(ResourceExhausted("out of memory for input from " + peer().ToString()));
      return;
    }
    // Never read past the budget: the rest waits for the next wake-up.
    size_t offered = 0;
    const size_t room = opts.read_budget - got;
    for (size_t i = 0; i < cnt; ++i) {
      iov[i].iov_len = std::min(iov[i].iov_len, room - offered);
      offered += iov[i].iov_len;
      if (offered == room) {
        cnt = i + 1;
        break;
      }
    }
    // The current block's free space alone, when it is not tiny, spares
    // the kernel the iovec import of readv; the spare block waits.
    if (cnt == 2 && iov[0].iov_len >= kSingleReadMin) {
      offered = iov[0].iov_len;
      cnt = 1;
    }
    const ssize_t n = cnt == 1 ? ::read(fd_, iov[0].iov_base, iov[0].iov_len)
                               : ::readv(fd_, iov, static_cast<int>(cnt));
    if (n > 0) {
      // Size reads by what the peer sends: a read that filled its buffer
      // asks for twice as much next time (fewer readv calls, and a message
      // of a few blocks lands in one block); a wake-up whose first read used
      // a quarter of it halves the size again. (Later reads of a wake-up
      // only pick up remainders and say nothing about the peer.)
      if (static_cast<size_t>(n) == offered) {
        read_hint_ = std::min(read_hint_ * 2, kMaxReadHint);
      } else if (got == 0 && static_cast<size_t>(n) <= offered / 4) {
        read_hint_ = std::max(read_hint_ / 2, LinkBuffer::kDefaultBlockSize);
      }
      input_.CommitWritable(static_cast<size_t>(n));
      got += static_cast<size_t>(n);
      // A short read drained the socket; level-triggered epoll reports
      // anything that arrives later.
      if (static_cast<size_t>(n) < offered) break;
      continue;
    }
    if (n == 0) {
      eof = true;
      break;
    }
    const int err = errno;
    if (err == EINTR) continue;
    if (err == EAGAIN || err == EWOULDBLOCK) break;
    CloseNow(err == ECONNRESET
                 ? Unavailable("connection to " + peer().ToString() + " reset by peer")
                 : ErrnoError("read from " + peer().ToString(), err));
    return;
  }
  if (got > 0) {
    if (expect_ <= input_.Len()) expect_ = 0;
    const size_t held = input_.Len();
    handler_->OnData(ConnectionRef(this));
    if (state() == State::kClosed) return;
    // Activity is input the handler took (a whole request) or output
    // written: bytes that trickle in without completing a request (a
    // slowloris) do not keep the connection from its idle timeout.
    if (input_.Len() < held) last_active_ns_ = poller_->now_ns();
    // A small read from an empty buffer that left no frame pending: the
    // peer sends small frames now.
    if (fresh && got < LinkBuffer::kDefaultBlockSize && expect_ == 0) frame_hint_ = 0;
  }
  if (eof) OnPeerEof();
}

void NetConn::ResumeWhenDrained() {
  // The next write pass that leaves the output at half the mark resumes it:
  // output only drains on this thread, and every Send queues a pass, so the
  // handler that waits for replies of its own is woken by them.
  resume_on_drain_ = true;
}

bool NetConn::KeptAliveAt(int64_t now_ns) {
  if (!handler_->RepliesPending(ConnectionRef(this))) return false;
  last_active_ns_ = now_ns;
  poller_->NoteIdleDeadline(last_active_ns_ + idle_timeout_ns_);
  return true;
}

// Asked before looking at the output: a handler hands its last reply to
// Send and only then stops saying it is pending, so once this is false
// every reply is in output_ (and the Send that follows requests a pass).
bool NetConn::HoldOpen() {
  return resume_on_drain_ || handler_->RepliesPending(ConnectionRef(this));
}

void NetConn::OnPeerEof() {
  const Status why = Unavailable("peer " + peer().ToString() + " closed the connection");
  // Replies still queued, about to be served or still being produced go
  // out before the close.
  if (!HoldOpen() && output_.Len() == 0 && !queued.load(std::memory_order_acquire)) {
    CloseNow(why);
  } else {
    CloseAfterFlush(why);
  }
}

void NetConn::CloseAfterFlush(const Status& why) {
  if (state() == State::kClosed) return;
  if (!HoldOpen() && output_.Len() == 0 && !want_out_) {
    CloseNow(why);
    return;
  }
  if (state() != State::kClosing) {
    closing_why_ = why;
    state_.store(State::kClosing, std::memory_order_release);
  }
  UpdateInterest();
  if (!want_out_ && state() != State::kClosed) DoWrite();
}

void NetConn::Service() {
  queued.exchange(false, std::memory_order_acq_rel);  // see RequestService
  if (state() == State::kClosed || state() == State::kConnecting) return;
  if (close_requested_.load(std::memory_order_acquire)) {
    CloseNow(Status(StatusCode::kCancelled, "closed locally"));
    return;
  }
  if (close_after_output_.load(std::memory_order_acquire) && state() == State::kOpen) {
    CloseAfterFlush(Status(StatusCode::kCancelled, "closed locally after its output"));
    return;
  }
  // While EPOLLOUT is armed the socket is full: the event will resume the
  // writing, but the output just grew, so look at the high-water mark now.
  if (want_out_) {
    UpdateBackpressure();
  } else {
    DoWrite();
  }
}

void NetConn::DoWrite() {
  iovec iov[kMaxWriteIov];
  bool blocked = false;
  for (;;) {
    const size_t cnt = output_.ReadableIovecs(iov, kMaxWriteIov);
    if (cnt == 0) break;
    size_t total = 0;
    for (size_t i = 0; i < cnt; ++i) total += iov[i].iov_len;
    // sendmsg is writev with flags: MSG_NOSIGNAL turns a peer's reset into
    // EPIPE instead of a process-killing SIGPIPE. One iovec goes by send(),
    // which skips the msghdr and iovec copies.
    ssize_t n;
    if (cnt == 1) {
      n = ::send(fd_, iov[0].iov_base, iov[0].iov_len, MSG_NOSIGNAL | MSG_DONTWAIT);
    } else {
      msghdr msg{};
      msg.msg_iov = iov;
      msg.msg_iovlen = cnt;
      n = ::sendmsg(fd_, &msg, MSG_NOSIGNAL | MSG_DONTWAIT);
    }
    if (n < 0) {
      const int err = errno;
      if (err == EINTR) continue;
      if (err == EAGAIN || err == EWOULDBLOCK) {
        blocked = true;
        break;
      }
      output_.Release();
      CloseNow(err == EPIPE || err == ECONNRESET
                   ? Unavailable("connection to " + peer().ToString() + " reset by peer")
                   : ErrnoError("write to " + peer().ToString(), err));
      return;
    }
    output_.Skip(static_cast<size_t>(n)).IgnoreError();  // n <= Len(): cannot fail
    last_active_ns_ = poller_->now_ns();
    if (static_cast<size_t>(n) < total) {
      blocked = true;  // the socket buffer is full
      break;
    }
  }
  output_.Release();
  want_out_ = blocked;
  // Requests the handler set aside for a backlog: serve them now that it
  // drained (their replies queue a new write pass).
  if (resume_on_drain_ && output_.Len() <= poller_->options().high_water_mark / 2) {
    resume_on_drain_ = false;
    handler_->OnData(ConnectionRef(this));
    if (state() == State::kClosed) return;
  }
  if (state() == State::kClosing && !blocked && !HoldOpen() && output_.Len() == 0) {
    CloseNow(closing_why_);
    return;
  }
  UpdateBackpressure();
}

void NetConn::UpdateBackpressure() {
  const size_t pending = output_.Len();
  const size_t hwm = poller_->options().high_water_mark;
  if (!read_paused_ && pending > hwm) {
    read_paused_ = true;
  } else if (read_paused_ && pending <= hwm / 2) {
    read_paused_ = false;
  }
  UpdateInterest();
}

void NetConn::UpdateInterest() {
  if (state() == State::kClosed) return;
  uint32_t want = 0;
  if (state() == State::kConnecting) {
    want = EPOLLOUT;
  } else {
    if (state() == State::kOpen && !read_paused_) want |= EPOLLIN;
    if (want_out_) want |= EPOLLOUT;
  }
  if (registered_ && want == interest_) return;
  epoll_event ev{};
  ev.events = want;
  ev.data.ptr = static_cast<PollItem*>(this);
  if (::epoll_ctl(poller_->epfd(), registered_ ? EPOLL_CTL_MOD : EPOLL_CTL_ADD, fd_, &ev) != 0) {
    CloseNow(ErrnoError("epoll_ctl for " + peer().ToString(), errno));
    return;
  }
  registered_ = true;
  interest_ = want;
}

void NetConn::CloseNow(const Status& why) {
  if (state() == State::kClosed) return;
  {
    std::lock_guard<std::mutex> lock(out_mu_);
    send_closed_ = true;
  }
  // A dial still in progress learns why it failed, after the close.
  DialCallback dial_cb = std::move(dial_cb_);
  dial_cb_ = nullptr;
  poller_->CancelTimer(dial_timer_);
  dial_timer_ = {0, 0};
  state_.store(State::kClosed, std::memory_order_release);
  if (registered_) {
    ::epoll_ctl(poller_->epfd(), EPOLL_CTL_DEL, fd_, nullptr);
    registered_ = false;
  }
  ::close(fd_);
  fd_ = -1;
  poller_->transport()->counters().open_connections.fetch_sub(1, std::memory_order_relaxed);
  if (listener_ != nullptr) listener_->OnConnectionClosed();
  if (opened_) {
    opened_ = false;
    handler_->OnClose(ConnectionRef(this), why);
  }
  // Free the blocks now, not when the last reference goes: a worker may
  // hold this connection for a long time.
  input_ = LinkBuffer();
  {
    std::lock_guard<std::mutex> lock(out_mu_);
    output_ = LinkBuffer();
  }
  poller_->Retire(this);
  if (dial_cb) dial_cb(why);
}

}  // namespace tern::netpoll
