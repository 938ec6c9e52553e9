// What the Tern side of the RPC interop tests shares: the Interop handler
// (the semantics written at the top of rpc_interop.thrift, served in process
// by rpc_interop_test.cc and as a process of its own by tern_rpc_server.cc),
// and the child-process helpers the tests use to run another
// implementation's server (Apache's C++ one, Python's).
#pragma once

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <iterator>
#include <string>
#include <thread>
#include <vector>

#include "rpc_interop_services.h"
#include "rpc_values.h"

namespace tern::interop {

// The semantics of rpc_interop.thrift, on Tern.
class InteropImpl final : public rpc::InteropHandler {
 public:
  std::string ping(std::string who) override { return PingReply(who); }
  rpc::AllTypes roundTrip(rpc::AllTypes v) override { return v; }
  void noop() override {}
  int64_t add(int32_t a, int64_t b) override { return AddResult(a, b); }
  std::string fail(int32_t code) override {
    if (code == 0) return "ok";
    rpc::InteropError e;
    e.code = code;
    e.message = FailMessage(code);
    throw e;
  }
  void notify(int64_t token) override { last_.store(token); }
  int64_t lastNotified() override { return last_.load(); }
  std::vector<rpc::AllTypes> many(int32_t n) override {
    std::vector<rpc::AllTypes> out;
    for (int32_t i = 0; i < n; ++i) out.push_back(MakeAllTypes<rpc::AllTypes>(i));
    return out;
  }
  std::string blob(int32_t size) override { return MakeBlob(size); }
  rpc::Choice echoChoice(rpc::Choice c) override { return c; }

 private:
  std::atomic<int64_t> last_{0};
};

// A child process with its output (stdout and stderr) in a file; SIGTERM
// and reaped when done.
class Child {
 public:
  Child(const std::vector<std::string>& argv, const std::string& log) {
    pid_ = ::fork();
    if (pid_ == 0) {
      FILE* f = std::freopen(log.c_str(), "w", stdout);
      if (f != nullptr) ::dup2(::fileno(stdout), 2);
      std::vector<char*> args;
      for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
      args.push_back(nullptr);
      ::execv(args[0], args.data());
      ::_exit(127);
    }
  }
  ~Child() {
    if (pid_ > 0) {
      ::kill(pid_, SIGTERM);
      int st = 0;
      ::waitpid(pid_, &st, 0);
    }
  }
  Child(const Child&) = delete;
  Child& operator=(const Child&) = delete;
  bool Alive() const { return pid_ > 0 && ::waitpid(pid_, nullptr, WNOHANG) == 0; }

 private:
  pid_t pid_ = -1;
};

inline std::string ReadFile(const std::string& path) {
  std::ifstream in(path);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

// Waits (up to 10 s) for the server's port file; empty on timeout or when
// the child exited.
inline std::string WaitForAddress(const std::string& file, const Child& child) {
  for (int i = 0; i < 400; ++i) {
    std::string s = ReadFile(file);
    while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) s.pop_back();
    if (!s.empty()) return s;
    if (!child.Alive()) return "";
    std::this_thread::sleep_for(std::chrono::milliseconds(25));
  }
  return "";
}

}  // namespace tern::interop
