#pragma once
// IPv4 text helpers for the fast path: no allocation, no NUL terminator.
// Addresses are uint32 in host byte order (1.2.3.4 == 0x01020304).
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string_view>

namespace sipedge::sip {

// IPv4address = 1*3DIGIT "." 1*3DIGIT "." 1*3DIGIT "." 1*3DIGIT (RFC 3261 25.1),
// each part <= 255. Nothing else may surround it (no spaces, no port).
std::optional<std::uint32_t> parse_ipv4(std::string_view text) noexcept;

// Writes dotted-quad text ("192.0.2.1", at most 15 chars) and returns its length.
inline constexpr std::size_t kIpv4TextMax = 15;
std::size_t format_ipv4(std::uint32_t addr, std::span<char, kIpv4TextMax> out) noexcept;

// The same in a small value type, for building header values.
struct Ipv4Text {
  char buf[kIpv4TextMax];
  std::uint8_t len;
  std::string_view view() const noexcept { return {buf, len}; }
};
Ipv4Text ipv4_text(std::uint32_t addr) noexcept;

// Private for NAT purposes: RFC 1918 (10/8, 172.16/12, 192.168/16), RFC 6598
// shared space (100.64/10), loopback (127/8) and link-local (169.254/16).
constexpr bool is_private(std::uint32_t a) noexcept {
  return (a & 0xFF000000u) == 0x0A000000u ||  // 10/8
         (a & 0xFFF00000u) == 0xAC100000u ||  // 172.16/12
         (a & 0xFFFF0000u) == 0xC0A80000u ||  // 192.168/16
         (a & 0xFFC00000u) == 0x64400000u ||  // 100.64/10
         (a & 0xFF000000u) == 0x7F000000u ||  // 127/8
         (a & 0xFFFF0000u) == 0xA9FE0000u;    // 169.254/16
}

// An address a message may be sent to: not "this network" (0/8), loopback
// (127/8), multicast (224/4) or reserved/broadcast (240/4, so never
// 255.255.255.255). A Via or Route naming one of these (RFC 4475 bcast) would
// turn the edge into an amplifier or loop it onto itself.
constexpr bool is_unicast_target(std::uint32_t a) noexcept {
  const std::uint32_t top = a >> 24;
  return top != 0 && top != 127 && top < 224;
}

// Convenience: text that is a private IPv4 address (false for hostnames / IPv6).
bool is_private_ipv4_text(std::string_view text) noexcept;

}  // namespace sipedge::sip
