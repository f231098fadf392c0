// IPv4 header layout (RFC 791), header writing and address helpers.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

namespace sipedge::net {

inline constexpr std::size_t kIpv4HeaderLength = 20;  // without options
inline constexpr std::size_t kIpv4MaxHeaderLength = 60;
inline constexpr std::size_t kIpv4MaxTotalLength = 65535;

inline constexpr std::size_t kIpv4VersionIhlOffset = 0;
inline constexpr std::size_t kIpv4TosOffset = 1;
inline constexpr std::size_t kIpv4TotalLengthOffset = 2;
inline constexpr std::size_t kIpv4IdOffset = 4;
inline constexpr std::size_t kIpv4FragmentOffset = 6;
inline constexpr std::size_t kIpv4TtlOffset = 8;
inline constexpr std::size_t kIpv4ProtocolOffset = 9;
inline constexpr std::size_t kIpv4ChecksumOffset = 10;
inline constexpr std::size_t kIpv4SrcOffset = 12;
inline constexpr std::size_t kIpv4DstOffset = 16;

// Bits of the 16-bit flags/fragment-offset field.
inline constexpr std::uint16_t kIpv4FlagReserved = 0x8000;
inline constexpr std::uint16_t kIpv4FlagDf = 0x4000;
inline constexpr std::uint16_t kIpv4FlagMf = 0x2000;
inline constexpr std::uint16_t kIpv4FragOffsetMask = 0x1fff;  // in 8-byte units

inline constexpr std::uint8_t kIpProtoIcmp = 1;
inline constexpr std::uint8_t kIpProtoUdp = 17;

inline constexpr std::uint8_t kDefaultTtl = 64;

// Fields of an option-less header; addresses in host order.
struct Ipv4Header {
  std::uint8_t tos = 0;
  std::uint16_t total_length = 0;
  std::uint16_t id = 0;
  std::uint16_t flags_fragment = 0;  // flags | offset/8, as on the wire
  std::uint8_t ttl = kDefaultTtl;
  std::uint8_t protocol = 0;
  std::uint32_t src = 0;
  std::uint32_t dst = 0;
};

// Writes a 20-byte header (IHL 5) with its checksum computed. Caller
// guarantees 20 writable bytes at `p`.
void write_ipv4_header(std::uint8_t* p, const Ipv4Header& h) noexcept;

// Addresses a reply must never go to, nor a packet come from: "this network"
// 0/8, loopback 127/8, multicast 224/4, reserved 240/4 and limited broadcast.
// Answering such a source would reflect traffic onto a segment or a group.
[[nodiscard]] constexpr bool is_martian_source(std::uint32_t ip) noexcept {
  const std::uint32_t first = ip >> 24;
  return first == 0 || first == 127 || first >= 224;
}

// Dotted quad, exactly four decimal parts 0..255 without leading zeros
// (leading zeros are octal to some parsers, so they are refused).
[[nodiscard]] std::optional<std::uint32_t> parse_ipv4(std::string_view text) noexcept;

// "a.b.c.d". Cold path (allocates).
[[nodiscard]] std::string format_ipv4(std::uint32_t ip);

}  // namespace sipedge::net
