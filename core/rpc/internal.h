// Private to core/rpc: what the server, the client and the shared pieces of
// the runtime tell each other.
#pragma once

#include <string>
#include <string_view>

#include "tern/rpc/error.h"
#include "tern/status.h"

namespace tern::rpc::internal {

// True while this thread runs a ConnectionHandler callback of a Tern server
// or client, i.e. on a poller: a synchronous call must not wait here.
bool OnRpcPoller();
// Marks the current thread as running a poller callback for its scope.
class PollerScope {
 public:
  PollerScope();
  ~PollerScope();
  PollerScope(const PollerScope&) = delete;
  PollerScope& operator=(const PollerScope&) = delete;

 private:
  bool prev_;
};

// "127.0.0.1:9090: connection refused" style text for a transport Status.
std::string DescribeStatus(const Status& st);

}  // namespace tern::rpc::internal
