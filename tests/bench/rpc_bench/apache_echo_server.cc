// apache_echo_server: the Apache Thrift 0.17 C++ peer of the RPC benchmarks —
// the echo service of examples/echo/echo.thrift on TNonblockingServer (one
// IO thread, no worker pool: handlers run on the IO thread, like Tern's
// default) or TThreadedServer, framed transport, TBinaryProtocol.
//
//   apache_echo_server [--server=nonblocking|threaded] [--port_file=F]
//
// Binds 127.0.0.1 on a free port and writes "127.0.0.1:PORT" to --port_file
// (or stdout) once serving; stops on SIGINT/SIGTERM.
#include <gflags/gflags.h>
#include <pthread.h>
#include <signal.h>
#include <thrift/protocol/TBinaryProtocol.h>
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

#include "EchoServer.h"

DEFINE_string(server, "nonblocking", "nonblocking (TNonblockingServer) or threaded");
DEFINE_string(port_file, "", "write the bound address here once serving (default: stdout)");
DEFINE_int64(max_frame, 256ll << 20, "largest frame TNonblockingServer accepts");

namespace at = apache::thrift;
namespace echo = apache_echo;

namespace {

class EchoHandler : public echo::EchoServerIf {
 public:
  void echo(echo::Response& out, const echo::Request& req) override {
    out.action = req.action;
    out.msg = req.msg;
  }
};

class PublishOnServe : public at::server::TServerEventHandler {
 public:
  explicit PublishOnServe(std::function<int()> port) : port_(std::move(port)) {}
  void preServe() override {
    const std::string address = "127.0.0.1:" + std::to_string(port_());
    if (FLAGS_port_file.empty()) {
      std::cout << address << std::endl;
      return;
    }
    const std::string tmp = FLAGS_port_file + ".tmp";
    std::ofstream(tmp) << address << "\n";
    std::rename(tmp.c_str(), FLAGS_port_file.c_str());
  }

 private:
  std::function<int()> port_;
};

}  // namespace

int main(int argc, char** argv) {
  gflags::SetUsageMessage("Apache Thrift echo server (benchmark peer)");
  gflags::ParseCommandLineFlags(&argc, &argv, true);
  const bool nonblocking = FLAGS_server == "nonblocking";
  if (!nonblocking && FLAGS_server != "threaded") {
    std::cerr << "apache_echo_server: --server must be nonblocking or threaded\n";
    return 2;
  }
  sigset_t sigs;
  sigemptyset(&sigs);
  sigaddset(&sigs, SIGINT);
  sigaddset(&sigs, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &sigs, nullptr);

  auto processor = std::make_shared<echo::EchoServerProcessor>(std::make_shared<EchoHandler>());
  auto protocol = std::make_shared<at::protocol::TBinaryProtocolFactory>();
  std::unique_ptr<at::server::TServer> server;
  if (nonblocking) {
    auto socket = std::make_shared<at::transport::TNonblockingServerSocket>("127.0.0.1", 0);
    auto nb = std::make_unique<at::server::TNonblockingServer>(processor, protocol, socket);
    nb->setNumIOThreads(1);
    nb->setMaxFrameSize(static_cast<size_t>(FLAGS_max_frame));
    nb->setServerEventHandler(
        std::make_shared<PublishOnServe>([socket] { return socket->getListenPort(); }));
    server = std::move(nb);
  } else {
    auto socket = std::make_shared<at::transport::TServerSocket>("127.0.0.1", 0);
    server = std::make_unique<at::server::TThreadedServer>(
        processor, socket, std::make_shared<at::transport::TFramedTransportFactory>(), protocol);
    server->setServerEventHandler(
        std::make_shared<PublishOnServe>([socket] { return socket->getPort(); }));
  }
  std::atomic<bool> stopping{false};
  std::thread waiter([&] {
    int sig = 0;
    sigwait(&sigs, &sig);
    if (stopping.exchange(true)) return;
    server->stop();
  });
  int rc = 0;
  try {
    server->serve();
  } catch (const std::exception& e) {
    std::cerr << "apache_echo_server: " << e.what() << "\n";
    rc = 1;
  }
  if (!stopping.exchange(true)) pthread_kill(waiter.native_handle(), SIGTERM);
  waiter.join();
  return rc;
}
