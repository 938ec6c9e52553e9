// Helpers for the Netpoll tests: a framed echo handler, blocking loopback
// clients, and bounded waits (a wait that gives up fails the test; no test
// asserts on how long anything took).
//
// Frames are a 4-byte big-endian length and that many payload bytes; the
// payload is a function of (seed, index), so every byte can be checked.
#pragma once

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstring>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "tern/buffer.h"
#include "tern/transport.h"

namespace tern::netpoll::testing {

inline uint8_t PayloadByte(uint64_t seed, uint64_t i) {
  return static_cast<uint8_t>(((seed + 1) * 0x9E3779B97F4A7C15ull + i * 0xBF58476D1CE4E5B9ull) >>
                              56);
}

inline std::string MakeFrame(uint64_t seed, size_t n) {
  std::string f(4 + n, '\0');
  const uint32_t be = __builtin_bswap32(static_cast<uint32_t>(n));
  std::memcpy(f.data(), &be, 4);
  for (size_t i = 0; i < n; ++i) f[4 + i] = static_cast<char>(PayloadByte(seed, i));
  return f;
}

// Waits until `pred` holds, polling; false after `limit`.
inline bool WaitFor(const std::function<bool()>& pred,
                    std::chrono::milliseconds limit = std::chrono::seconds(10)) {
  const auto end = std::chrono::steady_clock::now() + limit;
  while (!pred()) {
    if (std::chrono::steady_clock::now() > end) return pred();
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  return true;
}

// Echoes whole frames back (zero-copy: the frame's slice is appended to the
// reply), records opens, closes and why.
class EchoHandler : public ConnectionHandler {
 public:
  void OnOpen(const ConnectionRef& conn) override {
    std::lock_guard<std::mutex> lock(mu_);
    conns_.push_back(conn);
    opens_.fetch_add(1);
  }
  void OnData(const ConnectionRef& conn) override {
    LinkBuffer& in = conn->Input();
    LinkBuffer out;
    while (in.Len() >= 4) {
      auto hdr = in.Peek(4);
      uint32_t be;
      std::memcpy(&be, *hdr, 4);
      const size_t len = __builtin_bswap32(be);
      if (in.Len() < 4 + len) {
        conn->ExpectBytes(4 + len);
        break;
      }
      auto frame = in.ReadSlice(4 + len);
      out.Append(std::move(frame).value());
      frames_.fetch_add(1);
    }
    in.Release();
    if (out.UnflushedLen() > 0 && echo_.load()) {
      Status st = conn->Send(std::move(out));
      if (!st.ok()) send_errors_.fetch_add(1);
    }
  }
  void OnClose(const ConnectionRef& conn, const Status& why) override {
    std::lock_guard<std::mutex> lock(mu_);
    reasons_.push_back(why);
    closes_.fetch_add(1);
  }

  int opens() const { return opens_.load(); }
  int closes() const { return closes_.load(); }
  uint64_t frames() const { return frames_.load(); }
  void set_echo(bool on) { echo_.store(on); }
  std::vector<ConnectionRef> conns() {
    std::lock_guard<std::mutex> lock(mu_);
    return conns_;
  }
  std::vector<Status> reasons() {
    std::lock_guard<std::mutex> lock(mu_);
    return reasons_;
  }

 private:
  std::mutex mu_;
  std::vector<ConnectionRef> conns_;
  std::vector<Status> reasons_;
  std::atomic<int> opens_{0};
  std::atomic<int> closes_{0};
  std::atomic<uint64_t> frames_{0};
  std::atomic<uint64_t> send_errors_{0};
  std::atomic<bool> echo_{true};
};

// A blocking loopback client socket; reads time out after 10 s so a broken
// server fails the test instead of hanging it.
inline int ConnectTo(const Endpoint& ep, int sndbuf = 0, int rcvbuf = 0) {
  const int fd = ::socket(ep.addr()->sa_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return -1;
  if (sndbuf > 0) ::setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &sndbuf, sizeof(sndbuf));
  if (rcvbuf > 0) ::setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof(rcvbuf));
  timeval tv{10, 0};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
  ::setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
  if (::connect(fd, ep.addr(), ep.addr_len()) != 0) {
    ::close(fd);
    return -1;
  }
  if (!ep.is_unix()) {
    const int one = 1;
    ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
  }
  return fd;
}

inline bool SendAll(int fd, const void* data, size_t n) {
  const auto* p = static_cast<const char*>(data);
  while (n > 0) {
    const ssize_t k = ::send(fd, p, n, MSG_NOSIGNAL);
    if (k < 0 && errno == EINTR) continue;
    if (k <= 0) return false;
    p += k;
    n -= static_cast<size_t>(k);
  }
  return true;
}
inline bool SendAll(int fd, const std::string& s) { return SendAll(fd, s.data(), s.size()); }

// Reads exactly n bytes; false on EOF, error or timeout.
inline bool RecvAll(int fd, void* data, size_t n) {
  auto* p = static_cast<char*>(data);
  while (n > 0) {
    const ssize_t k = ::recv(fd, p, n, 0);
    if (k < 0 && errno == EINTR) continue;
    if (k <= 0) return false;
    p += k;
    n -= static_cast<size_t>(k);
  }
  return true;
}

// Returns: 0 when the peer closed, -1 on error/timeout, 1 if data arrived.
inline int WaitEof(int fd) {
  char c;
  const ssize_t k = ::recv(fd, &c, 1, 0);
  return k == 0 ? 0 : (k < 0 ? -1 : 1);
}

}  // namespace tern::netpoll::testing
