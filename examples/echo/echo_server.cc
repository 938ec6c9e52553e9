// echo_server: the echo service of echo.thrift on Tern's RPC runtime — the
// server of the demo and of the RPC benchmarks.
//
//   echo_server [--config=FILE] [--port_file=F] [--print_metrics]
//               [-- --server.address=127.0.0.1:0 --netpoll.pollers=1 ...]
//
// Prints what the runtime selected on this machine (transport, codec, SIMD
// encoder, and why), listens, writes the bound address to --port_file (or
// stdout) once ready, and serves until SIGINT/SIGTERM; then it stops
// gracefully ([server] shutdown_grace_ms) and, with --print_metrics, prints
// the server's metrics (a summary and the Prometheus text).
#include <gflags/gflags.h>
#include <glog/logging.h>
#include <signal.h>

#include <cstdio>
#include <cstring>
#include <fstream>
#include <iostream>
#include <string>
#include <vector>

#include "echo_services.h"
#include "tern/copy_stats.h"
#include "tern/init.h"
#include "tern/rpc/runtime.h"
#include "tern/rpc/server.h"

DEFINE_string(config, "", "INI config file (empty: defaults plus the overrides after --)");
DEFINE_string(port_file, "", "write the bound address here once listening (default: stdout)");
DEFINE_bool(print_metrics, false, "print the server's metrics when it stops");
DEFINE_bool(describe, true, "print what was selected on this machine, and why");
DEFINE_string(handler, "auto",
              "struct (decoded requests), view (copy-free views; needs a codec that decodes "
              "views) or auto (view when the codec decodes views)");

namespace echo = tern::bench::echo;

namespace {

// Answers with the request's own values; moves the payload, never copies it.
class EchoHandler final : public echo::EchoServerHandler {
 public:
  echo::Response echo(echo::Request req) override {
    echo::Response r;
    r.action = std::move(req.action);
    r.msg = std::move(req.msg);
    return r;
  }
};

// The same over copy-free views (served when the codec decodes views,
// codec = thrift_copyfree): the request is never decoded into strings; the
// reply's msg is the received bytes, linked by reference when large.
class EchoViewHandler final : public echo::EchoServerViewHandler {
 public:
  void echo(echo::Request::View req,
            tern::rpc::ViewReply<echo::Response, echo::EchoServer_echo_result>& reply) override {
    echo::Response::Builder r;
    r.set_action(req.action()).set_msg(req.msg());
    reply.Send(r);
  }
};

}  // namespace

int main(int argc, char** argv) {
  // What follows `--` are config overrides, not gflags.
  std::vector<std::string> overrides;
  int flag_argc = argc;
  for (int i = 1; i < argc; ++i) {
    if (std::strcmp(argv[i], "--") == 0) {
      for (int j = i + 1; j < argc; ++j) overrides.emplace_back(argv[j]);
      flag_argc = i;
      break;
    }
  }
  tern::InitProcess(&flag_argc, &argv, "Tern echo server");
  sigset_t sigs;
  sigemptyset(&sigs);
  sigaddset(&sigs, SIGINT);
  sigaddset(&sigs, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &sigs, nullptr);  // before any thread starts

  auto rt = tern::rpc::Runtime::Load(FLAGS_config, overrides);
  if (!rt.ok()) {
    std::cerr << "echo_server: " << rt.status() << "\n";
    return 2;
  }
  if (FLAGS_describe) std::cout << (*rt)->Describe() << std::flush;
  auto server = tern::rpc::Server::Create(*rt);
  if (!server.ok()) {
    std::cerr << "echo_server: " << server.status() << "\n";
    return 1;
  }
  if (FLAGS_handler != "auto" && FLAGS_handler != "struct" && FLAGS_handler != "view") {
    std::cerr << "echo_server: --handler must be auto, struct or view\n";
    return 2;
  }
  const bool views =
      FLAGS_handler == "view" || (FLAGS_handler == "auto" && (*server)->decodes_views());
  tern::Status served = views ? (*server)->Serve(std::make_shared<EchoViewHandler>())
                              : (*server)->Serve(std::make_shared<EchoHandler>());
  if (!served.ok()) {
    std::cerr << "echo_server: " << served << "\n";
    return 1;
  }
  auto bound = (*server)->Start();
  if (!bound.ok()) {
    std::cerr << "echo_server: " << bound.status() << "\n";
    return 1;
  }
  const auto& o = (*server)->options();
  std::cout << "echo_server: listening on " << bound->ToString() << " ("
            << (*rt)->SelectionLine("server") << ", workers=" << o.workers
            << ", handler=" << (views ? "view" : "struct") << ")" << std::endl;
  if (!FLAGS_port_file.empty()) {
    const std::string tmp = FLAGS_port_file + ".tmp";
    std::ofstream(tmp) << bound->ToString() << "\n";
    std::rename(tmp.c_str(), FLAGS_port_file.c_str());
  }
  int sig = 0;
  sigwait(&sigs, &sig);
  std::cout << "echo_server: " << (sig == SIGINT ? "SIGINT" : "SIGTERM")
            << ", draining calls in flight" << std::endl;
  (*server)->Stop();
  const tern::rpc::ServerStats st = (*server)->stats();
  const tern::PayloadCopies copies = tern::PayloadCopyStats();
  std::cout << "echo_server: payload copies: " << copies.count << " (" << copies.bytes
            << " bytes) in " << st.calls << " calls\n";
  std::cout << "echo_server: stopped after " << st.calls << " calls (" << st.rejected
            << " rejected, " << st.bad_frames << " connections closed for bad input)\n";
  if (FLAGS_print_metrics) {
    std::cout << "\n# Metrics summary\n"
              << (*rt)->metrics().SummaryText() << "\n# Prometheus text\n"
              << (*rt)->metrics().PrometheusText();
  }
  std::cout << std::flush;
  return 0;
}
