// Small shared pieces of the RPC runtime: errors, middleware defaults, the
// poller-thread marker.
#include <string>

#include "core/rpc/internal.h"
#include "tern/rpc/context.h"
#include "tern/rpc/error.h"

namespace tern::rpc {

namespace {
// initial-exec: see tls_cache in core/buffer/block_pool.cc.
__attribute__((tls_model("initial-exec"))) thread_local bool t_on_rpc_poller = false;

}  // namespace

const char* RpcErrorKindName(RpcErrorKind kind) {
  switch (kind) {
    case RpcErrorKind::kUnavailable:
      return "unavailable";
    case RpcErrorKind::kTimeout:
      return "timeout";
    case RpcErrorKind::kClosed:
      return "closed";
    case RpcErrorKind::kProtocol:
      return "protocol";
    case RpcErrorKind::kApplication:
      return "application";
    case RpcErrorKind::kOverloaded:
      return "overloaded";
    case RpcErrorKind::kOnPoller:
      return "on_poller";
    case RpcErrorKind::kCancelled:
      return "cancelled";
    case RpcErrorKind::kInvalid:
      return "invalid";
  }
  return "unknown";
}

RpcError::RpcError(RpcErrorKind kind, std::string message, std::string endpoint, int32_t app_type)
    : kind_(kind),
      message_(std::move(message)),
      endpoint_(std::move(endpoint)),
      app_type_(app_type) {}

Middleware::~Middleware() = default;
Status Middleware::Before(CallContext&) { return Status::OK(); }
void Middleware::After(const CallContext&, const CallOutcome&) {}

namespace internal {

bool OnRpcPoller() { return t_on_rpc_poller; }
PollerScope::PollerScope() : prev_(t_on_rpc_poller) { t_on_rpc_poller = true; }
PollerScope::~PollerScope() { t_on_rpc_poller = prev_; }

std::string DescribeStatus(const Status& st) { return std::string(st.message()); }

}  // namespace internal
}  // namespace tern::rpc
