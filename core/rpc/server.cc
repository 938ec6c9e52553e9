// The RPC server: dispatch of framed messages to generated handlers, replies
// in request order per connection, workers, overload and shutdown.
// See tern/rpc/server.h for the contract.
#include "tern/rpc/server.h"

#include <glog/logging.h>

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <cstring>
#include <deque>
#include <map>
#include <memory_resource>
#include <mutex>
#include <new>
#include <thread>
#include <unordered_map>

#include "core/rpc/internal.h"
#include "tern/plugin.h"
#include "tern/thrift/builder.h"
#include "tern/thrift/view.h"

namespace tern::rpc {

namespace {

struct MethodSlot {
  const MethodEntry* entry = nullptr;
  void* handler = nullptr;
  bool view = false;  // the handler reads copy-free views (entry->invoke_view)
  MethodMetrics* metrics = nullptr;
  std::string_view service;
};

class ServerConn;

}  // namespace

class ServerCallImpl;

namespace {

// A bounded pool of handler threads.
class WorkerPool {
 public:
  WorkerPool(int threads, size_t capacity) : capacity_(capacity) {
    for (int i = 0; i < threads; ++i) threads_.emplace_back([this] { Loop(); });
  }
  ~WorkerPool() { Stop(); }
  // Returns: false when the queue is full or the pool stopped.
  bool Submit(ServerCallImpl* call) {
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (stopping_ || queue_.size() >= capacity_) return false;
      queue_.push_back(call);
    }
    cv_.notify_one();
    return true;
  }
  // Runs what is queued, then joins.
  void Stop() {
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (stopping_ && threads_.empty()) return;
      stopping_ = true;
    }
    cv_.notify_all();
    for (auto& t : threads_) t.join();
    threads_.clear();
  }

 private:
  void Loop();
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<ServerCallImpl*> queue_;
  size_t capacity_;
  bool stopping_ = false;
  std::vector<std::thread> threads_;
};

}  // namespace

struct Server::Impl final : public ConnectionHandler {
  std::shared_ptr<Runtime> rt;
  ServerOptions options;
  Limits limits;
  std::unique_ptr<Transport> transport;
  std::unique_ptr<Codec> codec;
  // framing = auto: the same codec, Buffered (`codec` is the Framed one).
  // Each connection uses the one its first message matches.
  std::unique_ptr<Codec> buffered_codec;
  // Some method reads views: frames are taken as Slices (kept alive by the
  // call) rather than borrowed from the input buffer.
  bool view_methods = false;
  std::unordered_map<std::string_view, MethodSlot> methods;
  std::vector<std::shared_ptr<void>> owners;
  std::vector<std::shared_ptr<Middleware>> middleware;
  std::unique_ptr<WorkerPool> workers;
  Endpoint bound;
  bool started = false;
  bool stopped = false;
  std::mutex stop_mu;

  std::atomic<bool> draining{false};
  std::atomic<int64_t> inflight{0};
  std::atomic<int64_t> connections{0};
  std::atomic<uint64_t> calls{0};
  std::atomic<uint64_t> rejected{0};
  std::atomic<uint64_t> bad_frames{0};
  Gauge* connections_gauge = nullptr;
  Gauge* inflight_gauge = nullptr;

  void OnOpen(const ConnectionRef& conn) override;
  void OnData(const ConnectionRef& conn) override;
  void OnClose(const ConnectionRef& conn, const Status& why) override;
  bool RepliesPending(const ConnectionRef& conn) override;

  void HandleFrame(ServerConn* sc, const ConnectionRef& conn, FrameView& frame);
  // [poller] Drops the rest of the input; closes once owed replies are out.
  void CloseAfterReplies(ServerConn* sc, LinkBuffer& in);
  // framing = auto: chooses the connection's codec from its first bytes.
  // False while too few have arrived to tell.
  bool DetectFraming(ServerConn* sc, LinkBuffer& in);
  void Answer(ServerConn* sc, uint64_t index, const MessageHeader& h, const AppException& ex);
  // The last thing a finished call does to the server: once `inflight`
  // reads 0 nothing touches this object any more (Stop polls it; the
  // destructor relies on it).
  void CallDone() {
    if (inflight_gauge != nullptr) inflight_gauge->Add(-1);
    inflight.fetch_sub(1, std::memory_order_acq_rel);
  }
};

namespace {

// Per-connection state: framing, and the order replies must leave in.
// Reference-counted: the connection holds one reference while open, each
// call in flight one more, so a call that outlives its connection still
// has a valid (closed) place to drop its reply.
class ServerConn {
 public:
  explicit ServerConn(ConnectionRef c) : conn(std::move(c)) {}

  void Ref() { refs_.fetch_add(1, std::memory_order_relaxed); }
  void Unref() {
    if (refs_.fetch_sub(1, std::memory_order_acq_rel) == 1) delete this;
  }

  // [poller] The index of the next reply-carrying call.
  uint64_t NextIndex() { return next_index_++; }

  // [any thread] Queues the reply of call `index`; replies leave in index
  // order. On the poller inside OnData they are batched into one Send.
  void Deliver(uint64_t index, LinkBuffer&& out) {
    out.Flush();
    std::lock_guard<std::mutex> lock(mu_);
    uint64_t sent = next_send_.load(std::memory_order_relaxed);
    if (index != sent) {
      waiting_.emplace(index, std::move(out));
      return;
    }
    size_t bytes = out.Len();
    batch_.AppendBuffer(out);
    ++sent;
    while (!waiting_.empty() && waiting_.begin()->first == sent) {
      bytes += waiting_.begin()->second.Len();
      batch_.AppendBuffer(waiting_.begin()->second);
      waiting_.erase(waiting_.begin());
      ++sent;
    }
    batch_bytes_.store(batch_bytes_.load(std::memory_order_relaxed) + bytes,
                       std::memory_order_relaxed);
    if (batching_) {
      // The poller sends the batch before the transport next asks
      // RepliesPending (both on its thread).
      next_send_.store(sent, std::memory_order_release);
      return;
    }
    // Off the poller, the order a closing connection needs (transport.h,
    // RepliesPending): the bytes reach the connection, then they stop
    // counting as owed, then a write pass looks again.
    SendLocked();
    next_send_.store(sent, std::memory_order_release);
    conn->Send(LinkBuffer()).IgnoreError();
  }

  // [poller] Whether replies are owed: calls given an index whose reply has
  // not been handed to the connection yet.
  bool RepliesOwed() const { return next_send_.load(std::memory_order_acquire) != next_index_; }

  // [poller] Inside a batch, before serving another request: sends what
  // the batch holds once that passes `bytes` (large replies need no
  // batching, and the connection must see them to tell whether its output
  // is backlogged). Returns: whether `max_owed` replies are owed already.
  // (No lock unless it sends: it runs before every request.)
  bool SendBatchPast(size_t bytes, size_t max_owed) {
    if (batch_bytes_.load(std::memory_order_relaxed) >= bytes) {
      std::lock_guard<std::mutex> lock(mu_);
      SendLocked();
    }
    return next_index_ - next_send_.load(std::memory_order_acquire) >= max_owed;
  }

  // [poller] Replies completed while batching wait for EndBatch.
  void BeginBatch() {
    std::lock_guard<std::mutex> lock(mu_);
    batching_ = true;
  }
  void EndBatch() {
    std::lock_guard<std::mutex> lock(mu_);
    batching_ = false;
    SendLocked();
  }

  ConnectionRef conn;
  FrameState frame_state;
  // [poller] Input it cannot serve arrived: the rest is dropped unread, and
  // the connection closes once the replies owed for earlier calls are out.
  bool closing = false;
  // The codec (and framing) of this connection; null until framing = auto
  // has seen enough of the first message to choose.
  const Codec* codec = nullptr;

 private:
  void SendLocked() {
    batch_bytes_.store(0, std::memory_order_relaxed);
    batch_.Flush();
    if (batch_.Len() == 0) return;
    // A closed connection drops the bytes: the client left.
    conn->Send(std::move(batch_)).IgnoreError();
    batch_ = LinkBuffer();
  }

  std::atomic<int32_t> refs_{1};
  uint64_t next_index_ = 0;  // poller only
  std::mutex mu_;
  // Written under mu_; read without it by the poller's checks.
  std::atomic<uint64_t> next_send_{0};
  std::atomic<size_t> batch_bytes_{0};  // what batch_ holds, about
  bool batching_ = false;
  LinkBuffer batch_;
  std::map<uint64_t, LinkBuffer> waiting_;
};

constexpr size_t kCallAlign = alignof(std::max_align_t);
constexpr size_t AlignUp(size_t n) { return (n + kCallAlign - 1) & ~(kCallAlign - 1); }
// Results at least this large are encoded with their big strings appended by
// reference (kept alive until written) instead of copied. At 32 KB x 100
// connections this saves ~2-3 % of the server's CPU per call against
// copying (rpc_bench, 5 x 5 s); below 16 KB the extra nodes cost more than
// the copy.
constexpr size_t kByReferenceBytes = 16 * 1024;

// Replies batched while serving one read's requests go to the connection
// once they pass this, so that its output backlog shows (OnData).
constexpr size_t kBatchBytes = 64 * 1024;

}  // namespace

// One call in flight: args and result live in the same allocation, after
// the object.
class ServerCallImpl final : public ServerCall {
 public:
  static ServerCallImpl* New(Server::Impl* server, ServerConn* sc, const MethodSlot* m,
                             uint64_t index) {
    const TypeInfo* a = m->entry->args;
    const TypeInfo* r = m->entry->result;
    const size_t args_at = AlignUp(sizeof(ServerCallImpl));
    // A view call holds the args' view storage, not the args struct.
    const size_t result_at = args_at + AlignUp(m->view ? ViewArgsSize(*a) : a->size);
    // --alloc=pmr types: an arena for the args and result, its first bytes
    // in this same allocation.
    const size_t arena_bytes = server->options.arena_bytes;
    const bool arena = !m->view && arena_bytes != 0 &&
                       (a->construct_on != nullptr || (r != nullptr && r->construct_on != nullptr));
    const size_t arena_at = AlignUp(result_at + (r != nullptr ? r->size : 0));
    const size_t buffer_at =
        arena_at + (arena ? AlignUp(sizeof(std::pmr::monotonic_buffer_resource)) : 0);
    const size_t total = buffer_at + (arena ? arena_bytes : 0);
    void* mem = ::operator new(total);
    auto* c = new (mem) ServerCallImpl();
    c->server_ = server;
    c->sc_ = sc;
    c->method_ = m;
    c->entry_ = m->entry;
    c->index_ = index;
    c->args_ = static_cast<char*>(mem) + args_at;
    c->view_ = m->view;
    if (arena) {
      c->arena_ = new (static_cast<char*>(mem) + arena_at) std::pmr::monotonic_buffer_resource(
          static_cast<char*>(mem) + buffer_at, arena_bytes, std::pmr::new_delete_resource());
    }
    if (m->view) {
      new (c->args_) view::ViewCore();
    } else if (c->arena_ != nullptr && a->construct_on != nullptr) {
      a->construct_on(c->args_, c->arena_);
    } else {
      a->construct(c->args_);
    }
    if (r != nullptr) {
      c->result_ = static_cast<char*>(mem) + result_at;
      if (c->arena_ != nullptr && r->construct_on != nullptr) {
        r->construct_on(c->result_, c->arena_);
      } else {
        r->construct(c->result_);
      }
    }
    sc->Ref();
    return c;
  }

  void Invoke() {
    if (view_) {
      method_->entry->invoke_view(method_->handler, this);
    } else {
      method_->entry->invoke(method_->handler, this);
    }
  }

  // View calls: the codec indexes the args in place over the frame.
  Status DecodeArgsView(const Codec& codec, FrameView& frame, ReadContext& rc) {
    auto* core = static_cast<view::ViewCore*>(args_);
    auto* slots = reinterpret_cast<uint32_t*>(static_cast<char*>(args_) + sizeof(view::ViewCore));
    return codec.DecodeView(frame, *entry_->args, &bytes_, core, slots, rc);
  }

  // `built` (view calls): the reply's body as a builder, emitted through
  // `built_type` (view::BuiltStructType or view::BuiltSuccessType).
  void Finish(CallError error, const AppException* ex, const view::StructBuilder* built = nullptr,
              const TypeInfo* built_type = nullptr) {
    Server::Impl* s = server_;
    const MethodEntry* e = method_->entry;
    // With big payloads appended by reference, the reply's bytes share
    // ownership of this object: `keep` is our own reference, dropped last.
    Slice keep;
    std::string failure;
    if (!e->oneway) {
      LinkBuffer out;
      MessageHeader h{e->name, MessageType::kReply, ctx_.seqid};
      Status st;
      if (ex != nullptr) {
        st = sc_->codec->EncodeException(h, *ex, out);
      } else if (built != nullptr) {
        // Its by-reference pieces hold their own blocks: no keep-alive of
        // this call is needed once the bytes are in `out`.
        const BodyRef body{built_type, built,
                           built->shares() ? &view::BuiltStructKeepAlive() : nullptr};
        st = built->Emittable();
        if (st.ok()) st = sc_->codec->Encode(h, body, out);
        if (!st.ok()) {
          LOG(WARNING) << "tern server: " << method_->service << "." << e->name
                       << ": cannot encode the built result: " << st;
          out = LinkBuffer();
          AppException ae{"cannot encode the result: " + std::string(st.message()),
                          AppException::kInternalError};
          st = sc_->codec->EncodeException(h, ae, out);
          error = CallError::kApplication;
        }
      } else {
        BodyRef body{e->result, result_, nullptr};
        if (e->result->blength(result_) >= kByReferenceBytes) {
          keep = Slice::External(nullptr, 0, &ReleaseAfterWrite, this);
          body.keepalive = &keep;
        }
        st = sc_->codec->Encode(h, body, out);
        if (!st.ok()) {
          // e.g. a required field left unset, or a result over the frame limit.
          LOG(WARNING) << "tern server: " << method_->service << "." << e->name
                       << ": cannot encode the result: " << st;
          out = LinkBuffer();
          AppException ae{"cannot encode the result: " + std::string(st.message()),
                          AppException::kInternalError};
          st = sc_->codec->EncodeException(h, ae, out);
          error = CallError::kApplication;
        }
      }
      if (st.ok()) {
        sc_->Deliver(index_, std::move(out));
      } else {
        LOG(WARNING) << "tern server: cannot encode a reply: " << st;
        sc_->conn->Close();
      }
    }
    if (ex != nullptr) failure = ex->message;
    const uint64_t latency = static_cast<uint64_t>(
        std::chrono::duration_cast<std::chrono::nanoseconds>(Clock::now() - ctx_.start).count());
    if (method_->metrics != nullptr) method_->metrics->Record(latency, error);
    if (!s->middleware.empty()) {
      CallOutcome outcome{error, failure, latency};
      for (auto it = s->middleware.rbegin(); it != s->middleware.rend(); ++it) {
        (*it)->After(ctx_, outcome);
      }
    }
    s->calls.fetch_add(1, std::memory_order_relaxed);
    ServerConn* sc = sc_;
    sc_ = nullptr;
    // With a keep-alive, whoever drops the last reference frees us: this
    // line, or the poller once the reply's bytes are written.
    if (keep.block() != nullptr) {
      keep = Slice();
    } else {
      Destroy();
    }
    sc->Unref();
    s->CallDone();
  }

  // Touches only the generated (static) entry: it may run after the server
  // is gone, when a reply's last byte leaves during the transport's shutdown.
  void Destroy() {
    const MethodEntry* e = entry_;
    if (!view_) e->args->destruct(args_);
    if (result_ != nullptr) e->result->destruct(result_);
    // After the args and result: frees the blocks the arena took from new.
    if (arena_ != nullptr) arena_->~monotonic_buffer_resource();
    this->~ServerCallImpl();
    ::operator delete(static_cast<void*>(this));
  }

  const MethodSlot* method() const { return method_; }

 private:
  ServerCallImpl() = default;
  ~ServerCallImpl() = default;
  static void ReleaseAfterWrite(void* ctx, const uint8_t*, size_t) {
    static_cast<ServerCallImpl*>(ctx)->Destroy();
  }

  Server::Impl* server_ = nullptr;
  ServerConn* sc_ = nullptr;
  const MethodSlot* method_ = nullptr;
  const MethodEntry* entry_ = nullptr;
  uint64_t index_ = 0;
  bool view_ = false;
  view::Bytes bytes_;  // view calls: the received args, kept until the call ends
  // --alloc=pmr services: the args' and result's arena, in this allocation.
  std::pmr::monotonic_buffer_resource* arena_ = nullptr;
};

namespace {

void WorkerPool::Loop() {
  for (;;) {
    ServerCallImpl* call = nullptr;
    {
      std::unique_lock<std::mutex> lock(mu_);
      cv_.wait(lock, [&] { return stopping_ || !queue_.empty(); });
      if (queue_.empty()) return;
      call = queue_.front();
      queue_.pop_front();
    }
    call->Invoke();
  }
}

}  // namespace

// ---- ServerCall (the generated code's view) ----------------------------------

void ServerCall::Complete(CallError error) {
  static_cast<ServerCallImpl*>(this)->Finish(error, nullptr);
}

void ServerCall::CompleteBuilt(const view::StructBuilder& result, CallError error) {
  static_cast<ServerCallImpl*>(this)->Finish(error, nullptr, &result, &view::BuiltStructType());
}

void ServerCall::CompleteBuiltSuccess(const view::StructBuilder& success, CallError error) {
  static_cast<ServerCallImpl*>(this)->Finish(error, nullptr, &success, &view::BuiltSuccessType());
}

void ServerCall::Fail(const AppException& ex, CallError error) {
  static_cast<ServerCallImpl*>(this)->Finish(error, &ex);
}

void ServerCall::FailWith(const std::exception_ptr& e,
                          bool (*catch_declared)(void*, const std::exception_ptr&)) {
  if (catch_declared != nullptr && result_ != nullptr && catch_declared(result_, e)) {
    Complete(CallError::kDeclared);
    return;
  }
  AppException ex;
  ex.type = AppException::kInternalError;
  try {
    std::rethrow_exception(e);
  } catch (const ApplicationError& a) {
    ex.type = a.type();
    ex.message = a.what();
  } catch (const std::exception& x) {
    ex.message = std::string("handler threw: ") + x.what();
  } catch (...) {
    ex.message = "handler threw an exception that is not declared by the IDL";
  }
  Fail(ex, CallError::kApplication);
}

// ---- the server ----------------------------------------------------------------

void Server::Impl::OnOpen(const ConnectionRef& conn) {
  auto* sc = new ServerConn(conn);
  if (buffered_codec == nullptr) sc->codec = codec.get();
  conn->set_context(sc);
  connections.fetch_add(1, std::memory_order_relaxed);
  if (connections_gauge != nullptr) connections_gauge->Add(1);
}

void Server::Impl::OnClose(const ConnectionRef& conn, const Status& why) {
  auto* sc = static_cast<ServerConn*>(conn->context());
  if (sc == nullptr) return;
  VLOG(1) << "tern server: connection from " << conn->peer().ToString() << " closed: " << why;
  conn->set_context(nullptr);
  // Breaks the cycle connection -> ServerConn -> ConnectionRef once every
  // call has dropped its reference.
  sc->Unref();
  connections.fetch_sub(1, std::memory_order_relaxed);
  if (connections_gauge != nullptr) connections_gauge->Add(-1);
}

// A Framed message starts with its length, a positive i32 no larger than
// the frame limit; a Buffered one with the protocol's own first byte, which
// has the top bit set in strict Binary (0x80) and Compact (0x82): the
// Framed framer refuses it as a negative length. So: Framed unless the
// Framed framer refuses the first bytes. (Non-strict Binary without
// framing starts with the name's length and is taken for Framed: the
// frame then fails to decode and the connection closes, as a mismatched
// framing always did.)
bool Server::Impl::DetectFraming(ServerConn* sc, LinkBuffer& in) {
  FrameResult fr = codec->Frame(in, sc->frame_state, limits);
  sc->frame_state.Reset();
  if (fr.what == FrameResult::kNeedMore && in.Len() < 4) return false;
  sc->codec = fr.what == FrameResult::kError ? buffered_codec.get() : codec.get();
  VLOG(1) << "tern server: " << sc->conn->peer().ToString() << " speaks "
          << (sc->codec == codec.get() ? "framed" : "buffered");
  return true;
}

void Server::Impl::OnData(const ConnectionRef& conn) {
  auto* sc = static_cast<ServerConn*>(conn->context());
  if (sc == nullptr) return;
  internal::PollerScope poller;
  LinkBuffer& in = conn->Input();
  if (TERN_UNLIKELY(sc->closing)) {
    in.Skip(in.Len()).IgnoreError();
    in.Release();
    return;
  }
  if (TERN_UNLIKELY(sc->codec == nullptr) && !DetectFraming(sc, in)) return;
  const Codec* codec = sc->codec;
  sc->BeginBatch();
  while (in.Len() > 0) {
    // A peer that sends requests for large replies and does not read them:
    // the rest of its requests wait until the output drains (so it holds
    // about the transport's high-water mark, not every reply), or until
    // calls of its own finish (on workers, their replies come later).
    const bool owed = sc->SendBatchPast(kBatchBytes, options.max_pending_per_connection);
    if (owed || conn->OutputBacklogged()) {
      conn->ResumeWhenDrained();
      break;
    }
    FrameResult fr = codec->Frame(in, sc->frame_state, limits);
    if (fr.what == FrameResult::kNeedMore) {
      if (fr.size > in.Len()) conn->ExpectBytes(fr.size);
      break;
    }
    if (fr.what == FrameResult::kError) {
      bad_frames.fetch_add(1, std::memory_order_relaxed);
      LOG_EVERY_N(WARNING, 100) << "tern server: closing " << conn->peer().ToString() << ": "
                                << fr.error;
      CloseAfterReplies(sc, in);
      break;
    }
    sc->frame_state.Reset();
    FrameView frame;
    if (view_methods) {
      // Zero-copy when the frame lies in one block (large frames do: the
      // connection sized the read from the frame's length).
      Result<Slice> slice = in.ReadSlice(fr.size);
      if (!slice.ok()) {
        conn->Close();
        break;
      }
      frame = FrameView{slice->data(), fr.size, 0, std::move(*slice)};
    } else {
      Result<const uint8_t*> bytes = in.Next(fr.size);
      if (!bytes.ok()) {
        conn->Close();
        break;
      }
      frame = FrameView{*bytes, fr.size, 0, Slice()};
    }
    HandleFrame(sc, conn, frame);
    if (TERN_UNLIKELY(sc->closing)) {
      in.Skip(in.Len()).IgnoreError();
      break;
    }
  }
  in.Release();
  sc->EndBatch();
}

// Apache's servers answer each call before they read the next one: a peer
// whose stream turns bad after some calls still gets their replies, then
// EOF. Here the calls before the bad bytes were served (or are being served
// on workers): their replies leave, then the connection closes.
void Server::Impl::CloseAfterReplies(ServerConn* sc, LinkBuffer& in) {
  sc->closing = true;
  in.Skip(in.Len()).IgnoreError();
  sc->conn->CloseAfterOutput();
}

bool Server::Impl::RepliesPending(const ConnectionRef& conn) {
  auto* sc = static_cast<ServerConn*>(conn->context());
  return sc != nullptr && sc->RepliesOwed();
}

void Server::Impl::Answer(ServerConn* sc, uint64_t index, const MessageHeader& h,
                          const AppException& ex) {
  LinkBuffer out;
  MessageHeader reply{h.name, MessageType::kException, h.seqid};
  if (Status st = sc->codec->EncodeException(reply, ex, out); !st.ok()) {
    sc->conn->Close();
    return;
  }
  sc->Deliver(index, std::move(out));
}

void Server::Impl::HandleFrame(ServerConn* sc, const ConnectionRef& conn, FrameView& frame) {
  const Codec* codec = sc->codec;
  Result<MessageHeader> header = codec->DecodeHeader(frame, limits);
  if (!header.ok()) {
    // Without a trustworthy envelope there is no seqid to answer with.
    bad_frames.fetch_add(1, std::memory_order_relaxed);
    LOG_EVERY_N(WARNING, 100) << "tern server: closing " << conn->peer().ToString()
                              << ": bad envelope: " << header.status();
    sc->closing = true;  // OnData drops the rest of the input
    conn->CloseAfterOutput();
    return;
  }
  const MessageHeader& h = *header;
  if (h.type != MessageType::kCall && h.type != MessageType::kOneway) {
    Answer(sc, sc->NextIndex(), h,
           {"expected a CALL or ONEWAY message", AppException::kInvalidMessageType});
    return;
  }
  auto it = methods.find(h.name);
  if (it == methods.end()) {
    if (h.type == MessageType::kOneway) return;  // nobody waits for an answer
    // The reply's envelope repeats the name; its message quotes at most 256
    // bytes of it (a name of megabytes is not worth twice its size back).
    constexpr size_t kQuoted = 256;
    std::string quoted(h.name.substr(0, kQuoted));
    if (h.name.size() > kQuoted) quoted += "...";
    Answer(sc, sc->NextIndex(), h,
           {"Invalid method name: '" + quoted + "'", AppException::kUnknownMethod});
    return;
  }
  const MethodSlot* m = &it->second;
  const bool oneway = m->entry->oneway;
  if (TERN_UNLIKELY(draining.load(std::memory_order_relaxed))) {
    if (!oneway) {
      Answer(sc, sc->NextIndex(), h, {"server is shutting down", AppException::kInternalError});
    }
    return;
  }
  if (TERN_UNLIKELY(static_cast<size_t>(inflight.load(std::memory_order_relaxed)) >=
                    options.max_inflight)) {
    rejected.fetch_add(1, std::memory_order_relaxed);
    if (m->metrics != nullptr) m->metrics->Record(0, CallError::kOverload);
    if (!oneway) {
      Answer(sc, sc->NextIndex(), h,
             {"server overloaded: " + std::to_string(options.max_inflight) +
                  " calls in flight (max_inflight)",
              AppException::kInternalError});
    }
    return;
  }
  const uint64_t index = oneway ? 0 : sc->NextIndex();
  inflight.fetch_add(1, std::memory_order_relaxed);
  if (inflight_gauge != nullptr) inflight_gauge->Add(1);
  ServerCallImpl* call = ServerCallImpl::New(this, sc, m, index);
  CallContext& ctx = call->context();
  ctx.service = m->service;
  ctx.method = m->entry->name;
  ctx.seqid = h.seqid;
  ctx.oneway = oneway;
  ctx.server_side = true;
  ctx.start = Clock::now();
  ctx.peer = &conn->peer();
  ReadContext rc{limits, 0};
  if (Status st = m->view ? call->DecodeArgsView(*codec, frame, rc)
                          : codec->DecodeBody(frame, *m->entry->args, call->args(), rc);
      !st.ok()) {
    call->Fail(
        {"cannot decode the arguments of " + std::string(h.name) + ": " + std::string(st.message()),
         AppException::kProtocolError},
        CallError::kProtocol);
    return;
  }
  for (const auto& mw : middleware) {
    if (Status st = mw->Before(ctx); !st.ok()) {
      call->Fail({std::string(st.message()), AppException::kUnknown}, CallError::kApplication);
      return;
    }
  }
  if (workers != nullptr) {
    if (!workers->Submit(call)) {
      rejected.fetch_add(1, std::memory_order_relaxed);
      call->Fail({"server overloaded: the worker queue is full", AppException::kInternalError},
                 CallError::kOverload);
    }
    return;
  }
  call->Invoke();
}

// ---- Server --------------------------------------------------------------------

Result<ServerOptions> ServerOptions::FromConfig(const Runtime& rt) {
  ServerOptions o;
  TERN_ASSIGN_OR_RETURN(o.address, rt.GetString("server", "address"));
  TERN_ASSIGN_OR_RETURN(o.transport, rt.GetString("server", "transport"));
  TERN_ASSIGN_OR_RETURN(o.codec, rt.GetString("server", "codec"));
  TERN_ASSIGN_OR_RETURN(o.framing, rt.GetString("server", "framing"));
  TERN_ASSIGN_OR_RETURN(int64_t workers, rt.GetInt("server", "workers"));
  TERN_ASSIGN_OR_RETURN(int64_t max_conn, rt.GetInt("server", "max_connections"));
  TERN_ASSIGN_OR_RETURN(int64_t max_inflight, rt.GetInt("server", "max_inflight"));
  TERN_ASSIGN_OR_RETURN(int64_t per_conn, rt.GetInt("server", "max_pending_per_connection"));
  TERN_ASSIGN_OR_RETURN(int64_t idle_ms, rt.GetInt("server", "idle_timeout_ms"));
  if (idle_ms < 0) return InvalidArgument("server.idle_timeout_ms: must not be negative");
  o.idle_timeout = std::chrono::milliseconds(idle_ms);
  if (per_conn <= 0) {
    return InvalidArgument("server.max_pending_per_connection: must be positive");
  }
  o.max_pending_per_connection = static_cast<size_t>(per_conn);
  TERN_ASSIGN_OR_RETURN(int64_t grace, rt.GetInt("server", "shutdown_grace_ms"));
  TERN_ASSIGN_OR_RETURN(int64_t queue, rt.GetInt("server", "worker_queue"));
  TERN_ASSIGN_OR_RETURN(int64_t arena, rt.GetInt("server", "arena_bytes"));
  if (arena < 0 || arena > (int64_t{64} << 20)) {
    return InvalidArgument("server.arena_bytes: must be between 0 and 64 MiB");
  }
  o.arena_bytes = static_cast<size_t>(arena);
  if (queue < 0) return InvalidArgument("server.worker_queue: must not be negative");
  o.worker_queue = static_cast<size_t>(queue);
  if (workers < 0 || workers > 4096) {
    return InvalidArgument("server.workers: must be between 0 and 4096");
  }
  if (max_conn < 0) return InvalidArgument("server.max_connections: must not be negative");
  if (max_inflight <= 0) return InvalidArgument("server.max_inflight: must be positive");
  if (grace < 0) return InvalidArgument("server.shutdown_grace_ms: must not be negative");
  o.workers = static_cast<int>(workers);
  o.max_connections = static_cast<size_t>(max_conn);
  o.max_inflight = static_cast<size_t>(max_inflight);
  o.shutdown_grace = std::chrono::milliseconds(grace);
  return o;
}

Server::Server(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

Result<std::unique_ptr<Server>> Server::Create(std::shared_ptr<Runtime> rt) {
  TERN_ASSIGN_OR_RETURN(ServerOptions o, ServerOptions::FromConfig(*rt));
  return Create(std::move(rt), std::move(o));
}

Result<std::unique_ptr<Server>> Server::Create(std::shared_ptr<Runtime> rt, ServerOptions options) {
  auto impl = std::make_unique<Impl>();
  if (options.max_inflight == 0) return InvalidArgument("max_inflight must be positive");
  if (options.max_pending_per_connection == 0) {
    return InvalidArgument("max_pending_per_connection must be positive");
  }
  TERN_ASSIGN_OR_RETURN(impl->transport, rt->NewTransport(options.transport));
  if (options.framing == "auto") {
    TERN_ASSIGN_OR_RETURN(impl->codec, rt->NewCodec(options.codec, "framed"));
    TERN_ASSIGN_OR_RETURN(impl->buffered_codec, rt->NewCodec(options.codec, "buffered"));
  } else {
    TERN_ASSIGN_OR_RETURN(impl->codec, rt->NewCodec(options.codec, options.framing));
  }
  impl->limits = rt->limits();
  impl->options = std::move(options);
  impl->connections_gauge =
      rt->metrics().GetGauge("tern_server_connections", "Open server connections");
  impl->inflight_gauge = rt->metrics().GetGauge("tern_server_inflight", "Server calls in flight");
  impl->rt = std::move(rt);
  return std::unique_ptr<Server>(new Server(std::move(impl)));
}

Server::~Server() {
  Stop(Duration::zero());
  if (impl_->inflight.load() != 0) {
    // An asynchronous handler still holds a call that points at us: keep
    // the state (and the codec it encodes with) alive rather than let it
    // touch freed memory.
    LOG(WARNING) << "tern server: destroyed with " << impl_->inflight.load()
                 << " call(s) unanswered; their state is leaked";
    (void)impl_.release();
  }
}

Status Server::AddService(const ServiceDescriptor& service, void* handler,
                          std::shared_ptr<void> owner) {
  if (impl_->started) return FailedPrecondition("AddService after Start");
  for (uint32_t i = 0; i < service.num_methods; ++i) {
    const MethodEntry& e = service.methods[i];
    if (e.args->align > kCallAlign || (e.result != nullptr && e.result->align > kCallAlign)) {
      return InvalidArgument(std::string(service.name) + "." + std::string(e.name) +
                             ": over-aligned argument or result type");
    }
    if (e.invoke == nullptr && e.invoke_view == nullptr) {
      return InvalidArgument(std::string(service.name) + "." + std::string(e.name) +
                             ": no invoke function");
    }
    if (e.invoke == nullptr && (impl_->codec->Capabilities() & kCapDecodesViews) == 0) {
      return FailedPrecondition(std::string(service.name) + "." + std::string(e.name) +
                                ": the handler reads copy-free views, and codec '" +
                                impl_->options.codec +
                                "' cannot decode views (use codec = thrift_copyfree)");
    }
    if (impl_->methods.count(e.name) != 0) {
      return Status(StatusCode::kAlreadyExists,
                    "method '" + std::string(e.name) + "' is already served");
    }
  }
  for (uint32_t i = 0; i < service.num_methods; ++i) {
    const MethodEntry& e = service.methods[i];
    MethodSlot slot;
    slot.entry = &e;
    slot.handler = handler;
    slot.view = e.invoke == nullptr;
    impl_->view_methods |= slot.view;
    slot.service = service.name;
    slot.metrics = impl_->rt->metrics().Method("server", service.name, e.name);
    impl_->methods.emplace(e.name, slot);
  }
  impl_->owners.push_back(std::move(owner));
  return Status::OK();
}

void Server::Use(std::shared_ptr<Middleware> middleware) {
  impl_->middleware.push_back(std::move(middleware));
}

Result<Endpoint> Server::Start() {
  Impl& s = *impl_;
  if (s.started) return FailedPrecondition("the server is already started");
  if (s.methods.empty()) return FailedPrecondition("no service registered (Serve)");
  TERN_ASSIGN_OR_RETURN(Endpoint ep, Endpoint::Parse(s.options.address));
  if (s.options.workers > 0) {
    const size_t cap = s.options.worker_queue != 0 ? s.options.worker_queue
                                                   : 1024 * static_cast<size_t>(s.options.workers);
    s.workers = std::make_unique<WorkerPool>(s.options.workers, cap);
  }
  ListenOptions lo;
  lo.max_connections = s.options.max_connections;
  lo.idle_timeout = s.options.idle_timeout;
  TERN_ASSIGN_OR_RETURN(s.bound, s.transport->Listen(ep, lo, &s));
  TERN_RETURN_IF_ERROR(s.transport->Start());
  s.started = true;
  return s.bound;
}

void Server::Stop() { Stop(impl_->options.shutdown_grace); }

void Server::Stop(Duration grace) {
  Impl& s = *impl_;
  std::lock_guard<std::mutex> lock(s.stop_mu);
  if (s.stopped) return;
  s.stopped = true;
  const auto deadline = Clock::now() + grace;
  s.draining.store(true, std::memory_order_release);
  // Polled, not signalled: a finishing call must not touch the server after
  // its last decrement (see CallDone).
  while (s.inflight.load(std::memory_order_acquire) != 0 && Clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  const auto left = std::max<Duration>(deadline - Clock::now(), std::chrono::milliseconds(50));
  if (s.started) s.transport->Stop(left);
  if (s.workers != nullptr) s.workers->Stop();
}

bool Server::decodes_views() const {
  return (impl_->codec->Capabilities() & kCapDecodesViews) != 0;
}

const ServerOptions& Server::options() const { return impl_->options; }
Endpoint Server::endpoint() const { return impl_->bound; }
Runtime& Server::runtime() const { return *impl_->rt; }

ServerStats Server::stats() const {
  ServerStats st;
  st.connections = impl_->connections.load(std::memory_order_relaxed);
  st.inflight = impl_->inflight.load(std::memory_order_relaxed);
  st.calls = impl_->calls.load(std::memory_order_relaxed);
  st.rejected = impl_->rejected.load(std::memory_order_relaxed);
  st.bad_frames = impl_->bad_frames.load(std::memory_order_relaxed);
  return st;
}

}  // namespace tern::rpc
