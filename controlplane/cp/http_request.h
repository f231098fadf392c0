#pragma once
// sipedge::cp::HttpRequest — what the API handlers see of a request that
// cp/http_server.h (libmicrohttpd) has parsed and bounded: views that live
// for the handler call. And the form and %-decoding the handlers need.
//
// Thread-safety: pure functions. Errors: nullopt from the decoders.
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace sipedge::cp {

inline constexpr std::size_t kMaxHttpBody = 4096;  // larger bodies: 413 (cp/http_server.h)

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

// The value of `key` in an application/x-www-form-urlencoded query or body
// ("a=1&b=2"), %-decoded, '+' as space; nullopt when absent or badly encoded.
std::optional<std::string> form_value(std::string_view form, std::string_view key);

// %XX decoding of a path segment; nullopt on a bad or NUL escape.
std::optional<std::string> percent_decode(std::string_view text, bool plus_is_space = false);

}  // namespace sipedge::cp
