// netpoll_echo_server: Tern's Netpoll transport echoing 4-byte big-endian
// length-prefixed frames, zero-copy (each whole frame's slice is appended to
// the reply). The benchmark peer of epoll_echo_server.
//
//   netpoll_echo_server --address=127.0.0.1:0 --port_file=/tmp/p [--pollers=N]
//                       [--adaptive_wait=false]
//
// Writes the bound address to --port_file (or stdout) once listening; stops
// on SIGINT/SIGTERM.
#include <gflags/gflags.h>
#include <glog/logging.h>
#include <signal.h>

#include <cstring>
#include <fstream>
#include <iostream>

#include "plugins/netpoll/netpoll.h"
#include "tern/init.h"

DEFINE_string(address, "127.0.0.1:0", "listen address (host:port, [v6]:port, unix:/path)");
DEFINE_int32(pollers, 0, "poller threads; 0 = the CPUs in the affinity mask");
DEFINE_bool(adaptive_wait, true, "poll again with timeout 0 after a busy wake-up");
DEFINE_string(port_file, "", "write the bound address here (default: stdout)");
DEFINE_uint64(max_frame, 64u << 20, "close a connection announcing a bigger frame");

namespace {

class FramedEcho : public tern::ConnectionHandler {
 public:
  void OnOpen(const tern::ConnectionRef&) override {}
  void OnData(const tern::ConnectionRef& conn) override {
    tern::LinkBuffer& in = conn->Input();
    tern::LinkBuffer out;
    while (in.Len() >= 4) {
      uint32_t be;
      std::memcpy(&be, *in.Peek(4), 4);
      const size_t len = __builtin_bswap32(be);
      if (len > FLAGS_max_frame) {
        conn->Close();
        return;
      }
      if (in.Len() < 4 + len) {
        conn->ExpectBytes(4 + len);
        break;
      }
      out.Append(*in.ReadSlice(4 + len));
    }
    in.Release();
    if (out.UnflushedLen() > 0) conn->Send(std::move(out)).IgnoreError();  // closed: dropped
  }
  void OnClose(const tern::ConnectionRef&, const tern::Status&) override {}
};

}  // namespace

int main(int argc, char** argv) {
  tern::InitProcess(&argc, &argv, "Netpoll framed echo server (benchmark)");
  sigset_t sigs;
  sigemptyset(&sigs);
  sigaddset(&sigs, SIGINT);
  sigaddset(&sigs, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &sigs, nullptr);  // before any thread starts

  auto ep = tern::Endpoint::Parse(FLAGS_address);
  if (!ep.ok()) {
    std::cerr << ep.status() << "\n";
    return 2;
  }
  tern::netpoll::NetpollOptions options;
  options.pollers = FLAGS_pollers;
  options.adaptive_wait = FLAGS_adaptive_wait;
  tern::netpoll::NetpollTransport transport(options);
  FramedEcho handler;
  auto bound = transport.Listen(*ep, {}, &handler);
  if (!bound.ok()) {
    std::cerr << bound.status() << "\n";
    return 1;
  }
  if (tern::Status st = transport.Start(); !st.ok()) {
    std::cerr << st << "\n";
    return 1;
  }
  if (FLAGS_port_file.empty()) {
    std::cout << bound->ToString() << std::endl;
  } else {
    std::ofstream(FLAGS_port_file + ".tmp") << bound->ToString() << "\n";
    std::rename((FLAGS_port_file + ".tmp").c_str(), FLAGS_port_file.c_str());
  }
  LOG(INFO) << "netpoll echo on " << bound->ToString() << " with " << transport.options().pollers
            << " poller(s), adaptive_wait=" << transport.options().adaptive_wait;
  int sig = 0;
  sigwait(&sigs, &sig);
  transport.Stop(std::chrono::milliseconds(100));
  return 0;
}
