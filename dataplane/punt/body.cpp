#include "punt/body.h"

#include "punt/wire.h"

namespace sipedge::punt {

void encode_state(const StateBody& body, std::span<std::uint8_t, kStateBodySize> out) noexcept {
  std::uint8_t* p = out.data();
  wire::store_le16(p, body.set_id);
  wire::store_le16(p + 2, body.destination_index);
  p[4] = body.up ? 1 : 0;
  p[5] = 0;
  p[6] = 0;
  p[7] = 0;
  wire::store_le64(p + 8, body.generation);
}

PuntError decode_state(std::span<const std::uint8_t> payload, StateBody& out) noexcept {
  if (payload.size() != kStateBodySize) {
    return PuntError::BadBody;
  }
  const std::uint8_t* p = payload.data();
  if (p[4] > 1 || p[5] != 0 || p[6] != 0 || p[7] != 0) {
    return PuntError::BadBody;
  }
  out = StateBody{
      .set_id = wire::load_le16(p),
      .destination_index = wire::load_le16(p + 2),
      .up = p[4] == 1,
      .generation = wire::load_le64(p + 8),
  };
  return PuntError::Ok;
}

PuntError encode_stats(std::span<const StatEntry> entries, std::span<std::uint8_t> out,
                       std::size_t& written) noexcept {
  written = 0;
  if (entries.size() > kMaxStatEntries) {
    return PuntError::TooLong;
  }
  if (out.size() < entries.size() * kStatEntrySize) {
    return PuntError::BufferTooSmall;
  }
  std::uint8_t* p = out.data();
  for (const auto& e : entries) {
    wire::store_le16(p, e.id);
    wire::store_le64(p + 2, e.value);
    p += kStatEntrySize;
  }
  written = entries.size() * kStatEntrySize;
  return PuntError::Ok;
}

StatEntry StatsView::operator[](std::size_t i) const noexcept {
  const std::uint8_t* p = bytes_.data() + i * kStatEntrySize;
  return StatEntry{.id = wire::load_le16(p), .value = wire::load_le64(p + 2)};
}

}  // namespace sipedge::punt
