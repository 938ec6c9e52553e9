// Unit tests of the RPC runtime's configuration surface: Runtime loading,
// option validation, endpoint lists, and server registration errors.
#include <gtest/gtest.h>

#include "rpc_test_services.h"
#include "tern/rpc/client.h"
#include "tern/rpc/runtime.h"
#include "tern/rpc/server.h"

namespace tern::rpc {
namespace {

namespace t = ::tern::test::rpc;

class NullCalc : public t::CalcHandler {
 public:
  std::string ping(std::string) override { return ""; }
  int64_t add(int32_t, int64_t) override { return 0; }
  std::string fail(int32_t) override { return ""; }
  void sleep(int32_t) override {}
  void notify(int64_t) override {}
  int64_t last() override { return 0; }
  std::string big(int32_t) override { return ""; }
  std::string boom() override { return ""; }
  t::Pair echoPair(t::Pair p) override { return p; }
};

TEST(StaticResolverTest, ParsesAddressesAndWeights) {
  auto r = StaticResolver::Parse("127.0.0.1:9090, [::1]:9091=3 ,unix:/run/x.sock");
  ASSERT_TRUE(r.ok()) << r.status();
  auto eps = (*r)->Resolve();
  ASSERT_TRUE(eps.ok());
  ASSERT_EQ(eps->size(), 3u);
  EXPECT_EQ((*eps)[0].endpoint.ToString(), "127.0.0.1:9090");
  EXPECT_EQ((*eps)[0].weight, 1u);
  EXPECT_EQ((*eps)[1].endpoint.ToString(), "[::1]:9091");
  EXPECT_EQ((*eps)[1].weight, 3u);
  EXPECT_TRUE((*eps)[2].endpoint.is_unix());
}

TEST(StaticResolverTest, RejectsBadListsWithAReason) {
  for (const char* bad : {"", " , ", "127.0.0.1:1=0", "127.0.0.1:1=x", "nohost", "1.2.3.4:99999"}) {
    auto r = StaticResolver::Parse(bad);
    EXPECT_FALSE(r.ok()) << bad;
  }
}

TEST(RuntimeTest, UnknownKeysAndBadValuesNameTheKey) {
  auto a = Runtime::FromText("[server]\nwokers = 2\n");
  ASSERT_FALSE(a.ok());
  EXPECT_NE(a.status().ToString().find("server.wokers"), std::string::npos) << a.status();
  auto b = Runtime::FromText("[server]\nframing = zipped\n");
  ASSERT_FALSE(b.ok());
  EXPECT_NE(b.status().ToString().find("server.framing"), std::string::npos) << b.status();
  auto c = Runtime::FromText("", {"--codec.max_depth=0"});
  ASSERT_FALSE(c.ok());
  EXPECT_NE(c.status().ToString().find("max_depth"), std::string::npos) << c.status();
}

TEST(RuntimeTest, DescribesWhatWasSelected) {
  auto rt = Runtime::FromText("[simd]\nencoder = scalar\n");
  ASSERT_TRUE(rt.ok()) << rt.status();
  const std::string d = (*rt)->Describe();
  EXPECT_NE(d.find("transport netpoll"), std::string::npos) << d;
  EXPECT_NE(d.find("codec     thrift_fast"), std::string::npos) << d;
  EXPECT_NE(d.find("encoder   scalar"), std::string::npos) << d;
  EXPECT_EQ((*rt)->encoder(), "scalar");
  EXPECT_EQ((*rt)->SelectionLine(), "transport=netpoll codec=thrift_fast(framed) encoder=scalar");
}

TEST(RuntimeTest, ServerAndClientOptionsAreValidated) {
  auto rt = Runtime::FromText("[server]\nworkers = 99999\n");
  ASSERT_TRUE(rt.ok()) << rt.status();
  auto so = ServerOptions::FromConfig(**rt);
  ASSERT_FALSE(so.ok());
  EXPECT_NE(so.status().ToString().find("server.workers"), std::string::npos);

  auto rt2 = Runtime::FromText("[client]\nendpoints = 127.0.0.1:1\npool_size = 0\n");
  ASSERT_TRUE(rt2.ok()) << rt2.status();
  auto co = ClientOptions::FromConfig(**rt2);
  ASSERT_FALSE(co.ok());
  EXPECT_NE(co.status().ToString().find("client.pool_size"), std::string::npos);

  auto rt3 = Runtime::FromText("");
  ASSERT_TRUE(rt3.ok()) << rt3.status();
  EXPECT_FALSE(ClientOptions::FromConfig(**rt3).ok());  // no endpoints
}

TEST(RuntimeTest, UnknownTransportOrCodecFailsCreate) {
  auto rt = Runtime::FromText("[server]\ntransport = carrier_pigeon\n");
  ASSERT_TRUE(rt.ok()) << rt.status();
  auto s = Server::Create(*rt);
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.status().ToString().find("carrier_pigeon"), std::string::npos) << s.status();
}

TEST(ServerTest, RegistrationErrors) {
  auto rt = Runtime::FromText("[server]\naddress = 127.0.0.1:0\n");
  ASSERT_TRUE(rt.ok()) << rt.status();
  auto s = Server::Create(*rt);
  ASSERT_TRUE(s.ok()) << s.status();
  auto started = (*s)->Start();
  ASSERT_FALSE(started.ok());
  EXPECT_EQ(started.status().code(), StatusCode::kFailedPrecondition);
  auto h = std::make_shared<NullCalc>();
  ASSERT_TRUE((*s)->Serve(h).ok());
  Status again = (*s)->Serve(h);
  EXPECT_EQ(again.code(), StatusCode::kAlreadyExists) << again;
}

}  // namespace
}  // namespace tern::rpc
