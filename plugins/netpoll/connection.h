// NetConn: Netpoll's Connection — one non-blocking socket, its input and
// output LinkBuffers, and its state machine.
//
//   kConnecting ──connected──> kOpen ──peer EOF with output pending──> kClosing
//        │                       │   ──Stop() with output pending───>    │
//        │                       │   ──CloseAfterOutput()────────────>    │
//        │ refused / timed out   │ error, reset, idle, Close()           │ drained / deadline
//        └───────────────────────┴──────────────> kClosed <──────────────┘
//
// Input. The poller readv()s straight into input_'s blocks (WritableIovecs
// sized by ExpectBytes) and calls OnData once per wake-up, after reading at
// most read_budget bytes. Only the poller thread touches input_.
//
// Output. output_ is a LinkBuffer with one writer side and one reader side:
// senders (any thread) append under out_mu_, which serialises them; the
// poller is the reader, and the only thread that writes to the socket
// (sendmsg of the chain's iovecs, then Skip + Release). A Send marks the
// connection `queued_` and, unless it already was, hands it to its poller —
// directly when on the poller thread (served at the end of the current
// callback, so a handler's replies leave in one write), through the poller's
// queue and eventfd otherwise.
//
// Backpressure. After each write attempt: pending output above
// high_water_mark pauses reading (EPOLLIN off); at half the mark it resumes.
//
// Lifetime. Reference-counted (tern::ConnectionRef). The poller's reference
// keeps it alive until after the event batch in which it closed. On close,
// the fd is removed from epoll and closed, both buffers are emptied, and
// later Sends fail; the object itself lives while anyone holds a ref.
//
// Thread: Connection's [thread-safe] methods as documented in
// tern/transport.h; everything else here is [poller].
#pragma once

#include <sys/epoll.h>

#include <atomic>
#include <cstdint>
#include <mutex>

#include "plugins/netpoll/poller.h"
#include "tern/buffer.h"
#include "tern/transport.h"

namespace tern::netpoll {

class Listener;

class NetConn final : public Connection, public PollItem {
 public:
  enum class State : uint8_t { kConnecting, kOpen, kClosing, kClosed };

  // Takes ownership of `fd`. `listener` is null for dialed connections.
  NetConn(Poller* poller, int fd, Endpoint peer, ConnectionHandler* handler, Listener* listener,
          int64_t idle_timeout_ns);
  ~NetConn() override;

  // ---- Connection ----------------------------------------------------------
  LinkBuffer& Input() override { return input_; }
  Status Send(LinkBuffer&& data) override;
  void ExpectBytes(size_t n) override {
    expect_ = n;
    if (n > LinkBuffer::kDefaultBlockSize) frame_hint_ = n;
  }
  void Close() override;
  void CloseAfterOutput() override;
  bool IsOpen() const override;
  bool IsOnPollerThread() const override { return poller_->IsCurrent(); }
  size_t PendingOutputBytes() const override { return output_.Len(); }
  bool OutputBacklogged() const override {
    return output_.Len() > poller_->options().high_water_mark;
  }
  void ResumeWhenDrained() override;

  // ---- [poller] ------------------------------------------------------------
  Poller* poller() const { return poller_; }
  State state() const { return state_.load(std::memory_order_acquire); }
  // Starts an accepted connection (already connected): epoll, OnOpen.
  void StartAccepted();
  // Starts a dial: `connected` when connect() already succeeded.
  void StartDial(bool connected, Duration timeout, DialCallback callback);
  void HandleEvents(uint32_t events);
  // Serves a queued request: a Close(), or output to write.
  void Service();
  // Closes now; then OnClose(why) when OnOpen ran, or the dial callback
  // with `why` when the connect had not completed. Idempotent.
  void CloseNow(const Status& why);
  // Stops reading; closes with `why` once output is flushed.
  void CloseAfterFlush(const Status& why);
  // Fails a dial in progress (no OnOpen/OnClose; the callback gets `why`).
  void FailDial(const Status& why);
  // The idle deadline (ns), or INT64_MAX when none applies.
  int64_t IdleDeadline() const;
  // At the idle deadline: true (and the deadline moves on from now) when
  // the handler still owes replies — a call in flight is not idleness.
  bool KeptAliveAt(int64_t now_ns);

  // Index in the poller's conns_ (poller-owned).
  size_t slot = 0;
  // Set while the connection waits in a poller queue for Service().
  std::atomic<bool> queued{false};

 private:
  void DoRead();
  void DoWrite();
  void CompleteConnect(uint32_t events);
  void UpdateInterest();
  // Pauses or resumes reading by the pending output (high-water mark).
  void UpdateBackpressure();
  void RequestService();
  void OnPeerEof();
  // Whether a close after the peer's EOF must wait: requests left for
  // ResumeWhenDrained, or replies the handler still owes.
  bool HoldOpen();

  Poller* const poller_;
  int fd_;
  ConnectionHandler* const handler_;
  Listener* const listener_;
  const int64_t idle_timeout_ns_;

  std::atomic<State> state_{State::kConnecting};
  std::atomic<bool> close_requested_{false};
  std::atomic<bool> close_after_output_{false};  // CloseAfterOutput, served by Service()

  // [poller]
  LinkBuffer input_;
  size_t expect_ = 0;
  size_t read_hint_ = LinkBuffer::kDefaultBlockSize;  // adapts to the peer (DoRead)
  // The size of the peer's last large frame (ExpectBytes), 0 when it sends
  // small ones: a frame that starts in an empty buffer gets a block this
  // large, so the next frame like it lands in one block without a copy.
  size_t frame_hint_ = 0;
  uint32_t interest_ = 0;
  bool registered_ = false;
  bool opened_ = false;  // OnOpen ran, so OnClose is owed
  bool want_out_ = false;
  bool read_paused_ = false;
  // ResumeWhenDrained was called: OnData again once output drains.
  bool resume_on_drain_ = false;
  int64_t last_active_ns_ = 0;
  Status closing_why_;
  DialCallback dial_cb_;
  Poller::TimerKey dial_timer_{0, 0};
  int64_t dial_timeout_ms_ = 0;

  // Output: writers under out_mu_; the poller reads without it.
  std::mutex out_mu_;
  bool send_closed_ = false;  // guarded by out_mu_
  LinkBuffer output_;
};

}  // namespace tern::netpoll
