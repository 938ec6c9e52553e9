#include "plugins/netpoll/sys.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include <cerrno>

namespace tern::netpoll::sys {

int64_t NowNs() {
  timespec ts;
  ::clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<int64_t>(ts.tv_sec) * 1'000'000'000 + ts.tv_nsec;
}

pid_t ThreadId() { return static_cast<pid_t>(::syscall(SYS_gettid)); }

Result<int> ListenSocket(const Endpoint& endpoint, int backlog) {
  if (!endpoint.valid()) return InvalidArgument("listen: empty endpoint");
  const int fd =
      ::socket(endpoint.addr()->sa_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) return ErrnoError("socket for " + endpoint.ToString(), errno);
  const int one = 1;
  if (!endpoint.is_unix()) {
    // A restarted server must rebind while old connections sit in TIME_WAIT.
    ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
    // "[::]" then means IPv6 only, the same on every host configuration.
    if (endpoint.family() == Endpoint::Family::kIpv6) {
      ::setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one));
    }
  }
  if (::bind(fd, endpoint.addr(), endpoint.addr_len()) != 0) {
    const int err = errno;
    ::close(fd);
    return ErrnoError("bind " + endpoint.ToString(), err);
  }
  if (::listen(fd, backlog) != 0) {
    const int err = errno;
    ::close(fd);
    return ErrnoError("listen " + endpoint.ToString(), err);
  }
  return fd;
}

Result<Endpoint> LocalEndpoint(int fd) {
  sockaddr_storage ss{};
  socklen_t len = sizeof(ss);
  if (::getsockname(fd, reinterpret_cast<sockaddr*>(&ss), &len) != 0) {
    return ErrnoError("getsockname", errno);
  }
  return Endpoint::FromSockaddr(reinterpret_cast<const sockaddr*>(&ss), len);
}

void SetNoDelay(int fd) {
  const int one = 1;
  ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
}

int SocketError(int fd) {
  int err = 0;
  socklen_t len = sizeof(err);
  if (::getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) != 0) return errno;
  return err;
}

}  // namespace tern::netpoll::sys
