#include "dispatch/wrr_schedule.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <vector>

namespace sipedge::dispatch {
namespace {

TEST(WrrSchedule, IsSmoothNotBlocky) {
  // nginx's documented example: weights 5, 1, 1 give a a b a c a a.
  const std::vector<WrrMember> members = {{.weight = 5, .value = 0}, {.weight = 1, .value = 1}, {.weight = 1, .value = 2}};
  const std::vector<std::uint16_t> expected = {0, 0, 1, 0, 2, 0, 0};
  EXPECT_EQ(build_wrr_schedule(members), expected);
}

TEST(WrrSchedule, PeriodIsReducedByTheGcd) {
  const std::vector<WrrMember> members = {{.weight = 200, .value = 4}, {.weight = 400, .value = 9}};
  const auto schedule = build_wrr_schedule(members);
  ASSERT_EQ(schedule.size(), 3U);
  EXPECT_EQ(std::count(schedule.begin(), schedule.end(), 4), 1);
  EXPECT_EQ(std::count(schedule.begin(), schedule.end(), 9), 2);
}

TEST(WrrSchedule, OversizedPeriodIsScaledKeepingEveryMember) {
  // Coprime weights summing far beyond the limit.
  const std::vector<WrrMember> members = {
      {.weight = 65535, .value = 0}, {.weight = 65521, .value = 1}, {.weight = 30011, .value = 2}, {.weight = 1, .value = 3}};
  const auto schedule = build_wrr_schedule(members);
  ASSERT_LE(schedule.size(), kMaxWrrScheduleLength + members.size());
  std::map<std::uint16_t, double> share;
  for (const auto v : schedule) {
    share[v] += 1.0 / static_cast<double>(schedule.size());
  }
  const double total = 65535.0 + 65521.0 + 30011.0 + 1.0;
  EXPECT_NEAR(share[0], 65535.0 / total, 0.001);
  EXPECT_NEAR(share[1], 65521.0 / total, 0.001);
  EXPECT_NEAR(share[2], 30011.0 / total, 0.001);
  EXPECT_GE(share[3], 1.0 / static_cast<double>(schedule.size()) - 1e-12);  // never starved to zero
}

TEST(WrrSchedule, EmptyInputGivesEmptySchedule) {
  EXPECT_TRUE(build_wrr_schedule({}).empty());
}

TEST(WrrCursor, WalksTheScheduleAndWraps) {
  const std::vector<std::uint16_t> schedule = {7, 8, 9};
  WrrCursor cursor;
  std::vector<std::uint16_t> got;
  for (int i = 0; i < 7; ++i) {
    got.push_back(next_in_schedule(schedule, cursor));
  }
  EXPECT_EQ(got, (std::vector<std::uint16_t>{7, 8, 9, 7, 8, 9, 7}));
}

TEST(WrrCursor, OutOfRangePositionAfterASwapWraps) {
  const std::vector<std::uint16_t> longer = {1, 2, 3, 4, 5, 6};
  const std::vector<std::uint16_t> shorter = {10, 11};
  WrrCursor cursor;
  for (int i = 0; i < 5; ++i) {
    (void)next_in_schedule(longer, cursor);
  }
  ASSERT_EQ(cursor.next, 5U);
  EXPECT_EQ(next_in_schedule(shorter, cursor), 11);  // 5 % 2
  EXPECT_EQ(next_in_schedule(shorter, cursor), 10);
}

TEST(WrrCursor, StartOffsetSpreadsWorkers) {
  const std::vector<std::uint16_t> schedule = {0, 1, 2, 3};
  WrrCursor a{.next = 0};
  WrrCursor b{.next = 1000002};  // any value; reduced on first use
  EXPECT_EQ(next_in_schedule(schedule, a), 0);
  EXPECT_EQ(next_in_schedule(schedule, b), 2);
}

}  // namespace
}  // namespace sipedge::dispatch
