#include "sip/via.h"

#include "sip/ipv4.h"
#include "sip/ipv6.h"
#include "sip/lex.h"

namespace sipedge::sip {
namespace {

// SLASH = SWS "/" SWS ; COLON = SWS ":" SWS
bool eat(std::string_view& s, char c) {
  std::string_view t = lex::skip_ws(s);
  if (t.empty() || t.front() != c) return false;
  s = lex::skip_ws(t.substr(1));
  return true;
}

std::string_view take_token(std::string_view& s) {
  const std::size_t n = lex::token_length(s);
  const std::string_view t = s.substr(0, n);
  s = s.substr(n);
  return t;
}

}  // namespace

Transport transport_from_text(std::string_view t) noexcept {
  if (t.size() == 3 && t[0] == 'U' && t[1] == 'D' && t[2] == 'P') return Transport::udp;  // as nearly all write it
  if (lex::iequals(t, "UDP")) return Transport::udp;
  if (lex::iequals(t, "TCP")) return Transport::tcp;
  if (lex::iequals(t, "TLS")) return Transport::tls;
  if (lex::iequals(t, "SCTP")) return Transport::sctp;
  if (lex::iequals(t, "WS")) return Transport::ws;
  if (lex::iequals(t, "WSS")) return Transport::wss;
  return Transport::other;
}

std::uint16_t Via::port_or_default() const noexcept {
  if (has_port) return port;
  return transport == Transport::tls ? 5061 : 5060;
}

ParseError parse_via_into(std::string_view value, Via& v) noexcept {
  std::string_view s = lex::trim(value);
  v.text = s;
  if (s.substr(0, 8) == "SIP/2.0/") {  // how nearly every Via is written
    v.protocol_name = s.substr(0, 3);
    v.protocol_version = s.substr(4, 3);
    s = s.substr(8);
  } else {
    v.protocol_name = take_token(s);
    if (v.protocol_name.empty() || !eat(s, '/')) return ParseError::bad_via;
    v.protocol_version = take_token(s);
    if (v.protocol_version.empty() || !eat(s, '/')) return ParseError::bad_via;
  }
  v.transport_text = take_token(s);
  if (v.transport_text.empty()) return ParseError::bad_via;
  v.transport = transport_from_text(v.transport_text);
  if (s.empty() || !lex::is_ws(s.front())) return ParseError::bad_via;
  s = lex::skip_ws(s);

  // sent-by = host [ COLON port ]
  const char* const sent_by_begin = s.data();
  std::size_t i = 0;
  if (!s.empty() && s.front() == '[') {
    // sent-by host = IPv6reference (RFC 3261 25.1, RFC 5118 4.5)
    const std::size_t close = s.find(']');
    if (close == std::string_view::npos) return ParseError::bad_ipv6_reference;
    v.host = s.substr(1, close - 1);
    const auto a = parse_ipv6(v.host);
    if (!a) return ParseError::bad_ipv6_reference;
    v.ipv6 = *a;
    v.host_type = HostType::ipv6;
    i = close + 1;
  } else {
    i = lex::host_span(s.data(), s.size());
    v.host = s.substr(0, i);
    if (v.host.empty()) return ParseError::bad_host;
    if (auto a = parse_ipv4(v.host)) {
      v.host_type = HostType::ipv4;
      v.ipv4 = *a;
    } else {
      if (v.host.front() == '-' || v.host.front() == '.') return ParseError::bad_host;
      v.host_type = HostType::hostname;
    }
  }
  s = s.substr(i);
  const char* sent_by_end = s.data();
  bool colon = false;
  if (!s.empty() && s.front() == ':') {  // nearly always a bare ':' right after the host
    s = lex::skip_ws(s.substr(1));
    colon = true;
  } else {
    colon = eat(s, ':');
  }
  if (colon) {
    std::size_t j = 0;
    while (j < s.size() && lex::is_digit(s[j])) ++j;
    std::uint64_t port = 0;
    if (!lex::parse_digits(s.substr(0, j), 65535, port)) return ParseError::bad_port;
    v.port = static_cast<std::uint16_t>(port);
    v.has_port = true;
    s = s.substr(j);
    sent_by_end = s.data();
  }
  v.sent_by = std::string_view(sent_by_begin, static_cast<std::size_t>(sent_by_end - sent_by_begin));

  s = lex::skip_ws(s);
  if (s.empty()) return ParseError::ok;
  if (s.front() != ';') return ParseError::bad_via;
  v.params = s;
  ParamIterator it(s);
  Param p;
  while (it.next(p)) {
    if (lex::iequals(p.name, "branch")) {
      if (v.branch.empty()) v.branch = p.value;
    } else if (lex::iequals(p.name, "received")) {
      if (!v.has_received) {
        v.received = p.value;
        v.has_received = true;
        v.received_param = p;
      }
    } else if (lex::iequals(p.name, "rport")) {
      if (v.has_rport) continue;
      v.has_rport = true;
      v.rport_param = p;
      if (p.has_value) {
        std::uint64_t port = 0;
        if (!lex::parse_digits(p.value, 65535, port)) return ParseError::bad_param;
        v.rport = static_cast<std::uint16_t>(port);
        v.rport_has_value = true;
      }
    } else if (lex::iequals(p.name, "maddr")) {
      v.maddr = p.value;
    } else if (lex::iequals(p.name, "ttl")) {
      v.ttl = p.value;
    }
  }
  if (it.error()) return ParseError::bad_param;
  return ParseError::ok;
}

bool parse_own_via(std::string_view value, const OwnViaPrefix& own, Via& out) noexcept {
  constexpr std::size_t kHostAt = 12;                  // after "SIP/2.0/UDP "
  constexpr std::size_t kBranchName = 8;               // ";branch="
  if (value.size() <= own.text.size() || value.substr(0, own.text.size()) != own.text) return false;
  if (own.text.size() < kHostAt + own.host_length + kBranchName) return false;
  const std::string_view branch = value.substr(own.text.size());
  // What ParamIterator takes as the value, to the end: then it is the only
  // parameter, as in the prefix.
  if (branch.front() == '"' || lex::param_value_span(branch.data(), branch.size()) != branch.size()) return false;
  const std::size_t params_at = own.text.size() - kBranchName;
  Via v;
  v.protocol_name = value.substr(0, 3);
  v.protocol_version = value.substr(4, 3);
  v.transport_text = value.substr(8, 3);
  v.transport = Transport::udp;
  if (own.v6) {
    v.host = value.substr(kHostAt + 1, own.host_length - 2);  // without the brackets, as parse_via
    v.host_type = HostType::ipv6;
    v.ipv6 = own.ipv6;
  } else {
    v.host = value.substr(kHostAt, own.host_length);
    v.host_type = HostType::ipv4;
    v.ipv4 = own.ipv4;
  }
  v.port = own.port;
  v.has_port = true;
  v.branch = branch;
  v.params = value.substr(params_at);
  v.sent_by = value.substr(kHostAt, params_at - kHostAt);
  v.text = value;
  out = v;
  return true;
}

ViaAddress parse_received(std::string_view r) noexcept {
  ViaAddress a;
  if (const auto v4 = parse_ipv4(r)) {
    a.type = HostType::ipv4;
    a.ipv4 = *v4;
  } else if (const auto v6 = (!r.empty() && r.front() == '[') ? parse_ipv6_reference(r) : parse_ipv6(r)) {
    a.type = HostType::ipv6;
    a.ipv6 = *v6;
  }
  return a;
}

ViaAddress response_address(const Via& via) noexcept {
  if (via.has_received) return parse_received(via.received);
  ViaAddress a;
  if (via.host_type == HostType::ipv4 || via.host_type == HostType::ipv6) {
    a.type = via.host_type;
    a.ipv4 = via.ipv4;
    a.ipv6 = via.ipv6;
  }
  return a;
}

Result<Via> parse_via(std::string_view value) noexcept {
  Result<Via> r(ParseError::ok);
  if (const ParseError e = parse_via_into(value, r.mutable_value()); e != ParseError::ok) r = Result<Via>(e);
  return r;
}

}  // namespace sipedge::sip
