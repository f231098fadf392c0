#include "limit/prefix_rules.h"

#include <algorithm>

namespace sipedge::limit {

LimitError PrefixRules::build(std::span<const PrefixRuleSpec> rules, PrefixRules& out, std::size_t* bad_rule) {
  auto fail = [bad_rule](LimitError error, std::size_t at) {
    if (bad_rule != nullptr) {
      *bad_rule = at;
    }
    return error;
  };
  if (rules.size() > kMaxPrefixRules) {
    return fail(LimitError::TooManyRules, kMaxPrefixRules);
  }
  std::vector<Entry> entries;
  entries.reserve(rules.size());
  for (std::size_t i = 0; i < rules.size(); ++i) {
    const auto& r = rules[i];
    if (r.length > 32) {
      return fail(LimitError::PrefixTooLong, i);
    }
    const std::uint32_t mask = mask_of(r.length);
    if ((r.prefix & ~mask) != 0) {
      return fail(LimitError::HostBitsSet, i);
    }
    for (const auto& e : entries) {
      if (e.network == r.prefix && e.length == r.length) {
        return fail(LimitError::DuplicatePrefix, i);
      }
    }
    entries.push_back(Entry{.network = r.prefix, .mask = mask, .index = static_cast<std::uint16_t>(i), .length = r.length});
  }
  // Longest first; equal lengths cannot overlap, so their order is free.
  std::stable_sort(entries.begin(), entries.end(), [](const Entry& a, const Entry& b) { return a.length > b.length; });
  out.entries_ = std::move(entries);
  return LimitError::Ok;
}

}  // namespace sipedge::limit
