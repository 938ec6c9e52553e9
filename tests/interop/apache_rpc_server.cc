// apache_rpc_server: Apache Thrift 0.17's own server for the Interop service
// of rpc_interop.thrift, the peer a Tern client is checked against (and the
// server apache_rpc_client is proven on). Binary or Compact protocol.
//
//   apache_rpc_server --server=nonblocking|threaded --transport=framed|buffered
//                     [--protocol=binary|compact] [--port_file=F]
//
// nonblocking = TNonblockingServer with 1 IO thread (framed only: it reads
// frames itself); threaded = TThreadedServer (framed or buffered). Listens on
// 127.0.0.1, port chosen by the kernel, and once listening writes
// "127.0.0.1:PORT\n" to --port_file (through a rename, so a reader never
// sees half a line) or to stdout. Stops cleanly on SIGINT/SIGTERM.
// The handler implements the semantics written in rpc_interop.thrift.
#include <gflags/gflags.h>
#include <pthread.h>
#include <signal.h>
#include <thrift/protocol/TBinaryProtocol.h>
#include <thrift/protocol/TCompactProtocol.h>
#include <thrift/server/TNonblockingServer.h>
#include <thrift/server/TThreadedServer.h>
#include <thrift/transport/TBufferTransports.h>
#include <thrift/transport/TNonblockingServerSocket.h>
#include <thrift/transport/TServerSocket.h>

#include <atomic>
#include <cstdio>
#include <fstream>
#include <functional>
#include <iostream>
#include <memory>
#include <string>
#include <thread>

#include "Interop.h"
#include "rpc_values.h"

DEFINE_string(server, "threaded", "nonblocking (TNonblockingServer) or threaded (TThreadedServer)");
DEFINE_string(transport, "framed", "framed or buffered (buffered only with --server=threaded)");
DEFINE_string(protocol, "binary", "binary (TBinaryProtocol) or compact (TCompactProtocol)");
DEFINE_string(port_file, "", "write 127.0.0.1:PORT here once listening (default: stdout)");

namespace {

namespace at = apache::thrift;
namespace rpc = apache_rpc;
using tern::interop::AddResult;
using tern::interop::FailMessage;
using tern::interop::MakeAllTypes;
using tern::interop::MakeBlob;
using tern::interop::PingReply;

class InteropHandler : virtual public rpc::InteropIf {
 public:
  void ping(std::string& out, const std::string& who) override { out = PingReply(who); }
  void roundTrip(rpc::AllTypes& out, const rpc::AllTypes& v) override { out = v; }
  void noop() override {}
  int64_t add(const int32_t a, const int64_t b) override { return AddResult(a, b); }
  void fail(std::string& out, const int32_t code) override {
    if (code != 0) {
      rpc::InteropError err;
      err.__set_code(code);
      err.__set_message(FailMessage(code));
      throw err;
    }
    out = "ok";
  }
  void notify(const int64_t token) override { last_notified_.store(token); }
  int64_t lastNotified() override { return last_notified_.load(); }
  void many(std::vector<rpc::AllTypes>& out, const int32_t n) override {
    out.clear();
    for (int32_t i = 0; i < n; ++i) out.push_back(MakeAllTypes<rpc::AllTypes>(i));
  }
  void blob(std::string& out, const int32_t size) override { out = MakeBlob(size); }
  void echoChoice(rpc::Choice& out, const rpc::Choice& c) override { out = c; }

 private:
  std::atomic<int64_t> last_notified_{0};
};

void PublishAddress(int port) {
  const std::string address = "127.0.0.1:" + std::to_string(port);
  if (FLAGS_port_file.empty()) {
    std::cout << address << std::endl;
    return;
  }
  const std::string tmp = FLAGS_port_file + ".tmp";
  {
    std::ofstream out(tmp, std::ios::trunc);
    out << address << "\n";
    if (!out.flush()) {
      std::cerr << "apache_rpc_server: cannot write " << tmp << "\n";
      std::exit(1);
    }
  }
  if (std::rename(tmp.c_str(), FLAGS_port_file.c_str()) != 0) {
    std::perror("apache_rpc_server: rename of the port file");
    std::exit(1);
  }
}

// Apache calls preServe() after the server socket listens and before the
// first accept: the earliest moment a client may connect.
class PublishOnServe : public at::server::TServerEventHandler {
 public:
  explicit PublishOnServe(std::function<int()> port) : port_(std::move(port)) {}
  void preServe() override {
    const int port = port_();
    std::cerr << "apache_rpc_server: " << FLAGS_server << "/" << FLAGS_transport
              << " listening on 127.0.0.1:" << port << std::endl;
    PublishAddress(port);
  }

 private:
  std::function<int()> port_;
};

}  // namespace

int main(int argc, char** argv) {
  gflags::SetUsageMessage(
      "Apache Thrift server of rpc_interop.thrift's Interop service\n"
      "  apache_rpc_server --server=nonblocking|threaded --transport=framed|buffered "
      "[--port_file=F]");
  gflags::ParseCommandLineFlags(&argc, &argv, true);
  const bool nonblocking = FLAGS_server == "nonblocking";
  if (!nonblocking && FLAGS_server != "threaded") {
    std::cerr << "apache_rpc_server: --server must be nonblocking or threaded, not '"
              << FLAGS_server << "'\n";
    return 2;
  }
  const bool framed = FLAGS_transport == "framed";
  if (!framed && FLAGS_transport != "buffered") {
    std::cerr << "apache_rpc_server: --transport must be framed or buffered, not '"
              << FLAGS_transport << "'\n";
    return 2;
  }
  if (nonblocking && !framed) {
    std::cerr << "apache_rpc_server: TNonblockingServer speaks only the framed transport; "
                 "use --server=threaded for --transport=buffered\n";
    return 2;
  }

  // Blocked in every thread (they inherit the mask); only the waiter below
  // takes them.
  sigset_t sigs;
  sigemptyset(&sigs);
  sigaddset(&sigs, SIGINT);
  sigaddset(&sigs, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &sigs, nullptr);

  auto handler = std::make_shared<InteropHandler>();
  auto processor = std::make_shared<rpc::InteropProcessor>(handler);
  std::shared_ptr<at::protocol::TProtocolFactory> protocol;
  if (FLAGS_protocol == "compact") {
    protocol = std::make_shared<at::protocol::TCompactProtocolFactory>();
  } else if (FLAGS_protocol == "binary") {
    protocol = std::make_shared<at::protocol::TBinaryProtocolFactory>();
  } else {
    std::cerr << "apache_rpc_server: --protocol must be binary or compact, not '" << FLAGS_protocol
              << "'\n";
    return 2;
  }

  std::unique_ptr<at::server::TServer> server;
  if (nonblocking) {
    auto socket = std::make_shared<at::transport::TNonblockingServerSocket>("127.0.0.1", 0);
    auto nb = std::make_unique<at::server::TNonblockingServer>(processor, protocol, socket);
    nb->setNumIOThreads(1);
    nb->setServerEventHandler(
        std::make_shared<PublishOnServe>([socket] { return socket->getListenPort(); }));
    server = std::move(nb);
  } else {
    auto socket = std::make_shared<at::transport::TServerSocket>("127.0.0.1", 0);
    std::shared_ptr<at::transport::TTransportFactory> transport;
    if (framed) {
      transport = std::make_shared<at::transport::TFramedTransportFactory>();
    } else {
      transport = std::make_shared<at::transport::TBufferedTransportFactory>();
    }
    server = std::make_unique<at::server::TThreadedServer>(processor, socket, transport, protocol);
    server->setServerEventHandler(
        std::make_shared<PublishOnServe>([socket] { return socket->getPort(); }));
  }

  std::atomic<bool> stopping{false};
  std::thread waiter([&] {
    int sig = 0;
    sigwait(&sigs, &sig);
    if (stopping.exchange(true)) return;  // woken by main after serve() ended
    std::cerr << "apache_rpc_server: signal " << sig << ", stopping" << std::endl;
    server->stop();
  });

  int rc = 0;
  try {
    server->serve();
  } catch (const std::exception& e) {
    std::cerr << "apache_rpc_server: serve() failed: " << e.what() << "\n";
    rc = 1;
  }
  if (!stopping.exchange(true)) pthread_kill(waiter.native_handle(), SIGTERM);
  waiter.join();
  return rc;
}
