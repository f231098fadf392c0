#pragma once

#include <array>
#include <cstdint>

namespace sipedge::dispatch {

// What the config glue hands over for one destination of a set.
struct DestinationSpec {
  std::uint32_t ipv4 = 0;      // host byte order (unused when is_ipv6)
  bool is_ipv6 = false;        // an IPv6 destination: `ipv6` is its address
  std::array<std::uint8_t, 16> ipv6{};  // network byte order
  std::uint16_t port = 5060;   // UDP port, host byte order
  std::uint16_t weight = 1;    // 1..65535; share of traffic inside its priority group
  std::uint8_t priority = 0;   // higher wins; lower groups are used only when higher ones are all down
  bool enabled = true;         // administratively disabled destinations are never picked
};

// What identifies a destination's address in the Maglev permutation and
// the duplicate check: the IPv4 address itself (so IPv4 tables stay as they
// were), an FNV-1a fold of an IPv6 one.
constexpr std::uint32_t address_identity(const DestinationSpec& d) noexcept {
  if (!d.is_ipv6) return d.ipv4;
  std::uint32_t h = 2166136261u;
  for (const auto b : d.ipv6) h = (h ^ b) * 16777619u;
  return h;
}

// A destination as a built set holds it. `index` is its position in the
// spec's list, so per-destination counters and punt STATE messages
// (set id, destination index) can name it.
struct Destination : DestinationSpec {
  std::uint16_t index = 0;
};

}  // namespace sipedge::dispatch
