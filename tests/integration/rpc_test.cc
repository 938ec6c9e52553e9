// Client <-> server tests of the RPC runtime over real loopback sockets,
// with the default plugins (netpoll, thrift_fast): generated stubs, sync and
// async calls, declared and undeclared exceptions, unknown methods,
// overload, deadlines, workers and reply order, graceful shutdown,
// middleware, metrics, load balancing and retries.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <coroutine>
#include <cstring>
#include <future>
#include <thread>

#include "calc_impl.h"
#include "raw_client.h"
#include "rpc_test_services.h"
#include "tern/rpc/client.h"
#include "tern/rpc/runtime.h"
#include "tern/rpc/server.h"

namespace tern::rpc {
namespace {

using namespace std::chrono_literals;
namespace t = ::tern::test::rpc;
using testing::CalcImpl;
using testing::RawClient;

// `server_keys`, `netpoll_keys`: more lines of the [server] and [netpoll]
// sections.
std::shared_ptr<Runtime> MakeRuntime(const std::string& server_keys = "",
                                     const std::string& netpoll_keys = "") {
  auto rt = Runtime::FromText("[server]\naddress = 127.0.0.1:0\n" + server_keys +
                              "[netpoll]\npollers = 1\n" + netpoll_keys);
  EXPECT_TRUE(rt.ok()) << rt.status();
  return *rt;
}

// Waits (bounded) until the server has `n` calls in flight.
void WaitInflight(const Server& server, int64_t n) {
  for (int i = 0; i < 500 && server.stats().inflight < n; ++i) std::this_thread::sleep_for(2ms);
  ASSERT_GE(server.stats().inflight, n);
}

struct Served {
  std::shared_ptr<Runtime> rt;
  std::unique_ptr<Server> server;
  Endpoint ep;
};

Served Serve(const std::string& extra = "",
             std::shared_ptr<t::CalcAsyncHandler> handler = std::make_shared<CalcImpl>(),
             const std::string& netpoll_keys = "") {
  Served s;
  s.rt = MakeRuntime(extra, netpoll_keys);
  auto server = Server::Create(s.rt);
  EXPECT_TRUE(server.ok()) << server.status();
  s.server = std::move(*server);
  EXPECT_TRUE(s.server->Serve(handler).ok());
  auto ep = s.server->Start();
  EXPECT_TRUE(ep.ok()) << ep.status();
  s.ep = *ep;
  return s;
}

std::shared_ptr<Channel> Connect(const std::shared_ptr<Runtime>& rt, const std::string& endpoints,
                                 int pool = 1, int retries = 1, Duration timeout = 5s,
                                 LoadBalancer lb = LoadBalancer::kRoundRobin,
                                 const std::string& framing = "framed") {
  ClientOptions o;
  auto r = StaticResolver::Parse(endpoints);
  EXPECT_TRUE(r.ok()) << r.status();
  o.resolver = *r;
  o.pool_size = pool;
  o.retries = retries;
  o.timeout = timeout;
  o.load_balancer = lb;
  o.framing = framing;
  auto ch = Channel::Create(rt, o);
  EXPECT_TRUE(ch.ok()) << ch.status();
  return *ch;
}

TEST(RpcTest, SyncCallsIncludingBaseServiceAndDeclaredException) {
  Served s = Serve();
  t::CalcClient c(Connect(s.rt, s.ep.ToString()));
  EXPECT_EQ(c.ping("tern"), "pong tern");  // from the base service
  EXPECT_EQ(c.add(-5, int64_t{1} << 40), (int64_t{1} << 40) - 5);
  EXPECT_EQ(c.fail(0), "ok");
  try {
    c.fail(7);
    ADD_FAILURE() << "no exception";
  } catch (const t::CalcError& e) {
    EXPECT_EQ(e.code, 7);
    EXPECT_EQ(e.message, "failed 7");
  }
  c.sleep(1);
  const std::string big = c.big(300000);  // encoded by reference on the server
  ASSERT_EQ(big.size(), 300000u);
  for (size_t i = 0; i < big.size(); i += 997) EXPECT_EQ(big[i], static_cast<char>(i * 7));
  t::Pair p;
  p.key = "k";
  p.values = {1, -2, 3};
  p.set_extra({{"a", 1}});
  EXPECT_EQ(c.echoPair(p), p);
}

TEST(RpcTest, OnewayIsSentWithoutWaitingAndArrivesInOrder) {
  Served s = Serve();
  t::CalcClient c(Connect(s.rt, s.ep.ToString()));
  c.notify(42);
  // Same connection (pool 1): the oneway was handled before this call.
  EXPECT_EQ(c.last(), 42);
}

TEST(RpcTest, ManyAsyncCallsOutstandingOnOneConnection) {
  Served s = Serve();
  t::CalcClient c(Connect(s.rt, s.ep.ToString(), /*pool=*/1));
  std::vector<Future<int64_t>> fs;
  for (int i = 0; i < 500; ++i) fs.push_back(c.add_async(i, 1000));
  for (int i = 0; i < 500; ++i) EXPECT_EQ(fs[i].Get(), i + 1000);
  EXPECT_EQ(s.server->stats().connections, 1);
}

TEST(RpcTest, UndeclaredExceptionIsInternalErrorAndConnectionStaysUsable) {
  Served s = Serve();
  t::CalcClient c(Connect(s.rt, s.ep.ToString()));
  try {
    c.boom();
    ADD_FAILURE() << "no exception";
  } catch (const RpcError& e) {
    EXPECT_EQ(e.kind(), RpcErrorKind::kApplication);
    EXPECT_EQ(e.app_type(), AppException::kInternalError);
    EXPECT_NE(std::string(e.what()).find("kaboom"), std::string::npos) << e.what();
  }
  EXPECT_EQ(c.add(1, 2), 3);
}

TEST(RpcTest, UnknownMethodIsAnsweredAndConnectionStaysUsable) {
  Served s = Serve();
  auto ch = Connect(s.rt, s.ep.ToString());
  // A method the server does not have, described by hand.
  static constexpr MethodDesc kNope{"Calc", "nope", &t::Calc_last_args::kTernTypeInfo,
                                    &t::Calc_last_result::kTernTypeInfo, false};
  t::Calc_last_args args;
  auto* call = new detail::StubCall<t::Calc_last_result, int64_t>(
      [](t::Calc_last_result& r, detail::FutureState<int64_t>& out) { out.SetValue(r.success); });
  Future<int64_t> f = call->future();
  ch->Call(kNope, &args, call, {});
  try {
    f.Get();
    ADD_FAILURE() << "no exception";
  } catch (const RpcError& e) {
    EXPECT_EQ(e.kind(), RpcErrorKind::kApplication);
    EXPECT_EQ(e.app_type(), AppException::kUnknownMethod);
    EXPECT_NE(std::string(e.what()).find("nope"), std::string::npos) << e.what();
  }
  t::CalcClient c(ch);
  EXPECT_EQ(c.add(2, 3), 5);
  EXPECT_EQ(s.server->stats().connections, 1);

  // A long name: the reply's envelope repeats it, its message quotes only
  // the start of it.
  RawClient raw(s.ep);
  const std::string name(100000, 'n');
  raw.Send(name, 7, args);
  EXPECT_EQ(raw.Read(), std::make_pair(3, 7));  // EXCEPTION
  EXPECT_LT(raw.last_size(), name.size() + 1000);
}

TEST(RpcTest, BeyondMaxInflightIsAnsweredWithAnException) {
  Served s = Serve("max_inflight = 1\nworkers = 1\n");
  t::CalcClient c(Connect(s.rt, s.ep.ToString()));
  Future<void> slow = c.sleep_async(300);
  WaitInflight(*s.server, 1);
  try {
    c.add(1, 1);
    ADD_FAILURE() << "no exception";
  } catch (const RpcError& e) {
    EXPECT_EQ(e.kind(), RpcErrorKind::kApplication);
    EXPECT_NE(std::string(e.what()).find("overloaded"), std::string::npos) << e.what();
  }
  slow.Get();
  EXPECT_EQ(c.add(1, 1), 2);
  EXPECT_GE(s.server->stats().rejected, 1u);
}

// Args whose containers would take more memory than [codec] max_decoded
// once decoded are answered with an exception; the connection stays usable.
TEST(RpcTest, ArgsOverMaxDecodedAreAnsweredWithAnException) {
  Served s = Serve("", std::make_shared<CalcImpl>(), "[codec]\nmax_decoded = 64k\n");
  auto client_rt = MakeRuntime();  // the client's own limits: the default
  t::CalcClient c(Connect(client_rt, s.ep.ToString()));
  t::Pair p;
  p.key = "k";
  p.values.assign(4096, 7);  // 32 KB decoded: within the budget
  EXPECT_EQ(c.echoPair(p), p);
  p.values.assign(16384, 7);  // 128 KB decoded
  try {
    c.echoPair(p);
    ADD_FAILURE() << "no exception";
  } catch (const RpcError& e) {
    EXPECT_EQ(e.kind(), RpcErrorKind::kApplication);
    EXPECT_NE(std::string(e.what()).find("max_decoded"), std::string::npos) << e.what();
  }
  EXPECT_EQ(c.add(1, 1), 2);
}

TEST(RpcTest, DeadlineFailsTheCallAndALateReplyIsDropped) {
  Served s = Serve("workers = 2\n");
  t::CalcClient c(Connect(s.rt, s.ep.ToString()));
  CallOptions o;
  o.timeout = 50ms;
  try {
    c.sleep(400, o);
    ADD_FAILURE() << "no exception";
  } catch (const RpcError& e) {
    EXPECT_EQ(e.kind(), RpcErrorKind::kTimeout);
    EXPECT_NE(std::string(e.what()).find("timed out after 50 ms"), std::string::npos) << e.what();
    EXPECT_EQ(e.endpoint(), s.ep.ToString());
  }
  std::this_thread::sleep_for(450ms);  // the late reply arrives and is dropped
  EXPECT_EQ(c.add(4, 4), 8);
}

TEST(RpcTest, RefusedConnectionNamesTheEndpoint) {
  // A port that was free a moment ago: nothing listens there.
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a), 0);
  socklen_t len = sizeof a;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
  ::close(fd);
  const std::string ep = "127.0.0.1:" + std::to_string(ntohs(a.sin_port));
  auto rt = MakeRuntime();
  t::CalcClient c(Connect(rt, ep, 1, /*retries=*/2));
  try {
    c.ping("x");
    ADD_FAILURE() << "no exception";
  } catch (const RpcError& e) {
    EXPECT_EQ(e.kind(), RpcErrorKind::kUnavailable);
    EXPECT_NE(std::string(e.what()).find(ep), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("refused"), std::string::npos) << e.what();
  }
}

TEST(RpcTest, RetriesADeadEndpointOnALiveOne) {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a), 0);
  socklen_t len = sizeof a;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
  ::close(fd);
  Served s = Serve();
  const std::string dead = "127.0.0.1:" + std::to_string(ntohs(a.sin_port));
  t::CalcClient c(Connect(s.rt, dead + "," + s.ep.ToString(), 1, /*retries=*/1));
  for (int i = 0; i < 20; ++i) EXPECT_EQ(c.add(i, 1), i + 1);
}

TEST(RpcTest, RoundRobinAndWeightedRandomUseEveryEndpoint) {
  Served a = Serve();
  Served b = Serve();
  for (LoadBalancer lb : {LoadBalancer::kRoundRobin, LoadBalancer::kWeightedRandom}) {
    const uint64_t a0 = a.server->stats().calls, b0 = b.server->stats().calls;
    t::CalcClient c(Connect(a.rt, a.ep.ToString() + "," + b.ep.ToString() + "=3", 1, 1, 5s, lb));
    for (int i = 0; i < 200; ++i) EXPECT_EQ(c.add(i, 0), i);
    EXPECT_GT(a.server->stats().calls - a0, 10u);
    EXPECT_GT(b.server->stats().calls - b0, 10u);
  }
}

TEST(RpcTest, BufferedFramingEndToEnd) {
  Served s = Serve("framing = buffered\n");
  t::CalcClient c(Connect(s.rt, s.ep.ToString(), 1, 1, 5s, LoadBalancer::kRoundRobin, "buffered"));
  EXPECT_EQ(c.ping("b"), "pong b");
  EXPECT_EQ(c.big(100000).size(), 100000u);
}

// framing = auto: each connection is served in the framing of its first
// message, so framed and buffered clients share one server, pipelined
// calls included; bytes that fit neither close only their connection.
TEST(RpcTest, AutoFramingServesFramedAndBufferedClients) {
  Served s = Serve("framing = auto\n");
  t::CalcClient framed(
      Connect(s.rt, s.ep.ToString(), 1, 1, 5s, LoadBalancer::kRoundRobin, "framed"));
  t::CalcClient buffered(
      Connect(s.rt, s.ep.ToString(), 1, 1, 5s, LoadBalancer::kRoundRobin, "buffered"));
  for (int i = 0; i < 20; ++i) {
    EXPECT_EQ(framed.add(i, 1), i + 1);
    EXPECT_EQ(buffered.add(i, 2), i + 2);
  }
  EXPECT_EQ(buffered.ping("b"), "pong b");
  EXPECT_EQ(framed.big(100000).size(), 100000u);
  EXPECT_EQ(buffered.big(100000).size(), 100000u);
  std::vector<Future<int64_t>> pending;
  for (int i = 0; i < 10; ++i) pending.push_back(buffered.add_async(i, i));
  for (int i = 0; i < 10; ++i) EXPECT_EQ(pending[static_cast<size_t>(i)].Get(), 2 * i);
  EXPECT_EQ(s.server->stats().connections, 2);
}

TEST(RpcTest, IdleConnectionsAreClosedAndRedialed) {
  Served s = Serve();
  ClientOptions o;
  o.resolver = *StaticResolver::Parse(s.ep.ToString());
  o.idle_timeout = 100ms;
  auto ch = Channel::Create(s.rt, o);
  ASSERT_TRUE(ch.ok()) << ch.status();
  t::CalcClient c(*ch);
  EXPECT_EQ(c.add(1, 1), 2);
  EXPECT_EQ(s.server->stats().connections, 1);
  // The sweep runs about once a second.
  for (int i = 0; i < 40 && s.server->stats().connections != 0; ++i) {
    std::this_thread::sleep_for(100ms);
  }
  EXPECT_EQ(s.server->stats().connections, 0);
  EXPECT_EQ(c.add(2, 2), 4);
}

TEST(RpcTest, WorkersAnswerPipelinedCallsInRequestOrder) {
  Served s = Serve("workers = 2\n");
  RawClient raw(s.ep);
  t::Calc_sleep_args slow;
  slow.ms = 200;
  t::Calc_add_args fast;
  fast.a = 1;
  fast.b = 2;
  raw.Send("sleep", 10, slow);
  raw.Send("add", 11, fast);
  raw.Send("add", 12, fast);
  EXPECT_EQ(raw.Read(), std::make_pair(2, 10));  // REPLY
  EXPECT_EQ(raw.Read(), std::make_pair(2, 11));
  EXPECT_EQ(raw.Read(), std::make_pair(2, 12));
}

// A peer that pipelines small requests for large replies and reads none:
// the server stops serving them once its output passes the high-water mark
// (on workers, also once max_pending_per_connection are being served)
// instead of holding every reply, and serves the rest, in order, as the
// peer reads.
TEST(RpcTest, APeerThatDoesNotReadItsRepliesIsServedAsItReads) {
  for (const char* workers : {"workers = 0\n", "workers = 2\nmax_pending_per_connection = 4\n"}) {
    SCOPED_TRACE(workers);
    Served s = Serve(workers, std::make_shared<CalcImpl>(), "high_water_mark = 262144\n");
    RawClient raw(s.ep);
    t::Calc_big_args big;
    big.size = 1 << 20;
    std::string requests;
    constexpr int kCalls = 64;
    for (int i = 0; i < kCalls; ++i) {
      std::string a(big.BLength(), '\0');
      big.FastWrite(reinterpret_cast<uint8_t*>(a.data()));
      requests += testing::CallFrame("big", i, a);
    }
    raw.SendBytes(requests);  // one write, ~2 KB, for 64 MiB of replies
    std::this_thread::sleep_for(300ms);
    // Socket buffers take a few replies; the rest wait for the reader.
    EXPECT_LT(s.server->stats().calls + static_cast<uint64_t>(s.server->stats().inflight), 24u);
    raw.SetTimeout(5000);
    for (int i = 0; i < kCalls; ++i) ASSERT_EQ(raw.Read(), std::make_pair(2, i));  // REPLY
  }
}

// A peer that sends its calls and closes its sending side (shutdown
// SHUT_WR) still gets every reply, also from workers, then the close.
TEST(RpcTest, APeerThatHalfClosesGetsEveryReply) {
  Served s = Serve("workers = 2\n");
  RawClient raw(s.ep);
  t::Calc_sleep_args slow;
  slow.ms = 5;
  for (int i = 0; i < 20; ++i) raw.Send("sleep", i, slow);
  raw.ShutdownWrite();
  raw.SetTimeout(5000);
  for (int i = 0; i < 20; ++i) ASSERT_EQ(raw.Read(), std::make_pair(2, i));
  EXPECT_EQ(raw.Read().first, -1);  // then the server closes
}

// idle_timeout_ms closes a connection that trickles bytes without
// completing a request, but not one waiting for a long call.
TEST(RpcTest, IdleTimeoutSparesCallsInFlightAndClosesTricklers) {
  Served s = Serve("workers = 1\nidle_timeout_ms = 300\n");
  RawClient waiting(s.ep);
  t::Calc_sleep_args slow;
  slow.ms = 700;
  waiting.Send("sleep", 1, slow);
  RawClient trickler(s.ep);
  trickler.SetTimeout(3000);
  const std::string frame = testing::CallFrame("add", 2, std::string(20, '\0'));
  for (size_t i = 0; i < 4; ++i) {
    trickler.SendBytes(frame.substr(i, 1));
    std::this_thread::sleep_for(100ms);
  }
  waiting.SetTimeout(3000);
  EXPECT_EQ(waiting.Read(), std::make_pair(2, 1));  // answered, not closed as idle
  EXPECT_EQ(trickler.Read().first, -1);             // closed
}

TEST(RpcTest, AWorkerFinishingAfterItsClientLeftDoesNoHarm) {
  Served s = Serve("workers = 1\n");
  {
    RawClient raw(s.ep);
    t::Calc_sleep_args slow;
    slow.ms = 150;
    raw.Send("sleep", 1, slow);
    std::this_thread::sleep_for(30ms);
  }  // closed while the worker sleeps
  std::this_thread::sleep_for(250ms);
  t::CalcClient c(Connect(s.rt, s.ep.ToString()));
  EXPECT_EQ(c.add(1, 2), 3);
}

TEST(RpcTest, MalformedFrameClosesOnlyThatConnection) {
  Served s = Serve();
  t::CalcClient c(Connect(s.rt, s.ep.ToString()));
  EXPECT_EQ(c.add(1, 1), 2);
  RawClient raw(s.ep);
  raw.SendBytes(std::string("\xff\xff\xff\xf0garbage", 11));
  EXPECT_EQ(raw.Read().first, -1);  // closed
  t::Calc_add_args args;
  RawClient bad_type(s.ep);
  bad_type.Send("add", 5, args);  // fine
  EXPECT_EQ(bad_type.Read(), std::make_pair(2, 5));
  EXPECT_EQ(c.add(2, 2), 4);
  EXPECT_GE(s.server->stats().bad_frames, 1u);
}

// Calls followed by bytes that cannot be served, in one write: the calls
// before them are answered (inline and on workers), then the connection
// closes, as Apache's servers answer each call before reading the next.
// Neither a bad frame length nor a bad envelope drops those replies.
TEST(RpcTest, CallsBeforeBadBytesAreAnsweredBeforeTheClose) {
  const std::string bad_length("\xff\xff\xff\xff", 4);
  // A frame whose envelope has version bits 0x8002.
  const std::string bad_envelope =
      std::string("\x00\x00\x00\x0c\x80\x02\x00\x01\x00\x00\x00\x00", 12) + std::string(4, '\0');
  for (const char* workers : {"workers = 0\n", "workers = 2\n"}) {
    for (const std::string& bad : {bad_length, bad_envelope}) {
      SCOPED_TRACE(std::string(workers) + " bad bytes of " + std::to_string(bad.size()));
      Served s = Serve(workers);
      RawClient raw(s.ep);
      t::Calc_add_args add;
      add.a = 1;
      add.b = 2;
      t::Calc_sleep_args slow;
      slow.ms = 50;
      std::string calls;
      for (int i = 0; i < 5; ++i) {
        std::string a(add.BLength(), '\0');
        add.FastWrite(reinterpret_cast<uint8_t*>(a.data()));
        calls += testing::CallFrame("add", i, a);
      }
      std::string a(slow.BLength(), '\0');
      slow.FastWrite(reinterpret_cast<uint8_t*>(a.data()));
      calls += testing::CallFrame("sleep", 5, a);
      raw.SendBytes(calls + bad + "and more bytes after them");
      raw.SetTimeout(5000);
      for (int i = 0; i < 6; ++i) ASSERT_EQ(raw.Read(), std::make_pair(2, i));  // REPLY
      EXPECT_EQ(raw.Read().first, -1);                                          // then the close
      // The server is fine: a new connection is served.
      t::CalcClient c(Connect(s.rt, s.ep.ToString()));
      EXPECT_EQ(c.add(2, 2), 4);
      EXPECT_GE(s.server->stats().bad_frames, 1u);
    }
  }
}

// framing = auto: bytes that are neither a frame nor a message (HTTP, a
// frame length past the limit, a first byte of neither protocol) close that
// connection only; a client that sends its first bytes one at a time is
// still understood.
TEST(RpcTest, AutoFramingClosesOnlyConnectionsItCannotRead) {
  Served s = Serve("framing = auto\n");
  t::CalcClient c(Connect(s.rt, s.ep.ToString()));
  EXPECT_EQ(c.add(1, 1), 2);
  for (const std::string& junk :
       {std::string("GET / HTTP/1.1\r\nHost: x\r\n\r\n"), std::string("\x7f\xff\xff\xffzzzz", 8),
        std::string("\x90\x01\x00\x01garbage", 11)}) {
    RawClient raw(s.ep);
    raw.SetTimeout(5000);
    raw.SendBytes(junk);
    EXPECT_EQ(raw.Read().first, -1) << "closed";
  }
  // A framed call whose first bytes arrive one at a time.
  t::Calc_add_args args;
  args.a = 20;
  args.b = 22;
  std::string a(args.BLength(), '\0');
  args.FastWrite(reinterpret_cast<uint8_t*>(a.data()));
  const std::string frame = testing::CallFrame("add", 9, a);
  RawClient slow(s.ep);
  for (size_t i = 0; i < 6; ++i) {
    slow.SendBytes(frame.substr(i, 1));
    std::this_thread::sleep_for(2ms);
  }
  slow.SendBytes(frame.substr(6));
  EXPECT_EQ(slow.Read(), std::make_pair(2, 9));
  EXPECT_EQ(c.add(2, 2), 4);
}

// Hostile input: valid frames with bytes flipped, lengths changed or cut
// short, on connections that are reopened whenever the server closes one.
// The server must answer (REPLY or EXCEPTION), or close that connection —
// and keep serving everyone else.
TEST(RpcTest, SurvivesMutatedFrames) {
  Served s = Serve();
  t::CalcClient c(Connect(s.rt, s.ep.ToString()));
  t::Calc_echoPair_args args;
  args.p.key = "key";
  args.p.values = {1, 2, 3, 4, 5};
  args.p.set_extra({{"a", 1}, {"b", 2}});
  // The valid frame, built once.
  std::string valid;
  {
    std::string body;
    auto put32 = [&](uint32_t v) {
      v = htonl(v);
      body.append(reinterpret_cast<const char*>(&v), 4);
    };
    put32(0x80010001u);
    put32(8);
    body += "echoPair";
    put32(1);
    std::string a(args.BLength(), '\0');
    args.FastWrite(reinterpret_cast<uint8_t*>(a.data()));
    body += a;
    uint32_t len = htonl(static_cast<uint32_t>(body.size()));
    valid.assign(reinterpret_cast<const char*>(&len), 4);
    valid += body;
  }
  uint64_t rng = 0x5EED;
  auto next = [&] {
    rng += 0x9E3779B97F4A7C15ull;
    uint64_t z = rng;
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
  };
  int answered = 0, closed = 0;
  for (int i = 0; i < 300; ++i) {
    std::string f = valid;
    const int kind = static_cast<int>(next() % 3);
    if (kind == 0) {  // flip bytes after the length prefix
      for (int k = 0; k < 1 + static_cast<int>(next() % 4); ++k) {
        f[4 + next() % (f.size() - 4)] ^= static_cast<char>(1 + next() % 255);
      }
    } else if (kind == 1) {  // a frame cut short: the length says less
      const uint32_t cut = static_cast<uint32_t>(next() % (f.size() - 4));
      f.resize(4 + cut);
      const uint32_t be = htonl(cut);
      std::memcpy(f.data(), &be, 4);
    } else {  // a length prefix that lies (bigger than what follows)
      const uint32_t lie = static_cast<uint32_t>(f.size() + next() % 64);
      const uint32_t be = htonl(lie);
      std::memcpy(f.data(), &be, 4);
    }
    RawClient raw(s.ep);
    raw.SendBytes(f);
    if (kind == 2) continue;  // never completed: the server waits, then sees EOF
    // A flip may make it a oneway message nobody answers: bounded wait.
    raw.SetTimeout(500);
    const auto reply = raw.Read();
    if (reply.first == -1) {
      ++closed;
    } else {
      ++answered;
    }
  }
  EXPECT_GT(answered, 0);
  EXPECT_GT(closed, 0);
  EXPECT_EQ(c.add(20, 22), 42);  // the server still serves
  t::Pair p;
  p.key = "still";
  EXPECT_EQ(c.echoPair(p), p);
}

TEST(RpcTest, GracefulStopDrainsCallsInFlight) {
  Served s = Serve("workers = 1\n");
  t::CalcClient c(Connect(s.rt, s.ep.ToString()));
  Future<void> slow = c.sleep_async(200);
  WaitInflight(*s.server, 1);
  s.server->Stop(2s);
  EXPECT_NO_THROW(slow.Get());
  EXPECT_THROW(c.add(1, 1), RpcError);
}

class CountingMiddleware : public Middleware {
 public:
  explicit CountingMiddleware(std::string reject) : reject_(std::move(reject)) {}
  Status Before(CallContext& ctx) override {
    before.fetch_add(1);
    if (ctx.server_side && ctx.peer == nullptr) return Internal("no peer");
    if (ctx.method == reject_) return Unavailable("not allowed: " + std::string(ctx.method));
    return Status::OK();
  }
  void After(const CallContext&, const CallOutcome& o) override {
    after.fetch_add(1);
    if (o.error != CallError::kNone) errors.fetch_add(1);
  }
  std::atomic<int> before{0}, after{0}, errors{0};

 private:
  std::string reject_;
};

TEST(RpcTest, MiddlewareRunsOnBothSidesAndCanReject) {
  auto rt = MakeRuntime();
  auto server = *Server::Create(rt);
  auto smw = std::make_shared<CountingMiddleware>("fail");
  server->Use(smw);
  ASSERT_TRUE(server->Serve(std::make_shared<CalcImpl>()).ok());
  auto ep = *server->Start();
  auto ch = Connect(rt, ep.ToString());
  auto cmw = std::make_shared<CountingMiddleware>("");
  ch->Use(cmw);
  t::CalcClient c(ch);
  EXPECT_EQ(c.add(1, 1), 2);
  try {
    c.fail(0);
    ADD_FAILURE() << "no exception";
  } catch (const RpcError& e) {
    EXPECT_NE(std::string(e.what()).find("not allowed: fail"), std::string::npos) << e.what();
  }
  EXPECT_EQ(smw->before.load(), 2);
  EXPECT_EQ(smw->after.load(), 2);
  EXPECT_EQ(smw->errors.load(), 1);
  EXPECT_EQ(cmw->before.load(), 2);
  EXPECT_EQ(cmw->after.load(), 2);
  EXPECT_EQ(cmw->errors.load(), 1);
}

TEST(RpcTest, MetricsCountCallsAndErrorsPerMethod) {
  Served s = Serve();
  t::CalcClient c(Connect(s.rt, s.ep.ToString()));
  for (int i = 0; i < 10; ++i) c.add(i, i);
  EXPECT_THROW(c.fail(3), t::CalcError);
  const std::string text = s.rt->metrics().PrometheusText();
  EXPECT_NE(text.find("tern_rpc_calls_total{side=\"server\",service=\"Calc\",method=\"add\"} 10"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("tern_rpc_calls_total{side=\"client\",service=\"Calc\",method=\"add\"} 10"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("kind=\"declared\"} 1"), std::string::npos) << text;
  EXPECT_NE(text.find("tern_server_connections 1"), std::string::npos) << text;
}

// An asynchronous handler answering from its own thread, and one that loses
// its Reply.
class AsyncCalc : public CalcImpl {
 public:
  void async_add(int32_t a, int64_t b, Reply<int64_t> reply) override {
    std::thread([a, b, r = std::move(reply)]() mutable {
      std::this_thread::sleep_for(5ms);
      r.Send(a + b);
    }).detach();
  }
  void async_last(Reply<int64_t> reply) override { (void)reply; }  // dropped
};

TEST(RpcTest, AsyncHandlersCompleteLaterAndADroppedReplyIsAnError) {
  auto handler = std::make_shared<AsyncCalc>();
  Served s = Serve("", handler);
  t::CalcClient c(Connect(s.rt, s.ep.ToString()));
  std::vector<Future<int64_t>> fs;
  for (int i = 0; i < 20; ++i) fs.push_back(c.add_async(i, 1));
  for (int i = 0; i < 20; ++i) EXPECT_EQ(fs[i].Get(), i + 1);
  try {
    c.last();
    ADD_FAILURE() << "no exception";
  } catch (const RpcError& e) {
    EXPECT_EQ(e.app_type(), AppException::kInternalError);
  }
}

TEST(RpcTest, SyncCallOnAPollerThreadFailsAtOnce) {
  Served s = Serve("workers = 1\n");
  t::CalcClient c(Connect(s.rt, s.ep.ToString()));
  std::promise<std::string> seen;
  // The reply comes 100 ms later, so the continuation runs on the client's
  // poller (not inline here, as it would on an already finished future).
  c.sleep_async(100).Then([&](Future<void>) {
    try {
      c.add(1, 1);  // on the client's poller: must not wait
      seen.set_value("no error");
    } catch (const RpcError& e) {
      seen.set_value(RpcErrorKindName(e.kind()));
    }
  });
  EXPECT_EQ(seen.get_future().get(), "on_poller");
}

// A minimal coroutine type, enough to co_await a Future.
struct Task {
  struct promise_type {
    Task get_return_object() { return {}; }
    std::suspend_never initial_suspend() { return {}; }
    std::suspend_never final_suspend() noexcept { return {}; }
    void return_void() {}
    void unhandled_exception() { std::terminate(); }
  };
};

Task AddTwice(t::CalcClient& c, std::promise<int64_t>& out) {
  int64_t x = co_await c.add_async(1, 2);
  int64_t y = co_await c.add_async(static_cast<int32_t>(x), 10);
  out.set_value(y);
}

TEST(RpcTest, FuturesCanBeAwaitedInCoroutines) {
  Served s = Serve();
  t::CalcClient c(Connect(s.rt, s.ep.ToString()));
  std::promise<int64_t> out;
  AddTwice(c, out);
  EXPECT_EQ(out.get_future().get(), 13);
}

}  // namespace
}  // namespace tern::rpc
