// UDP over IPv4 over Ethernet: building datagrams to send and turning a
// received one around for a stateless answer.
//
// Building is two steps so the payload can be written straight into the
// mbuf: write_udp_headers() fills the 42 header bytes, the caller writes
// the payload behind them, finish_udp_frame() sets the lengths and the
// checksums. build_udp_frame() does both steps when the payload is already
// in place.
//
// Allocation-free and noexcept; safe to call concurrently on distinct buffers.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>

#include "net/classify.h"
#include "net/ipv4.h"
#include "net/mac.h"

namespace sipedge::net {

inline constexpr std::size_t kUdpHeaderLength = 8;
inline constexpr std::size_t kUdpSrcPortOffset = 0;
inline constexpr std::size_t kUdpDstPortOffset = 2;
inline constexpr std::size_t kUdpLengthOffset = 4;
inline constexpr std::size_t kUdpChecksumOffset = 6;

// Ethernet + option-less IPv4 + UDP.
inline constexpr std::size_t kUdpFrameHeadersLength = 14 + 20 + kUdpHeaderLength;
inline constexpr std::size_t kUdpMaxPayload = 65535 - 20 - kUdpHeaderLength;

struct UdpFlow {
  MacAddr src_mac;
  MacAddr dst_mac;
  std::uint32_t src_ip = 0;  // host order
  std::uint32_t dst_ip = 0;  // host order
  std::uint16_t src_port = 0;
  std::uint16_t dst_port = 0;
  std::uint8_t tos = 0;
};

enum class Checksums : std::uint8_t {
  Software,  // IPv4 and UDP checksums computed here
  Offload,   // IPv4 field 0, UDP field = pseudo-header sum: what DPDK's
             // RTE_MBUF_F_TX_IP_CKSUM | RTE_MBUF_F_TX_UDP_CKSUM expect
  IpOnly,    // IPv4 computed, UDP 0 ("no checksum", allowed over IPv4)
};

// Writes Ethernet, IPv4 (IHL 5, DF off, given TTL and ID) and UDP headers
// into out[0..42). Lengths and checksums are set by finish_udp_frame().
// False when `out` is shorter than 42 bytes.
[[nodiscard]] bool write_udp_headers(std::span<std::uint8_t> out, const UdpFlow& flow,
                                     std::uint16_t ip_id,
                                     std::uint8_t ttl = kDefaultTtl) noexcept;

// `frame` is exactly the Ethernet frame: 42 header bytes (option-less IPv4)
// and the payload. Sets IPv4 total length, UDP length and the checksums as
// `mode` says. False (nothing written) when the frame is shorter than 42,
// longer than an IPv4 datagram allows, or its IPv4 header has options.
[[nodiscard]] bool finish_udp_frame(std::span<std::uint8_t> frame, Checksums mode) noexcept;

// write_udp_headers() then finish_udp_frame(): the payload is already at
// frame[42..].
[[nodiscard]] bool build_udp_frame(std::span<std::uint8_t> frame, const UdpFlow& flow,
                                   std::uint16_t ip_id, Checksums mode,
                                   std::uint8_t ttl = kDefaultTtl) noexcept;

// Folded (not complemented) pseudo-header sum: the UDP checksum field value
// a NIC doing L4 checksum offload expects (DPDK's rte_ipv4_phdr_cksum).
[[nodiscard]] std::uint16_t udp_pseudo_header_checksum(std::uint32_t src, std::uint32_t dst,
                                                       std::uint16_t udp_length) noexcept;

// Turns a frame classified as Udp around, in place: MACs, addresses and
// ports swapped, IP options dropped (see reply.h), TTL `ttl`, ID `ip_id`,
// the request's TOS kept. The payload keeps its place (rx.payload_offset);
// the caller rewrites it, then calls finish_udp_frame() on
// frame[start, rx.payload_offset + new payload length). Returns start, or
// nullopt when rx is not a Udp result for a frame of this size.
[[nodiscard]] std::optional<std::uint16_t> udp_reply_headers_in_place(
    std::span<std::uint8_t> frame, const ClassifyResult& rx, std::uint16_t ip_id,
    std::uint8_t ttl = kDefaultTtl) noexcept;

}  // namespace sipedge::net
