#include "sip/uri.h"

#include "sip/ipv4.h"
#include "sip/ipv6.h"
#include "sip/lex.h"

namespace sipedge::sip {
namespace {

constexpr bool is_hex(char c) { return lex::is_digit(c) || (lex::lower(c) >= 'a' && lex::lower(c) <= 'f'); }
constexpr int hex_value(char c) { return lex::is_digit(c) ? c - '0' : lex::lower(c) - 'a' + 10; }

//   hostname = *( domainlabel "." ) toplabel [ "." ]
//   domainlabel = alphanum / alphanum *( alphanum / "-" ) alphanum
//   toplabel = ALPHA / ALPHA *( alphanum / "-" ) alphanum
// Lenient on '-' placement; strict on characters and an alphabetic toplabel.
constexpr bool valid_hostname(std::string_view s) {
  if (s.empty() || s.front() == '.' || s.front() == '-') return false;
  if (s.back() == '.') s.remove_suffix(1);
  if (s.empty()) return false;
  // One pass: characters, no empty label, and where the toplabel starts.
  std::size_t top = 0;
  for (std::size_t i = 0; i < s.size(); ++i) {
    const char c = s[i];
    if (!lex::is(c, lex::kHost)) return false;
    if (c == '.') {
      if (s[i - 1] == '.') return false;  // i > 0: s.front() is not '.'
      top = i + 1;
    }
  }
  return top < s.size() && !lex::is_digit(s[top]) && s[top] != '-';
}

// Validates u.params and keeps the parameters the fast path asks for, the
// first of each name, as find_param() would return it.
bool scan_params(Uri& u) {
  ParamIterator it(u.params);
  Param p;
  bool alias = false, transport = false;
  while (it.next(p)) {
    if (!alias && lex::iequals(p.name, "alias")) {
      u.alias_param = p.value;
      alias = true;
    } else if (!transport && lex::iequals(p.name, "transport")) {
      u.transport_param = p.value;
      transport = true;
    }
  }
  return !it.error();
}

}  // namespace

std::string_view Uri::host_with_brackets() const noexcept {
  if (host_type != HostType::ipv6) return host;
  return {host.data() - 1, host.size() + 2};
}

bool Uri::has_param(std::string_view name) const noexcept {
  Param p;
  return find_param(params, name, p);
}

namespace {
std::string_view param_value(std::string_view params, std::string_view name) {
  Param p;
  return find_param(params, name, p) ? p.value : std::string_view{};
}
}  // namespace

std::string_view Uri::transport() const noexcept { return transport_param; }
std::string_view Uri::maddr() const noexcept { return param_value(params, "maddr"); }
std::string_view Uri::alias() const noexcept { return alias_param; }
std::string_view Uri::user_param() const noexcept { return param_value(params, "user"); }

std::uint16_t Uri::port_or_default() const noexcept {
  if (has_port) return port;
  return scheme == UriScheme::sips || lex::iequals(transport(), "tls") ? 5061 : 5060;
}

ParseError parse_uri_into(std::string_view text, Uri& u) noexcept {
  u.text = text;
  if (text.empty()) return ParseError::bad_uri;
  if (lex::uri_span(text.data(), text.size()) != text.size()) return ParseError::bad_uri;
  // The scheme runs to the first ':'; scanning it as scheme characters
  // finds that colon too (a byte that is neither ends the scan, and then
  // the first colon, if any, follows a character no scheme may hold).
  std::size_t colon = 0;
  while (colon < text.size() && (lex::is(text[colon], lex::kHost) || text[colon] == '+')) ++colon;
  // scheme = ALPHA *( ALPHA / DIGIT / "+" / "-" / "." ): the scan checked all but the first.
  if (colon == 0 || colon == text.size() || text[colon] != ':' || !(lex::lower(text[0]) >= 'a' && lex::lower(text[0]) <= 'z')) return ParseError::bad_uri;
  u.scheme_text = text.substr(0, colon);
  std::string_view rest = text.substr(colon + 1);
  if (lex::iequals(u.scheme_text, "sip")) {
    u.scheme = UriScheme::sip;
  } else if (lex::iequals(u.scheme_text, "sips")) {
    u.scheme = UriScheme::sips;
  } else if (lex::iequals(u.scheme_text, "tel")) {
    u.scheme = UriScheme::tel;
  } else {
    if (rest.empty()) return ParseError::bad_uri;
    u.opaque = rest;
    return ParseError::ok;
  }
  if (rest.empty()) return ParseError::bad_uri;

  if (u.scheme == UriScheme::tel) {
    // telephone-subscriber *( ";" par )  (RFC 3966)
    const std::size_t semi = rest.find(';');
    u.user = rest.substr(0, semi);
    if (u.user.empty()) return ParseError::bad_uri;
    if (semi != std::string_view::npos) {
      u.params = rest.substr(semi);
      if (!scan_params(u)) return ParseError::bad_param;
    }
    return ParseError::ok;
  }

  // userinfo: the user may contain ';' and '?' (user-unreserved) but never an
  // unescaped '@', so the first '@' ends it.
  const std::size_t at = rest.find('@');
  if (at != std::string_view::npos) {
    const std::string_view userinfo = rest.substr(0, at);
    const std::size_t pw = userinfo.find(':');
    u.user = userinfo.substr(0, pw);
    if (pw != std::string_view::npos) u.password = userinfo.substr(pw + 1);
    if (u.user.empty()) return ParseError::bad_uri;
    rest = rest.substr(at + 1);
  }

  // hostport
  std::size_t i = 0;
  if (!rest.empty() && rest.front() == '[') {
    // IPv6reference = "[" IPv6address "]" (RFC 3261 25.1, RFC 5118 4.1/4.2)
    const std::size_t close = rest.find(']');
    if (close == std::string_view::npos) return ParseError::bad_ipv6_reference;
    u.host = rest.substr(1, close - 1);
    const auto a = parse_ipv6(u.host);
    if (!a) return ParseError::bad_ipv6_reference;
    u.ipv6 = *a;
    u.host_type = HostType::ipv6;
    i = close + 1;
  } else {
    i = lex::span_none_of<':', ';', '?'>(rest.data(), rest.size());
    u.host = rest.substr(0, i);
    if (auto a = parse_ipv4(u.host)) {
      u.host_type = HostType::ipv4;
      u.ipv4 = *a;
    } else if (valid_hostname(u.host)) {
      u.host_type = HostType::hostname;
    } else {
      return ParseError::bad_host;
    }
  }
  if (i < rest.size() && rest[i] == ':') {
    std::size_t j = i + 1;
    while (j < rest.size() && lex::is_digit(rest[j])) ++j;
    std::uint64_t port = 0;
    if (!lex::parse_digits(rest.substr(i + 1, j - i - 1), 65535, port)) return ParseError::bad_port;
    u.port = static_cast<std::uint16_t>(port);
    u.has_port = true;
    i = j;
  }
  rest = rest.substr(i);
  if (!rest.empty() && rest.front() == ';') {
    const std::size_t q = rest.find('?');
    u.params = rest.substr(0, q);
    if (!scan_params(u)) return ParseError::bad_param;
    rest = q == std::string_view::npos ? std::string_view{} : rest.substr(q);
  }
  if (!rest.empty()) {
    if (rest.front() != '?' || rest.size() == 1) return ParseError::bad_uri;
    u.headers = rest.substr(1);
  }
  return ParseError::ok;
}

Result<Uri> parse_uri(std::string_view text) noexcept {
  Result<Uri> r(ParseError::ok);
  if (const ParseError e = parse_uri_into(text, r.mutable_value()); e != ParseError::ok) r = Result<Uri>(e);
  return r;
}

std::optional<std::size_t> unescape(std::string_view text, std::span<char> out) noexcept {
  std::size_t n = 0;
  for (std::size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (c == '%') {
      if (i + 2 >= text.size()) return std::nullopt;
      if (!is_hex(text[i + 1]) || !is_hex(text[i + 2])) return std::nullopt;
      c = static_cast<char>(hex_value(text[i + 1]) * 16 + hex_value(text[i + 2]));
      i += 2;
    }
    if (n >= out.size()) return std::nullopt;
    out[n++] = c;
  }
  return n;
}

}  // namespace sipedge::sip
