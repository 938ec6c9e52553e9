// Channel: the client side of Tern's RPC runtime — what generated client
// stubs call through.
//
//   auto rt = tern::rpc::Runtime::Load("client.ini");        // [client] keys
//   auto ch = tern::rpc::Channel::Create(*rt);
//   EchoServerClient client(*ch);                             // generated stub
//   Response r = client.echo(req);                            // sync: throws
//   client.echo_async(req).Then(...);                         // async
//
// Endpoints come from a Resolver (a static list for now: `[client]
// endpoints = host:port[=weight],...`), chosen per call by round-robin or
// weighted-random load balancing. Per endpoint a pool of up to `pool_size`
// connections, dialed on demand, each carrying several calls at once,
// matched to replies by seqid; connections idle for `idle_timeout` are
// closed. Each call has a deadline (`timeout_ms`, or CallOptions::timeout);
// a connect has `connect_timeout_ms`.
//
// Retries happen only where they are safe — the request was never handed
// to a connection (the dial failed, or the connection closed before the
// send) — at most `retries` times, on the next endpoint the balancer picks.
// A call that was sent is never repeated.
//
// Errors (RpcError) name the method and endpoint and say what happened:
// "connection refused", "timed out after 1000 ms", "connection closed
// mid-call", "protocol error: ...", or the server's TApplicationException.
// A synchronous call made on a poller thread (Tern's own, or inside a
// handler running on one) fails at once with kOnPoller: it would stall the
// poller that must deliver its reply.
//
// Thread: every method is thread-safe. Destroying the last reference closes
// the connections; calls still pending fail with kCancelled.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "tern/export.h"
#include "tern/rpc/context.h"
#include "tern/rpc/error.h"
#include "tern/rpc/future.h"
#include "tern/rpc/runtime.h"
#include "tern/status.h"
#include "tern/transport.h"
#include "tern/type_info.h"

namespace tern::rpc {

struct WeightedEndpoint {
  Endpoint endpoint;
  uint32_t weight = 1;
};

// Where a client's calls may go. Implementations may change their answer
// over time (service discovery); the Channel asks again on Refresh().
class TERN_EXPORT Resolver {
 public:
  virtual ~Resolver();
  virtual Result<std::vector<WeightedEndpoint>> Resolve() = 0;
};

// A fixed list: "127.0.0.1:9090,127.0.0.1:9091=3,unix:/run/s.sock".
class TERN_EXPORT StaticResolver : public Resolver {
 public:
  explicit StaticResolver(std::vector<WeightedEndpoint> endpoints)
      : endpoints_(std::move(endpoints)) {}
  static Result<std::shared_ptr<StaticResolver>> Parse(std::string_view list);
  Result<std::vector<WeightedEndpoint>> Resolve() override { return endpoints_; }

 private:
  std::vector<WeightedEndpoint> endpoints_;
};

enum class LoadBalancer : uint8_t { kRoundRobin, kWeightedRandom };

struct TERN_EXPORT ClientOptions {
  std::shared_ptr<Resolver> resolver;  // required
  std::string transport = "netpoll";
  std::string codec = "thrift_fast";
  std::string framing = "framed";
  Duration connect_timeout = std::chrono::seconds(1);
  Duration timeout = std::chrono::seconds(1);
  Duration idle_timeout = std::chrono::seconds(60);
  int pool_size = 4;
  int retries = 1;
  size_t max_pending = 100000;  // calls waiting for replies, all connections
  LoadBalancer load_balancer = LoadBalancer::kRoundRobin;

  // The [client] section of the runtime's config.
  static Result<ClientOptions> FromConfig(const Runtime& rt);
};

struct CallOptions {
  Duration timeout = Duration::zero();  // zero: the channel's
  std::vector<std::pair<std::string, std::string>> metadata;
};

// One method as generated code describes it to the channel.
struct MethodDesc {
  std::string_view service;
  std::string_view name;
  const TypeInfo* args;
  const TypeInfo* result;  // null for oneway
  bool oneway;
};

// One outstanding call, owned by whoever issued it until Done.
class TERN_EXPORT ClientCall {
 public:
  virtual ~ClientCall();
  // The result struct to decode the reply into (null for oneway).
  virtual void* result() = 0;
  // Exactly once, on any thread: `failure` null means the reply was decoded
  // into result() (oneway: the request was handed to the connection).
  virtual void Done(const RpcError* failure) = 0;
};

class TERN_EXPORT Channel {
 public:
  static Result<std::shared_ptr<Channel>> Create(std::shared_ptr<Runtime> rt);
  static Result<std::shared_ptr<Channel>> Create(std::shared_ptr<Runtime> rt,
                                                 ClientOptions options);
  ~Channel();
  Channel(const Channel&) = delete;
  Channel& operator=(const Channel&) = delete;

  void Use(std::shared_ptr<Middleware> middleware);

  // Encodes `args` now (the caller may free it on return) and sends it;
  // `call` learns the outcome. Never throws.
  void Call(const MethodDesc& method, const void* args, ClientCall* call,
            const CallOptions& options);

  // True where a synchronous call must not wait (see the header).
  bool MustNotBlock() const;
  // Asks the resolver again.
  Status Refresh();
  // Fails pending calls (kCancelled) and closes every connection.
  void Close();

  const ClientOptions& options() const;
  Runtime& runtime() const;

  struct Impl;

 private:
  explicit Channel(std::shared_ptr<Impl> impl);
  std::shared_ptr<Impl> impl_;
};

namespace detail {

// The ClientCall of a generated stub: the result struct R and the future
// of T; `extract` turns a decoded R into the value or exception.
template <class R, class T>
class StubCall final : public ClientCall {
 public:
  using Extract = void (*)(R& result, FutureState<T>& out);
  explicit StubCall(Extract extract)
      : extract_(extract), state_(std::make_shared<FutureState<T>>()) {}
  void* result() override { return &result_; }
  void Done(const RpcError* failure) override {
    if (failure != nullptr) {
      state_->SetError(std::make_exception_ptr(*failure));
    } else {
      extract_(result_, *state_);
    }
    delete this;
  }
  Future<T> future() const { return Future<T>(state_); }

 private:
  R result_;
  Extract extract_;
  std::shared_ptr<FutureState<T>> state_;
};

// Oneway: completes once the request is handed to a connection.
class OnewayCall final : public ClientCall {
 public:
  OnewayCall() : state_(std::make_shared<FutureState<void>>()) {}
  void* result() override { return nullptr; }
  void Done(const RpcError* failure) override {
    if (failure != nullptr) {
      state_->SetError(std::make_exception_ptr(*failure));
    } else {
      state_->SetValue({});
    }
    delete this;
  }
  Future<void> future() const { return Future<void>(state_); }

 private:
  std::shared_ptr<FutureState<void>> state_;
};

// Throws RpcError kOnPoller when a synchronous call must not wait here.
TERN_EXPORT void CheckMayBlock(const Channel& channel, std::string_view service,
                               std::string_view method);
// The error a reply without any result field becomes.
TERN_EXPORT std::exception_ptr MissingResult(std::string_view service, std::string_view method);

}  // namespace detail

}  // namespace tern::rpc
