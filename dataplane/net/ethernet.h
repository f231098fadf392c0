// Ethernet II framing: header layout and the EtherTypes the edge handles.
#pragma once

#include <cstddef>
#include <cstdint>

#include "net/bytes.h"
#include "net/mac.h"

namespace sipedge::net {

inline constexpr std::size_t kEthHeaderLength = 14;
// Minimum frame without FCS; shorter frames are padded by the sender.
inline constexpr std::size_t kEthMinFrameLength = 60;

inline constexpr std::size_t kEthDstOffset = 0;
inline constexpr std::size_t kEthSrcOffset = 6;
inline constexpr std::size_t kEthTypeOffset = 12;

inline constexpr std::uint16_t kEtherTypeIpv4 = 0x0800;
inline constexpr std::uint16_t kEtherTypeArp = 0x0806;
inline constexpr std::uint16_t kEtherTypeVlan = 0x8100;
inline constexpr std::uint16_t kEtherTypeQinQ = 0x88a8;
inline constexpr std::uint16_t kEtherTypeQinQOld = 0x9100;

// Caller guarantees 14 writable bytes at `p`.
inline void write_eth_header(std::uint8_t* p, const MacAddr& dst, const MacAddr& src,
                             std::uint16_t ether_type) noexcept {
  dst.store(p + kEthDstOffset);
  src.store(p + kEthSrcOffset);
  store_be16(p + kEthTypeOffset, ether_type);
}

}  // namespace sipedge::net
