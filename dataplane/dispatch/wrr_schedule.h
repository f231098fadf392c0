#pragma once

#include <cstdint>
#include <span>
#include <vector>

namespace sipedge::dispatch {

// Weighted round robin as a precomputed, interleaved schedule: one period of
// nginx's smooth weighted round robin (each step every member gains its
// weight, the richest is picked and pays the total), so weights 5:1:1 give
// a a b a c a a rather than a a a a a b c. The schedule lives in the
// immutable set; a worker only keeps a WrrCursor, so workers never share a
// write and a pick is one array read.
//
// The period is sum(weight / gcd). Longer than kMaxWrrScheduleLength, the
// weights are scaled down (never below 1) to fit: shares then differ from the
// exact ratio by at most about members / kMaxWrrScheduleLength.

inline constexpr std::uint32_t kMaxWrrScheduleLength = 1U << 16;

struct WrrMember {
  std::uint16_t weight = 1;  // > 0
  std::uint16_t value = 0;   // what the schedule stores for this member
};

// Cold path: allocates. Empty input gives an empty schedule.
[[nodiscard]] std::vector<std::uint16_t> build_wrr_schedule(std::span<const WrrMember> members);

// A worker's position in a set's schedule. Held outside the set, one per
// worker per set; it survives a set swap (an out-of-range position wraps).
// Start workers at different offsets so they do not all begin on the first
// entry together.
struct WrrCursor {
  std::uint32_t next = 0;
};

// Hot path: picks schedule[cursor] and advances. Schedule must be non-empty.
[[nodiscard]] inline std::uint16_t next_in_schedule(std::span<const std::uint16_t> schedule,
                                                    WrrCursor& cursor) noexcept {
  const auto size = static_cast<std::uint32_t>(schedule.size());
  std::uint32_t at = cursor.next;
  if (at >= size) [[unlikely]] {
    // Once per period, or after a swap to a shorter schedule.
    at %= size;
  }
  cursor.next = at + 1;
  return schedule[at];
}

}  // namespace sipedge::dispatch
