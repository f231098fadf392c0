#pragma once
// Address types shared by the node config and its readers: IPv4 in host byte
// order, prefixes, MAC addresses, endpoints. The text parsers are strict (no
// leading zeros, no shorthand) so that a typo is refused instead of becoming a
// different address, and they return why they refused.
//
// Thread-safety: plain values and pure functions; safe from any thread.
#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>

namespace sipedge::config {

// IPv4 address in host byte order (198.51.100.1 == 0xC6336401).
using Ipv4 = std::uint32_t;

using MacAddress = std::array<std::uint8_t, 6>;

constexpr std::uint32_t prefix_mask(std::uint8_t length) {
  return length == 0 ? 0u : ~std::uint32_t{0} << (32 - length);
}

struct Ipv4Prefix {
  Ipv4 address = 0;  // network address: host bits are always zero once validated
  std::uint8_t length = 0;

  constexpr std::uint32_t mask() const { return prefix_mask(length); }
  constexpr bool contains(Ipv4 ip) const { return (ip & mask()) == address; }
  friend constexpr bool operator==(const Ipv4Prefix&, const Ipv4Prefix&) = default;
};

// An IPv4 address and port, e.g. a listen address ("127.0.0.1:9090").
struct Ipv4Endpoint {
  Ipv4 address = 0;
  std::uint16_t port = 0;
  friend constexpr bool operator==(const Ipv4Endpoint&, const Ipv4Endpoint&) = default;
};

// A host (DNS name or IPv4 literal, as written) and port, e.g. a Redis server.
struct HostPort {
  std::string host;
  std::uint16_t port = 0;
  friend bool operator==(const HostPort&, const HostPort&) = default;
};

// Result of a text parser: the value, or why it was refused (a phrase that
// completes "<key>: ...", e.g. "'10.0.0.256' is not an IPv4 address").
template <class T>
using Parsed = std::variant<T, std::string>;

// "a.b.c.d", each part 0..255 without leading zeros. IPv6 literals are refused
// with "IPv6 not supported yet".
Parsed<Ipv4> parse_ipv4(std::string_view text);
// "a.b.c.d/len"; host bits must be zero ("... has host bits set").
Parsed<Ipv4Prefix> parse_ipv4_prefix(std::string_view text);
// "a.b.c.d/len" of an interface: the host address and its subnet. The host part
// may not be the subnet's network or broadcast address (for /0../30).
struct Ipv4Interface {
  Ipv4 address = 0;
  Ipv4Prefix subnet;
};
Parsed<Ipv4Interface> parse_ipv4_interface(std::string_view text);
// "a.b.c.d:port", port 1..65535.
Parsed<Ipv4Endpoint> parse_ipv4_endpoint(std::string_view text);
// "host:port" with host a DNS name or an IPv4 literal, port 1..65535.
Parsed<HostPort> parse_host_port(std::string_view text);
// "02:00:5e:10:00:01" (or '-' separated), six two-digit hex octets.
Parsed<MacAddress> parse_mac(std::string_view text);

// A dispatcher destination "sip:a.b.c.d[:port][;transport=udp]" (scheme case-
// insensitive; port default `default_port`). Host names, sips:, user parts and
// other parameters are refused: the dataplane sends UDP to an address.
Parsed<Ipv4Endpoint> parse_destination_uri(std::string_view uri, std::uint16_t default_port);

// True for a DNS name of letters, digits, '-' and '.' (labels 1..63, total <= 253).
bool is_dns_name(std::string_view text);

// IPv6, network byte order (RFC 4291 text forms, compressed or not).
using Ipv6 = std::array<std::uint8_t, 16>;

struct Ipv6Prefix {
  Ipv6 address{};  // network address: host bits are zero once validated
  std::uint8_t length = 0;

  bool contains(const Ipv6& ip) const;
  friend bool operator==(const Ipv6Prefix&, const Ipv6Prefix&) = default;
};

struct Ipv6Interface {
  Ipv6 address{};
  Ipv6Prefix subnet;
};

// An RFC 4291 2.2 literal ("2001:db8::1", "::ffff:198.51.100.1"), without
// brackets or zone ("%eth0"); an IPv4 literal is refused ("... is not an
// IPv6 address").
Parsed<Ipv6> parse_ipv6(std::string_view text);
// "addr/len", len 0..128; host bits must be zero.
Parsed<Ipv6Prefix> parse_ipv6_prefix(std::string_view text);
// "addr/len" of an interface: a unicast host address (not ::, ::1, multicast,
// nor the subnet's Subnet-Router anycast address for /0../126) and its subnet.
Parsed<Ipv6Interface> parse_ipv6_interface(std::string_view text);
// Whether `ip` can be a neighbour or a gateway: not ::, ::1 nor multicast.
bool is_ipv6_unicast(const Ipv6& ip);

// parse_destination_uri with an IPv6 host too: "sip:[2001:db8::20][:port][;transport=udp]".
struct DestinationAddress {
  Ipv4 address = 0;              // when !address6
  std::optional<Ipv6> address6;  // an IPv6 destination
  std::uint16_t port = 0;
};
Parsed<DestinationAddress> parse_destination(std::string_view uri, std::uint16_t default_port);

std::string format_ipv6(const Ipv6& ip);
std::string format_prefix(const Ipv6Prefix& prefix);

std::string format_ipv4(Ipv4 ip);
std::string format_prefix(const Ipv4Prefix& prefix);
std::string format_mac(const MacAddress& mac);

}  // namespace sipedge::config
