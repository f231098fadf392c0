#pragma once

#include <cstdint>

namespace sipedge::dispatch {

// What the config glue hands over for one destination of a set.
struct DestinationSpec {
  std::uint32_t ipv4 = 0;      // host byte order
  std::uint16_t port = 5060;   // UDP port, host byte order
  std::uint16_t weight = 1;    // 1..65535; share of traffic inside its priority group
  std::uint8_t priority = 0;   // higher wins; lower groups are used only when higher ones are all down
  bool enabled = true;         // administratively disabled destinations are never picked
};

// A destination as a built set holds it. `index` is its position in the
// spec's list, so per-destination counters and punt STATE messages
// (set id, destination index) can name it.
struct Destination : DestinationSpec {
  std::uint16_t index = 0;
};

}  // namespace sipedge::dispatch
