// Listener: a listening socket registered on one poller (its home), which
// accepts and hands each new socket to the least-loaded poller.
//
// Accepting pauses (the listener leaves epoll; peers wait in the backlog)
// in two cases and never spins:
//  * max_connections reached: resumes when one of its connections closes
//    (OnConnectionClosed, from any poller, posts the resume home). The
//    pause and the close race on two atomics with sequentially consistent
//    order, so one of them always sees the other.
//  * out of file descriptors (EMFILE/ENFILE) or memory: resumes after a
//    short backoff timer; the backlog keeps the peers meanwhile.
//
// Lifetime: owned by the transport, destroyed after the pollers are joined,
// so a Listener* in epoll or in a connection is always valid.
//
// Thread: OnConnectionClosed is [thread-safe]; the rest is [home poller].
#pragma once

#include <atomic>
#include <cstdint>
#include <string>

#include "plugins/netpoll/poller.h"
#include "tern/transport.h"

namespace tern::netpoll {

class Listener final : public PollItem {
 public:
  static constexpr int64_t kFdBackoffNs = 100'000'000;  // 100 ms
  static constexpr int kAcceptBatch = 64;

  Listener(NetpollTransport* transport, int fd, Endpoint bound, const ListenOptions& options,
           ConnectionHandler* handler, int64_t idle_timeout_ns);
  ~Listener();

  const Endpoint& bound() const { return bound_; }
  void set_home(Poller* home) { home_ = home; }
  Poller* home() const { return home_; }

  // [home] Starts accepting.
  void Register();
  // [home] Accepts up to kAcceptBatch sockets.
  void HandleAccept();
  // [home] Stops accepting and closes the socket (removes a Unix socket's
  // file).
  void Close();
  // [thread-safe] One of this listener's connections closed.
  void OnConnectionClosed();

 private:
  void Arm();
  void Disarm();
  void PauseForLimit();
  void ResumeFromLimit();
  void BackOff(int err);

  NetpollTransport* const transport_;
  int fd_;
  const Endpoint bound_;
  const ListenOptions options_;
  ConnectionHandler* const handler_;
  const int64_t idle_timeout_ns_;
  Poller* home_ = nullptr;

  // [home]
  bool armed_ = false;
  bool closed_ = false;
  bool backing_off_ = false;

  std::atomic<bool> limit_paused_{false};
  std::atomic<int64_t> count_{0};
};

}  // namespace tern::netpoll
