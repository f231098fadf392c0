#pragma once
// sipedge::ctl::http_request — sipedgectl's blocking HTTP/1.1 client (libcurl's
// easy interface) for the verbs that talk to sipedge-cp's local API
// (metrics.listen). One request per connection ("Connection: close"), the
// response bounded in size and the whole exchange in time.
//
// Thread-safety: none needed (no shared state). Errors: transport problems
// (refused, timeout, malformed status line) come back in HttpResult::error
// with status 0; any HTTP status is a successful exchange.
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "config/config.h"

namespace sipedge::ctl {

inline constexpr int kHttpTimeoutMs = 10'000;  // covers a dataplane reload
inline constexpr std::size_t kMaxHttpResponse = 16 << 20;

struct HttpResult {
  int status = 0;  // 0: no HTTP answer, see error
  std::string body;
  std::string error;
};

// `bearer_token` non-empty: sent as "Authorization: Bearer <token>".
HttpResult http_request(const config::ListenAddress& server, std::string_view method, std::string_view target,
                        std::string_view body = {}, int timeout_ms = kHttpTimeoutMs,
                        std::string_view bearer_token = {});

// Where sipedge-cp's API is and the token its state-changing requests need.
struct ApiTarget : config::ListenAddress {
  std::string token;  // "": none configured
};

inline HttpResult http_request(const ApiTarget& api, std::string_view method, std::string_view target,
                               std::string_view body = {}, int timeout_ms = kHttpTimeoutMs) {
  return http_request(static_cast<const config::ListenAddress&>(api), method, target, body, timeout_ms, api.token);
}

// sipedgectl --token-file FILE: the token comes from FILE (same rules as
// metrics.token_file) instead of the config's metrics.token_file.
void set_token_file(std::string path);

// sipedge-cp's API address from the node's config (metrics.listen; a
// wildcard bind is reached over loopback) and its token (--token-file, else
// metrics.token_file), or nullopt, reported on stderr, when the config or
// the token file does not load or HTTP is off.
std::optional<ApiTarget> api_address(std::string_view config_path);

// %-encodes everything but RFC 3986 unreserved characters (a path segment).
std::string url_encode(std::string_view text);

}  // namespace sipedge::ctl
