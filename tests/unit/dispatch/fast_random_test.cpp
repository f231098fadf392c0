#include "dispatch/fast_random.h"

#include <gtest/gtest.h>

#include <array>

namespace sipedge::dispatch {
namespace {

TEST(FastRandom, SameSeedSameStream) {
  FastRandom a(42);
  FastRandom b(42);
  for (int i = 0; i < 100; ++i) {
    EXPECT_EQ(a.next_u32(), b.next_u32());
  }
}

TEST(FastRandom, NeighbouringSeedsDiverge) {
  FastRandom a(1);
  FastRandom b(2);
  int equal = 0;
  for (int i = 0; i < 100; ++i) {
    equal += a.next_u32() == b.next_u32() ? 1 : 0;
  }
  EXPECT_LT(equal, 3);
}

TEST(FastRandom, ZeroSeedIsUsable) {
  FastRandom r(0);
  EXPECT_NE(r.state, 0U);
  std::uint32_t any = 0;
  for (int i = 0; i < 10; ++i) {
    any |= r.next_u32();
  }
  EXPECT_NE(any, 0U);
}

TEST(FastRandom, RoughlyUniformOverSixteenBuckets) {
  FastRandom r(7);
  std::array<int, 16> buckets{};
  constexpr int kDraws = 160000;
  for (int i = 0; i < kDraws; ++i) {
    ++buckets[r.next_u32() >> 28];
  }
  for (const int b : buckets) {
    EXPECT_NEAR(b, kDraws / 16, kDraws / 16 / 20);  // within 5%
  }
}

}  // namespace
}  // namespace sipedge::dispatch
