#include "config/listen.h"

#include <charconv>

namespace sipedge::config {
namespace {

std::string quoted(std::string_view text) {
  std::string out(1, '"');
  out += text;
  out += '"';
  return out;
}

bool parse_port(std::string_view text, std::uint16_t& port) {
  unsigned value = 0;
  if (text.empty() || text.size() > 5 || text.front() == '0') return false;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc{} || end != text.data() + text.size() || value < 1 || value > 65535) return false;
  port = static_cast<std::uint16_t>(value);
  return true;
}

}  // namespace

bool ListenAddress::off() const { return v6 ? address6 == Ipv6{} : address == 0; }

bool ListenAddress::is_loopback() const {
  if (!v6) return (address >> 24) == 127;
  Ipv6 loopback{};
  loopback[15] = 1;
  if (address6 == loopback) return true;
  // ::ffff:127.0.0.0/104, an IPv4-mapped loopback address.
  for (std::size_t i = 0; i < 10; ++i)
    if (address6[i] != 0) return false;
  return address6[10] == 0xff && address6[11] == 0xff && address6[12] == 127;
}

Parsed<ListenAddress> parse_listen_address(std::string_view text) {
  if (text.empty() || text.front() != '[') {
    if (text.find(':') != text.rfind(':'))
      return quoted(text) + ": write an IPv6 address in brackets with the port, e.g. \"[::1]:9090\"";
    auto v4 = parse_ipv4_endpoint(text);
    if (const auto* e = std::get_if<Ipv4Endpoint>(&v4)) return ListenAddress{e->address, e->port, false, {}};
    return quoted(text) + " is not an address and port (a.b.c.d:1..65535 or [IPv6]:1..65535)";
  }
  const auto close = text.find(']');
  if (close == std::string_view::npos)
    return quoted(text) + ": no ']' after the IPv6 address (write \"[IPv6]:port\")";
  std::uint16_t port = 0;
  if (close + 1 >= text.size() || text[close + 1] != ':' || !parse_port(text.substr(close + 2), port))
    return quoted(text) + ": the IPv6 address needs a port 1..65535 after ']:', e.g. \"[::1]:9090\"";
  auto ip = parse_ipv6(text.substr(1, close - 1));
  if (const auto* why = std::get_if<std::string>(&ip)) return quoted(text) + ": " + *why;
  return ListenAddress::ipv6(std::get<Ipv6>(ip), port);
}

std::string format_listen_host(const ListenAddress& at) {
  if (!at.v6) return format_ipv4(at.address);
  std::string out(1, '[');
  out += format_ipv6(at.address6);
  out += ']';
  return out;
}

std::string format_listen_address(const ListenAddress& at) {
  std::string out = format_listen_host(at);
  out += ':';
  out += std::to_string(at.port);
  return out;
}

}  // namespace sipedge::config
