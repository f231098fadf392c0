#include "timer_wheel.h"

namespace sipedge::loadgen {

namespace {

std::uint32_t power_of_two_at_least(std::uint32_t n) {
  std::uint32_t p = 1;
  while (p < n) p <<= 1;
  return p;
}

}  // namespace

TimerWheel::TimerWheel(std::uint32_t capacity, std::uint32_t slots, std::uint64_t start_tick)
    : heads_(power_of_two_at_least(slots), kNone),
      next_(capacity, kNone),
      prev_(capacity, kNone),
      deadline_(capacity, 0),
      slot_(capacity, 0),
      armed_(capacity, 0),
      mask_(heads_.size() - 1),
      next_tick_(start_tick) {}

void TimerWheel::schedule(std::uint32_t id, std::uint64_t deadline) {
  if (armed_[id]) unlink(id);
  deadline_[id] = deadline;
  const std::uint64_t tick = deadline < next_tick_ ? next_tick_ : deadline;
  slot_[id] = static_cast<std::uint32_t>(tick & mask_);
  std::uint32_t& head = heads_[slot_[id]];
  // At the head: an id rescheduled by fire() into the slot being walked is
  // not met again in the same walk.
  prev_[id] = kNone;
  next_[id] = head;
  if (head != kNone) prev_[head] = id;
  head = id;
  armed_[id] = 1;
  ++armed_count_;
}

void TimerWheel::cancel(std::uint32_t id) {
  if (armed_[id]) unlink(id);
}

void TimerWheel::unlink(std::uint32_t id) {
  if (prev_[id] != kNone) {
    next_[prev_[id]] = next_[id];
  } else {
    heads_[slot_[id]] = next_[id];
  }
  if (next_[id] != kNone) prev_[next_[id]] = prev_[id];
  next_[id] = prev_[id] = kNone;
  armed_[id] = 0;
  --armed_count_;
}

}  // namespace sipedge::loadgen
