// thrift_limit_server: the smallest honest Thrift echo server — the limit
// the RPC benchmarks measure servers against. One thread, level-triggered
// epoll, one read per readiness; for each whole frame it checks the strict
// Binary envelope (CALL, name, seqid) and the args struct's shape (one
// STRUCT field 1, then the stop byte), and answers with a valid REPLY:
// same name and seqid, result field 0 holding the request struct's bytes
// unchanged — so Response == Request for echo.thrift. No decode of the
// Request, no allocation per call. A malformed frame closes its connection.
//
// The write: one writev per batch of whole frames read (usually one frame
// per connection, closed loop), three iovecs per frame — the reply header
// built in a small static buffer (length, version, name, seqid, field 0
// header), the request struct's bytes straight from the read buffer, and
// the result's stop byte. Copying the request into one buffer would cost a
// memcpy of the msg (1 MB in the largest case) that no real server needs
// to pay either; writev gives one syscall without it. Only what a short
// write leaves is copied (to resume on EPOLLOUT).
//
//   thrift_limit_server --address=127.0.0.1:0 --port_file=/tmp/p
//   --corrupt answers with the wrong seqid (for tests of the load generator).
#include <arpa/inet.h>
#include <gflags/gflags.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <iostream>
#include <string>
#include <vector>

#include "tern/init.h"

DEFINE_string(address, "127.0.0.1:0", "listen address, IPv4 host:port");
DEFINE_string(port_file, "", "write the bound address here (default: stdout)");
DEFINE_uint64(max_frame, 64u << 20, "close a connection announcing a bigger frame");
DEFINE_bool(corrupt, false, "answer with a wrong seqid (tests that clients notice)");

namespace {

struct Conn {
  explicit Conn(int f) : fd(f) {}
  int fd;
  std::vector<char> in = std::vector<char>(65536);
  size_t begin = 0, end = 0;
  std::string out;  // what a short write left
  bool want_out = false;
};

int epfd;

void SetOut(Conn* c, bool on) {
  if (c->want_out == on) return;
  c->want_out = on;
  epoll_event ev{};
  ev.events = on ? (EPOLLIN | EPOLLOUT) : EPOLLIN;
  ev.data.ptr = c;
  epoll_ctl(epfd, EPOLL_CTL_MOD, c->fd, &ev);
}

void Drop(Conn* c) {
  close(c->fd);  // also leaves epoll
  delete c;
}

// Returns false when the connection died.
bool Flush(Conn* c) {
  while (!c->out.empty()) {
    const ssize_t n = send(c->fd, c->out.data(), c->out.size(), MSG_NOSIGNAL);
    if (n < 0) {
      if (errno == EINTR) continue;
      if (errno == EAGAIN) break;
      return false;
    }
    c->out.erase(0, static_cast<size_t>(n));
  }
  SetOut(c, !c->out.empty());
  return true;
}

uint32_t Get32(const char* p) {
  uint32_t v;
  std::memcpy(&v, p, 4);
  return ntohl(v);
}
void Put32(char* p, uint32_t v) {
  v = htonl(v);
  std::memcpy(p, &v, 4);
}

// The reply header of one frame: length, version, name, seqid, and the
// result struct's field 0 header. Names are bounded by the frame.
struct ReplyHead {
  char bytes[4 + 4 + 4 + 4 + 3 + 256];
  size_t size = 0;
};

// Checks one whole frame at `f` (its 4-byte length included) and fills the
// reply header. Returns false for a frame this server cannot answer.
bool Answer(const char* f, size_t len, ReplyHead* h, const char** req, size_t* req_len) {
  if (len < 12 + 4) return false;
  const char* p = f + 4;
  const uint32_t version = Get32(p);
  if (version != 0x80010001u) return false;  // strict CALL only
  const uint32_t name_len = Get32(p + 4);
  if (name_len > 255 || 8 + size_t{name_len} + 4 + 3 + 1 > len) return false;
  const char* name = p + 8;
  const char* seqid = name + name_len;
  const char* args = seqid + 4;
  const char* end = p + len;
  // args: STRUCT field 1, the Request, then the args' stop byte.
  if (args[0] != 12 || args[1] != 0 || args[2] != 1 || end[-1] != 0) return false;
  *req = args + 3;
  *req_len = static_cast<size_t>(end - 1 - *req);
  // The Request struct ends with its own stop byte before the args' one.
  if (*req_len == 0 || (*req)[*req_len - 1] != 0) return false;
  char* o = h->bytes;
  const size_t reply_len = 4 + 4 + name_len + 4 + 3 + *req_len + 1;
  Put32(o, static_cast<uint32_t>(reply_len));
  Put32(o + 4, 0x80010002u);
  Put32(o + 8, name_len);
  std::memcpy(o + 12, name, name_len);
  std::memcpy(o + 12 + name_len, seqid, 4);
  if (FLAGS_corrupt) o[15 + name_len] ^= 1;
  o[16 + name_len] = 12;  // result field 0: STRUCT
  o[17 + name_len] = 0;
  o[18 + name_len] = 0;
  h->size = 19 + name_len;
  return true;
}

bool OnReadable(Conn* c) {
  if (c->in.size() - c->end < 4096) {
    std::memmove(c->in.data(), c->in.data() + c->begin, c->end - c->begin);
    c->end -= c->begin;
    c->begin = 0;
    if (c->in.size() - c->end < 4096) c->in.resize(c->in.size() * 2);
  }
  const ssize_t n = read(c->fd, c->in.data() + c->end, c->in.size() - c->end);
  if (n == 0) return false;
  if (n < 0) return errno == EINTR || errno == EAGAIN;
  c->end += static_cast<size_t>(n);
  static constexpr size_t kMaxFrames = 64;
  static ReplyHead heads[kMaxFrames];
  static const char kStop = 0;
  // Whole frames at the front, answered kMaxFrames per writev.
  for (;;) {
    iovec iov[3 * kMaxFrames];
    size_t niov = 0, frames = 0, total = 0;
    size_t p = c->begin;
    while (c->end - p >= 4 && frames < kMaxFrames) {
      const size_t len = Get32(c->in.data() + p);
      if (len > FLAGS_max_frame) return false;
      if (c->end - p < 4 + len) {
        // Room for the whole frame, so the next reads can finish it (not
        // while iovecs of this batch point into the buffer).
        if (frames == 0 && 4 + len > c->in.size() - c->begin) {
          std::memmove(c->in.data(), c->in.data() + c->begin, c->end - c->begin);
          c->end -= c->begin;
          p -= c->begin;
          c->begin = 0;
          c->in.resize(4 + len + 4096);
        }
        break;
      }
      const char* req = nullptr;
      size_t req_len = 0;
      ReplyHead& h = heads[frames++];
      if (!Answer(c->in.data() + p, len, &h, &req, &req_len)) return false;
      iov[niov++] = {h.bytes, h.size};
      iov[niov++] = {const_cast<char*>(req), req_len};
      iov[niov++] = {const_cast<char*>(&kStop), 1};
      total += h.size + req_len + 1;
      p += 4 + len;
    }
    if (frames > 0) {
      size_t written = 0;
      if (c->out.empty()) {
        const ssize_t w = writev(c->fd, iov, static_cast<int>(niov));
        if (w < 0 && errno != EAGAIN && errno != EINTR) return false;
        written = w > 0 ? static_cast<size_t>(w) : 0;
      }
      // Keep what the socket did not take (a copy, on the slow path only).
      size_t skip = written;
      for (size_t i = 0; i < niov && written < total; ++i) {
        if (skip >= iov[i].iov_len) {
          skip -= iov[i].iov_len;
          continue;
        }
        c->out.append(static_cast<const char*>(iov[i].iov_base) + skip, iov[i].iov_len - skip);
        skip = 0;
      }
      if (!c->out.empty()) SetOut(c, true);
      c->begin = p;
      if (c->begin == c->end) c->begin = c->end = 0;
    }
    if (frames < kMaxFrames) return true;
  }
}

}  // namespace

int main(int argc, char** argv) {
  tern::InitProcess(&argc, &argv, "hand-written epoll Thrift echo server (benchmark limit)");
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  const size_t colon = FLAGS_address.rfind(':');
  unsigned port = 0;
  const char* port_end = FLAGS_address.data() + FLAGS_address.size();
  if (colon == std::string::npos ||
      inet_pton(AF_INET, FLAGS_address.substr(0, colon).c_str(), &addr.sin_addr) != 1 ||
      std::from_chars(FLAGS_address.data() + colon + 1, port_end, port).ptr != port_end ||
      port > 65535) {
    std::cerr << "--address must be IPv4 host:port\n";
    return 2;
  }
  addr.sin_port = htons(static_cast<uint16_t>(port));
  const int lfd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  const int one = 1;
  setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
  if (bind(lfd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0 || listen(lfd, 1024) != 0) {
    perror("bind/listen");
    return 1;
  }
  socklen_t alen = sizeof(addr);
  getsockname(lfd, reinterpret_cast<sockaddr*>(&addr), &alen);
  char host[INET_ADDRSTRLEN];
  inet_ntop(AF_INET, &addr.sin_addr, host, sizeof(host));
  const std::string bound = std::string(host) + ":" + std::to_string(ntohs(addr.sin_port));

  sigset_t sigs;
  sigemptyset(&sigs);
  sigaddset(&sigs, SIGINT);
  sigaddset(&sigs, SIGTERM);
  sigprocmask(SIG_BLOCK, &sigs, nullptr);
  const int sfd = signalfd(-1, &sigs, SFD_CLOEXEC);

  epfd = epoll_create1(EPOLL_CLOEXEC);
  epoll_event ev{};
  ev.events = EPOLLIN;
  ev.data.ptr = nullptr;  // the listener
  epoll_ctl(epfd, EPOLL_CTL_ADD, lfd, &ev);
  static int sig_tag;
  ev.data.ptr = &sig_tag;
  epoll_ctl(epfd, EPOLL_CTL_ADD, sfd, &ev);

  if (FLAGS_port_file.empty()) {
    std::cout << bound << std::endl;
  } else {
    std::ofstream(FLAGS_port_file + ".tmp") << bound << "\n";
    std::rename((FLAGS_port_file + ".tmp").c_str(), FLAGS_port_file.c_str());
  }

  epoll_event events[512];
  for (;;) {
    const int n = epoll_wait(epfd, events, 512, -1);
    for (int i = 0; i < n; ++i) {
      void* ptr = events[i].data.ptr;
      if (ptr == &sig_tag) return 0;
      if (ptr == nullptr) {
        for (;;) {
          const int fd = accept4(lfd, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
          if (fd < 0) break;
          setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
          auto* c = new Conn(fd);
          epoll_event cev{};
          cev.events = EPOLLIN;
          cev.data.ptr = c;
          epoll_ctl(epfd, EPOLL_CTL_ADD, fd, &cev);
        }
        continue;
      }
      auto* c = static_cast<Conn*>(ptr);
      bool alive = true;
      if (events[i].events & EPOLLOUT) alive = Flush(c);
      if (alive && (events[i].events & (EPOLLIN | EPOLLHUP | EPOLLERR))) alive = OnReadable(c);
      if (!alive) Drop(c);
    }
  }
}
