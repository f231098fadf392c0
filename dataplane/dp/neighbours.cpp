#include "dp/neighbours.h"

namespace sipedge::dp {

std::uint64_t NeighbourTable::pack(const net::MacAddr& mac) noexcept {
  std::uint64_t w = 0;
  for (std::size_t i = 0; i < 6; ++i) w |= std::uint64_t{mac.bytes[i]} << (8 * i);
  return w;
}

net::MacAddr NeighbourTable::unpack(std::uint64_t word) noexcept {
  net::MacAddr mac;
  for (std::size_t i = 0; i < 6; ++i) mac.bytes[i] = static_cast<std::uint8_t>(word >> (8 * i));
  return mac;
}

std::optional<net::MacAddr> NeighbourTable::lookup(std::uint32_t ip) const noexcept {
  if (ip == 0) return std::nullopt;
  for (std::size_t i = home(ip), n = 0; n < kSlots; i = (i + 1) & (kSlots - 1), ++n) {
    const auto found = slots_[i].ip.load(std::memory_order_acquire);
    if (found == ip) return unpack(slots_[i].mac.load(std::memory_order_relaxed));
    if (found == 0) return std::nullopt;
  }
  return std::nullopt;
}

NeighbourTable::Slot* NeighbourTable::find(std::uint32_t ip) noexcept {
  for (std::size_t i = home(ip), n = 0; n < kSlots; i = (i + 1) & (kSlots - 1), ++n) {
    const auto found = slots_[i].ip.load(std::memory_order_relaxed);
    if (found == ip) return &slots_[i];
    if (found == 0) return nullptr;
  }
  return nullptr;
}

NeighbourTable::Update NeighbourTable::learn(std::uint32_t ip, const net::MacAddr& mac, bool static_entry) noexcept {
  if (ip == 0) return Update::kFull;
  if (Slot* s = find(ip)) {
    if (s->is_static && !static_entry) return Update::kStatic;
    s->is_static = s->is_static || static_entry;
    const auto word = pack(mac);
    if (s->mac.load(std::memory_order_relaxed) == word) return Update::kUnchanged;
    s->mac.store(word, std::memory_order_release);
    return Update::kChanged;
  }
  // Keep one slot free so a lookup of an absent address always ends.
  if (used_ + 1 >= kSlots) return Update::kFull;
  for (std::size_t i = home(ip);; i = (i + 1) & (kSlots - 1)) {
    Slot& s = slots_[i];
    if (s.ip.load(std::memory_order_relaxed) != 0) continue;
    s.is_static = static_entry;
    s.mac.store(pack(mac), std::memory_order_relaxed);
    s.ip.store(ip, std::memory_order_release);
    ++used_;
    return Update::kAdded;
  }
}

NeighbourTable::Update NeighbourTable::refresh(std::uint32_t ip, const net::MacAddr& mac) noexcept {
  Slot* s = find(ip);
  if (!s) return Update::kUnchanged;
  return learn(ip, mac);
}

}  // namespace sipedge::dp
