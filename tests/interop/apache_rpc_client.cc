// apache_rpc_client: Apache Thrift 0.17's generated client for the Interop
// service of rpc_interop.thrift, running a fixed script against any server
// of that service (Apache's apache_rpc_server, or a Tern server) and
// checking every value. Binary (or --protocol=compact) protocol, one connection.
//
//   apache_rpc_client --address=127.0.0.1:PORT --transport=framed|buffered
//
// Prints one line per step; at the first mismatch prints what differs and
// exits 1 (2 for bad flags). Exits 0 only when every step matched.
//
// Besides the values, every reply's envelope is checked: the method name,
// the message type, and seqid 0 (Apache's generated client always sends 0;
// its recv_x() does not look at the name or seqid, so a wrong envelope
// would otherwise go unnoticed).
#include <gflags/gflags.h>
#include <thrift/TApplicationException.h>
#include <thrift/protocol/TBinaryProtocol.h>
#include <thrift/protocol/TCompactProtocol.h>
#include <thrift/protocol/TProtocolDecorator.h>
#include <thrift/transport/TBufferTransports.h>
#include <thrift/transport/TSocket.h>
#include <unistd.h>

#include <chrono>
#include <cstdint>
#include <functional>
#include <iostream>
#include <limits>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "Interop.h"
#include "rpc_values.h"

DEFINE_string(address, "", "server address, 127.0.0.1:PORT (or [::1]:PORT)");
DEFINE_string(transport, "framed", "framed or buffered");
DEFINE_string(protocol, "binary", "binary (TBinaryProtocol) or compact (TCompactProtocol)");
DEFINE_int32(timeout_ms, 30000, "connect, send and receive timeout");

namespace {

namespace at = apache::thrift;
namespace rpc = apache_rpc;
using tern::interop::AddResult;
using tern::interop::Diff;
using tern::interop::FailMessage;
using tern::interop::MakeAllTypes;
using tern::interop::MakeBlob;
using tern::interop::MakeChoice;
using tern::interop::MakeEmptyAllTypes;
using tern::interop::MakeLargeAllTypes;
using tern::interop::PingReply;
using tern::interop::SetOptUnset;

// A step failed: what differs.
struct Mismatch : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// Records the envelope of every message read, so each reply can be checked.
class EnvelopeRecorder : public at::protocol::TProtocolDecorator {
 public:
  using TProtocolDecorator::TProtocolDecorator;
  uint32_t readMessageBegin_virt(std::string& name, at::protocol::TMessageType& type,
                                 int32_t& seqid) override {
    const uint32_t n = TProtocolDecorator::readMessageBegin_virt(name, type, seqid);
    name_ = name;
    type_ = type;
    seqid_ = seqid;
    ++count_;
    return n;
  }
  // Throws unless exactly one more message than `before` was read and it
  // was a reply (or a declared exception, which is a reply) to `method`.
  void ExpectReply(const std::string& method, uint64_t before) const {
    if (count_ != before + 1) {
      throw Mismatch("read " + std::to_string(count_ - before) + " messages for one reply");
    }
    if (name_ != method || type_ != at::protocol::T_REPLY || seqid_ != 0) {
      throw Mismatch("reply envelope: want (\"" + method + "\", T_REPLY, seqid 0), got (\"" +
                     name_ + "\", type " + std::to_string(type_) + ", seqid " +
                     std::to_string(seqid_) + ")");
    }
  }
  uint64_t count() const { return count_; }

 private:
  std::string name_;
  at::protocol::TMessageType type_ = at::protocol::T_CALL;
  int32_t seqid_ = -1;
  uint64_t count_ = 0;
};

void Check(const std::string& what, const std::string& diff) {
  if (!diff.empty()) throw Mismatch(what + ": " + diff);
}

class Script {
 public:
  Script(std::shared_ptr<EnvelopeRecorder> in, std::shared_ptr<at::protocol::TProtocol> out)
      : in_(in), client_(in, out) {}

  // Runs fn as step `name`; prints the outcome; returns false on failure.
  bool Step(const std::string& name, const std::function<void()>& fn) {
    ++steps_;
    const auto start = std::chrono::steady_clock::now();
    try {
      fn();
    } catch (const Mismatch& m) {
      std::cout << "[FAIL] " << name << ": " << m.what() << std::endl;
      return false;
    } catch (const rpc::InteropError& e) {
      std::cout << "[FAIL] " << name << ": unexpected InteropError{code=" << e.code
                << ", message=\"" << e.message << "\"}" << std::endl;
      return false;
    } catch (const std::exception& e) {
      std::cout << "[FAIL] " << name << ": unexpected exception: " << e.what() << std::endl;
      return false;
    }
    const auto us = std::chrono::duration_cast<std::chrono::microseconds>(
                        std::chrono::steady_clock::now() - start)
                        .count();
    std::cout << "[ OK ] " << name << " (" << us << " us)" << std::endl;
    return true;
  }
  int steps() const { return steps_; }

  // A synchronous call of `method` whose reply envelope is checked.
  template <class Fn>
  auto Call(const std::string& method, Fn&& fn) {
    const uint64_t before = in_->count();
    if constexpr (std::is_void_v<decltype(fn())>) {
      fn();
      in_->ExpectReply(method, before);
    } else {
      auto result = fn();
      in_->ExpectReply(method, before);
      return result;
    }
  }

  // fail(code) must throw InteropError{code, "failed <code>"}.
  void ExpectFailure(int32_t code, const std::function<void()>& call) {
    const uint64_t before = in_->count();
    try {
      call();
    } catch (const rpc::InteropError& e) {
      in_->ExpectReply("fail", before);
      if (!e.__isset.code || !e.__isset.message) throw Mismatch("InteropError with unset fields");
      rpc::InteropError want;
      want.code = code;
      want.message = FailMessage(code);
      Check("fail(" + std::to_string(code) + ")", Diff(want, e));
      return;
    }
    throw Mismatch("fail(" + std::to_string(code) + ") returned instead of throwing InteropError");
  }

  rpc::InteropClient& client() { return client_; }
  EnvelopeRecorder& envelopes() { return *in_; }

 private:
  std::shared_ptr<EnvelopeRecorder> in_;
  rpc::InteropClient client_;
  int steps_ = 0;
};

bool RunScript(Script& s) {
  rpc::InteropClient& c = s.client();
  bool ok = true;
  auto step = [&](const std::string& name, const std::function<void()>& fn) {
    if (ok) ok = s.Step(name, fn);
  };

  step("ping", [&] {
    for (const std::string who : {"apache", "", "\xc3\xa9t\xc3\xa9 \x01\x7f"}) {
      std::string got;
      s.Call("ping", [&] { c.ping(got, who); });
      Check("ping(" + tern::interop::detail::Quote(who) + ")", Diff(PingReply(who), got));
    }
  });

  auto round_trip = [&](const std::string& what, const rpc::AllTypes& v) {
    rpc::AllTypes got;
    s.Call("roundTrip", [&] { c.roundTrip(got, v); });
    Check(what, Diff(v, got));
  };
  step("roundTrip empty", [&] { round_trip("empty", MakeEmptyAllTypes<rpc::AllTypes>()); });
  step("roundTrip MakeAllTypes(0..7)", [&] {
    for (int seed = 0; seed < 8; ++seed) {
      round_trip("seed " + std::to_string(seed), MakeAllTypes<rpc::AllTypes>(seed));
    }
  });
  step("roundTrip both optionals set", [&] {
    auto v = MakeAllTypes<rpc::AllTypes>(3);
    SetOptUnset(v, -9);
    round_trip("opt_unset set", v);
  });
  step("roundTrip large (1 MiB string and binary)",
       [&] { round_trip("large", MakeLargeAllTypes<rpc::AllTypes>()); });

  step("noop", [&] { s.Call("noop", [&] { c.noop(); }); });

  step("add", [&] {
    constexpr int32_t kMin32 = std::numeric_limits<int32_t>::min();
    constexpr int32_t kMax32 = std::numeric_limits<int32_t>::max();
    constexpr int64_t kMin64 = std::numeric_limits<int64_t>::min();
    constexpr int64_t kMax64 = std::numeric_limits<int64_t>::max();
    const std::pair<int32_t, int64_t> cases[] = {
        {1, 2},
        {0, 0},
        {-5, -7},
        {-1, 1},
        {kMax32, kMax64 - kMax32},
        {kMin32, kMin64 - kMin32},
        {kMin32, kMax64},
        {kMax32, kMin64},
        {kMin32, 0},
        {0, kMin64},
        {123456, -9876543210LL},
    };
    for (const auto& [a, b] : cases) {
      const int64_t got = s.Call("add", [&] { return c.add(a, b); });
      Check("add(" + std::to_string(a) + ", " + std::to_string(b) + ")",
            Diff(AddResult(a, b), got));
    }
  });

  step("fail(0) returns \"ok\"", [&] {
    std::string got;
    s.Call("fail", [&] { c.fail(got, 0); });
    Check("fail(0)", Diff(std::string("ok"), got));
  });
  step("fail(7) throws InteropError{7, \"failed 7\"}", [&] {
    std::string got;
    s.ExpectFailure(7, [&] { c.fail(got, 7); });
  });
  step("fail(-1) throws, then the connection still works", [&] {
    std::string got;
    s.ExpectFailure(-1, [&] { c.fail(got, -1); });
    s.Call("ping", [&] { c.ping(got, "after"); });
    Check("ping after an exception", Diff(PingReply("after"), got));
  });

  // Distinct from any earlier run against a long-lived server.
  const int64_t token = (static_cast<int64_t>(::getpid()) << 32) ^
                        std::chrono::steady_clock::now().time_since_epoch().count();
  step("notify(t) then lastNotified() == t", [&] {
    const uint64_t before = s.envelopes().count();
    c.notify(token - 1);
    c.notify(token);
    if (s.envelopes().count() != before) throw Mismatch("oneway notify read a reply");
    const int64_t got = s.Call("lastNotified", [&] { return c.lastNotified(); });
    Check("lastNotified()", Diff(token, got));
  });

  step("many(0)", [&] {
    std::vector<rpc::AllTypes> got;
    s.Call("many", [&] { c.many(got, 0); });
    Check("many(0)", Diff(std::vector<rpc::AllTypes>(), got));
  });
  step("many(50)", [&] {
    std::vector<rpc::AllTypes> got;
    s.Call("many", [&] { c.many(got, 50); });
    std::vector<rpc::AllTypes> want;
    for (int i = 0; i < 50; ++i) want.push_back(MakeAllTypes<rpc::AllTypes>(i));
    Check("many(50)", Diff(want, got));
  });

  step("blob(0)", [&] {
    std::string got = "x";
    s.Call("blob", [&] { c.blob(got, 0); });
    Check("blob(0)", Diff(std::string(), got));
  });
  step("blob(100000)", [&] {
    std::string got;
    s.Call("blob", [&] { c.blob(got, 100000); });
    Check("blob(100000)", Diff(MakeBlob(100000), got));
  });

  step("echoChoice (each union member)", [&] {
    for (int seed = 0; seed < 3; ++seed) {
      const auto want = MakeChoice<rpc::Choice>(seed);
      rpc::Choice got;
      s.Call("echoChoice", [&] { c.echoChoice(got, want); });
      Check("echoChoice seed " + std::to_string(seed), Diff(want, got));
    }
  });

  // 16 calls written before any reply is read; the replies must come back
  // in the order of the calls (the seqids are all 0, so only order tells).
  step("pipelined add x16", [&] {
    std::vector<std::pair<int32_t, int64_t>> args;
    for (int i = 0; i < 16; ++i) {
      args.emplace_back(i * 1000 - 7, (static_cast<int64_t>(i) << 40) - i);
    }
    for (const auto& [a, b] : args) c.send_add(a, b);
    for (size_t i = 0; i < args.size(); ++i) {
      const uint64_t before = s.envelopes().count();
      const int64_t got = c.recv_add();
      s.envelopes().ExpectReply("add", before);
      Check("pipelined reply #" + std::to_string(i) + " add(" + std::to_string(args[i].first) +
                ", " + std::to_string(args[i].second) + ")",
            Diff(AddResult(args[i].first, args[i].second), got));
    }
  });

  // Every kind of call in one pipeline: replies, a declared exception in the
  // middle, a oneway call that must take effect before the call after it.
  step("pipelined mixed calls", [&] {
    const auto big = MakeAllTypes<rpc::AllTypes>(9);
    c.send_ping("p0");
    c.send_roundTrip(big);
    c.send_fail(3);
    c.send_notify(token + 1);
    c.send_lastNotified();
    c.send_blob(1000);
    c.send_noop();
    c.send_many(2);
    c.send_add(-1, -2);

    std::string str;
    uint64_t before = s.envelopes().count();
    c.recv_ping(str);
    s.envelopes().ExpectReply("ping", before);
    Check("reply #0 ping", Diff(PingReply("p0"), str));

    rpc::AllTypes v;
    before = s.envelopes().count();
    c.recv_roundTrip(v);
    s.envelopes().ExpectReply("roundTrip", before);
    Check("reply #1 roundTrip", Diff(big, v));

    s.ExpectFailure(3, [&] { c.recv_fail(str); });

    before = s.envelopes().count();
    const int64_t last = c.recv_lastNotified();
    s.envelopes().ExpectReply("lastNotified", before);
    Check("reply #4 lastNotified after oneway notify", Diff(token + 1, last));

    before = s.envelopes().count();
    c.recv_blob(str);
    s.envelopes().ExpectReply("blob", before);
    Check("reply #5 blob(1000)", Diff(MakeBlob(1000), str));

    before = s.envelopes().count();
    c.recv_noop();
    s.envelopes().ExpectReply("noop", before);

    std::vector<rpc::AllTypes> got_many;
    before = s.envelopes().count();
    c.recv_many(got_many);
    s.envelopes().ExpectReply("many", before);
    Check("reply #7 many(2)", Diff(std::vector<rpc::AllTypes>{MakeAllTypes<rpc::AllTypes>(0),
                                                              MakeAllTypes<rpc::AllTypes>(1)},
                                   got_many));

    before = s.envelopes().count();
    const int64_t sum = c.recv_add();
    s.envelopes().ExpectReply("add", before);
    Check("reply #8 add(-1, -2)", Diff(int64_t{-3}, sum));
  });

  step("ping at the end", [&] {
    std::string got;
    s.Call("ping", [&] { c.ping(got, "bye"); });
    Check("ping(\"bye\")", Diff(PingReply("bye"), got));
  });
  return ok;
}

}  // namespace

int main(int argc, char** argv) {
  gflags::SetUsageMessage(
      "Apache Thrift client running the rpc_interop.thrift script\n"
      "  apache_rpc_client --address=127.0.0.1:PORT --transport=framed|buffered");
  gflags::ParseCommandLineFlags(&argc, &argv, true);
  const size_t colon = FLAGS_address.rfind(':');
  if (FLAGS_address.empty() || colon == std::string::npos || colon + 1 == FLAGS_address.size()) {
    std::cerr << "apache_rpc_client: --address=HOST:PORT is required\n";
    return 2;
  }
  std::string host = FLAGS_address.substr(0, colon);
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') {
    host = host.substr(1, host.size() - 2);
  }
  int port = 0;
  try {
    port = std::stoi(FLAGS_address.substr(colon + 1));
  } catch (const std::exception&) {
    port = -1;
  }
  if (port <= 0 || port > 65535) {
    std::cerr << "apache_rpc_client: bad port in --address=" << FLAGS_address << "\n";
    return 2;
  }
  if (FLAGS_transport != "framed" && FLAGS_transport != "buffered") {
    std::cerr << "apache_rpc_client: --transport must be framed or buffered, not '"
              << FLAGS_transport << "'\n";
    return 2;
  }

  auto socket = std::make_shared<at::transport::TSocket>(host, port);
  socket->setConnTimeout(FLAGS_timeout_ms);
  socket->setRecvTimeout(FLAGS_timeout_ms);
  socket->setSendTimeout(FLAGS_timeout_ms);
  std::shared_ptr<at::transport::TTransport> transport;
  if (FLAGS_transport == "framed") {
    transport = std::make_shared<at::transport::TFramedTransport>(socket);
  } else {
    transport = std::make_shared<at::transport::TBufferedTransport>(socket);
  }
  std::shared_ptr<at::protocol::TProtocol> protocol;
  if (FLAGS_protocol == "compact") {
    protocol = std::make_shared<at::protocol::TCompactProtocol>(transport);
  } else if (FLAGS_protocol == "binary") {
    protocol = std::make_shared<at::protocol::TBinaryProtocol>(transport);
  } else {
    std::cerr << "apache_rpc_client: --protocol must be binary or compact, not '" << FLAGS_protocol
              << "'\n";
    return 2;
  }
  auto recorder = std::make_shared<EnvelopeRecorder>(protocol);

  std::cout << "apache_rpc_client: " << FLAGS_transport << " " << FLAGS_protocol << " to "
            << FLAGS_address << std::endl;
  try {
    transport->open();
  } catch (const std::exception& e) {
    std::cout << "[FAIL] connect to " << FLAGS_address << ": " << e.what() << std::endl;
    return 1;
  }
  Script script(recorder, protocol);
  const bool ok = RunScript(script);
  try {
    transport->close();
  } catch (const std::exception&) {
    // Closing a connection the server already dropped changes nothing here.
  }
  std::cout << (ok ? "PASS" : "FAIL") << ": " << script.steps() << " steps" << std::endl;
  return ok ? 0 : 1;
}
