#pragma once
// The RFC 3261 section 25 rules Message::parse is liberal about, checked on a
// request that parsed: what Kamailio's sanity module answers 400 and RFC 4475
// section 3.1.2 lists as invalid (quotbal, regbadct, badinv01, baddn,
// badaspec). The
// Request-Line's spacing (lwsstart, trws) is the parse's own
// (request_line_whitespace): a message refused there cannot be answered. Only the start line and the headers the fast path reads are
// looked at; headers it never parses travel as bytes (CONFORMANCE.md).
//
// Thread-safety: pure functions. Hot path: no allocation, bounded by the
// header values it reads.
#include <span>
#include <string_view>

#include "sip/error.h"
#include "sip/message.h"

namespace sipedge::sip {

// ok, or the first rule `request` breaks:
//   unterminated_quoted_string  a From or To display name opens a quote it never closes
//   contact_headers_unbracketed a Contact addr-spec with "?headers" outside <>
//   empty_separator           ";;", ",,", or a leading/trailing "," or ";" in
//                             Via, From, To, Contact, Route or Record-Route
//   bad_display_name          a From or To display name, unquoted, holds an
//                             ASCII separator ("Bell, Alexander <sip:...>")
//   addr_spec_whitespace      SP or HTAB inside a From or To <addr-spec>
// A response is not checked: nothing can answer it.
[[nodiscard]] ParseError check_request_strictness(const Message& request) noexcept;

// One From/To (list = false) or Via/Contact/Route/Record-Route (list = true)
// value against the separator and quote rules above: the SIMD pass the
// check uses, and the byte-at-a-time reference it must agree with on every
// input (tests/unit/sip/strict_test.cpp, tests/fuzz/fuzz_sip.cpp).
// The SIMD passes by name ("sse2", "avx2"; those the CPU lacks are absent),
// each forced, for tests and the fuzzer; separator_variant_name() is the one
// check_separators() uses ("reference" where there is no SIMD pass).
namespace strict_detail {
[[nodiscard]] ParseError check_separators(std::string_view value, bool list) noexcept;
[[nodiscard]] ParseError check_separators_reference(std::string_view value, bool list) noexcept;
struct SeparatorVariant {
  std::string_view name;
  ParseError (*check)(std::string_view value, bool list) noexcept;
  // The rules over a whole request's From, To, Via, Contact, Route and
  // Record-Route lines, in check_request_strictness()'s order.
  ParseError (*check_message)(const Message& request) noexcept;
};
[[nodiscard]] ParseError check_message_separators_reference(const Message& request) noexcept;
[[nodiscard]] std::span<const SeparatorVariant> separator_variants() noexcept;
[[nodiscard]] std::string_view separator_variant_name() noexcept;
}  // namespace strict_detail

// The Warning text (RFC 3261 20.43, code 399) a 400 for `reason` carries; a
// quoted-string body, without the quotes.
[[nodiscard]] std::string_view strictness_warning(ParseError reason) noexcept;

}  // namespace sipedge::sip
