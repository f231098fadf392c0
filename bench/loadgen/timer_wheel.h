// A hashed timing wheel over a fixed set of ids (call slots, pending
// responses): schedule, cancel and expiry in O(1) per timer, no allocation
// after construction. A tick is whatever unit the caller counts deadlines in
// (the loadgen uses milliseconds). Deadlines further away than the wheel's
// span stay in their slot and are skipped until their turn comes round.
//
// Thread-safety: one thread. `fire` may reschedule or cancel only the id it
// was called for.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace sipedge::loadgen {

class TimerWheel {
 public:
  static constexpr std::uint32_t kNone = UINT32_MAX;

  // `slots` is rounded up to a power of two. `start_tick`: the first tick
  // advance() will visit.
  TimerWheel(std::uint32_t capacity, std::uint32_t slots, std::uint64_t start_tick);

  // Arms (or re-arms) `id` for `deadline`; a deadline already past fires at
  // the next advance().
  void schedule(std::uint32_t id, std::uint64_t deadline);
  void cancel(std::uint32_t id);
  bool armed(std::uint32_t id) const { return armed_[id] != 0; }
  std::size_t armed_count() const { return armed_count_; }

  // Disarms and fires every timer whose deadline is <= now.
  template <typename Fire>
  void advance(std::uint64_t now, Fire&& fire) {
    if (now < next_tick_) return;
    // A long stall visits each slot once rather than every missed tick.
    const std::uint64_t ticks = now - next_tick_ + 1;
    const std::uint64_t visits = ticks < heads_.size() ? ticks : heads_.size();
    const std::uint64_t first = next_tick_;
    next_tick_ = now + 1;  // schedules from fire() land after the slot being walked
    for (std::uint64_t t = 0; t < visits; ++t) {
      std::uint32_t id = heads_[(first + t) & mask_];
      while (id != kNone) {
        const std::uint32_t following = next_[id];
        if (deadline_[id] <= now) {
          unlink(id);
          fire(id);
        }
        id = following;
      }
    }
  }

 private:
  void unlink(std::uint32_t id);

  std::vector<std::uint32_t> heads_;
  std::vector<std::uint32_t> next_;
  std::vector<std::uint32_t> prev_;
  std::vector<std::uint64_t> deadline_;
  std::vector<std::uint32_t> slot_;  // the slot an armed id is linked in
  std::vector<std::uint8_t> armed_;
  std::uint64_t mask_ = 0;
  std::uint64_t next_tick_ = 0;
  std::size_t armed_count_ = 0;
};

}  // namespace sipedge::loadgen
