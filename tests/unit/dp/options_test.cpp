// sipedge-dp's command line and the EAL arguments derived from the config.
#include "dp/options.h"

#include <gtest/gtest.h>

#include <algorithm>

namespace sipedge::dp {
namespace {

constexpr const char* kConfig = R"(
[node]
id = 1
[eal]
args = ["--no-huge", "-m", "128"]
main_lcore = 0
[dataplane]
worker_lcores = [1, 3]
[[port]]
name = "outside"
device = "net_pcap0,rx_pcap=in.pcap,tx_pcap=out.pcap"
role = "outside"
address = "203.0.113.2/24"
[[port]]
name = "inside"
device = "0000:01:00.1"
role = "inside"
address = "198.51.100.1/24"
[sip]
vips = ["203.0.113.1"]
)";

config::Config load(const char* text) {
  auto r = config::load_string(text, "test.toml");
  if (!r.ok()) ADD_FAILURE() << r.errors.front().to_string();
  return *r.config;
}

bool has(const std::vector<std::string>& v, const std::string& s) { return std::find(v.begin(), v.end(), s) != v.end(); }

TEST(Options, ParsesConfigIdleStatsAndEalExtras) {
  auto p = parse_options({"--config", "a.toml", "--exit-idle-ms", "250", "--stats-ms", "0", "--", "--log-level", "8"});
  ASSERT_TRUE(p.options) << p.error;
  EXPECT_EQ(p.options->config_path, "a.toml");
  EXPECT_EQ(p.options->exit_idle_ms, 250u);
  EXPECT_EQ(p.options->stats_ms, 0u);
  EXPECT_EQ(p.options->eal_extra, (std::vector<std::string>{"--log-level", "8"}));
}

TEST(Options, RefusesWhatItDoesNotKnow) {
  EXPECT_EQ(parse_options({}).error, "--config FILE is required");
  EXPECT_EQ(parse_options({"--config"}).error, "--config needs a file");
  EXPECT_EQ(parse_options({"--config", "a", "--exit-idle-ms", "soon"}).error,
            "--exit-idle-ms needs a number of milliseconds");
  EXPECT_EQ(parse_options({"--config", "a", "--verbose"}).error, "unknown argument '--verbose'");
  EXPECT_TRUE(parse_options({"--help"}).options->help);
}

TEST(Options, EalArgumentsComeFromTheConfig) {
  const auto config = load(kConfig);
  const auto argv = eal_arguments(config, {"--log-level", "8"});
  EXPECT_EQ(argv.front(), "sipedge-dp");
  EXPECT_TRUE(has(argv, "--no-huge"));
  const auto l = std::find(argv.begin(), argv.end(), "-l");
  ASSERT_NE(l, argv.end());
  EXPECT_EQ(*(l + 1), "0,1,3");
  EXPECT_TRUE(has(argv, "--vdev=net_pcap0,rx_pcap=in.pcap,tx_pcap=out.pcap"));
  const auto a = std::find(argv.begin(), argv.end(), "-a");
  ASSERT_NE(a, argv.end());
  EXPECT_EQ(*(a + 1), "0000:01:00.1");
  EXPECT_EQ(argv.back(), "8");
}

TEST(Options, NoAllowListWhenTheOperatorChoseDevices) {
  auto config = load(kConfig);
  config.eal.args.push_back("--no-pci");
  EXPECT_FALSE(has(eal_arguments(config, {}), "-a"));
}

TEST(Options, DeviceNameIsTheVdevNameOrThePciAddress) {
  const auto config = load(kConfig);
  EXPECT_EQ(device_name(config.ports[0]), "net_pcap0");
  EXPECT_EQ(device_name(config.ports[1]), "0000:01:00.1");
}

}  // namespace
}  // namespace sipedge::dp
