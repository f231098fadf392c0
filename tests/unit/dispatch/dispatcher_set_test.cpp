#include "dispatch/dispatcher_set.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <string>
#include <vector>

namespace sipedge::dispatch {
namespace {

// Test-only stand-in for sip::hash_bytes: FNV-1a 64.
std::uint64_t fnv1a(std::string_view bytes) {
  std::uint64_t h = 0xCBF29CE484222325ULL;
  for (const char c : bytes) {
    h ^= static_cast<unsigned char>(c);
    h *= 0x100000001B3ULL;
  }
  return h;
}

DestinationSpec dest(std::uint32_t host, std::uint16_t weight = 1, std::uint8_t priority = 0, bool enabled = true) {
  return DestinationSpec{.ipv4 = 0xC6336400U + host, .port = 5060, .weight = weight, .priority = priority, .enabled = enabled};
}

DispatcherSetSpec spec_of(Algorithm algorithm, std::vector<DestinationSpec> destinations) {
  return DispatcherSetSpec{.algorithm = algorithm, .maglev_table_size = kDefaultMaglevTableSize,
                           .destinations = std::move(destinations)};
}

std::unique_ptr<const DispatcherSet> must_build(const DispatcherSetSpec& spec, std::span<const bool> up = {}) {
  auto result = DispatcherSet::build(spec, up);
  EXPECT_EQ(result.error, BuildError::Ok) << name(result.error);
  return std::move(result.set);
}

// Keys as a caller would pass them: hashes of random-looking Call-IDs
// ("<16 hex digits>@pbx.example.com"). Built once per binary, without
// per-key allocation, to stay fast under sanitizers.
const std::vector<std::uint64_t>& call_id_keys() {
  static const std::vector<std::uint64_t> keys = [] {
    constexpr std::size_t kCount = 1000000;
    constexpr std::string_view kHost = "@pbx.example.com";
    std::vector<std::uint64_t> out;
    out.reserve(kCount);
    FastRandom r(2024);
    char call_id[16 + kHost.size()];
    std::copy(kHost.begin(), kHost.end(), call_id + 16);
    for (std::size_t i = 0; i < kCount; ++i) {
      const std::uint64_t v = (static_cast<std::uint64_t>(r.next_u32()) << 32) | r.next_u32();
      for (int d = 0; d < 16; ++d) {
        call_id[d] = "0123456789abcdef"[(v >> (4 * d)) & 0xF];
      }
      out.push_back(fnv1a(std::string_view(call_id, sizeof call_id)));
    }
    return out;
  }();
  return keys;
}

// ---- names ----------------------------------------------------------------

TEST(AlgorithmNames, RoundTripEveryAlgorithm) {
  for (std::size_t i = 0; i < kAlgorithmCount; ++i) {
    const auto a = static_cast<Algorithm>(i);
    EXPECT_EQ(algorithm_from_name(name(a)), a);
  }
  EXPECT_EQ(name(Algorithm::HashCallId), "hash_call_id");
  EXPECT_EQ(name(Algorithm::FirstEntry), "first_entry");
  EXPECT_FALSE(algorithm_from_name("round_robin").has_value());
  EXPECT_EQ(name(static_cast<Algorithm>(200)), "unknown");
}

TEST(AlgorithmNames, OnlyHashAlgorithmsUseAKey) {
  EXPECT_TRUE(uses_key(Algorithm::HashCallId));
  EXPECT_TRUE(uses_key(Algorithm::HashFromUri));
  EXPECT_TRUE(uses_key(Algorithm::HashToUri));
  EXPECT_TRUE(uses_key(Algorithm::HashRequestUri));
  EXPECT_TRUE(uses_key(Algorithm::HashAuthUsername));
  EXPECT_FALSE(uses_key(Algorithm::WeightedRoundRobin));
  EXPECT_FALSE(uses_key(Algorithm::Random));
  EXPECT_FALSE(uses_key(Algorithm::FirstEntry));
}

TEST(BuildErrorNames, AreDistinctAndNamed) {
  EXPECT_EQ(name(BuildError::Ok), "ok");
  EXPECT_EQ(name(BuildError::TableSizeNotPrime), "maglev table size must be prime");
  for (std::size_t i = 0; i < kBuildErrorCount; ++i) {
    for (std::size_t j = i + 1; j < kBuildErrorCount; ++j) {
      EXPECT_NE(kBuildErrorNames[i], kBuildErrorNames[j]);
    }
  }
}

// ---- build validation -----------------------------------------------------

BuildError build_error(const DispatcherSetSpec& spec, std::span<const bool> up = {}) {
  const auto result = DispatcherSet::build(spec, up);
  EXPECT_EQ(result.error == BuildError::Ok, result.set != nullptr);
  return result.error;
}

TEST(DispatcherSetBuild, RefusesEmptySet) {
  EXPECT_EQ(build_error(spec_of(Algorithm::HashCallId, {})), BuildError::NoDestinations);
}

TEST(DispatcherSetBuild, RefusesTooManyDestinations) {
  std::vector<DestinationSpec> many;
  for (std::uint32_t i = 0; i <= kMaxDestinations; ++i) {
    many.push_back(dest(i));
  }
  EXPECT_EQ(build_error(spec_of(Algorithm::WeightedRoundRobin, many)), BuildError::TooManyDestinations);
}

TEST(DispatcherSetBuild, RefusesZeroWeight) {
  EXPECT_EQ(build_error(spec_of(Algorithm::HashCallId, {dest(1), dest(2, 0)})), BuildError::ZeroWeight);
}

TEST(DispatcherSetBuild, RefusesDuplicateAddressAndPort) {
  EXPECT_EQ(build_error(spec_of(Algorithm::HashCallId, {dest(1), dest(2), dest(1, 5)})), BuildError::DuplicateDestination);
  auto other_port = dest(1);
  other_port.port = 5080;
  EXPECT_EQ(build_error(spec_of(Algorithm::HashCallId, {dest(1), other_port})), BuildError::Ok);
}

TEST(DispatcherSetBuild, RefusesBadTableSizesForHashAlgorithms) {
  auto spec = spec_of(Algorithm::HashFromUri, {dest(1), dest(2), dest(3)});
  spec.maglev_table_size = 65536;
  EXPECT_EQ(build_error(spec), BuildError::TableSizeNotPrime);
  spec.maglev_table_size = 3;
  EXPECT_EQ(build_error(spec), BuildError::TableSizeTooSmall);
  spec.maglev_table_size = kMaxMaglevTableSize + 1;
  EXPECT_EQ(build_error(spec), BuildError::TableSizeTooLarge);
  spec.maglev_table_size = 5;
  EXPECT_EQ(build_error(spec), BuildError::Ok);
  // Non-hash algorithms have no table, so its size does not matter.
  spec.algorithm = Algorithm::Random;
  spec.maglev_table_size = 65536;
  EXPECT_EQ(build_error(spec), BuildError::Ok);
}

TEST(DispatcherSetBuild, RefusesStateOfTheWrongSize) {
  const bool up[] = {true, false};
  EXPECT_EQ(build_error(spec_of(Algorithm::HashCallId, {dest(1), dest(2), dest(3)}), up), BuildError::StateSizeMismatch);
}

TEST(DispatcherSetBuild, RefusesUnknownAlgorithm) {
  EXPECT_EQ(build_error(spec_of(static_cast<Algorithm>(99), {dest(1)})), BuildError::UnknownAlgorithm);
}

TEST(DispatcherSetBuild, IndexIsSpecPositionAndFieldsAreKept) {
  const auto set = must_build(spec_of(Algorithm::FirstEntry, {dest(1, 3, 2), dest(2, 4, 1, false)}));
  ASSERT_EQ(set->destinations().size(), 2U);
  EXPECT_EQ(set->destinations()[0].index, 0);
  EXPECT_EQ(set->destinations()[1].index, 1);
  EXPECT_EQ(set->destinations()[1].ipv4, 0xC6336402U);
  EXPECT_EQ(set->destinations()[1].weight, 4);
  EXPECT_EQ(set->destinations()[1].priority, 1);
  EXPECT_FALSE(set->destinations()[1].enabled);
  EXPECT_EQ(set->algorithm(), Algorithm::FirstEntry);
}

// ---- priority groups ------------------------------------------------------

TEST(DispatcherSetGroups, HighestPriorityWithAnActiveMemberWins) {
  const auto spec = spec_of(Algorithm::WeightedRoundRobin,
                            {dest(1, 1, 1), dest(2, 1, 9), dest(3, 1, 9), dest(4, 1, 5)});
  const auto all_up = must_build(spec);
  EXPECT_EQ(all_up->active_priority(), 9);
  EXPECT_EQ(std::vector<std::uint16_t>(all_up->active().begin(), all_up->active().end()),
            (std::vector<std::uint16_t>{1, 2}));

  const bool top_down[] = {true, false, false, true};
  const auto fallback = all_up->with_state(top_down);
  ASSERT_EQ(fallback.error, BuildError::Ok);
  EXPECT_EQ(fallback.set->active_priority(), 5);
  WrrCursor cursor;
  for (int i = 0; i < 4; ++i) {
    EXPECT_EQ(fallback.set->pick_wrr(cursor)->index, 3);
  }
  // The original set is untouched by with_state.
  EXPECT_EQ(all_up->active_priority(), 9);
  EXPECT_TRUE(all_up->is_up(1));
  EXPECT_FALSE(fallback.set->is_up(1));
}

TEST(DispatcherSetGroups, DisabledDestinationsAreNeverActive) {
  const auto set = must_build(spec_of(Algorithm::HashCallId, {dest(1, 1, 9, false), dest(2, 1, 1)}));
  EXPECT_EQ(set->active_priority(), 1);
  for (std::uint64_t k = 0; k < 1000; ++k) {
    EXPECT_EQ(set->pick_hash(k * 0x9E3779B97F4A7C15ULL)->index, 1);
  }
}

TEST(DispatcherSetGroups, NothingActiveMeansNoPick) {
  const bool all_down[] = {false, false};
  for (std::size_t a = 0; a < kAlgorithmCount; ++a) {
    const auto set = must_build(spec_of(static_cast<Algorithm>(a), {dest(1), dest(2, 1, 3, false)}), all_down);
    EXPECT_FALSE(set->active_priority().has_value());
    EXPECT_TRUE(set->active().empty());
    WrrCursor cursor;
    FastRandom random(1);
    EXPECT_EQ(set->pick(std::uint64_t{5}, cursor, random), nullptr);
    EXPECT_EQ(set->pick(std::nullopt, cursor, random), nullptr);
    EXPECT_EQ(set->pick_wrr(cursor), nullptr);
    EXPECT_EQ(set->pick_random(123), nullptr);
    EXPECT_EQ(set->pick_first(), nullptr);
    EXPECT_EQ(set->pick_hash(5), nullptr);
  }
}

TEST(DispatcherSetGroups, WeightsApplyOnlyInsideTheChosenGroup) {
  // The heavy low-priority destination gets nothing while the group above is up.
  const auto set = must_build(spec_of(Algorithm::WeightedRoundRobin, {dest(1, 1, 2), dest(2, 65535, 1), dest(3, 3, 2)}));
  std::map<std::uint16_t, int> count;
  WrrCursor cursor;
  for (int i = 0; i < 400; ++i) {
    ++count[set->pick_wrr(cursor)->index];
  }
  EXPECT_EQ(count[0], 100);
  EXPECT_EQ(count[1], 0);
  EXPECT_EQ(count[2], 300);
}

// ---- algorithms -----------------------------------------------------------

TEST(DispatcherSetPick, HashIsStickyPerKey) {
  const auto set = must_build(spec_of(Algorithm::HashCallId, {dest(1), dest(2), dest(3), dest(4)}));
  WrrCursor cursor;
  FastRandom random(3);
  const auto key = fnv1a("a84b4c76e66710@pc33.atlanta.example.com");
  const Destination* first = set->pick(key, cursor, random);
  ASSERT_NE(first, nullptr);
  for (int i = 0; i < 50; ++i) {
    EXPECT_EQ(set->pick(key, cursor, random), first);
  }
  EXPECT_EQ(set->pick_hash(key), first);
}

TEST(DispatcherSetPick, HashWithoutKeyFallsBackToRoundRobin) {
  const auto set = must_build(spec_of(Algorithm::HashAuthUsername, {dest(1, 2), dest(2, 1)}));
  WrrCursor cursor;
  WrrCursor reference;
  FastRandom random(3);
  for (int i = 0; i < 9; ++i) {
    EXPECT_EQ(set->pick(std::nullopt, cursor, random), set->pick_wrr(reference));
  }
  EXPECT_EQ(cursor.next, reference.next);
  EXPECT_NE(cursor.next, 0U);
}

TEST(DispatcherSetPick, NonHashSetsHaveNoTable) {
  const auto set = must_build(spec_of(Algorithm::WeightedRoundRobin, {dest(1)}));
  EXPECT_TRUE(set->maglev_table().empty());
  EXPECT_EQ(set->pick_hash(42), nullptr);
}

TEST(DispatcherSetPick, WrrIgnoresTheKey) {
  const auto set = must_build(spec_of(Algorithm::WeightedRoundRobin, {dest(1), dest(2)}));
  WrrCursor cursor;
  FastRandom random(3);
  EXPECT_EQ(set->pick(std::uint64_t{7}, cursor, random)->index, 0);
  EXPECT_EQ(set->pick(std::uint64_t{7}, cursor, random)->index, 1);
}

TEST(DispatcherSetPick, WrrWeightsOneToTwoAreExactPerPeriod) {
  const auto set = must_build(spec_of(Algorithm::WeightedRoundRobin, {dest(1, 1), dest(2, 2)}));
  std::map<std::uint16_t, int> count;
  WrrCursor cursor;
  for (int i = 0; i < 3000; ++i) {
    ++count[set->pick_wrr(cursor)->index];
  }
  EXPECT_EQ(count[0], 1000);
  EXPECT_EQ(count[1], 2000);
}

TEST(DispatcherSetPick, RandomFollowsWeights) {
  const auto set = must_build(spec_of(Algorithm::Random, {dest(1, 1), dest(2, 2)}));
  WrrCursor cursor;
  FastRandom random(11);
  std::map<std::uint16_t, int> count;
  constexpr int kPicks = 300000;
  for (int i = 0; i < kPicks; ++i) {
    ++count[set->pick(std::nullopt, cursor, random)->index];
  }
  EXPECT_NEAR(static_cast<double>(count[1]) / count[0], 2.0, 0.04);
  EXPECT_EQ(cursor.next, 0U);  // random does not touch the round-robin cursor
}

TEST(DispatcherSetPick, RandomMapsTheWholeU32Range) {
  const auto set = must_build(spec_of(Algorithm::Random, {dest(1), dest(2), dest(3)}));
  EXPECT_EQ(set->pick_random(0)->index, set->destinations()[set->wrr_schedule().front()].index);
  EXPECT_EQ(set->pick_random(0xFFFFFFFFU)->index, set->destinations()[set->wrr_schedule().back()].index);
}

TEST(DispatcherSetPick, FirstEntryTakesFirstActiveOfTheGroup) {
  const auto spec = spec_of(Algorithm::FirstEntry, {dest(1, 1, 0), dest(2, 1, 4), dest(3, 1, 4)});
  const auto set = must_build(spec);
  WrrCursor cursor;
  FastRandom random(1);
  EXPECT_EQ(set->pick(std::uint64_t{1}, cursor, random)->index, 1);
  const bool second_down[] = {true, false, true};
  EXPECT_EQ(set->with_state(second_down).set->pick_first()->index, 2);
  const bool group_down[] = {true, false, false};
  EXPECT_EQ(set->with_state(group_down).set->pick_first()->index, 0);
}

// ---- the consistent-hashing targets ---------------------------------------

TEST(DispatcherSetConsistency, OneOfTenDownMovesAboutATenth) {
  std::vector<DestinationSpec> ten;
  for (std::uint32_t i = 0; i < 10; ++i) {
    ten.push_back(dest(i + 1));
  }
  const auto all_up = must_build(spec_of(Algorithm::HashCallId, ten));
  bool up[10];
  std::fill(std::begin(up), std::end(up), true);
  up[6] = false;
  const auto one_down = all_up->with_state(up).set;
  ASSERT_NE(one_down, nullptr);

  const auto& keys = call_id_keys();
  std::size_t moved = 0;
  std::size_t moved_from_survivors = 0;
  std::vector<std::size_t> load(10, 0);
  for (const auto key : keys) {
    const auto before = all_up->pick_hash(key)->index;
    const auto after = one_down->pick_hash(key)->index;
    ASSERT_NE(after, 6);
    ++load[after];
    if (before != after) {
      ++moved;
      moved_from_survivors += before != 6 ? 1 : 0;
    }
  }
  const double n = static_cast<double>(keys.size());
  EXPECT_LE(static_cast<double>(moved) / n, 0.11);
  EXPECT_GE(static_cast<double>(moved) / n, 0.09);  // the failed one's calls must move
  EXPECT_LE(static_cast<double>(moved_from_survivors) / n, 0.01);
  const double mean = n / 9.0;
  EXPECT_LE(static_cast<double>(*std::max_element(load.begin(), load.end())) / mean, 1.05);

  // Coming back restores the original mapping exactly.
  const auto restored = one_down->with_state({}).set;
  for (std::size_t i = 0; i < keys.size(); i += 97) {
    EXPECT_EQ(restored->pick_hash(keys[i])->index, all_up->pick_hash(keys[i])->index);
  }
}

TEST(DispatcherSetConsistency, WeightsOneToTwoShareWithinTwoPercent) {
  const auto set = must_build(spec_of(Algorithm::HashToUri, {dest(1, 1), dest(2, 2)}));
  const auto& keys = call_id_keys();
  std::size_t heavy = 0;
  for (const auto key : keys) {
    heavy += set->pick_hash(key)->index == 1 ? 1 : 0;
  }
  const double share = static_cast<double>(heavy) / static_cast<double>(keys.size());
  EXPECT_NEAR(share, 2.0 / 3.0, 0.02 * 2.0 / 3.0);
}

TEST(DispatcherSetConsistency, ThirtyTwoBitKeysWorkToo) {
  // A caller passing a 32-bit hash (upper half zero) still spreads evenly.
  const auto set = must_build(spec_of(Algorithm::HashRequestUri, {dest(1), dest(2), dest(3), dest(4)}));
  std::vector<std::size_t> load(4, 0);
  FastRandom r(5);
  constexpr int kKeys = 200000;
  for (int i = 0; i < kKeys; ++i) {
    ++load[set->pick_hash(r.next_u32())->index];
  }
  for (const auto l : load) {
    EXPECT_NEAR(static_cast<double>(l), kKeys / 4.0, kKeys / 4.0 * 0.03);
  }
}

}  // namespace
}  // namespace sipedge::dispatch
