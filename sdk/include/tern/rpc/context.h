// CallContext and Middleware: what every call carries through the runtime,
// and the hooks that run before and after it, on both sides.
//
// A CallContext lives as long as its call: on the server from the decoded
// request until the reply is encoded (a handler reaches it through its
// Reply), on the client from the stub's call until the caller is told the
// outcome. `method` and `service` point at static strings of the generated
// code; `peer` at the connection's endpoint (valid for the call's life).
// Metadata is key/value text, in-process for now: with Framed/Buffered
// Thrift there is nowhere to put it on the wire; THeader will carry it.
//
// Middleware runs in the order added: every Before in order, the call, then
// every After in reverse order. A Before that returns an error ends the call
// there: the server answers a TApplicationException (type UNKNOWN, with the
// message) and the client fails the call with RpcError kInvalid. After sees
// every call that passed the first Before, whatever its outcome.
//
// Thread: Before runs on the thread that starts the call (the server's
// poller, or the client's caller); After on the thread that completes it
// (a poller, a worker, the timer thread). Middleware objects are shared by
// all calls and must be thread-safe.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "tern/export.h"
#include "tern/rpc/metrics.h"
#include "tern/status.h"
#include "tern/transport.h"

namespace tern::rpc {

using Clock = std::chrono::steady_clock;

struct CallContext {
  std::string_view service;  // the IDL service that declares the method
  std::string_view method;   // the wire method name
  int32_t seqid = 0;
  bool oneway = false;
  bool server_side = false;
  Clock::time_point start{};
  // Clock::time_point::max(): none (a server learns no deadline from
  // Framed/Buffered Thrift).
  Clock::time_point deadline = Clock::time_point::max();
  const Endpoint* peer = nullptr;  // the other side; null before one is chosen
  std::vector<std::pair<std::string, std::string>> metadata;

  // The value of `key`, or empty.
  std::string_view Meta(std::string_view key) const {
    for (const auto& [k, v] : metadata) {
      if (k == key) return v;
    }
    return {};
  }
};

// How a call ended, for After and for metrics.
struct CallOutcome {
  CallError error = CallError::kNone;
  std::string_view message;  // empty when error == kNone
  uint64_t latency_ns = 0;
};

class TERN_EXPORT Middleware {
 public:
  virtual ~Middleware();
  // Returns: OK to go on; an error to end the call (see the header).
  virtual Status Before(CallContext& ctx);
  virtual void After(const CallContext& ctx, const CallOutcome& outcome);
};

}  // namespace tern::rpc
