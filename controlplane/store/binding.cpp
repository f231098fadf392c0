#include "store/binding.h"

#include <arpa/inet.h>

#include <charconv>

namespace sipedge::store {

std::string address_text(const Endpoint& endpoint) {
  if (endpoint.v6) {
    char text[INET6_ADDRSTRLEN] = {};
    inet_ntop(AF_INET6, endpoint.ip6.bytes.data(), text, sizeof text);  // cannot fail on 16 bytes
    return text;
  }
  std::string out;
  out.reserve(15);
  for (int shift = 24; shift >= 0; shift -= 8) {
    out += std::to_string((endpoint.ip >> shift) & 0xFFu);
    if (shift != 0) out += '.';
  }
  return out;
}

std::string host_text(const Endpoint& endpoint) {
  std::string out = address_text(endpoint);
  if (endpoint.v6) {
    out.insert(out.begin(), '[');
    out.push_back(']');
  }
  return out;
}

std::string to_string(const Endpoint& endpoint) { return host_text(endpoint) + ":" + std::to_string(endpoint.port); }

std::optional<Endpoint> parse_address(std::string_view text, std::uint16_t port) {
  if (text.empty() || text.size() >= INET6_ADDRSTRLEN) return std::nullopt;
  const std::string copy(text);
  if (copy.find(':') != std::string::npos) {
    net::Ipv6Addr ip6;
    if (inet_pton(AF_INET6, copy.c_str(), ip6.bytes.data()) != 1) return std::nullopt;
    return Endpoint::ipv6(ip6, port);
  }
  in_addr ip4{};
  if (inet_pton(AF_INET, copy.c_str(), &ip4) != 1) return std::nullopt;
  return Endpoint::ipv4(ntohl(ip4.s_addr), port);
}

std::optional<Endpoint> parse_endpoint(std::string_view text) {
  std::string_view host;
  std::string_view port_text;
  if (!text.empty() && text.front() == '[') {
    const auto close = text.find(']');
    if (close == std::string_view::npos || close + 1 >= text.size() || text[close + 1] != ':') return std::nullopt;
    host = text.substr(1, close - 1);
    port_text = text.substr(close + 2);
    if (host.find(':') == std::string_view::npos) return std::nullopt;  // "[198.51.100.7]:5060"
  } else {
    const auto colon = text.rfind(':');
    if (colon == std::string_view::npos) return std::nullopt;
    host = text.substr(0, colon);
    port_text = text.substr(colon + 1);
    if (host.find(':') != std::string_view::npos) return std::nullopt;  // v6 needs brackets
  }
  std::uint16_t port = 0;
  const auto [end, ec] = std::from_chars(port_text.data(), port_text.data() + port_text.size(), port);
  if (port_text.empty() || ec != std::errc{} || end != port_text.data() + port_text.size()) return std::nullopt;
  return parse_address(host, port);
}

bool Binding::same_persistent(const Binding& other) const noexcept {
  return aor == other.aor && contact == other.contact && received == other.received && local == other.local &&
         path == other.path && expires_at == other.expires_at && registered_at == other.registered_at &&
         last_refresh_ms == other.last_refresh_ms && q == other.q && has_q == other.has_q &&
         call_id == other.call_id && cseq == other.cseq && user_agent == other.user_agent && nat == other.nat &&
         nat_bits == other.nat_bits && instance_id == other.instance_id && reg_id == other.reg_id &&
         owner == other.owner;
}

}  // namespace sipedge::store
