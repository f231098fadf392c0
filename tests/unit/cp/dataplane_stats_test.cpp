// sipedge-cp's view of the dataplane: STATS polled once a second while
// connected, cookie-matched replies feeding the CPS history, RELOAD replies,
// and what /api/stats and /metrics make of them.
#include <gtest/gtest.h>

#include <algorithm>

#include "cp/api.h"
#include "cp_fixture.h"
#include "punt/body.h"

namespace sipedge::cp::test {
namespace {

class DataplaneStatsTest : public CpFixture {
 protected:
  void SetUp() override {
    config::SetConfig set;
    set.name = "pool";
    set.id = 1;
    config::DestinationConfig a, b;
    a.uri = "sip:198.51.100.20:5060";
    a.address = kServerIp;
    b.uri = "sip:198.51.100.21:5060";
    b.address = kServerIp + 1;
    set.destinations = {a, b};
    config_.sets = {set};
    start();
  }

  std::size_t stat(std::string_view name) const {
    const auto& names = cp_->dp_stat_names();
    const auto it = std::find(names.begin(), names.end(), name);
    EXPECT_NE(it, names.end()) << name;
    return static_cast<std::size_t>(it - names.begin());
  }

  std::vector<Sent> stats_polls() {
    std::vector<Sent> polls;
    for (auto& s : outbox_.take())
      if (s.header.type == punt::MessageType::Stats) polls.push_back(std::move(s));
    return polls;
  }

  // The dataplane's answer to poll `cookie`: every counter zero but these.
  void reply(std::uint64_t cookie, std::vector<std::pair<std::string_view, std::uint64_t>> values) {
    std::vector<punt::StatEntry> entries(cp_->dp_stat_names().size());
    for (std::size_t i = 0; i < entries.size(); ++i) entries[i].id = static_cast<std::uint16_t>(i);
    for (const auto& [name, v] : values) {
      const std::size_t i = stat(name);
      ASSERT_LT(i, entries.size());
      entries[i].value = v;
    }
    std::string body(entries.size() * punt::kStatEntrySize, '\0');
    std::size_t written = 0;
    ASSERT_EQ(punt::encode_stats(entries, {reinterpret_cast<std::uint8_t*>(body.data()), body.size()}, written),
              punt::PuntError::Ok);
    punt({.type = punt::MessageType::Stats, .flags = punt::kFlagReply, .cookie = cookie}, body);
  }

  // A second later, the newest poll answered.
  void poll_and_answer(std::vector<std::pair<std::string_view, std::uint64_t>> values) {
    advance(1000);
    auto polls = stats_polls();
    ASSERT_FALSE(polls.empty());
    reply(polls.back().header.cookie, std::move(values));
  }
};

TEST_F(DataplaneStatsTest, PollsOncePerSecondOnlyWhileConnected) {
  advance(3000);
  EXPECT_TRUE(stats_polls().empty()) << "no dataplane, no polls";
  cp_->on_connected();
  advance(50);
  EXPECT_EQ(stats_polls().size(), 1u) << "the first poll leaves at once";
  advance(3000);
  auto polls = stats_polls();
  ASSERT_EQ(polls.size(), 3u);
  EXPECT_TRUE(polls[0].payload.empty()) << "an empty STATS body is a request";
  EXPECT_EQ(polls[0].header.flags & punt::kFlagReply, 0);
  EXPECT_LT(polls[0].header.cookie, polls[1].header.cookie);
  EXPECT_LT(polls[1].header.cookie, polls[2].header.cookie);
  cp_->on_disconnected();
  advance(3000);
  EXPECT_TRUE(stats_polls().empty());
}

TEST_F(DataplaneStatsTest, RepliesFeedTheHistoryAndTheCounters) {
  cp_->on_connected();
  poll_and_answer({{"calls", 100}, {"cps_breaches", 10}, {"dest_pool_1", 70}});
  poll_and_answer({{"calls", 130}, {"cps_breaches", 14}, {"dest_pool_1", 90}, {"drop_udp_bad_checksum", 3}});
  const std::int64_t s = now().unix_ms / 1000;
  ASSERT_TRUE(cp_->history().at(s));
  EXPECT_EQ(cp_->history().at(s)->calls, 30u);
  EXPECT_EQ(cp_->history().at(s)->breaches, 4u);
  EXPECT_EQ(cp_->dp_stats()[stat("dest_pool_1")], 90u);

  const ApiView view{config_, *cp_, *store_, 7, now()};
  const std::string json = stats_json(view);
  EXPECT_NE(json.find("\"cps\":30,"), std::string::npos) << json;
  EXPECT_NE(json.find("\"cps_breaches\":4,"), std::string::npos) << json;
  EXPECT_NE(json.find("\"punt_queue\":7"), std::string::npos);
  EXPECT_NE(json.find("\"udp_bad_checksum\":3"), std::string::npos) << "drops by reason";
  EXPECT_NE(json.find("{\"set\":\"pool\",\"index\":1,\"uri\":\"sip:198.51.100.21:5060\",\"requests\":90}"),
            std::string::npos)
      << json;
  // 900 samples in each series, the newest last.
  const auto cps_at = json.find("\"history\":");
  const auto cps_open = json.find("\"cps\":[", cps_at);
  const auto cps_close = json.find(']', cps_open);
  const std::string cps = json.substr(cps_open, cps_close - cps_open);
  EXPECT_EQ(std::count(cps.begin(), cps.end(), ','), static_cast<long>(kHistorySeconds - 1));
  EXPECT_TRUE(cps.ends_with(",30")) << cps.substr(cps.size() - 40);

  const std::string metrics = cp_->metrics_text();
  EXPECT_NE(metrics.find("\nsipedge_dp_cps 30\n"), std::string::npos);
  EXPECT_NE(metrics.find("\nsipedge_dp_cps_breaches 4\n"), std::string::npos);
  EXPECT_NE(metrics.find("# HELP sipedge_dp_cps "), std::string::npos);
  EXPECT_NE(metrics.find("\nsipedge_dp_connected 1\n"), std::string::npos);
}

TEST_F(DataplaneStatsTest, ALateReplyToAnOldPollIsIgnored) {
  cp_->on_connected();
  advance(50);
  stats_polls();
  advance(1000);
  const auto first = stats_polls();
  advance(1000);
  const auto second = stats_polls();
  ASSERT_EQ(first.size(), 1u);
  ASSERT_EQ(second.size(), 1u);
  const auto ignored = cp_->counters().get(Counter::punts_ignored);
  reply(first[0].header.cookie, {{"calls", 5}});
  EXPECT_EQ(cp_->counters().get(Counter::punts_ignored), ignored + 1);
  EXPECT_TRUE(cp_->dp_stats().empty());
  reply(second[0].header.cookie, {{"calls", 5}});
  EXPECT_EQ(cp_->dp_stats()[stat("calls")], 5u);
}

TEST_F(DataplaneStatsTest, WithoutTheDataplaneThereIsNoCurrentCps) {
  cp_->on_connected();
  poll_and_answer({{"calls", 1}});
  poll_and_answer({{"calls", 9}});
  cp_->on_disconnected();
  advance(3000);
  const ApiView view{config_, *cp_, *store_, 0, now()};
  const std::string json = stats_json(view);
  EXPECT_NE(json.find("\"connected\":false"), std::string::npos);
  EXPECT_NE(json.find("\"cps\":null,"), std::string::npos) << "a gap, not a zero";
  EXPECT_EQ(cp_->metrics_text().find("sipedge_dp_cps "), std::string::npos);
}

TEST_F(DataplaneStatsTest, ReloadIsAskedForAndItsVerdictKept) {
  outbox_.up = false;
  EXPECT_FALSE(cp_->request_reload()) << "not connected";
  outbox_.up = true;
  ASSERT_TRUE(cp_->request_reload());
  const auto sent = outbox_.take();
  ASSERT_EQ(sent.size(), 1u);
  EXPECT_EQ(sent[0].header.type, punt::MessageType::Reload);
  EXPECT_EQ(cp_->reload_replies(), 0u);
  punt({.type = punt::MessageType::Reload, .flags = punt::kFlagReply | punt::kFlagFailed, .cookie = 4}, "");
  EXPECT_EQ(cp_->reload_replies(), 1u);
  EXPECT_FALSE(cp_->last_reload_ok());
  punt({.type = punt::MessageType::Reload, .flags = punt::kFlagReply, .cookie = 5}, "");
  EXPECT_EQ(cp_->reload_replies(), 2u);
  EXPECT_TRUE(cp_->last_reload_ok());
  EXPECT_EQ(cp_->dataplane_generation(), 5u);
}

TEST(OperatorAor, AcceptsWhatAnOperatorTypes) {
  EXPECT_EQ(operator_aor("alice@example.com"), "alice@example.com");
  EXPECT_EQ(operator_aor("sip:alice@EXAMPLE.com"), "alice@example.com");
  EXPECT_EQ(operator_aor("sips:alice@example.com:5061;transport=tls"), "alice@example.com");
  EXPECT_FALSE(operator_aor(""));
  EXPECT_FALSE(operator_aor("example.com")) << "no user part";
  EXPECT_FALSE(operator_aor("tel:+15551234"));
}

}  // namespace
}  // namespace sipedge::cp::test
