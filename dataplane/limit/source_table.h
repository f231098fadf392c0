#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>

#include "limit/limit_error.h"
#include "limit/token_bucket.h"

namespace sipedge::limit {

inline constexpr std::size_t kMaxSourceTableCapacity = std::size_t{1} << 24;
inline constexpr std::size_t kSourceProbeWindow = 8;

// Per-source token buckets keyed by IPv4 address: a fixed-capacity,
// open-addressing table owned by one worker (RSS keeps a source on one
// worker, so there is no sharing and no atomics). Nothing is allocated after
// construction.
//
// A source lives in one of the kSourceProbeWindow slots from its home slot
// (linear probing). Slots are never emptied, only reused, so a lookup may
// stop at the first empty slot. When the window is full the stalest bucket
// (oldest refill) is replaced. A bucket untouched for fill_ticks is full,
// exactly what a new source gets, so evicting it loses nothing ("stale"
// eviction); evicting a fresher one hands its source a full bucket on return
// ("live" eviction, counted: a sign the table is too small or being
// flooded). The home slot comes from a seeded mix of the address, so an
// outsider cannot aim many addresses at one window without knowing the seed.
class SourceTable {
 public:
  struct Stats {
    std::uint64_t inserts = 0;          // new source in an empty slot
    std::uint64_t stale_evictions = 0;  // replaced a bucket that was full anyway
    std::uint64_t live_evictions = 0;   // replaced a bucket that still held state
  };

  // Cold. Capacity is rounded up to a power of two (>= kSourceProbeWindow).
  [[nodiscard]] static LimitError create(std::size_t capacity, const BucketConfig& config, std::uint64_t seed,
                                         std::unique_ptr<SourceTable>& out);

  // Finds or inserts `ipv4`'s bucket, refilled to `now`. Never fails.
  [[nodiscard]] BucketState& bucket(std::uint32_t ipv4, std::uint64_t now) noexcept;

  // The common use: one request from `ipv4` at `now`.
  [[nodiscard]] bool try_take(std::uint32_t ipv4, std::uint64_t now) noexcept {
    return limit::try_take(config_, bucket(ipv4, now), now);
  }

  // Lookup without insert, for stats and tests; nullptr when absent.
  [[nodiscard]] const BucketState* find(std::uint32_t ipv4) const noexcept;

  [[nodiscard]] const BucketConfig& config() const noexcept { return config_; }
  [[nodiscard]] std::size_t capacity() const noexcept { return mask_ + 1; }
  [[nodiscard]] std::size_t size() const noexcept { return size_; }
  [[nodiscard]] const Stats& stats() const noexcept { return stats_; }

 private:
  struct alignas(32) Slot {
    BucketState state;
    std::uint32_t key = 0;
    std::uint32_t used = 0;
  };

  SourceTable(std::size_t capacity, const BucketConfig& config, std::uint64_t seed);
  [[nodiscard]] std::size_t home(std::uint32_t ipv4) const noexcept {
    std::uint64_t x = (static_cast<std::uint64_t>(ipv4) ^ seed_) * 0x9E3779B97F4A7C15ULL;
    x ^= x >> 32;
    x *= 0xD6E8FEB86659FD93ULL;
    return static_cast<std::size_t>(x >> 32) & mask_;
  }

  BucketConfig config_;
  std::size_t mask_;
  std::uint64_t seed_;
  std::size_t size_ = 0;
  Stats stats_;
  std::unique_ptr<Slot[]> slots_;
};

}  // namespace sipedge::limit
