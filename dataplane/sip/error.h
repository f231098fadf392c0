#pragma once
// Every reason the SIP library refuses something, declared once (X-macro) so the
// enum, its stable names (used in counters, logs and JSON) and its count can
// never drift apart.
#include <array>
#include <cstdint>
#include <string_view>
#include <utility>

namespace sipedge::sip {

// clang-format off
#define SIPEDGE_SIP_PARSE_ERRORS(X)                                              \
  X(ok)                          /* not an error */                            \
  X(empty)                       /* zero bytes, or only CRLFs */               \
  X(message_too_large)           /* datagram over Limits::max_message_size */  \
  X(not_sip)                     /* first line is neither request nor status */\
  X(bad_line_ending)             /* a LF not preceded by CR in the head */     \
  X(line_too_long)               /* a header (with folds) over max_line_length */ \
  X(truncated_request_line)      /* request line missing URI or version */     \
  X(bad_method)                  /* method is not a token */                   \
  X(bad_request_uri)             /* R-URI has no scheme or bad characters */   \
  X(uri_too_long)                /* R-URI over Limits::max_uri_length */       \
  X(bad_sip_version)             /* not SIP/2.0 */                             \
  X(truncated_status_line)       /* status line missing the code */            \
  X(bad_status_code)             /* not three digits in 100..699 */            \
  X(bad_header_name)             /* empty or non-token name, or no colon */    \
  X(continuation_without_header) /* first header line starts with SP/HT */     \
  X(too_many_headers)            /* over Limits::max_headers */                \
  X(truncated_headers)           /* no empty line ends the header section */   \
  X(duplicate_single_header)     /* two different Call-ID/From/To/CSeq/Content-Length/Max-Forwards */ \
  X(missing_via)                                                               \
  X(missing_from)                                                              \
  X(missing_to)                                                                \
  X(missing_call_id)                                                           \
  X(missing_cseq)                                                              \
  X(bad_call_id)                 /* empty Call-ID */                           \
  X(bad_cseq)                    /* not "1*DIGIT LWS Method", or > 2^31-1 */   \
  X(cseq_method_mismatch)        /* request method differs from CSeq method */ \
  X(bad_max_forwards)            /* not 1*DIGIT or > 255 */                    \
  X(bad_content_length)          /* not 1*DIGIT or absurdly large */           \
  X(content_length_mismatch)     /* datagram shorter than headers + Content-Length */ \
  X(too_many_vias)               /* over Limits::max_via_values */             \
  X(too_many_contacts)           /* over Limits::max_contact_values */         \
  X(too_many_routes)             /* Route or Record-Route over Limits::max_route_values */ \
  /* on-demand (typed accessor) errors */                                      \
  X(header_absent)               /* the asked-for header is not there */       \
  X(bad_uri)                     /* URI syntax */                              \
  X(bad_host)                    /* host is not hostname / IPv4 / [IPv6] */     \
  X(bad_port)                    /* port not 1*DIGIT or > 65535 */             \
  X(bad_param)                   /* ;name=value syntax */                      \
  X(bad_via)                     /* Via value syntax */                        \
  X(bad_name_addr)               /* From/To/Contact syntax */                  \
  X(bad_number)                  /* integer field (Expires, ...) syntax */     \
  X(bad_auth)                    /* no Digest username="..." */                \
  X(bad_sdp)                     /* c=/o= line syntax */                       \
  /* RFC 3261 section 25 strictness, appended so older values keep their number */ \
  X(request_line_whitespace)     /* not exactly one SP between Request-Line elements, or trailing SP/HT */ \
  /* strictness of a parsed request (sip/strict.h), answered 400 */           \
  X(unterminated_quoted_string)  /* From/To display name quote never closed */ \
  X(contact_headers_unbracketed) /* Contact addr-spec with ?headers outside <> */ \
  X(empty_separator)             /* ;; ,, or a dangling , ; in Via/From/To/Contact/Route */ \
  X(bad_display_name)            /* From/To unquoted display name holds a separator (RFC 4475 baddn) */ \
  X(addr_spec_whitespace)        /* From/To <addr-spec> holds SP or HTAB (RFC 4475 badaspec) */ \
  /* IPv6 (RFC 5118), appended like the above */                               \
  X(bad_ipv6_reference)          /* "[...]" host that is not an RFC 4291 address, or no "]" */
// clang-format on

enum class ParseError : std::uint8_t {
#define SIPEDGE_X(name) name,
  SIPEDGE_SIP_PARSE_ERRORS(SIPEDGE_X)
#undef SIPEDGE_X
};

inline constexpr std::array kParseErrorNames = {
#define SIPEDGE_X(name) std::string_view{#name},
    SIPEDGE_SIP_PARSE_ERRORS(SIPEDGE_X)
#undef SIPEDGE_X
};
inline constexpr std::size_t kParseErrorCount = kParseErrorNames.size();

// Stable, snake_case name of a reason ("too_many_headers"); never changes once
// released because counters and dashboards key on it.
constexpr std::string_view parse_error_name(ParseError e) noexcept {
  const auto i = static_cast<std::size_t>(e);
  return i < kParseErrorCount ? kParseErrorNames[i] : std::string_view{"unknown"};
}

// clang-format off
#define SIPEDGE_SIP_REWRITE_ERRORS(X)                                          \
  X(ok)                                                                       \
  X(does_not_fit)      /* output buffer too small; nothing past it written */ \
  X(too_many_edits)    /* over Rewriter::kMaxEdits */                         \
  X(overlapping_edits) /* two edits touch the same bytes */                   \
  X(scratch_full)      /* generated text (numbers, params) over the scratch */\
  X(no_such_header)    /* index out of range, or header absent */            \
  X(not_a_request)     /* R-URI edit on a response */
// clang-format on

enum class RewriteError : std::uint8_t {
#define SIPEDGE_X(name) name,
  SIPEDGE_SIP_REWRITE_ERRORS(SIPEDGE_X)
#undef SIPEDGE_X
};

inline constexpr std::array kRewriteErrorNames = {
#define SIPEDGE_X(name) std::string_view{#name},
    SIPEDGE_SIP_REWRITE_ERRORS(SIPEDGE_X)
#undef SIPEDGE_X
};

constexpr std::string_view rewrite_error_name(RewriteError e) noexcept {
  const auto i = static_cast<std::size_t>(e);
  return i < kRewriteErrorNames.size() ? kRewriteErrorNames[i] : std::string_view{"unknown"};
}

// A value or a reason, for the on-demand accessors (std::expected is C++23).
// T must be default-constructible and trivially cheap to copy (views only).
template <class T, class E = ParseError>
class Result {
 public:
  constexpr Result(T value) noexcept : value_(std::move(value)), error_(E{}) {}  // NOLINT: implicit by design
  constexpr Result(E error) noexcept : value_(), error_(error) {}                // NOLINT
  constexpr bool ok() const noexcept { return error_ == E{}; }
  constexpr explicit operator bool() const noexcept { return ok(); }
  constexpr E error() const noexcept { return error_; }
  // Only meaningful when ok(); otherwise a default-constructed T.
  constexpr const T& value() const noexcept { return value_; }
  constexpr const T& operator*() const noexcept { return value_; }
  constexpr const T* operator->() const noexcept { return &value_; }
  // For a parser that builds a large T in place and returns this Result by
  // name (NRVO), so the value is not copied on the way out: construct it
  // with Result(E{}) (ok, default T), fill this, and on failure assign
  // Result(error) before returning (the contract above: a default T).
  constexpr T& mutable_value() noexcept { return value_; }

 private:
  T value_;
  E error_;
};

}  // namespace sipedge::sip
