// The dispatch contract between `tern gen`'s service code and the server.
//
// Per IDL service, the generated code defines a ServiceDescriptor: the
// service's name, its base (for `extends`), and one MethodEntry per method
// {wire name, args/result TypeInfo, oneway, invoke}. The server looks a call
// up by name, constructs and decodes the args struct through its TypeInfo,
// and calls `invoke(handler, call)`. It never knows the codec's or the
// structs' C++ types.
//
//   poller ──decode──> ServerCall{args, result, context}
//                         │ invoke(handler, call)
//                         ▼
//   generated invoke ──> handler->async_method(Reply<T>, args...)
//                         │ reply.Send(value) / reply.Throw(declared) / Fail
//                         ▼
//   ServerCall::Complete ──> encode result, Send (in request order)
//
// Completion. Every ServerCall is completed exactly once, through the Reply
// the handler was given: at once for a synchronous handler (the generated
// `<Service>Handler` wraps its methods that way), later and from any thread
// for an asynchronous one. A Reply destroyed without an answer completes
// the call with TApplicationException INTERNAL_ERROR, so a handler that
// loses a Reply never leaves a client waiting. After completion the call
// and its args are gone: a handler must not keep references into them.
//
// Exceptions. A handler may throw (or Reply::Throw) its method's declared
// exceptions: the generated `catch_declared` function stores them in the
// result struct's field. ApplicationError becomes a TApplicationException of
// its type; anything else INTERNAL_ERROR with what().
//
// ABI: MethodEntry and ServiceDescriptor are read by libtern_core and written
// by generated code; their layout is part of the runtime's ABI.
#pragma once

#include <cstdint>
#include <exception>
#include <string>
#include <string_view>
#include <utility>

#include "tern/codec.h"
#include "tern/export.h"
#include "tern/rpc/context.h"
#include "tern/rpc/error.h"
#include "tern/thrift/builder.h"
#include "tern/thrift/view.h"
#include "tern/type_info.h"

namespace tern::rpc {

class ServerCall;

struct MethodEntry {
  std::string_view name;  // on the wire
  const TypeInfo* args;
  const TypeInfo* result;  // null for oneway methods
  bool oneway;
  // Runs the handler (the service's async handler interface, as void*), the
  // args decoded into the struct at call->args(). Null for a handler written
  // against views.
  void (*invoke)(void* handler, ServerCall* call);
  // Runs a handler written against copy-free views (the service's
  // ViewHandler): call->args() then holds the args' view storage (ViewCore +
  // one slot per field, see ViewArgsSize), indexed by the codec's DecodeView
  // over the received bytes, which the call keeps alive until it completes.
  // Needs a codec with kCapDecodesViews (thrift_copyfree). Null otherwise.
  void (*invoke_view)(void* handler, ServerCall* call);
};

// The bytes of a view call's args storage for `args` (ViewCore and its
// slots, rounded up to the ViewCore's alignment).
inline size_t ViewArgsSize(const TypeInfo& args) {
  const size_t n = sizeof(view::ViewCore) + sizeof(uint32_t) * args.num_fields;
  return (n + alignof(view::ViewCore) - 1) & ~(alignof(view::ViewCore) - 1);
}

struct ServiceDescriptor {
  std::string_view name;
  const MethodEntry* methods;
  uint32_t num_methods;
  const ServiceDescriptor* base;  // `extends`, or null
};

// One call being served. Created by the server; seen by generated code and
// Reply only.
// Thread: args()/result()/context() belong to whoever holds the Reply;
// Complete/Fail may run on any thread, once.
class TERN_EXPORT ServerCall {
 public:
  void* args() const { return args_; }
  void* result() const { return result_; }  // null for oneway
  CallContext& context() { return ctx_; }

  // The result struct is filled in (or the method is void/oneway): encode
  // it as the REPLY. `error` is kDeclared when a declared exception field
  // was set (for metrics).
  void Complete(CallError error = CallError::kNone);
  // View calls: the result struct built as bytes (a `<Method>_result`
  // builder), encoded as the REPLY as it is; its by-reference pieces leave
  // without a copy.
  void CompleteBuilt(const view::StructBuilder& result, CallError error = CallError::kNone);
  // View calls returning a struct: its value built as bytes (a builder of
  // the method's return type). The `<Method>_result` around it (field 0,
  // `success`) is written as the reply is encoded: the builder's bytes are
  // copied once, into the reply, not first into a result builder.
  void CompleteBuiltSuccess(const view::StructBuilder& success, CallError error = CallError::kNone);
  // Answer with a TApplicationException instead.
  void Fail(const AppException& ex, CallError error);
  // Maps a caught exception: declared ones (through `catch_declared`),
  // ApplicationError, anything else INTERNAL_ERROR.
  void FailWith(const std::exception_ptr& e,
                bool (*catch_declared)(void* result, const std::exception_ptr&));

 protected:
  ServerCall() = default;
  ~ServerCall() = default;
  void* args_ = nullptr;
  void* result_ = nullptr;
  CallContext ctx_;
};

// The handler's side of one call: answer it once, from any thread.
// Move-only. Destroyed unanswered: INTERNAL_ERROR "handler dropped the reply".
template <class T>
class Reply {
 public:
  using SetFn = void (*)(void* result, T&& value);
  using CatchFn = bool (*)(void* result, const std::exception_ptr& e);

  Reply(ServerCall* call, SetFn set, CatchFn catch_declared) noexcept
      : call_(call), set_(set), catch_(catch_declared) {}
  Reply(Reply&& o) noexcept
      : call_(std::exchange(o.call_, nullptr)), set_(o.set_), catch_(o.catch_) {}
  Reply& operator=(Reply&&) = delete;
  Reply(const Reply&) = delete;
  ~Reply() { Drop(); }

  void Send(T value) {
    ServerCall* c = std::exchange(call_, nullptr);
    if (c == nullptr) return;
    set_(c->result(), std::move(value));
    c->Complete();
  }
  // A declared exception, ApplicationError, or anything (INTERNAL_ERROR).
  void Fail(const std::exception_ptr& e) {
    if (ServerCall* c = std::exchange(call_, nullptr)) c->FailWith(e, catch_);
  }
  template <class E>
  void Throw(E e) {
    Fail(std::make_exception_ptr(std::move(e)));
  }
  void Fail(const AppException& ex) {
    if (ServerCall* c = std::exchange(call_, nullptr)) c->Fail(ex, CallError::kApplication);
  }
  // Null once answered.
  CallContext* context() { return call_ != nullptr ? &call_->context() : nullptr; }
  bool answered() const { return call_ == nullptr; }
  // Internal (ViewReply): takes the call out, unanswered.
  ServerCall* TernRelease() { return std::exchange(call_, nullptr); }

 private:
  void Drop() {
    if (ServerCall* c = std::exchange(call_, nullptr)) {
      c->Fail({"handler dropped the reply without answering", AppException::kInternalError},
              CallError::kApplication);
    }
  }
  ServerCall* call_;
  SetFn set_;
  CatchFn catch_;
};

// void methods (and oneway ones, whose Send only ends the call).
template <>
class Reply<void> {
 public:
  using CatchFn = bool (*)(void* result, const std::exception_ptr& e);

  Reply(ServerCall* call, CatchFn catch_declared) noexcept : call_(call), catch_(catch_declared) {}
  Reply(Reply&& o) noexcept : call_(std::exchange(o.call_, nullptr)), catch_(o.catch_) {}
  Reply& operator=(Reply&&) = delete;
  Reply(const Reply&) = delete;
  ~Reply() {
    if (ServerCall* c = std::exchange(call_, nullptr)) {
      c->Fail({"handler dropped the reply without answering", AppException::kInternalError},
              CallError::kApplication);
    }
  }

  void Send() {
    if (ServerCall* c = std::exchange(call_, nullptr)) c->Complete();
  }
  void Fail(const std::exception_ptr& e) {
    if (ServerCall* c = std::exchange(call_, nullptr)) c->FailWith(e, catch_);
  }
  template <class E>
  void Throw(E e) {
    Fail(std::make_exception_ptr(std::move(e)));
  }
  void Fail(const AppException& ex) {
    if (ServerCall* c = std::exchange(call_, nullptr)) c->Fail(ex, CallError::kApplication);
  }
  CallContext* context() { return call_ != nullptr ? &call_->context() : nullptr; }
  bool answered() const { return call_ == nullptr; }
  ServerCall* TernRelease() { return std::exchange(call_, nullptr); }

 private:
  ServerCall* call_;
  CatchFn catch_;
};

// The reply of a handler written against views (the generated
// `<Service>ViewHandler`): everything Reply<T> does, and for struct results
// also Send(T::Builder) — the result built as bytes (e.g. strings attached
// by reference, or a received message edited in place), encoded without
// re-serializing. `R` is the method's `<Method>_result` struct (field 0 is
// `success`).
template <class T, class R>
class ViewReply : public Reply<T> {
 public:
  using Reply<T>::Reply;
  using Reply<T>::Send;
  ViewReply(Reply<T>&& r) noexcept : Reply<T>(std::move(r)) {}  // NOLINT: a conversion

  // The whole `<Method>_result` built as bytes, for any result type (e.g. a
  // binary result attached by reference: result.set_success(slice)).
  void SendResult(const typename R::Builder& result) {
    if (ServerCall* c = this->TernRelease()) c->CompleteBuilt(result.tern_builder());
  }
  template <class B = T>
  requires requires { typename B::Builder; }
  void Send(const typename B::Builder& value) {
    if (ServerCall* c = this->TernRelease()) c->CompleteBuiltSuccess(value.tern_builder());
  }
};
template <class R>
class ViewReply<void, R> : public Reply<void> {
 public:
  using Reply<void>::Reply;
  ViewReply(Reply<void>&& r) noexcept : Reply<void>(std::move(r)) {}  // NOLINT: a conversion
};

}  // namespace tern::rpc
