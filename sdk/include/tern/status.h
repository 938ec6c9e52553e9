// Status and Result<T>: how Tern reports errors on the data path and across
// the plugin boundary.
//
// Bad network input, a full buffer or a closed connection are expected events,
// so the data path never throws: it returns a Status (or a Result<T>, a value
// or a Status), and both are [[nodiscard]], so an ignored error is a compiler
// warning. An OK Status is one null pointer: creating, moving, testing and
// destroying it costs what a pointer costs. Only errors allocate (their code
// and message live on the heap).
//
// Programmer errors (calling a method in the wrong state) are DCHECKs, not
// Statuses; input errors are Statuses, never CHECKs.
//
// Thread: a Status is a value; distinct objects may be used from distinct
// threads freely. Not safe to mutate one object from two threads.
#pragma once

#include <cstdint>
#include <memory>
#include <new>
#include <ostream>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>

#include "tern/export.h"

namespace tern {

// The kind of an error. Codes are stable: they may be logged, counted in
// metrics and mapped to TApplicationException types.
enum class StatusCode : uint8_t {
  kOk = 0,
  kInvalidArgument,     // the caller asked for something malformed (a bad config value)
  kOutOfRange,          // read or write past the end of the available bytes
  kResourceExhausted,   // a limit was hit (frame size, pool, inflight calls)
  kNotFound,            // a name (plugin, method, key) is unknown
  kAlreadyExists,       //
  kFailedPrecondition,  // the object is not in a state that allows the call
  kUnavailable,         // peer absent, connection refused or closed
  kDeadlineExceeded,    // a timeout fired
  kCancelled,           //
  kDataLoss,            // malformed input: a protocol violation by the peer
  kUnimplemented,       //
  kInternal,            // a bug or an unexpected system error
  kIoError,             // a system call failed (errno in the message)
};

// Returns the stable name of a code, e.g. "OUT_OF_RANGE".
TERN_EXPORT const char* StatusCodeName(StatusCode code);

class [[nodiscard, gnu::visibility("default")]] Status {
 public:
  // OK.
  Status() noexcept = default;
  Status(StatusCode code, std::string_view message);

  Status(const Status& other) : state_(other.state_ ? new State(*other.state_) : nullptr) {}
  Status& operator=(const Status& other) {
    if (this != &other) state_.reset(other.state_ ? new State(*other.state_) : nullptr);
    return *this;
  }
  Status(Status &&) noexcept = default;
  Status& operator=(Status&&) noexcept = default;

  static Status OK() { return Status(); }

  bool ok() const { return state_ == nullptr; }
  StatusCode code() const { return state_ ? state_->code : StatusCode::kOk; }
  // Empty for OK.
  std::string_view message() const { return state_ ? std::string_view(state_->message) : ""; }
  // "OUT_OF_RANGE: message", or "OK".
  std::string ToString() const;

  // Returns a Status with the same code and "context: message".
  Status WithContext(std::string_view context) const;

  // Explicitly drops an error where dropping is right (say why at the call).
  void IgnoreError() const {}

  friend bool operator==(const Status& a, const Status& b) {
    return a.code() == b.code() && a.message() == b.message();
  }

 private:
  struct State {
    StatusCode code;
    std::string message;
  };
  std::unique_ptr<State> state_;
};

inline std::ostream& operator<<(std::ostream& os, const Status& s) { return os << s.ToString(); }

// Shorthands for the common codes.
inline Status InvalidArgument(std::string_view m) {
  return Status(StatusCode::kInvalidArgument, m);
}
inline Status OutOfRange(std::string_view m) { return Status(StatusCode::kOutOfRange, m); }
inline Status ResourceExhausted(std::string_view m) {
  return Status(StatusCode::kResourceExhausted, m);
}
inline Status NotFound(std::string_view m) { return Status(StatusCode::kNotFound, m); }
inline Status FailedPrecondition(std::string_view m) {
  return Status(StatusCode::kFailedPrecondition, m);
}
inline Status Unavailable(std::string_view m) { return Status(StatusCode::kUnavailable, m); }
inline Status DataLoss(std::string_view m) { return Status(StatusCode::kDataLoss, m); }
inline Status Internal(std::string_view m) { return Status(StatusCode::kInternal, m); }
inline Status Unimplemented(std::string_view m) { return Status(StatusCode::kUnimplemented, m); }
// An I/O error from errno: "what: strerror(err)".
TERN_EXPORT Status ErrnoError(std::string_view what, int err);

// A value of type T, or the Status saying why there is none.
//
// Result<T> r = F(); if (!r.ok()) return r.status(); Use(*r);
// Accessing the value of an error Result is a programmer error (DCHECKed).
template <typename T>
class [[nodiscard]] Result {
  static_assert(!std::is_reference_v<T>, "Result<T&> is not supported; use a pointer");

 public:
  Result(const T& value) : has_value_(true) { new (&value_) T(value); }        // NOLINT
  Result(T&& value) : has_value_(true) { new (&value_) T(std::move(value)); }  // NOLINT
  Result(Status status) : status_(std::move(status)) {                         // NOLINT
    if (status_.ok()) status_ = Internal("Result constructed from an OK status without a value");
  }
  template <typename... Args>
  explicit Result(std::in_place_t, Args&&... args) : has_value_(true) {
    new (&value_) T(std::forward<Args>(args)...);
  }

  Result(const Result& o) : status_(o.status_), has_value_(o.has_value_) {
    if (has_value_) new (&value_) T(o.value_);
  }
  Result(Result&& o) noexcept(std::is_nothrow_move_constructible_v<T>)
      : status_(std::move(o.status_)), has_value_(o.has_value_) {
    if (has_value_) new (&value_) T(std::move(o.value_));
  }
  Result& operator=(const Result& o) {
    if (this != &o) {
      Reset();
      status_ = o.status_;
      if (o.has_value_) new (&value_) T(o.value_);
      has_value_ = o.has_value_;
    }
    return *this;
  }
  Result& operator=(Result&& o) noexcept(std::is_nothrow_move_constructible_v<T>) {
    if (this != &o) {
      Reset();
      status_ = std::move(o.status_);
      if (o.has_value_) new (&value_) T(std::move(o.value_));
      has_value_ = o.has_value_;
    }
    return *this;
  }
  ~Result() { Reset(); }

  bool ok() const { return has_value_; }
  const Status& status() const& { return status_; }
  Status status() && { return std::move(status_); }

  T& value() & { return value_; }
  const T& value() const& { return value_; }
  T&& value() && { return std::move(value_); }
  T& operator*() & { return value_; }
  const T& operator*() const& { return value_; }
  T&& operator*() && { return std::move(value_); }
  T* operator->() { return &value_; }
  const T* operator->() const { return &value_; }

 private:
  void Reset() {
    if (has_value_) {
      value_.~T();
      has_value_ = false;
    }
  }
  Status status_;
  bool has_value_ = false;
  union {
    T value_;
  };
};

}  // namespace tern

// Returns from the enclosing function if `expr` (a Status) is an error.
#define TERN_RETURN_IF_ERROR(expr)                              \
  do {                                                          \
    ::tern::Status _tern_status = (expr);                       \
    if (TERN_UNLIKELY(!_tern_status.ok())) return _tern_status; \
  } while (0)

#define TERN_CONCAT_INNER_(a, b) a##b
#define TERN_CONCAT_(a, b) TERN_CONCAT_INNER_(a, b)
// TERN_ASSIGN_OR_RETURN(auto x, ExprReturningResult());
#define TERN_ASSIGN_OR_RETURN(lhs, expr) \
  TERN_ASSIGN_OR_RETURN_IMPL_(TERN_CONCAT_(_tern_result_, __LINE__), lhs, expr)
#define TERN_ASSIGN_OR_RETURN_IMPL_(tmp, lhs, expr)             \
  auto tmp = (expr);                                            \
  if (TERN_UNLIKELY(!tmp.ok())) return std::move(tmp).status(); \
  lhs = std::move(tmp).value()
