#include "limit/token_bucket.h"

#include <gtest/gtest.h>

namespace sipedge::limit {
namespace {

constexpr std::uint64_t kNs = 1'000'000'000;

BucketConfig config_of(std::uint64_t rate, std::uint64_t burst, std::uint64_t ticks_per_second = kNs) {
  BucketConfig config;
  EXPECT_EQ(make_bucket_config(rate, burst, ticks_per_second, config), LimitError::Ok);
  return config;
}

TEST(BucketConfig, RefusesBadParameters) {
  BucketConfig c;
  EXPECT_EQ(make_bucket_config(0, 1, kNs, c), LimitError::ZeroRate);
  EXPECT_EQ(make_bucket_config(1, 0, kNs, c), LimitError::ZeroBurst);
  EXPECT_EQ(make_bucket_config(1, 1, 0, c), LimitError::ZeroTickRate);
  EXPECT_EQ(make_bucket_config(kMaxRate + 1, 1, kNs, c), LimitError::RateTooLarge);
  EXPECT_EQ(make_bucket_config(1, kMaxBucketCredit / kNs + 1, kNs, c), LimitError::BurstTooLarge);
  EXPECT_EQ(make_bucket_config(kMaxRate, kMaxBucketCredit / kNs, kNs, c), LimitError::Ok);
  EXPECT_EQ(name(LimitError::ZeroRate), "rate must be at least 1 per second");
}

TEST(BucketConfig, DerivesCapacityAndFillTime) {
  const auto c = config_of(3, 7);
  EXPECT_EQ(c.cost, kNs);
  EXPECT_EQ(c.capacity, 7 * kNs);
  EXPECT_EQ(c.burst(), 7U);
  EXPECT_EQ(c.fill_ticks, (7 * kNs + 2) / 3);  // rounded up
}

TEST(TokenBucket, StartsFullThenRefuses) {
  TokenBucket b(config_of(10, 5), 1000);
  for (int i = 0; i < 5; ++i) {
    EXPECT_TRUE(b.try_take(1000)) << i;
  }
  EXPECT_FALSE(b.try_take(1000));
  EXPECT_EQ(b.tokens(1000), 0U);
}

TEST(TokenBucket, RefillsExactlyOnTime) {
  TokenBucket b(config_of(10, 1), 0);
  ASSERT_TRUE(b.try_take(0));
  EXPECT_FALSE(b.try_take(kNs / 10 - 1));
  EXPECT_TRUE(b.try_take(kNs / 10));
  EXPECT_FALSE(b.try_take(kNs / 10));
}

TEST(TokenBucket, FractionalIntervalsAccumulateWithoutDrift) {
  // 3 per second: a token every 333,333,333.3 ns. A burst of 2 keeps the
  // bucket from ever filling, so no credit is lost to the cap.
  TokenBucket b(config_of(3, 2), 0);
  ASSERT_TRUE(b.try_take(0));
  ASSERT_TRUE(b.try_take(0));
  EXPECT_FALSE(b.try_take(333'333'333));
  EXPECT_TRUE(b.try_take(333'333'334));
  // Over 300 s, exactly 900 tokens (plus none carried: the bucket is empty).
  int taken = 0;
  for (std::uint64_t t = 333'333'334; t <= 300 * kNs + 333'333'334; t += kNs / 1000) {
    taken += b.try_take(t) ? 1 : 0;
  }
  EXPECT_EQ(taken, 900);
}

TEST(TokenBucket, NeverHoldsMoreThanTheBurst) {
  TokenBucket b(config_of(100, 20), 0);
  EXPECT_EQ(b.tokens(1000 * kNs), 20U);
  EXPECT_EQ(b.tokens(~std::uint64_t{0}), 20U);  // huge gaps cannot overflow
}

TEST(TokenBucket, ClockGoingBackwardsEarnsNothing) {
  TokenBucket b(config_of(10, 1), 10 * kNs);
  ASSERT_TRUE(b.try_take(10 * kNs));
  EXPECT_FALSE(b.try_take(5 * kNs));
  // The step back is not paid twice: still 100 ms after the last refill.
  EXPECT_FALSE(b.try_take(10 * kNs + kNs / 10 - 1));
  EXPECT_TRUE(b.try_take(10 * kNs + kNs / 10));
}

TEST(TokenBucket, TscTicksAndLargeRates) {
  constexpr std::uint64_t kTsc = 2'500'000'000;  // 2.5 GHz
  const auto c = config_of(1'000'000, 1000, kTsc);
  BucketState s = full_bucket(c, 0);
  int taken = 0;
  // One simulated second in 1 us steps at 2 requests per step.
  for (std::uint64_t t = 0; t < kTsc; t += kTsc / 1'000'000) {
    taken += try_take(c, s, t) ? 1 : 0;
    taken += try_take(c, s, t) ? 1 : 0;
  }
  EXPECT_NEAR(taken, 1'000'000 + 1000, 2);
}

TEST(TokenBucket, LongRunRateIsTheConfiguredRate) {
  const auto c = config_of(100, 10);
  BucketState s = full_bucket(c, 0);
  int taken = 0;
  for (std::uint64_t t = 0; t <= 10 * kNs; t += kNs / 1000) {  // 1000 requests/s offered
    taken += try_take(c, s, t) ? 1 : 0;
  }
  EXPECT_EQ(taken, 100 * 10 + 10);
}

}  // namespace
}  // namespace sipedge::limit
