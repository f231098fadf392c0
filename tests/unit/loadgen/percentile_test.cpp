#include "percentile.h"

#include <gtest/gtest.h>

#include <vector>

namespace sipedge::loadgen {
namespace {

TEST(Percentile, NearestRank) {
  std::vector<std::uint32_t> values;
  for (std::uint32_t i = 1; i <= 100; ++i) values.push_back(i);
  EXPECT_EQ(percentile(values, 0.50), 50u);
  EXPECT_EQ(percentile(values, 0.90), 90u);
  EXPECT_EQ(percentile(values, 0.99), 99u);
  EXPECT_EQ(percentile(values, 1.0), 100u);
  EXPECT_EQ(percentile(values, 0.0), 1u);
  const std::vector<std::uint32_t> three{10, 20, 30};
  EXPECT_EQ(percentile(three, 0.5), 20u);  // ceil(1.5) = 2nd
  EXPECT_EQ(percentile(three, 0.99), 30u);
  EXPECT_FALSE(percentile(std::vector<std::uint32_t>{}, 0.5).has_value());
}

}  // namespace
}  // namespace sipedge::loadgen
