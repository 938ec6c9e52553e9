// A raw Thrift client for the client <-> server tests: frames written by
// hand (framed, strict Binary), replies read in arrival order.
#pragma once

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <cstdint>
#include <cstring>
#include <string>
#include <utility>

#include "tern/transport.h"

namespace tern::rpc::testing {

// The framed CALL message for `name` with the encoded args `args_bytes`.
inline std::string CallFrame(const std::string& name, int32_t seqid,
                             const std::string& args_bytes) {
  std::string body;
  auto put32 = [&](uint32_t v) {
    v = htonl(v);
    body.append(reinterpret_cast<const char*>(&v), 4);
  };
  put32(0x80010001u);
  put32(static_cast<uint32_t>(name.size()));
  body += name;
  put32(static_cast<uint32_t>(seqid));
  body += args_bytes;
  uint32_t len = htonl(static_cast<uint32_t>(body.size()));
  std::string frame(reinterpret_cast<const char*>(&len), 4);
  return frame + body;
}

// A raw client: frames written by hand, replies read in arrival order.
class RawClient {
 public:
  explicit RawClient(const Endpoint& ep) {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    EXPECT_EQ(::connect(fd_, ep.addr(), ep.addr_len()), 0);
  }
  ~RawClient() { Close(); }
  void Close() {
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
  }
  // Closes the sending side (the server reads EOF); replies can still come.
  void ShutdownWrite() { ::shutdown(fd_, SHUT_WR); }
  // Read gives up (as at EOF) after `ms` without bytes.
  void SetTimeout(int ms) {
    timeval tv{ms / 1000, (ms % 1000) * 1000};
    ::setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  }
  template <class Args>
  void Send(const std::string& name, int32_t seqid, const Args& args) {
    std::string a(args.BLength(), '\0');
    args.FastWrite(reinterpret_cast<uint8_t*>(a.data()));
    SendBytes(CallFrame(name, seqid, a));
  }
  void SendBytes(const std::string& bytes) {
    ASSERT_EQ(::write(fd_, bytes.data(), bytes.size()), static_cast<ssize_t>(bytes.size()));
  }
  // Returns: {message type, seqid} of the next reply; {-1, -1} at EOF.
  std::pair<int, int32_t> Read() {
    uint32_t len = 0;
    if (!ReadN(&len, 4)) return {-1, -1};
    std::string f(ntohl(len), '\0');
    if (!ReadN(f.data(), f.size())) return {-1, -1};
    last_size_ = f.size();
    uint32_t ver, nlen, seq;
    std::memcpy(&ver, f.data(), 4);
    std::memcpy(&nlen, f.data() + 4, 4);
    std::memcpy(&seq, f.data() + 8 + ntohl(nlen), 4);
    return {static_cast<int>(ntohl(ver) & 0xff), static_cast<int32_t>(ntohl(seq))};
  }
  // The size of the frame Read returned last (its length prefix excluded).
  size_t last_size() const { return last_size_; }

 private:
  bool ReadN(void* p, size_t n) {
    auto* c = static_cast<char*>(p);
    while (n > 0) {
      ssize_t r = ::read(fd_, c, n);
      if (r <= 0) return false;
      c += r;
      n -= static_cast<size_t>(r);
    }
    return true;
  }
  int fd_ = -1;
  size_t last_size_ = 0;
};

}  // namespace tern::rpc::testing
