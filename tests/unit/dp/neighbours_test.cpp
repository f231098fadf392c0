// The neighbour table: learning, RFC 826 refresh-only, static pinning,
// capacity, and a reader racing the single writer.
#include "dp/neighbours.h"

#include <gtest/gtest.h>

#include <atomic>
#include <thread>

namespace sipedge::dp {
namespace {

net::MacAddr mac(std::uint8_t last) { return net::MacAddr{{0x02, 0, 0, 0, 0, last}}; }

TEST(NeighbourTable, LearnsAndLooksUp) {
  NeighbourTable t;
  EXPECT_FALSE(t.lookup(0xC6336415));
  EXPECT_EQ(t.learn(0xC6336415, mac(1)), NeighbourTable::Update::kAdded);
  ASSERT_TRUE(t.lookup(0xC6336415));
  EXPECT_EQ(*t.lookup(0xC6336415), mac(1));
  EXPECT_EQ(t.learn(0xC6336415, mac(1)), NeighbourTable::Update::kUnchanged);
  EXPECT_EQ(t.learn(0xC6336415, mac(2)), NeighbourTable::Update::kChanged);
  EXPECT_EQ(*t.lookup(0xC6336415), mac(2));
  EXPECT_EQ(t.size(), 1u);
}

TEST(NeighbourTable, RefreshNeverCreates) {
  NeighbourTable t;
  EXPECT_EQ(t.refresh(0xCB007101, mac(1)), NeighbourTable::Update::kUnchanged);
  EXPECT_FALSE(t.lookup(0xCB007101));
  t.learn(0xCB007101, mac(1));
  EXPECT_EQ(t.refresh(0xCB007101, mac(3)), NeighbourTable::Update::kChanged);
  EXPECT_EQ(*t.lookup(0xCB007101), mac(3));
}

TEST(NeighbourTable, StaticEntriesIgnoreArp) {
  NeighbourTable t;
  t.learn(0xCB007115, mac(7), /*static_entry=*/true);
  EXPECT_EQ(t.learn(0xCB007115, mac(8)), NeighbourTable::Update::kStatic);
  EXPECT_EQ(t.refresh(0xCB007115, mac(8)), NeighbourTable::Update::kStatic);
  EXPECT_EQ(*t.lookup(0xCB007115), mac(7));
}

TEST(NeighbourTable, ZeroAddressIsNeverANeighbour) {
  NeighbourTable t;
  EXPECT_EQ(t.learn(0, mac(1)), NeighbourTable::Update::kFull);
  EXPECT_FALSE(t.lookup(0));
}

TEST(NeighbourTable, FullTableRefusesAndLookupsStillEnd) {
  auto t = std::make_unique<NeighbourTable>();
  std::size_t added = 0;
  for (std::uint32_t ip = 1; ip <= NeighbourTable::kSlots + 10; ++ip)
    if (t->learn(ip, mac(1)) == NeighbourTable::Update::kAdded) ++added;
  EXPECT_EQ(added, NeighbourTable::kSlots - 1);
  EXPECT_FALSE(t->lookup(0x7FFFFFFF));  // terminates on the one free slot
  EXPECT_TRUE(t->lookup(1));
}

TEST(NeighbourTable, ReaderSeesWholeMacsWhileTheWriterUpdates) {
  auto t = std::make_unique<NeighbourTable>();
  t->learn(42, net::MacAddr{{1, 1, 1, 1, 1, 1}});
  std::atomic<bool> done{false};
  std::atomic<int> torn{0};
  std::thread reader([&] {
    while (!done.load()) {
      const auto m = t->lookup(42);
      if (!m) continue;
      for (auto b : m->bytes)
        if (b != m->bytes[0]) torn.fetch_add(1);
    }
  });
  for (int i = 0; i < 200000; ++i) {
    const auto b = static_cast<std::uint8_t>(i % 2 ? 1 : 2);
    t->learn(42, net::MacAddr{{b, b, b, b, b, b}});
  }
  done = true;
  reader.join();
  EXPECT_EQ(torn.load(), 0);
}

}  // namespace
}  // namespace sipedge::dp
