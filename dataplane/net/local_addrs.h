// What one port answers for: its MAC, its IPv4 addresses (unicast and VIPs)
// and the UDP ports that are open on them. A small fixed array scanned
// linearly: a port has a handful of addresses, and a linear scan of 8 words
// beats any hash on the per-packet path.
//
// Built at start-up or on reload, then read-only: safe to share between
// workers once published.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>

#include "net/ipv6.h"
#include "net/mac.h"

namespace sipedge::net {

struct LocalAddrs {
  static constexpr std::size_t kMaxIpv4 = 8;
  static constexpr std::size_t kMaxUdpPorts = 8;
  static constexpr std::size_t kMaxIpv6 = 4;

  MacAddr mac;
  std::array<std::uint32_t, kMaxIpv4> ipv4{};  // host order
  std::size_t ipv4_count = 0;
  std::array<std::uint16_t, kMaxUdpPorts> udp_ports{};
  std::size_t udp_port_count = 0;
  std::array<Ipv6Addr, kMaxIpv6> ipv6{};
  std::size_t ipv6_count = 0;

  // False when the table is full; a duplicate is accepted once.
  bool add_ipv4(std::uint32_t ip) noexcept {
    if (find_ipv4(ip) >= 0) return true;
    if (ipv4_count == kMaxIpv4) return false;
    ipv4[ipv4_count++] = ip;
    return true;
  }
  bool add_udp_port(std::uint16_t port) noexcept {
    if (has_udp_port(port)) return true;
    if (udp_port_count == kMaxUdpPorts) return false;
    udp_ports[udp_port_count++] = port;
    return true;
  }

  bool add_ipv6(const Ipv6Addr& ip) noexcept {
    if (find_ipv6(ip) >= 0) return true;
    if (ipv6_count == kMaxIpv6) return false;
    ipv6[ipv6_count++] = ip;
    return true;
  }
  // Index into `ipv6`, or -1.
  [[nodiscard]] int find_ipv6(const Ipv6Addr& ip) const noexcept {
    for (std::size_t i = 0; i < ipv6_count; ++i) {
      if (ipv6[i] == ip) return static_cast<int>(i);
    }
    return -1;
  }
  // Whether `group` is the solicited-node multicast address of one of ours.
  [[nodiscard]] bool is_our_solicited_node(const Ipv6Addr& group) const noexcept {
    for (std::size_t i = 0; i < ipv6_count; ++i) {
      if (solicited_node(ipv6[i]) == group) return true;
    }
    return false;
  }

  // Index into `ipv4`, or -1.
  [[nodiscard]] int find_ipv4(std::uint32_t ip) const noexcept {
    for (std::size_t i = 0; i < ipv4_count; ++i) {
      if (ipv4[i] == ip) return static_cast<int>(i);
    }
    return -1;
  }
  [[nodiscard]] bool has_udp_port(std::uint16_t port) const noexcept {
    for (std::size_t i = 0; i < udp_port_count; ++i) {
      if (udp_ports[i] == port) return true;
    }
    return false;
  }
};

}  // namespace sipedge::net
