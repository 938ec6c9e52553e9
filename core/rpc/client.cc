// The RPC client: Channel (endpoints, pools, seqid matching, deadlines,
// retries, middleware, metrics). See tern/rpc/client.h for the contract.
#include "tern/rpc/client.h"

#include <glog/logging.h>

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <mutex>
#include <queue>
#include <random>
#include <thread>
#include <unordered_map>

#include "core/rpc/internal.h"
#include "tern/config_view.h"

namespace tern::rpc {

Resolver::~Resolver() = default;
ClientCall::~ClientCall() = default;

Result<std::shared_ptr<StaticResolver>> StaticResolver::Parse(std::string_view list) {
  std::vector<WeightedEndpoint> out;
  size_t pos = 0;
  while (pos <= list.size()) {
    size_t comma = list.find(',', pos);
    if (comma == std::string_view::npos) comma = list.size();
    std::string_view item = list.substr(pos, comma - pos);
    while (!item.empty() && item.front() == ' ') item.remove_prefix(1);
    while (!item.empty() && item.back() == ' ') item.remove_suffix(1);
    pos = comma + 1;
    if (item.empty()) continue;
    WeightedEndpoint we;
    if (size_t eq = item.rfind('='); eq != std::string_view::npos) {
      Result<int64_t> w = ParseConfigInt(item.substr(eq + 1));
      if (!w.ok() || *w <= 0 || *w > 1000000) {
        return InvalidArgument("endpoint '" + std::string(item) +
                               "': the weight after '=' must be a positive integer");
      }
      we.weight = static_cast<uint32_t>(*w);
      item = item.substr(0, eq);
    }
    TERN_ASSIGN_OR_RETURN(we.endpoint, Endpoint::Parse(item));
    out.push_back(std::move(we));
  }
  if (out.empty()) return InvalidArgument("no endpoints given");
  return std::make_shared<StaticResolver>(std::move(out));
}

Result<ClientOptions> ClientOptions::FromConfig(const Runtime& rt) {
  ClientOptions o;
  TERN_ASSIGN_OR_RETURN(std::string endpoints, rt.GetString("client", "endpoints"));
  TERN_ASSIGN_OR_RETURN(o.resolver, StaticResolver::Parse(endpoints));
  TERN_ASSIGN_OR_RETURN(o.transport, rt.GetString("client", "transport"));
  TERN_ASSIGN_OR_RETURN(o.codec, rt.GetString("client", "codec"));
  TERN_ASSIGN_OR_RETURN(o.framing, rt.GetString("client", "framing"));
  TERN_ASSIGN_OR_RETURN(int64_t connect_ms, rt.GetInt("client", "connect_timeout_ms"));
  TERN_ASSIGN_OR_RETURN(int64_t timeout_ms, rt.GetInt("client", "timeout_ms"));
  TERN_ASSIGN_OR_RETURN(int64_t pool, rt.GetInt("client", "pool_size"));
  TERN_ASSIGN_OR_RETURN(int64_t retries, rt.GetInt("client", "retries"));
  TERN_ASSIGN_OR_RETURN(std::string lb, rt.GetString("client", "load_balancer"));
  TERN_ASSIGN_OR_RETURN(int64_t idle_ms, rt.GetInt("client", "idle_timeout_ms"));
  TERN_ASSIGN_OR_RETURN(int64_t max_pending, rt.GetInt("client", "max_pending"));
  if (idle_ms <= 0) return InvalidArgument("client.idle_timeout_ms: must be positive");
  if (max_pending <= 0) return InvalidArgument("client.max_pending: must be positive");
  o.idle_timeout = std::chrono::milliseconds(idle_ms);
  o.max_pending = static_cast<size_t>(max_pending);
  if (connect_ms <= 0) return InvalidArgument("client.connect_timeout_ms: must be positive");
  if (timeout_ms <= 0) return InvalidArgument("client.timeout_ms: must be positive");
  if (pool <= 0 || pool > 1024) return InvalidArgument("client.pool_size: must be 1..1024");
  if (retries < 0 || retries > 10) return InvalidArgument("client.retries: must be 0..10");
  o.connect_timeout = std::chrono::milliseconds(connect_ms);
  o.timeout = std::chrono::milliseconds(timeout_ms);
  o.pool_size = static_cast<int>(pool);
  o.retries = static_cast<int>(retries);
  o.load_balancer =
      lb == "weighted_random" ? LoadBalancer::kWeightedRandom : LoadBalancer::kRoundRobin;
  return o;
}

namespace {

int64_t Millis(Duration d) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(d).count();
}

CallError ToCallError(RpcErrorKind k) {
  switch (k) {
    case RpcErrorKind::kTimeout:
      return CallError::kTimeout;
    case RpcErrorKind::kUnavailable:
    case RpcErrorKind::kClosed:
      return CallError::kTransport;
    case RpcErrorKind::kProtocol:
    case RpcErrorKind::kInvalid:
      return CallError::kProtocol;
    case RpcErrorKind::kApplication:
      return CallError::kApplication;
    case RpcErrorKind::kOverloaded:
      return CallError::kOverload;
    case RpcErrorKind::kCancelled:
    case RpcErrorKind::kOnPoller:
      return CallError::kCancelled;
  }
  return CallError::kApplication;
}

// True when a declared exception (any result field but 0) came back.
bool HasDeclaredException(const TypeInfo* t, const void* obj) {
  for (uint32_t i = 0; i < t->num_fields; ++i) {
    const FieldInfo& f = t->fields[i];
    if (f.id != 0 && f.req == Requiredness::kOptional && FieldIsSet(f, obj)) return true;
  }
  return false;
}

class ClientConn;

// One call from Channel::Call until its ClientCall is told.
struct Pending {
  const MethodDesc* method = nullptr;
  ClientCall* call = nullptr;
  MethodMetrics* metrics = nullptr;
  Slice request;  // the whole encoded frame, re-sendable until sent
  CallContext ctx;
  int attempts = 0;
  std::string endpoint;  // where it went last
};

}  // namespace

struct Channel::Impl final : public ConnectionHandler {
  struct Pool {
    WeightedEndpoint ep;
    std::string name;
    std::vector<ClientConn*> conns;  // open, each with one reference held here
    int dialing = 0;
    std::vector<Pending*> waiting;  // for the first connection
  };
  struct TimerEntry {
    Clock::time_point when;
    ClientConn* conn;  // referenced
    int32_t seqid;
    bool operator>(const TimerEntry& o) const { return when > o.when; }
  };

  std::shared_ptr<Runtime> rt;
  ClientOptions options;
  Limits limits;
  std::unique_ptr<Transport> transport;
  std::unique_ptr<Codec> codec;
  std::vector<std::shared_ptr<Middleware>> middleware;

  std::mutex mu;  // pools, rr, rng, metrics cache
  std::vector<Pool> pools;
  uint64_t rr = 0;
  std::mt19937_64 rng{std::random_device{}()};
  std::unordered_map<const MethodDesc*, MethodMetrics*> metrics_cache;

  std::atomic<int32_t> next_seqid{1};
  std::atomic<size_t> pending_total{0};
  std::atomic<bool> closed{false};

  std::mutex timer_mu;
  std::condition_variable timer_cv;
  std::priority_queue<TimerEntry, std::vector<TimerEntry>, std::greater<TimerEntry>> timers;
  bool timer_stop = false;
  std::thread timer_thread;

  ~Impl() override;

  void OnOpen(const ConnectionRef& conn) override;
  void OnData(const ConnectionRef& conn) override;
  void OnClose(const ConnectionRef& conn, const Status& why) override;

  MethodMetrics* MetricsFor(const MethodDesc& m);
  void Dispatch(Pending* p);
  void SendOn(ClientConn* cc, Pending* p);
  void Retry(Pending* p, const std::string& reason);
  void Finish(Pending* p, const RpcError* failure);
  void Fail(Pending* p, RpcErrorKind kind, const std::string& what) {
    RpcError e(kind,
               std::string(p->ctx.service) + "." + std::string(p->ctx.method) +
                   (p->endpoint.empty() ? "" : " to " + p->endpoint) + ": " + what,
               p->endpoint);
    Finish(p, &e);
  }
  void DialDone(size_t pool_index, Result<ConnectionRef> r);
  void StartDial(size_t pool_index);
  void Arm(ClientConn* cc, int32_t seqid, Clock::time_point when);
  void TimerLoop();
  void EvictIdle();
  void Shutdown();
};

namespace {

class ClientConn {
 public:
  ClientConn(Channel::Impl* ch, ConnectionRef c, std::string name)
      : channel(ch), conn(std::move(c)), endpoint(std::move(name)) {}

  void Ref() { refs_.fetch_add(1, std::memory_order_relaxed); }
  void Unref() {
    if (refs_.fetch_sub(1, std::memory_order_acq_rel) == 1) delete this;
  }

  // Returns: false when the connection is closed (the call was not added).
  bool Add(int32_t seqid, Pending* p) {
    std::lock_guard<std::mutex> lock(mu_);
    if (closed_) return false;
    pending_.emplace(seqid, p);
    last_used_ = Clock::now();
    return true;
  }
  Pending* Take(int32_t seqid) {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = pending_.find(seqid);
    if (it == pending_.end()) return nullptr;
    Pending* p = it->second;
    pending_.erase(it);
    last_used_ = Clock::now();
    return p;
  }
  std::vector<Pending*> CloseAndTakeAll() {
    std::lock_guard<std::mutex> lock(mu_);
    closed_ = true;
    std::vector<Pending*> out;
    for (auto& [id, p] : pending_) out.push_back(p);
    pending_.clear();
    return out;
  }
  size_t load() {
    std::lock_guard<std::mutex> lock(mu_);
    return pending_.size();
  }
  bool IdleSince(Clock::time_point t) {
    std::lock_guard<std::mutex> lock(mu_);
    return pending_.empty() && last_used_ < t;
  }
  void Touch() {
    std::lock_guard<std::mutex> lock(mu_);
    last_used_ = Clock::now();
  }

  Channel::Impl* channel;
  ConnectionRef conn;
  std::string endpoint;
  FrameState frame_state;
  std::string close_reason;  // poller only

 private:
  std::atomic<int32_t> refs_{1};
  std::mutex mu_;
  bool closed_ = false;
  Clock::time_point last_used_ = Clock::now();
  std::unordered_map<int32_t, Pending*> pending_;
};

}  // namespace

Channel::Impl::~Impl() = default;

MethodMetrics* Channel::Impl::MetricsFor(const MethodDesc& m) {
  std::lock_guard<std::mutex> lock(mu);
  auto [it, fresh] = metrics_cache.emplace(&m, nullptr);
  if (fresh) it->second = rt->metrics().Method("client", m.service, m.name);
  return it->second;
}

void Channel::Impl::Finish(Pending* p, const RpcError* failure) {
  const uint64_t latency = static_cast<uint64_t>(
      std::chrono::duration_cast<std::chrono::nanoseconds>(Clock::now() - p->ctx.start).count());
  CallError err = CallError::kNone;
  if (failure != nullptr) {
    err = ToCallError(failure->kind());
  } else if (p->method->result != nullptr && p->call->result() != nullptr &&
             HasDeclaredException(p->method->result, p->call->result())) {
    err = CallError::kDeclared;
  }
  if (p->metrics != nullptr) p->metrics->Record(latency, err);
  if (!middleware.empty()) {
    CallOutcome outcome{err, failure != nullptr ? std::string_view(failure->what()) : "", latency};
    for (auto it = middleware.rbegin(); it != middleware.rend(); ++it) {
      (*it)->After(p->ctx, outcome);
    }
  }
  p->call->Done(failure);
  pending_total.fetch_sub(1, std::memory_order_relaxed);
  delete p;
}

void Channel::Impl::Dispatch(Pending* p) {
  if (closed.load(std::memory_order_acquire)) {
    Fail(p, RpcErrorKind::kCancelled, "the client is closed");
    return;
  }
  ClientConn* chosen = nullptr;
  size_t dial = SIZE_MAX;
  bool no_endpoint = false;
  {
    std::lock_guard<std::mutex> lock(mu);
    if (pools.empty()) {
      no_endpoint = true;
    } else {
      size_t pi = 0;
      if (options.load_balancer == LoadBalancer::kWeightedRandom && pools.size() > 1) {
        uint64_t total = 0;
        for (const auto& pool : pools) total += pool.ep.weight;
        uint64_t x = std::uniform_int_distribution<uint64_t>(0, total - 1)(rng);
        for (pi = 0; pi < pools.size(); ++pi) {
          if (x < pools[pi].ep.weight) break;
          x -= pools[pi].ep.weight;
        }
      } else {
        pi = static_cast<size_t>(rr++ % pools.size());
      }
      Pool& pool = pools[pi];
      p->endpoint = pool.name;
      size_t best_load = SIZE_MAX;
      for (ClientConn* cc : pool.conns) {
        const size_t l = cc->load();
        if (l < best_load) {
          best_load = l;
          chosen = cc;
        }
      }
      const bool room = static_cast<int>(pool.conns.size()) + pool.dialing < options.pool_size;
      if (chosen != nullptr) {
        chosen->Ref();
        if (best_load > 0 && room) {
          ++pool.dialing;
          dial = pi;
        }
      } else {
        // Waits for a connection of this pool; from here `p` belongs to
        // whoever completes the dial.
        pool.waiting.push_back(p);
        if (room) {
          ++pool.dialing;
          dial = pi;
        }
      }
    }
  }
  if (no_endpoint) {
    Fail(p, RpcErrorKind::kUnavailable, "no endpoint to call");
    return;
  }
  if (chosen != nullptr) {
    if (dial != SIZE_MAX) StartDial(dial);
    SendOn(chosen, p);
    chosen->Unref();
    return;
  }
  if (dial != SIZE_MAX) StartDial(dial);
}

void Channel::Impl::StartDial(size_t pool_index) {
  Endpoint ep;
  {
    std::lock_guard<std::mutex> lock(mu);
    ep = pools[pool_index].ep.endpoint;
  }
  transport->Dial(ep, options.connect_timeout, this, [this, pool_index](Result<ConnectionRef> r) {
    DialDone(pool_index, std::move(r));
  });
}

void Channel::Impl::DialDone(size_t pool_index, Result<ConnectionRef> r) {
  std::vector<Pending*> waiting;
  ClientConn* cc = nullptr;
  std::string name;
  {
    std::lock_guard<std::mutex> lock(mu);
    Pool& pool = pools[pool_index];
    --pool.dialing;
    name = pool.name;
    if (r.ok()) {
      cc = static_cast<ClientConn*>((*r)->context());
      if (cc != nullptr) {
        cc->Ref();  // the pool's reference
        pool.conns.push_back(cc);
      }
    }
    // Calls wait for the first connection only; later dials just add room.
    if (cc != nullptr || pool.dialing == 0) waiting.swap(pool.waiting);
  }
  if (cc == nullptr) {
    const std::string why =
        r.ok() ? std::string("the connection closed at once") : std::string(r.status().message());
    for (Pending* p : waiting) Retry(p, "cannot connect: " + why);
    return;
  }
  for (Pending* p : waiting) {
    p->endpoint = name;
    SendOn(cc, p);
  }
}

void Channel::Impl::Retry(Pending* p, const std::string& reason) {
  if (p->attempts < options.retries && !closed.load(std::memory_order_acquire)) {
    ++p->attempts;
    VLOG(1) << "tern client: retrying " << p->ctx.method << " (" << reason << ")";
    Dispatch(p);
    return;
  }
  Fail(p, closed.load() ? RpcErrorKind::kCancelled : RpcErrorKind::kUnavailable, reason);
}

void Channel::Impl::SendOn(ClientConn* cc, Pending* p) {
  const bool oneway = p->method->oneway;
  const int32_t seqid = p->ctx.seqid;
  // Everything needed from `p` is taken before it is registered: from then
  // on the poller may finish it (a reply, or the connection closing) and
  // delete it.
  LinkBuffer out;
  out.Append(p->request);
  if (!oneway) {
    const Clock::time_point deadline = p->ctx.deadline;
    if (Clock::now() >= deadline) {
      Fail(p, RpcErrorKind::kTimeout,
           "timed out after " + std::to_string(Millis(deadline - p->ctx.start)) +
               " ms (waiting for a connection)");
      return;
    }
    if (!cc->Add(seqid, p)) {  // not registered: still ours
      Retry(p, "the connection closed before the request was sent");
      return;
    }
    Arm(cc, seqid, deadline);
  }
  Status st = cc->conn->Send(std::move(out));
  if (!st.ok()) {
    // Never handed to the socket: safe to try elsewhere.
    if (oneway) {
      Retry(p, "the connection closed before the request was sent");
    } else if (Pending* again = cc->Take(seqid)) {
      Retry(again, "the connection closed before the request was sent");
    }
    return;
  }
  if (oneway) {
    cc->Touch();
    Finish(p, nullptr);
  }
  // Else `p` may already be finished by the reply on the poller: not ours.
}

void Channel::Impl::Arm(ClientConn* cc, int32_t seqid, Clock::time_point when) {
  cc->Ref();
  bool wake = false;
  {
    std::lock_guard<std::mutex> lock(timer_mu);
    wake = timers.empty() || when < timers.top().when;
    timers.push({when, cc, seqid});
  }
  if (wake) timer_cv.notify_one();
}

void Channel::Impl::TimerLoop() {
  auto next_sweep = Clock::now() + std::chrono::seconds(1);
  std::unique_lock<std::mutex> lock(timer_mu);
  while (!timer_stop) {
    const auto now = Clock::now();
    if (now >= next_sweep) {
      lock.unlock();
      EvictIdle();
      lock.lock();
      next_sweep = now + std::chrono::seconds(1);
      continue;
    }
    if (!timers.empty() && timers.top().when <= now) {
      TimerEntry e = timers.top();
      timers.pop();
      lock.unlock();
      if (Pending* p = e.conn->Take(e.seqid)) {
        Fail(p, RpcErrorKind::kTimeout,
             "timed out after " + std::to_string(Millis(p->ctx.deadline - p->ctx.start)) + " ms");
      }
      e.conn->Unref();
      lock.lock();
      continue;
    }
    const auto until = timers.empty() ? next_sweep : std::min(next_sweep, timers.top().when);
    timer_cv.wait_until(lock, until);
  }
  while (!timers.empty()) {
    TimerEntry e = timers.top();
    timers.pop();
    e.conn->Unref();
  }
}

void Channel::Impl::EvictIdle() {
  const auto cutoff = Clock::now() - options.idle_timeout;
  std::vector<ClientConn*> idle;
  {
    std::lock_guard<std::mutex> lock(mu);
    for (Pool& pool : pools) {
      for (ClientConn* cc : pool.conns) {
        if (cc->IdleSince(cutoff)) {
          cc->Ref();
          idle.push_back(cc);
        }
      }
    }
  }
  for (ClientConn* cc : idle) {
    VLOG(1) << "tern client: closing idle connection to " << cc->endpoint;
    cc->close_reason.clear();
    cc->conn->Close();
    cc->Unref();
  }
}

void Channel::Impl::OnOpen(const ConnectionRef& conn) {
  conn->set_context(new ClientConn(this, conn, conn->peer().ToString()));
}

void Channel::Impl::OnData(const ConnectionRef& conn) {
  auto* cc = static_cast<ClientConn*>(conn->context());
  if (cc == nullptr) return;
  internal::PollerScope poller;
  LinkBuffer& in = conn->Input();
  while (in.Len() > 0) {
    FrameResult fr = codec->Frame(in, cc->frame_state, limits);
    if (fr.what == FrameResult::kNeedMore) {
      if (fr.size > in.Len()) conn->ExpectBytes(fr.size);
      break;
    }
    if (fr.what == FrameResult::kError) {
      cc->close_reason = "protocol error: " + std::string(fr.error.message());
      conn->Close();
      break;
    }
    cc->frame_state.Reset();
    Result<const uint8_t*> bytes = in.Next(fr.size);
    if (!bytes.ok()) {
      conn->Close();
      break;
    }
    FrameView frame{*bytes, fr.size, 0, Slice()};
    Result<MessageHeader> h = codec->DecodeHeader(frame, limits);
    if (!h.ok()) {
      cc->close_reason = "protocol error: " + std::string(h.status().message());
      conn->Close();
      break;
    }
    Pending* p = cc->Take(h->seqid);
    if (p == nullptr) {
      VLOG(1) << "tern client: a reply for seqid " << h->seqid << " nobody waits for (late?)";
      continue;
    }
    if (h->name != p->ctx.method) {
      Fail(p, RpcErrorKind::kProtocol,
           "protocol error: the reply names method '" + std::string(h->name) + "'");
      continue;
    }
    if (h->type == MessageType::kReply) {
      ReadContext rc{limits, 0};
      Status st = codec->DecodeBody(frame, *p->method->result, p->call->result(), rc);
      if (st.ok()) {
        Finish(p, nullptr);
      } else {
        Fail(p, RpcErrorKind::kProtocol, "protocol error: " + std::string(st.message()));
      }
    } else if (h->type == MessageType::kException) {
      Result<AppException> ex = codec->DecodeException(frame, limits);
      if (!ex.ok()) {
        Fail(p, RpcErrorKind::kProtocol, "protocol error: " + std::string(ex.status().message()));
      } else {
        RpcError e(RpcErrorKind::kApplication,
                   std::string(p->ctx.service) + "." + std::string(p->ctx.method) + " to " +
                       p->endpoint + ": server exception (type " + std::to_string(ex->type) +
                       "): " + ex->message,
                   p->endpoint, ex->type);
        Finish(p, &e);
      }
    } else {
      Fail(p, RpcErrorKind::kProtocol,
           "protocol error: unexpected message type " + std::to_string(static_cast<int>(h->type)));
    }
  }
  in.Release();
}

void Channel::Impl::OnClose(const ConnectionRef& conn, const Status& why) {
  auto* cc = static_cast<ClientConn*>(conn->context());
  if (cc == nullptr) return;
  conn->set_context(nullptr);
  {
    std::lock_guard<std::mutex> lock(mu);
    for (Pool& pool : pools) {
      auto it = std::find(pool.conns.begin(), pool.conns.end(), cc);
      if (it != pool.conns.end()) {
        pool.conns.erase(it);
        cc->Unref();  // the pool's
        break;
      }
    }
  }
  const bool cancelled = closed.load(std::memory_order_acquire);
  std::string reason = !cc->close_reason.empty() ? cc->close_reason : std::string(why.message());
  for (Pending* p : cc->CloseAndTakeAll()) {
    if (cancelled) {
      Fail(p, RpcErrorKind::kCancelled, "the client closed with the call pending");
    } else {
      Fail(p, RpcErrorKind::kClosed, "connection closed mid-call (" + reason + ")");
    }
  }
  cc->Unref();  // the connection's
}

void Channel::Impl::Shutdown() {
  if (closed.exchange(true)) return;
  transport->Stop(std::chrono::milliseconds(0));
  {
    std::lock_guard<std::mutex> lock(timer_mu);
    timer_stop = true;
  }
  timer_cv.notify_all();
  if (timer_thread.joinable()) timer_thread.join();
  std::vector<Pending*> waiting;
  {
    std::lock_guard<std::mutex> lock(mu);
    for (Pool& pool : pools) {
      waiting.insert(waiting.end(), pool.waiting.begin(), pool.waiting.end());
      pool.waiting.clear();
      for (ClientConn* cc : pool.conns) cc->Unref();
      pool.conns.clear();
    }
  }
  for (Pending* p : waiting) Fail(p, RpcErrorKind::kCancelled, "the client closed");
}

// ---- Channel -------------------------------------------------------------------

Channel::Channel(std::shared_ptr<Impl> impl) : impl_(std::move(impl)) {}

Channel::~Channel() { impl_->Shutdown(); }

Result<std::shared_ptr<Channel>> Channel::Create(std::shared_ptr<Runtime> rt) {
  TERN_ASSIGN_OR_RETURN(ClientOptions o, ClientOptions::FromConfig(*rt));
  return Create(std::move(rt), std::move(o));
}

Result<std::shared_ptr<Channel>> Channel::Create(std::shared_ptr<Runtime> rt,
                                                 ClientOptions options) {
  if (options.resolver == nullptr) return InvalidArgument("ClientOptions.resolver is required");
  if (options.pool_size <= 0) return InvalidArgument("ClientOptions.pool_size must be positive");
  auto impl = std::make_shared<Impl>();
  TERN_ASSIGN_OR_RETURN(auto eps, options.resolver->Resolve());
  if (eps.empty()) return InvalidArgument("the resolver gave no endpoints");
  for (auto& e : eps) {
    Impl::Pool pool;
    pool.name = e.endpoint.ToString();
    pool.ep = std::move(e);
    impl->pools.push_back(std::move(pool));
  }
  TERN_ASSIGN_OR_RETURN(impl->transport, rt->NewTransport(options.transport));
  TERN_ASSIGN_OR_RETURN(impl->codec, rt->NewCodec(options.codec, options.framing));
  impl->limits = rt->limits();
  impl->options = std::move(options);
  impl->rt = std::move(rt);
  TERN_RETURN_IF_ERROR(impl->transport->Start());
  Impl* raw = impl.get();
  impl->timer_thread = std::thread([raw] { raw->TimerLoop(); });
  return std::shared_ptr<Channel>(new Channel(std::move(impl)));
}

void Channel::Use(std::shared_ptr<Middleware> middleware) {
  impl_->middleware.push_back(std::move(middleware));
}

void Channel::Call(const MethodDesc& method, const void* args, ClientCall* call,
                   const CallOptions& options) {
  Impl& ch = *impl_;
  auto* p = new Pending;
  p->method = &method;
  p->call = call;
  p->metrics = ch.MetricsFor(method);
  CallContext& ctx = p->ctx;
  ctx.service = method.service;
  ctx.method = method.name;
  ctx.oneway = method.oneway;
  ctx.start = Clock::now();
  const Duration timeout =
      options.timeout > Duration::zero() ? options.timeout : ch.options.timeout;
  ctx.deadline = ctx.start + timeout;
  ctx.metadata = options.metadata;
  int32_t seqid = ch.next_seqid.fetch_add(1, std::memory_order_relaxed);
  if (seqid <= 0) {  // wrapped: restart at 1 (0 and negatives are legal, but kept readable)
    ch.next_seqid.store(2, std::memory_order_relaxed);
    seqid = 1;
  }
  ctx.seqid = seqid;
  ch.pending_total.fetch_add(1, std::memory_order_relaxed);
  if (ch.closed.load(std::memory_order_acquire)) {
    ch.Fail(p, RpcErrorKind::kCancelled, "the client is closed");
    return;
  }
  if (ch.pending_total.load(std::memory_order_relaxed) > ch.options.max_pending) {
    ch.Fail(p, RpcErrorKind::kOverloaded,
            "too many calls pending (" + std::to_string(ch.options.max_pending) + ")");
    return;
  }
  for (const auto& mw : ch.middleware) {
    if (Status st = mw->Before(ctx); !st.ok()) {
      ch.Fail(p, RpcErrorKind::kInvalid, "rejected by middleware: " + std::string(st.message()));
      return;
    }
  }
  LinkBuffer buf;
  MessageHeader h{method.name, method.oneway ? MessageType::kOneway : MessageType::kCall, seqid};
  if (Status st = ch.codec->Encode(h, BodyRef{method.args, args, nullptr}, buf); !st.ok()) {
    ch.Fail(p, RpcErrorKind::kInvalid, "cannot encode the request: " + std::string(st.message()));
    return;
  }
  buf.Flush();
  Result<Slice> bytes = buf.ReadSlice(buf.Len());
  if (!bytes.ok()) {
    ch.Fail(p, RpcErrorKind::kInvalid, std::string(bytes.status().message()));
    return;
  }
  p->request = std::move(*bytes);
  ch.Dispatch(p);
}

bool Channel::MustNotBlock() const {
  return internal::OnRpcPoller() || impl_->transport->OnPollerThread();
}

Status Channel::Refresh() {
  // The static resolver never changes; a changing one needs pools rebuilt
  // without dropping calls in flight — the job of the discovery issue.
  TERN_ASSIGN_OR_RETURN(auto eps, impl_->options.resolver->Resolve());
  std::lock_guard<std::mutex> lock(impl_->mu);
  for (auto& e : eps) {
    const std::string name = e.endpoint.ToString();
    bool known = false;
    for (auto& pool : impl_->pools) known = known || pool.name == name;
    if (!known) {
      Impl::Pool pool;
      pool.name = name;
      pool.ep = std::move(e);
      impl_->pools.push_back(std::move(pool));
    }
  }
  return Status::OK();
}

void Channel::Close() { impl_->Shutdown(); }

const ClientOptions& Channel::options() const { return impl_->options; }
Runtime& Channel::runtime() const { return *impl_->rt; }

namespace detail {

void CheckMayBlock(const Channel& channel, std::string_view service, std::string_view method) {
  if (channel.MustNotBlock()) {
    const std::string name = std::string(service) + "." + std::string(method);
    throw RpcError(RpcErrorKind::kOnPoller,
                   name + ": a synchronous call on a poller thread would block it; use " +
                       std::string(method) +
                       "_async, or run handlers on workers ([server] workers)");
  }
}

std::exception_ptr MissingResult(std::string_view service, std::string_view method) {
  return std::make_exception_ptr(
      RpcError(RpcErrorKind::kApplication,
               std::string(service) + "." + std::string(method) +
                   ": the reply carries no result and no declared exception (MISSING_RESULT)",
               "", AppException::kMissingResult));
}

}  // namespace detail
}  // namespace tern::rpc
