// epoll_echo_server: the smallest honest framed echo server — one thread,
// level-triggered epoll, one read per readiness, whole frames written back
// straight from the read buffer (a copy only for what a short write leaves).
// It is the limit Netpoll is measured against: the same syscalls per request
// (epoll_wait, read, write) and nothing else.
//
//   epoll_echo_server --address=127.0.0.1:0 --port_file=/tmp/p
#include <arpa/inet.h>
#include <gflags/gflags.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
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
  // Whole frames at the front.
  size_t p = c->begin;
  while (c->end - p >= 4) {
    uint32_t be;
    std::memcpy(&be, c->in.data() + p, 4);
    const size_t len = ntohl(be);
    if (c->end - p < 4 + len) {
      // Room for the whole frame, so the next reads can finish it.
      if (4 + len > c->in.size() - c->begin) {
        std::memmove(c->in.data(), c->in.data() + c->begin, c->end - c->begin);
        c->end -= c->begin;
        p -= c->begin;
        c->begin = 0;
        c->in.resize(4 + len + 4096);
      }
      break;
    }
    p += 4 + len;
  }
  const size_t k = p - c->begin;
  if (k > 0) {
    const char* data = c->in.data() + c->begin;
    size_t written = 0;
    if (c->out.empty()) {
      const ssize_t w = send(c->fd, data, k, MSG_NOSIGNAL);
      if (w < 0 && errno != EAGAIN && errno != EINTR) return false;
      written = w > 0 ? static_cast<size_t>(w) : 0;
    }
    if (written < k) {
      c->out.append(data + written, k - written);
      SetOut(c, true);
    }
    c->begin = p;
    if (c->begin == c->end) c->begin = c->end = 0;
  }
  return true;
}

}  // namespace

int main(int argc, char** argv) {
  tern::InitProcess(&argc, &argv, "hand-written epoll framed echo server (benchmark limit)");
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  const size_t colon = FLAGS_address.rfind(':');
  if (colon == std::string::npos ||
      inet_pton(AF_INET, FLAGS_address.substr(0, colon).c_str(), &addr.sin_addr) != 1) {
    std::cerr << "--address must be IPv4 host:port\n";
    return 2;
  }
  addr.sin_port = htons(static_cast<uint16_t>(std::stoi(FLAGS_address.substr(colon + 1))));
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
