#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <vector>

#include "dispatch/algorithm.h"
#include "dispatch/build_error.h"
#include "dispatch/destination.h"
#include "dispatch/fast_random.h"
#include "dispatch/maglev.h"
#include "dispatch/wrr_schedule.h"

namespace sipedge::dispatch {

inline constexpr std::size_t kMaxDestinations = 1024;

// Plain input the config glue fills; this library knows nothing of TOML.
struct DispatcherSetSpec {
  Algorithm algorithm = Algorithm::HashCallId;
  std::uint32_t maglev_table_size = kDefaultMaglevTableSize;  // prime; used by hash algorithms
  std::vector<DestinationSpec> destinations;
};

// An immutable dispatcher set for one combination of destinations and their
// up/down state.
//
// Selection: the active members are the destinations that are enabled and
// up; the highest priority that has an active member is the chosen group;
// only that group's active members are picked from, in proportion to weight.
// Hash algorithms go through a weighted Maglev table over the group (falling
// back to weighted round robin when the request has no key), round robin
// walks an interleaved schedule, random indexes the same schedule, first
// entry takes the group's first active member in spec order.
//
// Lifecycle: built on the main lcore (allocates; cold). When a destination
// goes up or down, with_state() builds a new set and the dataplane swaps the
// pointer under RCU; a built set is never modified, so any number of
// workers may pick from it concurrently.
//
// Hot path: every pick_* is noexcept, allocation-free and lock-free; a
// returned pointer stays valid as long as the set does. nullptr means no
// active destination (or pick_hash on a set without a table).
class DispatcherSet {
 public:
  struct BuildResult {
    BuildError error = BuildError::Ok;
    std::unique_ptr<const DispatcherSet> set;  // null unless error == Ok
  };

  // `up` is empty (all up) or has one entry per spec destination.
  [[nodiscard]] static BuildResult build(const DispatcherSetSpec& spec, std::span<const bool> up = {});

  // The same spec with another up/down state: a new set to swap in.
  [[nodiscard]] BuildResult with_state(std::span<const bool> up) const;

  // Dispatches on the algorithm. Hash algorithms use `key` (the caller's
  // hash of the header the algorithm names, or nullopt when the request
  // lacks it, which falls back to round robin). `cursor` and `random` are
  // the calling worker's own.
  // Inline on purpose: an out-of-line call takes the optional through memory
  // and costs a store-forwarding stall (about 5 ns) per pick.
  [[nodiscard]] const Destination* pick(std::optional<std::uint64_t> key, WrrCursor& cursor,
                                        FastRandom& random) const noexcept {
    switch (spec_.algorithm) {
      case Algorithm::HashCallId:
      case Algorithm::HashFromUri:
      case Algorithm::HashToUri:
      case Algorithm::HashRequestUri:
      case Algorithm::HashAuthUsername:
        return key ? pick_hash(*key) : pick_wrr(cursor);
      case Algorithm::WeightedRoundRobin:
        return pick_wrr(cursor);
      case Algorithm::Random:
        return pick_random(random.next_u32());
      case Algorithm::FirstEntry:
        return pick_first();
    }
    return nullptr;
  }

  // Maglev lookup; only sets with a hash algorithm have a table.
  [[nodiscard]] const Destination* pick_hash(std::uint64_t key) const noexcept {
    if (table_.empty()) {
      return nullptr;
    }
    return &destinations_[table_[maglev_slot(key, static_cast<std::uint32_t>(table_.size()))]];
  }

  [[nodiscard]] const Destination* pick_wrr(WrrCursor& cursor) const noexcept {
    if (schedule_.empty()) {
      return nullptr;
    }
    return &destinations_[next_in_schedule(schedule_, cursor)];
  }

  // Weighted random: `random` is a uniform u32 the caller drew.
  [[nodiscard]] const Destination* pick_random(std::uint32_t random) const noexcept {
    if (schedule_.empty()) {
      return nullptr;
    }
    const auto at = (static_cast<std::uint64_t>(random) * schedule_.size()) >> 32;
    return &destinations_[schedule_[at]];
  }

  [[nodiscard]] const Destination* pick_first() const noexcept {
    return active_.empty() ? nullptr : &destinations_[active_.front()];
  }

  [[nodiscard]] Algorithm algorithm() const noexcept { return spec_.algorithm; }
  [[nodiscard]] const DispatcherSetSpec& spec() const noexcept { return spec_; }
  [[nodiscard]] std::span<const Destination> destinations() const noexcept { return destinations_; }
  [[nodiscard]] bool is_up(std::size_t index) const noexcept { return index < up_.size() && up_[index] != 0; }
  // Positions (spec order) of the chosen group's active members.
  [[nodiscard]] std::span<const std::uint16_t> active() const noexcept { return active_; }
  [[nodiscard]] std::optional<std::uint8_t> active_priority() const noexcept { return active_priority_; }
  [[nodiscard]] std::span<const std::uint16_t> maglev_table() const noexcept { return table_; }
  [[nodiscard]] std::span<const std::uint16_t> wrr_schedule() const noexcept { return schedule_; }

 private:
  DispatcherSet() = default;

  DispatcherSetSpec spec_;
  std::vector<Destination> destinations_;
  std::vector<std::uint8_t> up_;  // per destination, 1 = up
  std::vector<std::uint16_t> active_;
  std::optional<std::uint8_t> active_priority_;
  std::vector<std::uint16_t> table_;     // maglev: positions into destinations_
  std::vector<std::uint16_t> schedule_;  // wrr: positions into destinations_
};

}  // namespace sipedge::dispatch
