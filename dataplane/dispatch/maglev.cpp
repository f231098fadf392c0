#include "dispatch/maglev.h"

#include <algorithm>

namespace sipedge::dispatch {
namespace {

constexpr std::uint16_t kEmpty = 0xFFFF;
constexpr std::uint64_t kOffsetSeed = 0x5EED0FF5E7000001ULL;
constexpr std::uint64_t kSkipSeed = 0x5EED05C1B0000002ULL;

struct Walker {
  std::uint64_t position;  // current slot in this member's permutation
  std::uint64_t skip;      // 1..table_size-1; coprime with a prime table size
  std::uint32_t credit;    // weighted turn-taking, see the header
};

}  // namespace

std::vector<std::uint16_t> build_maglev_table(std::span<const MaglevMember> members, std::uint32_t table_size) {
  // `value` 0xFFFF marks an empty slot while filling, so it cannot be a value;
  // callers index at most kMaxDestinations members, far below it.
  std::vector<std::uint16_t> table(table_size, kEmpty);
  if (members.empty() || table_size < 2) {
    return table;
  }
  std::uint16_t max_weight = 1;
  for (const auto& m : members) {
    max_weight = std::max(max_weight, m.weight);
  }
  std::vector<Walker> walkers;
  walkers.reserve(members.size());
  for (const auto& m : members) {
    walkers.push_back(Walker{
        .position = mix64(m.identity ^ kOffsetSeed) % table_size,
        .skip = mix64(m.identity ^ kSkipSeed) % (table_size - 1) + 1,
        .credit = 0,
    });
  }
  std::uint32_t filled = 0;
  while (true) {
    for (std::size_t i = 0; i < members.size(); ++i) {
      auto& w = walkers[i];
      w.credit += members[i].weight;
      if (w.credit < max_weight) {
        continue;
      }
      w.credit -= max_weight;
      // Next unclaimed slot in this member's preference list. The skip is
      // coprime with the prime table size, so the walk visits every slot and
      // terminates while any slot is empty.
      while (table[w.position] != kEmpty) {
        w.position += w.skip;
        if (w.position >= table_size) {
          w.position -= table_size;
        }
      }
      table[w.position] = members[i].value;
      if (++filled == table_size) {
        return table;
      }
    }
  }
}

}  // namespace sipedge::dispatch
