// Client <-> server tests of a service generated with `tern gen --alloc=pmr`
// (rpc_test.thrift): the server decodes each call's args, and builds its
// result, on an arena of the call ([server] arena_bytes); handlers get
// allocator-aware args by const reference, valid until they reply. Checked:
// every kind of method answers as with the std types; the args' strings and
// containers (and their elements) come from a resource that is not the
// default one, one per call, also when they outgrow the arena's inline
// bytes; arena_bytes = 0 puts them on the default resource; handlers on
// workers and replies sent later from another thread; thrift_compact (a
// TypeInfo walker) on the same service.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <memory_resource>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "calc_calls.h"
#include "rpc_test_services.h"
#include "tern/rpc/client.h"
#include "tern/rpc/runtime.h"
#include "tern/rpc/server.h"

namespace tern::rpc {
namespace {

using namespace std::chrono_literals;
namespace t = ::tern::test::rpc;

// What the handler saw of the args' memory, per call.
struct Seen {
  std::mutex mu;
  std::vector<std::pmr::memory_resource*> resources;
  bool consistent = true;  // every container/element of a call on one resource

  void Add(std::pmr::memory_resource* r, bool same) {
    std::lock_guard<std::mutex> lock(mu);
    resources.push_back(r);
    consistent = consistent && same;
  }
};

class ArenaCalc : public t::CalcHandler {
 public:
  explicit ArenaCalc(Seen* seen) : seen_(seen) {}

  std::pmr::string ping(const std::pmr::string& who) override {
    seen_->Add(who.get_allocator().resource(), true);
    return std::pmr::string("pong ") + who;
  }
  int64_t add(int32_t a, int64_t b) override { return a + b; }
  std::pmr::string fail(int32_t code) override {
    if (code == 0) return "ok";
    t::CalcError e;
    e.code = code;
    e.message = "failed " + std::to_string(code);
    throw e;
  }
  void sleep(int32_t ms) override { std::this_thread::sleep_for(std::chrono::milliseconds(ms)); }
  void notify(int64_t token) override { last_.store(token); }
  int64_t last() override { return last_.load(); }
  std::pmr::string big(int32_t size) override {
    std::pmr::string s(static_cast<size_t>(size), '\0');
    for (size_t i = 0; i < s.size(); ++i) s[i] = static_cast<char>(i * 7);
    return s;
  }
  std::pmr::string boom() override { throw std::runtime_error("kaboom"); }
  t::Pair echoPair(const t::Pair& p) override {
    std::pmr::memory_resource* r = p.key.get_allocator().resource();
    bool same = p.values.get_allocator().resource() == r && p.get_allocator().resource() == r;
    if (p.has_extra()) {
      same = same && p.extra.get_allocator().resource() == r;
      for (const auto& [k, v] : p.extra) same = same && k.get_allocator().resource() == r;
    }
    seen_->Add(r, same);
    return p;  // a copy: the result struct's own allocation
  }

 private:
  Seen* seen_;
  std::atomic<int64_t> last_{0};
};

// Replies to echoPair later, from its own thread: the args (a const
// reference into the call's arena) stay valid until it does.
class DeferredCalc : public t::CalcAsyncHandler {
 public:
  ~DeferredCalc() override {
    for (auto& th : threads_) th.join();
  }
  void async_ping(const std::pmr::string& who, Reply<std::pmr::string> reply) override {
    reply.Send(std::pmr::string("pong ") + who);
  }
  void async_add(int32_t a, int64_t b, Reply<int64_t> reply) override { reply.Send(a + b); }
  void async_fail(int32_t, Reply<std::pmr::string> reply) override { reply.Send("ok"); }
  void async_sleep(int32_t, Reply<void> reply) override { reply.Send(); }
  void async_notify(int64_t, Reply<void> reply) override { reply.Send(); }
  void async_last(Reply<int64_t> reply) override { reply.Send(0); }
  void async_big(int32_t size, Reply<std::pmr::string> reply) override {
    reply.Send(std::pmr::string(static_cast<size_t>(size), 'b'));
  }
  void async_boom(Reply<std::pmr::string> reply) override { reply.Send("no"); }
  void async_echoPair(const t::Pair& p, Reply<t::Pair> reply) override {
    std::lock_guard<std::mutex> lock(mu_);
    threads_.emplace_back([&p, r = std::move(reply)]() mutable {
      std::this_thread::sleep_for(2ms);
      t::Pair copy = p;  // read from the arena after the handler returned
      copy.key += "!";
      r.Send(std::move(copy));
    });
  }

 private:
  std::mutex mu_;
  std::vector<std::thread> threads_;
};

struct Served {
  std::shared_ptr<Runtime> rt;
  std::unique_ptr<Server> server;
  Endpoint ep;
};

template <class H>
Served Serve(const std::string& server_keys, std::shared_ptr<H> handler) {
  Served s;
  auto rt = Runtime::FromText("[server]\naddress = 127.0.0.1:0\n" + server_keys +
                              "[netpoll]\npollers = 1\n");
  EXPECT_TRUE(rt.ok()) << rt.status();
  s.rt = *rt;
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

std::shared_ptr<Channel> Connect(const Served& s, const std::string& codec = "thrift_fast") {
  auto rt = Runtime::FromText("");
  EXPECT_TRUE(rt.ok()) << rt.status();
  ClientOptions o;
  auto r = StaticResolver::Parse(s.ep.ToString());
  EXPECT_TRUE(r.ok()) << r.status();
  o.resolver = *r;
  o.pool_size = 2;
  o.timeout = 5s;
  o.codec = codec;
  auto ch = Channel::Create(*rt, o);
  EXPECT_TRUE(ch.ok()) << ch.status();
  return *ch;
}

t::Pair MakePair(size_t key_len, size_t values, size_t extra) {
  t::Pair p;
  p.key.assign(key_len, 'k');
  for (size_t i = 0; i < values; ++i) p.values.push_back(static_cast<int64_t>(i * 3) - 7);
  if (extra != 0) {
    std::pmr::map<std::pmr::string, int32_t> m;
    for (size_t i = 0; i < extra; ++i) {
      m.emplace("a key longer than the small-string buffer " + std::to_string(i),
                static_cast<int32_t>(i));
    }
    p.set_extra(std::move(m));
  }
  return p;
}

// Every method once, then a Pair inside the arena's inline bytes and one well
// past them (its blocks from new), with map entries.
void CallEverything(t::CalcClient& c) {
  testing::CallEverything(c);
  for (const t::Pair& p : {MakePair(5, 3, 2), MakePair(100000, 20000, 300)}) {
    EXPECT_EQ(c.echoPair(p), p);
  }
}

TEST(PmrRpcTest, ArgsLiveInAnArenaOfEachCall) {
  Seen seen;
  Served s = Serve("", std::make_shared<ArenaCalc>(&seen));
  t::CalcClient c(Connect(s));
  CallEverything(c);
  std::lock_guard<std::mutex> lock(seen.mu);
  ASSERT_EQ(seen.resources.size(), 5u);  // ping, echoPair four times
  for (std::pmr::memory_resource* r : seen.resources) {
    EXPECT_NE(r, std::pmr::get_default_resource()) << "args on the default resource";
    EXPECT_NE(r, std::pmr::new_delete_resource());
  }
  EXPECT_TRUE(seen.consistent) << "one call's args on several resources";
}

TEST(PmrRpcTest, ArenaBytesZeroUsesTheDefaultResource) {
  Seen seen;
  Served s = Serve("arena_bytes = 0\n", std::make_shared<ArenaCalc>(&seen));
  t::CalcClient c(Connect(s));
  CallEverything(c);
  std::lock_guard<std::mutex> lock(seen.mu);
  ASSERT_EQ(seen.resources.size(), 5u);
  for (std::pmr::memory_resource* r : seen.resources) {
    EXPECT_EQ(r, std::pmr::get_default_resource());
  }
}

TEST(PmrRpcTest, OutOfRangeArenaBytesIsRefused) {
  EXPECT_FALSE(Runtime::FromText("[server]\narena_bytes = -1\n").ok());
  auto rt = Runtime::FromText("[server]\naddress = 127.0.0.1:0\narena_bytes = 1000000000\n");
  ASSERT_TRUE(rt.ok()) << rt.status();
  auto server = Server::Create(*rt);
  ASSERT_FALSE(server.ok());
  EXPECT_NE(server.status().ToString().find("arena_bytes"), std::string::npos) << server.status();
}

TEST(PmrRpcTest, ManyConcurrentCallsOnWorkers) {
  Seen seen;
  Served s = Serve("workers = 2\narena_bytes = 512\n", std::make_shared<ArenaCalc>(&seen));
  t::CalcClient c(Connect(s));
  std::vector<Future<t::Pair>> futures;
  std::vector<t::Pair> sent;
  for (size_t i = 0; i < 200; ++i) {
    sent.push_back(MakePair(i * 37 % 3000, i * 11 % 700, i % 9));
    futures.push_back(c.echoPair_async(sent.back()));
  }
  for (size_t i = 0; i < futures.size(); ++i) {
    EXPECT_EQ(futures[i].Get(), sent[i]) << "call " << i;
  }
  std::lock_guard<std::mutex> lock(seen.mu);
  EXPECT_EQ(seen.resources.size(), 200u);
  EXPECT_TRUE(seen.consistent);
  for (std::pmr::memory_resource* r : seen.resources) {
    EXPECT_NE(r, std::pmr::get_default_resource());
  }
}

TEST(PmrRpcTest, ArgsStayValidUntilADeferredReply) {
  auto handler = std::make_shared<DeferredCalc>();
  Served s = Serve("workers = 1\n", handler);
  t::CalcClient c(Connect(s));
  std::vector<Future<t::Pair>> futures;
  std::vector<t::Pair> sent;
  for (size_t i = 0; i < 20; ++i) {
    sent.push_back(MakePair(50 + i * 500, i * 100, i % 4));
    futures.push_back(c.echoPair_async(sent.back()));
  }
  for (size_t i = 0; i < futures.size(); ++i) {
    t::Pair want = sent[i];
    want.key += "!";
    EXPECT_EQ(futures[i].Get(), want) << "call " << i;
  }
  s.server->Stop();
}

TEST(PmrRpcTest, CompactCodecServesTheSameService) {
  Seen seen;
  Served s = Serve("codec = thrift_compact\n", std::make_shared<ArenaCalc>(&seen));
  t::CalcClient c(Connect(s, "thrift_compact"));
  CallEverything(c);
  std::lock_guard<std::mutex> lock(seen.mu);
  ASSERT_EQ(seen.resources.size(), 5u);
  for (std::pmr::memory_resource* r : seen.resources) {
    EXPECT_NE(r, std::pmr::get_default_resource());
  }
  EXPECT_TRUE(seen.consistent);
}

}  // namespace
}  // namespace tern::rpc
