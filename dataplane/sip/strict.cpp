#include "sip/strict.h"

#include <cstdint>

#include "sip/lex.h"

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#elif defined(__SSE2__)
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
// The SIMD passes below must agree with it on every input.
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

// The SIMD passes: the same verdict as scan_separators_reference(), from one
// pass over the value. Per block: the separators S, the SP/HT runs W and the
// bytes a separator must not be followed by, past SP/HT (S and the control
// bytes, which hold CR and LF). Adding S << 1 to W carries each separator's
// bit over the SP/HT run after it onto the first byte past the run, so one
// AND finds every separator followed by nothing (simdjson's carry trick).
// Whatever a pass cannot settle alone goes to the reference: such a
// separator, a leading or trailing one, a run that leaves its block, a quote
// in a list, a backslash or more than two quotes in From/To (each a superset
// of what the reference could refuse). The common value (Via, Contact,
// "<a>, <b>" Routes, a From with one quoted display name) is settled by the
// pass alone. Loads stay inside the value: whole blocks, then one block
// ending at the value's end with the bytes already seen shifted out; a value
// shorter than one block goes to the narrower pass, under 16 bytes to the
// reference. AVX2 (32-byte blocks) when the CPU has it, chosen once, else
// SSE2 (the x86-64 baseline); elsewhere the reference alone.

// What the block masks leave: a quote in From/To, found again with the
// inline search (at most two, no backslash), or the reference.
Scan finish_quotes(std::string_view v, bool list) noexcept {
  if (list) return scan_separators_reference(v, list);
  const char* const p = v.data();
  const std::size_t n = v.size();
  const char* first = lex::find_char(p, n, '"');
  if (first == nullptr || lex::find_char(p, n, '\\') != nullptr) return scan_separators_reference(v, list);
  const std::size_t open = static_cast<std::size_t>(first - p);
  const char* second = lex::find_char(p + open + 1, n - open - 1, '"');
  if (second == nullptr) return Scan::unterminated_quote;
  const std::size_t close = static_cast<std::size_t>(second - p);
  if (lex::find_char(p + close + 1, n - close - 1, '"') != nullptr) return scan_separators_reference(v, list);
  // Two quotes: the reference judges what follows the closing one; nothing
  // in it is followed by nothing (the pass saw to that), so only its first
  // byte is left.
  if (close + 1 < n && p[close + 1] == ';') return Scan::empty_separator;
  return Scan::ok;
}

bool edge_separator(const char* p, std::size_t n, bool list) noexcept {
  return p[0] == ';' || p[n - 1] == ';' || (list && (p[0] == ',' || p[n - 1] == ','));
}

#if defined(__SSE2__)
inline Scan scan_separators_sse2(std::string_view v, bool list) noexcept {
  const std::size_t n = v.size();
  const char* const p = v.data();
  if (n < 16 || edge_separator(p, n, list)) return scan_separators_reference(v, list);
  const __m128i semi = _mm_set1_epi8(';');
  const __m128i comma = _mm_set1_epi8(list ? ',' : ';');  // From/To: ',' is no separator
  const __m128i ctl = _mm_set1_epi8(0x1F);
  const __m128i sp = _mm_set1_epi8(' ');
  const __m128i ht = _mm_set1_epi8('\t');
  const __m128i quote = _mm_set1_epi8('"');
  std::uint32_t carry = 0;  // the previous block's last byte was a separator
  std::uint32_t bad = 0;    // a separator followed by nothing, or a run leaving its block
  std::uint32_t quotes = 0;
  // One block at p + base, its first `shift` bytes already seen; `valid`
  // holds a bit per new byte.
  auto block = [&](std::size_t base, unsigned shift, std::uint32_t valid) {
    const __m128i x = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p + base));
    const __m128i sep = _mm_or_si128(_mm_cmpeq_epi8(x, semi), _mm_cmpeq_epi8(x, comma));
    const __m128i stop = _mm_or_si128(sep, _mm_cmpeq_epi8(_mm_min_epu8(x, ctl), x));
    const __m128i run = _mm_or_si128(_mm_cmpeq_epi8(x, sp), _mm_cmpeq_epi8(x, ht));
    const auto s = static_cast<std::uint32_t>(_mm_movemask_epi8(sep)) >> shift;
    const auto st = static_cast<std::uint32_t>(_mm_movemask_epi8(stop)) >> shift;
    const auto w = static_cast<std::uint32_t>(_mm_movemask_epi8(run)) >> shift;
    quotes |= static_cast<std::uint32_t>(_mm_movemask_epi8(_mm_cmpeq_epi8(x, quote))) >> shift;
    const std::uint32_t t = (((s << 1) & 0xFFFFu) | carry) + w;
    bad |= t & ~w & (st | ~valid);
    carry = s >> 15;
  };
  std::size_t i = 0;
  for (; i + 16 <= n; i += 16) block(i, 0, 0xFFFFu);
  if (i < n) block(n - 16, static_cast<unsigned>(i + 16 - n), 0xFFFFu >> (i + 16 - n));
  if (bad != 0) return scan_separators_reference(v, list);
  return quotes == 0 ? Scan::ok : finish_quotes(v, list);
}
#endif

#if defined(__x86_64__) && defined(__SSE2__)
#define SIPEDGE_STRICT_AVX2 1
// The SSE2 pass in 32-byte blocks (64-bit mask arithmetic, so the carry out
// of bit 31 is kept). Written out rather than shared: a helper without the
// target attribute could not inline the intrinsics.
__attribute__((target("avx2"), always_inline)) inline Scan scan_separators_avx2(std::string_view v, bool list) noexcept {
  const std::size_t n = v.size();
  if (n < 32) return scan_separators_sse2(v, list);
  const char* const p = v.data();
  if (edge_separator(p, n, list)) return scan_separators_reference(v, list);
  const __m256i semi = _mm256_set1_epi8(';');
  const __m256i comma = _mm256_set1_epi8(list ? ',' : ';');
  const __m256i ctl = _mm256_set1_epi8(0x1F);
  const __m256i sp = _mm256_set1_epi8(' ');
  const __m256i ht = _mm256_set1_epi8('\t');
  const __m256i quote = _mm256_set1_epi8('"');
  std::uint64_t carry = 0;
  std::uint64_t bad = 0;
  std::uint32_t quotes = 0;
  auto block = [&](std::size_t base, unsigned shift, std::uint64_t valid) __attribute__((target("avx2"))) {
    const __m256i x = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(p + base));
    const __m256i sep = _mm256_or_si256(_mm256_cmpeq_epi8(x, semi), _mm256_cmpeq_epi8(x, comma));
    const __m256i stop = _mm256_or_si256(sep, _mm256_cmpeq_epi8(_mm256_min_epu8(x, ctl), x));
    const __m256i run = _mm256_or_si256(_mm256_cmpeq_epi8(x, sp), _mm256_cmpeq_epi8(x, ht));
    const std::uint64_t s = static_cast<std::uint32_t>(_mm256_movemask_epi8(sep)) >> shift;
    const std::uint64_t st = static_cast<std::uint32_t>(_mm256_movemask_epi8(stop)) >> shift;
    const std::uint64_t w = static_cast<std::uint32_t>(_mm256_movemask_epi8(run)) >> shift;
    quotes |= static_cast<std::uint32_t>(_mm256_movemask_epi8(_mm256_cmpeq_epi8(x, quote))) >> shift;
    const std::uint64_t t = (((s << 1) & 0xFFFFFFFFu) | carry) + w;
    bad |= t & ~w & (st | ~valid);
    carry = s >> 31;
  };
  std::size_t i = 0;
  for (; i + 32 <= n; i += 32) block(i, 0, 0xFFFFFFFFu);
  if (i < n) block(n - 32, static_cast<unsigned>(i + 32 - n), std::uint64_t{0xFFFFFFFFu} >> (i + 32 - n));
  if (bad != 0) return scan_separators_reference(v, list);
  return quotes == 0 ? Scan::ok : finish_quotes(v, list);
}
#endif

ParseError to_error(Scan s) noexcept {
  switch (s) {
    case Scan::ok: break;
    case Scan::unterminated_quote: return ParseError::unterminated_quoted_string;
    case Scan::empty_separator: return ParseError::empty_separator;
  }
  return ParseError::ok;
}

// The separator rules over every From and To (not lists), then every Via,
// Contact, Route and Record-Route line (lists), in that order: a quote that
// never closes swallows the separators after it. Written as a macro so that
// each pass is inlined into its own loops, its constants set up once per
// message rather than once per value (a helper without the target
// attribute could not inline the AVX2 pass).
#define SIPEDGE_ALL_SEPARATORS(PASS)                                                             \
  for (const HeaderId id : {HeaderId::from, HeaderId::to})                                        \
    for (std::size_t i = m.find(id); i != kNoHeader; i = m.find_next(i))                          \
      if (const Scan s = PASS(m.header(i).value, false); s != Scan::ok) return to_error(s);       \
  for (const HeaderId id : {HeaderId::via, HeaderId::contact, HeaderId::route, HeaderId::record_route}) \
    for (std::size_t i = m.find(id); i != kNoHeader; i = m.find_next(i))                          \
      if (const Scan s = PASS(m.header(i).value, true); s != Scan::ok) return to_error(s);        \
  return ParseError::ok

ParseError separators_reference(const Message& m) noexcept { SIPEDGE_ALL_SEPARATORS(scan_separators_reference); }
#if defined(__SSE2__)
ParseError separators_sse2(const Message& m) noexcept { SIPEDGE_ALL_SEPARATORS(scan_separators_sse2); }
#endif
#if defined(SIPEDGE_STRICT_AVX2)
__attribute__((target("avx2"))) ParseError separators_avx2(const Message& m) noexcept {
  SIPEDGE_ALL_SEPARATORS(scan_separators_avx2);
}
// One value, out of line, for strict_detail::check_separators().
__attribute__((target("avx2"))) Scan scan_one_avx2(std::string_view v, bool list) noexcept {
  return scan_separators_avx2(v, list);
}
#endif
#undef SIPEDGE_ALL_SEPARATORS

struct Pass {
  Scan (*value)(std::string_view, bool) noexcept;
  ParseError (*message)(const Message&) noexcept;
};

Pass choose_pass() noexcept {
#if defined(SIPEDGE_STRICT_AVX2)
  __builtin_cpu_init();
  if (__builtin_cpu_supports("avx2")) return {scan_one_avx2, separators_avx2};
#endif
#if defined(__SSE2__)
  return {scan_separators_sse2, separators_sse2};
#else
  return {scan_separators_reference, separators_reference};
#endif
}

// Resolved on the first call, as sip/scan.cpp's scan_lines(): no static
// initialiser order to depend on; a relaxed load is a plain load.
ParseError resolve_separators(const Message& m) noexcept;
ParseError (*g_separators)(const Message&) noexcept = resolve_separators;
ParseError resolve_separators(const Message& m) noexcept {
  const auto fn = choose_pass().message;
  __atomic_store_n(&g_separators, fn, __ATOMIC_RELAXED);
  return fn(m);
}

// RFC 3261 25.1: name-addr = [ display-name ] LAQUOT addr-spec RAQUOT, with
// display-name = *(token LWS) / quoted-string, and no LWS inside an
// addr-spec. Called after the separator pass passed, so a quote that opens
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

ParseError check_name_addrs(const Message& m) noexcept {
  for (const HeaderId id : {HeaderId::from, HeaderId::to})
    for (std::size_t i = m.find(id); i != kNoHeader; i = m.find_next(i))
      if (const ParseError e = check_name_addr_shape(m.header(i).value); e != ParseError::ok) return e;
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
ParseError check_separators(std::string_view value, bool list) noexcept {
  static const auto pass = choose_pass().value;
  return to_error(pass(value, list));
}
ParseError check_separators_reference(std::string_view value, bool list) noexcept {
  return to_error(scan_separators_reference(value, list));
}
ParseError check_message_separators_reference(const Message& m) noexcept { return separators_reference(m); }

namespace {
template <Scan (*Fn)(std::string_view, bool) noexcept>
ParseError as_check(std::string_view value, bool list) noexcept {
  return to_error(Fn(value, list));
}
}  // namespace

std::span<const SeparatorVariant> separator_variants() noexcept {
  static const auto table = [] {
    struct Table {
      SeparatorVariant v[3];
      std::size_t n = 0;
    } t{};
#if defined(__SSE2__)
    t.v[t.n++] = {"sse2", as_check<scan_separators_sse2>, separators_sse2};
#endif
#if defined(SIPEDGE_STRICT_AVX2)
    __builtin_cpu_init();
    if (__builtin_cpu_supports("avx2")) t.v[t.n++] = {"avx2", as_check<scan_one_avx2>, separators_avx2};
#endif
    return t;
  }();
  return {table.v, table.n};
}
std::string_view separator_variant_name() noexcept {
  const auto fn = choose_pass().message;
#if defined(SIPEDGE_STRICT_AVX2)
  if (fn == separators_avx2) return "avx2";
#endif
#if defined(__SSE2__)
  if (fn == separators_sse2) return "sse2";
#endif
  return "reference";
}
}  // namespace strict_detail

ParseError check_request_strictness(const Message& m) noexcept {
  if (!m.is_request()) return ParseError::ok;
  if (const ParseError e = __atomic_load_n(&g_separators, __ATOMIC_RELAXED)(m); e != ParseError::ok) return e;
  if (const ParseError e = check_name_addrs(m); e != ParseError::ok) return e;
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
