// Accept under pressure: out of file descriptors, and at max_connections.
// In both cases accepting must pause rather than spin, and resume.
#include <fcntl.h>
#include <glog/logging.h>
#include <gtest/gtest.h>
#include <sys/resource.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "plugins/netpoll/listener.h"
#include "plugins/netpoll/netpoll.h"
#include "unit/netpoll/test_util.h"

namespace tern::netpoll {
namespace {

using namespace std::chrono_literals;
using testing::ConnectTo;
using testing::EchoHandler;
using testing::MakeFrame;
using testing::RecvAll;
using testing::SendAll;
using testing::WaitFor;

// The soft limit under which exactly `free_slots` descriptor numbers are
// still unused (accept takes the lowest free number).
rlim_t LimitLeaving(int free_slots) {
  int fd = 0;
  for (int seen = 0;; ++fd) {
    if (::fcntl(fd, F_GETFD) < 0 && errno == EBADF && ++seen == free_slots) break;
  }
  return static_cast<rlim_t>(fd + 1);
}

// utime + stime of one thread, in clock ticks. The stat file is opened up
// front (and re-read with pread) because the test reads it while the process
// has no descriptors left; parsing avoids streams for the same reason.
class ThreadCpu {
 public:
  explicit ThreadCpu(pid_t tid)
      : fd_(::open(("/proc/self/task/" + std::to_string(tid) + "/stat").c_str(),
                   O_RDONLY | O_CLOEXEC)) {}
  ~ThreadCpu() {
    if (fd_ >= 0) ::close(fd_);
  }
  long Ticks() const {
    char buf[1024];
    const ssize_t n = ::pread(fd_, buf, sizeof(buf) - 1, 0);
    if (n <= 0) return -1;
    buf[n] = '\0';
    const char* p = std::strrchr(buf, ')');
    if (p == nullptr) return -1;
    // Fields after the command: 3 (state) ... 14 (utime), 15 (stime).
    long utime = 0, stime = 0;
    for (int field = 2; field < 15 && p != nullptr; ++field) {
      p = std::strchr(p + 1, ' ');
      if (p != nullptr && field + 1 == 14) utime = std::strtol(p + 1, nullptr, 10);
      if (p != nullptr && field + 1 == 15) stime = std::strtol(p + 1, nullptr, 10);
    }
    return p == nullptr ? -1 : utime + stime;
  }

 private:
  int fd_;
};

// Restores RLIMIT_NOFILE however the test leaves.
class FdLimitGuard {
 public:
  FdLimitGuard() { ::getrlimit(RLIMIT_NOFILE, &saved_); }
  ~FdLimitGuard() { Restore(); }
  bool Lower(rlim_t soft) {
    rlimit rl = saved_;
    rl.rlim_cur = soft;
    return ::setrlimit(RLIMIT_NOFILE, &rl) == 0;
  }
  void Restore() { ::setrlimit(RLIMIT_NOFILE, &saved_); }

 private:
  rlimit saved_{};
};

TEST(NetpollLimitsTest, OutOfFdsPausesAcceptWithoutSpinningAndResumes) {
  EchoHandler handler;
  NetpollOptions o;
  o.pollers = 1;
  NetpollTransport t(o);
  auto bound = t.Listen(*Endpoint::Parse("127.0.0.1:0"), {}, &handler);
  ASSERT_TRUE(bound.ok());
  ASSERT_TRUE(t.Start().ok());
  ASSERT_TRUE(WaitFor([&] { return !t.PollerThreadIds().empty() && t.PollerThreadIds()[0] != 0; }));
  const ThreadCpu poller_cpu(t.PollerThreadIds()[0]);
  ASSERT_GE(poller_cpu.Ticks(), 0);

  // Sanitizer runtimes check an object's dynamic type the first time they
  // see it, with a pipe(); without descriptors that check misfires. So the
  // types used while out of descriptors (a connection, a glog stream) are
  // seen once first.
  {
    const int warm = ConnectTo(*bound);
    ASSERT_GE(warm, 0);
    const std::string f = MakeFrame(7, 10);
    ASSERT_TRUE(SendAll(warm, f));
    std::string got(f.size(), '\0');
    ASSERT_TRUE(RecvAll(warm, got.data(), got.size()));
    ::close(warm);
    ASSERT_TRUE(WaitFor([&] { return handler.closes() == 1; }));
    LOG(INFO) << "warm-up connection done; fd backoff " << Listener::kFdBackoffNs / 1000000;
  }

  // Client sockets exist before the limit drops: connecting them needs no
  // new descriptor, accepting them does.
  constexpr int kClients = 12;
  std::vector<int> clients;
  for (int i = 0; i < kClients; ++i) {
    clients.push_back(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
    ASSERT_GE(clients.back(), 0);
  }
  FdLimitGuard limit;
  // Room for two accepts.
  ASSERT_TRUE(limit.Lower(LimitLeaving(2)));
  for (int fd : clients) ASSERT_EQ(::connect(fd, bound->addr(), bound->addr_len()), 0);

  ASSERT_TRUE(WaitFor([&] { return t.GetStats().accept_fd_exhausted > 0; }));
  const long cpu_before = poller_cpu.Ticks();
  const uint64_t calls_before = t.GetStats().accept_calls;
  std::this_thread::sleep_for(500ms);
  const uint64_t calls = t.GetStats().accept_calls - calls_before;
  const long cpu = poller_cpu.Ticks() - cpu_before;
  // A spinning accept makes millions of calls in 500 ms; backing off makes
  // one or two per 100 ms pause.
  EXPECT_LT(calls, 100u) << "accept spins when out of descriptors";
  EXPECT_LT(cpu, 25) << "poller used " << cpu << " ticks of CPU in 500 ms";
  EXPECT_LT(handler.opens(), 1 + kClients);

  limit.Restore();
  ASSERT_TRUE(WaitFor([&] { return handler.opens() == 1 + kClients; }));
  // Every client, including the ones that waited in the backlog, is served.
  for (int i = 0; i < kClients; ++i) {
    const std::string f = MakeFrame(i, 100);
    ASSERT_TRUE(SendAll(clients[i], f));
    std::string got(f.size(), '\0');
    ASSERT_TRUE(RecvAll(clients[i], got.data(), got.size()));
    EXPECT_EQ(got, f);
  }
  for (int fd : clients) ::close(fd);
  t.Stop(0s);
}

TEST(NetpollLimitsTest, MaxConnectionsPausesAcceptUntilOneCloses) {
  EchoHandler handler;
  NetpollOptions o;
  o.pollers = 2;
  NetpollTransport t(o);
  ListenOptions lo;
  lo.max_connections = 2;
  auto bound = t.Listen(*Endpoint::Parse("127.0.0.1:0"), lo, &handler);
  ASSERT_TRUE(bound.ok());
  ASSERT_TRUE(t.Start().ok());

  std::vector<int> fds;
  for (int i = 0; i < 4; ++i) {
    fds.push_back(ConnectTo(*bound));  // the backlog completes the handshake
    ASSERT_GE(fds.back(), 0);
  }
  ASSERT_TRUE(WaitFor([&] { return handler.opens() == 2; }));
  const uint64_t calls_before = t.GetStats().accept_calls;
  std::this_thread::sleep_for(200ms);
  EXPECT_EQ(handler.opens(), 2);
  EXPECT_LT(t.GetStats().accept_calls - calls_before, 5u) << "accept spins at the limit";
  EXPECT_GE(t.GetStats().accept_limit_pauses, 1u);

  // Client 2 is in the backlog: its frame waits until a slot frees.
  const std::string f = MakeFrame(42, 64);
  ASSERT_TRUE(SendAll(fds[2], f));
  ::close(fds[0]);
  std::string got(f.size(), '\0');
  ASSERT_TRUE(RecvAll(fds[2], got.data(), got.size()));
  EXPECT_EQ(got, f);
  EXPECT_EQ(handler.opens(), 3);
  ::close(fds[1]);
  ASSERT_TRUE(WaitFor([&] { return handler.opens() == 4; }));
  for (size_t i = 2; i < fds.size(); ++i) ::close(fds[i]);
  ASSERT_TRUE(WaitFor([&] { return handler.closes() == 4; }));
  t.Stop(0s);
}

}  // namespace
}  // namespace tern::netpoll
