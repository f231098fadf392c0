#pragma once
// Where to send a request for a registered user (design: "Calls to registered
// users"). The edge is stateless and must not fork (RFC 3261 16.11), so it
// picks ONE binding: the highest q, then the most recently refreshed.
// Bindings whose keepalives are failing are skipped; if only those remain
// the user is unreachable (480), if none at all, unknown (404).
//
// Thread-safety: as the store (event loop thread). The returned pointer is
// valid until the store's next mutating call.
#include <cstdint>
#include <string_view>

#include "store/location_store.h"

namespace sipedge::registrar {

enum class LookupStatus : std::uint8_t {
  found,        // binding set
  not_found,    // no live binding: answer 404
  unreachable,  // only bindings with failing keepalives: answer 480
};

struct LookupResult {
  LookupStatus status = LookupStatus::not_found;
  const store::Binding* binding = nullptr;  // when found

  // 200 (found), 404, 480.
  std::uint16_t sip_status() const noexcept {
    return status == LookupStatus::found ? 200 : status == LookupStatus::not_found ? 404 : 480;
  }
};

// `aor` normalised (registrar/aor.h); `now_s` unix seconds: expired bindings
// not yet collected are ignored. A binding counts as unreachable once its
// keepalive.consecutive_failures >= `unreachable_after` (0 disables).
LookupResult best_binding(const store::LocationStore& store, std::string_view aor, std::int64_t now_s,
                          std::uint32_t unreachable_after = 1);

}  // namespace sipedge::registrar
