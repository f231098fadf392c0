#include "limit/source_table.h"

#include <bit>

namespace sipedge::limit {

LimitError SourceTable::create(std::size_t capacity, const BucketConfig& config, std::uint64_t seed,
                               std::unique_ptr<SourceTable>& out) {
  if (capacity == 0) {
    return LimitError::ZeroCapacity;
  }
  if (capacity > kMaxSourceTableCapacity) {
    return LimitError::CapacityTooLarge;
  }
  out.reset(new SourceTable(capacity, config, seed));
  return LimitError::Ok;
}

SourceTable::SourceTable(std::size_t capacity, const BucketConfig& config, std::uint64_t seed)
    : config_(config),
      mask_(std::bit_ceil(std::max(capacity, kSourceProbeWindow)) - 1),
      seed_(seed),
      slots_(new Slot[mask_ + 1]) {}

BucketState& SourceTable::bucket(std::uint32_t ipv4, std::uint64_t now) noexcept {
  const std::size_t start = home(ipv4);
  std::size_t stalest = start;
  for (std::size_t i = 0; i < kSourceProbeWindow; ++i) {
    Slot& slot = slots_[(start + i) & mask_];
    if (slot.used == 0) {
      slot = Slot{.state = full_bucket(config_, now), .key = ipv4, .used = 1};
      ++size_;
      ++stats_.inserts;
      return slot.state;
    }
    if (slot.key == ipv4) {
      refill(config_, slot.state, now);
      return slot.state;
    }
    if (slot.state.last < slots_[stalest].state.last) {
      stalest = (start + i) & mask_;
    }
  }
  Slot& victim = slots_[stalest];
  const bool stale = now >= victim.state.last && now - victim.state.last >= config_.fill_ticks;
  ++(stale ? stats_.stale_evictions : stats_.live_evictions);
  victim = Slot{.state = full_bucket(config_, now), .key = ipv4, .used = 1};
  return victim.state;
}

const BucketState* SourceTable::find(std::uint32_t ipv4) const noexcept {
  const std::size_t start = home(ipv4);
  for (std::size_t i = 0; i < kSourceProbeWindow; ++i) {
    const Slot& slot = slots_[(start + i) & mask_];
    if (slot.used == 0) {
      return nullptr;
    }
    if (slot.key == ipv4) {
      return &slot.state;
    }
  }
  return nullptr;
}

}  // namespace sipedge::limit
