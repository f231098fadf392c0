#include <gtest/gtest.h>

#include "registrar/flood.h"

namespace sipedge::registrar {
namespace {

TEST(Flood, BurstThenRate) {
  FloodLimiter f({.rate = 2.0, .burst = 3.0, .max_sources = 16});
  const std::uint32_t ip = 0xC6336407;
  EXPECT_TRUE(f.allow(ip, 0));
  EXPECT_TRUE(f.allow(ip, 0));
  EXPECT_TRUE(f.allow(ip, 0));
  EXPECT_FALSE(f.allow(ip, 0));   // burst spent
  EXPECT_FALSE(f.allow(ip, 499));  // 0.998 token
  EXPECT_TRUE(f.allow(ip, 500));   // one token per 500 ms
  EXPECT_FALSE(f.allow(ip, 500));
  EXPECT_EQ(f.stats().allowed, 4u);
  EXPECT_EQ(f.stats().limited, 3u);
}

TEST(Flood, SourcesAreIndependent) {
  FloodLimiter f({.rate = 1.0, .burst = 1.0, .max_sources = 16});
  EXPECT_TRUE(f.allow(1, 0));
  EXPECT_FALSE(f.allow(1, 0));
  EXPECT_TRUE(f.allow(2, 0));
}

TEST(Flood, TableIsBoundedAndEvictsTheIdlest) {
  FloodLimiter f({.rate = 1.0, .burst = 1.0, .max_sources = 2});
  EXPECT_TRUE(f.allow(1, 0));
  EXPECT_TRUE(f.allow(2, 0));
  EXPECT_FALSE(f.allow(1, 0));    // 1 is now the most recently seen
  EXPECT_TRUE(f.allow(3, 0));     // evicts 2
  EXPECT_EQ(f.tracked(), 2u);
  EXPECT_EQ(f.stats().evicted, 1u);
  EXPECT_FALSE(f.allow(1, 0));    // 1 kept its empty bucket
  EXPECT_TRUE(f.allow(2, 0));     // 2 was forgotten: a full bucket again
}

TEST(Flood, ClockSteppingBackRefillsNothing) {
  FloodLimiter f({.rate = 1.0, .burst = 1.0, .max_sources = 4});
  EXPECT_TRUE(f.allow(1, 10'000));
  EXPECT_FALSE(f.allow(1, 0));
  EXPECT_FALSE(f.allow(1, 10'500));
  EXPECT_TRUE(f.allow(1, 11'000));
}

}  // namespace
}  // namespace sipedge::registrar
