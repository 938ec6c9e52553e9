// Calls every method of rpc_test.thrift's Calc service once and checks the
// answers (semantics: rpc_test.thrift). Written against the generated client
// of either type family (std, or --alloc=pmr: strings come back as
// std::pmr::string), so each test binary checks its own.
#pragma once

#include <gtest/gtest.h>

#include <cstdint>
#include <string>

#include "rpc_test_services.h"
#include "tern/rpc/error.h"

namespace tern::rpc::testing {

inline void CallEverything(::tern::test::rpc::CalcClient& c) {
  namespace t = ::tern::test::rpc;
  EXPECT_EQ(c.ping("tern"), "pong tern");
  EXPECT_EQ(c.add(-5, int64_t{1} << 40), (int64_t{1} << 40) - 5);
  EXPECT_EQ(c.fail(0), "ok");
  try {
    c.fail(7);
    ADD_FAILURE() << "no exception";
  } catch (const t::CalcError& e) {
    EXPECT_EQ(e.code, 7);
    EXPECT_EQ(e.message, "failed 7");
  }
  c.sleep(1);
  c.notify(42);
  EXPECT_EQ(c.last(), 42);
  for (int size : {0, 10, 300000}) {
    const auto big = c.big(size);
    ASSERT_EQ(big.size(), static_cast<size_t>(size));
    for (size_t i = 0; i < big.size(); i += 997) EXPECT_EQ(big[i], static_cast<char>(i * 7));
  }
  try {
    c.boom();
    ADD_FAILURE() << "no exception";
  } catch (const RpcError& e) {
    EXPECT_NE(std::string(e.what()).find("kaboom"), std::string::npos) << e.what();
  }
  t::Pair p;
  p.key = "k";
  p.values = {1, -2, 3};
  p.set_extra({{"a", 1}, {"b", -9}});
  EXPECT_EQ(c.echoPair(p), p);
  t::Pair big_pair;
  big_pair.key = std::string(100000, 'q');
  big_pair.values.assign(20000, 77);
  EXPECT_EQ(c.echoPair(big_pair), big_pair);
}

}  // namespace tern::rpc::testing
