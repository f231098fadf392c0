#include "limit/prefix_rules.h"

#include <gtest/gtest.h>

#include <vector>

namespace sipedge::limit {
namespace {

constexpr std::uint32_t ip(std::uint32_t a, std::uint32_t b, std::uint32_t c, std::uint32_t d) {
  return (a << 24) | (b << 16) | (c << 8) | d;
}

PrefixRuleSpec rule(std::uint32_t prefix, std::uint8_t length) {
  return PrefixRuleSpec{.prefix = prefix, .length = length, .exempt = false, .cps = 10, .burst = 0};
}

TEST(PrefixRules, MaskOf) {
  EXPECT_EQ(PrefixRules::mask_of(0), 0U);
  EXPECT_EQ(PrefixRules::mask_of(8), 0xFF000000U);
  EXPECT_EQ(PrefixRules::mask_of(31), 0xFFFFFFFEU);
  EXPECT_EQ(PrefixRules::mask_of(32), 0xFFFFFFFFU);
}

TEST(PrefixRules, LongestPrefixWinsWhateverTheOrder) {
  const std::vector<PrefixRuleSpec> rules = {
      rule(ip(10, 0, 0, 0), 8), rule(ip(10, 1, 2, 3), 32), rule(0, 0), rule(ip(10, 1, 0, 0), 16),
      rule(ip(203, 0, 113, 0), 24)};
  PrefixRules table;
  ASSERT_EQ(PrefixRules::build(rules, table), LimitError::Ok);
  EXPECT_EQ(table.size(), 5U);
  EXPECT_EQ(table.match(ip(10, 1, 2, 3)), 1);
  EXPECT_EQ(table.match(ip(10, 1, 2, 4)), 3);
  EXPECT_EQ(table.match(ip(10, 200, 0, 1)), 0);
  EXPECT_EQ(table.match(ip(203, 0, 113, 77)), 4);
  EXPECT_EQ(table.match(ip(198, 51, 100, 1)), 2);  // only the default route
}

TEST(PrefixRules, NoMatchWithoutADefault) {
  const std::vector<PrefixRuleSpec> rules = {rule(ip(198, 51, 100, 0), 24)};
  PrefixRules table;
  ASSERT_EQ(PrefixRules::build(rules, table), LimitError::Ok);
  EXPECT_FALSE(table.match(ip(198, 51, 101, 0)).has_value());
  EXPECT_FALSE(table.match(ip(198, 51, 99, 255)).has_value());
  EXPECT_EQ(table.match(ip(198, 51, 100, 255)), 0);
}

TEST(PrefixRules, EmptyListMatchesNothing) {
  PrefixRules table;
  ASSERT_EQ(PrefixRules::build({}, table), LimitError::Ok);
  EXPECT_FALSE(table.match(0).has_value());
}

TEST(PrefixRules, RefusesBadRulesAndNamesThem) {
  PrefixRules table;
  std::size_t bad = 99;
  std::vector<PrefixRuleSpec> rules = {rule(ip(10, 0, 0, 0), 8), rule(ip(10, 0, 0, 0), 33)};
  EXPECT_EQ(PrefixRules::build(rules, table, &bad), LimitError::PrefixTooLong);
  EXPECT_EQ(bad, 1U);
  rules = {rule(ip(10, 1, 2, 3), 8)};
  EXPECT_EQ(PrefixRules::build(rules, table, &bad), LimitError::HostBitsSet);
  EXPECT_EQ(bad, 0U);
  rules = {rule(ip(10, 0, 0, 0), 8), rule(ip(11, 0, 0, 0), 8), rule(ip(10, 0, 0, 0), 8)};
  EXPECT_EQ(PrefixRules::build(rules, table, &bad), LimitError::DuplicatePrefix);
  EXPECT_EQ(bad, 2U);
  rules.assign(kMaxPrefixRules + 1, rule(0, 0));
  EXPECT_EQ(PrefixRules::build(rules, table), LimitError::TooManyRules);
  // Same network, different lengths, is not a duplicate.
  rules = {rule(ip(10, 0, 0, 0), 8), rule(ip(10, 0, 0, 0), 16)};
  EXPECT_EQ(PrefixRules::build(rules, table), LimitError::Ok);
  EXPECT_EQ(table.match(ip(10, 0, 5, 5)), 1);
}

}  // namespace
}  // namespace sipedge::limit
