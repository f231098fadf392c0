#pragma once
// A local listen address of either family, e.g. metrics.listen:
// "127.0.0.1:9090", "[::1]:9090", "[2001:db8::5]:9090".
//
// Thread-safety: plain values and pure functions; safe from any thread.
#include <cstdint>
#include <string>
#include <string_view>

#include "config/address.h"

namespace sipedge::config {

struct ListenAddress {
  Ipv4 address = 0;  // IPv4, host order; 0.0.0.0 (without v6) = off
  std::uint16_t port = 0;
  bool v6 = false;
  Ipv6 address6{};   // IPv6, network order; meaningful with v6

  static ListenAddress ipv6(const Ipv6& ip, std::uint16_t port) { return {0, port, true, ip}; }

  // No listener: 0.0.0.0 or [::] (metrics.listen's "HTTP off").
  [[nodiscard]] bool off() const;
  // 127.0.0.0/8, ::1, or ::ffff:127.x.y.z: only local processes reach it.
  [[nodiscard]] bool is_loopback() const;

  friend bool operator==(const ListenAddress&, const ListenAddress&) = default;
};

// "a.b.c.d:port" or "[IPv6]:port" (RFC 3986 3.2.2 brackets), port 1..65535.
// An IPv6 address without brackets, a zone index or a host name is refused
// with the reason.
Parsed<ListenAddress> parse_listen_address(std::string_view text);

// The host as a URL or Host header writes it: "127.0.0.1" or "[::1]".
std::string format_listen_host(const ListenAddress& at);
// Host and port: "127.0.0.1:9090" or "[::1]:9090".
std::string format_listen_address(const ListenAddress& at);

}  // namespace sipedge::config
