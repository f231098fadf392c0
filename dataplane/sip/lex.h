#pragma once
// Internal: character classes and small scanners shared by the SIP parsers.
// Not part of the public API.
#include <array>
#include <cstddef>
#include <cstdint>
#include <string_view>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

namespace sipedge::sip::lex {

enum : std::uint8_t {
  kToken = 1,   // token = 1*(alphanum / "-" / "." / "!" / "%" / "*" / "_" / "+" / "`" / "'" / "~")
  kWs = 2,      // SP / HTAB / CR / LF: LWS inside a (possibly folded) value
  kDigit = 4,
  kHost = 8,    // hostname / IPv4 characters: alphanum / "-" / "."
  kUriChar = 16,  // characters that may appear in a URI (RFC 3986 + SIP extras); no SP, <, >, ", CTL
  kParamStop = 32,  // ends an unquoted parameter value: ';' ',' '"' and LWS
  kListSpecial = 64,  // changes the state of a list split: ',' '"' '<' '>' '\\'
};

constexpr std::array<std::uint8_t, 256> make_classes() {
  std::array<std::uint8_t, 256> t{};
  for (int c = '0'; c <= '9'; ++c) t[c] |= kToken | kDigit | kHost | kUriChar;
  for (int c = 'a'; c <= 'z'; ++c) t[c] |= kToken | kHost | kUriChar;
  for (int c = 'A'; c <= 'Z'; ++c) t[c] |= kToken | kHost | kUriChar;
  for (char c : std::string_view("-.!%*_+`'~")) t[static_cast<unsigned char>(c)] |= kToken | kUriChar;
  t['-'] |= kHost;
  t['.'] |= kHost;
  for (char c : std::string_view(";/?:@&=+$,#[]()'!*~_.-%|^{}\\"))  // reserved, mark, and lenient extras
    t[static_cast<unsigned char>(c)] |= kUriChar;
  t['`'] &= static_cast<std::uint8_t>(~kUriChar);
  for (char c : std::string_view(" \t\r\n")) t[static_cast<unsigned char>(c)] |= kWs | kParamStop;
  for (char c : std::string_view(";,\"")) t[static_cast<unsigned char>(c)] |= kParamStop;
  for (char c : std::string_view(",\"<>\\")) t[static_cast<unsigned char>(c)] |= kListSpecial;
  return t;
}
inline constexpr std::array<std::uint8_t, 256> kClass = make_classes();

constexpr bool is(char c, std::uint8_t cls) { return (kClass[static_cast<unsigned char>(c)] & cls) != 0; }
constexpr bool is_token(char c) { return is(c, kToken); }
constexpr bool is_ws(char c) { return is(c, kWs); }
constexpr bool is_digit(char c) { return is(c, kDigit); }
constexpr char lower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c + 32) : c; }

constexpr bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  if (a == b) return true;  // the common spelling: one memcmp
  for (std::size_t i = 0; i < a.size(); ++i)
    if (lower(a[i]) != lower(b[i])) return false;
  return true;
}
constexpr bool istarts_with(std::string_view s, std::string_view prefix) {
  return s.size() >= prefix.size() && iequals(s.substr(0, prefix.size()), prefix);
}

constexpr std::string_view skip_ws(std::string_view s) {
  std::size_t i = 0;
  while (i < s.size() && is_ws(s[i])) ++i;
  return s.substr(i);
}
constexpr std::string_view trim_right(std::string_view s) {
  std::size_t n = s.size();
  while (n > 0 && is_ws(s[n - 1])) --n;
  return s.substr(0, n);
}
constexpr std::string_view trim(std::string_view s) { return trim_right(skip_ws(s)); }

// Length of the token at the start of s (0 when none).
constexpr std::size_t token_length(std::string_view s) {
  std::size_t i = 0;
  while (i < s.size() && is_token(s[i])) ++i;
  return i;
}

// Long runs (URIs, branch values, tags) are scanned 16 bytes at a time with
// SSE2 (x86-64 baseline); loads stay inside [p, p + n).
#if defined(__SSE2__)
// Returns the offset of the first stop byte, n when there is none, or (for
// n < 16 only) the offset where the caller's byte loop must continue.
template <class Stop>
inline std::size_t simd_span(const char* p, std::size_t n, Stop stop) {
  std::size_t i = 0;
  for (; i + 16 <= n; i += 16) {
    const __m128i x = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p + i));
    const int mask = _mm_movemask_epi8(stop(x));
    if (mask != 0) return i + static_cast<std::size_t>(__builtin_ctz(static_cast<unsigned>(mask)));
  }
  if (i < n && n >= 16) {
    // The tail: one more block ending at p + n, overlapping bytes already
    // checked (they are shifted out of the mask).
    const std::size_t base = n - 16;
    const __m128i x = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p + base));
    const unsigned mask = static_cast<unsigned>(_mm_movemask_epi8(stop(x))) >> (i - base);
    return mask != 0 ? i + static_cast<std::size_t>(__builtin_ctz(mask)) : n;
  }
  return i;
}
#endif

// First c in [p, p + n), or nullptr. Inline: lines and names are short, and
// a libc memchr call costs more than the search itself there.
inline const char* find_char(const char* p, std::size_t n, char c) {
  std::size_t i = 0;
#if defined(__SSE2__)
  const __m128i needle = _mm_set1_epi8(c);
  i = simd_span(p, n, [needle](__m128i x) { return _mm_cmpeq_epi8(x, needle); });
#endif
  for (; i < n; ++i)
    if (p[i] == c) return p + i;
  return nullptr;
}

// Length of the leading run of URI characters (kUriChar) of [p, p + n).
inline std::size_t uri_span(const char* p, std::size_t n) {
  std::size_t i = 0;
#if defined(__SSE2__)
  // Not a URI char: CTL, SP, DEL, non-ASCII (negative as int8), " < > `
  i = simd_span(p, n, [](__m128i x) {
    __m128i bad = _mm_or_si128(_mm_cmplt_epi8(x, _mm_set1_epi8(0x21)), _mm_cmpeq_epi8(x, _mm_set1_epi8(0x7F)));
    bad = _mm_or_si128(bad, _mm_cmpeq_epi8(x, _mm_set1_epi8('"')));
    bad = _mm_or_si128(bad, _mm_cmpeq_epi8(x, _mm_set1_epi8('<')));
    bad = _mm_or_si128(bad, _mm_cmpeq_epi8(x, _mm_set1_epi8('>')));
    return _mm_or_si128(bad, _mm_cmpeq_epi8(x, _mm_set1_epi8('`')));
  });
#endif
  while (i < n && is(p[i], kUriChar)) ++i;
  return i;
}

// Length of the leading run of [p, p + n) without a kParamStop character.
inline std::size_t param_value_span(const char* p, std::size_t n) {
  std::size_t i = 0;
#if defined(__SSE2__)
  i = simd_span(p, n, [](__m128i x) {
    __m128i stop = _mm_or_si128(_mm_cmpeq_epi8(x, _mm_set1_epi8(';')), _mm_cmpeq_epi8(x, _mm_set1_epi8(',')));
    stop = _mm_or_si128(stop, _mm_cmpeq_epi8(x, _mm_set1_epi8('"')));
    stop = _mm_or_si128(stop, _mm_cmpeq_epi8(x, _mm_set1_epi8(' ')));
    stop = _mm_or_si128(stop, _mm_cmpeq_epi8(x, _mm_set1_epi8('\t')));
    stop = _mm_or_si128(stop, _mm_cmpeq_epi8(x, _mm_set1_epi8('\r')));
    return _mm_or_si128(stop, _mm_cmpeq_epi8(x, _mm_set1_epi8('\n')));
  });
#endif
  while (i < n && !is(p[i], kParamStop)) ++i;
  return i;
}

// s starts with '"'. quoted-string = SWS DQUOTE *(qdtext / quoted-pair ) DQUOTE;
// returns the length through the closing quote, or npos when unterminated.
constexpr std::size_t quoted_length(std::string_view s) {
  for (std::size_t i = 1; i < s.size(); ++i) {
    if (s[i] == '\\') {
      ++i;
    } else if (s[i] == '"') {
      return i + 1;
    }
  }
  return std::string_view::npos;
}

// Length of the leading run of [p, p + n) that holds none of the bytes Cs.
template <char... Cs>
inline std::size_t span_none_of(const char* p, std::size_t n) {
  std::size_t i = 0;
#if defined(__SSE2__)
  i = simd_span(p, n, [](__m128i x) {
    __m128i hit = _mm_setzero_si128();
    ((hit = _mm_or_si128(hit, _mm_cmpeq_epi8(x, _mm_set1_epi8(Cs)))), ...);
    return hit;
  });
#endif
  while (i < n && ((p[i] != Cs) && ...)) ++i;
  return i;
}

// Length of the leading run of host characters (kHost: alphanum / "-" / ".").
inline std::size_t host_span(const char* p, std::size_t n) {
  std::size_t i = 0;
#if defined(__SSE2__)
  i = simd_span(p, n, [](__m128i x) {
    // Bytes >= 0x80 are negative as int8 and fall outside both ranges.
    const __m128i folded = _mm_or_si128(x, _mm_set1_epi8(0x20));
    const __m128i letter = _mm_and_si128(_mm_cmpgt_epi8(folded, _mm_set1_epi8('a' - 1)),
                                         _mm_cmplt_epi8(folded, _mm_set1_epi8('z' + 1)));
    const __m128i digit = _mm_and_si128(_mm_cmpgt_epi8(x, _mm_set1_epi8('0' - 1)),
                                        _mm_cmplt_epi8(x, _mm_set1_epi8('9' + 1)));
    __m128i good = _mm_or_si128(letter, digit);
    good = _mm_or_si128(good, _mm_cmpeq_epi8(x, _mm_set1_epi8('.')));
    good = _mm_or_si128(good, _mm_cmpeq_epi8(x, _mm_set1_epi8('-')));
    return _mm_cmpeq_epi8(good, _mm_setzero_si128());
  });
#endif
  while (i < n && is(p[i], kHost)) ++i;
  return i;
}

// Bit k set when p[base + k] is a kListSpecial byte, for the block of
// `len` = min(16, n - base) bytes at base; loads stay inside [p, p + n).
inline std::uint32_t list_special_mask(const char* p, std::size_t base, std::size_t n, std::size_t& len) {
  len = n - base < 16 ? n - base : 16;
#if defined(__SSE2__)
  if (n >= 16) {
    // A short last block is read as the 16 bytes ending at p + n.
    const std::size_t at = len == 16 ? base : n - 16;
    const __m128i x = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p + at));
    __m128i hit = _mm_or_si128(_mm_cmpeq_epi8(x, _mm_set1_epi8(',')), _mm_cmpeq_epi8(x, _mm_set1_epi8('"')));
    hit = _mm_or_si128(hit, _mm_cmpeq_epi8(x, _mm_set1_epi8('<')));
    hit = _mm_or_si128(hit, _mm_cmpeq_epi8(x, _mm_set1_epi8('>')));
    hit = _mm_or_si128(hit, _mm_cmpeq_epi8(x, _mm_set1_epi8('\\')));
    return static_cast<std::uint32_t>(_mm_movemask_epi8(hit)) >> (base - at);
  }
#endif
  std::uint32_t mask = 0;
  for (std::size_t k = 0; k < len; ++k)
    if (is(p[base + k], kListSpecial)) mask |= 1u << k;
  return mask;
}

// Splits the next element off a comma-separated list, honouring quoted
// strings and <...>. Returns the (untrimmed) element; `rest` moves past the
// comma. A quote or bracket left open swallows the rest of the list.
inline std::string_view split_element(std::string_view& rest) {
  const char* const p = rest.data();
  const std::size_t n = rest.size();
  // Fast path: the first comma comes before any '"' or '<', so it cannot be
  // quoted or bracketed; or there is none of the three at all.
  std::size_t i = span_none_of<',', '"', '<'>(p, n);
  if (i == n) {
    const std::string_view element = rest;
    rest = {};
    return element;
  }
  if (p[i] == ',') {
    const std::string_view head = rest.substr(0, i);
    rest = rest.substr(i + 1);
    return head;
  }
  // Nothing before i changes the state (a stray '>' outside <...> is a
  // no-op), so the state machine starts there. It visits only the bytes that
  // matter: a bit mask of them per 16-byte block, walked bit by bit.
  bool in_quotes = false;
  bool in_angle = false;
  std::size_t skip = i;  // bytes before this are consumed (a quoted-pair's second byte)
  for (std::size_t base = i; base < n;) {
    std::size_t len = 0;
    std::uint32_t mask = list_special_mask(p, base, n, len);
    while (mask != 0) {
      const std::size_t j = base + static_cast<std::size_t>(__builtin_ctz(mask));
      mask &= mask - 1;
      if (j < skip) continue;
      const char c = p[j];
      if (in_quotes) {
        if (c == '\\') {
          skip = j + 2;  // quoted-pair
        } else if (c == '"') {
          in_quotes = false;
        }
      } else if (c == '"') {
        in_quotes = true;
      } else if (c == '<') {
        in_angle = true;
      } else if (c == '>') {
        in_angle = false;
      } else if (c == ',' && !in_angle) {
        const std::string_view element = rest.substr(0, j);
        rest = rest.substr(j + 1);
        return element;
      }
    }
    base += len;
  }
  const std::string_view element = rest;
  rest = {};
  return element;
}

// 1*DIGIT (exactly the whole view) not above max.
constexpr bool parse_digits(std::string_view s, std::uint64_t max, std::uint64_t& out) {
  if (s.empty() || s.size() > 19) return false;
  std::uint64_t v = 0;
  for (char c : s) {
    if (!is_digit(c)) return false;
    v = v * 10 + static_cast<std::uint64_t>(c - '0');
  }
  if (v > max) return false;
  out = v;
  return true;
}

}  // namespace sipedge::sip::lex
