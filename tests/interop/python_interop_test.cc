// RPC interop with a second, independent Thrift implementation: Tern's
// generated client against Apache Thrift 0.17's Python library serving the
// Interop service of rpc_interop.thrift (python_server.py, a child process):
// TThreadedServer and TSimpleServer, Binary and Compact protocols, each pure
// Python and C-accelerated, Framed and Buffered. Every value is checked
// (rpc_values.h; python_server.py answers with the same values), and
// pipelined calls must be answered in order. The other direction (Python's
// client against a Tern server) is python_client.py, run by CTest.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <climits>
#include <fstream>
#include <thread>

#include "rpc_interop_services.h"
#include "rpc_values.h"
#include "tern/rpc/client.h"
#include "tern/rpc/runtime.h"
#include "tern_peer.h"
#include "testing/process.h"

namespace tern::rpc {
namespace {

using namespace std::chrono_literals;
namespace ir = ::tern::interop::rpc;
using tern::testing::TempDir;

using tern::interop::Child;
using tern::interop::ReadFile;
using tern::interop::WaitForAddress;

struct PythonServerCase {
  const char* server;  // threaded or simple
  const char* transport;
  const char* protocol;
  bool accelerated;
};
void PrintTo(const PythonServerCase& c, std::ostream* os) {
  *os << c.server << " " << c.transport << " " << c.protocol
      << (c.accelerated ? " accelerated" : " pure");
}

class TernClientToPython : public ::testing::TestWithParam<PythonServerCase> {};

TEST_P(TernClientToPython, EveryStepMatches) {
  const PythonServerCase c = GetParam();
  TempDir dir;
  std::vector<std::string> argv = {TERN_PYTHON3,
                                   TERN_PYTHON_SERVER,
                                   std::string("--gen_dir=") + TERN_PYTHON_GEN_DIR,
                                   std::string("--server=") + c.server,
                                   std::string("--transport=") + c.transport,
                                   std::string("--protocol=") + c.protocol,
                                   "--port_file=" + (dir / "port")};
  if (c.accelerated) argv.push_back("--accelerated");
  Child python(argv, dir / "server.log");
  const std::string address = WaitForAddress(dir / "port", python);
  ASSERT_FALSE(address.empty()) << "the Python server did not start:\n"
                                << ReadFile(dir / "server.log");

  auto rt = Runtime::FromText(std::string("[codec]\nmax_frame = 64m\nmax_string = 64m\n") +
                              "[netpoll]\npollers = 1\n");
  ASSERT_TRUE(rt.ok()) << rt.status();
  ClientOptions o;
  o.resolver = *StaticResolver::Parse(address);
  o.framing = c.transport;
  o.codec = std::string(c.protocol) == "compact" ? "thrift_compact" : "thrift_fast";
  o.pool_size = 1;  // one connection: oneway ordering and pipelining below
  o.timeout = 20s;
  auto ch = Channel::Create(*rt, o);
  ASSERT_TRUE(ch.ok()) << ch.status();
  ir::InteropClient client(*ch);
  auto DiffValue = [](const std::string& what, const auto& want, const auto& got) {
    const std::string d = tern::interop::Diff(want, got);
    return d.empty() ? d : what + ": " + d;
  };
  using tern::interop::MakeAllTypes;

  for (const std::string who : {"tern", "", "\xc3\xa9t\xc3\xa9 \xf0\x9f\xa6\x80 \x01"}) {
    EXPECT_EQ(client.ping(who), tern::interop::PingReply(who));
  }
  for (int seed = 0; seed < 8; ++seed) {
    const ir::AllTypes v = MakeAllTypes<ir::AllTypes>(seed);
    EXPECT_EQ(DiffValue("roundTrip", v, client.roundTrip(v)), "") << "seed " << seed;
  }
  {
    auto both = MakeAllTypes<ir::AllTypes>(3);
    tern::interop::SetOptUnset(both, -9);
    EXPECT_EQ(DiffValue("roundTrip(both optionals)", both, client.roundTrip(both)), "");
    const auto empty = tern::interop::MakeEmptyAllTypes<ir::AllTypes>();
    EXPECT_EQ(DiffValue("roundTrip(empty)", empty, client.roundTrip(empty)), "");
    const auto large = tern::interop::MakeLargeAllTypes<ir::AllTypes>();
    EXPECT_EQ(DiffValue("roundTrip(large)", large, client.roundTrip(large)), "");
  }
  client.noop();
  EXPECT_EQ(client.add(-7, int64_t{1} << 40), tern::interop::AddResult(-7, int64_t{1} << 40));
  EXPECT_EQ(client.add(INT32_MIN, INT64_MIN), tern::interop::AddResult(INT32_MIN, INT64_MIN));
  EXPECT_EQ(client.add(INT32_MAX, INT64_MAX), tern::interop::AddResult(INT32_MAX, INT64_MAX));
  EXPECT_EQ(client.fail(0), "ok");
  for (const int32_t code : {7, INT32_MIN}) {
    try {
      client.fail(code);
      ADD_FAILURE() << "fail(" << code << ") did not throw";
    } catch (const ir::InteropError& e) {
      EXPECT_EQ(e.code, code);
      EXPECT_EQ(e.message, tern::interop::FailMessage(code));
    }
  }
  EXPECT_EQ(client.ping("after an exception"), tern::interop::PingReply("after an exception"));
  const int64_t token = 0x5EED0000 + ::getpid();
  client.notify(token);
  EXPECT_EQ(client.lastNotified(), token);
  EXPECT_TRUE(client.many(0).empty());
  EXPECT_TRUE(client.many(-1).empty());
  const auto many = client.many(50);
  ASSERT_EQ(many.size(), 50u);
  for (int i = 0; i < 50; ++i) {
    EXPECT_EQ(DiffValue("many[" + std::to_string(i) + "]", MakeAllTypes<ir::AllTypes>(i), many[i]),
              "");
  }
  EXPECT_EQ(client.blob(0), "");
  EXPECT_EQ(client.blob(-5), "");
  EXPECT_EQ(client.blob(1 << 20), tern::interop::MakeBlob(1 << 20));
  for (int seed = 0; seed < 6; ++seed) {
    const auto choice = tern::interop::MakeChoice<ir::Choice>(seed);
    EXPECT_EQ(DiffValue("echoChoice", choice, client.echoChoice(choice)), "");
  }
  // Pipelined: 16 calls on one connection before any reply is read.
  std::vector<Future<int64_t>> fs;
  for (int i = 0; i < 16; ++i) fs.push_back(client.add_async(i * 1000, -i));
  for (int i = 0; i < 16; ++i) EXPECT_EQ(fs[i].Get(), tern::interop::AddResult(i * 1000, -i));
  EXPECT_TRUE(python.Alive()) << ReadFile(dir / "server.log");
}

INSTANTIATE_TEST_SUITE_P(
    Servers, TernClientToPython,
    ::testing::Values(PythonServerCase{"threaded", "framed", "binary", false},
                      PythonServerCase{"threaded", "framed", "binary", true},
                      PythonServerCase{"threaded", "buffered", "binary", false},
                      PythonServerCase{"threaded", "buffered", "binary", true},
                      PythonServerCase{"threaded", "framed", "compact", false},
                      PythonServerCase{"threaded", "framed", "compact", true},
                      PythonServerCase{"threaded", "buffered", "compact", false},
                      PythonServerCase{"threaded", "buffered", "compact", true},
                      PythonServerCase{"simple", "framed", "binary", true},
                      PythonServerCase{"simple", "buffered", "compact", false}),
    [](const auto& info) {
      return std::string(info.param.server) + "_" + info.param.transport + "_" +
             info.param.protocol + (info.param.accelerated ? "_accelerated" : "_pure");
    });

}  // namespace
}  // namespace tern::rpc
