#include "dp/neighbours6.h"

#include <gtest/gtest.h>

namespace sipedge::dp {
namespace {

net::Ipv6Addr db8(std::uint8_t last) {
  net::Ipv6Addr a;
  a.bytes = {0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, last};
  return a;
}
const net::MacAddr kMacA{{0x02, 0, 0, 0, 0, 0x0a}};
const net::MacAddr kMacB{{0x02, 0, 0, 0, 0, 0x0b}};

TEST(NeighbourTable6, LearnLookupAndAging) {
  NeighbourTable6 t;
  EXPECT_FALSE(t.lookup(db8(1), 0));
  EXPECT_EQ(t.learn(db8(1), kMacA, 1000), NeighbourTable6::Update::kAdded);
  EXPECT_EQ(t.lookup(db8(1), 1000), kMacA);
  EXPECT_FALSE(t.lookup(db8(2), 1000));
  EXPECT_EQ(t.age_ms(db8(1), 1500), 500u);
  // Stale after REACHABLE_TIME without confirmation...
  EXPECT_EQ(t.lookup(db8(1), 1000 + NeighbourTable6::kReachableMs), kMacA);
  EXPECT_FALSE(t.lookup(db8(1), 1001 + NeighbourTable6::kReachableMs));
  // ...until an NA confirms it again.
  EXPECT_EQ(t.learn(db8(1), kMacB, 40'000), NeighbourTable6::Update::kChanged);
  EXPECT_EQ(t.lookup(db8(1), 41'000), kMacB);
  EXPECT_EQ(t.learn(db8(1), kMacB, 42'000), NeighbourTable6::Update::kUnchanged);
  EXPECT_EQ(t.size(), 1u);
}

TEST(NeighbourTable6, StaticEntriesNeverAgeNorChange) {
  NeighbourTable6 t;
  EXPECT_EQ(t.learn(db8(1), kMacA, 0, /*static_entry=*/true), NeighbourTable6::Update::kAdded);
  EXPECT_EQ(t.learn(db8(1), kMacB, 5), NeighbourTable6::Update::kStatic);
  EXPECT_EQ(t.lookup(db8(1), 10 * NeighbourTable6::kReachableMs), kMacA);
  EXPECT_EQ(t.age_ms(db8(1), 99'999), 0u);
}

TEST(NeighbourTable6, FullTableRefuses) {
  NeighbourTable6 t;
  for (std::size_t i = 0; i < NeighbourTable6::kSlots; ++i) {
    net::Ipv6Addr a = db8(0);
    a.bytes[14] = static_cast<std::uint8_t>(i >> 8);
    a.bytes[15] = static_cast<std::uint8_t>(i);
    ASSERT_EQ(t.learn(a, kMacA, 0), NeighbourTable6::Update::kAdded);
  }
  net::Ipv6Addr extra = db8(0);
  extra.bytes[13] = 1;
  EXPECT_EQ(t.learn(extra, kMacA, 0), NeighbourTable6::Update::kFull);
  EXPECT_FALSE(t.lookup(extra, 0));
}

}  // namespace
}  // namespace sipedge::dp
