#include "limit/global_limiter.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <thread>
#include <vector>

namespace sipedge::limit {
namespace {

constexpr std::uint64_t kNs = 1'000'000'000;
constexpr std::uint64_t kMs = 1'000'000;

std::unique_ptr<GlobalCpsLimiter> make(std::uint64_t rate, std::uint64_t burst, std::size_t workers) {
  BucketConfig config;
  EXPECT_EQ(make_bucket_config(rate, burst, kNs, config), LimitError::Ok);
  std::unique_ptr<GlobalCpsLimiter> limiter;
  EXPECT_EQ(GlobalCpsLimiter::create(config, workers, 0, limiter), LimitError::Ok);
  return limiter;
}

// issued == consumed + pool + holdings, valid whenever workers are quiet.
void expect_ledger(const GlobalCpsLimiter& l_const) {
  auto& l = const_cast<GlobalCpsLimiter&>(l_const);
  std::int64_t sum = l.pool();
  for (std::size_t w = 0; w < l.workers(); ++w) {
    sum += static_cast<std::int64_t>(l.share(w).consumed()) + l.holding(w);
  }
  EXPECT_EQ(sum, static_cast<std::int64_t>(l.issued()));
}

int take_up_to(GlobalCpsLimiter::Share& share, int attempts) {
  int taken = 0;
  for (int i = 0; i < attempts; ++i) {
    taken += share.try_take() ? 1 : 0;
  }
  return taken;
}

TEST(GlobalCpsLimiter, RefusesBadWorkerCounts) {
  BucketConfig config;
  ASSERT_EQ(make_bucket_config(10, 10, kNs, config), LimitError::Ok);
  std::unique_ptr<GlobalCpsLimiter> l;
  EXPECT_EQ(GlobalCpsLimiter::create(config, 0, 0, l), LimitError::ZeroWorkers);
  EXPECT_EQ(GlobalCpsLimiter::create(config, kMaxWorkers + 1, 0, l), LimitError::TooManyWorkers);
  EXPECT_EQ(l, nullptr);
}

TEST(GlobalCpsLimiter, SharesAreOnTheirOwnCacheLines) {
  EXPECT_EQ(alignof(GlobalCpsLimiter::Share) % kCacheLineSize, 0U);
  EXPECT_GE(sizeof(GlobalCpsLimiter::Share), 2 * kCacheLineSize);
}

TEST(GlobalCpsLimiter, StartsWithTheBurstSpreadEvenly) {
  auto l = make(1000, 100, 4);
  for (std::size_t w = 0; w < 4; ++w) {
    EXPECT_EQ(l->holding(w), 25);
  }
  EXPECT_EQ(take_up_to(l->share(0), 40), 25);
  EXPECT_EQ(l->share(0).consumed(), 25U);
  EXPECT_EQ(l->share(0).denied(), 15U);
  EXPECT_EQ(l->issued(), 100U);
  expect_ledger(*l);
}

TEST(GlobalCpsLimiter, PeekDoesNotSpend) {
  auto l = make(1000, 2, 1);
  auto& s = l->share(0);
  EXPECT_TRUE(s.has_token());
  EXPECT_TRUE(s.has_token());
  s.take();
  s.take();
  EXPECT_FALSE(s.has_token());
  EXPECT_EQ(s.denied(), 0U);  // peeking is not demand
}

TEST(GlobalCpsLimiter, UnusedShareIsReclaimedForTheBusyWorker) {
  auto l = make(1000, 1000, 2);
  EXPECT_EQ(take_up_to(l->share(0), 1000), 500);  // its half, then 500 denied
  l->refill(0);  // no time passed: only redistribution
  EXPECT_EQ(l->holding(0), 500);
  EXPECT_EQ(l->holding(1), 0);
  EXPECT_EQ(take_up_to(l->share(0), 1000), 500);
  EXPECT_FALSE(l->share(1).try_take());
  expect_ledger(*l);
}

TEST(GlobalCpsLimiter, OneBusyWorkerGetsNearlyTheWholeRate) {
  auto l = make(10000, 100, 4);
  std::uint64_t taken = 0;
  for (std::uint64_t t = 1; t <= 1000; ++t) {  // 1 s in 1 ms refills
    taken += static_cast<std::uint64_t>(take_up_to(l->share(2), 50));  // 5x its fair need
    l->refill(t * kMs);
    expect_ledger(*l);
  }
  EXPECT_GE(taken, 9500U);
  EXPECT_LE(taken, 10000U + 100U);
}

TEST(GlobalCpsLimiter, SaturatedWorkersSplitFairly) {
  auto l = make(10000, 100, 2);
  std::uint64_t taken[2] = {0, 0};
  for (std::uint64_t t = 1; t <= 1000; ++t) {
    taken[0] += static_cast<std::uint64_t>(take_up_to(l->share(0), 40));
    taken[1] += static_cast<std::uint64_t>(take_up_to(l->share(1), 15));
    l->refill(t * kMs);
  }
  EXPECT_LE(taken[0] + taken[1], 10000U + 100U);
  EXPECT_NEAR(static_cast<double>(taken[0]), 5000.0, 250.0);
  EXPECT_NEAR(static_cast<double>(taken[1]), 5000.0, 250.0);
  expect_ledger(*l);
}

TEST(GlobalCpsLimiter, UnequalDemandBelowTheRateIsFullyServed) {
  auto l = make(10000, 100, 2);
  std::uint64_t taken[2] = {0, 0};
  for (std::uint64_t t = 1; t <= 1000; ++t) {
    taken[0] += static_cast<std::uint64_t>(take_up_to(l->share(0), 7));  // 7000/s
    taken[1] += static_cast<std::uint64_t>(take_up_to(l->share(1), 2));  // 2000/s
    l->refill(t * kMs);
  }
  EXPECT_EQ(taken[0], 7000U);
  EXPECT_EQ(taken[1], 2000U);
}

TEST(GlobalCpsLimiter, TotalNeverExceedsRateTimesTimePlusBurst) {
  auto l = make(333, 50, 3);
  std::uint64_t taken = 0;
  for (std::uint64_t t = 1; t <= 3000; ++t) {  // 3 s
    for (std::size_t w = 0; w < 3; ++w) {
      taken += static_cast<std::uint64_t>(take_up_to(l->share(w), static_cast<int>(t % 3 + w)));
    }
    l->refill(t * kMs);
    ASSERT_LE(taken, 333U * t / 1000 + 50U);
  }
  EXPECT_GE(taken, 333U * 3 - 10U);
  expect_ledger(*l);
}

TEST(GlobalCpsLimiter, SlowRatesAccumulateAcrossRefills) {
  auto l = make(10, 1, 2);  // a hundredth of a token per 1 ms refill
  ASSERT_TRUE(l->share(0).try_take());
  std::uint64_t taken = 1;
  for (std::uint64_t t = 1; t <= 2000; ++t) {
    taken += l->share(1).try_take() ? 1 : 0;
    l->refill(t * kMs);
  }
  EXPECT_EQ(taken, 1U + 19U);  // the 20th token arrives with the last refill
}

TEST(GlobalCpsLimiter, FullBucketStopsIssuing) {
  auto l = make(1000, 10, 2);
  l->refill(60 * kNs);  // a minute idle
  EXPECT_EQ(l->issued(), 10U);
  EXPECT_EQ(l->holding(0) + l->holding(1) + l->pool(), 10);
}

TEST(GlobalCpsLimiter, ClockGoingBackwardsIssuesNothing) {
  auto l = make(1000, 10, 1);
  EXPECT_EQ(take_up_to(l->share(0), 10), 10);
  l->refill(5 * kMs);
  EXPECT_EQ(l->issued(), 15U);
  l->refill(2 * kMs);
  EXPECT_EQ(l->issued(), 15U);
  l->refill(6 * kMs);
  EXPECT_EQ(l->issued(), 16U);
}

TEST(GlobalCpsLimiter, ADebtIsChargedToThePool) {
  // Simulates the documented race: the worker spends on a stale grant.
  auto l = make(1000, 4, 2);
  auto& s = l->share(0);
  for (int i = 0; i < 5; ++i) {
    s.take();  // 2 granted, 5 spent
  }
  EXPECT_EQ(l->holding(0), -3);
  l->refill(0);
  expect_ledger(*l);
  EXPECT_EQ(l->pool(), -1);  // 4 issued, 5 spent: nothing to hand out
  EXPECT_FALSE(l->share(1).has_token());
  l->refill(2 * kMs);  // +2 tokens: the debt is paid first
  expect_ledger(*l);
  EXPECT_EQ(l->pool() + l->holding(0) + l->holding(1), 1);
}

TEST(GlobalCpsLimiter, TwoThreadsNeverBreakTheLedger) {
  auto l = make(100000, 200, 2);  // 100 tokens per simulated 1 ms
  std::atomic<bool> stop{false};
  std::atomic<std::uint64_t> loops[2] = {0, 0};
  auto worker = [&](std::size_t w) {
    auto& share = l->share(w);
    std::uint64_t n = 0;
    while (!stop.load(std::memory_order_acquire)) {
      (void)share.try_take();
      loops[w].store(++n, std::memory_order_release);
      if (n % 64 == 0) {
        std::this_thread::yield();  // three threads on as few as two cores
      }
    }
  };
  std::thread a(worker, 0);
  std::thread b(worker, 1);
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  constexpr std::uint64_t kTicks = 2000;
  std::uint64_t ticks = 0;
  for (; ticks < kTicks && std::chrono::steady_clock::now() < deadline; ++ticks) {
    // Let both workers run between refills so each interval sees demand.
    const std::uint64_t seen0 = loops[0].load(std::memory_order_acquire);
    const std::uint64_t seen1 = loops[1].load(std::memory_order_acquire);
    while ((loops[0].load(std::memory_order_acquire) < seen0 + 128 ||
            loops[1].load(std::memory_order_acquire) < seen1 + 128) &&
           std::chrono::steady_clock::now() < deadline) {
      std::this_thread::yield();
    }
    l->refill((ticks + 1) * kMs);
  }
  stop.store(true, std::memory_order_release);
  a.join();
  b.join();
  l->refill((ticks + 1) * kMs);
  expect_ledger(*l);

  const std::uint64_t consumed = l->share(0).consumed() + l->share(1).consumed();
  std::int64_t debt = 0;
  for (std::size_t w = 0; w < 2; ++w) {
    debt += std::min<std::int64_t>(l->holding(w), 0);
  }
  debt += std::min<std::int64_t>(l->pool(), 0);
  EXPECT_LE(static_cast<std::int64_t>(consumed), static_cast<std::int64_t>(l->issued()) - debt);
  EXPECT_LE(consumed, 100U * (ticks + 1) + 200U + 4U);
  EXPECT_GT(l->share(0).consumed(), 0U);
  EXPECT_GT(l->share(1).consumed(), 0U);
  EXPECT_GE(consumed, l->issued() * 8 / 10);  // busy workers use most of it
}

}  // namespace
}  // namespace sipedge::limit
