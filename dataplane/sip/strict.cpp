#include "sip/strict.h"

#include "sip/lex.h"

namespace sipedge::sip {
namespace {

enum class Scan : std::uint8_t { ok, unterminated_quote, empty_separator };

// The exact rule, one byte at a time: quoted strings (with \-escapes) and
// <...> are skipped as units; every ';' or ',' must have something other
// than LWS before the next ';' or ',' or the end, and cannot come first.
Scan scan_exact(std::string_view v, bool list) noexcept {
  bool content_since_separator = false;  // an element or param started
  bool after_separator = false;
  for (std::size_t i = 0; i < v.size(); ++i) {
    const char c = v[i];
    if (c == '"') {
      std::size_t j = i + 1;
      while (j < v.size() && v[j] != '"') j += v[j] == '\\' ? 2 : 1;
      if (j >= v.size()) return Scan::unterminated_quote;
      i = j;
      content_since_separator = true;
      after_separator = false;
    } else if (c == '<') {
      const std::size_t close = v.find('>', i + 1);
      if (close == std::string_view::npos) return Scan::ok;  // the field's own parser refuses it
      i = close;
      content_since_separator = true;
      after_separator = false;
    } else if (c == ';' || (list && c == ',')) {
      if (!content_since_separator || after_separator) return Scan::empty_separator;
      after_separator = true;
      if (c == ',') content_since_separator = false;
    } else if (!lex::is_ws(c)) {
      content_since_separator = true;
      after_separator = false;
    }
  }
  return after_separator ? Scan::empty_separator : Scan::ok;
}

bool is_separator(char c, bool list) noexcept { return c == ';' || (list && c == ','); }

// Whether some `sep` in v is followed, past LWS, by a separator or the end.
bool separator_followed_by_nothing(std::string_view v, char sep, bool list) noexcept {
  for (std::size_t i = v.find(sep); i != std::string_view::npos; i = v.find(sep, i + 1)) {
    std::size_t j = i + 1;
    while (j < v.size() && lex::is_ws(v[j])) ++j;
    if (j == v.size() || is_separator(v[j], list)) return true;
  }
  return false;
}

// The hot path's version: memchr-speed searches for the few bytes that
// matter; the exact walk only runs on a value that holds a quote (it may
// hide separators) or looks suspect (a URI user part may hold ",,").
Scan scan_separators(std::string_view v, bool list) noexcept {
  if (v.empty()) return Scan::ok;
  if (const std::size_t open = v.find('"'); open != std::string_view::npos) {
    if (list) return scan_exact(v, list);
    // From/To: one display name at the front, the common quoted shape. Find
    // its end by memchr, then judge the rest as if unquoted.
    const std::size_t close = v.find('"', open + 1);
    if (close == std::string_view::npos) return Scan::unterminated_quote;
    // An escaped quote may have ended the search early, or more quotes
    // follow: the exact walk decides.
    if (v.substr(open, close - open).find('\\') != std::string_view::npos || v.find('"', close + 1) != std::string_view::npos)
      return scan_exact(v, list);
    v = v.substr(close + 1);
    if (v.empty()) return Scan::ok;
  }
  const bool suspect = is_separator(v.front(), list) || separator_followed_by_nothing(v, ';', list) ||
                       (list && separator_followed_by_nothing(v, ',', list));
  return suspect ? scan_exact(v, list) : Scan::ok;
}

// RFC 3261 25.1: name-addr = [ display-name ] LAQUOT addr-spec RAQUOT, with
// display-name = *(token LWS) / quoted-string, and no LWS inside an
// addr-spec. Called after scan_separators() passed, so a quote that opens
// also closes. Bytes of 0x80 and above in an unquoted display name pass:
// UTF-8 names written without quotes are common, and unlike a ',' or ';'
// they cannot be read as another field.
ParseError check_name_addr_shape(std::string_view v) noexcept {
  std::size_t i = 0;
  while (i < v.size() && lex::is_ws(v[i])) ++i;
  if (i < v.size() && v[i] == '"') {
    ++i;
    while (i < v.size() && v[i] != '"') i += v[i] == '\\' ? 2 : 1;
    ++i;
  }
  const std::size_t open = v.find('<', i);
  if (open == std::string_view::npos) return ParseError::ok;  // addr-spec form: its own parser judges it
  // Usually empty: the common From/To is "<sip:...>" or a quoted name.
  for (std::size_t k = i; k < open; ++k) {
    const char c = v[k];
    if (!lex::is_token(c) && !lex::is_ws(c) && static_cast<unsigned char>(c) < 0x80) return ParseError::bad_display_name;
  }
  const std::size_t close = v.find('>', open + 1);
  if (close == std::string_view::npos) return ParseError::ok;  // the field's own parser refuses it
  // memchr-speed: LWS is SP or HTAB (a fold's CRLF is followed by one).
  const std::string_view spec = v.substr(open + 1, close - open - 1);
  if (spec.find(' ') != std::string_view::npos || spec.find('\t') != std::string_view::npos)
    return ParseError::addr_spec_whitespace;
  return ParseError::ok;
}

ParseError scan_header(const Message& m, HeaderId id, bool list) noexcept {
  for (std::size_t i = m.find(id); i != kNoHeader; i = m.find_next(i)) {
    const std::string_view value = m.header(i).value;
    switch (scan_separators(value, list)) {
      case Scan::ok: break;
      case Scan::unterminated_quote: return ParseError::unterminated_quoted_string;
      case Scan::empty_separator: return ParseError::empty_separator;
    }
    if (!list)
      if (const ParseError e = check_name_addr_shape(value); e != ParseError::ok) return e;
  }
  return ParseError::ok;
}

// RFC 3261 20.10: an addr-spec holding ',', '?' or ';' must be a name-addr
// (in <>); ';' then means a header parameter, but '?' has no reading.
ParseError check_contacts(const Message& m) noexcept {
  bool any_query = false;  // the common Contact has no '?': skip the split
  for (std::size_t i = m.find(HeaderId::contact); i != kNoHeader && !any_query; i = m.find_next(i))
    any_query = m.header(i).value.find('?') != std::string_view::npos;
  if (!any_query) return ParseError::ok;
  for (const HeaderValue& v : m.values(HeaderId::contact)) {
    if (v.text.find('<') == std::string_view::npos && v.text.find('?') != std::string_view::npos)
      return ParseError::contact_headers_unbracketed;
  }
  return ParseError::ok;
}

}  // namespace

ParseError check_request_strictness(const Message& m) noexcept {
  if (!m.is_request()) return ParseError::ok;
  // Order: a quote that never closes swallows the separators after it.
  for (const HeaderId id : {HeaderId::from, HeaderId::to})
    if (const ParseError e = scan_header(m, id, false); e != ParseError::ok) return e;
  for (const HeaderId id : {HeaderId::via, HeaderId::contact, HeaderId::route, HeaderId::record_route})
    if (const ParseError e = scan_header(m, id, true); e != ParseError::ok) return e;
  return check_contacts(m);
}

std::string_view strictness_warning(ParseError reason) noexcept {
  switch (reason) {
    case ParseError::unterminated_quoted_string: return "display name: quoted string not terminated";
    case ParseError::contact_headers_unbracketed: return "Contact: a URI with ?headers must be enclosed in <>";
    case ParseError::empty_separator: return "empty parameter or list element (;; or ,,)";
    case ParseError::bad_display_name: return "display name: separator characters must be quoted";
    case ParseError::addr_spec_whitespace: return "white space inside <addr-spec>";
    default: break;
  }
  return "malformed request";
}

}  // namespace sipedge::sip
