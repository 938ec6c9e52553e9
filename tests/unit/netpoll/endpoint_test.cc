#include <gtest/gtest.h>

#include "tern/transport.h"

namespace tern {
namespace {

TEST(EndpointTest, ParsesIpv4AndPrintsItBack) {
  auto ep = Endpoint::Parse("127.0.0.1:9090");
  ASSERT_TRUE(ep.ok()) << ep.status();
  EXPECT_EQ(ep->family(), Endpoint::Family::kIpv4);
  EXPECT_EQ(ep->port(), 9090);
  EXPECT_EQ(ep->ToString(), "127.0.0.1:9090");
}

TEST(EndpointTest, LocalhostMeansIpv4Loopback) {
  auto ep = Endpoint::Parse("localhost:0");
  ASSERT_TRUE(ep.ok());
  EXPECT_EQ(ep->ToString(), "127.0.0.1:0");
}

TEST(EndpointTest, ParsesBracketedIpv6) {
  auto ep = Endpoint::Parse("[::1]:8080");
  ASSERT_TRUE(ep.ok()) << ep.status();
  EXPECT_EQ(ep->family(), Endpoint::Family::kIpv6);
  EXPECT_EQ(ep->port(), 8080);
  EXPECT_EQ(ep->ToString(), "[::1]:8080");
  EXPECT_EQ(ep->WithPort(1).ToString(), "[::1]:1");
}

TEST(EndpointTest, ParsesUnixPath) {
  auto ep = Endpoint::Parse("unix:/tmp/tern.sock");
  ASSERT_TRUE(ep.ok());
  EXPECT_TRUE(ep->is_unix());
  EXPECT_EQ(ep->port(), 0);
  EXPECT_EQ(ep->ToString(), "unix:/tmp/tern.sock");
  EXPECT_EQ(*ep, *Endpoint::Parse(ep->ToString()));
}

TEST(EndpointTest, RejectsMalformedTextWithAReason) {
  for (const char* bad :
       {"", "127.0.0.1", "127.0.0.1:", "127.0.0.1:65536", "127.0.0.1:-1", "127.0.0.1:80x", "::1:80",
        "[::1:80", "[zz]:80", "example.com:80", "unix:"}) {
    auto ep = Endpoint::Parse(bad);
    EXPECT_FALSE(ep.ok()) << bad;
    if (!ep.ok()) {
      EXPECT_EQ(ep.status().code(), StatusCode::kInvalidArgument) << bad;
    }
  }
  const std::string long_path = "unix:/" + std::string(200, 'x');
  EXPECT_FALSE(Endpoint::Parse(long_path).ok());
}

TEST(EndpointTest, DefaultIsInvalid) {
  Endpoint ep;
  EXPECT_FALSE(ep.valid());
  EXPECT_EQ(ep.ToString(), "(none)");
}

}  // namespace
}  // namespace tern
