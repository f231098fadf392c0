#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string_view>

namespace sipedge::dispatch {

// One list yields the enum, its names and its count (VPP foreach_* style).
// The names are what logs, stats and sipedgectl show; the config glue may map
// its own spelling onto the enum.
#define SIPEDGE_DISPATCH_ALGORITHMS(X)            \
  X(HashCallId, "hash_call_id")                   \
  X(HashFromUri, "hash_from_uri")                 \
  X(HashToUri, "hash_to_uri")                     \
  X(HashRequestUri, "hash_request_uri")           \
  X(HashAuthUsername, "hash_auth_username")       \
  X(WeightedRoundRobin, "weighted_round_robin")   \
  X(Random, "random")                             \
  X(FirstEntry, "first_entry")

enum class Algorithm : std::uint8_t {
#define SIPEDGE_X(id, text) id,
  SIPEDGE_DISPATCH_ALGORITHMS(SIPEDGE_X)
#undef SIPEDGE_X
};

inline constexpr std::size_t kAlgorithmCount = 0
#define SIPEDGE_X(id, text) +1
    SIPEDGE_DISPATCH_ALGORITHMS(SIPEDGE_X)
#undef SIPEDGE_X
    ;

inline constexpr std::array<std::string_view, kAlgorithmCount> kAlgorithmNames = {
#define SIPEDGE_X(id, text) std::string_view{text},
    SIPEDGE_DISPATCH_ALGORITHMS(SIPEDGE_X)
#undef SIPEDGE_X
};

[[nodiscard]] constexpr std::string_view name(Algorithm algorithm) noexcept {
  const auto i = static_cast<std::size_t>(algorithm);
  return i < kAlgorithmCount ? kAlgorithmNames[i] : std::string_view{"unknown"};
}

[[nodiscard]] constexpr std::optional<Algorithm> algorithm_from_name(std::string_view text) noexcept {
  for (std::size_t i = 0; i < kAlgorithmCount; ++i) {
    if (kAlgorithmNames[i] == text) {
      return static_cast<Algorithm>(i);
    }
  }
  return std::nullopt;
}

// The hash algorithms take a caller-computed key and go through the Maglev
// table; the others ignore the key.
[[nodiscard]] constexpr bool uses_key(Algorithm algorithm) noexcept {
  switch (algorithm) {
    case Algorithm::HashCallId:
    case Algorithm::HashFromUri:
    case Algorithm::HashToUri:
    case Algorithm::HashRequestUri:
    case Algorithm::HashAuthUsername:
      return true;
    case Algorithm::WeightedRoundRobin:
    case Algorithm::Random:
    case Algorithm::FirstEntry:
      return false;
  }
  return false;
}

}  // namespace sipedge::dispatch
