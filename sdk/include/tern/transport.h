// Transport: listens, dials and owns connections; moves bytes between sockets
// and LinkBuffers. Netpoll (plugins/netpoll, epoll pollers) is the first one.
//
//   Transport ──owns──> pollers (threads) ──own──> Connection objects
//       │                                              ▲   ▲
//   Listen / Dial                        ConnectionRef │   │ ConnectionRef
//       │                                   (poller)   │   │ (a worker, a client pool)
//       └──> ConnectionHandler::OnOpen / OnData / OnClose, on the poller thread
//
// Ownership. A Connection is reference-counted. Its poller holds one
// reference while the socket is open and drops it only after the batch of
// events it was closed in (the kernel's epoll entry points at the object; no
// stale event can touch freed memory). Everyone else holds a ConnectionRef,
// and a ref outlives the socket: a worker that finishes after the peer left
// holds a valid, closed connection whose Send() fails with UNAVAILABLE,
// never a dangling pointer. The handler given to Listen/Dial is borrowed and
// must outlive the transport's Stop().
//
// Data flow. Bytes read from the socket land straight in the connection's
// input LinkBuffer (readv into its blocks, no intermediate copy), then
// OnData runs on the poller thread and consumes what it can from Input().
// Replies go through Send(LinkBuffer&&), which takes the bytes by reference
// (no copy) and may be called from any thread; the poller remains the only
// thread that writes to the socket. ExpectBytes(n) says how much input the
// handler waits for, so a large frame is read into one block of its size.
//
// Threading.
//   * Handler callbacks run on the connection's poller thread and must not
//     block there: a blocked poller stalls every connection it owns.
//   * Input() and ExpectBytes() are for the poller thread only (inside
//     OnOpen/OnData/OnClose).
//   * Send(), Close(), IsOpen(), PendingOutputBytes(), the context slot and
//     peer() are thread-safe.
//   * Transport::Listen/Dial/Start/Stop are thread-safe; Stop() must not be
//     called from a poller thread (it joins them).
//
// Errors. Nothing here throws. Setup errors are returned as Status; the
// reason a connection closed is the Status given to OnClose (UNAVAILABLE for
// a peer that left or reset, DEADLINE_EXCEEDED for an idle timeout,
// CANCELLED for a local Close() or shutdown, IO_ERROR for other socket
// errors). A failed dial reaches its callback as a Status: UNAVAILABLE
// (refused), DEADLINE_EXCEEDED ("timed out after N ms"), CANCELLED.
//
// ABI: Endpoint's layout and the vtables below are part of the plugin ABI
// (plugin.h).
#pragma once

#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/un.h>

#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <utility>

#include "tern/buffer.h"
#include "tern/export.h"
#include "tern/status.h"

namespace tern {

using Duration = std::chrono::nanoseconds;

// A socket address: TCP over IPv4 or IPv6, or a Unix stream socket.
//
// Text forms (Parse and ToString agree): "127.0.0.1:9090", "[::1]:9090",
// "localhost:9090" (always 127.0.0.1: no name resolution here),
// "unix:/run/tern.sock". Port 0 asks Listen for any free port.
//
// Thread: a value; immutable once built.
class TERN_EXPORT Endpoint {
 public:
  enum class Family : uint8_t { kNone, kIpv4, kIpv6, kUnix };

  Endpoint() = default;

  // Returns the endpoint, or INVALID_ARGUMENT naming what is wrong.
  static Result<Endpoint> Parse(std::string_view text);
  // Returns the endpoint for a socket address from accept/getsockname, or
  // INVALID_ARGUMENT for a family Tern does not speak.
  static Result<Endpoint> FromSockaddr(const sockaddr* addr, socklen_t len);

  Family family() const;
  bool valid() const { return family() != Family::kNone; }
  bool is_unix() const { return family() == Family::kUnix; }
  // The TCP port (0 for Unix sockets).
  uint16_t port() const;
  // The same address with another port (TCP only).
  Endpoint WithPort(uint16_t port) const;
  // The canonical text form, accepted by Parse.
  std::string ToString() const;

  const sockaddr* addr() const { return reinterpret_cast<const sockaddr*>(&addr_); }
  socklen_t addr_len() const { return len_; }

  friend bool operator==(const Endpoint& a, const Endpoint& b) {
    return a.ToString() == b.ToString();
  }

 private:
  sockaddr_storage addr_{};
  socklen_t len_ = 0;
};

class ConnectionRef;

// One socket. Created and owned by a transport; seen through ConnectionRef.
//
// Thread: see the header comment. [poller] methods are for the connection's
// poller thread only; [thread-safe] ones may be called from any thread,
// before or after the socket closed.
class TERN_EXPORT Connection {
 public:
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;
  virtual ~Connection();

  // [poller] The bytes read and not yet consumed. Consume with the reader
  // methods of LinkBuffer and call Release() when done with the pointers.
  // Returns: the buffer; valid while the connection object lives.
  virtual LinkBuffer& Input() = 0;

  // [thread-safe] Queues `data` for writing, after everything queued before
  // it (one thread's Sends leave in order). Bytes are taken by reference,
  // never copied; blocks are freed once written. Unflushed bytes in `data`
  // are flushed first.
  // An empty `data` queues nothing but still asks for a write pass: a
  // handler whose RepliesPending() just turned false sends one, so that a
  // connection waiting to close looks again.
  // Returns: OK when queued; UNAVAILABLE when the connection is closed or
  // closing at the caller's request (the bytes are dropped).
  virtual Status Send(LinkBuffer&& data) = 0;

  // [poller] Hint: the handler waits until Input() holds at least `n` bytes
  // in all. The next reads are sized for the missing bytes, so a large frame
  // lands in one block. Cleared once satisfied; 0 clears it.
  virtual void ExpectBytes(size_t n) = 0;

  // [thread-safe] Closes the connection: reading stops, queued output is
  // dropped, and OnClose(CANCELLED) follows on the poller thread (never from
  // within this call). Idempotent.
  virtual void Close() = 0;

  // [thread-safe] Closes once the output is written: reading stops now
  // (what was read and not consumed stays unread), Sends are still queued
  // (replies being produced on other threads), and the socket closes when
  // the queued output is written and the handler's RepliesPending() is
  // false — as after the peer's EOF. OnClose follows on the poller thread
  // (never from within this call). For a handler that met input it cannot
  // serve after requests it already answered: their replies still leave.
  // Idempotent; Close() still closes at once.
  virtual void CloseAfterOutput() = 0;

  // [thread-safe] Returns: false once closed or Close() was called.
  virtual bool IsOpen() const = 0;

  // [thread-safe] Returns: true when the caller runs on this connection's
  // poller thread (where a synchronous wait would deadlock it).
  virtual bool IsOnPollerThread() const = 0;

  // [thread-safe] Returns: bytes queued by Send and not yet written to the
  // socket (what the output high-water mark bounds).
  virtual size_t PendingOutputBytes() const = 0;

  // [thread-safe] Returns: true while the queued output is above the
  // transport's high-water mark (reading from the peer pauses then). A
  // handler should stop serving the requests it already holds — a peer that
  // sends small requests for large replies and never reads them would
  // otherwise pile up replies without bound — and call ResumeWhenDrained.
  virtual bool OutputBacklogged() const = 0;

  // [poller] The handler left whole requests in Input() because the output
  // is backlogged (or replies it owes are not ready): OnData runs again
  // after the next write of queued output that leaves it at or below half
  // the high-water mark, whether or not new bytes arrive.
  virtual void ResumeWhenDrained() = 0;

  // [thread-safe] The remote address (for Unix sockets, the path dialed, or
  // "unix:" for an accepted peer).
  const Endpoint& peer() const { return peer_; }

  // [thread-safe] One pointer of user state (the RPC layer's per-connection
  // state). The transport never reads it; its owner frees it in OnClose.
  void set_context(void* context) { context_.store(context, std::memory_order_release); }
  void* context() const { return context_.load(std::memory_order_acquire); }

 protected:
  explicit Connection(Endpoint peer) : peer_(std::move(peer)) {}

 private:
  friend class ConnectionRef;
  mutable std::atomic<int32_t> refs_{0};
  std::atomic<void*> context_{nullptr};
  Endpoint peer_;
};

// A counted reference to a Connection. Copying costs one atomic increment;
// the last reference frees the connection (on whichever thread drops it).
//
// Thread: like shared_ptr: distinct ConnectionRef objects may be copied and
// destroyed concurrently; one object is not for concurrent mutation.
class ConnectionRef {
 public:
  ConnectionRef() noexcept = default;
  explicit ConnectionRef(Connection* c) noexcept : c_(c) {
    if (c_ != nullptr) c_->refs_.fetch_add(1, std::memory_order_relaxed);
  }
  ConnectionRef(const ConnectionRef& o) noexcept : ConnectionRef(o.c_) {}
  ConnectionRef(ConnectionRef&& o) noexcept : c_(std::exchange(o.c_, nullptr)) {}
  ConnectionRef& operator=(ConnectionRef o) noexcept {
    std::swap(c_, o.c_);
    return *this;
  }
  ~ConnectionRef() { reset(); }

  void reset() noexcept {
    Connection* c = std::exchange(c_, nullptr);
    if (c != nullptr && c->refs_.fetch_sub(1, std::memory_order_acq_rel) == 1) delete c;
  }
  Connection* get() const noexcept { return c_; }
  Connection* operator->() const noexcept { return c_; }
  Connection& operator*() const noexcept { return *c_; }
  explicit operator bool() const noexcept { return c_ != nullptr; }
  friend bool operator==(const ConnectionRef& a, const ConnectionRef& b) { return a.c_ == b.c_; }

 private:
  Connection* c_ = nullptr;
};

// What the transport calls back. Implemented by the RPC layer (and tests).
//
// Thread: every callback runs on the connection's poller thread; callbacks
// for one connection never overlap. OnOpen comes first, OnClose exactly once
// and last, and all OnCloses have run when Transport::Stop returns.
class TERN_EXPORT ConnectionHandler {
 public:
  virtual ~ConnectionHandler();
  // A connection was accepted or dialed. Runs before any OnData.
  virtual void OnOpen(const ConnectionRef& conn) = 0;
  // Input() has new bytes. Consume whole frames; leave a partial one (and
  // say how much is missing with ExpectBytes).
  virtual void OnData(const ConnectionRef& conn) = 0;
  // The socket is closed (`why` says by whom). Input() may still be read
  // here; after it returns, the connection only fails Sends.
  virtual void OnClose(const ConnectionRef& conn, const Status& why) = 0;
  // The peer closed its side (EOF) and everything it sent went to OnData;
  // the connection closes once its queued output is written. Returns: true
  // while replies the peer is owed are still being produced (calls on other
  // threads): the close then waits until this returns false, asked again
  // after each write pass. A reply must be handed to Send before this stops
  // counting it, and a Send (empty will do) must follow that change.
  virtual bool RepliesPending(const ConnectionRef& /*conn*/) { return false; }
};

struct ListenOptions {
  // Connections open at once from this listener; 0 = unlimited. At the
  // limit, accepting pauses (the backlog holds new peers) and resumes when
  // a connection closes.
  size_t max_connections = 0;
  // listen(2) backlog.
  int backlog = 1024;
  // Close a connection that for this long had no input taken by its
  // handler (OnData consumed none: bytes trickling in without completing
  // a request do not count) and no output written; zero = the transport's
  // default (itself possibly none).
  Duration idle_timeout = Duration::zero();
};

// Called once per Dial, on a poller thread: the open connection (OnOpen has
// already run), or why there is none.
using DialCallback = std::function<void(Result<ConnectionRef>)>;

// Thread: all methods are thread-safe, except that Stop() must not run on a
// poller thread.
class TERN_EXPORT Transport {
 public:
  virtual ~Transport();

  // Binds and listens on `endpoint` (before or after Start; accepting begins
  // once started). Thread: any.
  // Returns: the bound endpoint (port 0 replaced by the port chosen), or
  // why binding failed (IO_ERROR naming the address), or FAILED_PRECONDITION
  // after Stop.
  virtual Result<Endpoint> Listen(const Endpoint& endpoint, const ListenOptions& options,
                                  ConnectionHandler* handler) = 0;

  // Connects to `endpoint` without blocking, failing after `timeout`.
  // Thread: any. The callback runs exactly once on a poller thread; it runs
  // inline only when the transport is not running (FAILED_PRECONDITION).
  virtual void Dial(const Endpoint& endpoint, Duration timeout, ConnectionHandler* handler,
                    DialCallback callback) = 0;

  // Starts the poller threads. Thread: any, once.
  // Returns: OK, or why the pollers could not be created.
  virtual Status Start() = 0;

  // Stops accepting, stops reading, flushes pending output for at most
  // `grace`, closes every connection (OnClose runs for each), and joins the
  // threads. Idempotent; the destructor calls it with zero grace.
  // Thread: any but a poller thread.
  virtual void Stop(Duration grace) = 0;

  // Returns: true when the caller runs on one of this transport's pollers.
  virtual bool OnPollerThread() const = 0;
};

}  // namespace tern
