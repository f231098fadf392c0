// The Announcer end to end inside one process: a ControlPlane fed STATS
// replies by the test (a fake clock, a fake dataplane's counters), a real
// bird2 holding the VIP route. The route follows the verdict: announced after
// the hold-down, withdrawn at once when a worker stalls, when the set has too
// few destinations up, while draining, and when the dataplane goes away.
#include "cp/announce.h"

#include <gtest/gtest.h>
#include <poll.h>
#include <signal.h>

#include <chrono>
#include <thread>

#include "bird_daemon.h"
#include "cp_fixture.h"
#include "punt/body.h"
#include "store/indexed_store.h"

namespace sipedge::cp::test {
namespace {

class AnnouncerTest : public CpFixture {
 protected:
  void SetUp() override {
    if (::access(kBird, X_OK) != 0) GTEST_SKIP() << "bird2 is not installed (scripts/install-deps.sh)";
    bird_ = std::make_unique<BirdDaemon>(dir_.path());
    ASSERT_TRUE(bird_->start());
    config_.dataplane.worker_lcores = {1, 2};
    config::SetConfig set;
    set.name = "pool";
    set.id = 1;
    config::DestinationConfig a;
    a.uri = "sip:198.51.100.20:5060";
    a.address = 0xC6336414;
    a.port = 5060;
    set.destinations = {a};
    config_.sets = {set};
    config_.probe.enabled = false;  // the operator override stands in for the probes
    config_.announce.enabled = true;
    config_.announce.bird_socket = bird_->socket();
    config_.announce.hold_down_s = 2;
    config_.announce.min_up = 1;
    config_.announce.guard_timeout_ms = 10'000;  // the fake clock does not feed it in real time
    start();
    announcer_ = std::make_unique<Announcer>(config_, *cp_, *store_, [](int, std::uint32_t) {});
    cp_->on_connected();
  }
  void TearDown() override { announcer_.reset(); }

  // `ms` of loop time: the STATS polls answered with every worker advancing
  // (but `stalled_worker`), BIRD's answers read as the epoll would.
  void run(std::int64_t ms, int stalled_worker = -1) {
    for (std::int64_t t = 0; t < ms; t += 50) {
      advance(50);
      for (auto& s : outbox_.take())
        if (s.header.type == punt::MessageType::Stats && cp_->dp_connected()) answer(s.header.cookie, stalled_worker);
      announcer_->tick(now());
      pump();
    }
  }
  void answer(std::uint64_t cookie, int stalled_worker) {
    const auto& names = cp_->dp_stat_names();
    std::vector<punt::StatEntry> entries(names.size());
    ++polls_;
    for (std::size_t i = 0; i < entries.size(); ++i) {
      entries[i].id = static_cast<std::uint16_t>(i);
      if (names[i] == "worker_0_poll_cycles") entries[i].value = stalled_worker == 0 ? 7 : 1000 * polls_;
      if (names[i] == "worker_1_poll_cycles") entries[i].value = stalled_worker == 1 ? 7 : 2000 * polls_;
    }
    std::string body(entries.size() * punt::kStatEntrySize, '\0');
    std::size_t written = 0;
    ASSERT_EQ(punt::encode_stats(entries, {reinterpret_cast<std::uint8_t*>(body.data()), body.size()}, written),
              punt::PuntError::Ok);
    punt({.type = punt::MessageType::Stats, .flags = punt::kFlagReply, .cookie = cookie}, body);
  }
  // Real time for BIRD to answer what the announcer asked.
  void pump() {
    for (int i = 0; i < 5; ++i) {
      const int fd = announcer_->bird_fd();
      if (fd < 0) return;
      pollfd p{fd, POLLIN, 0};
      if (::poll(&p, 1, 10) <= 0) return;
      announcer_->on_bird_events(static_cast<std::uint32_t>(p.revents), now());
    }
  }
  // The route, once BIRD has had its few milliseconds.
  bool route() {
    pump();
    return bird_->has_route();
  }
  std::uint64_t transitions(AnnounceReason r) const {
    return announcer_->verdict().transitions()[static_cast<std::size_t>(r)];
  }

  std::unique_ptr<BirdDaemon> bird_;
  std::unique_ptr<Announcer> announcer_;
  std::uint64_t polls_ = 0;
};

TEST_F(AnnouncerTest, RouteFollowsTheVerdict) {
  run(1500);
  EXPECT_FALSE(announcer_->announced()) << "healthy, but the hold-down is not over";
  EXPECT_FALSE(route());
  run(2500);
  ASSERT_TRUE(announcer_->announced()) << announcer_->status_json(now());
  EXPECT_TRUE(route());
  EXPECT_NE(announcer_->metrics_text().find("\nsipedge_cp_announced 1\n"), std::string::npos);

  // Worker 1 stops polling: withdrawn once its counter stood still past the timeout.
  run(config_.announce.heartbeat_timeout_ms + 1100, 1);
  EXPECT_FALSE(announcer_->announced());
  EXPECT_EQ(announcer_->verdict().reason(), AnnounceReason::worker_stalled);
  EXPECT_FALSE(route());
  run(4500);
  EXPECT_TRUE(route()) << "back after the hold-down";

  // The set's only destination goes down.
  ASSERT_EQ(cp_->set_destination_admin("pool/0", true), AdminResult::ok);
  run(50);
  EXPECT_FALSE(route()) << "withdrawn at the next tick";
  EXPECT_EQ(transitions(AnnounceReason::destinations_down), 1u);
  ASSERT_EQ(cp_->set_destination_admin("pool/0", false), AdminResult::ok);
  run(3000);
  EXPECT_TRUE(route());

  // Drain: withdrawn at once, can stop after the grace.
  announcer_->drain(1, now());
  EXPECT_FALSE(route());
  EXPECT_NE(announcer_->status_json(now()).find("\"can_stop\":false"), std::string::npos);
  run(1100);
  EXPECT_NE(announcer_->status_json(now()).find("\"can_stop\":true"), std::string::npos) << announcer_->status_json(now());
  EXPECT_FALSE(route()) << "a drained node stays withdrawn until undrain";
  announcer_->undrain(now());
  run(2500);
  EXPECT_TRUE(route());

  // The dataplane goes away.
  cp_->on_disconnected();
  run(50);
  EXPECT_FALSE(route());
  EXPECT_EQ(transitions(AnnounceReason::dataplane_down), 1u);
  EXPECT_EQ(transitions(AnnounceReason::draining), 1u);
  EXPECT_EQ(transitions(AnnounceReason::worker_stalled), 1u);
  EXPECT_EQ(transitions(AnnounceReason::healthy), 4u);
  const std::string metrics = announcer_->metrics_text();
  EXPECT_NE(metrics.find("sipedge_cp_announce_transitions_total{reason=\"dataplane_down\"} 1\n"), std::string::npos)
      << metrics;
  EXPECT_NE(metrics.find("\nsipedge_cp_announced 0\n"), std::string::npos);
}

// A networked store whose connection the test cuts (RedisStore::reachable() in miniature).
class CuttableStore final : public store::IndexedStore {
 public:
  bool reachable() const override { return reachable_; }
  void set_reachable(bool r) { reachable_ = r; }

 private:
  bool persist(std::span<const store::PersistRow>, std::string&) override { return true; }
  bool load_rows(std::vector<store::Binding>&, std::string&) override { return true; }
  bool reachable_ = true;
};

TEST_F(AnnouncerTest, UnreachableStoreWithdraws) {
  CuttableStore cluster_store;
  announcer_.reset();
  announcer_ = std::make_unique<Announcer>(config_, *cp_, cluster_store, [](int, std::uint32_t) {});
  run(4500);
  ASSERT_TRUE(route());
  cluster_store.set_reachable(false);
  run(50);
  EXPECT_FALSE(route());
  EXPECT_EQ(announcer_->verdict().reason(), AnnounceReason::store_down);
  cluster_store.set_reachable(true);
  run(2500);
  EXPECT_TRUE(route());
  announcer_.reset();  // before cluster_store goes
}

TEST_F(AnnouncerTest, ReplacesAGuardianThatDied) {
  const pid_t first = announcer_->guardian_pid();
  ASSERT_GT(first, 0);
  ASSERT_EQ(::kill(first, SIGKILL), 0);
  // Real time for the kernel to make it a zombie; the loop's next check reaps it.
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  run(1100);
  const pid_t second = announcer_->guardian_pid();
  EXPECT_GT(second, 0);
  EXPECT_NE(second, first);
  EXPECT_EQ(::kill(second, 0), 0) << "the new guardian runs";
}

}  // namespace
}  // namespace sipedge::cp::test
