#pragma once
// sipedge::ctl::http_request — a tiny blocking HTTP/1.1 client for
// sipedgectl's verbs that talk to sipedge-cp's local API (metrics.listen).
// One request per connection ("Connection: close"), the response read until
// the server closes, bounded in size and in time.
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

HttpResult http_request(config::Ipv4Endpoint server, std::string_view method, std::string_view target,
                        std::string_view body = {}, int timeout_ms = kHttpTimeoutMs);

// sipedge-cp's API address from the node's config (metrics.listen; a
// wildcard bind is reached over loopback), or nullopt, reported on stderr,
// when the config does not load or has HTTP off.
std::optional<config::Ipv4Endpoint> api_address(std::string_view config_path);

// %-encodes everything but RFC 3986 unreserved characters (a path segment).
std::string url_encode(std::string_view text);

}  // namespace sipedge::ctl
