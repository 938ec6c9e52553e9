// Client <-> server tests of handlers written against copy-free views
// (the generated <Service>ViewHandler) over the thrift_copyfree codec: every
// kind of method (base service, declared and undeclared exceptions, void,
// oneway, binary results by reference, a struct forwarded as received),
// answered inline and from workers; the struct-API handler switched to
// thrift_copyfree by config alone; a view handler refused by a codec that
// cannot decode views. Clients use the struct API (and thrift_fast): on the
// wire nothing changes.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <string>
#include <thread>

#include "calc_calls.h"
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
using testing::CallEverything;

// The same semantics as rpc_test.cc's CalcImpl, over views.
class CalcViewImpl : public t::CalcViewHandler {
 public:
  void ping(view::String who, ViewReply<std::string, t::Base_ping_result>& reply) override {
    reply.Send("pong " + who.str());
  }
  void add(int32_t a, int64_t b, ViewReply<int64_t, t::Calc_add_result>& reply) override {
    reply.Send(a + b);
  }
  void fail(int32_t code, ViewReply<std::string, t::Calc_fail_result>& reply) override {
    if (code == 0) return reply.Send("ok");
    t::CalcError e;
    e.code = code;
    e.message = "failed " + std::to_string(code);
    throw e;  // declared: the generated invoke_view answers it
  }
  void sleep(int32_t ms, ViewReply<void, t::Calc_sleep_result>& reply) override {
    std::this_thread::sleep_for(std::chrono::milliseconds(ms));
    reply.Send();
  }
  void notify(int64_t token, ViewReply<void, void>& reply) override {
    last_.store(token);
    reply.Send();
  }
  void last(ViewReply<int64_t, t::Calc_last_result>& reply) override { reply.Send(last_.load()); }
  void big(int32_t size, ViewReply<std::string, t::Calc_big_result>& reply) override {
    std::string s(static_cast<size_t>(size), '\0');
    for (size_t i = 0; i < s.size(); ++i) s[i] = static_cast<char>(i * 7);
    // The result built with the payload attached by reference.
    t::Calc_big_result::Builder r;
    r.set_success(Slice::FromString(std::move(s)));
    reply.SendResult(r);
  }
  void boom(ViewReply<std::string, t::Calc_boom_result>&) override {
    throw std::runtime_error("kaboom");
  }
  void echoPair(t::Pair::View p, ViewReply<t::Pair, t::Calc_echoPair_result>& reply) override {
    // Forwarded as received: no decode, no re-encode.
    reply.Send(t::Pair::Builder(p));
  }

 private:
  std::atomic<int64_t> last_{0};
};

// Answers later, from its own thread, after moving the reply out: the views
// stay valid until then.
class DeferredEcho : public CalcViewImpl {
 public:
  ~DeferredEcho() override {
    for (auto& th : threads_) th.join();
  }
  void echoPair(t::Pair::View p, ViewReply<t::Pair, t::Calc_echoPair_result>& reply) override {
    threads_.emplace_back([p, r = std::move(reply)]() mutable {
      std::this_thread::sleep_for(5ms);
      t::Pair::Builder b(p);
      b.set_key(p.key().str() + "!");
      r.Send(b);
    });
  }

 private:
  std::vector<std::thread> threads_;
};

std::shared_ptr<Runtime> MakeRuntime(const std::string& server_keys) {
  auto rt = Runtime::FromText("[server]\naddress = 127.0.0.1:0\n" + server_keys +
                              "[netpoll]\npollers = 1\n");
  EXPECT_TRUE(rt.ok()) << rt.status();
  return *rt;
}

struct Served {
  std::shared_ptr<Runtime> rt;
  std::unique_ptr<Server> server;
  Endpoint ep;
};

template <class H>
Served Serve(const std::string& extra, std::shared_ptr<H> handler) {
  Served s;
  s.rt = MakeRuntime(extra);
  auto server = Server::Create(s.rt);
  EXPECT_TRUE(server.ok()) << server.status();
  s.server = std::move(*server);
  Status st = s.server->Serve(std::move(handler));
  EXPECT_TRUE(st.ok()) << st;
  auto ep = s.server->Start();
  EXPECT_TRUE(ep.ok()) << ep.status();
  s.ep = *ep;
  return s;
}

std::shared_ptr<Channel> Connect(const std::shared_ptr<Runtime>& rt, const Endpoint& ep) {
  ClientOptions o;
  auto r = StaticResolver::Parse(ep.ToString());
  EXPECT_TRUE(r.ok()) << r.status();
  o.resolver = *r;
  o.pool_size = 1;
  o.timeout = 5s;
  auto ch = Channel::Create(rt, o);
  EXPECT_TRUE(ch.ok()) << ch.status();
  return *ch;
}

TEST(ViewRpcTest, ViewHandlerServesEveryKindOfMethod) {
  Served s = Serve("codec = thrift_copyfree\n", std::make_shared<CalcViewImpl>());
  t::CalcClient c(Connect(s.rt, s.ep));
  CallEverything(c);
  // The connection stays usable after the errors.
  EXPECT_EQ(c.add(1, 2), 3);
}

TEST(ViewRpcTest, ViewHandlerOnWorkers) {
  Served s = Serve("codec = thrift_copyfree\nworkers = 2\n", std::make_shared<CalcViewImpl>());
  t::CalcClient c(Connect(s.rt, s.ep));
  CallEverything(c);
}

TEST(ViewRpcTest, ViewsStayValidUntilAnAsynchronousAnswer) {
  Served s = Serve("codec = thrift_copyfree\n", std::make_shared<DeferredEcho>());
  t::CalcClient c(Connect(s.rt, s.ep));
  std::vector<Future<t::Pair>> calls;
  for (int i = 0; i < 20; ++i) {
    t::Pair p;
    p.key = "key" + std::to_string(i);
    p.values.assign(static_cast<size_t>(i) * 100, i);
    calls.push_back(c.echoPair_async(p));
  }
  for (int i = 0; i < 20; ++i) {
    t::Pair got = calls[static_cast<size_t>(i)].Get();
    EXPECT_EQ(got.key, "key" + std::to_string(i) + "!");
    EXPECT_EQ(got.values.size(), static_cast<size_t>(i) * 100);
  }
  s.server->Stop(2s);
}

TEST(ViewRpcTest, StructHandlerRunsOnTheCopyFreeCodecByConfigAlone) {
  Served s = Serve("codec = thrift_copyfree\n", std::make_shared<CalcImpl>());
  t::CalcClient c(Connect(s.rt, s.ep));
  CallEverything(c);
}

TEST(ViewRpcTest, ACodecWithoutViewsRefusesAViewHandler) {
  auto rt = MakeRuntime("codec = thrift_fast\n");
  auto server = Server::Create(rt);
  ASSERT_TRUE(server.ok()) << server.status();
  Status st = (*server)->Serve(std::make_shared<CalcViewImpl>());
  EXPECT_EQ(st.code(), StatusCode::kFailedPrecondition);
  EXPECT_NE(std::string(st.message()).find("thrift_copyfree"), std::string::npos) << st;
}

// Args that fail the view's index pass (a list count past the frame's end,
// a field of the wrong element type, a depth bomb) are answered with a
// TApplicationException and the connection stays usable.
TEST(ViewRpcTest, MalformedArgsAreAProtocolErrorAndTheConnectionLives) {
  Served s = Serve("codec = thrift_copyfree\n", std::make_shared<CalcViewImpl>());
  testing::RawClient raw(s.ep);
  raw.SetTimeout(2000);
  // echoPair(1: Pair p {1: string key, 2: list<i64> values}).
  const std::string huge_count(
      "\x0c\x00\x01"                      // field 1: struct
      "\x0f\x00\x02\x0a\x10\x00\x00\x00"  // list<i64> of 2^28
      "\x00\x00",
      13);
  const std::string wrong_elem(
      "\x0c\x00\x01"
      "\x0f\x00\x02\x0b\x00\x00\x00\x01\x00\x00\x00\x00"  // list<string>
      "\x00\x00",
      17);
  std::string deep;
  for (int i = 0; i < 100; ++i) deep += std::string("\x0c\x00\x63", 3);  // unknown struct id 99
  deep += std::string(101, '\0');
  int32_t seq = 1;
  for (const std::string* args :
       {&huge_count, &wrong_elem, static_cast<const std::string*>(&deep)}) {
    raw.SendBytes(testing::CallFrame("echoPair", seq, *args));
    EXPECT_EQ(raw.Read(), std::make_pair(3, seq));  // EXCEPTION
    ++seq;
  }
  t::Calc_add_args add;
  add.a = 1;
  add.b = 2;
  raw.Send("add", seq, add);
  EXPECT_EQ(raw.Read(), std::make_pair(2, seq));  // REPLY: still usable
}

// Mutated, truncated and lying frames against the view path: the server
// answers or closes that connection and keeps serving the others.
TEST(ViewRpcTest, SurvivesMutatedFrames) {
  Served s = Serve("codec = thrift_copyfree\n", std::make_shared<CalcViewImpl>());
  t::CalcClient c(Connect(s.rt, s.ep));
  t::Calc_echoPair_args args;
  args.p.key = "key";
  args.p.values = {1, 2, 3, 4, 5};
  args.p.set_extra({{"a", 1}, {"b", 2}});
  std::string a(args.BLength(), '\0');
  args.FastWrite(reinterpret_cast<uint8_t*>(a.data()));
  const std::string valid = testing::CallFrame("echoPair", 1, a);
  uint64_t rng = 0x7EED;
  auto next = [&] {
    rng += 0x9E3779B97F4A7C15ull;
    uint64_t z = rng;
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
  };
  int answered = 0;
  for (int i = 0; i < 200; ++i) {
    std::string f = valid;
    if (next() % 2 == 0) {
      for (int k = 0; k < 1 + static_cast<int>(next() % 4); ++k) {
        f[4 + next() % (f.size() - 4)] ^= static_cast<char>(1 + next() % 255);
      }
    } else {
      const uint32_t cut = static_cast<uint32_t>(next() % (f.size() - 4));
      f.resize(4 + cut);
      const uint32_t be = htonl(cut);
      std::memcpy(f.data(), &be, 4);
    }
    testing::RawClient raw(s.ep);
    raw.SendBytes(f);
    raw.SetTimeout(500);
    answered += raw.Read().first != -1;
  }
  EXPECT_GT(answered, 0);
  t::Pair p;
  p.key = "still";
  EXPECT_EQ(c.echoPair(p), p);
}

}  // namespace
}  // namespace tern::rpc
