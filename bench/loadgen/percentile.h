// Nearest-rank percentiles (the same rule as bench/lib/step_stats.py, so the
// loadgen's and sipp's rows in one report compare like for like).
#pragma once

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>

namespace sipedge::loadgen {

// `sorted` ascending; q in [0, 1]. Nothing for an empty sample.
inline std::optional<std::uint32_t> percentile(std::span<const std::uint32_t> sorted, double q) {
  if (sorted.empty()) return std::nullopt;
  const double rank = std::ceil(q * static_cast<double>(sorted.size())) - 1;
  const std::size_t k = rank <= 0 ? 0 : std::min(sorted.size() - 1, static_cast<std::size_t>(rank));
  return sorted[k];
}

}  // namespace sipedge::loadgen
