#include "dispatch/wrr_schedule.h"

#include <algorithm>
#include <numeric>

namespace sipedge::dispatch {

std::vector<std::uint16_t> build_wrr_schedule(std::span<const WrrMember> members) {
  std::vector<std::uint16_t> schedule;
  if (members.empty()) {
    return schedule;
  }
  std::uint32_t divisor = 0;
  for (const auto& m : members) {
    divisor = std::gcd(divisor, static_cast<std::uint32_t>(m.weight));
  }
  divisor = std::max<std::uint32_t>(divisor, 1);
  std::vector<std::int64_t> weights;
  weights.reserve(members.size());
  std::uint64_t total = 0;
  for (const auto& m : members) {
    weights.push_back(m.weight / divisor);
    total += static_cast<std::uint64_t>(m.weight / divisor);
  }
  if (total > kMaxWrrScheduleLength) {
    const std::uint64_t exact_total = total;
    total = 0;
    for (auto& w : weights) {
      w = std::max<std::int64_t>(1, static_cast<std::int64_t>(static_cast<std::uint64_t>(w) *
                                                               kMaxWrrScheduleLength / exact_total));
      total += static_cast<std::uint64_t>(w);
    }
  }
  schedule.reserve(total);
  std::vector<std::int64_t> current(members.size(), 0);
  const auto signed_total = static_cast<std::int64_t>(total);
  for (std::uint64_t step = 0; step < total; ++step) {
    std::size_t best = 0;
    for (std::size_t i = 0; i < members.size(); ++i) {
      current[i] += weights[i];
      if (current[i] > current[best]) {
        best = i;
      }
    }
    current[best] -= signed_total;
    schedule.push_back(members[best].value);
  }
  return schedule;
}

}  // namespace sipedge::dispatch
