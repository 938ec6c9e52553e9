// The Calc service of rpc_test.thrift, implemented with the struct API,
// for the client <-> server tests. Semantics: rpc_test.thrift.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <thread>

#include "rpc_test_services.h"

namespace tern::rpc::testing {

namespace t = ::tern::test::rpc;

class CalcImpl : public t::CalcHandler {
 public:
  std::string ping(std::string who) override { return "pong " + who; }
  int64_t add(int32_t a, int64_t b) override { return a + b; }
  std::string fail(int32_t code) override {
    if (code == 0) return "ok";
    t::CalcError e;
    e.code = code;
    e.message = "failed " + std::to_string(code);
    throw e;
  }
  void sleep(int32_t ms) override { std::this_thread::sleep_for(std::chrono::milliseconds(ms)); }
  void notify(int64_t token) override { last_.store(token); }
  int64_t last() override { return last_.load(); }
  std::string big(int32_t size) override {
    std::string s(static_cast<size_t>(size), '\0');
    for (size_t i = 0; i < s.size(); ++i) s[i] = static_cast<char>(i * 7);
    return s;
  }
  std::string boom() override { throw std::runtime_error("kaboom"); }
  t::Pair echoPair(t::Pair p) override { return p; }

 private:
  std::atomic<int64_t> last_{0};
};

}  // namespace tern::rpc::testing
