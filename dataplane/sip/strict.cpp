#include "sip/strict.h"

#include <cstdint>

#include "sip/lex.h"

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

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

// The reference verdict for one value: memchr searches for the few bytes
// that matter; the exact walk only runs on a value that holds a quote (it
// may hide separators) or looks suspect (a URI user part may hold ",,").
// scan_separators() below must agree with it on every input.
Scan scan_separators_reference(std::string_view v, bool list) noexcept {
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

#if defined(__SSE2__)
// The same verdict as scan_separators_reference(), from one SIMD pass over
// the value. Per 16-byte block: the separators S, the SP/HT runs W and the
// bytes a separator must not be followed by, past SP/HT (S and the control
// bytes, which hold CR and LF). Adding S << 1 to W carries each separator's
// bit over the SP/HT run after it onto the first byte past the run, so one
// AND finds every separator followed by nothing (simdjson's carry trick).
// Whatever the pass cannot settle alone goes to the reference: such a
// separator, a leading or trailing one, a run that leaves its block, a quote
// in a list, a backslash or more than two quotes in From/To (each a superset
// of what the reference could refuse). The common value (Via, Contact,
// "<a>, <b>" Routes, a From with one quoted display name) is settled by the
// pass alone. Loads stay inside the value: whole blocks, then one block
// ending at the value's end with the bytes already seen shifted out; a value
// shorter than one block goes to the reference.
Scan scan_separators(std::string_view v, bool list) noexcept {
  const std::size_t n = v.size();
  if (n < 16) return scan_separators_reference(v, list);
  const char* const p = v.data();
  if (p[0] == ';' || p[n - 1] == ';' || (list && (p[0] == ',' || p[n - 1] == ',')))
    return scan_separators_reference(v, list);
  const __m128i semi = _mm_set1_epi8(';');
  const __m128i comma = _mm_set1_epi8(list ? ',' : ';');  // From/To: ',' is no separator
  const __m128i ctl = _mm_set1_epi8(0x1F);
  const __m128i sp = _mm_set1_epi8(' ');
  const __m128i ht = _mm_set1_epi8('\t');
  const __m128i quote = _mm_set1_epi8('"');
  const __m128i backslash = _mm_set1_epi8('\\');
  std::uint32_t carry = 0;  // the previous block's last byte was a separator
  std::uint32_t bad = 0;    // a separator followed by nothing, or a run leaving its block
  std::uint32_t marks = 0;  // a quote or backslash in some block
  // One block at p + base, its first `shift` bytes already seen: `valid`
  // holds a bit per new byte, bit 0 the byte at i.
  auto block = [&](std::size_t base, unsigned shift, std::uint32_t valid) {
    const __m128i x = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p + base));
    const __m128i sep = _mm_or_si128(_mm_cmpeq_epi8(x, semi), _mm_cmpeq_epi8(x, comma));
    const __m128i stop = _mm_or_si128(sep, _mm_cmpeq_epi8(_mm_min_epu8(x, ctl), x));
    const __m128i run = _mm_or_si128(_mm_cmpeq_epi8(x, sp), _mm_cmpeq_epi8(x, ht));
    const __m128i qb = _mm_or_si128(_mm_cmpeq_epi8(x, quote), _mm_cmpeq_epi8(x, backslash));
    const auto s = static_cast<std::uint32_t>(_mm_movemask_epi8(sep)) >> shift;
    const auto st = static_cast<std::uint32_t>(_mm_movemask_epi8(stop)) >> shift;
    const auto w = static_cast<std::uint32_t>(_mm_movemask_epi8(run)) >> shift;
    marks |= static_cast<std::uint32_t>(_mm_movemask_epi8(qb)) >> shift;
    const std::uint32_t t = (((s << 1) & 0xFFFFu) | carry) + w;
    bad |= t & ~w & (st | ~valid);
    carry = s >> 15;
  };
  std::size_t i = 0;
  for (; i + 16 <= n; i += 16) block(i, 0, 0xFFFFu);
  if (i < n) block(n - 16, static_cast<unsigned>(i + 16 - n), 0xFFFFu >> (i + 16 - n));
  if (bad != 0) return scan_separators_reference(v, list);
  if (marks == 0) return Scan::ok;
  // Quotes (a From/To display name): at most two and no backslash, found
  // with the inline search.
  if (list) return scan_separators_reference(v, list);
  const char* first = lex::find_char(p, n, '"');
  if (first == nullptr || lex::find_char(p, n, '\\') != nullptr) return scan_separators_reference(v, list);
  const std::size_t open = static_cast<std::size_t>(first - p);
  const char* second = lex::find_char(p + open + 1, n - open - 1, '"');
  if (second == nullptr) return Scan::unterminated_quote;
  const std::size_t second_quote = static_cast<std::size_t>(second - p);
  if (lex::find_char(p + second_quote + 1, n - second_quote - 1, '"') != nullptr) return scan_separators_reference(v, list);
  // Two quotes: the reference judges what follows the closing one; nothing
  // in it is followed by nothing (above), so only its first byte is left.
  if (second_quote + 1 < n && p[second_quote + 1] == ';') return Scan::empty_separator;
  return Scan::ok;
}
#else
Scan scan_separators(std::string_view v, bool list) noexcept { return scan_separators_reference(v, list); }
#endif

ParseError to_error(Scan s) noexcept {
  switch (s) {
    case Scan::ok: break;
    case Scan::unterminated_quote: return ParseError::unterminated_quoted_string;
    case Scan::empty_separator: return ParseError::empty_separator;
  }
  return ParseError::ok;
}

ParseError scan_header(const Message& m, HeaderId id, bool list) noexcept {
  for (std::size_t i = m.find(id); i != kNoHeader; i = m.find_next(i)) {
    if (const Scan s = scan_separators(m.header(i).value, list); s != Scan::ok) return to_error(s);
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

namespace strict_detail {
ParseError check_separators(std::string_view value, bool list) noexcept { return to_error(scan_separators(value, list)); }
ParseError check_separators_reference(std::string_view value, bool list) noexcept {
  return to_error(scan_separators_reference(value, list));
}
}  // namespace strict_detail

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
    default: break;
  }
  return "malformed request";
}

}  // namespace sipedge::sip
