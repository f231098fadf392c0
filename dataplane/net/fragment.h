// IPv4 fragmentation (RFC 791 section 3.2) for datagrams we originate, when
// a SIP message behind an option-less header exceeds the egress MTU.
//
// The plan is arithmetic only, so the dataplane can cut a datagram into
// separate mbufs (or the pcap tool into separate frames) without DPDK's
// rte_ipv4_fragment_packet: every fragment but the last carries the largest
// multiple of 8 bytes that fits the MTU.
//
// Allocation-free and noexcept; safe to call concurrently on distinct buffers.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

#include "net/ipv4.h"

namespace sipedge::net {

struct Fragment {
  std::uint16_t offset = 0;  // bytes into the original IP payload
  std::uint16_t length = 0;  // payload bytes in this fragment
  bool more = false;         // MF: not the last one
};

class FragmentPlan {
 public:
  // `mtu` is the largest IP datagram (header included) the link carries.
  constexpr FragmentPlan(std::uint16_t payload_length, std::uint16_t mtu) noexcept
      : payload_length_(payload_length),
        chunk_(mtu >= kIpv4HeaderLength + 8
                   ? static_cast<std::uint16_t>((mtu - kIpv4HeaderLength) & ~std::size_t{7})
                   : 0) {
    if (chunk_ == 0) {
      count_ = 0;
    } else if (payload_length_ + kIpv4HeaderLength <= mtu) {
      count_ = 1;  // fits: one unfragmented datagram
      chunk_ = payload_length_;
    } else {
      count_ = static_cast<std::uint16_t>((payload_length_ + chunk_ - 1) / chunk_);
    }
  }

  // 0 when the MTU cannot carry 8 payload bytes (below 28).
  [[nodiscard]] constexpr std::uint16_t count() const noexcept { return count_; }
  [[nodiscard]] constexpr bool fragmented() const noexcept { return count_ > 1; }

  // i < count()
  [[nodiscard]] constexpr Fragment operator[](std::uint16_t i) const noexcept {
    Fragment f;
    f.offset = static_cast<std::uint16_t>(i * chunk_);
    f.more = i + 1 < count_;
    f.length = f.more ? chunk_ : static_cast<std::uint16_t>(payload_length_ - f.offset);
    return f;
  }

 private:
  std::uint16_t payload_length_;
  std::uint16_t chunk_;
  std::uint16_t count_ = 0;
};

[[nodiscard]] constexpr FragmentPlan fragment_offsets(std::uint16_t payload_length,
                                                      std::uint16_t mtu) noexcept {
  return FragmentPlan(payload_length, mtu);
}

// Writes fragment `f` of the option-less IPv4 datagram `packet` (header and
// payload) into `out`: the header with total length, MF and offset adjusted
// (added to the original's own offset and MF, so a fragment can be cut
// again) and a fresh checksum, then the payload slice. Returns the bytes
// written; 0 when `out` is too small, `packet` is not an option-less IPv4
// datagram holding the slice, or it has DF set.
[[nodiscard]] std::size_t write_fragment(std::span<std::uint8_t> out,
                                         std::span<const std::uint8_t> packet,
                                         const Fragment& f) noexcept;

}  // namespace sipedge::net
