// Netpoll end to end over loopback: echo correctness at scale and with
// partial reads and writes, peers that misbehave, shutdown, and races
// between closing, arriving data and Sends from other threads.
#include <gtest/gtest.h>
#include <sys/resource.h>

#include <atomic>
#include <filesystem>
#include <future>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "core/buffer/block_pool.h"
#include "plugins/netpoll/netpoll.h"
#include "plugins/netpoll/sys.h"
#include "tern/copy_stats.h"
#include "testing/process.h"
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

// Every test must give back every block it took: connections free their
// buffers when they close, and Stop closes them all.
class NetpollTest : public ::testing::Test {
 protected:
  void SetUp() override { live_before_ = BlockPool::Global().GetStats().live_blocks; }
  void TearDown() override {
    EXPECT_EQ(BlockPool::Global().GetStats().live_blocks, live_before_) << "blocks leaked";
  }

  static NetpollOptions Options(int pollers = 2) {
    NetpollOptions o;
    o.pollers = pollers;
    return o;
  }
  static Endpoint Loopback() { return *Endpoint::Parse("127.0.0.1:0"); }

  int64_t live_before_ = 0;
};

// Raises the soft fd limit to the hard one for this process; false when even
// that is below `need`.
bool RaiseFdLimit(rlim_t need) {
  rlimit rl;
  if (::getrlimit(RLIMIT_NOFILE, &rl) != 0) return false;
  if (rl.rlim_cur < rl.rlim_max) {
    rl.rlim_cur = rl.rlim_max;
    ::setrlimit(RLIMIT_NOFILE, &rl);
  }
  return rl.rlim_max >= need;
}

TEST_F(NetpollTest, ThousandConnectionsEchoFramesWithContentChecks) {
  constexpr int kConns = 1000;
  if (!RaiseFdLimit(2 * kConns + 200)) GTEST_SKIP() << "RLIMIT_NOFILE hard limit too low";
  EchoHandler handler;
  NetpollTransport t(Options(2));
  auto bound = t.Listen(Loopback(), {}, &handler);
  ASSERT_TRUE(bound.ok()) << bound.status();
  ASSERT_NE(bound->port(), 0);
  ASSERT_TRUE(t.Start().ok());

  std::vector<int> fds;
  for (int i = 0; i < kConns; ++i) {
    const int fd = ConnectTo(*bound);
    ASSERT_GE(fd, 0) << "connect " << i << ": " << std::strerror(errno);
    fds.push_back(fd);
  }
  // Rounds of one frame per connection, all sent before any is read back,
  // so the pollers serve many connections per wake-up.
  for (int round = 0; round < 3; ++round) {
    for (int i = 0; i < kConns; ++i) {
      const std::string f = MakeFrame(i * 7 + round, 1 + (i * 37 + round * 101) % 3000);
      ASSERT_TRUE(SendAll(fds[i], f));
    }
    for (int i = 0; i < kConns; ++i) {
      const std::string want = MakeFrame(i * 7 + round, 1 + (i * 37 + round * 101) % 3000);
      std::string got(want.size(), '\0');
      ASSERT_TRUE(RecvAll(fds[i], got.data(), got.size())) << "conn " << i << " round " << round;
      ASSERT_EQ(got, want) << "conn " << i << " round " << round;
    }
  }
  EXPECT_EQ(handler.opens(), kConns);
  EXPECT_EQ(handler.frames(), 3u * kConns);
  EXPECT_EQ(t.GetStats().open_connections, kConns);
  for (int fd : fds) ::close(fd);
  ASSERT_TRUE(WaitFor([&] { return handler.closes() == kConns; }));
  EXPECT_EQ(t.GetStats().open_connections, 0);
  t.Stop(0s);
}

TEST_F(NetpollTest, LargeMessagesThroughSmallSocketBuffersArriveIntact) {
  EchoHandler handler;
  NetpollOptions o = Options(1);
  o.high_water_mark = 256 << 10;  // pauses and resumes reading along the way
  o.read_budget = 64 << 10;
  NetpollTransport t(o);
  auto bound = t.Listen(Loopback(), {}, &handler);
  ASSERT_TRUE(bound.ok());
  ASSERT_TRUE(t.Start().ok());

  // Small client buffers: the server's writes are cut short and its reads
  // come in pieces.
  const int fd = ConnectTo(*bound, 4096, 4096);
  ASSERT_GE(fd, 0);
  const std::vector<size_t> sizes = {2 << 20, 1, 300 << 10, 65536, 1 << 20};
  std::thread sender([&] {
    for (size_t i = 0; i < sizes.size(); ++i)
      ASSERT_TRUE(SendAll(fd, MakeFrame(100 + i, sizes[i])));
  });
  for (size_t i = 0; i < sizes.size(); ++i) {
    const std::string want = MakeFrame(100 + i, sizes[i]);
    std::string got(want.size(), '\0');
    ASSERT_TRUE(RecvAll(fd, got.data(), got.size())) << "frame " << i;
    ASSERT_TRUE(got == want) << "frame " << i << " differs";
  }
  sender.join();
  ::close(fd);
  ASSERT_TRUE(WaitFor([&] { return handler.closes() == 1; }));
  t.Stop(0s);
}

// A large frame whose start arrives in a small block is not joined when the
// handler reads it: the start moves into a block of the frame's size (a copy
// of at most one read), and later frames like it land whole in a block
// sized by the last one.
TEST_F(NetpollTest, LargeExpectedFramesLandInOneBlock) {
  EchoHandler handler;
  NetpollTransport t(Options(1));
  auto bound = t.Listen(Loopback(), {}, &handler);
  ASSERT_TRUE(bound.ok());
  ASSERT_TRUE(t.Start().ok());
  const int fd = ConnectTo(*bound);
  ASSERT_GE(fd, 0);
  constexpr size_t kFrame = size_t{1} << 20;
  constexpr int kFrames = 4;
  const PayloadCopies before = PayloadCopyStats();
  for (int i = 0; i < kFrames; ++i) {
    const std::string frame = MakeFrame(7 + i, kFrame);
    ASSERT_TRUE(SendAll(fd, frame));
    std::string got(frame.size(), '\0');
    ASSERT_TRUE(RecvAll(fd, got.data(), got.size())) << "frame " << i;
    ASSERT_TRUE(got == frame) << "frame " << i << " differs";
  }
  const PayloadCopies after = PayloadCopyStats();
  // Joining even one frame would copy a whole megabyte.
  EXPECT_LT(after.bytes - before.bytes, kFrame)
      << (after.count - before.count) << " copies of " << (after.bytes - before.bytes) << " bytes";
  ::close(fd);
  ASSERT_TRUE(WaitFor([&] { return handler.closes() == 1; }));
  t.Stop(0s);
}

TEST_F(NetpollTest, PeerResetMidMessageClosesAndFreesTheConnection) {
  EchoHandler handler;
  NetpollTransport t(Options(1));
  auto bound = t.Listen(Loopback(), {}, &handler);
  ASSERT_TRUE(bound.ok());
  ASSERT_TRUE(t.Start().ok());
  for (int i = 0; i < 20; ++i) {
    const int fd = ConnectTo(*bound);
    ASSERT_GE(fd, 0);
    const std::string f = MakeFrame(i, 100000);
    ASSERT_TRUE(SendAll(fd, f.data(), 4 + 1000 * (i + 1)));  // part of the frame
    linger lg{1, 0};                                         // close sends RST
    ::setsockopt(fd, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
    ::close(fd);
  }
  ASSERT_TRUE(WaitFor([&] { return handler.closes() == 20; }));
  for (const Status& why : handler.reasons()) EXPECT_FALSE(why.ok());
  EXPECT_EQ(handler.frames(), 0u);
  EXPECT_EQ(t.GetStats().open_connections, 0);
  for (const ConnectionRef& c : handler.conns()) {
    EXPECT_FALSE(c->IsOpen());
    EXPECT_EQ(c->PendingOutputBytes(), 0u);
    LinkBuffer late;
    late.Write("x", 1);
    EXPECT_EQ(c->Send(std::move(late)).code(), StatusCode::kUnavailable);
  }
  t.Stop(0s);
}

TEST_F(NetpollTest, ClientThatNeverReadsCannotGrowServerOutputPastTheHighWaterMark) {
  EchoHandler handler;
  NetpollOptions o = Options(1);
  o.high_water_mark = 256 << 10;
  o.read_budget = 64 << 10;
  NetpollTransport t(o);
  auto bound = t.Listen(Loopback(), {}, &handler);
  ASSERT_TRUE(bound.ok());
  ASSERT_TRUE(t.Start().ok());
  const int fd = ConnectTo(*bound);
  ASSERT_GE(fd, 0);
  timeval tv{0, 20000};  // sends give up after 20 ms of no room
  ::setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));

  constexpr size_t kFrame = 16 << 10;
  const std::string f = MakeFrame(1, kFrame);
  size_t sent = 0;  // bytes of the endless stream f f f ...
  int stalls = 0;
  // Send until the server stops taking bytes (it paused reading) for a
  // while; without backpressure this would run to the cap.
  constexpr size_t kCap = 256u << 20;
  while (sent < kCap && stalls < 10) {
    const size_t off = sent % f.size();
    const ssize_t k = ::send(fd, f.data() + off, f.size() - off, MSG_NOSIGNAL);
    if (k > 0) {
      sent += static_cast<size_t>(k);
      stalls = 0;
    } else {
      ++stalls;
    }
  }
  ASSERT_LT(sent, kCap) << "the server kept reading from a peer that does not read";
  ASSERT_EQ(handler.conns().size(), 1u);
  const ConnectionRef server_side = handler.conns()[0];
  // Bounded by the mark plus what one wake-up may read (and echo) before
  // the pause, plus the frame in progress.
  EXPECT_LE(server_side->PendingOutputBytes(), o.high_water_mark + o.read_budget + kFrame);
  EXPECT_GT(server_side->PendingOutputBytes(), o.high_water_mark / 2);
  const int64_t live = BlockPool::Global().GetStats().live_blocks - live_before_;
  // Output (hwm + budget) and input (budget + frame) in blocks of >= 8 KiB.
  EXPECT_LE(live * 8192, static_cast<int64_t>(2 * (o.high_water_mark + 2 * o.read_budget + kFrame)))
      << live << " live blocks";

  // Now read: the server resumes, the last frame can be finished, and every
  // byte comes back in order.
  std::string got(f.size(), '\0');
  for (size_t i = 0; i < sent / f.size(); ++i) {
    ASSERT_TRUE(RecvAll(fd, got.data(), got.size())) << "frame " << i;
    ASSERT_TRUE(got == f) << "frame " << i;
  }
  if (sent % f.size() != 0) {
    const size_t off = sent % f.size();
    ASSERT_TRUE(SendAll(fd, f.data() + off, f.size() - off));
    ASSERT_TRUE(RecvAll(fd, got.data(), got.size()));
    ASSERT_TRUE(got == f);
  }
  ::close(fd);
  ASSERT_TRUE(WaitFor([&] { return handler.closes() == 1; }));
  t.Stop(0s);
}

TEST_F(NetpollTest, HalfSentFrameIsHeldUntilTheRestArrives) {
  EchoHandler handler;
  NetpollTransport t(Options(1));
  auto bound = t.Listen(Loopback(), {}, &handler);
  ASSERT_TRUE(bound.ok());
  ASSERT_TRUE(t.Start().ok());
  const int fd = ConnectTo(*bound);
  ASSERT_GE(fd, 0);
  const std::string f = MakeFrame(9, 200000);
  ASSERT_TRUE(SendAll(fd, f.data(), 4 + 50));
  ASSERT_TRUE(WaitFor([&] { return handler.opens() == 1; }));
  std::this_thread::sleep_for(50ms);  // time for a wrong early echo to show
  EXPECT_EQ(handler.frames(), 0u);
  EXPECT_EQ(handler.closes(), 0);
  EXPECT_TRUE(handler.conns()[0]->IsOpen());
  ASSERT_TRUE(SendAll(fd, f.data() + 54, f.size() - 54));
  std::string got(f.size(), '\0');
  ASSERT_TRUE(RecvAll(fd, got.data(), got.size()));
  EXPECT_TRUE(got == f);
  ::close(fd);
  ASSERT_TRUE(WaitFor([&] { return handler.closes() == 1; }));
  t.Stop(0s);
}

TEST_F(NetpollTest, HalfClosedPeerGetsItsRepliesThenTheClose) {
  EchoHandler handler;
  NetpollTransport t(Options(1));
  auto bound = t.Listen(Loopback(), {}, &handler);
  ASSERT_TRUE(bound.ok());
  ASSERT_TRUE(t.Start().ok());
  const int fd = ConnectTo(*bound);
  ASSERT_GE(fd, 0);
  const std::string f = MakeFrame(3, 3 << 20);  // more than the socket buffers hold
  std::thread sender([&] {
    ASSERT_TRUE(SendAll(fd, f));
    ::shutdown(fd, SHUT_WR);
  });
  std::string got(f.size(), '\0');
  ASSERT_TRUE(RecvAll(fd, got.data(), got.size()));
  sender.join();
  EXPECT_TRUE(got == f);
  EXPECT_EQ(testing::WaitEof(fd), 0);
  ASSERT_TRUE(WaitFor([&] { return handler.closes() == 1; }));
  EXPECT_EQ(handler.reasons()[0].code(), StatusCode::kUnavailable);
  ::close(fd);
  t.Stop(0s);
}

// CloseAfterOutput from OnData: the output queued before it (more than the
// socket buffers hold) and a Send from another thread while it closes
// still reach the peer, then EOF (not a reset).
class ReplyThenCloseHandler : public testing::EchoHandler {
 public:
  explicit ReplyThenCloseHandler(std::string reply) : reply_(std::move(reply)) {}
  void OnData(const ConnectionRef& conn) override {
    LinkBuffer& in = conn->Input();
    reads_.fetch_add(in.Len());
    in.Skip(in.Len()).IgnoreError();
    in.Release();
    if (replied_.exchange(true)) return;
    LinkBuffer out;
    out.Write(reply_.data(), reply_.size());
    EXPECT_TRUE(conn->Send(std::move(out)).ok());
    conn->CloseAfterOutput();
    conn->CloseAfterOutput();  // idempotent
    // A late reply from another thread, queued while the connection closes:
    // handed to Send, then no longer pending, then a write pass (transport.h).
    late_ = std::thread([this, conn] {
      std::this_thread::sleep_for(20ms);
      LinkBuffer more;
      more.Write("late", 4);
      EXPECT_TRUE(conn->Send(std::move(more)).ok());
      pending_.store(false);
      conn->Send(LinkBuffer()).IgnoreError();
    });
    launched_.set_value();  // late_ is set: the test thread may join it
  }
  bool RepliesPending(const ConnectionRef&) override { return pending_.load(); }
  ~ReplyThenCloseHandler() override {
    if (late_.joinable()) late_.join();  // (after JoinLate: not joinable)
  }
  size_t reads() const { return reads_.load(); }
  void JoinLate() {
    launched_future_.wait();
    late_.join();
  }

 private:
  const std::string reply_;
  std::atomic<bool> replied_{false};
  std::atomic<bool> pending_{true};
  std::promise<void> launched_;
  std::future<void> launched_future_ = launched_.get_future();
  std::atomic<size_t> reads_{0};
  std::thread late_;
};

TEST_F(NetpollTest, CloseAfterOutputWritesWhatWasQueuedThenCloses) {
  const std::string reply = MakeFrame(9, 3 << 20);  // more than the socket buffers hold
  ReplyThenCloseHandler handler(reply);
  NetpollTransport t(Options(1));
  auto bound = t.Listen(Loopback(), {}, &handler);
  ASSERT_TRUE(bound.ok());
  ASSERT_TRUE(t.Start().ok());
  const int fd = ConnectTo(*bound);
  ASSERT_GE(fd, 0);
  ASSERT_TRUE(SendAll(fd, "x"));
  // Let the late Send happen while the 3 MB reply is still unread.
  std::this_thread::sleep_for(100ms);
  handler.JoinLate();
  std::string got(reply.size() + 4, '\0');
  ASSERT_TRUE(RecvAll(fd, got.data(), got.size()));
  EXPECT_TRUE(got.compare(0, reply.size(), reply) == 0);
  EXPECT_EQ(got.substr(reply.size()), "late");
  EXPECT_EQ(testing::WaitEof(fd), 0);
  ASSERT_TRUE(WaitFor([&] { return handler.closes() == 1; }));
  EXPECT_EQ(handler.reasons()[0].code(), StatusCode::kCancelled);
  EXPECT_EQ(handler.reads(), 1u);
  ::close(fd);
  t.Stop(0s);
}

// A peer that trickles the bytes of a frame (a slowloris) is idle too: its
// bytes complete no request, so they do not hold the connection open.
TEST_F(NetpollTest, IdleConnectionsAreClosedAndBusyOnesAreNot) {
  EchoHandler handler;
  NetpollTransport t(Options(1));
  ListenOptions lo;
  lo.idle_timeout = 300ms;
  auto bound = t.Listen(Loopback(), lo, &handler);
  ASSERT_TRUE(bound.ok());
  ASSERT_TRUE(t.Start().ok());
  const int idle = ConnectTo(*bound);
  const int slow = ConnectTo(*bound);
  const int busy = ConnectTo(*bound);
  ASSERT_GE(idle, 0);
  ASSERT_GE(slow, 0);
  ASSERT_GE(busy, 0);
  // The busy one talks every 30 ms; the slow one sends a byte of a frame
  // as often; the idle one says nothing.
  const std::string f = MakeFrame(5, 10);
  const std::string never_done = MakeFrame(6, 1000);
  std::string got(f.size(), '\0');
  bool both_closed = false;
  for (size_t i = 0; i < 200 && !both_closed; ++i) {
    ASSERT_TRUE(SendAll(busy, f));
    ASSERT_TRUE(RecvAll(busy, got.data(), got.size())) << "the busy connection was closed";
    ::send(slow, never_done.data() + i, 1, MSG_NOSIGNAL);
    std::this_thread::sleep_for(30ms);
    both_closed = handler.closes() >= 2;
  }
  ASSERT_TRUE(both_closed) << "the idle or the trickling connection was kept open";
  EXPECT_EQ(testing::WaitEof(idle), 0);
  EXPECT_EQ(handler.closes(), 2);
  EXPECT_EQ(handler.reasons()[0].code(), StatusCode::kDeadlineExceeded);
  EXPECT_EQ(handler.reasons()[1].code(), StatusCode::kDeadlineExceeded);
  ::close(idle);
  ::close(slow);
  ::close(busy);
  t.Stop(0s);
}

TEST_F(NetpollTest, StopWithTrafficInFlightClosesEverythingAndJoins) {
  auto handler = std::make_unique<EchoHandler>();
  auto t = std::make_unique<NetpollTransport>(Options(2));
  auto bound = t->Listen(Loopback(), {}, handler.get());
  ASSERT_TRUE(bound.ok());
  ASSERT_TRUE(t->Start().ok());
  std::atomic<bool> done{false};
  std::atomic<int> round_trips{0};
  std::vector<std::thread> clients;
  for (int c = 0; c < 8; ++c) {
    clients.emplace_back([&, c] {
      const int fd = ConnectTo(*bound);
      if (fd < 0) return;
      timeval tv{2, 0};
      ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
      for (int i = 0; !done.load(); ++i) {
        const std::string f = MakeFrame(c * 1000 + i, 1 + (i * 977) % 200000);
        if (!SendAll(fd, f)) break;
        std::string got(f.size(), '\0');
        if (!RecvAll(fd, got.data(), got.size())) break;
        EXPECT_TRUE(got == f);
        round_trips.fetch_add(1);
      }
      ::close(fd);
    });
  }
  ASSERT_TRUE(WaitFor([&] { return round_trips.load() >= 40; }));
  t->Stop(100ms);
  EXPECT_EQ(handler->opens(), handler->closes());
  EXPECT_EQ(t->GetStats().open_connections, 0);
  done.store(true);
  for (auto& th : clients) th.join();
  // Listen and Dial after Stop are refused; Stop again is a no-op.
  EXPECT_EQ(t->Listen(Loopback(), {}, handler.get()).status().code(),
            StatusCode::kFailedPrecondition);
  Status dial_status;
  t->Dial(*bound, 1s, handler.get(), [&](Result<ConnectionRef> r) { dial_status = r.status(); });
  EXPECT_EQ(dial_status.code(), StatusCode::kFailedPrecondition);
  t->Stop(0s);
  t.reset();
}

TEST_F(NetpollTest, DestructorStopsARunningTransport) {
  EchoHandler handler;
  int fd = -1;
  {
    NetpollTransport t(Options(2));
    auto bound = t.Listen(Loopback(), {}, &handler);
    ASSERT_TRUE(bound.ok());
    ASSERT_TRUE(t.Start().ok());
    fd = ConnectTo(*bound);
    ASSERT_GE(fd, 0);
    ASSERT_TRUE(WaitFor([&] { return handler.opens() == 1; }));
  }
  EXPECT_EQ(handler.closes(), 1);
  EXPECT_EQ(testing::WaitEof(fd), 0);
  ::close(fd);
}

// Workers Send on connections while clients send data, disconnect, and
// other threads Close() them: TSan watches the handoffs; the checks are that
// every open is matched by one close and that Sends to closed connections
// fail cleanly.
TEST_F(NetpollTest, CloseRacesWithArrivingDataAndSendsFromOtherThreads) {
  EchoHandler handler;
  NetpollTransport t(Options(2));
  auto bound = t.Listen(Loopback(), {}, &handler);
  ASSERT_TRUE(bound.ok());
  ASSERT_TRUE(t.Start().ok());
  constexpr int kConns = 24;
  std::vector<int> fds;
  for (int i = 0; i < kConns; ++i) {
    fds.push_back(ConnectTo(*bound));
    ASSERT_GE(fds.back(), 0);
  }
  ASSERT_TRUE(WaitFor([&] { return handler.opens() == kConns; }));
  const std::vector<ConnectionRef> conns = handler.conns();

  std::atomic<bool> stop{false};
  std::atomic<int> send_ok{0}, send_closed{0};
  std::vector<std::thread> threads;
  threads.reserve(kConns + 4);
  for (int w = 0; w < 3; ++w) {
    threads.emplace_back([&, w] {
      std::mt19937 rng(w);
      while (!stop.load()) {
        const ConnectionRef& c = conns[rng() % conns.size()];
        // Peers here read little: do not queue without bound.
        if (c->PendingOutputBytes() > (1u << 20)) {
          std::this_thread::yield();
          continue;
        }
        LinkBuffer out;
        const std::string f = MakeFrame(rng(), rng() % 4096);
        out.Write(f.data(), f.size());
        Status st = c->Send(std::move(out));
        (st.ok() ? send_ok : send_closed).fetch_add(1);
        if (!st.ok()) {
          EXPECT_EQ(st.code(), StatusCode::kUnavailable);
        }
        (void)c->PendingOutputBytes();
        (void)c->IsOpen();
      }
    });
  }
  // Clients: send frames and drain whatever comes back, without checking
  // framing (worker Sends interleave with echoes at frame boundaries).
  for (int i = 0; i < kConns; ++i) {
    threads.emplace_back([&, i] {
      timeval tv{0, 100000};
      ::setsockopt(fds[i], SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
      char buf[65536];
      for (int k = 0; k < 30 && !stop.load(); ++k) {
        const std::string f = MakeFrame(i + k, 100 + k * 50);
        if (!SendAll(fds[i], f)) break;
        if (::recv(fds[i], buf, sizeof(buf), 0) == 0) break;
      }
      if (i % 3 == 0) {
        linger lg{1, 0};
        ::setsockopt(fds[i], SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
      }
      if (i % 2 == 0) {
        ::close(fds[i]);
        fds[i] = -1;
      }
    });
  }
  // Closers: the server closes odd connections while traffic flows.
  threads.emplace_back([&] {
    for (int i = 1; i < kConns; i += 2) {
      std::this_thread::sleep_for(2ms);
      conns[i]->Close();
      conns[i]->Close();  // idempotent
    }
  });
  constexpr int kWorkers = 3;
  for (size_t i = kWorkers; i < threads.size(); ++i) threads[i].join();
  // The rest close from the client side while the workers still send.
  for (int& fd : fds) {
    if (fd >= 0) ::close(fd);
    fd = -1;
  }
  const bool all_closed = WaitFor([&] { return handler.closes() == kConns; });
  stop.store(true);
  for (int i = 0; i < kWorkers; ++i) threads[i].join();
  ASSERT_TRUE(all_closed);
  EXPECT_EQ(handler.opens(), kConns);
  for (const ConnectionRef& c : conns) EXPECT_FALSE(c->IsOpen());
  EXPECT_GT(send_ok.load() + send_closed.load(), 0);
  LinkBuffer late;
  late.Write("late", 4);
  EXPECT_EQ(conns[1]->Send(std::move(late)).code(), StatusCode::kUnavailable);
  t.Stop(0s);
}

// A client handler over the transport's own dialer: sends frames, checks
// echoes, counts completions.
class EchoClient : public ConnectionHandler {
 public:
  explicit EchoClient(int frames, size_t size) : frames_(frames), size_(size) {}
  void OnOpen(const ConnectionRef& conn) override { SendNext(conn); }
  void OnData(const ConnectionRef& conn) override {
    LinkBuffer& in = conn->Input();
    const size_t n = 4 + size_;
    while (in.Len() >= n) {
      std::string got;
      ASSERT_TRUE(in.ReadString(n, &got).ok());
      const int k = sent_.load() - 1;
      if (got != MakeFrame(k, size_)) bad_.fetch_add(1);
      if (done_.fetch_add(1) + 1 < frames_) {
        SendNext(conn);
      }
    }
    in.Release();
    conn->ExpectBytes(n);
  }
  void OnClose(const ConnectionRef&, const Status& why) override { closes_.fetch_add(1); }
  int done() const { return done_.load(); }
  int bad() const { return bad_.load(); }
  int closes() const { return closes_.load(); }

 private:
  void SendNext(const ConnectionRef& conn) {
    const std::string f = MakeFrame(sent_.fetch_add(1), size_);
    LinkBuffer out;
    out.Write(f.data(), f.size());
    ASSERT_TRUE(conn->Send(std::move(out)).ok());
  }
  const int frames_;
  const size_t size_;
  std::atomic<int> sent_{0}, done_{0}, bad_{0}, closes_{0};
};

void DialAndEcho(const char* address) {
  EchoHandler server_handler;
  NetpollOptions o;
  o.pollers = 1;
  NetpollTransport server(o);
  auto ep = Endpoint::Parse(address);
  ASSERT_TRUE(ep.ok()) << ep.status();
  auto bound = server.Listen(*ep, {}, &server_handler);
  if (!bound.ok() && ep->family() == Endpoint::Family::kIpv6) {
    GTEST_SKIP() << "no IPv6 loopback here: " << bound.status();
  }
  ASSERT_TRUE(bound.ok()) << bound.status();
  ASSERT_TRUE(server.Start().ok());

  NetpollTransport client(o);
  ASSERT_TRUE(client.Start().ok());
  EchoClient echo(50, 3000);
  std::promise<Result<ConnectionRef>> dialed;
  client.Dial(*bound, 2s, &echo, [&](Result<ConnectionRef> r) {
    EXPECT_TRUE(client.OnPollerThread());
    dialed.set_value(std::move(r));
  });
  Result<ConnectionRef> conn = dialed.get_future().get();
  ASSERT_TRUE(conn.ok()) << conn.status();
  EXPECT_EQ((*conn)->peer().ToString(), bound->ToString());
  EXPECT_FALSE((*conn)->IsOnPollerThread());
  ASSERT_TRUE(WaitFor([&] { return echo.done() == 50; }));
  EXPECT_EQ(echo.bad(), 0);
  (*conn)->Close();
  ASSERT_TRUE(WaitFor([&] { return echo.closes() == 1 && server_handler.closes() == 1; }));
  client.Stop(0s);
  server.Stop(0s);
}

TEST_F(NetpollTest, DialAndEchoOverIpv4) { DialAndEcho("127.0.0.1:0"); }
TEST_F(NetpollTest, DialAndEchoOverIpv6) { DialAndEcho("[::1]:0"); }

TEST_F(NetpollTest, DialAndEchoOverUnixSocketAndRemoveItsFile) {
  tern::testing::TempDir dir;
  const std::string path = dir / "echo.sock";
  DialAndEcho(("unix:" + path).c_str());
  EXPECT_FALSE(std::filesystem::exists(path));
}

TEST_F(NetpollTest, DialToAClosedPortIsRefused) {
  // A bound socket that does not listen answers SYN with RST.
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  Endpoint ep = Loopback();
  ASSERT_EQ(::bind(fd, ep.addr(), ep.addr_len()), 0);
  auto target = sys::LocalEndpoint(fd);
  ASSERT_TRUE(target.ok());
  NetpollTransport t(Options(1));
  ASSERT_TRUE(t.Start().ok());
  EchoHandler handler;
  std::promise<Status> result;
  t.Dial(*target, 2s, &handler, [&](Result<ConnectionRef> r) { result.set_value(r.status()); });
  const Status st = result.get_future().get();
  EXPECT_EQ(st.code(), StatusCode::kUnavailable) << st;
  EXPECT_NE(st.message().find("refused"), std::string_view::npos) << st;
  EXPECT_EQ(handler.opens(), 0);
  ::close(fd);
  t.Stop(0s);
}

TEST_F(NetpollTest, DialToAFullBacklogTimesOut) {
  // listen(fd, 0) takes one connection into its queue and drops further
  // SYNs, so a connect to it stays pending: a timeout with no traffic
  // leaving the machine.
  const int lfd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  Endpoint ep = Loopback();
  ASSERT_EQ(::bind(lfd, ep.addr(), ep.addr_len()), 0);
  ASSERT_EQ(::listen(lfd, 0), 0);
  auto target = sys::LocalEndpoint(lfd);
  ASSERT_TRUE(target.ok());
  std::vector<int> fillers;
  bool full = false;
  for (int i = 0; i < 16 && !full; ++i) {
    const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    fillers.push_back(fd);
    ::connect(fd, target->addr(), target->addr_len());
    pollfd pfd{fd, POLLOUT, 0};
    full = ::poll(&pfd, 1, 200) == 0;  // not established within 200 ms
  }
  ASSERT_TRUE(full) << "could not fill the backlog";

  NetpollTransport t(Options(1));
  ASSERT_TRUE(t.Start().ok());
  EchoHandler handler;
  std::promise<Status> result;
  t.Dial(*target, 150ms, &handler, [&](Result<ConnectionRef> r) { result.set_value(r.status()); });
  const Status st = result.get_future().get();
  EXPECT_EQ(st.code(), StatusCode::kDeadlineExceeded) << st;
  EXPECT_NE(st.message().find("timed out after 150 ms"), std::string_view::npos) << st;
  EXPECT_EQ(t.GetStats().open_connections, 0);
  for (int fd : fillers) ::close(fd);
  ::close(lfd);
  t.Stop(0s);
}

TEST_F(NetpollTest, StopFailsDialsInProgress) {
  const int lfd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  Endpoint ep = Loopback();
  ASSERT_EQ(::bind(lfd, ep.addr(), ep.addr_len()), 0);
  ASSERT_EQ(::listen(lfd, 0), 0);
  auto target = sys::LocalEndpoint(lfd);
  std::vector<int> fillers;
  for (int i = 0; i < 16; ++i) {
    const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    fillers.push_back(fd);
    ::connect(fd, target->addr(), target->addr_len());
    pollfd pfd{fd, POLLOUT, 0};
    if (::poll(&pfd, 1, 200) == 0) break;
  }
  NetpollTransport t(Options(1));
  ASSERT_TRUE(t.Start().ok());
  EchoHandler handler;
  std::promise<Status> result;
  t.Dial(*target, 60s, &handler, [&](Result<ConnectionRef> r) { result.set_value(r.status()); });
  std::this_thread::sleep_for(20ms);
  t.Stop(0s);
  auto f = result.get_future();
  ASSERT_EQ(f.wait_for(0s), std::future_status::ready) << "Stop returned before the callback";
  EXPECT_EQ(f.get().code(), StatusCode::kCancelled);
  for (int fd : fillers) ::close(fd);
  ::close(lfd);
}

}  // namespace
}  // namespace tern::netpoll
