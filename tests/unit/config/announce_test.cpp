// [announce]: defaults, a full section, and each refusal at file:line:col.
#include <gtest/gtest.h>

#include "config_testing.h"

namespace sipedge::config::testing {
namespace {

constexpr std::string_view kSets = R"toml(default_set = "pool"
[[set]]
name = "pool"
id = 1
[[set.destination]]
uri = "sip:198.51.100.20"
[[set]]
name = "carrier"
id = 2
[[set.destination]]
uri = "sip:198.51.100.30"
)toml";  // lines 11..21: [announce] is line 22, its first key line 23

TEST(Announce, OffByDefault) {
  const auto r = load_with_base("");
  ASSERT_TRUE(r.ok()) << dump(r);
  EXPECT_FALSE(r.config->announce.enabled);
  EXPECT_EQ(r.config->announce.bird_socket, "/run/bird/bird.ctl");
  EXPECT_EQ(r.config->announce.protocol, "sipedge_vip");
  EXPECT_EQ(r.config->announce.hold_down_s, 10u);
  EXPECT_TRUE(r.config->announce.sets.empty());
}

TEST(Announce, ReadsEveryKeyAndResolvesSets) {
  const auto r = load_with_base(std::string(kSets) + R"toml([announce]
enabled = true
bird_socket = "/tmp/b.ctl"
protocol = "vip4"
sets = ["carrier"]
min_up = 2
hold_down = 3
heartbeat_timeout_ms = 2000
guard_timeout_ms = 300
drain_grace = 5
)toml");
  ASSERT_TRUE(r.ok()) << dump(r);
  const auto& a = r.config->announce;
  EXPECT_TRUE(a.enabled);
  EXPECT_EQ(a.bird_socket, "/tmp/b.ctl");
  EXPECT_EQ(a.protocol, "vip4");
  ASSERT_EQ(a.sets.size(), 1u);
  EXPECT_EQ(a.set_indexes.front(), 1u);
  EXPECT_EQ(a.min_up, 2u);
  EXPECT_EQ(a.hold_down_s, 3u);
  EXPECT_EQ(a.heartbeat_timeout_ms, 2000u);
  EXPECT_EQ(a.guard_timeout_ms, 300u);
  EXPECT_EQ(a.drain_grace_s, 5u);
}

TEST(Announce, RefusesWithPositions) {
  const std::string s(kSets);
  EXPECT_TRUE(has_error(load_with_base(s + "[announce]\nsets = [\"pool\", \"nope\"]\n"), "t.toml:23:17: announce.sets[1]: ",
                        "no [[set]] named \"nope\""));
  EXPECT_TRUE(has_error(load_with_base(s + "[announce]\nsets = [\"pool\", \"pool\"]\n"), "t.toml:23:17: announce.sets[1]: ",
                        "pool"));
  EXPECT_TRUE(has_error(load_with_base(s + "[announce]\nprotocol = \"vip; down\"\n"), "t.toml:23:12: announce.protocol: ",
                        "must be a BIRD protocol name"));
  EXPECT_TRUE(has_error(load_with_base(s + "[announce]\nprotocol = \"4vip\"\n"), "t.toml:23:12: announce.protocol: ",
                        "must be a BIRD protocol name"));
  EXPECT_TRUE(has_error(load_with_base(s + "[announce]\nbird_socket = \"\"\n"), "t.toml:23:15: announce.bird_socket: ", ""));
  EXPECT_TRUE(has_error(load_with_base(s + "[announce]\nbird_socket = \"/" + std::string(200, 'x') + "\"\n"),
                        "t.toml:23:15: announce.bird_socket: ", "Unix socket path"));
  EXPECT_TRUE(has_error(load_with_base(s + "[announce]\nhold_down = 4000\n"), "t.toml:23:13: announce.hold_down: ", ""));
  EXPECT_TRUE(has_error(load_with_base(s + "[announce]\nheartbeat_timeout_ms = 100\n"),
                        "t.toml:23:24: announce.heartbeat_timeout_ms: ", ""));
  EXPECT_TRUE(has_error(load_with_base(s + "[announce]\nguard_timeout_ms = 5\n"), "t.toml:23:20: announce.guard_timeout_ms: ", ""));
  EXPECT_TRUE(has_error(load_with_base(s + "[announce]\nenable = true\n"), "t.toml:23:1: announce.enable: ", ""));
}

}  // namespace
}  // namespace sipedge::config::testing
