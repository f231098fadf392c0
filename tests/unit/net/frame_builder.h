// Hand-built frames for the net tests. Deliberately independent of the code
// under test: fields are written byte by byte and checksums come from a
// word-at-a-time RFC 1071 reference, so a bug in the library's fast paths
// cannot hide behind the same bug here.
#pragma once

#include <cstdint>
#include <span>
#include <string_view>
#include <vector>

#include "net/local_addrs.h"
#include "net/mac.h"

namespace sipedge::net::test {

using Bytes = std::vector<std::uint8_t>;

inline constexpr MacAddr kUsMac{{0x02, 0x00, 0x00, 0x00, 0x00, 0x01}};
inline constexpr MacAddr kPeerMac{{0x02, 0x00, 0x00, 0x00, 0x00, 0x02}};
inline constexpr std::uint32_t kUsIp = 0xCB007101;    // 203.0.113.1
inline constexpr std::uint32_t kVipIp = 0xCB00710A;   // 203.0.113.10
inline constexpr std::uint32_t kPeerIp = 0xCB007132;  // 203.0.113.50
inline constexpr std::uint32_t kOtherIp = 0xC6336401; // 198.51.100.1
inline constexpr std::uint16_t kSipPort = 5060;

// Our MAC, kUsIp and kVipIp, UDP 5060 and 5061.
LocalAddrs local_addrs();

// Reference one's complement sum: 16-bit big-endian words, one at a time,
// odd byte padded with zero, folded at the end.
std::uint32_t slow_sum(std::span<const std::uint8_t> bytes, std::uint32_t acc = 0);
std::uint16_t slow_checksum(std::span<const std::uint8_t> bytes, std::uint32_t acc = 0);

Bytes bytes_of(std::string_view text);

Bytes eth(const MacAddr& dst, const MacAddr& src, std::uint16_t type, const Bytes& body);

struct Ipv4Spec {
  std::uint8_t version = 4;
  std::uint8_t ihl_words = 0;  // 0: 5 + options/4
  std::uint8_t tos = 0;
  std::uint16_t id = 0x1234;
  std::uint16_t flags_fragment = 0;
  std::uint8_t ttl = 64;
  std::uint8_t protocol = 17;
  std::uint32_t src = kPeerIp;
  std::uint32_t dst = kUsIp;
  Bytes options;                // multiple of 4
  int total_length = -1;        // -1: header + body
  bool bad_checksum = false;
};
Bytes ipv4(const Ipv4Spec& spec, const Bytes& body);

enum class UdpSum { correct, zero, corrupt };
Bytes udp(std::uint32_t src, std::uint32_t dst, std::uint16_t sport, std::uint16_t dport,
          const Bytes& payload, UdpSum sum = UdpSum::correct, int length = -1);

Bytes icmp(std::uint8_t type, std::uint8_t code, std::uint16_t id, std::uint16_t seq,
           const Bytes& data, bool bad_checksum = false);

Bytes arp(std::uint16_t op, const MacAddr& sha, std::uint32_t spa, const MacAddr& tha,
          std::uint32_t tpa);

// The common case: peer -> us, UDP 5060 -> 5060 with `payload`.
Bytes udp_frame(const Bytes& payload, const Ipv4Spec& spec = {}, UdpSum sum = UdpSum::correct);

// Reads a big-endian field for assertions.
std::uint16_t be16(const Bytes& b, std::size_t at);
std::uint32_t be32(const Bytes& b, std::size_t at);

}  // namespace sipedge::net::test
