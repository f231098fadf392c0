#pragma once
// Address-of-record normalisation and contact URI comparison.
//
// The AOR of a REGISTER is its To URI (RFC 3261 10.3 step 5), reduced to the
// canonical form "user@domain" under which bindings are stored: the user
// part %-unescaped and kept case-sensitive, the host lower-cased, scheme
// (sip/sips), port, parameters and headers dropped. IPv6 hosts keep their
// brackets ("alice@[2001:db8::1]").
//
// Contacts are compared with RFC 3261 19.1.4 rules, reduced to what tells two
// bindings apart: same scheme, user and password byte-wise after unescaping,
// host case-insensitive, same port (an absent port equals only an absent
// port), and the parameters transport, user, method, maddr and ttl equal when
// present in either (other URI parameters are ignored). Non-SIP URIs compare
// case-insensitively as whole strings.
//
// Allocation: the returned strings. Safe from any thread.
#include <optional>
#include <string>
#include <string_view>

#include "sip/uri.h"

namespace sipedge::registrar {

// nullopt when the URI is not sip/sips, has no user part, or a bad %-escape.
std::optional<std::string> normalize_aor(const sip::Uri& uri);
// Parses first (a bare URI, no <>).
std::optional<std::string> normalize_aor(std::string_view uri_text);
// The domain of a normalised AOR ("example.com"); the whole text when it has no '@'.
std::string_view aor_domain(std::string_view aor) noexcept;
// The user of a normalised AOR; empty when it has no '@'.
std::string_view aor_user(std::string_view aor) noexcept;

// RFC 3261 19.1.4 equivalence as described above. Unparseable SIP URIs
// compare byte-wise.
bool same_contact(std::string_view a, std::string_view b);

}  // namespace sipedge::registrar
