#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <vector>

#include "limit/limit_error.h"

namespace sipedge::limit {

inline constexpr std::size_t kMaxPrefixRules = 1024;

struct PrefixRuleSpec {
  std::uint32_t prefix = 0;  // IPv4 network, host order; bits past `length` must be zero
  std::uint8_t length = 32;  // 0..32
  bool exempt = false;       // true: no CPS limit at all for these sources
  std::uint64_t cps = 0;     // when not exempt: the rule's own rate (aggregate over its sources)
  std::uint64_t burst = 0;   // 0: one second's worth (= cps)
};

// Longest-prefix match over a small rule list: entries sorted by length,
// longest first, scanned until the first hit. Linear, but the list is short
// and contiguous (12 bytes an entry); the dataplane may put rte_lpm in front
// if lists grow. Immutable after build; any number of readers.
class PrefixRules {
 public:
  // Cold. Rejects lengths > 32, host bits set (likely a typo, e.g.
  // 10.1.2.3/8), duplicate prefixes and lists longer than kMaxPrefixRules.
  // On error `bad_rule` names the offending position.
  [[nodiscard]] static LimitError build(std::span<const PrefixRuleSpec> rules, PrefixRules& out,
                                        std::size_t* bad_rule = nullptr);

  // Index (in the spec's order) of the longest matching rule.
  [[nodiscard]] std::optional<std::uint16_t> match(std::uint32_t ipv4) const noexcept {
    for (const auto& e : entries_) {
      if ((ipv4 & e.mask) == e.network) {
        return e.index;
      }
    }
    return std::nullopt;
  }

  [[nodiscard]] std::size_t size() const noexcept { return entries_.size(); }

  [[nodiscard]] static constexpr std::uint32_t mask_of(std::uint8_t length) noexcept {
    return length == 0 ? 0 : ~std::uint32_t{0} << (32 - length);
  }

 private:
  struct Entry {
    std::uint32_t network;
    std::uint32_t mask;
    std::uint16_t index;
    std::uint8_t length;
  };
  std::vector<Entry> entries_;
};

}  // namespace sipedge::limit
