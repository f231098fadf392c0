#include "timer_wheel.h"

#include <gtest/gtest.h>

#include <vector>

namespace sipedge::loadgen {
namespace {

std::vector<std::uint32_t> advance(TimerWheel& wheel, std::uint64_t now) {
  std::vector<std::uint32_t> fired;
  wheel.advance(now, [&](std::uint32_t id) { fired.push_back(id); });
  return fired;
}

TEST(TimerWheel, FiresAtTheDeadlineAndNotBefore) {
  TimerWheel wheel(8, 16, 100);
  wheel.schedule(1, 105);
  wheel.schedule(2, 103);
  EXPECT_TRUE(advance(wheel, 102).empty());
  EXPECT_EQ(advance(wheel, 103), std::vector<std::uint32_t>{2});
  EXPECT_TRUE(wheel.armed(1));
  EXPECT_FALSE(wheel.armed(2));
  EXPECT_EQ(advance(wheel, 110), std::vector<std::uint32_t>{1});
  EXPECT_EQ(wheel.armed_count(), 0u);
}

TEST(TimerWheel, DeadlinesBeyondTheSpanWaitForTheirTurn) {
  TimerWheel wheel(4, 8, 0);
  wheel.schedule(0, 20);  // laps the 8-slot wheel twice
  for (std::uint64_t t = 0; t < 20; ++t) EXPECT_TRUE(advance(wheel, t).empty()) << t;
  EXPECT_EQ(advance(wheel, 20), std::vector<std::uint32_t>{0});
}

TEST(TimerWheel, CancelAndRescheduleMove) {
  TimerWheel wheel(4, 8, 0);
  wheel.schedule(0, 3);
  wheel.schedule(1, 3);
  wheel.schedule(2, 3);
  wheel.cancel(1);  // from the middle of a slot's list
  wheel.schedule(2, 6);  // moved to a later slot
  EXPECT_EQ(advance(wheel, 3), std::vector<std::uint32_t>{0});
  EXPECT_EQ(advance(wheel, 6), std::vector<std::uint32_t>{2});
  EXPECT_EQ(wheel.armed_count(), 0u);
}

TEST(TimerWheel, PastDeadlinesFireAtTheNextAdvance) {
  TimerWheel wheel(4, 8, 50);
  EXPECT_TRUE(advance(wheel, 60).empty());
  wheel.schedule(3, 10);
  EXPECT_EQ(advance(wheel, 61), std::vector<std::uint32_t>{3});
}

TEST(TimerWheel, FireMayRescheduleItselfWithoutRefiringInTheSameWalk) {
  TimerWheel wheel(2, 4, 0);
  wheel.schedule(0, 1);
  int fired = 0;
  wheel.advance(1, [&](std::uint32_t id) {
    ++fired;
    wheel.schedule(id, 1 + 4);  // the same slot one lap later
  });
  EXPECT_EQ(fired, 1);
  EXPECT_TRUE(advance(wheel, 4).empty());
  EXPECT_EQ(advance(wheel, 5), std::vector<std::uint32_t>{0});
}

TEST(TimerWheel, ALongStallFiresEverythingDueOnce) {
  TimerWheel wheel(16, 8, 0);
  for (std::uint32_t id = 0; id < 16; ++id) wheel.schedule(id, id * 3);
  const std::vector<std::uint32_t> fired = advance(wheel, 1000);
  EXPECT_EQ(fired.size(), 16u);
  EXPECT_EQ(wheel.armed_count(), 0u);
}

}  // namespace
}  // namespace sipedge::loadgen
