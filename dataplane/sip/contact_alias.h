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

#include "sip/message.h"
#include "sip/rewrite.h"

namespace sipedge::sip {

// ";alias=" + dotted quad + "~" + port + "~1".
inline constexpr std::size_t kContactAliasMaxLength = 7 + 15 + 1 + 5 + 2;

struct ContactAlias {
  char text[kContactAliasMaxLength];
  std::uint8_t size = 0;
  std::string_view view() const noexcept { return {text, size}; }
};

// ";alias=a.b.c.d~port~1" for a source address (host order).
ContactAlias make_contact_alias(std::uint32_t source_ip, std::uint16_t source_port) noexcept;

struct ContactAliasResult {
  RewriteError error = RewriteError::ok;
  std::size_t aliased = 0;  // Contact values that got an alias
};

// Records the alias edits on `rw` (a Rewriter over `msg`) for every Contact
// value of `msg`. On an error, the Contacts before it have their edits.
ContactAliasResult add_contact_alias(const Message& msg, Rewriter& rw, const ContactAlias& alias) noexcept;

}  // namespace sipedge::sip
