#include "cp/stats_history.h"

namespace sipedge::cp {
namespace {

std::size_t slot_of(std::int64_t s) {
  const auto n = static_cast<std::int64_t>(kHistorySeconds);
  return static_cast<std::size_t>(((s % n) + n) % n);
}

// A counter that went down was reset: everything since the reset is new.
std::uint64_t delta(std::uint64_t now, std::uint64_t before) { return now >= before ? now - before : now; }

}  // namespace

void StatsHistory::add(std::int64_t s, std::uint64_t calls, std::uint64_t breaches) {
  Slot& slot = ring_[slot_of(s)];
  if (slot.second != s) slot = {s, {}};
  slot.sample.calls += calls;
  slot.sample.breaches += breaches;
}

void StatsHistory::record(std::int64_t now_s, std::uint64_t calls, std::uint64_t breaches) {
  if (have_baseline_ && now_s < last_s_) return;
  if (have_baseline_) {
    const std::int64_t elapsed = now_s - last_s_;
    const std::uint64_t dc = delta(calls, last_calls_);
    const std::uint64_t db = delta(breaches, last_breaches_);
    if (elapsed == 0) {
      add(now_s, dc, db);
    } else if (elapsed <= kMaxSpreadSeconds) {
      // Evenly over the seconds (last_s_, now_s]; the remainder to the newest.
      const auto k = static_cast<std::uint64_t>(elapsed);
      for (std::int64_t s = last_s_ + 1; s <= now_s; ++s) {
        const bool newest = s == now_s;
        add(s, dc / k + (newest ? dc % k : 0), db / k + (newest ? db % k : 0));
      }
    }
    // Further apart: the seconds in between stay gaps, this reading is the new baseline.
  }
  // The baseline's own second exists (zero) only once a delta lands in it;
  // a fresh baseline leaves it a gap.
  have_baseline_ = true;
  last_s_ = now_s;
  last_calls_ = calls;
  last_breaches_ = breaches;
}

std::optional<SecondSample> StatsHistory::at(std::int64_t s) const {
  const Slot& slot = ring_[slot_of(s)];
  if (slot.second != s) return std::nullopt;
  return slot.sample;
}

std::vector<std::optional<SecondSample>> StatsHistory::series(std::int64_t end_s) const {
  std::vector<std::optional<SecondSample>> out;
  out.reserve(kHistorySeconds);
  for (std::int64_t s = end_s - static_cast<std::int64_t>(kHistorySeconds) + 1; s <= end_s; ++s) out.push_back(at(s));
  return out;
}

}  // namespace sipedge::cp
