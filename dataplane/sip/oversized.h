#pragma once
// A request refused by Message::parse for a size or count limit (too many
// headers, Vias, Contacts or Routes) still deserves 513 Message Too Large
// (RFC 3261 21.5.14) rather than silence. The header index stopped at its
// limit, so this walks the raw head once more, bounded by the datagram, for
// just what a stateless response needs.
//
// Thread-safety: pure functions. Cold path (only after such a refusal), but
// no allocation and no read past `datagram`.
#include <cstddef>
#include <string_view>

#include "sip/error.h"

namespace sipedge::sip {

// The refusals a 513 answers.
[[nodiscard]] constexpr bool is_size_limit(ParseError e) noexcept {
  return e == ParseError::too_many_headers || e == ParseError::too_many_vias || e == ParseError::too_many_contacts ||
         e == ParseError::too_many_routes;
}

struct OversizedRequest {
  std::string_view head;      // from the first header line through the empty line (or the datagram's end)
  std::string_view top_via;   // first element of the first Via line
  std::string_view from, to, call_id, cseq;  // values, trimmed
};

// Fills `out` when `datagram` starts with a request line and its head holds a
// Via, From, To, Call-ID and CSeq, each on an unfolded line. A folded line of
// any of those, or a response, gives false.
[[nodiscard]] bool find_oversized_request_fields(std::string_view datagram, OversizedRequest& out) noexcept;

// Calls `each(value)` for every Via header line of `head` in order (values
// trimmed, lists unsplit), the caller's way to copy the Via stack.
template <class F>
void for_each_via_line(std::string_view head, F&& each) noexcept;

namespace detail {
bool next_header_line(std::string_view& rest, std::string_view& name, std::string_view& value) noexcept;
bool is_via_name(std::string_view name) noexcept;
}  // namespace detail

template <class F>
void for_each_via_line(std::string_view head, F&& each) noexcept {
  std::string_view name, value;
  while (detail::next_header_line(head, name, value))
    if (detail::is_via_name(name)) each(value);
}

}  // namespace sipedge::sip
