#pragma once
// URIs as they appear in SIP: sip:, sips:, tel: parsed; any other scheme kept
// opaque (RFC 3261 19.1, RFC 3966).
//
//   SIP-URI  = "sip:" [ userinfo ] hostport uri-parameters [ headers ]
//   userinfo = ( user / telephone-subscriber ) [ ":" password ] "@"
//   hostport = host [ ":" port ]
//   host     = hostname / IPv4address / IPv6reference
//   uri-parameters = *( ";" uri-parameter )
//   headers  = "?" header *( "&" header )
//
// Escapes (%XX) are kept raw in every field: compare after unescape().
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string_view>

#include "sip/error.h"
#include "sip/ipv6.h"
#include "sip/params.h"

namespace sipedge::sip {

enum class UriScheme : std::uint8_t { other, sip, sips, tel };
enum class HostType : std::uint8_t { none, hostname, ipv4, ipv6 };

struct Uri {
  UriScheme scheme = UriScheme::other;
  std::string_view scheme_text;  // as written ("SIP", "sip", "urn", ...)
  std::string_view user;         // sip/sips: user part; tel: the number; raw escapes
  std::string_view password;     // empty when absent
  std::string_view host;         // IPv6 without the brackets
  HostType host_type = HostType::none;
  std::uint32_t ipv4 = 0;        // host-order address when host_type == ipv4
  Ipv6Address ipv6;              // when host_type == ipv6
  std::uint16_t port = 0;        // 0 when absent
  bool has_port = false;
  std::string_view params;       // ";lr;transport=udp" (leading ';' kept), may be empty
  std::string_view headers;      // after '?', may be empty
  std::string_view opaque;       // other schemes: everything after "scheme:"
  std::string_view text;         // the whole URI
  // Values of the first `alias` / `transport` parameter, located by
  // parse_uri() (empty when absent or valueless); read them via alias() and
  // transport().
  std::string_view alias_param;
  std::string_view transport_param;

  bool has_user() const noexcept { return !user.empty(); }
  // Host as written in the URI (brackets kept for IPv6): what goes back on the wire.
  std::string_view host_with_brackets() const noexcept;
  // Parameter lookups (case-insensitive names).
  bool param(std::string_view name, Param& out) const noexcept { return find_param(params, name, out); }
  bool has_param(std::string_view name) const noexcept;
  bool lr() const noexcept { return has_param("lr"); }
  std::string_view transport() const noexcept;  // empty when absent
  std::string_view maddr() const noexcept;
  std::string_view alias() const noexcept;      // `alias=ip~port~proto` (NAT helpers)
  std::string_view user_param() const noexcept;  // `user=phone`
  // Port to use when sending: the explicit one, else 5061 for sips, else 5060.
  std::uint16_t port_or_default() const noexcept;
};

// Parses one URI (no surrounding whitespace or <>). Errors: bad_uri, bad_host,
// bad_ipv6_reference, bad_port, bad_param.
Result<Uri> parse_uri(std::string_view text) noexcept;
// parse_uri() into `out`, which must be a default-constructed Uri (for a
// caller that keeps the Uri inside a larger value: no copy). `out` is
// unspecified unless it returns ParseError::ok.
ParseError parse_uri_into(std::string_view text, Uri& out) noexcept;

// Decodes %XX escapes into `out`; returns the decoded length, or nullopt when
// an escape is malformed or `out` is too small.
std::optional<std::size_t> unescape(std::string_view text, std::span<char> out) noexcept;

}  // namespace sipedge::sip
