#include "sip/fields.h"

#include "sip/lex.h"

namespace sipedge::sip {

std::optional<std::uint32_t> parse_uint(std::string_view text, std::uint32_t max) noexcept {
  std::uint64_t v = 0;
  if (!lex::parse_digits(lex::trim(text), max, v)) return std::nullopt;
  return static_cast<std::uint32_t>(v);
}

Result<CSeq> parse_cseq(std::string_view value) noexcept {
  std::string_view s = lex::trim(value);
  // 1*DIGIT not above 2^31-1, read in the same pass that finds its end (at
  // most 19 digits are summed: more is refused anyway, and 19 fit 64 bits).
  std::size_t i = 0;
  std::uint64_t number = 0;
  for (; i < s.size() && lex::is_digit(s[i]); ++i)
    if (i < 19) number = number * 10 + static_cast<std::uint64_t>(s[i] - '0');
  if (i == 0 || i > 19 || number > 0x7FFFFFFFu) return ParseError::bad_cseq;
  if (i == s.size() || !lex::is_ws(s[i])) return ParseError::bad_cseq;
  s = lex::skip_ws(s.substr(i));
  const std::size_t n = lex::token_length(s);
  if (n == 0 || n != s.size()) return ParseError::bad_cseq;
  CSeq c;
  c.number = static_cast<std::uint32_t>(number);
  c.method_text = s;
  c.method = method_from_token(s);
  return c;
}

Result<std::string_view> digest_username(std::string_view value) noexcept {
  std::string_view s = lex::skip_ws(value);
  const std::size_t scheme_len = lex::token_length(s);
  if (!lex::iequals(s.substr(0, scheme_len), "Digest")) return ParseError::bad_auth;
  s = s.substr(scheme_len);
  if (s.empty() || !lex::is_ws(s.front())) return ParseError::bad_auth;
  // digest-response = dig-resp *(COMMA dig-resp); values may be quoted strings
  // holding commas, so split with the quote-aware list splitter.
  while (!s.empty()) {
    const std::string_view item = lex::trim(lex::split_element(s));
    const std::size_t name_len = lex::token_length(item);
    if (!lex::iequals(item.substr(0, name_len), "username")) continue;
    std::string_view rest = lex::skip_ws(item.substr(name_len));
    if (rest.empty() || rest.front() != '=') return ParseError::bad_auth;
    rest = lex::skip_ws(rest.substr(1));
    if (rest.empty() || rest.front() != '"') return ParseError::bad_auth;
    const std::size_t q = lex::quoted_length(rest);
    if (q == std::string_view::npos || q != rest.size()) return ParseError::bad_auth;
    return rest.substr(1, q - 2);
  }
  return ParseError::bad_auth;
}

}  // namespace sipedge::sip
