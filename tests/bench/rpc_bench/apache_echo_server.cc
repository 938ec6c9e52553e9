// apache_echo_server: the Apache Thrift 0.17 C++ peer of the RPC benchmarks —
// the echo service of examples/echo/echo.thrift on TNonblockingServer (one
// IO thread, no worker pool: handlers run on the IO thread, like Tern's
// default) or TThreadedServer, framed transport, TBinaryProtocol.
//
//   apache_echo_server [--server=nonblocking|threaded] [--port=N] [--port_file=F]
//
// Binds 127.0.0.1 (Apache's server sockets take a host and a port; 0, the
// default, picks a free port) and writes "127.0.0.1:PORT" to --port_file
// (or stdout) once serving; stops on SIGINT/SIGTERM. TNonblockingServer's
// frame limit is raised (--max_frame) so the 1 MB case is served.
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
DEFINE_int32(port, 0, "TCP port on 127.0.0.1 (0: any free port)");
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

// Apache 0.17's TFramedTransport counts every byte its protocol consumes
// against TConfiguration's max message size (100 MB) and never resets the
// count between frames: TThreadedServer drops a connection echoing 1 MB
// messages ("MaxMessageSize reached") after about a hundred calls. The count
// restarts with each frame here, so the limit applies per message as meant.
class PerFrameTransport : public at::transport::TFramedTransport {
 public:
  using TFramedTransport::TFramedTransport;

 protected:
  bool readFrame() override {
    resetConsumedMessageSize();
    return TFramedTransport::readFrame();
  }
};

class PerFrameTransportFactory : public at::transport::TTransportFactory {
 public:
  std::shared_ptr<at::transport::TTransport> getTransport(
      std::shared_ptr<at::transport::TTransport> trans) override {
    return std::make_shared<PerFrameTransport>(std::move(trans));
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
  if (FLAGS_port < 0 || FLAGS_port > 65535) {
    std::cerr << "apache_echo_server: --port must be 0..65535\n";
    return 2;
  }
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
    auto socket =
        std::make_shared<at::transport::TNonblockingServerSocket>("127.0.0.1", FLAGS_port);
    auto nb = std::make_unique<at::server::TNonblockingServer>(processor, protocol, socket);
    nb->setNumIOThreads(1);
    nb->setMaxFrameSize(static_cast<size_t>(FLAGS_max_frame));
    nb->setServerEventHandler(
        std::make_shared<PublishOnServe>([socket] { return socket->getListenPort(); }));
    server = std::move(nb);
  } else {
    auto socket = std::make_shared<at::transport::TServerSocket>("127.0.0.1", FLAGS_port);
    server = std::make_unique<at::server::TThreadedServer>(
        processor, socket, std::make_shared<PerFrameTransportFactory>(), protocol);
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
