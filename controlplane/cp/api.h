#pragma once
// sipedge::cp — the bodies of sipedge-cp's JSON API (and the plain-text
// variants sipedgectl prints with ?format=text), built from what the control
// plane knows: /api/stats (dataplane CPS and its 15-minute history, dataplane
// counters, registrations, keepalives, punt queue) and /api/registrations.
//
// Thread-safety: none (the event loop thread). Errors: none; missing data
// (dataplane never answered) renders as null / "-". Cold path: allocates.
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

#include "config/config.h"
#include "cp/control_plane.h"
#include "cp/json.h"
#include "store/location_store.h"

namespace sipedge::cp {

class Announcer;

struct ApiView {
  const config::Config& config;
  const ControlPlane& cp;
  const store::LocationStore& store;
  std::size_t punt_queue = 0;  // datagrams waiting for the dataplane's socket
  Now now;
  const Announcer* announce = nullptr;  // the health verdict and VIP announcement (cp/announce.h)
};

std::string stats_json(const ApiView& v);
std::string stats_text(const ApiView& v);
// `aor`: only this address-of-record's bindings (normalised); nullopt: all.
std::string registrations_json(const ApiView& v, const std::optional<std::string>& aor);
std::string registrations_text(const ApiView& v, const std::optional<std::string>& aor);

// An operator's AOR ("alice@example.com", "sip:alice@example.com") in the
// store's normalised form; nullopt when it is not one.
std::optional<std::string> operator_aor(std::string_view text);

}  // namespace sipedge::cp
