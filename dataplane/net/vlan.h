// 802.1Q: one VLAN per port. The worker checks the tag of each received
// frame against its port's VLAN and strips it before classification, so
// everything after (classify, replies, the fast path, the exception path's
// kernel interface) sees an untagged frame; a tag goes back on at TX.
// A port without a VLAN keeps today's rule: tagged frames are dropped.
//
// Pure functions of their inputs, allocation-free, noexcept.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <span>

#include "net/bytes.h"
#include "net/drop_reason.h"
#include "net/ethernet.h"

namespace sipedge::net {

inline constexpr std::size_t kVlanTagLength = 4;  // TPID + TCI
inline constexpr std::uint16_t kVlanIdMask = 0x0fff;
inline constexpr std::uint16_t kVlanMin = 1;
inline constexpr std::uint16_t kVlanMax = 4094;  // 0 and 4095 are reserved
inline constexpr std::size_t kMacPairLength = 12;

[[nodiscard]] constexpr bool is_vlan_ether_type(std::uint16_t type) noexcept {
  return type == kEtherTypeVlan || type == kEtherTypeQinQ || type == kEtherTypeQinQOld;
}

// Whether a frame may enter on a port whose VLAN is `port_vlan` (0: the
// port is untagged). DropReason::none: accepted; on a VLAN port it then
// carries exactly one 802.1Q tag with that VLAN id (priority bits ignored).
//   untagged port: any tag -> vlan_unsupported
//   VLAN port: 802.1ad / 0x9100 outer tag, or a second tag -> vlan_qinq;
//     no tag -> vlan_untagged; another VLAN id -> vlan_wrong_id.
[[nodiscard]] constexpr DropReason check_vlan(std::span<const std::uint8_t> frame,
                                              std::uint16_t port_vlan) noexcept {
  if (frame.size() < kEthHeaderLength) return DropReason::eth_truncated;
  const std::uint16_t outer = load_be16(frame.data() + kEthTypeOffset);
  if (port_vlan == 0) return is_vlan_ether_type(outer) ? DropReason::vlan_unsupported : DropReason::none;
  if (outer == kEtherTypeQinQ || outer == kEtherTypeQinQOld) return DropReason::vlan_qinq;
  if (outer != kEtherTypeVlan) return DropReason::vlan_untagged;
  if (frame.size() < kEthHeaderLength + kVlanTagLength) return DropReason::eth_truncated;
  const std::uint16_t tci = load_be16(frame.data() + kEthTypeOffset + 2);
  const std::uint16_t inner = load_be16(frame.data() + kEthTypeOffset + kVlanTagLength);
  if (is_vlan_ether_type(inner)) return DropReason::vlan_qinq;
  if ((tci & kVlanIdMask) != port_vlan) return DropReason::vlan_wrong_id;
  return DropReason::none;
}

// Removes the tag of a frame check_vlan accepted, in place: the MAC
// addresses move 4 bytes on, so the untagged frame starts at frame + 4.
// The caller guarantees 18 bytes at `frame`.
inline void strip_vlan_tag(std::uint8_t* frame) noexcept {
  std::memmove(frame + kVlanTagLength, frame, kMacPairLength);
}

// Tags a frame whose untagged form starts at p + 4 (the caller made the
// room in front): the MACs move to p, TPID 0x8100 and TCI (priority 0)
// follow. The caller guarantees 18 bytes at `p`.
inline void insert_vlan_tag(std::uint8_t* p, std::uint16_t vlan) noexcept {
  std::memmove(p, p + kVlanTagLength, kMacPairLength);
  store_be16(p + kEthTypeOffset, kEtherTypeVlan);
  store_be16(p + kEthTypeOffset + 2, static_cast<std::uint16_t>(vlan & kVlanIdMask));
}

}  // namespace sipedge::net
