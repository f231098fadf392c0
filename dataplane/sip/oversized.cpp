#include "sip/oversized.h"

#include "sip/lex.h"

namespace sipedge::sip {
namespace detail {

// The next "name: value" line of `rest` (CRLF or LF ended); false at the
// empty line, the end, or a line without a colon. A continuation line
// (starting with SP/HT) comes back with an empty name.
bool next_header_line(std::string_view& rest, std::string_view& name, std::string_view& value) noexcept {
  const std::size_t lf = rest.find('\n');
  std::string_view line = rest.substr(0, lf);
  rest = lf == std::string_view::npos ? std::string_view{} : rest.substr(lf + 1);
  if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
  if (line.empty()) return false;
  if (lex::is_ws(line.front())) {
    name = {};
    value = lex::trim(line);
    return true;
  }
  const std::size_t colon = line.find(':');
  if (colon == std::string_view::npos) return false;
  name = lex::trim(line.substr(0, colon));
  value = lex::trim(line.substr(colon + 1));
  return true;
}

bool is_via_name(std::string_view name) noexcept { return lex::iequals(name, "via") || lex::iequals(name, "v"); }

}  // namespace detail

bool find_oversized_request_fields(std::string_view datagram, OversizedRequest& out) noexcept {
  out = {};
  const std::size_t first_lf = datagram.find('\n');
  if (first_lf == std::string_view::npos || lex::istarts_with(datagram, "SIP/")) return false;
  out.head = datagram.substr(first_lf + 1);
  if (const std::size_t end = out.head.find("\r\n\r\n"); end != std::string_view::npos) out.head = out.head.substr(0, end + 2);
  std::string_view rest = out.head, name, value;
  bool previous_needed = false;
  while (detail::next_header_line(rest, name, value)) {
    if (name.empty()) {
      if (previous_needed) return false;  // a folded Via/From/To/Call-ID/CSeq: not worth the care here
      continue;
    }
    std::string_view* slot = nullptr;
    if (detail::is_via_name(name)) {
      if (out.top_via.empty()) {
        std::string_view list = value;
        out.top_via = lex::trim(lex::split_element(list));
      }
      previous_needed = true;
      continue;
    }
    if (lex::iequals(name, "from") || lex::iequals(name, "f")) slot = &out.from;
    else if (lex::iequals(name, "to") || lex::iequals(name, "t")) slot = &out.to;
    else if (lex::iequals(name, "call-id") || lex::iequals(name, "i")) slot = &out.call_id;
    else if (lex::iequals(name, "cseq")) slot = &out.cseq;
    previous_needed = slot != nullptr;
    if (slot != nullptr && slot->empty()) *slot = value;
  }
  return !out.top_via.empty() && !out.from.empty() && !out.to.empty() && !out.call_id.empty() && !out.cseq.empty();
}

}  // namespace sipedge::sip
