// IPv6 (RFC 8200): the fixed header, addresses, the extension-header walk
// the classifier does, and the pseudo-header sum of the upper-layer
// checksums (UDP, ICMPv6). DPDK-free; pure functions, noexcept.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <span>

#include "net/drop_reason.h"
#include "net/mac.h"

namespace sipedge::net {

inline constexpr std::uint16_t kEtherTypeIpv6 = 0x86dd;

inline constexpr std::size_t kIpv6HeaderLength = 40;
inline constexpr std::size_t kIpv6PayloadLengthOffset = 4;
inline constexpr std::size_t kIpv6NextHeaderOffset = 6;
inline constexpr std::size_t kIpv6HopLimitOffset = 7;
inline constexpr std::size_t kIpv6SrcOffset = 8;
inline constexpr std::size_t kIpv6DstOffset = 24;
inline constexpr std::size_t kIpv6FragmentHeaderLength = 8;

inline constexpr std::uint8_t kIpProtoHopByHop = 0;
inline constexpr std::uint8_t kIpProtoRouting = 43;
inline constexpr std::uint8_t kIpProtoFragment = 44;
inline constexpr std::uint8_t kIpProtoIcmpv6 = 58;
inline constexpr std::uint8_t kIpProtoNoNext = 59;
inline constexpr std::uint8_t kIpProtoDestOptions = 60;

// The walk's bounds: a frame with more extension headers, or more bytes of
// them, is dropped (ipv6_too_many_ext) rather than walked on: RFC 8504
// 5.3 lets a node set such limits, and nothing a SIP edge serves needs more.
inline constexpr std::size_t kIpv6MaxExtHeaders = 4;
inline constexpr std::size_t kIpv6MaxExtBytes = 256;

struct Ipv6Addr {
  std::array<std::uint8_t, 16> bytes{};

  static Ipv6Addr from(const std::uint8_t* p) noexcept {
    Ipv6Addr a;
    std::memcpy(a.bytes.data(), p, 16);
    return a;
  }
  void store(std::uint8_t* p) const noexcept { std::memcpy(p, bytes.data(), 16); }

  [[nodiscard]] constexpr bool is_multicast() const noexcept { return bytes[0] == 0xff; }
  [[nodiscard]] constexpr bool is_unspecified() const noexcept {
    for (auto b : bytes) {
      if (b != 0) return false;
    }
    return true;
  }
  [[nodiscard]] constexpr bool is_loopback() const noexcept {
    for (std::size_t i = 0; i < 15; ++i) {
      if (bytes[i] != 0) return false;
    }
    return bytes[15] == 1;
  }

  friend constexpr bool operator==(const Ipv6Addr&, const Ipv6Addr&) = default;
};

// RFC 4291 2.7.1: ff02::1:ffXX:XXXX, the low 24 bits of `a`.
[[nodiscard]] Ipv6Addr solicited_node(const Ipv6Addr& a) noexcept;
// ff02::1, where a DAD probe is answered (RFC 4861 7.2.4).
[[nodiscard]] Ipv6Addr all_nodes() noexcept;
// RFC 2464 7: 33:33 and the low 32 bits of a multicast address.
[[nodiscard]] MacAddr multicast_mac(const Ipv6Addr& group) noexcept;

// What the extension-header walk found: where the upper-layer header (or,
// for a fragment, the fragment's data) starts and what it is.
struct Ipv6Walk {
  DropReason reason = DropReason::none;  // none, ipv6_fragment or why dropped
  std::uint8_t protocol = 0;             // upper-layer protocol (first fragment: the fragmented one)
  std::uint16_t l4_offset = 0;           // from the start of the IPv6 header
  std::uint8_t ext_count = 0;
  // Fragment header (reason == ipv6_fragment only).
  std::uint16_t fragment_header_offset = 0;  // from the start of the IPv6 header
  std::uint16_t fragment_offset = 0;         // in bytes
  bool more_fragments = false;
  std::uint32_t fragment_id = 0;
};

// Walks the extension headers of `packet` (the IPv6 header and its payload,
// exactly payload length + 40 bytes). Hop-by-hop only first; routing with
// segments left 0 is stepped over, else ipv6_routing_header; destination
// options stepped over; a fragment header ends the walk (an atomic fragment,
// offset 0 and no M flag, is walked through, RFC 6946); anything else is the
// upper layer. Header lengths are checked against the packet, the count and
// the bytes against the caps above.
[[nodiscard]] Ipv6Walk walk_ipv6_extensions(std::span<const std::uint8_t> packet) noexcept;

// Sum of the IPv6 pseudo-header (RFC 8200 8.1): addresses, upper-layer
// length (32 bits), next header.
[[nodiscard]] std::uint32_t ipv6_pseudo_header_sum(const Ipv6Addr& src, const Ipv6Addr& dst,
                                                   std::uint8_t protocol, std::uint32_t length) noexcept;

// Checksum of an upper-layer message (UDP, ICMPv6) over IPv6, with its
// checksum field (at `checksum_offset`) counted as zero. UDP: a computed 0
// is sent as 0xffff (RFC 8200 8.1), which the caller applies.
[[nodiscard]] std::uint16_t ipv6_l4_checksum(const Ipv6Addr& src, const Ipv6Addr& dst, std::uint8_t protocol,
                                             std::span<const std::uint8_t> message,
                                             std::size_t checksum_offset) noexcept;

// True when the received message, checksum field included, verifies.
[[nodiscard]] bool ipv6_l4_checksum_ok(const Ipv6Addr& src, const Ipv6Addr& dst, std::uint8_t protocol,
                                       std::span<const std::uint8_t> message) noexcept;

// Writes a fixed IPv6 header (traffic class and flow label 0) at `p`
// (40 writable bytes).
void write_ipv6_header(std::uint8_t* p, const Ipv6Addr& src, const Ipv6Addr& dst, std::uint8_t next_header,
                       std::uint16_t payload_length, std::uint8_t hop_limit) noexcept;

}  // namespace sipedge::net
