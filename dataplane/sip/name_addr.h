#pragma once
// From / To / Contact / Route / Record-Route / Refer-To values
// (RFC 3261 20.10, 20.20, 20.39, 25.1).
//
//   name-addr    = [ display-name ] LAQUOT addr-spec RAQUOT
//   addr-spec    = SIP-URI / SIPS-URI / absoluteURI
//   display-name = *(token LWS)/ quoted-string
//   from-spec    = ( name-addr / addr-spec ) *( SEMI from-param )
//   contact-param = (name-addr / addr-spec) *(SEMI contact-params)
//
// Without <>, everything after the first ';' is a header parameter, not a URI
// parameter (RFC 3261 20.10).
#include <cstdint>
#include <string_view>

#include "sip/error.h"
#include "sip/params.h"
#include "sip/uri.h"

namespace sipedge::sip {

struct NameAddr {
  std::string_view display_name;  // without quotes; raw escapes (\"); may be empty
  bool display_quoted = false;
  bool bracketed = false;         // name-addr form (<...>)
  bool star = false;              // Contact: * (then nothing else is set)
  Uri uri;
  std::string_view uri_text;      // the URI as written, without <>
  std::string_view params;        // header params (";tag=x;expires=60"), leading ';' kept
  std::string_view tag;           // tag param value; empty when absent
  bool has_tag = false;
  std::string_view text;          // the whole value

  bool param(std::string_view name, Param& out) const noexcept { return find_param(params, name, out); }
};

// Parses one element (not a comma list). Errors: bad_name_addr, bad_uri,
// bad_host, bad_port, bad_param. `allow_star` accepts "*" (Contact).
Result<NameAddr> parse_name_addr(std::string_view value, bool allow_star = false) noexcept;
// parse_name_addr() into `out`, which must be a default-constructed
// NameAddr (no copy of the large value on return). `out` is unspecified
// unless it returns ParseError::ok.
ParseError parse_name_addr_into(std::string_view value, bool allow_star, NameAddr& out) noexcept;

// False when `value` cannot carry a tag parameter: it holds no "tag" in any
// case, so parse_name_addr() would find none (has_tag false) whether or not
// the value parses. Lets a caller that only needs the tag (in-dialog or not)
// skip the parse for the common To of an initial request.
bool may_have_tag(std::string_view value) noexcept;

// Display name with \-escapes removed, into `out`; returns the length written
// (truncated to out.size()).
std::size_t unescape_display_name(std::string_view raw, std::span<char> out) noexcept;

}  // namespace sipedge::sip
