#pragma once
// Header names the library knows by id. Names are case-insensitive
// (RFC 3261 7.3.1); compact forms (RFC 3261 7.3.3 and later RFCs) resolve
// through one 26-entry table.
#include <cstdint>
#include <string_view>

namespace sipedge::sip {

// clang-format off
// X(id, canonical name, compact letter or 0, comma-separated list header)
#define SIPEDGE_SIP_HEADERS(X)                                     \
  X(via,                 "Via",                 'v', true)         \
  X(route,               "Route",               0,   true)         \
  X(record_route,        "Record-Route",        0,   true)         \
  X(call_id,             "Call-ID",             'i', false)        \
  X(from,                "From",                'f', false)        \
  X(to,                  "To",                  't', false)        \
  X(cseq,                "CSeq",                0,   false)        \
  X(max_forwards,        "Max-Forwards",        0,   false)        \
  X(contact,             "Contact",             'm', true)         \
  X(content_length,      "Content-Length",      'l', false)        \
  X(content_type,        "Content-Type",        'c', false)        \
  X(expires,             "Expires",             0,   false)        \
  X(authorization,       "Authorization",       0,   false)        \
  X(proxy_authorization, "Proxy-Authorization", 0,   false)        \
  X(www_authenticate,    "WWW-Authenticate",    0,   false)        \
  X(proxy_authenticate,  "Proxy-Authenticate",  0,   false)        \
  X(path,                "Path",                0,   true)         \
  X(supported,           "Supported",           'k', true)         \
  X(require,             "Require",             0,   true)         \
  X(proxy_require,       "Proxy-Require",       0,   true)         \
  X(unsupported,         "Unsupported",         0,   true)         \
  X(allow,               "Allow",               0,   true)         \
  X(user_agent,          "User-Agent",          0,   false)        \
  X(server,              "Server",              0,   false)        \
  X(min_expires,         "Min-Expires",         0,   false)        \
  X(retry_after,         "Retry-After",         0,   false)        \
  X(subject,             "Subject",             's', false)        \
  X(content_encoding,    "Content-Encoding",    'e', true)         \
  X(event,               "Event",               'o', false)        \
  X(allow_events,        "Allow-Events",        'u', true)         \
  X(refer_to,            "Refer-To",            'r', false)        \
  X(referred_by,         "Referred-By",         'b', false)        \
  X(session_expires,     "Session-Expires",     'x', false)        \
  X(reject_contact,      "Reject-Contact",      'j', true)         \
  X(accept_contact,      "Accept-Contact",      'a', true)         \
  X(request_disposition, "Request-Disposition", 'd', true)         \
  X(identity,            "Identity",            'y', false)        \
  X(identity_info,       "Identity-Info",       'n', false)        \
  X(p_asserted_identity, "P-Asserted-Identity", 0,   true)         \
  X(timestamp,           "Timestamp",           0,   false)
// clang-format on

enum class HeaderId : std::uint8_t {
#define SIPEDGE_X(id, name, compact, list) id,
  SIPEDGE_SIP_HEADERS(SIPEDGE_X)
#undef SIPEDGE_X
  other,  // any other name; compare Header::name yourself
};
inline constexpr std::size_t kHeaderIdCount = static_cast<std::size_t>(HeaderId::other) + 1;

// Case-insensitive lookup of a full or compact name ("call-id", "I", "v").
// HeaderId::other when unknown.
HeaderId header_id_from_name(std::string_view name) noexcept;
// Canonical spelling ("Call-ID"); empty for HeaderId::other.
std::string_view header_name(HeaderId id) noexcept;
// Compact letter as a one-char view ("i"); empty when the header has none.
std::string_view header_compact_name(HeaderId id) noexcept;
// True for headers whose value is a comma-separated list (Via, Contact,
// Route, ...): Message::values() splits those on commas outside quotes and <>.
bool is_list_header(HeaderId id) noexcept;

}  // namespace sipedge::sip
