// The flat counter list: names and sums line up, across lcores.
#include "dp/stats.h"

#include <gtest/gtest.h>

#include <algorithm>

namespace sipedge::dp {
namespace {

constexpr const char* kConfig = R"(
[node]
id = 1
[dataplane]
worker_lcores = [1, 2]
[[port]]
name = "p"
device = "net_null0"
address = "203.0.113.2/24"
[sip]
vips = ["203.0.113.1"]
default_set = "pool"
[[set]]
name = "pool"
id = 1
[[set.destination]]
uri = "sip:198.51.100.21:5060"
[[set.destination]]
uri = "sip:198.51.100.22:5060"
)";

std::size_t index_of(const std::vector<std::string>& names, const std::string& n) {
  const auto it = std::find(names.begin(), names.end(), n);
  EXPECT_NE(it, names.end()) << n;
  return static_cast<std::size_t>(it - names.begin());
}

TEST(Stats, NamesAndValuesLineUpAndSumOverLcores) {
  auto loaded = config::load_string(kConfig, "t.toml");
  ASSERT_TRUE(loaded.ok()) << loaded.errors.front().to_string();
  const auto& config = *loaded.config;
  proxy::WorkerCounters sip_a, sip_b;
  DpCounters dp_a, dp_b;
  sip_a.outcomes[static_cast<std::size_t>(proxy::Outcome::forwarded_request)].add(3);
  sip_b.outcomes[static_cast<std::size_t>(proxy::Outcome::forwarded_request)].add(4);
  sip_a.cps_breaches.add(2);
  sip_b.destination_requests[1].add(5);
  dp_a.add(DpCounter::rx_packets, 10);
  dp_b.add(DpCounter::rx_packets, 1);
  dp_b.drop(net::DropReason::udp_bad_checksum);
  dp_a.add(DpCounter::poll_cycles, 100);
  dp_b.add(DpCounter::poll_cycles, 7);
  const StatSource sources[] = {{&sip_a, &dp_a, 0}, {&sip_b, &dp_b, 1}, {nullptr, &dp_a}};
  const auto names = stat_names(config);
  std::vector<std::uint64_t> values;
  stat_values(config, sources, values);
  ASSERT_EQ(names.size(), values.size());
  EXPECT_EQ(values[index_of(names, "forwarded_request")], 7u);
  EXPECT_EQ(values[index_of(names, "cps_breaches")], 2u);
  EXPECT_EQ(values[index_of(names, "rx_packets")], 21u);
  EXPECT_EQ(values[index_of(names, "drop_udp_bad_checksum")], 1u);
  EXPECT_EQ(values[index_of(names, "dest_pool_0")], 0u);
  EXPECT_EQ(values[index_of(names, "dest_pool_1")], 5u);
  // Per worker, not summed: sipedge-cp's heartbeat sees one stalled worker.
  EXPECT_EQ(values[index_of(names, "worker_0_poll_cycles")], 100u);
  EXPECT_EQ(values[index_of(names, "worker_1_poll_cycles")], 7u);
  EXPECT_EQ(values[index_of(names, "poll_cycles")], 207u);
  EXPECT_EQ(names.back(), "worker_1_poll_cycles");
}

}  // namespace
}  // namespace sipedge::dp
