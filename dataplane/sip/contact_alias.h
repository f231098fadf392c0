#pragma once
// The far-end NAT fix on Contact: a UA behind a NAT advertises an address the
// far side cannot reach (a private one, or the NAT's inside port). The edge
// appends `;alias=ip~port~1` (the source address the message really came
// from, transport 1 = UDP, as Kamailio's nathelper writes it) to each Contact
// URI, so a later request to that Contact is sent to the NAT's public side by
// any edge node, statelessly (proxy worker: uri_endpoint()). RFC 3261 19.1.4
// ignores a parameter present in only one of two URIs, so the UA still
// recognises its Contact.
//
// Used by the control plane for NAT-flagged requests (before DISPATCH) and by
// the dataplane for 1xx/2xx responses from NATed UAs (calls into them).
//
// Thread-safety: pure functions. No allocation; the alias text lives in the
// caller's ContactAlias, which must outlive the Rewriter's apply().
// Errors: the Rewriter's (too_many_edits); a Contact that does not parse,
// "*", a non-SIP URI, or one that already has an alias is left as it is.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "sip/ipv6.h"
#include "sip/message.h"
#include "sip/rewrite.h"

namespace sipedge::sip {

// ";alias=" + dotted quad or "[" IPv6 "]" + "~" + port + "~1". IPv6 goes
// in brackets as Kamailio's nathelper writes it (a URI parameter may hold
// '[', ']' and ':', RFC 3261 25.1 param-unreserved).
inline constexpr std::size_t kContactAliasMaxLength = 7 + kIpv6ReferenceMax + 1 + 5 + 2;

struct ContactAlias {
  char text[kContactAliasMaxLength];
  std::uint8_t size = 0;
  std::string_view view() const noexcept { return {text, size}; }
};

// ";alias=a.b.c.d~port~1" for a source address (host order).
ContactAlias make_contact_alias(std::uint32_t source_ip, std::uint16_t source_port) noexcept;
// ";alias=[2001:db8::1]~port~1" for an IPv6 source.
ContactAlias make_contact_alias(const Ipv6Address& source_ip, std::uint16_t source_port) noexcept;

// The address an `alias` parameter value ("ip~port~transport") names: an
// IPv4 literal or an IPv6 one, bracketed as written above or bare, and a
// port 1..65535. type none when it does not parse.
struct AliasTarget {
  ViaAddress address;
  std::uint16_t port = 0;
};
AliasTarget parse_alias(std::string_view alias) noexcept;

struct ContactAliasResult {
  RewriteError error = RewriteError::ok;
  std::size_t aliased = 0;  // Contact values that got an alias
};

// Records the alias edits on `rw` (a Rewriter over `msg`) for every Contact
// value of `msg`. On an error, the Contacts before it have their edits.
ContactAliasResult add_contact_alias(const Message& msg, Rewriter& rw, const ContactAlias& alias) noexcept;

}  // namespace sipedge::sip
