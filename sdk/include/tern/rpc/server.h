// Server: serves generated Thrift services over a transport and a codec
// chosen by config.
//
//   auto rt = tern::rpc::Runtime::Load("echo.ini");
//   auto server = tern::rpc::Server::Create(*rt);          // [server] keys
//   (*server)->Serve(std::make_shared<MyEchoHandler>());  // a generated handler
//   auto bound = (*server)->Start();                      // listens
//   ...
//   (*server)->Stop();                                    // drains, then closes
//
// A request goes: poller wakes → the codec frames and decodes the envelope
// → the method is found by name (an unknown one is answered with
// TApplicationException UNKNOWN_METHOD) → args decoded into a fresh struct
// → middleware Before → the handler, on the poller thread (workers = 0) or
// on one of `workers` threads (a bounded queue; full = answered with an
// overload TApplicationException) → the reply encoded and sent. Replies on
// one connection leave in request order even when handlers finish out of
// order (Apache clients that pipeline rely on it). A handler that finishes
// after its client left does no harm: the reply is dropped.
//
// Overload: `max_connections` pauses accepting; `max_inflight` calls at once
// per server, beyond which a call is answered at once with
// TApplicationException INTERNAL_ERROR "server overloaded" (Thrift has no
// load-shedding type) and the connection stays usable.
//
// A peer that pipelines requests and does not read the replies: a
// connection has at most `max_pending_per_connection` calls being served
// and stops being served while its unsent output is above the transport's
// high-water mark; its further requests wait in its input (TCP flow
// control then stops the peer) and are served, in order, as it reads. A
// peer that half-closes after its requests still gets every reply.
//
// Bad input: a frame the codec rejects (bad length, over max_frame) closes
// that connection; a well-framed message with a bad envelope or args is
// answered with TApplicationException (PROTOCOL_ERROR, INVALID_MESSAGE_TYPE)
// when its seqid is known, else the connection is closed. Other
// connections never notice.
//
// Shutdown: Stop(grace) stops taking new calls (they are answered with a
// TApplicationException), waits up to `grace` for calls in flight, then
// flushes and closes every connection.
//
// Thread: Serve/Use before Start; Start/Stop from any thread but a poller
// of this server; accessors are thread-safe.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "tern/export.h"
#include "tern/rpc/context.h"
#include "tern/rpc/metrics.h"
#include "tern/rpc/runtime.h"
#include "tern/rpc/service.h"
#include "tern/status.h"
#include "tern/transport.h"

namespace tern::rpc {

struct TERN_EXPORT ServerOptions {
  std::string address = "127.0.0.1:9090";
  std::string transport = "netpoll";
  std::string codec = "thrift_fast";
  // "framed", "buffered", or "auto": each connection is served in the
  // framing its first message has (Framed, or unframed strict Binary /
  // Compact), so clients of either kind can use one port.
  std::string framing = "framed";
  int workers = 0;          // 0: handlers run on the pollers
  size_t worker_queue = 0;  // 0: 1024 per worker
  size_t max_connections = 10000;
  size_t max_inflight = 10000;
  size_t max_pending_per_connection = 128;
  // A connection with no whole request read and nothing written for this
  // long is closed (a peer that trickles bytes without completing a request
  // too); zero = never.
  Duration idle_timeout = std::chrono::minutes(10);
  Duration shutdown_grace = std::chrono::seconds(5);
  // Services generated with --alloc=pmr: each call decodes its args, and
  // builds its result, on an arena of its own (a monotonic_buffer_resource
  // whose first arena_bytes live in the call's allocation; more come from
  // new in growing blocks), freed at once when the reply has left. Handlers
  // get the args by const reference, valid until they reply. 0: no arena
  // (args on the default resource).
  size_t arena_bytes = 4096;

  // The [server] section of the runtime's config.
  static Result<ServerOptions> FromConfig(const Runtime& rt);
};

struct ServerStats {
  int64_t connections = 0;  // open now
  int64_t inflight = 0;     // calls being handled now
  uint64_t calls = 0;       // completed, all methods
  uint64_t rejected = 0;    // answered with an overload exception
  uint64_t bad_frames = 0;  // connections closed for malformed input
};

class TERN_EXPORT Server {
 public:
  // With ServerOptions::FromConfig(*rt).
  static Result<std::unique_ptr<Server>> Create(std::shared_ptr<Runtime> rt);
  static Result<std::unique_ptr<Server>> Create(std::shared_ptr<Runtime> rt, ServerOptions options);
  ~Server();  // Stop(0)
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  // Registers a generated service's handler (and, through `extends`, its
  // bases'). H is the user's class, derived from a generated
  // <Service>Handler or <Service>AsyncHandler, or <Service>ViewHandler
  // (handlers over copy-free views: needs a codec that decodes views,
  // decodes_views(); FAILED_PRECONDITION otherwise).
  template <class H>
  Status Serve(std::shared_ptr<H> handler) {
    return H::TernRegister(*this, std::move(handler));
  }
  // What generated TernRegister calls: the methods of one descriptor
  // (not its base's) bound to `handler`; `owner` keeps it alive. A method
  // name served twice is ALREADY_EXISTS.
  Status AddService(const ServiceDescriptor& service, void* handler, std::shared_ptr<void> owner);

  void Use(std::shared_ptr<Middleware> middleware);

  // Listens on options.address and starts the pollers (and workers).
  // Returns: the bound endpoint (port 0 resolved).
  Result<Endpoint> Start();
  // Graceful stop with options.shutdown_grace; idempotent.
  void Stop();
  void Stop(Duration grace);

  const ServerOptions& options() const;
  // Whether the server's codec hands out copy-free views (kCapDecodesViews),
  // so <Service>ViewHandler handlers can be served.
  bool decodes_views() const;
  Endpoint endpoint() const;
  ServerStats stats() const;
  Runtime& runtime() const;

  struct Impl;  // internal

 private:
  explicit Server(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace tern::rpc
