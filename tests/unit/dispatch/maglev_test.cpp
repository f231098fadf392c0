#include "dispatch/maglev.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <vector>

namespace sipedge::dispatch {
namespace {

std::vector<MaglevMember> equal_members(std::uint16_t count) {
  std::vector<MaglevMember> members;
  for (std::uint16_t i = 0; i < count; ++i) {
    members.push_back(MaglevMember{.identity = maglev_identity(0xC6336400U + i, 5060), .weight = 1, .value = i});
  }
  return members;
}

std::map<std::uint16_t, std::size_t> shares(const std::vector<std::uint16_t>& table) {
  std::map<std::uint16_t, std::size_t> count;
  for (const auto v : table) {
    ++count[v];
  }
  return count;
}

TEST(IsPrime, SmallAndTableSizes) {
  EXPECT_FALSE(is_prime(0));
  EXPECT_FALSE(is_prime(1));
  EXPECT_TRUE(is_prime(2));
  EXPECT_TRUE(is_prime(3));
  EXPECT_FALSE(is_prime(4));
  EXPECT_FALSE(is_prime(9));
  EXPECT_TRUE(is_prime(251));
  EXPECT_TRUE(is_prime(65537));
  EXPECT_FALSE(is_prime(65536));
  EXPECT_FALSE(is_prime(65535));
  EXPECT_TRUE(is_prime(4294967291U));  // largest 32-bit prime: the loop must not overflow
  EXPECT_FALSE(is_prime(4294967295U));
}

TEST(MaglevSlot, StaysInRangeAndCoversTheTable) {
  constexpr std::uint32_t kSize = 251;
  std::vector<std::size_t> hits(kSize, 0);
  for (std::uint64_t k = 0; k < 251 * 200; ++k) {
    const auto slot = maglev_slot(k, kSize);
    ASSERT_LT(slot, kSize);
    ++hits[slot];
  }
  // Sequential keys (a weak caller hash) still spread: every slot is hit
  // and none is more than twice the mean.
  EXPECT_GT(*std::min_element(hits.begin(), hits.end()), 100U);
  EXPECT_LT(*std::max_element(hits.begin(), hits.end()), 400U);
}

TEST(MaglevSlot, HighBitsOfTheKeyMatter) {
  // A caller's 64-bit hash whose entropy sits in the top half must not
  // collapse onto one slot.
  std::vector<std::uint32_t> slots;
  for (std::uint64_t k = 1; k <= 64; ++k) {
    slots.push_back(maglev_slot(k << 40, kDefaultMaglevTableSize));
  }
  std::sort(slots.begin(), slots.end());
  EXPECT_GT(std::unique(slots.begin(), slots.end()) - slots.begin(), 60);
}

TEST(MaglevTable, FillsEverySlotWithAMember) {
  const auto members = equal_members(7);
  const auto table = build_maglev_table(members, 251);
  ASSERT_EQ(table.size(), 251U);
  for (const auto v : table) {
    EXPECT_LT(v, 7);
  }
}

TEST(MaglevTable, EqualWeightsDifferByAtMostOneEntry) {
  const auto table = build_maglev_table(equal_members(10), kDefaultMaglevTableSize);
  const auto count = shares(table);
  ASSERT_EQ(count.size(), 10U);
  std::size_t lo = table.size();
  std::size_t hi = 0;
  for (const auto& [value, n] : count) {
    lo = std::min(lo, n);
    hi = std::max(hi, n);
  }
  EXPECT_LE(hi - lo, 1U);
}

TEST(MaglevTable, WeightsSetTheShares) {
  std::vector<MaglevMember> members = {
      {.identity = maglev_identity(1, 5060), .weight = 1, .value = 0},
      {.identity = maglev_identity(2, 5060), .weight = 3, .value = 1},
      {.identity = maglev_identity(3, 5060), .weight = 6, .value = 2},
  };
  const auto table = build_maglev_table(members, kDefaultMaglevTableSize);
  const auto count = shares(table);
  const double size = static_cast<double>(table.size());
  EXPECT_NEAR(static_cast<double>(count.at(0)) / size, 0.1, 0.001);
  EXPECT_NEAR(static_cast<double>(count.at(1)) / size, 0.3, 0.001);
  EXPECT_NEAR(static_cast<double>(count.at(2)) / size, 0.6, 0.001);
}

TEST(MaglevTable, ExtremeWeightsStillGiveTheLightMemberItsShare) {
  std::vector<MaglevMember> members = {
      {.identity = maglev_identity(1, 5060), .weight = 65535, .value = 0},
      {.identity = maglev_identity(2, 5060), .weight = 1, .value = 1},
  };
  const auto count = shares(build_maglev_table(members, kDefaultMaglevTableSize));
  EXPECT_EQ(count.at(1), 1U);  // 65537 * 1/65536, rounded
  EXPECT_EQ(count.at(0), kDefaultMaglevTableSize - 1);
}

TEST(MaglevTable, IsDeterministic) {
  const auto members = equal_members(5);
  EXPECT_EQ(build_maglev_table(members, 1009), build_maglev_table(members, 1009));
}

TEST(MaglevTable, PreferencesComeFromIdentityNotValue) {
  // Renumbering the members (positions shift after a reload) must keep
  // every slot with the same address.
  auto members = equal_members(4);
  const auto before = build_maglev_table(members, 1009);
  for (auto& m : members) {
    m.value = static_cast<std::uint16_t>(m.value + 10);
  }
  const auto after = build_maglev_table(members, 1009);
  ASSERT_EQ(before.size(), after.size());
  for (std::size_t i = 0; i < before.size(); ++i) {
    EXPECT_EQ(after[i], before[i] + 10);
  }
}

TEST(MaglevTable, RemovingAMemberMovesLittleElse) {
  auto members = equal_members(10);
  const auto before = build_maglev_table(members, kDefaultMaglevTableSize);
  members.erase(members.begin() + 3);
  const auto after = build_maglev_table(members, kDefaultMaglevTableSize);
  std::size_t moved_elsewhere = 0;
  for (std::size_t i = 0; i < before.size(); ++i) {
    EXPECT_NE(after[i], 3);
    if (before[i] != 3 && after[i] != before[i]) {
      ++moved_elsewhere;
    }
  }
  // Slots that did not belong to the removed member: nearly all stay.
  EXPECT_LT(static_cast<double>(moved_elsewhere) / static_cast<double>(before.size()), 0.01);
}

TEST(MaglevTable, SingleMemberOwnsEverything) {
  const auto table = build_maglev_table(equal_members(1), 13);
  EXPECT_EQ(std::count(table.begin(), table.end(), 0), 13);
}

}  // namespace
}  // namespace sipedge::dispatch
