// Thin wrappers over the socket calls Netpoll makes, returning Status.
//
// Thread: every function is reentrant; none keeps state.
#pragma once

#include <sys/types.h>

#include <cstdint>

#include "tern/status.h"
#include "tern/transport.h"

namespace tern::netpoll::sys {

// Monotonic nanoseconds (CLOCK_MONOTONIC through the vDSO).
int64_t NowNs();

// The calling thread's kernel id.
pid_t ThreadId();

// A non-blocking, close-on-exec socket bound to `endpoint` and listening.
// Returns: the fd, or IO_ERROR naming the call and the address.
Result<int> ListenSocket(const Endpoint& endpoint, int backlog);

// Returns: the address a socket is bound to (port 0 resolved).
Result<Endpoint> LocalEndpoint(int fd);

// Sets TCP_NODELAY (requests and replies are written whole; Nagle would only
// add a round trip of delay to the last segment).
void SetNoDelay(int fd);

// Returns: the socket's pending error (SO_ERROR), 0 when none.
int SocketError(int fd);

}  // namespace tern::netpoll::sys
