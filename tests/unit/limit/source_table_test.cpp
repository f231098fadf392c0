#include "limit/source_table.h"

#include <gtest/gtest.h>

#include <vector>

namespace sipedge::limit {
namespace {

constexpr std::uint64_t kNs = 1'000'000'000;

BucketConfig config_of(std::uint64_t rate, std::uint64_t burst) {
  BucketConfig config;
  EXPECT_EQ(make_bucket_config(rate, burst, kNs, config), LimitError::Ok);
  return config;
}

std::unique_ptr<SourceTable> make(std::size_t capacity, std::uint64_t rate = 10, std::uint64_t burst = 3) {
  std::unique_ptr<SourceTable> table;
  EXPECT_EQ(SourceTable::create(capacity, config_of(rate, burst), 0x1234, table), LimitError::Ok);
  return table;
}

TEST(SourceTable, RefusesBadCapacities) {
  std::unique_ptr<SourceTable> table;
  EXPECT_EQ(SourceTable::create(0, config_of(1, 1), 0, table), LimitError::ZeroCapacity);
  EXPECT_EQ(SourceTable::create(kMaxSourceTableCapacity + 1, config_of(1, 1), 0, table), LimitError::CapacityTooLarge);
  EXPECT_EQ(table, nullptr);
}

TEST(SourceTable, CapacityIsAPowerOfTwoAtLeastTheWindow) {
  EXPECT_EQ(make(1)->capacity(), kSourceProbeWindow);
  EXPECT_EQ(make(100)->capacity(), 128U);
  EXPECT_EQ(make(1024)->capacity(), 1024U);
}

TEST(SourceTable, EachSourceHasItsOwnBucket) {
  auto t = make(64);
  for (int i = 0; i < 3; ++i) {
    EXPECT_TRUE(t->try_take(0xCB007101, 0));
  }
  EXPECT_FALSE(t->try_take(0xCB007101, 0));
  EXPECT_TRUE(t->try_take(0xCB007102, 0));
  EXPECT_EQ(t->size(), 2U);
  // 100 ms later the first source has earned one token.
  EXPECT_TRUE(t->try_take(0xCB007101, kNs / 10));
  EXPECT_FALSE(t->try_take(0xCB007101, kNs / 10));
}

TEST(SourceTable, FindDoesNotInsert) {
  auto t = make(64);
  EXPECT_EQ(t->find(0x0A000001), nullptr);
  EXPECT_EQ(t->size(), 0U);
  (void)t->try_take(0x0A000001, 5);
  const BucketState* s = t->find(0x0A000001);
  ASSERT_NE(s, nullptr);
  EXPECT_EQ(s->credit, 2 * kNs);
  EXPECT_EQ(s->last, 5U);
}

TEST(SourceTable, AddressZeroIsAnOrdinaryKey) {
  auto t = make(8);
  EXPECT_EQ(t->find(0), nullptr);
  for (int i = 0; i < 3; ++i) {
    EXPECT_TRUE(t->try_take(0, 0));
  }
  EXPECT_FALSE(t->try_take(0, 0));
  EXPECT_NE(t->find(0), nullptr);
}

TEST(SourceTable, FullWindowEvictsTheStalest) {
  // Capacity 8 = one window: every source shares it.
  auto t = make(8);
  for (std::uint32_t s = 1; s <= 8; ++s) {
    (void)t->try_take(s, s);  // source s last seen at tick s
  }
  (void)t->try_take(1, 100);  // source 1 is now the freshest
  EXPECT_EQ(t->size(), 8U);
  EXPECT_EQ(t->stats().inserts, 8U);

  (void)t->try_take(9, 200);
  EXPECT_EQ(t->find(2), nullptr);  // the stalest went
  EXPECT_NE(t->find(1), nullptr);
  EXPECT_NE(t->find(9), nullptr);
  EXPECT_EQ(t->stats().live_evictions, 1U);
  EXPECT_EQ(t->stats().stale_evictions, 0U);
  EXPECT_EQ(t->size(), 8U);
}

TEST(SourceTable, EvictingAFullBucketCountsAsStale) {
  auto t = make(8, 10, 3);  // fills in 300 ms
  for (std::uint32_t s = 1; s <= 8; ++s) {
    (void)t->try_take(s, 0);
  }
  (void)t->try_take(100, 3 * kNs / 10);
  EXPECT_EQ(t->stats().stale_evictions, 1U);
  EXPECT_EQ(t->stats().live_evictions, 0U);
}

TEST(SourceTable, AnEvictedSourceReturnsWithAFullBucket) {
  auto t = make(8);
  for (int i = 0; i < 3; ++i) {
    (void)t->try_take(1, 0);
  }
  ASSERT_FALSE(t->try_take(1, 0));
  for (std::uint32_t s = 2; s <= 9; ++s) {
    (void)t->try_take(s, 1);  // pushes source 1 out
  }
  EXPECT_EQ(t->find(1), nullptr);
  EXPECT_TRUE(t->try_take(1, 2));
}

TEST(SourceTable, AFloodStaysBoundedAndKeepsAnActiveSource) {
  auto t = make(1024);
  constexpr std::uint32_t kHeavy = 0xC6336401;
  for (int i = 0; i < 3; ++i) {
    ASSERT_TRUE(t->try_take(kHeavy, 0));
  }
  std::uint64_t x = 88172645463325252ULL;
  for (std::uint64_t i = 1; i <= 100000; ++i) {
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    (void)t->try_take(static_cast<std::uint32_t>(x), i);
    if (i % 64 == 0) {
      // The heavy source keeps sending, so it is never the stalest.
      EXPECT_FALSE(t->try_take(kHeavy, i)) << i;
    }
  }
  EXPECT_LE(t->size(), t->capacity());
  EXPECT_GT(t->size(), t->capacity() * 9 / 10);
  EXPECT_GT(t->stats().live_evictions, 0U);
  EXPECT_EQ(t->stats().inserts, t->size());
}

}  // namespace
}  // namespace sipedge::limit
