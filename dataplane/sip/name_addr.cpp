#include "sip/name_addr.h"

#include "sip/lex.h"

namespace sipedge::sip {
namespace {

// Unquoted display-name = *(token LWS); UTF-8 bytes tolerated (common in the wild).
constexpr bool display_char(char c) { return lex::is_token(c) || lex::is_ws(c) || static_cast<unsigned char>(c) >= 0x80; }

}  // namespace

ParseError parse_name_addr_into(std::string_view value, bool allow_star, NameAddr& na) noexcept {
  std::string_view s = lex::trim(value);
  na.text = s;
  if (s.empty()) return ParseError::bad_name_addr;
  if (s == "*") {
    if (!allow_star) return ParseError::bad_name_addr;
    na.star = true;
    return ParseError::ok;
  }

  if (s.front() == '"') {
    const std::size_t q = lex::quoted_length(s);
    if (q == std::string_view::npos) return ParseError::bad_name_addr;
    na.display_name = s.substr(1, q - 2);
    na.display_quoted = true;
    s = lex::skip_ws(s.substr(q));
    if (s.empty() || s.front() != '<') return ParseError::bad_name_addr;
  } else {
    std::size_t i = 0;
    while (i < s.size() && display_char(s[i])) ++i;
    if (i < s.size() && s[i] == '<') {
      na.display_name = lex::trim(s.substr(0, i));
      s = s.substr(i);
    }
  }

  if (!s.empty() && s.front() == '<') {
    const std::size_t close = s.find('>');
    if (close == std::string_view::npos) return ParseError::bad_name_addr;
    na.bracketed = true;
    na.uri_text = s.substr(1, close - 1);
    s = s.substr(close + 1);
  } else {
    // addr-spec: the URI cannot contain ';' here, so the first ';' starts the
    // header parameters (RFC 3261 20.10).
    std::size_t i = 0;
    while (i < s.size() && s[i] != ';' && !lex::is_ws(s[i])) ++i;
    na.uri_text = s.substr(0, i);
    s = s.substr(i);
  }
  if (const ParseError e = parse_uri_into(na.uri_text, na.uri); e != ParseError::ok) return e;

  s = lex::skip_ws(s);
  if (s.empty()) return ParseError::ok;
  if (s.front() != ';') return ParseError::bad_name_addr;
  na.params = s;
  ParamIterator it(s);
  Param p;
  while (it.next(p)) {
    if (!na.has_tag && lex::iequals(p.name, "tag")) {
      na.tag = p.value;
      na.has_tag = true;
    }
  }
  if (it.error()) return ParseError::bad_param;
  return ParseError::ok;
}

Result<NameAddr> parse_name_addr(std::string_view value, bool allow_star) noexcept {
  Result<NameAddr> r(ParseError::ok);
  if (const ParseError e = parse_name_addr_into(value, allow_star, r.mutable_value()); e != ParseError::ok)
    r = Result<NameAddr>(e);
  return r;
}

bool may_have_tag(std::string_view value) noexcept {
  const char* p = value.data();
  std::size_t n = value.size();
  while (n >= 3) {
    const std::size_t i = lex::span_none_of<'t', 'T'>(p, n - 2);  // a 't' with two bytes after it
    if (i == n - 2) return false;
    if ((p[i + 1] | 0x20) == 'a' && (p[i + 2] | 0x20) == 'g') return true;
    p += i + 1;
    n -= i + 1;
  }
  return false;
}

std::size_t unescape_display_name(std::string_view raw, std::span<char> out) noexcept {
  std::size_t n = 0;
  for (std::size_t i = 0; i < raw.size() && n < out.size(); ++i) {
    if (raw[i] == '\\' && i + 1 < raw.size()) ++i;
    out[n++] = raw[i];
  }
  return n;
}

}  // namespace sipedge::sip
