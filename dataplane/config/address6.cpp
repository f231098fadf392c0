// IPv6 text forms for the config (cold path): inet_pton after a strict
// character check, so brackets, zones and stray characters are refused with
// a reason instead of a bare "invalid".
#include <arpa/inet.h>

#include <optional>

#include "config/address.h"

namespace sipedge::config {
namespace {

std::string quoted(std::string_view text) {
  std::string out;
  out.reserve(text.size() + 2);
  out += '"';
  out += text;
  out += '"';
  return out;
}

bool host_bits_zero(const Ipv6& ip, std::uint8_t length) {
  for (std::size_t bit = length; bit < 128; ++bit) {
    if (ip[bit / 8] & (0x80u >> (bit % 8))) return false;
  }
  return true;
}

Ipv6 network_of(Ipv6 ip, std::uint8_t length) {
  for (std::size_t bit = length; bit < 128; ++bit) ip[bit / 8] &= static_cast<std::uint8_t>(~(0x80u >> (bit % 8)));
  return ip;
}

struct Split {
  std::string_view address;
  std::optional<std::string_view> length;
};
Split split(std::string_view text) {
  const auto slash = text.find('/');
  if (slash == std::string_view::npos) return {text, std::nullopt};
  return {text.substr(0, slash), text.substr(slash + 1)};
}

std::optional<std::uint8_t> prefix_length(std::string_view text) {
  if (text.empty() || text.size() > 3 || (text.size() > 1 && text.front() == '0')) return std::nullopt;
  unsigned v = 0;
  for (char c : text) {
    if (c < '0' || c > '9') return std::nullopt;
    v = v * 10 + unsigned(c - '0');
  }
  if (v > 128) return std::nullopt;
  return static_cast<std::uint8_t>(v);
}

}  // namespace

bool Ipv6Prefix::contains(const Ipv6& ip) const { return network_of(ip, length) == address; }

bool is_ipv6_unicast(const Ipv6& ip) {
  const Ipv6 zero{};
  Ipv6 loopback{};
  loopback[15] = 1;
  return ip != zero && ip != loopback && ip[0] != 0xff;
}

Parsed<Ipv6> parse_ipv6(std::string_view text) {
  if (text.find(':') == std::string_view::npos) return quoted(text) + " is not an IPv6 address";
  if (text.front() == '[') return quoted(text) + ": write the IPv6 address without brackets";
  if (text.find('%') != std::string_view::npos) return quoted(text) + ": zone indexes are not allowed";
  if (text.size() > 45) return quoted(text) + " is not an IPv6 address";
  for (char c : text) {
    const bool ok = (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F') || c == ':' || c == '.';
    if (!ok) return quoted(text) + " is not an IPv6 address";
  }
  const std::string copy(text);
  Ipv6 ip{};
  if (inet_pton(AF_INET6, copy.c_str(), ip.data()) != 1) return quoted(text) + " is not an IPv6 address";
  return ip;
}

Parsed<Ipv6Prefix> parse_ipv6_prefix(std::string_view text) {
  const auto parts = split(text);
  if (!parts.length) return quoted(text) + " has no prefix length (\"/len\")";
  const auto ip = parse_ipv6(parts.address);
  if (const auto* why = std::get_if<std::string>(&ip)) return *why;
  const auto length = prefix_length(*parts.length);
  if (!length) return quoted(text) + ": the prefix length must be 0..128";
  const Ipv6& address = std::get<Ipv6>(ip);
  if (!host_bits_zero(address, *length)) {
    return quoted(text) + " has host bits set (the network is " +
           format_prefix(Ipv6Prefix{network_of(address, *length), *length}) + ")";
  }
  return Ipv6Prefix{address, *length};
}

Parsed<Ipv6Interface> parse_ipv6_interface(std::string_view text) {
  const auto parts = split(text);
  if (!parts.length) return quoted(text) + " has no prefix length (\"/len\")";
  const auto ip = parse_ipv6(parts.address);
  if (const auto* why = std::get_if<std::string>(&ip)) return *why;
  const auto length = prefix_length(*parts.length);
  if (!length) return quoted(text) + ": the prefix length must be 0..128";
  const Ipv6& address = std::get<Ipv6>(ip);
  if (!is_ipv6_unicast(address)) return quoted(text) + " is not a unicast address";
  const Ipv6Prefix subnet{network_of(address, *length), *length};
  if (*length <= 126 && address == subnet.address) {
    return quoted(text) + " is the subnet's Subnet-Router anycast address, not a host";
  }
  return Ipv6Interface{address, subnet};
}

std::string format_ipv6(const Ipv6& ip) {
  char text[INET6_ADDRSTRLEN];
  if (inet_ntop(AF_INET6, ip.data(), text, sizeof text) == nullptr) return "?";
  return text;
}

std::string format_prefix(const Ipv6Prefix& prefix) {
  return format_ipv6(prefix.address) + "/" + std::to_string(prefix.length);
}

}  // namespace sipedge::config
