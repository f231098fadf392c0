#pragma once
// sipedge::cp::parse_http_request — the little HTTP/1.x that sipedge-cp's
// local API needs: a request line (method, target split into path and
// query), headers up to the blank line, and a body of Content-Length bytes.
// Nothing else: no chunked bodies, no pipelining, no keep-alive (every
// response closes the connection).
//
// Thread-safety: pure functions. Errors: the HttpParse result; hostile input
// never reads outside `data`. No allocation except percent_decode().
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace sipedge::cp {

inline constexpr std::size_t kMaxHttpHead = 8192;  // request line + headers
inline constexpr std::size_t kMaxHttpBody = 4096;

enum class HttpParse {
  incomplete,  // keep reading
  ok,
  bad_request,      // 400: malformed line/headers, bad Content-Length
  too_large,        // 413: head or body over the limits
  not_implemented,  // 501: Transfer-Encoding
};

struct HttpRequest {
  std::string_view method;
  std::string_view path;   // without the query, still %-encoded
  std::string_view query;  // after '?', empty when none
  std::string_view body;
  std::string_view host;    // Host header value, empty when absent
  std::string_view origin;  // Origin header value (browsers send it cross-site), empty when absent
  std::string_view authorization;  // Authorization header value, empty when absent (cp/api_auth.h)
};

// Whether a state-changing request may come from where it says it comes
// from: no Origin (a CLI, curl) or an Origin naming this very server
// ("http://" + Host). A page elsewhere that makes an operator's browser POST
// here (CSRF) carries its own Origin and is refused.
bool same_origin(const HttpRequest& request) noexcept;

// Views in `out` point into `data`.
HttpParse parse_http_request(std::string_view data, HttpRequest& out) noexcept;

// The value of `key` in an application/x-www-form-urlencoded query or body
// ("a=1&b=2"), %-decoded, '+' as space; nullopt when absent or badly encoded.
std::optional<std::string> form_value(std::string_view form, std::string_view key);

// %XX decoding of a path segment; nullopt on a bad or NUL escape.
std::optional<std::string> percent_decode(std::string_view text, bool plus_is_space = false);

}  // namespace sipedge::cp
