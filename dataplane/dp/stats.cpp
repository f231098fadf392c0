#include "dp/stats.h"

#include "sip/error.h"

namespace sipedge::dp {

std::vector<std::string> stat_names(const config::Config& config) {
  std::vector<std::string> names;
  for (auto n : proxy::kOutcomeNames) names.emplace_back(n);
  names.insert(names.end(), {"calls", "cps_breaches", "nat_detected"});
  for (auto n : sip::kParseErrorNames) names.push_back("parse_" + std::string(n));
  for (auto n : kDpCounterNames) names.emplace_back(n);
  for (auto n : net::kDropReasonNames) names.push_back("drop_" + std::string(n));
  for (const auto& set : config.sets)
    for (std::size_t d = 0; d < set.destinations.size(); ++d) names.push_back("dest_" + set.name + "_" + std::to_string(d));
  for (std::size_t w = 0; w < config.dataplane.worker_lcores.size(); ++w)
    names.push_back("worker_" + std::to_string(w) + "_poll_cycles");
  return names;
}

void stat_values(const config::Config& config, std::span<const StatSource> sources, std::vector<std::uint64_t>& out) {
  std::size_t named_destinations = 0;
  for (const auto& set : config.sets) named_destinations += set.destinations.size();
  const std::size_t destinations = std::min(named_destinations, proxy::kMaxCountedDestinations);
  const std::size_t workers_at =
      proxy::kOutcomeCount + 3 + sip::kParseErrorCount + kDpCounterCount + net::kDropReasonCount + named_destinations;
  const std::size_t workers = config.dataplane.worker_lcores.size();
  out.assign(workers_at + workers, 0);
  for (const auto& s : sources) {
    std::size_t i = 0;
    if (s.sip) {
      for (const auto& c : s.sip->outcomes) out[i++] += c.get();
      out[i++] += s.sip->calls.get();
      out[i++] += s.sip->cps_breaches.get();
      out[i++] += s.sip->nat_detected.get();
      for (const auto& c : s.sip->parse_errors) out[i++] += c.get();
    } else {
      i += proxy::kOutcomeCount + 3 + sip::kParseErrorCount;
    }
    if (s.dp) {
      for (const auto& c : s.dp->dp) out[i++] += c.get();
      for (const auto& c : s.dp->drops) out[i++] += c.get();
    } else {
      i += kDpCounterCount + net::kDropReasonCount;
    }
    if (s.sip)
      for (std::size_t d = 0; d < destinations; ++d) out[i + d] += s.sip->destination_requests[d].get();
    if (s.dp && s.worker >= 0 && static_cast<std::size_t>(s.worker) < workers)
      out[workers_at + static_cast<std::size_t>(s.worker)] += s.dp->dp[static_cast<std::size_t>(DpCounter::poll_cycles)].get();
  }
}

}  // namespace sipedge::dp
