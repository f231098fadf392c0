#pragma once

#include <algorithm>
#include <cstdint>

#include "limit/limit_error.h"

namespace sipedge::limit {

// Token bucket in exact integer arithmetic. Time is whatever monotonic tick
// the caller has (TSC cycles with ticks_per_second = rte_get_tsc_hz(), or
// nanoseconds with 1e9); nothing here reads a clock, so tests are exact.
//
// Credit is kept in units of 1/ticks_per_second token: one elapsed tick adds
// `rate` units and one token costs `ticks_per_second` units, so any rate and
// tick frequency combine without rounding drift.

inline constexpr std::uint64_t kMaxRate = std::uint64_t{1} << 32;
inline constexpr std::uint64_t kMaxBucketCredit = std::uint64_t{1} << 62;

// Immutable parameters, shared by every bucket of one kind (a source table
// holds thousands of states and one config).
struct BucketConfig {
  std::uint64_t rate = 1;        // tokens per second = credit units per tick
  std::uint64_t cost = 1;        // credit units per token = ticks per second
  std::uint64_t capacity = 1;    // burst * cost
  std::uint64_t fill_ticks = 1;  // ticks from empty to full, rounded up

  [[nodiscard]] std::uint64_t burst() const noexcept { return capacity / cost; }
};

struct BucketState {
  std::uint64_t credit = 0;  // 0..capacity
  std::uint64_t last = 0;    // tick of the last refill
};

// Cold: validates and derives. rate_per_second, burst and ticks_per_second
// must be >= 1, rate <= kMaxRate and burst * ticks_per_second <=
// kMaxBucketCredit (so refill arithmetic cannot overflow).
[[nodiscard]] LimitError make_bucket_config(std::uint64_t rate_per_second, std::uint64_t burst,
                                            std::uint64_t ticks_per_second, BucketConfig& out) noexcept;

// A new bucket starts full: a fresh source may burst at once.
[[nodiscard]] constexpr BucketState full_bucket(const BucketConfig& config, std::uint64_t now) noexcept {
  return BucketState{.credit = config.capacity, .last = now};
}

// Adds the credit earned since `last`. A clock that steps backwards earns
// nothing (and does not move `last` back, so the interval is not paid twice).
constexpr void refill(const BucketConfig& config, BucketState& state, std::uint64_t now) noexcept {
  if (now <= state.last) {
    return;
  }
  const std::uint64_t elapsed = now - state.last;
  state.last = now;
  // Clamping before the multiply keeps elapsed * rate below capacity + rate.
  if (elapsed >= config.fill_ticks) {
    state.credit = config.capacity;
    return;
  }
  state.credit = std::min(config.capacity, state.credit + elapsed * config.rate);
}

[[nodiscard]] constexpr bool has_token(const BucketConfig& config, const BucketState& state) noexcept {
  return state.credit >= config.cost;
}

// Caller checked has_token().
constexpr void take_token(const BucketConfig& config, BucketState& state) noexcept {
  state.credit -= config.cost;
}

[[nodiscard]] constexpr bool try_take(const BucketConfig& config, BucketState& state, std::uint64_t now) noexcept {
  refill(config, state, now);
  if (!has_token(config, state)) {
    return false;
  }
  take_token(config, state);
  return true;
}

// Whole tokens available at `now`, without changing the state.
[[nodiscard]] constexpr std::uint64_t tokens_at(const BucketConfig& config, BucketState state,
                                                std::uint64_t now) noexcept {
  refill(config, state, now);
  return state.credit / config.cost;
}

// One bucket with its own config, for single limits. Not thread-safe: one
// owner (a worker, or the main lcore).
class TokenBucket {
 public:
  TokenBucket(const BucketConfig& config, std::uint64_t now) noexcept
      : config_(config), state_(full_bucket(config, now)) {}

  [[nodiscard]] bool try_take(std::uint64_t now) noexcept { return limit::try_take(config_, state_, now); }
  [[nodiscard]] std::uint64_t tokens(std::uint64_t now) const noexcept { return tokens_at(config_, state_, now); }
  [[nodiscard]] const BucketConfig& config() const noexcept { return config_; }

 private:
  BucketConfig config_;
  BucketState state_;
};

}  // namespace sipedge::limit
