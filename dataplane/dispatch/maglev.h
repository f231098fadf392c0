#pragma once

#include <cstdint>
#include <span>
#include <vector>

namespace sipedge::dispatch {

// Maglev consistent hashing (Eisenbud et al., "Maglev: A Fast and Reliable
// Software Network Load Balancer", NSDI 2016, section 3.4), weighted the way
// Katran does it: in each round of the population loop a member takes a turn
// in proportion to weight / max_weight, so table shares follow the weights.
//
// Each member walks its own permutation of the table, derived from a stable
// identity (its address, not its position), so removing one member leaves the
// others' preferences untouched and moves little more than the removed
// member's slots.

inline constexpr std::uint32_t kDefaultMaglevTableSize = 65537;
inline constexpr std::uint32_t kMaxMaglevTableSize = 1U << 24;

struct MaglevMember {
  std::uint64_t identity = 0;  // stable across rebuilds; see maglev_identity()
  std::uint16_t weight = 1;    // > 0
  std::uint16_t value = 0;     // what the table stores for this member
};

[[nodiscard]] constexpr bool is_prime(std::uint32_t n) noexcept {
  if (n < 2) {
    return false;
  }
  if (n % 2 == 0) {
    return n == 2;
  }
  for (std::uint32_t d = 3; static_cast<std::uint64_t>(d) * d <= n; d += 2) {
    if (n % d == 0) {
      return false;
    }
  }
  return true;
}

// splitmix64 finaliser: a full-avalanche 64-bit mix.
[[nodiscard]] constexpr std::uint64_t mix64(std::uint64_t z) noexcept {
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
  return z ^ (z >> 31);
}

[[nodiscard]] constexpr std::uint64_t maglev_identity(std::uint32_t ipv4, std::uint16_t port) noexcept {
  return mix64((static_cast<std::uint64_t>(ipv4) << 16) | port);
}

// Maps a caller's key hash onto [0, table_size). The key is remixed first so
// that a weak or 32-bit caller hash still spreads over the whole table; the
// reduction is Lemire's multiply-shift, which avoids a division per packet.
[[nodiscard]] constexpr std::uint32_t maglev_slot(std::uint64_t key, std::uint32_t table_size) noexcept {
  key ^= key >> 29;
  key *= 0x9E3779B97F4A7C15ULL;
  const auto high = static_cast<std::uint32_t>(key >> 32);
  return static_cast<std::uint32_t>((static_cast<std::uint64_t>(high) * table_size) >> 32);
}

// Fills a table of `table_size` entries (prime, > members.size()) with
// member values. Members must be non-empty with non-zero weights and
// distinct identities; the caller (DispatcherSet::build) validates that.
// Cold path: allocates, O(table_size * log) for equal weights.
[[nodiscard]] std::vector<std::uint16_t> build_maglev_table(std::span<const MaglevMember> members,
                                                            std::uint32_t table_size);

}  // namespace sipedge::dispatch
