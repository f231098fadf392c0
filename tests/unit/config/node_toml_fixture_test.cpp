// The shared node fixture (tests/fixtures/node_toml.h) that worker_test,
// fuzz_frame, the cp reload tests and the bench drivers load: its defaults
// are the node they all assume, and each override reaches the loaded config.
#include <gtest/gtest.h>

#include "config/config.h"
#include "fixtures/node_toml.h"

namespace sipedge::config::testing {
namespace {

Config load(const fixtures::NodeToml& node) {
  auto r = load_string(fixtures::node_toml(node), "fixture.toml");
  if (!r.ok()) {
    ADD_FAILURE() << r.errors.front().to_string() << "\n" << fixtures::node_toml(node);
    return {};
  }
  return std::move(*r.config);
}

TEST(NodeTomlFixture, DefaultsAreTheOutsideInsideNodeWithATwoDestinationHashSet) {
  const Config c = load({});
  EXPECT_EQ(c.node.id, 1u);
  EXPECT_EQ(c.dataplane.worker_lcores, (std::vector<std::uint32_t>{1}));
  ASSERT_EQ(c.ports.size(), 2u);
  EXPECT_EQ(c.ports[0].name, "outside");
  EXPECT_EQ(c.ports[0].role, PortRole::kOutside);
  EXPECT_EQ(c.ports[0].address, 0xCB007102u);  // 203.0.113.2
  EXPECT_EQ(c.ports[1].name, "inside");
  EXPECT_EQ(c.ports[1].role, PortRole::kInside);
  EXPECT_EQ(c.ports[1].address, 0xC6336401u);  // 198.51.100.1
  EXPECT_EQ(c.sip.vips, (std::vector<Ipv4>{0xCB007101}));
  EXPECT_EQ(c.sip.ports, (std::vector<std::uint16_t>{5060}));
  EXPECT_EQ(c.sip.inside_prefixes.size(), 1u);
  ASSERT_EQ(c.sets.size(), 1u);
  EXPECT_EQ(c.sets[0].name, "pool");
  EXPECT_EQ(c.sets[0].algorithm, Algorithm::kHashCallId);
  ASSERT_EQ(c.sets[0].destinations.size(), 2u);
  EXPECT_EQ(c.sets[0].destinations[0].address, 0xC6336415u);  // 198.51.100.21
  EXPECT_EQ(c.sets[0].destinations[1].address, 0xC6336416u);  // 198.51.100.22
  EXPECT_EQ(c.sets[0].destinations[1].weight, kDefaultWeight);
}

TEST(NodeTomlFixture, EachOverrideReachesTheConfig) {
  fixtures::NodeToml node{.name = "edge-a",
                          .id = 9,
                          .worker_lcores = {1, 2},
                          .mbufs = 32767,
                          .mbuf_cache = 256,
                          .punt_socket = "/tmp/fixture.sock",
                          .vips = {"203.0.113.254"},
                          .sip_ports = {65000},
                          .inside_prefixes = {},
                          .set_algorithm = "wrr",
                          .extra = "[cps]\nglobal = 1000\n"};
  node.ports[0].mtu = 576;
  node.ports[0].mac = "02:00:00:00:00:01";
  node.ports[0].rss = false;
  node.ports[1].role = "";  // omitted: the loader's default
  node.neighbours = {{"198.51.100.21", "02:00:00:00:01:21", "inside"}};
  node.destinations[1].weight = 3;
  const Config c = load(node);
  EXPECT_EQ(c.node.name, "edge-a");
  EXPECT_EQ(c.node.id, 9u);
  EXPECT_EQ(c.dataplane.worker_lcores, (std::vector<std::uint32_t>{1, 2}));
  EXPECT_EQ(c.dataplane.mbufs, 32767u);
  EXPECT_EQ(c.dataplane.mbuf_cache, 256u);
  EXPECT_EQ(c.dataplane.punt_socket, "/tmp/fixture.sock");
  ASSERT_EQ(c.ports.size(), 2u);
  EXPECT_EQ(c.ports[0].mtu, 576u);
  EXPECT_TRUE(c.ports[0].mac.has_value());
  EXPECT_FALSE(c.ports[0].rss);
  EXPECT_EQ(c.ports[1].role, kDefaultPortRole);
  ASSERT_EQ(c.neighbours.size(), 1u);
  EXPECT_EQ(c.neighbours[0].address, 0xC6336415u);
  EXPECT_EQ(c.sip.vips, (std::vector<Ipv4>{0xCB0071FE}));
  EXPECT_EQ(c.sip.ports, (std::vector<std::uint16_t>{65000}));
  EXPECT_TRUE(c.sip.inside_prefixes.empty());
  ASSERT_EQ(c.sets.size(), 1u);
  EXPECT_EQ(c.sets[0].algorithm, Algorithm::kWeightedRoundRobin);
  ASSERT_EQ(c.sets[0].destinations.size(), 2u);
  EXPECT_EQ(c.sets[0].destinations[1].weight, 3u);
  EXPECT_EQ(c.cps.global, 1000u);
}

}  // namespace
}  // namespace sipedge::config::testing
