// RpcError and ApplicationError: the exceptions of Tern's RPC API.
//
// The data path returns Status; exceptions appear only at the edges a user
// writes code against:
//   * the synchronous client API throws the IDL's declared exceptions (as
//     the generated types) and RpcError for everything else — which
//     endpoint, and what happened: refused, timed out after N ms, closed
//     mid-call, a protocol error, or the server's TApplicationException;
//   * the asynchronous API carries the same exceptions in its Future;
//   * a handler may throw its method's declared exceptions (encoded as the
//     declared result field) or ApplicationError (encoded as a
//     TApplicationException of the type it names); anything else becomes
//     TApplicationException INTERNAL_ERROR with the exception's what().
//
// Thread: values; immutable once thrown.
#pragma once

#include <cstdint>
#include <exception>
#include <stdexcept>
#include <string>
#include <string_view>

#include "tern/export.h"
#include "tern/status.h"

namespace tern::rpc {

// What went wrong with a call, from the caller's side.
enum class RpcErrorKind : uint8_t {
  kUnavailable,  // no endpoint, connection refused, or the client is closed
  kTimeout,      // the call's deadline (or the connect timeout) passed
  kClosed,       // the connection closed after the request was sent
  kProtocol,     // the reply was malformed, or not the reply to this call
  kApplication,  // the server answered with a TApplicationException
  kOverloaded,   // too many calls pending in this client
  kOnPoller,     // a synchronous call on a poller thread (it would deadlock)
  kCancelled,    // the client shut down with the call pending
  kInvalid,      // the request could not be encoded (too large, bad value)
};

TERN_EXPORT const char* RpcErrorKindName(RpcErrorKind kind);

// The failure of one call. what() reads like
// "EchoServer.echo to 127.0.0.1:9090: timed out after 1000 ms".
// It owns its message (not std::runtime_error's shared copy-on-write one):
// a Future carries copies of it across threads.
class TERN_EXPORT RpcError : public std::exception {
 public:
  RpcError(RpcErrorKind kind, std::string message, std::string endpoint = {}, int32_t app_type = 0);

  const char* what() const noexcept override { return message_.c_str(); }
  RpcErrorKind kind() const { return kind_; }
  // The endpoint the call went to ("" when none was chosen).
  const std::string& endpoint() const { return endpoint_; }
  // kApplication: the TApplicationException type (AppException::Type).
  int32_t app_type() const { return app_type_; }

 private:
  RpcErrorKind kind_;
  std::string message_;
  std::string endpoint_;
  int32_t app_type_;
};

// Thrown by a handler to answer with a TApplicationException of `type`
// (AppException::Type in tern/codec.h) instead of INTERNAL_ERROR.
class TERN_EXPORT ApplicationError : public std::runtime_error {
 public:
  ApplicationError(int32_t type, const std::string& message)
      : std::runtime_error(message), type_(type) {}
  int32_t type() const { return type_; }

 private:
  int32_t type_;
};

}  // namespace tern::rpc
