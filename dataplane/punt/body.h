#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

#include "punt/message.h"

namespace sipedge::punt {

// STATE body, 16 bytes: a destination of a dispatcher set went up or down.
//  off size field
//    0    2 set_id
//    2    2 destination_index  position in the set's configured list
//    4    1 up                 0 or 1
//    5    3 reserved           zero
//    8    8 generation         config generation the indices refer to; the
//                              dataplane ignores state for another generation
inline constexpr std::size_t kStateBodySize = 16;

struct StateBody {
  std::uint16_t set_id = 0;
  std::uint16_t destination_index = 0;
  bool up = false;
  std::uint64_t generation = 0;

  friend bool operator==(const StateBody&, const StateBody&) = default;
};

void encode_state(const StateBody& body, std::span<std::uint8_t, kStateBodySize> out) noexcept;
// BadBody unless exactly kStateBodySize bytes, up is 0 or 1, reserved zero.
[[nodiscard]] PuntError decode_state(std::span<const std::uint8_t> payload, StateBody& out) noexcept;

// STATS body: back-to-back 10-byte entries (u16 counter id, u64 value).
// Counter ids are the sender's counter table indices; names travel in that
// table, not on the wire.
inline constexpr std::size_t kStatEntrySize = 10;
inline constexpr std::size_t kMaxStatEntries = kMaxPayload / kStatEntrySize;

struct StatEntry {
  std::uint16_t id = 0;
  std::uint64_t value = 0;

  friend bool operator==(const StatEntry&, const StatEntry&) = default;
};

// Writes the entries; `written` gets the body size. BufferTooSmall if `out`
// cannot hold them, TooLong beyond kMaxStatEntries.
[[nodiscard]] PuntError encode_stats(std::span<const StatEntry> entries, std::span<std::uint8_t> out,
                                     std::size_t& written) noexcept;

// A read-only view of a STATS body that check_body() accepted.
class StatsView {
 public:
  explicit StatsView(std::span<const std::uint8_t> payload) noexcept : bytes_(payload) {}

  [[nodiscard]] std::size_t size() const noexcept { return bytes_.size() / kStatEntrySize; }
  [[nodiscard]] StatEntry operator[](std::size_t i) const noexcept;

 private:
  std::span<const std::uint8_t> bytes_;
};

}  // namespace sipedge::punt
