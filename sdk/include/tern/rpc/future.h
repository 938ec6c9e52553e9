// Future<T>: the result of an asynchronous call — a value, or the exception
// that a synchronous call would have thrown (a declared IDL exception or
// RpcError).
//
//   auto f = client.echo_async(req);
//   f.Then([](tern::rpc::Future<Response> done) { use(done.Get()); });  // or:
//   Response r = f.Get();                // blocks; rethrows the call's exception
//   Response r = co_await f;             // in a C++20 coroutine
//
// Continuations (Then, co_await) run on the thread that completes the call:
// a client poller, or the caller's thread when the call fails before it is
// sent. They must not block; a coroutine resumed there should hand long work
// to its own executor.
//
// Thread: one Future is one consumer's handle; Get/Wait/Then on distinct
// copies are safe. The shared state is completed exactly once.
#pragma once

#include <chrono>
#include <condition_variable>
#include <coroutine>
#include <exception>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <type_traits>
#include <utility>
#include <variant>

namespace tern::rpc {

template <class T>
class Future;

namespace detail {

template <class T>
class FutureState {
 public:
  using Stored = std::conditional_t<std::is_void_v<T>, std::monostate, T>;

  void SetValue(Stored v) {
    std::unique_lock<std::mutex> lock(mu_);
    value_.emplace(std::move(v));
    Finish(lock);
  }
  void SetError(std::exception_ptr e) {
    std::unique_lock<std::mutex> lock(mu_);
    error_ = std::move(e);
    Finish(lock);
  }
  bool ready() const {
    std::lock_guard<std::mutex> lock(mu_);
    return ready_;
  }
  void Wait() {
    std::unique_lock<std::mutex> lock(mu_);
    cv_.wait(lock, [&] { return ready_; });
  }
  template <class Rep, class Period>
  bool WaitFor(std::chrono::duration<Rep, Period> d) {
    std::unique_lock<std::mutex> lock(mu_);
    return cv_.wait_for(lock, d, [&] { return ready_; });
  }
  // Runs `fn` once the state is ready: now (on this thread) if it is.
  void OnReady(std::function<void()> fn) {
    std::unique_lock<std::mutex> lock(mu_);
    if (!ready_) {
      then_ = std::move(fn);
      return;
    }
    lock.unlock();
    fn();
  }
  // Requires ready(). Moves the value out or rethrows.
  Stored Take() {
    std::lock_guard<std::mutex> lock(mu_);
    if (error_) std::rethrow_exception(error_);
    return std::move(*value_);
  }

 private:
  void Finish(std::unique_lock<std::mutex>& lock) {
    ready_ = true;
    std::function<void()> then = std::move(then_);
    cv_.notify_all();
    lock.unlock();
    if (then) then();
  }
  mutable std::mutex mu_;
  std::condition_variable cv_;
  bool ready_ = false;
  std::optional<Stored> value_;
  std::exception_ptr error_;
  std::function<void()> then_;
};

}  // namespace detail

template <class T>
class Future {
 public:
  Future() = default;
  explicit Future(std::shared_ptr<detail::FutureState<T>> s) : s_(std::move(s)) {}

  bool valid() const { return s_ != nullptr; }
  bool ready() const { return s_->ready(); }
  void Wait() const { s_->Wait(); }
  template <class Rep, class Period>
  bool WaitFor(std::chrono::duration<Rep, Period> d) const {
    return s_->WaitFor(d);
  }
  // Blocks until ready; returns the value or throws the call's exception.
  // The value is moved out: call once.
  T Get() {
    s_->Wait();
    if constexpr (std::is_void_v<T>) {
      s_->Take();
    } else {
      return s_->Take();
    }
  }
  // Runs fn(ready future) on the completing thread (see the header).
  void Then(std::function<void(Future<T>)> fn) {
    auto s = s_;
    s_->OnReady([s, fn = std::move(fn)]() { fn(Future<T>(s)); });
  }

  // C++20 coroutine support: `co_await future`.
  bool await_ready() const { return s_->ready(); }
  void await_suspend(std::coroutine_handle<> h) {
    s_->OnReady([h]() { h.resume(); });
  }
  T await_resume() {
    if constexpr (std::is_void_v<T>) {
      s_->Take();
    } else {
      return s_->Take();
    }
  }

 private:
  std::shared_ptr<detail::FutureState<T>> s_;
};

}  // namespace tern::rpc
