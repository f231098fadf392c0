#pragma once
// sipedge::cp::StatsHistory — the dataplane's calls per second and CPS
// breaches per second over the last kHistorySeconds, built from the
// cumulative `calls` and `cps_breaches` counters that sipedge-cp reads over
// the punt channel (STATS) about once a second.
//
// The ring is indexed by unix second; a slot holds the second it belongs to,
// so a second without a reading (dataplane down, a reply lost) reads as a gap
// and old seconds fall out by being overwritten (wrap). Deltas:
//   - the first reading after break_series() (start, reconnect) only sets the
//     baseline: nothing is known about the seconds before it;
//   - readings up to kMaxSpreadSeconds apart spread the delta evenly over the
//     seconds in between (a late timer is not a gap); further apart: a gap;
//   - two readings within one second add up in that second;
//   - a counter lower than the baseline means the dataplane restarted: the
//     new value is what it counted since (Prometheus rate() semantics).
//
// Thread-safety: none (the event loop thread). Errors: none; any reading is
// accepted, a reading older than the last one is ignored. No allocation
// after construction except in series().
#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <vector>

namespace sipedge::cp {

inline constexpr std::size_t kHistorySeconds = 900;  // 15 minutes
inline constexpr std::int64_t kMaxSpreadSeconds = 5;

struct SecondSample {
  std::uint64_t calls = 0;
  std::uint64_t breaches = 0;
};

class StatsHistory {
 public:
  // A reading of the cumulative counters taken at unix second `now_s`.
  void record(std::int64_t now_s, std::uint64_t calls, std::uint64_t breaches);
  // The next reading only sets the baseline (the dataplane went away).
  void break_series() { have_baseline_ = false; }

  // The sample of unix second `s`, or nullopt for a gap or a second that
  // left the window.
  std::optional<SecondSample> at(std::int64_t s) const;
  // The last second a reading was recorded for (0 before any).
  std::int64_t last_second() const { return last_s_; }
  // The last complete second's sample, nullopt when it is a gap.
  std::optional<SecondSample> current() const { return at(last_s_); }

  // kHistorySeconds samples ending at `end_s`, oldest first.
  std::vector<std::optional<SecondSample>> series(std::int64_t end_s) const;

 private:
  struct Slot {
    std::int64_t second = -1;
    SecondSample sample;
  };
  void add(std::int64_t s, std::uint64_t calls, std::uint64_t breaches);

  std::array<Slot, kHistorySeconds> ring_{};
  bool have_baseline_ = false;
  std::int64_t last_s_ = 0;
  std::uint64_t last_calls_ = 0;
  std::uint64_t last_breaches_ = 0;
};

}  // namespace sipedge::cp
