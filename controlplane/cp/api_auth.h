#pragma once
// sipedge::cp::authorize — who may change state through sipedge-cp's HTTP
// API. Every request but GET and HEAD changes something (unregister, reload,
// set-state, subscribers, and any endpoint added later), so the loop asks
// once per request, before routing: a new endpoint is covered for free.
//
// With metrics.token_file set, such a request needs "Authorization: Bearer
// <token>" (RFC 6750 section 2.1); the comparison takes the same time
// wherever the first difference is. Without a token (allowed on loopback
// only, see config/config.h) every local client may.
//
// Thread-safety: pure functions. Errors: the ApiAuth result.
#include <string_view>

#include "cp/http_request.h"

namespace sipedge::cp {

enum class ApiAuth {
  allowed,
  missing,  // 401, no (Bearer) credentials
  wrong,    // 401 with error="invalid_token"
};

// Reads are open: /metrics, the dashboard and the GET endpoints.
bool changes_state(std::string_view method) noexcept;

// `token` empty: no token configured, everything is allowed.
ApiAuth authorize(const HttpRequest& request, std::string_view token) noexcept;

// Equal contents, in time that depends on the lengths only.
bool constant_time_equal(std::string_view a, std::string_view b) noexcept;

}  // namespace sipedge::cp
