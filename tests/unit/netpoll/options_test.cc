#include <gtest/gtest.h>

#include "plugins/netpoll/netpoll.h"

namespace tern::netpoll {
namespace {

TEST(NetpollOptionsTest, DefaultsWhenTheSectionIsEmpty) {
  auto o = NetpollOptionsFromConfig(ConfigView("netpoll", {}));
  ASSERT_TRUE(o.ok()) << o.status();
  EXPECT_EQ(o->pollers, 0);
  EXPECT_TRUE(o->adaptive_wait);
  EXPECT_GT(o->high_water_mark, 0u);
  EXPECT_EQ(o->idle_timeout_ms, 0);
  EXPECT_GE(o->read_budget, 4096u);
}

TEST(NetpollOptionsTest, ReadsEveryKey) {
  auto o = NetpollOptionsFromConfig(ConfigView("netpoll", {{"pollers", "3"},
                                                           {"adaptive_wait", "off"},
                                                           {"high_water_mark", "65536"},
                                                           {"idle_timeout_ms", "1500"},
                                                           {"read_budget", "8192"}}));
  ASSERT_TRUE(o.ok()) << o.status();
  EXPECT_EQ(o->pollers, 3);
  EXPECT_FALSE(o->adaptive_wait);
  EXPECT_EQ(o->high_water_mark, 65536u);
  EXPECT_EQ(o->idle_timeout_ms, 1500);
  EXPECT_EQ(o->read_budget, 8192u);
  // Every key read here is declared for the plugin's section.
  EXPECT_EQ(kNumNetpollConfigKeys, 5u);
}

TEST(NetpollOptionsTest, BadValuesNameTheKey) {
  for (auto [key, value] :
       std::vector<std::pair<std::string, std::string>>{{"pollers", "-1"},
                                                        {"pollers", "many"},
                                                        {"high_water_mark", "0"},
                                                        {"idle_timeout_ms", "-5"},
                                                        {"read_budget", "100"},
                                                        {"adaptive_wait", "perhaps"}}) {
    auto o = NetpollOptionsFromConfig(ConfigView("netpoll", {{key, value}}));
    ASSERT_FALSE(o.ok()) << key << "=" << value;
    EXPECT_NE(o.status().message().find(key), std::string_view::npos) << o.status();
  }
}

TEST(NetpollOptionsTest, ZeroPollersMeansTheAffinityMask) {
  NetpollTransport t(NetpollOptions{});
  EXPECT_EQ(t.options().pollers, AffinityCpuCount());
  EXPECT_GE(AffinityCpuCount(), 1);
}

}  // namespace
}  // namespace tern::netpoll
