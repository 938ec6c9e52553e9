// RPC interop with Apache Thrift 0.17 C++, both ways:
//   * Apache's generated client (apache_rpc_client, a separate process)
//     against a Tern server, Framed and Buffered;
//   * Tern's generated client against Apache's TNonblockingServer (Framed)
//     and TThreadedServer (Framed and Buffered), run as a child process.
// Binary protocol, and Compact (TCompactProtocol) against the thrift_compact
// plugin both ways, framed and buffered. The IDL (rpc_interop.thrift) uses
// every type, a declared exception, a void and a oneway method, a union and
// `extends`; every value is checked (rpc_values.h), and pipelined calls must
// be answered in order.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <climits>
#include <fstream>
#include <thread>

#include "rpc_interop_services.h"
#include "rpc_values.h"
#include "tern/rpc/client.h"
#include "tern/rpc/runtime.h"
#include "tern/rpc/server.h"
#include "tern_peer.h"
#include "testing/process.h"

namespace tern::rpc {
namespace {

using namespace std::chrono_literals;
namespace ir = ::tern::interop::rpc;
using tern::testing::TempDir;

using tern::interop::Child;
using tern::interop::InteropImpl;
using tern::interop::ReadFile;
using tern::interop::WaitForAddress;

// The codec plugin that speaks `protocol` ("binary" or "compact").
std::string CodecFor(const std::string& protocol) {
  return protocol == "compact" ? "thrift_compact" : "thrift_fast";
}

std::shared_ptr<Runtime> MakeRuntime(const std::string& framing,
                                     const std::string& protocol = "binary") {
  auto rt = Runtime::FromText("[server]\naddress = 127.0.0.1:0\nframing = " + framing +
                              "\ncodec = " + CodecFor(protocol) +
                              "\n[codec]\nmax_frame = 64m\nmax_string = 64m\n"
                              "[netpoll]\npollers = 1\n");
  EXPECT_TRUE(rt.ok()) << rt.status();
  return *rt;
}

// ---- Apache client -> Tern server ------------------------------------------------

struct ApacheClientCase {
  const char* transport;  // the client's
  const char* protocol;
  const char* server_framing = nullptr;  // null: the client's transport
};
void PrintTo(const ApacheClientCase& c, std::ostream* os) {
  *os << c.transport << " " << c.protocol << " server "
      << (c.server_framing != nullptr ? c.server_framing : c.transport);
}

class ApacheClientToTern : public ::testing::TestWithParam<ApacheClientCase> {};

TEST_P(ApacheClientToTern, EveryStepMatches) {
  const std::string framing = GetParam().transport;
  const std::string protocol = GetParam().protocol;
  auto rt = MakeRuntime(GetParam().server_framing != nullptr ? GetParam().server_framing : framing,
                        protocol);
  auto server = Server::Create(rt);
  ASSERT_TRUE(server.ok()) << server.status();
  ASSERT_TRUE((*server)->Serve(std::make_shared<InteropImpl>()).ok());
  auto ep = (*server)->Start();
  ASSERT_TRUE(ep.ok()) << ep.status();
  const auto r = tern::testing::RunCommand(std::string("timeout 60 ") + TERN_APACHE_RPC_CLIENT +
                                           " --address=" + ep->ToString() +
                                           " --transport=" + framing + " --protocol=" + protocol);
  EXPECT_EQ(r.exit_code, 0) << r.output;
  // One "[ OK ] step" line per checked step, and no failure.
  size_t steps = 0;
  for (size_t at = r.output.find("[ OK ]"); at != std::string::npos;
       at = r.output.find("[ OK ]", at + 1)) {
    ++steps;
  }
  EXPECT_GE(steps, 12u) << r.output;
  EXPECT_EQ(r.output.find("[FAIL]"), std::string::npos) << r.output;
  (*server)->Stop(1s);
}

// Compact: a Tern server with `codec = thrift_compact` (the SDK example
// plugin, installed with Tern) serves Apache's TCompactProtocol clients.
// `framing = auto`: one server serves framed and buffered clients alike.
INSTANTIATE_TEST_SUITE_P(Framing, ApacheClientToTern,
                         ::testing::Values(ApacheClientCase{"framed", "binary"},
                                           ApacheClientCase{"buffered", "binary"},
                                           ApacheClientCase{"framed", "compact"},
                                           ApacheClientCase{"buffered", "compact"},
                                           ApacheClientCase{"framed", "binary", "auto"},
                                           ApacheClientCase{"buffered", "binary", "auto"},
                                           ApacheClientCase{"framed", "compact", "auto"},
                                           ApacheClientCase{"buffered", "compact", "auto"}),
                         [](const auto& info) {
                           return std::string(info.param.transport) + "_" + info.param.protocol +
                                  (info.param.server_framing != nullptr
                                       ? std::string("_server_") + info.param.server_framing
                                       : std::string());
                         });

// ---- Tern client -> Apache server -------------------------------------------------

struct ApacheServerCase {
  const char* server;
  const char* transport;
  const char* protocol;
};
void PrintTo(const ApacheServerCase& c, std::ostream* os) {
  *os << c.server << " " << c.transport << " " << c.protocol;
}

class TernClientToApache : public ::testing::TestWithParam<ApacheServerCase> {};

TEST_P(TernClientToApache, EveryStepMatches) {
  const ApacheServerCase c = GetParam();
  TempDir dir;
  Child apache({TERN_APACHE_RPC_SERVER, std::string("--server=") + c.server,
                std::string("--transport=") + c.transport, std::string("--protocol=") + c.protocol,
                "--port_file=" + (dir / "port")},
               dir / "server.log");
  const std::string address = WaitForAddress(dir / "port", apache);
  ASSERT_FALSE(address.empty()) << "the Apache server did not start:\n"
                                << ReadFile(dir / "server.log");
  auto rt = MakeRuntime(c.transport, c.protocol);
  ClientOptions o;
  o.resolver = *StaticResolver::Parse(address);
  o.framing = c.transport;
  o.codec = CodecFor(c.protocol);
  o.pool_size = 1;  // one connection: oneway ordering and pipelining below
  o.timeout = 10s;
  auto ch = Channel::Create(rt, o);
  ASSERT_TRUE(ch.ok()) << ch.status();
  ir::InteropClient client(*ch);
  auto DiffValue = [](const std::string& what, const auto& want, const auto& got) {
    const std::string d = tern::interop::Diff(want, got);
    return d.empty() ? d : what + ": " + d;
  };
  using tern::interop::MakeAllTypes;

  EXPECT_EQ(client.ping("tern"), tern::interop::PingReply("tern"));
  for (int seed = 0; seed < 4; ++seed) {
    const ir::AllTypes v = MakeAllTypes<ir::AllTypes>(seed);
    EXPECT_EQ(DiffValue("roundTrip", v, client.roundTrip(v)), "") << "seed " << seed;
  }
  {
    const auto empty = tern::interop::MakeEmptyAllTypes<ir::AllTypes>();
    EXPECT_EQ(DiffValue("roundTrip(empty)", empty, client.roundTrip(empty)), "");
    const auto large = tern::interop::MakeLargeAllTypes<ir::AllTypes>();
    EXPECT_EQ(DiffValue("roundTrip(large)", large, client.roundTrip(large)), "");
  }
  client.noop();
  EXPECT_EQ(client.add(-7, int64_t{1} << 40), tern::interop::AddResult(-7, int64_t{1} << 40));
  EXPECT_EQ(client.add(INT32_MIN, INT64_MAX), tern::interop::AddResult(INT32_MIN, INT64_MAX));
  EXPECT_EQ(client.fail(0), "ok");
  try {
    client.fail(7);
    ADD_FAILURE() << "fail(7) did not throw";
  } catch (const ir::InteropError& e) {
    EXPECT_EQ(e.code, 7);
    EXPECT_EQ(e.message, tern::interop::FailMessage(7));
  }
  const int64_t token = 0x5EED0000 + ::getpid();
  client.notify(token);
  EXPECT_EQ(client.lastNotified(), token);
  EXPECT_TRUE(client.many(0).empty());
  const auto many = client.many(50);
  ASSERT_EQ(many.size(), 50u);
  for (int i = 0; i < 50; ++i) {
    EXPECT_EQ(DiffValue("many[" + std::to_string(i) + "]", MakeAllTypes<ir::AllTypes>(i), many[i]),
              "");
  }
  EXPECT_EQ(client.blob(0), "");
  EXPECT_EQ(client.blob(100000), tern::interop::MakeBlob(100000));
  for (int seed = 0; seed < 3; ++seed) {
    const auto choice = tern::interop::MakeChoice<ir::Choice>(seed);
    EXPECT_EQ(DiffValue("echoChoice", choice, client.echoChoice(choice)), "");
  }
  // Pipelined: 16 calls on one connection before any reply is read.
  std::vector<Future<int64_t>> fs;
  for (int i = 0; i < 16; ++i) fs.push_back(client.add_async(i * 1000, -i));
  for (int i = 0; i < 16; ++i) EXPECT_EQ(fs[i].Get(), tern::interop::AddResult(i * 1000, -i));
}

INSTANTIATE_TEST_SUITE_P(Servers, TernClientToApache,
                         ::testing::Values(ApacheServerCase{"nonblocking", "framed", "binary"},
                                           ApacheServerCase{"threaded", "framed", "binary"},
                                           ApacheServerCase{"threaded", "buffered", "binary"},
                                           ApacheServerCase{"nonblocking", "framed", "compact"},
                                           ApacheServerCase{"threaded", "framed", "compact"},
                                           ApacheServerCase{"threaded", "buffered", "compact"}),
                         [](const auto& info) {
                           return std::string(info.param.server) + "_" + info.param.transport +
                                  "_" + info.param.protocol;
                         });

}  // namespace
}  // namespace tern::rpc
