#include "cp/health.h"

#include <charconv>

namespace sipedge::cp {

AnnounceReason judge(const HealthInputs& in) {
  if (!in.dataplane_connected) return AnnounceReason::dataplane_down;
  if (!in.workers_polling) return AnnounceReason::worker_stalled;
  if (!in.store_reachable) return AnnounceReason::store_down;
  if (!in.destinations_enough) return AnnounceReason::destinations_down;
  if (in.draining) return AnnounceReason::draining;
  return AnnounceReason::healthy;
}

bool HealthVerdict::update(const HealthInputs& in, std::int64_t now_us) {
  const AnnounceReason verdict = judge(in);
  const bool healthy = verdict == AnnounceReason::healthy;
  if (healthy && !healthy_) healthy_since_us_ = now_us;
  healthy_ = healthy;
  if (!healthy) {
    const bool changed = announced_;
    announced_ = false;
    if (changed) ++transitions_[static_cast<std::size_t>(verdict)];
    reason_ = verdict;
    return changed;
  }
  if (announced_ || now_us - healthy_since_us_ < hold_down_us_) {
    if (!announced_) reason_ = AnnounceReason::healthy;
    return false;
  }
  announced_ = true;
  reason_ = AnnounceReason::healthy;
  ++transitions_[static_cast<std::size_t>(AnnounceReason::healthy)];
  return true;
}

std::int64_t HealthVerdict::hold_down_left_us(std::int64_t now_us) const {
  if (announced_ || !healthy_) return 0;
  const std::int64_t left = healthy_since_us_ + hold_down_us_ - now_us;
  return left > 0 ? left : 0;
}

void WorkerHeartbeat::reset() {
  workers_.clear();
  seen_ = false;
}

namespace {

// n of "worker_<n>_poll_cycles", or -1.
int worker_of(std::string_view name) {
  constexpr std::string_view kPrefix = "worker_", kSuffix = "_poll_cycles";
  if (!name.starts_with(kPrefix) || !name.ends_with(kSuffix)) return -1;
  name.remove_prefix(kPrefix.size());
  name.remove_suffix(kSuffix.size());
  int n = -1;
  const auto [end, ec] = std::from_chars(name.data(), name.data() + name.size(), n);
  return ec == std::errc{} && end == name.data() + name.size() && n >= 0 && n < 1024 ? n : -1;
}

}  // namespace

void WorkerHeartbeat::on_stats(const std::vector<std::string>& names, const std::vector<std::uint64_t>& values,
                               std::int64_t now_us) {
  std::vector<Worker> next;
  for (std::size_t i = 0; i < names.size() && i < values.size(); ++i) {
    const int n = worker_of(names[i]);
    if (n < 0) continue;
    if (next.size() <= static_cast<std::size_t>(n)) next.resize(static_cast<std::size_t>(n) + 1);
    Worker& w = next[static_cast<std::size_t>(n)];
    w.last = values[i];
    if (seen_ && static_cast<std::size_t>(n) < workers_.size()) {
      const Worker& before = workers_[static_cast<std::size_t>(n)];
      w.progressed_us = values[i] != before.last ? now_us : before.progressed_us;
    }
  }
  workers_ = std::move(next);
  seen_ = true;
}

std::size_t WorkerHeartbeat::stalled(std::int64_t now_us) const {
  std::size_t n = 0;
  for (const auto& w : workers_)
    if (w.progressed_us < 0 || now_us - w.progressed_us > timeout_us_) ++n;
  return n;
}

bool WorkerHeartbeat::polling(std::int64_t now_us) const { return !workers_.empty() && stalled(now_us) == 0; }

}  // namespace sipedge::cp
