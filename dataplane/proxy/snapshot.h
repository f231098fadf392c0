#pragma once
// Everything the fast path reads about the node, as one immutable value:
// addresses, SIP ports, dispatcher sets, route rules, CPS settings, NAT rules.
// Built from a validated config on the main lcore (cold, allocates), then
// published to the workers by pointer; a destination going up or down or a
// reload builds a new Snapshot, never edits one in place.
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "config/config.h"
#include "dispatch/dispatcher_set.h"
#include "limit/cps_limiter.h"
#include "sip/ipv6.h"
#include "sip/limits.h"
#include "proxy/proxy.h"
#include "sip/via.h"

namespace sipedge::proxy {

struct Prefix {
  uint32_t network = 0;
  uint32_t mask = 0;
  bool contains(uint32_t ip) const noexcept { return (ip & mask) == network; }
};

struct Prefix6 {
  std::array<uint8_t, 16> network{};
  uint8_t length = 0;
  bool contains(const std::array<uint8_t, 16>& ip) const noexcept {
    std::size_t bits = length, i = 0;
    for (; bits >= 8; bits -= 8, ++i)
      if (ip[i] != network[i]) return false;
    if (bits == 0) return true;
    const uint8_t mask = static_cast<uint8_t>(0xFF00u >> bits);
    return (ip[i] & mask) == network[i];
  }
};

struct SetEntry {
  std::string name;
  uint16_t id = 0;
  config::Algorithm algorithm = config::Algorithm::kHashCallId;
  std::shared_ptr<const dispatch::DispatcherSet> set;
  uint16_t first_counter = 0;  // index of its destination 0 in the per-destination counters
};

struct RouteRule {
  uint16_t set = 0;
  std::string domain;       // empty: any
  std::string user_prefix;  // empty: any
  bool has_source = false;
  Prefix source;
};

struct NatRule {
  Prefix prefix;
  config::NatRuleAction action = config::NatRuleAction::kTests;
  uint32_t tests = 0;
};

// Per-destination packet counters are a flat array in each worker.
inline constexpr std::size_t kMaxCountedDestinations = 1024;

struct Snapshot {
  uint8_t node_id = 0;
  uint64_t generation = 0;

  // Addresses. The edge sends to the outside from the VIP and to the inside
  // from the inside port's own address.
  std::vector<uint32_t> vips;
  uint32_t outside_address = 0;  // vips[0]
  uint32_t inside_address = 0;   // address of the inside (or both) port
  std::vector<uint32_t> own_addresses;  // vips + every port address
  std::vector<uint16_t> sip_ports;
  uint16_t sip_port = 5060;  // sip_ports[0]: what we write in Via and Record-Route
  std::vector<Prefix> inside_prefixes;

  // IPv6: the VIPs written as IPv6 literals, the inside port's address6,
  // and every own IPv6 address. has_* false: that side has no IPv6 address
  // (an inside side without one uses the outside's, as IPv4 does).
  std::vector<sip::Ipv6Address> vips6;
  bool has_outside6 = false;
  bool has_inside6 = false;
  sip::Ipv6Address outside_address6;  // vips6[0]
  sip::Ipv6Address inside_address6;
  std::vector<sip::Ipv6Address> own_addresses6;
  std::vector<Prefix6> inside_prefixes6;

  // What forward() inserts for each of our two sending addresses, written
  // once here so a message costs a copy, not a formatting: our Via up to
  // its branch value ("SIP/2.0/UDP a.b.c.d:port;branch=") and our
  // Record-Route value ("<sip:a.b.c.d:port;lr>").
  struct OwnText {
    std::string via_prefix;
    std::string record_route;
    uint32_t address = 0;
    uint16_t port = 0;
    std::size_t host_length = 0;  // of the address in via_prefix (brackets included for IPv6)
    bool v6 = false;
    sip::Ipv6Address address6;
    // Our Via coming back on a response, recognised without a parse.
    sip::OwnViaPrefix own_via() const noexcept { return {via_prefix, address, port, host_length, v6, address6}; }
  };
  OwnText outside_text;  // for outside_address
  OwnText inside_text;   // for inside_address
  OwnText outside_text6;  // for outside_address6, when has_outside6 ("SIP/2.0/UDP [v6]:port;branch=")
  OwnText inside_text6;   // for inside_address6 (or outside_address6)

  bool record_route = true;
  uint32_t max_forwards = 70;
  sip::Limits limits;
  bool answer_crlf = true;
  bool answer_stun = true;
  config::RelayReject relay_reject = config::RelayReject::kReply403;
  config::PuntFallback punt_fallback = config::PuntFallback::kReply503;
  bool compact_over_mtu = true;
  // Largest UDP payload that leaves unfragmented towards each side: the
  // smallest MTU of the ports on that side (a `both` port counts for both)
  // minus the IPv4 and UDP headers.
  uint32_t max_payload_outside = 1472;
  uint32_t max_payload_inside = 1472;

  std::vector<SetEntry> sets;
  int default_set = -1;
  std::vector<RouteRule> routes;

  // The limits themselves live in limit::CpsLimits (cps_spec() below).
  uint32_t cps_methods = 0;  // bit per sip::Method
  config::BreachAction breach_action = config::BreachAction::kReply503;
  uint32_t retry_after = 0;

  uint32_t nat_tests = 0;
  bool nat_fix = true;
  std::vector<NatRule> nat_rules;

  // Requests from inside for these domains (or our own addresses) need a
  // location lookup by the control plane. Empty list: our addresses only.
  std::vector<std::string> local_domains;
  // Proxy-Require option tags let through (sip.proxy_require_supported); any
  // other is answered 420.
  std::vector<std::string> proxy_require_supported;
  int registrar_set = -1;  // proxy-mode registrar: REGISTERs handed back go there

  bool is_own(uint32_t ip) const noexcept {
    for (uint32_t a : own_addresses)
      if (a == ip) return true;
    return false;
  }
  bool is_sip_port(uint16_t port) const noexcept {
    for (uint16_t p : sip_ports)
      if (p == port) return true;
    return false;
  }
  bool is_inside(uint32_t ip) const noexcept {
    for (const auto& p : inside_prefixes)
      if (p.contains(ip)) return true;
    return false;
  }
  uint32_t max_payload_towards(uint32_t peer) const noexcept {
    return is_inside(peer) ? max_payload_inside : max_payload_outside;
  }

  bool is_own6(const sip::Ipv6Address& ip) const noexcept {
    for (const auto& a : own_addresses6)
      if (a == ip) return true;
    return false;
  }
  bool is_inside6(const std::array<uint8_t, 16>& ip) const noexcept {
    for (const auto& p : inside_prefixes6)
      if (p.contains(ip)) return true;
    return false;
  }
  // Dual-family forms of the above, for an Endpoint of either family.
  bool is_own(const Endpoint& e) const noexcept { return e.v6 ? is_own6(sip::Ipv6Address{e.ip6}) : is_own(e.ip); }
  bool is_inside(const Endpoint& e) const noexcept { return e.v6 ? is_inside6(e.ip6) : is_inside(e.ip); }
  // Whether we have an address of `peer`'s family to send to it from.
  bool can_reach(const Endpoint& peer) const noexcept {
    return !peer.v6 || has_outside6 || (has_inside6 && is_inside6(peer.ip6));
  }
  // An IPv6 header is 20 bytes longer than an IPv4 one.
  uint32_t max_payload_towards(const Endpoint& peer) const noexcept {
    return max_payload_towards(peer.ip) - (peer.v6 ? 20u : 0u);
  }
  // Our address (with the SIP port) facing `peer`, of its family.
  Endpoint address_towards(const Endpoint& peer) const noexcept {
    if (!peer.v6) return {address_towards(peer.ip), sip_port};
    const bool inside = has_inside6 && (is_inside6(peer.ip6) || !has_outside6);
    return endpoint6(inside ? inside_address6.bytes : outside_address6.bytes, sip_port);
  }
  const OwnText& text_towards(const Endpoint& peer) const noexcept {
    if (!peer.v6) return text_towards(peer.ip);
    const bool inside = has_inside6 && (is_inside6(peer.ip6) || !has_outside6);
    return inside ? inside_text6 : outside_text6;
  }

  // Our address facing `peer`.
  uint32_t address_towards(uint32_t peer) const noexcept {
    return is_inside(peer) ? inside_address : outside_address;
  }
  // The OwnText of address_towards(peer).
  const OwnText& text_towards(uint32_t peer) const noexcept { return is_inside(peer) ? inside_text : outside_text; }
};

// Builds the snapshot of a validated config. `down` lists destinations the
// control plane reported down, as (set index, destination index) pairs.
// Throws std::runtime_error when a set cannot be built (cold path).
struct DestinationRef {
  uint16_t set = 0;
  uint16_t destination = 0;
};
std::shared_ptr<const Snapshot> build_snapshot(const config::Config& config, uint64_t generation,
                                               std::span<const DestinationRef> down = {});

// The CPS limits of a config, for limit::CpsLimits::create (time in ns).
limit::CpsLimitSpec cps_spec(const config::Config& config);

// The same snapshot with one destination's state changed (STATE from the
// control plane): only that set is rebuilt.
std::shared_ptr<const Snapshot> with_destination_state(const Snapshot& current, DestinationRef which, bool up,
                                                       uint64_t generation);

}  // namespace sipedge::proxy
