// tern_rpc_server: a Tern server of rpc_interop.thrift's Interop service as a
// process of its own, for the clients of other Thrift implementations that
// cannot be linked into a gtest (Apache Thrift's Python library,
// python_client.py). The handler implements the semantics written at the top
// of rpc_interop.thrift, like rpc_interop_test.cc's in-process one.
//
//   tern_rpc_server [--codec=thrift_fast|thrift_compact]
//                   [--framing=framed|buffered|auto] [--port=0] [--port_file=F]
//
// Listens on 127.0.0.1 only (--port 0: a port chosen by the kernel), prints
// "tern_rpc_server: listening on 127.0.0.1:PORT" once ready and writes
// "127.0.0.1:PORT\n" to --port_file (through a rename, so a reader never sees
// half a line) — the convention of run_rpc_pair.sh. Serves until
// SIGINT/SIGTERM, then stops, prints its call counters and exits 0.
#include <gflags/gflags.h>
#include <pthread.h>
#include <signal.h>

#include <atomic>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include "rpc_interop_services.h"
#include "rpc_values.h"
#include "tern/init.h"
#include "tern/rpc/runtime.h"
#include "tern/rpc/server.h"
#include "tern_peer.h"

DEFINE_string(codec, "thrift_fast", "thrift_fast (Binary protocol) or thrift_compact (Compact)");
DEFINE_string(framing, "framed", "framed, buffered, or auto (each connection's own)");
DEFINE_int32(port, 0, "port on 127.0.0.1; 0: chosen by the kernel");
DEFINE_string(port_file, "", "write 127.0.0.1:PORT here once listening");

int main(int argc, char** argv) {
  tern::InitProcess(&argc, &argv,
                    "Tern server of rpc_interop.thrift's Interop service\n"
                    "  tern_rpc_server [--codec=thrift_fast|thrift_compact] "
                    "[--framing=framed|buffered|auto] [--port=0] [--port_file=F]");
  if (FLAGS_codec != "thrift_fast" && FLAGS_codec != "thrift_compact") {
    std::cerr << "tern_rpc_server: --codec must be thrift_fast or thrift_compact\n";
    return 2;
  }
  if (FLAGS_framing != "framed" && FLAGS_framing != "buffered" && FLAGS_framing != "auto") {
    std::cerr << "tern_rpc_server: --framing must be framed, buffered or auto\n";
    return 2;
  }
  if (FLAGS_port < 0 || FLAGS_port > 65535) {
    std::cerr << "tern_rpc_server: --port must be in 0..65535\n";
    return 2;
  }
  // Blocked before any thread starts, so every thread inherits the mask and
  // only sigwait below takes them.
  sigset_t sigs;
  sigemptyset(&sigs);
  sigaddset(&sigs, SIGINT);
  sigaddset(&sigs, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &sigs, nullptr);

  // The limits of rpc_interop_test.cc's servers: the clients send ~1 MiB
  // strings and receive ~1 MB blobs.
  auto rt = tern::rpc::Runtime::FromText(
      "[server]\naddress = 127.0.0.1:" + std::to_string(FLAGS_port) +
      "\nframing = " + FLAGS_framing + "\ncodec = " + FLAGS_codec +
      "\n[codec]\nmax_frame = 64m\nmax_string = 64m\n[netpoll]\npollers = 1\n");
  if (!rt.ok()) {
    std::cerr << "tern_rpc_server: " << rt.status() << "\n";
    return 1;
  }
  auto server = tern::rpc::Server::Create(*rt);
  if (!server.ok()) {
    std::cerr << "tern_rpc_server: " << server.status() << "\n";
    return 1;
  }
  if (tern::Status s = (*server)->Serve(std::make_shared<tern::interop::InteropImpl>()); !s.ok()) {
    std::cerr << "tern_rpc_server: " << s << "\n";
    return 1;
  }
  auto bound = (*server)->Start();
  if (!bound.ok()) {
    std::cerr << "tern_rpc_server: " << bound.status() << "\n";
    return 1;
  }
  const std::string address = bound->ToString();
  std::cout << "tern_rpc_server: listening on " << address << " (" << FLAGS_codec << ", "
            << FLAGS_framing << ")" << std::endl;
  if (!FLAGS_port_file.empty()) {
    const std::string tmp = FLAGS_port_file + ".tmp";
    {
      std::ofstream out(tmp, std::ios::trunc);
      out << address << "\n";
      if (!out.flush()) {
        std::cerr << "tern_rpc_server: cannot write " << tmp << "\n";
        return 1;
      }
    }
    if (std::rename(tmp.c_str(), FLAGS_port_file.c_str()) != 0) {
      std::perror("tern_rpc_server: rename of the port file");
      return 1;
    }
  }

  int sig = 0;
  sigwait(&sigs, &sig);
  (*server)->Stop();
  const tern::rpc::ServerStats st = (*server)->stats();
  std::cout << "tern_rpc_server: " << (sig == SIGINT ? "SIGINT" : "SIGTERM") << ", stopped after "
            << st.calls << " calls (" << st.rejected << " rejected, " << st.bad_frames
            << " connections closed for bad input)" << std::endl;
  return 0;
}
