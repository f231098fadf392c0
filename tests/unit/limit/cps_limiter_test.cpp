#include "limit/cps_limiter.h"

#include <gtest/gtest.h>

namespace sipedge::limit {
namespace {

constexpr std::uint64_t kNs = 1'000'000'000;
constexpr std::uint32_t kCarrier = 0xCB007105;  // 203.0.113.5
constexpr std::uint32_t kTrusted = 0xC6336410;  // 198.51.100.16
constexpr std::uint32_t kOther = 0xC6336501;    // 198.51.101.1

struct Fixture {
  std::unique_ptr<CpsLimits> limits;
  std::unique_ptr<WorkerCpsLimiter> worker;
};

Fixture make(const CpsLimitSpec& spec, std::size_t workers = 1) {
  Fixture f;
  EXPECT_EQ(CpsLimits::create(spec, workers, kNs, 0, f.limits), LimitError::Ok);
  if (f.limits) {
    EXPECT_EQ(WorkerCpsLimiter::create(*f.limits, 0, 7, f.worker), LimitError::Ok);
  }
  return f;
}

CpsDecision check(Fixture& f, std::uint32_t source, std::uint64_t now = 0) {
  return f.worker->check(source, now).decision;
}

TEST(CpsDecision, NamesAndAdmission) {
  EXPECT_EQ(name(CpsDecision::Allow), "allow");
  EXPECT_EQ(name(CpsDecision::BreachGlobal), "breach_global");
  EXPECT_EQ(name(CpsDecision::BreachSource), "breach_source");
  EXPECT_EQ(name(CpsDecision::BreachRule), "breach_rule");
  EXPECT_EQ(name(CpsDecision::Exempt), "exempt");
  EXPECT_EQ(kCpsDecisionCount, 5U);
  EXPECT_TRUE(admitted(CpsDecision::Allow));
  EXPECT_TRUE(admitted(CpsDecision::Exempt));
  EXPECT_FALSE(admitted(CpsDecision::BreachGlobal));
  EXPECT_FALSE(admitted(CpsDecision::BreachSource));
  EXPECT_FALSE(admitted(CpsDecision::BreachRule));
}

TEST(CpsLimiter, NoLimitsAllowsEverything) {
  auto f = make(CpsLimitSpec{});
  for (int i = 0; i < 1000; ++i) {
    ASSERT_EQ(check(f, kOther), CpsDecision::Allow);
  }
  EXPECT_EQ(f.worker->sources(), nullptr);
  EXPECT_EQ(f.limits->global(), nullptr);
}

TEST(CpsLimiter, PerSourceLimit) {
  auto f = make(CpsLimitSpec{.source_cps = 2, .source_burst = 0});  // burst defaults to the rate
  EXPECT_EQ(check(f, kOther), CpsDecision::Allow);
  EXPECT_EQ(check(f, kOther), CpsDecision::Allow);
  EXPECT_EQ(check(f, kOther), CpsDecision::BreachSource);
  EXPECT_EQ(check(f, kCarrier), CpsDecision::Allow);
  EXPECT_EQ(check(f, kOther, kNs / 2), CpsDecision::Allow);
}

TEST(CpsLimiter, GlobalLimitAcrossSources) {
  auto f = make(CpsLimitSpec{.global_cps = 3, .global_burst = 3});
  EXPECT_EQ(check(f, 1), CpsDecision::Allow);
  EXPECT_EQ(check(f, 2), CpsDecision::Allow);
  EXPECT_EQ(check(f, 3), CpsDecision::Allow);
  EXPECT_EQ(check(f, 4), CpsDecision::BreachGlobal);
  f.limits->refill(kNs / 3 + 1);
  EXPECT_EQ(check(f, 4), CpsDecision::Allow);
  EXPECT_EQ(check(f, 5), CpsDecision::BreachGlobal);
}

TEST(CpsLimiter, ARuleReplacesThePerSourceLimit) {
  CpsLimitSpec spec{.source_cps = 1};
  spec.rules = {PrefixRuleSpec{.prefix = 0xCB007100, .length = 24, .exempt = false, .cps = 50, .burst = 5}};
  auto f = make(spec);
  for (int i = 0; i < 5; ++i) {
    const auto result = f.worker->check(kCarrier, 0);
    EXPECT_EQ(result.decision, CpsDecision::Allow);
    EXPECT_EQ(result.rule, 0);
    EXPECT_TRUE(result.has_rule());
  }
  const auto breach = f.worker->check(kCarrier + 1, 0);  // same /24: the aggregate is spent
  EXPECT_EQ(breach.decision, CpsDecision::BreachRule);
  EXPECT_EQ(breach.rule, 0);
  EXPECT_EQ(f.worker->sources()->find(kCarrier), nullptr);  // no per-source state for rule traffic
  EXPECT_EQ(check(f, kOther), CpsDecision::Allow);
  EXPECT_EQ(check(f, kOther), CpsDecision::BreachSource);
  EXPECT_FALSE(f.worker->check(kOther, 0).has_rule());
  EXPECT_EQ(f.worker->check(kOther, 0).rule, CpsCheck::kNoRule);
}

TEST(CpsLimiter, ExemptBypassesEveryLimit) {
  CpsLimitSpec spec{.global_cps = 1, .source_cps = 1};
  spec.rules = {PrefixRuleSpec{.prefix = 0xC6336400, .length = 24, .exempt = true}};
  auto f = make(spec);
  EXPECT_EQ(check(f, kOther), CpsDecision::Allow);
  EXPECT_EQ(check(f, kOther + 1), CpsDecision::BreachGlobal);
  for (int i = 0; i < 100; ++i) {
    const auto result = f.worker->check(kTrusted, 0);
    ASSERT_EQ(result.decision, CpsDecision::Exempt);
    EXPECT_EQ(result.rule, 0);
    EXPECT_TRUE(result.has_rule());
  }
  EXPECT_EQ(f.limits->rule_limiter(0), nullptr);
}

TEST(CpsLimiter, ARefusedRequestSpendsNothingElsewhere) {
  CpsLimitSpec spec{.global_cps = 100, .global_burst = 100, .source_cps = 1};
  auto f = make(spec);
  EXPECT_EQ(check(f, kOther), CpsDecision::Allow);
  const auto global_before = f.limits->global()->share(0).consumed();
  for (int i = 0; i < 10; ++i) {
    EXPECT_EQ(check(f, kOther), CpsDecision::BreachSource);
  }
  EXPECT_EQ(f.limits->global()->share(0).consumed(), global_before);
  EXPECT_EQ(f.limits->global()->share(0).denied(), 0U);  // not global demand either
}

TEST(CpsLimiter, GlobalBreachKeepsTheSourceAndRuleTokens) {
  CpsLimitSpec spec{.global_cps = 1, .global_burst = 1, .source_cps = 5};
  spec.rules = {PrefixRuleSpec{.prefix = kCarrier, .length = 32, .exempt = false, .cps = 5, .burst = 5}};
  auto f = make(spec);
  EXPECT_EQ(check(f, kOther), CpsDecision::Allow);  // spends the only global token
  EXPECT_EQ(check(f, kOther), CpsDecision::BreachGlobal);
  EXPECT_EQ(check(f, kCarrier), CpsDecision::BreachGlobal);
  EXPECT_EQ(f.worker->sources()->find(kOther)->credit, 4 * kNs);
  EXPECT_EQ(f.limits->rule_limiter(0)->share(0).consumed(), 0U);
  EXPECT_EQ(f.limits->global()->share(0).denied(), 2U);
}

TEST(CpsLimiter, MostSpecificBreachIsReported) {
  CpsLimitSpec spec{.global_cps = 1, .global_burst = 1, .source_cps = 1};
  spec.rules = {PrefixRuleSpec{.prefix = kCarrier, .length = 32, .exempt = false, .cps = 1, .burst = 1}};
  auto f = make(spec);
  EXPECT_EQ(check(f, kCarrier), CpsDecision::Allow);
  EXPECT_EQ(check(f, kCarrier), CpsDecision::BreachRule);  // rule and global both spent
  EXPECT_EQ(check(f, kOther), CpsDecision::BreachGlobal);  // fresh source, global spent
  f.limits->refill(kNs);
  EXPECT_EQ(check(f, kOther, kNs), CpsDecision::Allow);
  EXPECT_EQ(check(f, kOther, kNs), CpsDecision::BreachSource);  // source and global both spent
}

TEST(CpsLimiter, RuleLimitsAreSharedAcrossWorkers) {
  CpsLimitSpec spec;
  spec.rules = {PrefixRuleSpec{.prefix = kCarrier, .length = 32, .exempt = false, .cps = 1000, .burst = 10}};
  std::unique_ptr<CpsLimits> limits;
  ASSERT_EQ(CpsLimits::create(spec, 2, kNs, 0, limits), LimitError::Ok);
  std::unique_ptr<WorkerCpsLimiter> w1;
  ASSERT_EQ(WorkerCpsLimiter::create(*limits, 1, 9, w1), LimitError::Ok);
  // One source lives on one worker; after a refill it may use the rule's
  // whole rate, not half of it.
  int allowed = 0;
  for (std::uint64_t ms = 1; ms <= 100; ++ms) {
    for (int i = 0; i < 20; ++i) {
      allowed += w1->check(kCarrier, ms * 1'000'000).decision == CpsDecision::Allow ? 1 : 0;
    }
    limits->refill(ms * 1'000'000);
  }
  EXPECT_GE(allowed, 95);  // ~1 per ms over 100 ms, plus the half burst it started with
  EXPECT_LE(allowed, 100 + 10);
}

TEST(CpsLimiter, RefusesBadSpecsAndNamesTheRule) {
  std::unique_ptr<CpsLimits> limits;
  std::size_t bad = 99;
  CpsLimitSpec spec;
  spec.rules = {PrefixRuleSpec{.prefix = 0x0A000000, .length = 8, .exempt = true},
                PrefixRuleSpec{.prefix = 0x0B000000, .length = 8, .exempt = false, .cps = 0}};
  EXPECT_EQ(CpsLimits::create(spec, 1, kNs, 0, limits, &bad), LimitError::ZeroRate);
  EXPECT_EQ(bad, 1U);
  spec.rules = {PrefixRuleSpec{.prefix = 0x0A000001, .length = 8, .exempt = true}};
  EXPECT_EQ(CpsLimits::create(spec, 1, kNs, 0, limits, &bad), LimitError::HostBitsSet);
  EXPECT_EQ(bad, 0U);
  EXPECT_EQ(CpsLimits::create(CpsLimitSpec{}, 0, kNs, 0, limits), LimitError::ZeroWorkers);
  EXPECT_EQ(CpsLimits::create(CpsLimitSpec{}, kMaxWorkers + 1, kNs, 0, limits), LimitError::TooManyWorkers);
  EXPECT_EQ(CpsLimits::create(CpsLimitSpec{}, 1, 0, 0, limits), LimitError::ZeroTickRate);
  EXPECT_EQ(CpsLimits::create(CpsLimitSpec{.source_cps = 1, .source_table_capacity = 0}, 1, kNs, 0, limits),
            LimitError::ZeroCapacity);
  EXPECT_EQ(CpsLimits::create(CpsLimitSpec{.global_cps = kMaxRate + 1}, 1, kNs, 0, limits),
            LimitError::RateTooLarge);
  EXPECT_EQ(limits, nullptr);

  ASSERT_EQ(CpsLimits::create(CpsLimitSpec{}, 2, kNs, 0, limits), LimitError::Ok);
  std::unique_ptr<WorkerCpsLimiter> worker;
  EXPECT_EQ(WorkerCpsLimiter::create(*limits, 2, 0, worker), LimitError::TooManyWorkers);
}

}  // namespace
}  // namespace sipedge::limit
