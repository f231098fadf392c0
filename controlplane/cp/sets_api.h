#pragma once
// sipedge::cp sets API: the HTTP bodies behind `GET /api/sets` and
// `POST /api/sets/state` (cp/loop.cpp routes them; sipedgectl `sets` and
// `set-state` call them).
//
//   GET /api/sets -> 200, a flat JSON array, one object per destination:
//     {"set":"pool","set_id":1,"index":0,"uri":"sip:198.51.100.21:5060",
//      "address":"198.51.100.21:5060","enabled":true,"state":"up",
//      "probe":"up","admin":"auto","rtt_us":412,"consecutive_failures":0,
//      "consecutive_successes":7,"probes_sent":9}
//     state is what the dataplane uses: "up", "down" or "disabled" (config);
//     probe is the probes' verdict ("up", "down", or "off" when probing is
//     disabled); admin is "auto" or "down" (forced by the operator); rtt_us
//     is -1 before the first answer. Flat on purpose: sipedgectl reads it
//     without a JSON library.
//   POST /api/sets/state?destination=WHICH&state=up|down -> 200 with the
//     changed destinations (same objects), 404 unknown destination, 409 the
//     destination is disabled in the config, 400 bad parameters. WHICH is
//     SET/INDEX (set name or id, 0-based index) or IP:PORT (every set with
//     that address); percent-encoding is decoded. POST, not GET, so no
//     crawler, prefetch or metrics scraper changes a destination's state.
//
// Thread-safety: none (event loop thread). Errors: bad input gets a 4xx
// reply, never an exception.
#include <cstdint>
#include <string>
#include <string_view>

#include "cp/control_plane.h"
#include "cp/probe.h"

namespace sipedge::cp {

struct ApiReply {
  std::uint16_t status = 200;
  std::string body;  // JSON
};

std::string sets_json(const ProbeEngine& probe);
ApiReply set_state_request(ControlPlane& cp, std::string_view query);

}  // namespace sipedge::cp
