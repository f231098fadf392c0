// StatsHistory: per-second deltas of the dataplane's calls and CPS breaches,
// gaps while the dataplane is away, counter resets, the 15-minute wrap.
#include "cp/stats_history.h"

#include <gtest/gtest.h>

namespace sipedge::cp {
namespace {

constexpr std::int64_t kT0 = 1'700'000'000;

TEST(StatsHistory, FirstReadingIsOnlyABaseline) {
  StatsHistory h;
  h.record(kT0, 1000, 50);
  EXPECT_FALSE(h.at(kT0)) << "nothing is known about what happened before the first reading";
  h.record(kT0 + 1, 1012, 53);
  ASSERT_TRUE(h.at(kT0 + 1));
  EXPECT_EQ(h.at(kT0 + 1)->calls, 12u);
  EXPECT_EQ(h.at(kT0 + 1)->breaches, 3u);
  EXPECT_EQ(h.last_second(), kT0 + 1);
  ASSERT_TRUE(h.current());
  EXPECT_EQ(h.current()->calls, 12u);
}

TEST(StatsHistory, TwoReadingsInOneSecondAddUp) {
  StatsHistory h;
  h.record(kT0, 0, 0);
  h.record(kT0 + 1, 5, 1);
  h.record(kT0 + 1, 9, 2);
  EXPECT_EQ(h.at(kT0 + 1)->calls, 9u);
  EXPECT_EQ(h.at(kT0 + 1)->breaches, 2u);
}

TEST(StatsHistory, ALateReadingSpreadsOverTheSecondsItCovers) {
  StatsHistory h;
  h.record(kT0, 100, 0);
  h.record(kT0 + 3, 110, 4);  // 10 calls over 3 s: 3, 3, 4
  EXPECT_EQ(h.at(kT0 + 1)->calls, 3u);
  EXPECT_EQ(h.at(kT0 + 2)->calls, 3u);
  EXPECT_EQ(h.at(kT0 + 3)->calls, 4u);
  EXPECT_EQ(h.at(kT0 + 1)->breaches + h.at(kT0 + 2)->breaches + h.at(kT0 + 3)->breaches, 4u);
}

TEST(StatsHistory, LongSilenceIsAGapNotASpike) {
  StatsHistory h;
  h.record(kT0, 0, 0);
  h.record(kT0 + 1, 10, 0);
  h.record(kT0 + 1 + kMaxSpreadSeconds + 1, 1000, 0);
  for (std::int64_t s = kT0 + 2; s <= kT0 + 1 + kMaxSpreadSeconds + 1; ++s) EXPECT_FALSE(h.at(s)) << s;
  h.record(kT0 + kMaxSpreadSeconds + 3, 1007, 0);
  EXPECT_EQ(h.at(kT0 + kMaxSpreadSeconds + 3)->calls, 7u) << "the silent reading became the baseline";
}

TEST(StatsHistory, DataplaneDownLeavesGapsAndReconnectRebaselines) {
  StatsHistory h;
  h.record(kT0, 0, 0);
  h.record(kT0 + 1, 20, 2);
  h.break_series();  // punt socket lost
  h.record(kT0 + 3, 500, 9);  // reconnected two seconds later: a baseline only
  EXPECT_FALSE(h.at(kT0 + 2));
  EXPECT_FALSE(h.at(kT0 + 3));
  h.record(kT0 + 4, 530, 10);
  EXPECT_EQ(h.at(kT0 + 4)->calls, 30u);
  EXPECT_EQ(h.at(kT0 + 4)->breaches, 1u);
  EXPECT_EQ(h.at(kT0 + 1)->calls, 20u) << "history from before the outage is kept";
}

TEST(StatsHistory, CounterResetCountsFromZero) {
  StatsHistory h;
  h.record(kT0, 0, 0);
  h.record(kT0 + 1, 100000, 40);
  h.record(kT0 + 2, 7, 1);  // the dataplane restarted between two polls
  EXPECT_EQ(h.at(kT0 + 2)->calls, 7u) << "not 2^64 - 99993";
  EXPECT_EQ(h.at(kT0 + 2)->breaches, 1u);
  h.record(kT0 + 3, 10, 1);
  EXPECT_EQ(h.at(kT0 + 3)->calls, 3u);
}

TEST(StatsHistory, ReadingFromThePastIsIgnored) {
  StatsHistory h;
  h.record(kT0, 0, 0);
  h.record(kT0 + 2, 10, 0);
  h.record(kT0 + 1, 50, 0);  // wall clock stepped back
  EXPECT_EQ(h.last_second(), kT0 + 2);
  h.record(kT0 + 3, 12, 0);
  EXPECT_EQ(h.at(kT0 + 3)->calls, 2u);
}

TEST(StatsHistory, WrapsAfterFifteenMinutes) {
  StatsHistory h;
  std::uint64_t calls = 0;
  h.record(kT0, calls, 0);
  const auto n = static_cast<std::int64_t>(kHistorySeconds);
  for (std::int64_t s = 1; s <= n + 10; ++s) {
    calls += static_cast<std::uint64_t>(s);  // second s has s calls
    h.record(kT0 + s, calls, 0);
  }
  const std::int64_t end = kT0 + n + 10;
  EXPECT_FALSE(h.at(kT0 + 10)) << "overwritten by second " << kT0 + 10 + n;
  ASSERT_TRUE(h.at(kT0 + 11));
  EXPECT_EQ(h.at(kT0 + 11)->calls, 11u);
  const auto series = h.series(end);
  ASSERT_EQ(series.size(), kHistorySeconds);
  ASSERT_TRUE(series.front());
  EXPECT_EQ(series.front()->calls, 11u);
  ASSERT_TRUE(series.back());
  EXPECT_EQ(series.back()->calls, static_cast<std::uint64_t>(n + 10));
  // Ending later than the last reading: the newest seconds are gaps.
  const auto later = h.series(end + 5);
  EXPECT_FALSE(later.back());
  EXPECT_EQ(later[kHistorySeconds - 6]->calls, static_cast<std::uint64_t>(n + 10));
}

}  // namespace
}  // namespace sipedge::cp
