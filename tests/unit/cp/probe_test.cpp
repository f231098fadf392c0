// Destination probing: spreading, thresholds (N down, M up), timeouts, late
// and stray replies, operator override, STATE to the dataplane (on change,
// on HELLO, on a new config generation), /metrics and the sets API.
#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <memory>
#include <tuple>

#include "cp/probe.h"
#include "cp/sets_api.h"
#include "cp_fixture.h"
#include "punt/body.h"
#include "store/sqlite_destination_states.h"

namespace sipedge::cp::test {
namespace {

using registrar::test::parse;

constexpr std::uint32_t kDest1 = 0xC6336415;  // 198.51.100.21
constexpr std::uint32_t kDest2 = 0xC6336416;  // 198.51.100.22
constexpr std::uint32_t kDest3 = 0xC6336417;  // 198.51.100.23
constexpr std::uint32_t kDisabled = 0xC6336418;  // 198.51.100.24

config::DestinationConfig destination(std::uint32_t ip, bool enabled = true) {
  config::DestinationConfig d;
  d.uri = "sip:" + config::format_ipv4(ip) + ":5060";
  d.address = ip;
  d.port = 5060;
  d.enabled = enabled;
  return d;
}

// "pool" (id 1): three servers and a disabled one; "backup" (id 7): server 2 again.
std::vector<config::SetConfig> test_sets() {
  config::SetConfig pool;
  pool.name = "pool";
  pool.id = 1;
  pool.destinations = {destination(kDest1), destination(kDest2), destination(kDest3), destination(kDisabled, false)};
  config::SetConfig backup;
  backup.name = "backup";
  backup.id = 7;
  backup.destinations = {destination(kDest2)};
  return {pool, backup};
}

ProbeOptions test_options() {
  return {.enabled = true,
          .interval_ms = 1000,
          .timeout_ms = 300,
          .failures_down = 3,
          .successes_up = 2,
          .from = {kInside, 5060}};
}

struct SentProbe {
  store::Endpoint from, to;
  std::string text;
  std::int64_t at_us;
};

class RecordingProbeSink : public ProbeSink {
 public:
  bool send_probe(const store::Endpoint& from, const store::Endpoint& to, std::string_view bytes) override {
    if (!up) return false;
    sent.push_back({from, to, std::string(bytes), now_us});
    return true;
  }
  void state_changed(const DestinationHealth& d) override { states.push_back({d.set_id, d.index, d.up()}); }
  struct State {
    std::uint16_t set_id, index;
    bool up;
    friend bool operator==(const State&, const State&) = default;
  };
  std::vector<SentProbe> sent;
  std::vector<State> states;
  std::int64_t now_us = 0;
  bool up = true;
};

std::string via_line(const std::string& request) {
  const auto at = request.find("\r\nVia: ");
  return request.substr(at + 2, request.find("\r\n", at + 2) - at - 2);
}

// A response to a probe, as a server would write it.
std::string answer(const std::string& probe, int status = 200, std::string_view reason = "OK") {
  const auto header = [&](std::string_view name) {
    const auto at = probe.find("\r\n" + std::string(name) + ": ");
    return probe.substr(at + 2, probe.find("\r\n", at + 2) - at - 2);
  };
  return "SIP/2.0 " + std::to_string(status) + " " + std::string(reason) + "\r\n" + via_line(probe) + "\r\n" +
         header("From") + "\r\n" + header("To") + ";tag=srv\r\n" + header("Call-ID") + "\r\n" + header("CSeq") +
         "\r\nContent-Length: 0\r\n\r\n";
}

class ProbeEngineTest : public ::testing::Test {
 protected:
  ProbeEngineTest() : engine_(test_options(), test_sets(), counters_) {}

  // Steps the clock like the loop timer (every 50 ms).
  void run_for(std::int64_t ms) {
    for (std::int64_t t = 0; t < ms; t += 50) {
      sink_.now_us += 50'000;
      engine_.advance(sink_.now_us, sink_);
    }
  }
  // The last probe sent to `ip`.
  const SentProbe* last_to(std::uint32_t ip) const {
    for (auto it = sink_.sent.rbegin(); it != sink_.sent.rend(); ++it)
      if (it->to.ip == ip) return &*it;
    return nullptr;
  }
  bool reply(const std::string& text, std::uint32_t from_ip) {
    auto p = parse(text);
    EXPECT_EQ(p->error, sip::ParseError::ok) << text;
    return engine_.on_reply(p->msg, store::Endpoint{from_ip, 5060}, sink_.now_us, sink_);
  }
  // Answers the outstanding probe to `ip` (sent within the last interval).
  bool answer_last(std::uint32_t ip, int status = 200) {
    const SentProbe* p = last_to(ip);
    EXPECT_NE(p, nullptr);
    return p && reply(answer(p->text, status), ip);
  }
  const DestinationHealth& health(std::size_t i) const { return engine_.destinations()[i]; }
  // One interval in which every server but `silent` answers at once.
  void interval_answering_all_but(std::uint32_t silent) {
    for (int step = 0; step < 20; ++step) {
      const std::size_t before = sink_.sent.size();
      run_for(50);
      for (std::size_t i = before; i < sink_.sent.size(); ++i)
        if (sink_.sent[i].to.ip != silent) reply(answer(sink_.sent[i].text), sink_.sent[i].to.ip);
    }
  }

  Counters counters_;
  ProbeEngine engine_;
  RecordingProbeSink sink_;
};

TEST(ProbeConstants, MatchTheDataplane) {
  // dataplane/proxy/branch.h: kProbeBranchPrefix.
  EXPECT_EQ(kProbeBranchPrefix, "z9hG4bKsp");
  EXPECT_EQ(ProbeEngine::branch(0x12, 0x3, 0xabcdef01), "z9hG4bKsp00120003abcdef01");
  EXPECT_EQ(ProbeEngine::branch(0x12, 0x3, 0xabcdef01).size(), kProbeBranchLength);
}

TEST_F(ProbeEngineTest, EveryEnabledDestinationIsProbedOncePerIntervalFromTheInsideAddressSpreadOut) {
  ASSERT_EQ(engine_.destinations().size(), 5u);
  run_for(1000);
  // Four enabled destinations (pool 0..2 and backup 0), one probe each; the disabled one never.
  ASSERT_EQ(sink_.sent.size(), 4u);
  std::vector<std::int64_t> times;
  for (const auto& s : sink_.sent) {
    EXPECT_EQ(s.from, (store::Endpoint{kInside, 5060})) << "from the inside address, never the VIP";
    EXPECT_NE(s.to.ip, kDisabled);
    EXPECT_EQ(s.to.port, 5060);
    times.push_back(s.at_us);
  }
  // Spread: a quarter interval apart (250 ms, at the 50 ms tick resolution).
  for (std::size_t i = 1; i < times.size(); ++i) EXPECT_EQ(times[i] - times[i - 1], 250'000) << i;

  const std::string& text = sink_.sent[0].text;
  EXPECT_TRUE(text.starts_with("OPTIONS sip:198.51.100.21:5060 SIP/2.0\r\n")) << text;
  EXPECT_NE(text.find("\r\nVia: SIP/2.0/UDP 198.51.100.1:5060;branch=z9hG4bKsp00010000"), std::string::npos) << text;
  auto parsed = parse(text);
  ASSERT_EQ(parsed->error, sip::ParseError::ok);
  EXPECT_EQ(parsed->msg.cseq().number, 1u);

  run_for(1000);
  EXPECT_EQ(sink_.sent.size(), 8u) << "one more round in the next interval";
  EXPECT_EQ(counters_.get(Counter::probes_sent), 8u);
  EXPECT_EQ(health(0).probes_sent, 2u);
  EXPECT_EQ(health(3).probes_sent, 0u);
}

TEST_F(ProbeEngineTest, ConsecutiveFailuresMarkItDownAtTheThresholdOnly) {
  interval_answering_all_but(kDest2);
  interval_answering_all_but(kDest2);
  EXPECT_EQ(health(1).consecutive_failures, 2u);
  EXPECT_TRUE(health(1).up()) << "failures_down = 3: two failures are not enough";
  EXPECT_TRUE(sink_.states.empty());
  interval_answering_all_but(kDest2);
  EXPECT_EQ(health(1).consecutive_failures, 3u);
  EXPECT_FALSE(health(1).up());
  EXPECT_FALSE(health(1).probe_up);
  // Server 2 is also backup/0: a separate destination with its own probes,
  // the last of the interval, whose third probe times out a little later.
  EXPECT_TRUE(health(4).up());
  run_for(300);
  EXPECT_FALSE(health(4).up());
  ASSERT_EQ(sink_.states.size(), 2u);
  EXPECT_EQ(sink_.states[0], (RecordingProbeSink::State{1, 1, false}));
  EXPECT_EQ(sink_.states[1], (RecordingProbeSink::State{7, 0, false}));
  EXPECT_TRUE(health(0).up());
  EXPECT_TRUE(health(2).up());
  EXPECT_EQ(counters_.get(Counter::destination_down), 2u);
  EXPECT_EQ(counters_.get(Counter::probes_failed), 6u);

  // Still failing: no new transition.
  interval_answering_all_but(kDest2);
  EXPECT_EQ(sink_.states.size(), 2u);
}

TEST_F(ProbeEngineTest, AFailureIsTheTimeoutNotTheNextInterval) {
  run_for(50);  // pool/0 probed at once
  ASSERT_NE(last_to(kDest1), nullptr);
  run_for(200);
  EXPECT_EQ(health(0).consecutive_failures, 0u) << "before timeout_ms";
  run_for(100);
  EXPECT_EQ(health(0).consecutive_failures, 1u) << "300 ms: timed out";
}

TEST_F(ProbeEngineTest, SuccessesBringItBackAtTheThresholdOnly) {
  for (int i = 0; i < 3; ++i) interval_answering_all_but(kDest2);
  run_for(300);
  ASSERT_FALSE(health(1).up());
  ASSERT_FALSE(health(4).up());
  sink_.states.clear();
  interval_answering_all_but(0);
  EXPECT_EQ(health(1).consecutive_successes, 1u);
  EXPECT_FALSE(health(1).up()) << "successes_up = 2";
  interval_answering_all_but(0);
  EXPECT_TRUE(health(1).up());
  EXPECT_TRUE(health(4).up());
  ASSERT_EQ(sink_.states.size(), 2u);
  const auto pushed = [&](RecordingProbeSink::State s) {
    return std::find(sink_.states.begin(), sink_.states.end(), s) != sink_.states.end();
  };
  EXPECT_TRUE(pushed({1, 1, true}));
  EXPECT_TRUE(pushed({7, 0, true}));
  EXPECT_EQ(counters_.get(Counter::destination_up), 2u);
  EXPECT_GT(health(1).answered_once ? 1 : 0, 0);
}

TEST_F(ProbeEngineTest, ASuccessResetsTheFailureCount) {
  interval_answering_all_but(kDest2);
  interval_answering_all_but(kDest2);
  interval_answering_all_but(0);
  EXPECT_EQ(health(1).consecutive_failures, 0u);
  interval_answering_all_but(kDest2);
  interval_answering_all_but(kDest2);
  EXPECT_TRUE(health(1).up()) << "never three in a row";
  EXPECT_TRUE(sink_.states.empty());
}

TEST_F(ProbeEngineTest, LateDuplicateAndForeignRepliesChangeNothing) {
  run_for(50);
  const std::string probe = last_to(kDest1)->text;
  run_for(300);  // timed out
  ASSERT_EQ(health(0).consecutive_failures, 1u);
  EXPECT_FALSE(reply(answer(probe), kDest1)) << "late: its probe already failed";
  EXPECT_EQ(health(0).consecutive_failures, 1u);
  EXPECT_EQ(health(0).consecutive_successes, 0u);

  run_for(700);  // the next probe to pool/0
  const std::string next = last_to(kDest1)->text;
  ASSERT_NE(next, probe);
  EXPECT_FALSE(reply(answer(probe), kDest1)) << "an earlier sequence never answers a later probe";
  EXPECT_FALSE(reply(answer(next), kDest3)) << "not from the destination";
  EXPECT_TRUE(reply(answer(next), kDest1));
  EXPECT_FALSE(reply(answer(next), kDest1)) << "duplicate";
  EXPECT_EQ(health(0).consecutive_successes, 1u);
  EXPECT_EQ(health(0).consecutive_failures, 0u);

  std::string bad = answer(next);
  bad.replace(bad.find("z9hG4bKsp"), 13, "z9hG4bKspzzzz");
  EXPECT_FALSE(reply(bad, kDest1));
  EXPECT_EQ(counters_.get(Counter::probe_stray), 5u);
  EXPECT_EQ(counters_.get(Counter::probes_answered), 1u);
}

TEST_F(ProbeEngineTest, ProvisionalIsIgnored503IsAFailureAnyOtherFinalIsAlive) {
  run_for(50);
  EXPECT_FALSE(answer_last(kDest1, 100));
  EXPECT_EQ(health(0).consecutive_failures + health(0).consecutive_successes, 0u);
  EXPECT_TRUE(answer_last(kDest1, 404)) << "the final answer after a 100 still counts";
  EXPECT_EQ(health(0).consecutive_successes, 1u);
  run_for(1000);
  EXPECT_TRUE(answer_last(kDest1, 503));
  EXPECT_EQ(health(0).consecutive_failures, 1u);
  EXPECT_EQ(health(0).consecutive_successes, 0u);
  run_for(1000);
  EXPECT_TRUE(answer_last(kDest1, 405));
  EXPECT_EQ(health(0).consecutive_failures, 0u);
}

TEST_F(ProbeEngineTest, ProbesTheDataplaneCouldNotTakeAreNoVerdict) {
  sink_.up = false;  // punt socket down
  run_for(10'000);
  for (const auto& d : engine_.destinations()) {
    EXPECT_TRUE(d.probe_up) << d.uri;
    EXPECT_EQ(d.consecutive_failures, 0u) << d.uri;
  }
  EXPECT_EQ(counters_.get(Counter::probes_sent), 0u);
  EXPECT_EQ(counters_.get(Counter::probes_unsent), 40u);
}

TEST_F(ProbeEngineTest, RttIsRecorded) {
  run_for(50);
  run_for(100);
  ASSERT_TRUE(answer_last(kDest1));
  EXPECT_TRUE(health(0).answered_once);
  EXPECT_EQ(health(0).last_rtt_us, 100'000u);
  EXPECT_EQ(engine_.stats().rtt_count, 1u);
  EXPECT_EQ(engine_.stats().rtt_buckets[4], 1u) << "le 100 ms";
}

TEST_F(ProbeEngineTest, OperatorDownHoldsWhateverTheProbesSayUntilUp) {
  EXPECT_EQ(engine_.set_admin("pool/0", true, sink_), AdminResult::ok);
  ASSERT_EQ(sink_.states.size(), 1u);
  EXPECT_EQ(sink_.states[0], (RecordingProbeSink::State{1, 0, false}));
  for (int i = 0; i < 3; ++i) interval_answering_all_but(0);
  EXPECT_TRUE(health(0).probe_up);
  EXPECT_TRUE(health(0).admin_down);
  EXPECT_FALSE(health(0).up()) << "answering probes do not undo an operator's down";
  EXPECT_EQ(health(0).probes_sent, 3u) << "probes keep running";
  EXPECT_EQ(engine_.set_admin("pool/0", false, sink_), AdminResult::ok);
  EXPECT_TRUE(health(0).up());
  ASSERT_EQ(sink_.states.size(), 2u);
  EXPECT_EQ(sink_.states[1], (RecordingProbeSink::State{1, 0, true}));

  // up gives it back to the probes: a destination they hold down stays down.
  for (int i = 0; i < 3; ++i) interval_answering_all_but(kDest3);
  ASSERT_FALSE(health(2).up());
  sink_.states.clear();
  EXPECT_EQ(engine_.set_admin("1/2", true, sink_), AdminResult::ok) << "set by id";
  EXPECT_TRUE(sink_.states.empty()) << "already down: nothing to push";
  EXPECT_EQ(engine_.set_admin("1/2", false, sink_), AdminResult::ok);
  EXPECT_FALSE(health(2).up());
}

TEST_F(ProbeEngineTest, OperatorNamesDestinationsBySetIndexOrAddress) {
  EXPECT_EQ(engine_.set_admin("198.51.100.22:5060", true, sink_), AdminResult::ok);
  EXPECT_FALSE(health(1).up());
  EXPECT_FALSE(health(4).up()) << "IP:PORT: every set holding it";
  EXPECT_EQ(sink_.states.size(), 2u);
  EXPECT_EQ(engine_.set_admin("pool/9", true, sink_), AdminResult::not_found);
  EXPECT_EQ(engine_.set_admin("nosuch/0", true, sink_), AdminResult::not_found);
  EXPECT_EQ(engine_.set_admin("198.51.100.99:5060", true, sink_), AdminResult::not_found);
  EXPECT_EQ(engine_.set_admin("garbage", true, sink_), AdminResult::not_found);
  EXPECT_EQ(engine_.set_admin("pool/x", true, sink_), AdminResult::not_found);
  EXPECT_EQ(engine_.set_admin("pool/3", true, sink_), AdminResult::disabled);
  EXPECT_EQ(engine_.find("backup/0"), std::vector<std::size_t>{4});
}

TEST_F(ProbeEngineTest, PushAllSendsEveryEnabledDestination) {
  for (int i = 0; i < 3; ++i) interval_answering_all_but(kDest1);
  sink_.states.clear();
  engine_.push_all(sink_);
  ASSERT_EQ(sink_.states.size(), 4u);
  EXPECT_EQ(sink_.states[0], (RecordingProbeSink::State{1, 0, false}));
  EXPECT_EQ(sink_.states[1], (RecordingProbeSink::State{1, 1, true}));
  EXPECT_EQ(sink_.states[3], (RecordingProbeSink::State{7, 0, true}));
}

// A re-read set list: pool/1 (down by its probes) moves to pool/2 behind a
// new server and keeps its verdict; pool/2 (forced down by the operator) is
// removed; backup/0 stays where it was with its counters; the new server
// starts up and is probed within the next interval.
TEST_F(ProbeEngineTest, ReplaceSetsKeepsTheStateOfDestinationsThatStayed) {
  for (int i = 0; i < 3; ++i) interval_answering_all_but(kDest2);
  run_for(300);
  ASSERT_FALSE(health(1).up());
  ASSERT_EQ(engine_.set_admin("pool/2", true, sink_), AdminResult::ok);
  const std::uint64_t backup_probes = health(4).probes_sent;
  ASSERT_GT(backup_probes, 0u);

  constexpr std::uint32_t kNew = 0xC6336419;  // 198.51.100.25
  auto sets = test_sets();
  sets[0].destinations = {destination(kDest1), destination(kNew), destination(kDest2)};
  const SetsChange change = engine_.replace_sets(sets, sink_.now_us);
  EXPECT_EQ(change.kept, 3u);   // pool: 21, 22; backup: 22
  EXPECT_EQ(change.added, 1u);  // 25
  EXPECT_EQ(change.removed, 2u);  // 23 (operator-down) and the disabled 24
  ASSERT_EQ(engine_.destinations().size(), 4u);
  EXPECT_EQ(health(1).address.ip, kNew);
  EXPECT_TRUE(health(1).up()) << "new: up until its probes say otherwise";
  EXPECT_EQ(health(1).probes_sent, 0u);
  EXPECT_EQ(health(2).address.ip, kDest2);
  EXPECT_EQ(health(2).index, 2u);
  EXPECT_FALSE(health(2).up()) << "moved, verdict kept";
  EXPECT_EQ(health(2).consecutive_failures, 3u);
  EXPECT_EQ(health(3).set_name, "backup");
  EXPECT_EQ(health(3).probes_sent, backup_probes);
  EXPECT_TRUE(engine_.find("198.51.100.23:5060").empty()) << "removed";
  EXPECT_EQ(engine_.find("pool/2"), std::vector<std::size_t>{2}) << "the (set, index) keys follow the new list";

  const std::size_t before = sink_.sent.size();
  run_for(1000);
  bool probed_new = false;
  for (std::size_t i = before; i < sink_.sent.size(); ++i) probed_new |= sink_.sent[i].to.ip == kNew;
  EXPECT_TRUE(probed_new);
  // The moved destination's next probe carries its new index and still counts.
  const SentProbe* moved = last_to(kDest2);
  ASSERT_NE(moved, nullptr);
  EXPECT_NE(moved->text.find("branch=z9hG4bKsp00010002"), std::string::npos) << moved->text;
}

TEST(ProbeEngine, DisabledProbingSendsNothingButTheOperatorStillDecides) {
  Counters counters;
  ProbeOptions o = test_options();
  o.enabled = false;
  ProbeEngine engine(o, test_sets(), counters);
  RecordingProbeSink sink;
  for (int i = 0; i < 100; ++i) engine.advance(i * 100'000, sink);
  EXPECT_TRUE(sink.sent.empty());
  EXPECT_EQ(engine.set_admin("pool/1", true, sink), AdminResult::ok);
  EXPECT_FALSE(engine.destinations()[1].up());
}

// ---- through the ControlPlane: TX, punted replies, STATE ----

class ControlPlaneProbeTest : public CpFixture {
 protected:
  void SetUp() override {
    config_.sets = test_sets();
    config_.probe.interval_s = 1;
    config_.probe.timeout_ms = 300;
    config_.probe.failures_down = 2;
    config_.probe.successes_up = 1;
    start();
  }
  void hello(std::uint64_t generation) {
    punt(punt::Header{.type = punt::MessageType::Hello, .cookie = generation}, "sipedge-dp node=test");
  }
  std::vector<punt::StateBody> states() {
    std::vector<punt::StateBody> out;
    for (const auto& s : outbox_.sent) {
      if (s.header.type != punt::MessageType::State) continue;
      punt::StateBody b;
      EXPECT_EQ(punt::decode_state(punt::as_bytes(s.payload), b), punt::PuntError::Ok);
      out.push_back(b);
    }
    return out;
  }
  std::vector<Sent> probes() {
    std::vector<Sent> out;
    for (const auto& s : outbox_.sent)
      if (s.header.type == punt::MessageType::Tx && s.payload.starts_with("OPTIONS ")) out.push_back(s);
    return out;
  }
  // The dataplane punts the server's answer to the probe.
  void punt_answer(const Sent& probe) {
    punt(punt::Header{.type = punt::MessageType::Punt,
                      .flags = punt::kFlagProbeReply,
                      .src_ipv4 = probe.header.dst_ipv4,
                      .dst_ipv4 = kInside,
                      .src_port = 5060,
                      .dst_port = 5060},
         answer(probe.payload));
  }
};

TEST_F(ControlPlaneProbeTest, ProbesAreTxFromTheInsideAddress) {
  hello(1);
  advance(1000);
  const auto p = probes();
  ASSERT_EQ(p.size(), 4u);
  for (const auto& s : p) {
    EXPECT_EQ(s.header.src_ipv4, kInside) << "never 0 (the VIP)";
    EXPECT_EQ(s.header.src_port, 5060);
  }
  EXPECT_EQ(p[0].header.dst_ipv4, kDest1);
}

TEST_F(ControlPlaneProbeTest, HelloPushesEveryStateAndChangesArePushedAtOnce) {
  advance(3000);  // no dataplane generation yet: changes wait for HELLO
  EXPECT_TRUE(states().empty());
  ASSERT_FALSE(cp_->probe().destinations()[0].up());
  outbox_.take();

  hello(5);
  auto s = states();
  ASSERT_EQ(s.size(), 4u) << "every enabled destination";
  EXPECT_EQ(s[0], (punt::StateBody{.set_id = 1, .destination_index = 0, .up = false, .generation = 5}));
  EXPECT_EQ(s[3], (punt::StateBody{.set_id = 7, .destination_index = 0, .up = false, .generation = 5}));
  EXPECT_EQ(cp_->counters().get(Counter::state_pushed), 4u);
  outbox_.take();

  // pool/1 answers its next probe (successes_up = 1): up at once.
  for (int i = 0; i < 20 && probes().empty(); ++i) advance(50);
  std::optional<Sent> to_dest2;
  for (int i = 0; i < 40 && !to_dest2; ++i) {
    for (const auto& p : probes())
      if (p.header.dst_ipv4 == kDest2 && p.payload.find("branch=z9hG4bKsp00010001") != std::string::npos) to_dest2 = p;
    if (!to_dest2) advance(50);
  }
  ASSERT_TRUE(to_dest2);
  outbox_.take();
  punt_answer(*to_dest2);
  s = states();
  ASSERT_EQ(s.size(), 1u);
  EXPECT_EQ(s[0], (punt::StateBody{.set_id = 1, .destination_index = 1, .up = true, .generation = 5}));

  // A reconnect (same generation) re-pushes everything too: the dataplane may have restarted.
  outbox_.take();
  hello(5);
  EXPECT_EQ(states().size(), 4u);
}

TEST_F(ControlPlaneProbeTest, AReloadedDataplaneGetsTheStatesUnderItsNewGeneration) {
  hello(1);
  EXPECT_TRUE(cp_->set_destination_admin("pool/2", true) == AdminResult::ok);
  outbox_.take();
  punt(punt::Header{.type = punt::MessageType::Reload, .flags = punt::kFlagReply | punt::kFlagFailed, .cookie = 2}, "");
  EXPECT_TRUE(states().empty()) << "a failed reload keeps the old generation";
  punt(punt::Header{.type = punt::MessageType::Reload, .flags = punt::kFlagReply, .cookie = 2}, "");
  const auto s = states();
  ASSERT_EQ(s.size(), 4u);
  EXPECT_EQ(s[2], (punt::StateBody{.set_id = 1, .destination_index = 2, .up = false, .generation = 2}));
  EXPECT_EQ(cp_->dataplane_generation(), 2u);
}

// sipedge-cp's reload staged a re-read config: its sets take over only once
// the dataplane reloaded too, and the states pushed for the new generation
// follow the new list (pool/2 forced down moved to pool/0).
TEST_F(ControlPlaneProbeTest, AStagedConfigsSetsTakeOverWithTheDataplanesReload) {
  hello(1);
  ASSERT_EQ(cp_->set_destination_admin("pool/2", true), AdminResult::ok);
  config::Config next = config_;
  next.sets[0].destinations = {destination(kDest3), destination(kDest1)};
  cp_->stage_config(next);
  EXPECT_EQ(cp_->probe().destinations().size(), 5u) << "nothing changes before the dataplane's answer";
  punt(punt::Header{.type = punt::MessageType::Reload, .flags = punt::kFlagReply | punt::kFlagFailed, .cookie = 2}, "");
  EXPECT_EQ(cp_->probe().destinations().size(), 5u) << "a refused reload drops the staged config";
  punt(punt::Header{.type = punt::MessageType::Reload, .flags = punt::kFlagReply, .cookie = 2}, "");
  EXPECT_EQ(cp_->probe().destinations().size(), 5u);

  cp_->stage_config(next);
  outbox_.take();
  punt(punt::Header{.type = punt::MessageType::Reload, .flags = punt::kFlagReply, .cookie = 3}, "");
  ASSERT_EQ(cp_->probe().destinations().size(), 3u);
  ASSERT_EQ(cp_->sets()[0].destinations.size(), 2u);
  const auto s = states();
  ASSERT_EQ(s.size(), 3u);
  EXPECT_EQ(s[0], (punt::StateBody{.set_id = 1, .destination_index = 0, .up = false, .generation = 3}));
  EXPECT_EQ(s[1], (punt::StateBody{.set_id = 1, .destination_index = 1, .up = true, .generation = 3}));
  EXPECT_EQ(cp_->counters().get(Counter::config_reloads), 1u);
  EXPECT_NE(cp_->metrics_text().find("sipedge_cp_destination_admin_down{set=\"pool\",destination=\"sip:198.51.100.23:5060\"} 1"),
            std::string::npos);
}

TEST_F(ControlPlaneProbeTest, MetricsShowEachDestination) {
  hello(1);
  cp_->set_destination_admin("pool/1", true);
  advance(100);
  const auto p = probes();
  ASSERT_FALSE(p.empty());
  punt_answer(p[0]);
  const std::string m = cp_->metrics_text();
  EXPECT_NE(m.find("\nsipedge_cp_destination_up{set=\"pool\",destination=\"sip:198.51.100.22:5060\"} 0\n"),
            std::string::npos)
      << m;
  EXPECT_NE(m.find("\nsipedge_cp_destination_up{set=\"pool\",destination=\"sip:198.51.100.21:5060\"} 1\n"),
            std::string::npos);
  EXPECT_NE(m.find("\nsipedge_cp_destination_admin_down{set=\"pool\",destination=\"sip:198.51.100.22:5060\"} 1\n"),
            std::string::npos);
  EXPECT_NE(m.find("# HELP sipedge_cp_destination_up "), std::string::npos);
  EXPECT_NE(m.find("\nsipedge_cp_probe_rtt_seconds_count 1\n"), std::string::npos);
  EXPECT_NE(m.find("\nsipedge_cp_destination_rtt_seconds{set=\"pool\",destination=\"sip:198.51.100.21:5060\"} "),
            std::string::npos);
  EXPECT_NE(m.find("\nsipedge_cp_destination_down_total 1\n"), std::string::npos);
  EXPECT_NE(m.find("\nsipedge_cp_probes_answered_total 1\n"), std::string::npos);
}

TEST_F(ControlPlaneProbeTest, SetsApiListsAndChangesStates) {
  hello(1);
  std::string json = sets_json(cp_->probe());
  EXPECT_TRUE(json.starts_with("[{\"set\":\"pool\",\"set_id\":1,\"index\":0,\"uri\":\"sip:198.51.100.21:5060\","
                               "\"address\":\"198.51.100.21:5060\",\"enabled\":true,\"state\":\"up\",\"probe\":\"up\","
                               "\"admin\":\"auto\",\"rtt_us\":-1,"))
      << json;
  EXPECT_NE(json.find("\"index\":3,\"uri\":\"sip:198.51.100.24:5060\",\"address\":\"198.51.100.24:5060\","
                      "\"enabled\":false,\"state\":\"disabled\""),
            std::string::npos)
      << json;

  auto r = set_state_request(*cp_, "destination=pool%2F1&state=down");
  EXPECT_EQ(r.status, 200) << r.body;
  EXPECT_NE(r.body.find("\"index\":1,"), std::string::npos) << r.body;
  EXPECT_NE(r.body.find("\"state\":\"down\",\"probe\":\"up\",\"admin\":\"down\""), std::string::npos) << r.body;
  EXPECT_FALSE(cp_->probe().destinations()[1].up());
  ASSERT_EQ(states().size(), 5u);
  EXPECT_FALSE(states().back().up);

  EXPECT_EQ(set_state_request(*cp_, "destination=198.51.100.22:5060&state=up").status, 200);
  EXPECT_TRUE(cp_->probe().destinations()[1].up());
  EXPECT_EQ(set_state_request(*cp_, "destination=pool/9&state=down").status, 404);
  EXPECT_EQ(set_state_request(*cp_, "destination=pool/3&state=down").status, 409);
  EXPECT_EQ(set_state_request(*cp_, "destination=pool/1&state=sideways").status, 400);
  EXPECT_EQ(set_state_request(*cp_, "state=down").status, 400);
  EXPECT_EQ(set_state_request(*cp_, "destination=pool%2&state=down").status, 400);
  EXPECT_EQ(set_state_request(*cp_, "").status, 400);
}

TEST_F(ControlPlaneProbeTest, NoInsidePortMeansNoProbes) {
  stop();
  config_.ports.erase(config_.ports.begin() + 1);
  start();
  hello(1);
  advance(3000);
  EXPECT_TRUE(probes().empty());
  EXPECT_FALSE(cp_->probe().options().enabled);
}

// ---- across a restart of sipedge-cp: the SQLite destination_state table ----

class DestinationStatesRestartTest : public ControlPlaneProbeTest {
 protected:
  void SetUp() override {
    config_.sets = test_sets();
    config_.probe.interval_s = 1;
    config_.probe.timeout_ms = 300;
    config_.probe.failures_down = 2;
    config_.probe.successes_up = 1;
    start_keeping_states();
  }
  void start_keeping_states() {
    states_ = std::make_unique<store::SqliteDestinationStates>(config_.store.sqlite.path);
    store_ = std::make_unique<store::SqliteStore>(store::SqliteOptions{.path = config_.store.sqlite.path});
    cp_ = std::make_unique<ControlPlane>(config_, *store_, subscribers_, outbox_, states_.get());
    auto loaded = cp_->start(now());
    ASSERT_TRUE(loaded.ok) << loaded.error;
  }
  void restart() {
    cp_.reset();
    store_.reset();
    states_.reset();
    outbox_.take();
    start_keeping_states();
  }
  // Answers every probe sent during `ms` except those to `silent`.
  void run_answering_all_but(std::uint32_t silent, std::int64_t ms) {
    for (std::int64_t t = 0; t < ms; t += 50) {
      outbox_.take();
      advance(50);
      for (const auto& p : probes())
        if (p.header.dst_ipv4 != silent) punt_answer(p);
      cp_->end_turn(now());
    }
  }
  std::vector<store::DestinationState> saved() {
    store::SqliteDestinationStates reader(config_.store.sqlite.path);
    std::vector<store::DestinationState> rows;
    std::string error;
    EXPECT_TRUE(reader.load(rows, error)) << error;
    std::sort(rows.begin(), rows.end(), [](const auto& a, const auto& b) {
      return std::tie(a.set_name, a.uri) < std::tie(b.set_name, b.uri);
    });
    return rows;
  }
  std::unique_ptr<store::SqliteDestinationStates> states_;
};

TEST_F(DestinationStatesRestartTest, ADestinationDownByProbesIsRestoredDownBeforeTheFirstProbe) {
  hello(1);
  run_answering_all_but(kDest1, 3000);
  ASSERT_FALSE(cp_->probe().destinations()[0].probe_up);
  ASSERT_TRUE(cp_->probe().destinations()[1].probe_up);

  restart();
  EXPECT_EQ(cp_->counters().get(Counter::probes_sent), 0u) << "restored before any probe";
  EXPECT_FALSE(cp_->probe().destinations()[0].up()) << "down from the start, not up until probes notice";
  EXPECT_TRUE(cp_->probe().destinations()[1].up());
  hello(1);
  const auto s = states();
  ASSERT_EQ(s.size(), 4u);
  EXPECT_EQ(s[0], (punt::StateBody{.set_id = 1, .destination_index = 0, .up = false, .generation = 1}))
      << "the dataplane is told at once";
  EXPECT_TRUE(s[1].up);

  // Until the probes say otherwise (successes_up = 1).
  run_answering_all_but(0, 1500);
  EXPECT_TRUE(cp_->probe().destinations()[0].up());
  restart();
  EXPECT_TRUE(cp_->probe().destinations()[0].up()) << "the new verdict was saved too";
}

TEST_F(DestinationStatesRestartTest, AnOperatorOverrideStaysUntilCleared) {
  hello(1);
  ASSERT_EQ(cp_->set_destination_admin("pool/2", true), AdminResult::ok);
  cp_->end_turn(now());
  restart();
  EXPECT_TRUE(cp_->probe().destinations()[2].admin_down);
  hello(1);
  run_answering_all_but(0, 3000);  // the probes say up...
  EXPECT_TRUE(cp_->probe().destinations()[2].probe_up);
  EXPECT_FALSE(cp_->probe().destinations()[2].up()) << "...the operator's down holds";
  restart();
  EXPECT_TRUE(cp_->probe().destinations()[2].admin_down) << "through a second restart";

  ASSERT_EQ(cp_->set_destination_admin("pool/2", false), AdminResult::ok);
  cp_->end_turn(now());
  restart();
  EXPECT_FALSE(cp_->probe().destinations()[2].admin_down);
  EXPECT_TRUE(cp_->probe().destinations()[2].up());
}

TEST_F(DestinationStatesRestartTest, RowsFollowTheConfiguredDestinations) {
  ASSERT_EQ(cp_->set_destination_admin("198.51.100.22:5060", true), AdminResult::ok);  // pool/1 and backup/0
  cp_->end_turn(now());
  auto rows = saved();
  ASSERT_EQ(rows.size(), 5u) << "every configured destination";
  EXPECT_EQ(rows[0], (store::DestinationState{"backup", "sip:198.51.100.22:5060", true, true}));

  // The next run no longer has "backup" and moved pool's servers around:
  // states follow set name and URI, not positions.
  config_.sets.pop_back();
  std::swap(config_.sets[0].destinations[0], config_.sets[0].destinations[1]);
  restart();
  EXPECT_EQ(cp_->probe().destinations()[0].uri, "sip:198.51.100.22:5060");
  EXPECT_TRUE(cp_->probe().destinations()[0].admin_down);
  EXPECT_FALSE(cp_->probe().destinations()[1].admin_down);
  rows = saved();
  ASSERT_EQ(rows.size(), 4u) << "the removed set's row went";
  EXPECT_EQ(rows[0].set_name, "pool");
}

TEST_F(DestinationStatesRestartTest, WithoutTheTableEveryDestinationStartsUp) {
  ASSERT_EQ(cp_->set_destination_admin("pool/0", true), AdminResult::ok);
  cp_->end_turn(now());
  stop();
  states_.reset();
  start();  // no SqliteDestinationStates: the old behaviour
  EXPECT_TRUE(cp_->probe().destinations()[0].up());
}

}  // namespace
}  // namespace sipedge::cp::test
