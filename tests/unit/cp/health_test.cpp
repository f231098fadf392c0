// The node's health verdict with a fake clock: the order of the checks,
// immediate withdrawal, the hold-down before (re-)announcing, a flapping
// pool that never gets the route back, and the per-worker heartbeat.
#include "cp/health.h"

#include <gtest/gtest.h>

namespace sipedge::cp {
namespace {

constexpr std::int64_t kSecond = 1'000'000;

HealthInputs healthy() {
  return {.dataplane_connected = true, .workers_polling = true, .store_reachable = true, .destinations_enough = true,
          .draining = false};
}

TEST(Health, FirstFailingCheckIsTheReason) {
  EXPECT_EQ(judge(healthy()), AnnounceReason::healthy);
  HealthInputs in = healthy();
  in.draining = true;
  EXPECT_EQ(judge(in), AnnounceReason::draining);
  in.destinations_enough = false;
  EXPECT_EQ(judge(in), AnnounceReason::destinations_down);
  in.store_reachable = false;
  EXPECT_EQ(judge(in), AnnounceReason::store_down);
  in.workers_polling = false;
  EXPECT_EQ(judge(in), AnnounceReason::worker_stalled);
  in.dataplane_connected = false;
  EXPECT_EQ(judge(in), AnnounceReason::dataplane_down);
}

TEST(Health, AnnouncesOnlyAfterHoldDownAndWithdrawsAtOnce) {
  HealthVerdict v(3 * kSecond);
  std::int64_t now = 100 * kSecond;
  EXPECT_FALSE(v.update(healthy(), now));
  EXPECT_FALSE(v.announced());
  EXPECT_EQ(v.hold_down_left_us(now), 3 * kSecond);
  EXPECT_FALSE(v.update(healthy(), now + 3 * kSecond - 1));
  EXPECT_FALSE(v.announced());
  EXPECT_TRUE(v.update(healthy(), now + 3 * kSecond));
  EXPECT_TRUE(v.announced());
  EXPECT_EQ(v.reason(), AnnounceReason::healthy);

  now += 10 * kSecond;
  HealthInputs down = healthy();
  down.destinations_enough = false;
  EXPECT_TRUE(v.update(down, now)) << "withdrawal is the very update that sees the node unhealthy";
  EXPECT_FALSE(v.announced());
  EXPECT_EQ(v.reason(), AnnounceReason::destinations_down);
  EXPECT_EQ(v.transitions()[static_cast<std::size_t>(AnnounceReason::healthy)], 1u);
  EXPECT_EQ(v.transitions()[static_cast<std::size_t>(AnnounceReason::destinations_down)], 1u);
  EXPECT_FALSE(v.update(down, now + kSecond)) << "one transition per withdrawal, not per update";
  EXPECT_EQ(v.transitions()[static_cast<std::size_t>(AnnounceReason::destinations_down)], 1u);
}

TEST(Health, FlappingPoolNeverGetsTheRouteBackUntilStable) {
  HealthVerdict v(5 * kSecond);
  std::int64_t now = 0;
  ASSERT_FALSE(v.update(healthy(), now));
  now += 5 * kSecond;
  ASSERT_TRUE(v.update(healthy(), now));
  HealthInputs down = healthy();
  down.destinations_enough = false;
  // Up 2 s, down 1 s, for a minute: one withdrawal, no re-announcement.
  for (int cycle = 0; cycle < 20; ++cycle) {
    v.update(down, now += kSecond);
    EXPECT_FALSE(v.announced());
    v.update(healthy(), now += kSecond);
    v.update(healthy(), now += kSecond);
    EXPECT_FALSE(v.announced()) << "cycle " << cycle;
  }
  EXPECT_EQ(v.transitions()[static_cast<std::size_t>(AnnounceReason::destinations_down)], 1u);
  EXPECT_EQ(v.transitions()[static_cast<std::size_t>(AnnounceReason::healthy)], 1u);
  // Stable again: back after exactly the hold-down.
  const std::int64_t stable_from = now - kSecond;  // the first healthy update after the last dip
  EXPECT_FALSE(v.update(healthy(), stable_from + 5 * kSecond - 1));
  EXPECT_TRUE(v.update(healthy(), stable_from + 5 * kSecond));
}

TEST(Health, ZeroHoldDownAnnouncesAtOnce) {
  HealthVerdict v(0);
  EXPECT_TRUE(v.update(healthy(), 7));
  HealthInputs draining = healthy();
  draining.draining = true;
  EXPECT_TRUE(v.update(draining, 8));
  EXPECT_EQ(v.reason(), AnnounceReason::draining);
}

std::vector<std::string> names2() { return {"rx_packets", "worker_0_poll_cycles", "worker_1_poll_cycles"}; }

TEST(WorkerHeartbeat, EveryWorkerMustAdvance) {
  WorkerHeartbeat hb(2 * kSecond);
  std::int64_t now = 50 * kSecond;
  EXPECT_FALSE(hb.polling(now)) << "no STATS yet";
  hb.on_stats(names2(), {1, 100, 200}, now);
  EXPECT_FALSE(hb.polling(now)) << "one reply proves nothing: progress needs two";
  hb.on_stats(names2(), {2, 150, 260}, now += kSecond);
  EXPECT_TRUE(hb.polling(now));
  EXPECT_EQ(hb.workers(), 2u);
  // Worker 1 stalls (its counter stands still), worker 0 goes on.
  for (int i = 0; i < 2; ++i) {
    hb.on_stats(names2(), {3, 200 + 50u * static_cast<unsigned>(i), 260}, now += kSecond);
    EXPECT_TRUE(hb.polling(now)) << "within the timeout";
  }
  hb.on_stats(names2(), {4, 300, 260}, now += kSecond);
  EXPECT_FALSE(hb.polling(now)) << "worker 1 silent for 3 s > 2 s";
  EXPECT_EQ(hb.stalled(now), 1u);
  hb.on_stats(names2(), {5, 350, 261}, now += kSecond);
  EXPECT_TRUE(hb.polling(now));
}

TEST(WorkerHeartbeat, NoRepliesAtAllIsAStall) {
  WorkerHeartbeat hb(2 * kSecond);
  hb.on_stats(names2(), {1, 1, 1}, 0);
  hb.on_stats(names2(), {1, 2, 2}, kSecond);
  EXPECT_TRUE(hb.polling(kSecond));
  EXPECT_TRUE(hb.polling(3 * kSecond));
  EXPECT_FALSE(hb.polling(3 * kSecond + 1)) << "the main lcore stopped answering STATS";
  hb.reset();
  EXPECT_FALSE(hb.polling(3 * kSecond));
  EXPECT_EQ(hb.workers(), 0u);
}

}  // namespace
}  // namespace sipedge::cp
