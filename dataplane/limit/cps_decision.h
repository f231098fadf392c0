#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <string_view>

namespace sipedge::limit {

// What the CPS check says about one initial request. The caller counts
// (per worker, single writer) and answers 503 or drops on a breach.
#define SIPEDGE_CPS_DECISIONS(X)      \
  X(Allow, "allow")                   \
  X(BreachGlobal, "breach_global")    \
  X(BreachSource, "breach_source")    \
  X(BreachRule, "breach_rule")        \
  X(Exempt, "exempt")

enum class CpsDecision : std::uint8_t {
#define SIPEDGE_X(id, text) id,
  SIPEDGE_CPS_DECISIONS(SIPEDGE_X)
#undef SIPEDGE_X
};

inline constexpr std::size_t kCpsDecisionCount = 0
#define SIPEDGE_X(id, text) +1
    SIPEDGE_CPS_DECISIONS(SIPEDGE_X)
#undef SIPEDGE_X
    ;

inline constexpr std::array<std::string_view, kCpsDecisionCount> kCpsDecisionNames = {
#define SIPEDGE_X(id, text) std::string_view{text},
    SIPEDGE_CPS_DECISIONS(SIPEDGE_X)
#undef SIPEDGE_X
};

[[nodiscard]] constexpr std::string_view name(CpsDecision decision) noexcept {
  const auto i = static_cast<std::size_t>(decision);
  return i < kCpsDecisionCount ? kCpsDecisionNames[i] : std::string_view{"unknown"};
}

[[nodiscard]] constexpr bool admitted(CpsDecision decision) noexcept {
  return decision == CpsDecision::Allow || decision == CpsDecision::Exempt;
}

}  // namespace sipedge::limit
