#pragma once
// What RFC 3261 16.3 has a proxy check on a request before it forwards it,
// beyond the syntax: step 2, a Request-URI scheme the edge cannot route is
// refused 416; step 5, a Proxy-Require option tag it does not support is
// refused 420 with an Unsupported header listing those tags (RFC 4475
// unkscm, novelsc, bext01). Kamailio's sanity module checks the same
// (ruri_scheme, proxy_require).
//
// Thread-safety: pure functions. Hot path: no allocation; both look only at
// bytes the parse indexed already.
#include <array>
#include <cstddef>
#include <span>
#include <string>
#include <string_view>

#include "sip/message.h"

namespace sipedge::sip {

// sip, sips, tel (RFC 3966) and urn (RFC 5031 service URNs, which carry
// emergency calls), in any case. The edge hands these to its server pool;
// any other scheme would only come back from the pool as a 416.
[[nodiscard]] bool is_routable_request_uri_scheme(std::string_view request_uri) noexcept;

// The Proxy-Require option tags of `request` that are not in `supported`
// (compared ignoring case), in message order; at most kMaxUnsupported are
// kept, `count` counts them all.
struct UnsupportedTags {
  static constexpr std::size_t kMaxUnsupported = 8;
  std::array<std::string_view, kMaxUnsupported> tags{};
  std::size_t count = 0;
  [[nodiscard]] std::span<const std::string_view> kept() const noexcept {
    return {tags.data(), count < kMaxUnsupported ? count : kMaxUnsupported};
  }
};
[[nodiscard]] UnsupportedTags unsupported_proxy_require(const Message& request,
                                                        std::span<const std::string> supported) noexcept;

}  // namespace sipedge::sip
