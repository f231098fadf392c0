#include "cp/http_request.h"

#include <charconv>

namespace sipedge::cp {
namespace {

bool iequals(std::string_view a, std::string_view b) noexcept {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    char x = a[i], y = b[i];
    if (x >= 'A' && x <= 'Z') x = static_cast<char>(x - 'A' + 'a');
    if (y >= 'A' && y <= 'Z') y = static_cast<char>(y - 'A' + 'a');
    if (x != y) return false;
  }
  return true;
}

std::string_view trim(std::string_view s) noexcept {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

// RFC 9110 token characters: what a method may be made of.
bool is_token(std::string_view s) noexcept {
  if (s.empty()) return false;
  for (char c : s)
    if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_' || c == '.'))
      return false;
  return true;
}

int hex_value(char c) noexcept {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

}  // namespace

HttpParse parse_http_request(std::string_view data, HttpRequest& out) noexcept {
  out = {};
  const std::size_t head_end = data.find("\r\n\r\n");
  if (head_end == std::string_view::npos) return data.size() > kMaxHttpHead ? HttpParse::too_large : HttpParse::incomplete;
  if (head_end + 4 > kMaxHttpHead) return HttpParse::too_large;
  const std::string_view head = data.substr(0, head_end);

  // request-line = method SP request-target SP HTTP-version
  const std::size_t line_end = head.find("\r\n");
  const std::string_view line = head.substr(0, line_end);
  const std::size_t sp1 = line.find(' ');
  const std::size_t sp2 = sp1 == std::string_view::npos ? sp1 : line.find(' ', sp1 + 1);
  if (sp2 == std::string_view::npos || line.find(' ', sp2 + 1) != std::string_view::npos) return HttpParse::bad_request;
  const std::string_view method = line.substr(0, sp1);
  const std::string_view target = line.substr(sp1 + 1, sp2 - sp1 - 1);
  const std::string_view version = line.substr(sp2 + 1);
  if (!is_token(method) || target.empty() || target.front() != '/' || !version.starts_with("HTTP/1."))
    return HttpParse::bad_request;
  for (char c : target)
    if (static_cast<unsigned char>(c) <= 0x20 || c == 0x7F) return HttpParse::bad_request;

  std::size_t content_length = 0;
  bool have_length = false;
  std::string_view rest = line_end == std::string_view::npos ? std::string_view{} : head.substr(line_end + 2);
  while (!rest.empty()) {
    const std::size_t eol = rest.find("\r\n");
    const std::string_view field = rest.substr(0, eol);
    rest = eol == std::string_view::npos ? std::string_view{} : rest.substr(eol + 2);
    const std::size_t colon = field.find(':');
    if (colon == 0 || colon == std::string_view::npos) return HttpParse::bad_request;
    const std::string_view name = field.substr(0, colon);
    if (name.find_first_of(" \t") != std::string_view::npos) return HttpParse::bad_request;
    const std::string_view value = trim(field.substr(colon + 1));
    if (iequals(name, "transfer-encoding")) return HttpParse::not_implemented;
    if (iequals(name, "host")) out.host = value;
    if (iequals(name, "origin")) out.origin = value;
    if (iequals(name, "authorization")) out.authorization = value;
    if (iequals(name, "content-length")) {
      std::size_t n = 0;
      const auto [p, ec] = std::from_chars(value.data(), value.data() + value.size(), n);
      if (value.empty() || ec != std::errc() || p != value.data() + value.size()) return HttpParse::bad_request;
      if (have_length && n != content_length) return HttpParse::bad_request;  // RFC 9112 6.3: conflicting lengths
      have_length = true;
      content_length = n;
    }
  }
  if (content_length > kMaxHttpBody) return HttpParse::too_large;
  const std::size_t body_start = head_end + 4;
  if (data.size() - body_start < content_length) return HttpParse::incomplete;

  out.method = method;
  const std::size_t q = target.find('?');
  out.path = target.substr(0, q);
  out.query = q == std::string_view::npos ? std::string_view{} : target.substr(q + 1);
  out.body = data.substr(body_start, content_length);
  return HttpParse::ok;
}

bool same_origin(const HttpRequest& request) noexcept {
  if (request.origin.empty()) return true;
  constexpr std::string_view kScheme = "http://";
  return request.origin.starts_with(kScheme) && !request.host.empty() &&
         request.origin.substr(kScheme.size()) == request.host;
}

std::optional<std::string> percent_decode(std::string_view text, bool plus_is_space) {
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (c == '%') {
      if (i + 2 >= text.size()) return std::nullopt;
      const int hi = hex_value(text[i + 1]), lo = hex_value(text[i + 2]);
      if (hi < 0 || lo < 0 || (hi == 0 && lo == 0)) return std::nullopt;
      out += static_cast<char>(hi * 16 + lo);
      i += 2;
    } else if (c == '+' && plus_is_space) {
      out += ' ';
    } else {
      out += c;
    }
  }
  return out;
}

std::optional<std::string> form_value(std::string_view form, std::string_view key) {
  while (!form.empty()) {
    const std::size_t amp = form.find('&');
    const std::string_view pair = form.substr(0, amp);
    form = amp == std::string_view::npos ? std::string_view{} : form.substr(amp + 1);
    const std::size_t eq = pair.find('=');
    if (pair.substr(0, eq) != key) continue;
    return percent_decode(eq == std::string_view::npos ? std::string_view{} : pair.substr(eq + 1), true);
  }
  return std::nullopt;
}

}  // namespace sipedge::cp
