#include "config/address.h"

#include <algorithm>
#include <cstdio>
#include <optional>

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

bool is_digit(char c) { return c >= '0' && c <= '9'; }

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// Decimal without sign or leading zeros, at most max_digits digits.
std::optional<std::uint32_t> parse_decimal(std::string_view text, std::size_t max_digits) {
  if (text.empty() || text.size() > max_digits) return std::nullopt;
  if (text.size() > 1 && text.front() == '0') return std::nullopt;
  std::uint32_t value = 0;
  for (char c : text) {
    if (!is_digit(c)) return std::nullopt;
    value = value * 10 + std::uint32_t(c - '0');
  }
  return value;
}

// IPv6 literals have at least two colons, optionally in brackets.
bool looks_like_ipv6(std::string_view text) {
  return (!text.empty() && text.front() == '[') || std::count(text.begin(), text.end(), ':') >= 2;
}

std::string ipv6_refusal(std::string_view text) { return quoted(text) + ": IPv6 not supported yet"; }

std::optional<Ipv4> scan_ipv4(std::string_view text) {
  Ipv4 ip = 0;
  for (int part = 0; part < 4; ++part) {
    const std::size_t dot = part < 3 ? text.find('.') : text.size();
    if (dot == std::string_view::npos) return std::nullopt;
    const auto octet = parse_decimal(text.substr(0, dot), 3);
    if (!octet || *octet > 255) return std::nullopt;
    ip = ip << 8 | *octet;
    text.remove_prefix(part < 3 ? dot + 1 : dot);
  }
  return ip;
}

// Splits "a.b.c.d/len"; nullopt length when there is no '/'.
struct PrefixParts {
  std::string_view address;
  std::optional<std::string_view> length;
};

PrefixParts split_prefix(std::string_view text) {
  const std::size_t slash = text.find('/');
  if (slash == std::string_view::npos) return {text, std::nullopt};
  return {text.substr(0, slash), text.substr(slash + 1)};
}

}  // namespace

Parsed<Ipv4> parse_ipv4(std::string_view text) {
  if (looks_like_ipv6(text)) return ipv6_refusal(text);
  if (auto ip = scan_ipv4(text)) return *ip;
  return quoted(text) + " is not an IPv4 address";
}

Parsed<Ipv4Prefix> parse_ipv4_prefix(std::string_view text) {
  const auto parts = split_prefix(text);
  if (looks_like_ipv6(parts.address)) return ipv6_refusal(text);
  const auto ip = scan_ipv4(parts.address);
  const auto length = parts.length ? parse_decimal(*parts.length, 2) : std::optional<std::uint32_t>{32};
  if (!ip || !length || *length > 32) return quoted(text) + " is not an IPv4 prefix (a.b.c.d/0..32)";
  const Ipv4Prefix prefix{*ip & prefix_mask(std::uint8_t(*length)), std::uint8_t(*length)};
  if (prefix.address != *ip) return quoted(text) + " has host bits set (the network is " + format_prefix(prefix) + ")";
  return prefix;
}

Parsed<Ipv4Interface> parse_ipv4_interface(std::string_view text) {
  const auto parts = split_prefix(text);
  if (looks_like_ipv6(parts.address)) return ipv6_refusal(text);
  const auto ip = scan_ipv4(parts.address);
  const auto length = parts.length ? parse_decimal(*parts.length, 2) : std::nullopt;
  if (!ip || !length || *length < 1 || *length > 32)
    return quoted(text) + " is not an interface address (a.b.c.d/1..32)";
  const Ipv4Prefix subnet{*ip & prefix_mask(std::uint8_t(*length)), std::uint8_t(*length)};
  // /31 and /32 have no network or broadcast address (RFC 3021).
  if (*length <= 30) {
    if (*ip == subnet.address) return quoted(text) + " is the subnet's network address, not a host";
    if (*ip == (subnet.address | ~subnet.mask()))
      return quoted(text) + " is the subnet's broadcast address, not a host";
  }
  return Ipv4Interface{*ip, subnet};
}

Parsed<Ipv4Endpoint> parse_ipv4_endpoint(std::string_view text) {
  if (looks_like_ipv6(text)) return ipv6_refusal(text);
  const auto refusal = quoted(text) + " is not an IPv4 address and port (a.b.c.d:1..65535)";
  const std::size_t colon = text.find(':');
  if (colon == std::string_view::npos) return refusal;
  const auto ip = scan_ipv4(text.substr(0, colon));
  const auto port = parse_decimal(text.substr(colon + 1), 5);
  if (!ip || !port || *port < 1 || *port > 65535) return refusal;
  return Ipv4Endpoint{*ip, std::uint16_t(*port)};
}

Parsed<HostPort> parse_host_port(std::string_view text) {
  if (looks_like_ipv6(text)) return ipv6_refusal(text);
  const auto refusal = quoted(text) + " is not a host and port (name-or-a.b.c.d:1..65535)";
  const std::size_t colon = text.find(':');
  if (colon == std::string_view::npos) return refusal;
  const std::string_view host = text.substr(0, colon);
  const auto port = parse_decimal(text.substr(colon + 1), 5);
  const bool numeric =
      !host.empty() && std::all_of(host.begin(), host.end(), [](char c) { return is_digit(c) || c == '.'; });
  const bool host_ok = numeric ? scan_ipv4(host).has_value() : is_dns_name(host);
  if (!host_ok || !port || *port < 1 || *port > 65535) return refusal;
  return HostPort{std::string(host), std::uint16_t(*port)};
}

Parsed<MacAddress> parse_mac(std::string_view text) {
  MacAddress mac{};
  const bool shape = text.size() == 17 && (text[2] == ':' || text[2] == '-');
  for (std::size_t i = 0; shape && i < mac.size(); ++i) {
    const int high = hex_value(text[i * 3]);
    const int low = hex_value(text[i * 3 + 1]);
    if (high < 0 || low < 0 || (i < 5 && text[i * 3 + 2] != text[2]))
      return quoted(text) + " is not a MAC address (xx:xx:xx:xx:xx:xx)";
    mac[i] = std::uint8_t(high << 4 | low);
  }
  if (!shape) return quoted(text) + " is not a MAC address (xx:xx:xx:xx:xx:xx)";
  return mac;
}

namespace {

bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    const char x = (a[i] >= 'A' && a[i] <= 'Z') ? char(a[i] - 'A' + 'a') : a[i];
    const char y = (b[i] >= 'A' && b[i] <= 'Z') ? char(b[i] - 'A' + 'a') : b[i];
    if (x != y) return false;
  }
  return true;
}

}  // namespace

Parsed<DestinationAddress> parse_destination(std::string_view uri, std::uint16_t default_port) {
  const auto refuse = [&](std::string_view why) { return quoted(uri) + ": " + std::string(why); };
  if (uri.size() >= 5 && iequals(uri.substr(0, 5), "sips:")) return refuse("sips: is not supported (UDP only)");
  if (uri.size() < 4 || !iequals(uri.substr(0, 4), "sip:"))
    return refuse("must be a sip: URI (sip:a.b.c.d[:port] or sip:[2001:db8::1][:port])");
  std::string_view rest = uri.substr(4);
  if (rest.find('@') != std::string_view::npos) return refuse("a destination URI has no user part");
  if (rest.find('?') != std::string_view::npos) return refuse("a destination URI has no headers");
  const std::size_t semicolon = rest.find(';');
  std::string_view params = semicolon == std::string_view::npos ? std::string_view{} : rest.substr(semicolon + 1);
  const std::string_view hostport = rest.substr(0, semicolon);
  while (!params.empty()) {
    const std::size_t next = params.find(';');
    const std::string_view param = params.substr(0, next);
    params = next == std::string_view::npos ? std::string_view{} : params.substr(next + 1);
    if (iequals(param, "transport=udp")) continue;
    if (param.size() >= 10 && iequals(param.substr(0, 10), "transport="))
      return refuse("only transport=udp is supported");
    return refuse("unsupported URI parameter " + quoted(param));
  }
  DestinationAddress d{.port = default_port};
  std::string_view port_text;
  bool has_port = false;
  if (!hostport.empty() && hostport.front() == '[') {
    // IPv6reference (RFC 3261 25.1): the port, if any, follows the ']'.
    const std::size_t close = hostport.find(']');
    if (close == std::string_view::npos) return refuse("an IPv6 host needs its closing ']'");
    const auto ip = parse_ipv6(hostport.substr(1, close - 1));
    if (const auto* why = std::get_if<std::string>(&ip)) return refuse(*why);
    const Ipv6& a = std::get<Ipv6>(ip);
    if (!is_ipv6_unicast(a)) return refuse("the host must be a unicast IPv6 address");
    d.address6 = a;
    const std::string_view after = hostport.substr(close + 1);
    if (!after.empty()) {
      if (after.front() != ':') return refuse("only ':port' may follow the IPv6 host");
      port_text = after.substr(1);
      has_port = true;
    }
  } else {
    if (looks_like_ipv6(hostport)) return refuse("an IPv6 host is written in brackets: sip:[2001:db8::1]:5060");
    const std::size_t colon = hostport.find(':');
    const auto ip = scan_ipv4(hostport.substr(0, colon));
    if (!ip) return refuse("the host must be an IPv4 address or a bracketed IPv6 one (names are not resolved)");
    d.address = *ip;
    if (colon != std::string_view::npos) {
      port_text = hostport.substr(colon + 1);
      has_port = true;
    }
  }
  if (has_port) {
    const auto value = parse_decimal(port_text, 5);
    if (!value || *value < 1 || *value > 65535) return refuse("the port must be 1..65535");
    d.port = std::uint16_t(*value);
  }
  return d;
}

Parsed<Ipv4Endpoint> parse_destination_uri(std::string_view uri, std::uint16_t default_port) {
  auto parsed = parse_destination(uri, default_port);
  if (auto* why = std::get_if<std::string>(&parsed)) return std::move(*why);
  const auto& d = std::get<DestinationAddress>(parsed);
  if (d.address6) return quoted(uri) + ": an IPv4 destination is needed here";
  return Ipv4Endpoint{d.address, d.port};
}

bool is_dns_name(std::string_view text) {
  if (text.empty() || text.size() > 253) return false;
  std::size_t label = 0;
  char previous = '.';
  for (char c : text) {
    if (c == '.') {
      if (label == 0 || previous == '-') return false;
      label = 0;
    } else {
      const bool alnum = is_digit(c) || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
      if (!alnum && !(c == '-' && label > 0)) return false;
      if (++label > 63) return false;
    }
    previous = c;
  }
  return label > 0 && previous != '-';
}

std::string format_ipv4(Ipv4 ip) {
  char text[16];
  std::snprintf(text, sizeof text, "%u.%u.%u.%u", ip >> 24, (ip >> 16) & 0xFF, (ip >> 8) & 0xFF, ip & 0xFF);
  return text;
}

std::string format_prefix(const Ipv4Prefix& prefix) {
  return format_ipv4(prefix.address) + "/" + std::to_string(prefix.length);
}

std::string format_mac(const MacAddress& mac) {
  char text[18];
  std::snprintf(text, sizeof text, "%02x:%02x:%02x:%02x:%02x:%02x", mac[0], mac[1], mac[2], mac[3], mac[4], mac[5]);
  return text;
}

}  // namespace sipedge::config
