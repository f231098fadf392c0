#include "proxy/snapshot.h"

#include <algorithm>
#include <stdexcept>

#include "sip/ipv4.h"
#include "sip/ipv6.h"
#include "sip/method.h"

namespace sipedge::proxy {
namespace {

Prefix to_prefix(const config::Ipv4Prefix& p) {
  return {p.address & p.mask(), p.mask()};
}

dispatch::Algorithm to_dispatch(config::Algorithm a) {
  switch (a) {
    case config::Algorithm::kHashCallId: return dispatch::Algorithm::HashCallId;
    case config::Algorithm::kHashFrom: return dispatch::Algorithm::HashFromUri;
    case config::Algorithm::kHashTo: return dispatch::Algorithm::HashToUri;
    case config::Algorithm::kHashRuri: return dispatch::Algorithm::HashRequestUri;
    case config::Algorithm::kHashAuthUser: return dispatch::Algorithm::HashAuthUsername;
    case config::Algorithm::kWeightedRoundRobin: return dispatch::Algorithm::WeightedRoundRobin;
    case config::Algorithm::kRandom: return dispatch::Algorithm::Random;
    case config::Algorithm::kFirst: return dispatch::Algorithm::FirstEntry;
  }
  return dispatch::Algorithm::HashCallId;
}

std::shared_ptr<const dispatch::DispatcherSet> build_set(const config::SetConfig& set, std::span<const bool> up) {
  dispatch::DispatcherSetSpec spec;
  spec.algorithm = to_dispatch(set.algorithm);
  spec.maglev_table_size = set.table_size;
  for (const auto& d : set.destinations) {
    dispatch::DestinationSpec ds;
    ds.ipv4 = d.address;
    if (d.address6) {
      ds.is_ipv6 = true;
      ds.ipv6 = *d.address6;
    }
    ds.port = d.port;
    ds.weight = static_cast<uint16_t>(d.weight);
    ds.priority = static_cast<uint8_t>(d.priority);
    ds.enabled = d.enabled;
    spec.destinations.push_back(ds);
  }
  auto built = dispatch::DispatcherSet::build(spec, up);
  if (built.error != dispatch::BuildError::Ok)
    throw std::runtime_error("set " + set.name + ": " + std::string(dispatch::name(built.error)));
  return std::shared_ptr<const dispatch::DispatcherSet>(std::move(built.set));
}

Snapshot::OwnText own_text(uint32_t address, uint16_t port) {
  const std::string host(sip::ipv4_text(address).view());
  const std::string hostport = host + ":" + std::to_string(port);
  return {"SIP/2.0/UDP " + hostport + ";branch=", "<sip:" + hostport + ";lr>", address, port, host.size()};
}

// "[2001:db8::1]:port" in Via and Record-Route (RFC 3261 25.1 IPv6reference).
Snapshot::OwnText own_text6(const sip::Ipv6Address& address, uint16_t port) {
  const std::string host(sip::ipv6_reference(address).view());
  const std::string hostport = host + ":" + std::to_string(port);
  Snapshot::OwnText t{"SIP/2.0/UDP " + hostport + ";branch=", "<sip:" + hostport + ";lr>", 0, port, host.size()};
  t.v6 = true;
  t.address6 = address;
  return t;
}

sip::Ipv6Address to_sip(const config::Ipv6& a) { return sip::Ipv6Address{a}; }

}  // namespace

std::shared_ptr<const Snapshot> build_snapshot(const config::Config& config, uint64_t generation,
                                               std::span<const DestinationRef> down) {
  auto s = std::make_shared<Snapshot>();
  s->node_id = static_cast<uint8_t>(config.node.id);
  s->generation = generation;

  s->vips = config.sip.vips;
  s->outside_address = s->vips.empty() ? 0 : s->vips.front();
  s->own_addresses = s->vips;
  uint32_t smallest_mtu = config::kMaxMtu, outside_mtu = config::kMaxMtu + 1, inside_mtu = config::kMaxMtu + 1;
  for (const auto& port : config.ports) {
    s->own_addresses.push_back(port.address);
    smallest_mtu = std::min(smallest_mtu, port.mtu);
    if (port.role != config::PortRole::kInside) outside_mtu = std::min(outside_mtu, port.mtu);
    if (port.role != config::PortRole::kOutside) inside_mtu = std::min(inside_mtu, port.mtu);
    if (port.role != config::PortRole::kOutside && s->inside_address == 0) s->inside_address = port.address;
  }
  if (s->inside_address == 0) s->inside_address = s->outside_address;
  for (const auto& v : config.sip.vips6) s->vips6.push_back(to_sip(v));
  s->own_addresses6 = s->vips6;
  s->has_outside6 = !s->vips6.empty();
  if (s->has_outside6) s->outside_address6 = s->vips6.front();
  for (const auto& port : config.ports) {
    if (!port.address6) continue;
    s->own_addresses6.push_back(to_sip(port.address6->address));
    if (port.role != config::PortRole::kOutside && !s->has_inside6) {
      s->has_inside6 = true;
      s->inside_address6 = to_sip(port.address6->address);
    }
  }
  for (const auto& p : config.sip.inside_prefixes6) s->inside_prefixes6.push_back({p.address, p.length});
  // A side without a port of its own leaves through whichever port routes
  // it: the smallest MTU is the safe guess.
  s->max_payload_outside = (outside_mtu > config::kMaxMtu ? smallest_mtu : outside_mtu) - 20 - 8;
  s->max_payload_inside = (inside_mtu > config::kMaxMtu ? smallest_mtu : inside_mtu) - 20 - 8;
  s->sip_ports = config.sip.ports;
  s->sip_port = s->sip_ports.empty() ? 5060 : s->sip_ports.front();
  for (const auto& p : config.sip.inside_prefixes) s->inside_prefixes.push_back(to_prefix(p));
  s->outside_text = own_text(s->outside_address, s->sip_port);
  s->inside_text = own_text(s->inside_address, s->sip_port);
  if (s->has_outside6) s->outside_text6 = own_text6(s->outside_address6, s->sip_port);
  if (s->has_outside6 || s->has_inside6)
    s->inside_text6 = own_text6(s->has_inside6 ? s->inside_address6 : s->outside_address6, s->sip_port);

  s->record_route = config.sip.record_route;
  s->max_forwards = config.sip.max_forwards;
  s->limits.max_message_size = config.sip.limits.max_message_bytes;
  s->limits.max_headers = config.sip.limits.max_headers;
  s->limits.max_line_length = config.sip.limits.max_line_bytes;
  s->limits.max_uri_length = config.sip.limits.max_uri_bytes;
  s->answer_crlf = config.sip.keepalive_answer.crlf;
  s->answer_stun = config.sip.keepalive_answer.stun;
  s->relay_reject = config.sip.relay_reject;
  s->punt_fallback = config.sip.punt_fallback;
  s->compact_over_mtu = config.sip.compact_headers_over_mtu;

  uint32_t counter = 0;
  for (std::size_t i = 0; i < config.sets.size(); ++i) {
    const auto& set = config.sets[i];
    std::vector<uint8_t> up_bytes(set.destinations.size(), 1);
    for (const auto& d : down)
      if (d.set == i && d.destination < up_bytes.size()) up_bytes[d.destination] = 0;
    std::unique_ptr<bool[]> up(new bool[up_bytes.size()]);
    std::copy(up_bytes.begin(), up_bytes.end(), up.get());
    SetEntry e;
    e.name = set.name;
    e.id = static_cast<uint16_t>(set.id);
    e.algorithm = set.algorithm;
    e.set = build_set(set, {up.get(), up_bytes.size()});
    e.first_counter = static_cast<uint16_t>(counter);
    counter += static_cast<uint32_t>(set.destinations.size());
    if (counter > kMaxCountedDestinations)
      throw std::runtime_error("more than " + std::to_string(kMaxCountedDestinations) + " destinations in all sets");
    s->sets.push_back(std::move(e));
  }
  s->default_set = config.sip.default_set_index ? static_cast<int>(*config.sip.default_set_index) : -1;
  for (const auto& r : config.routes) {
    RouteRule rule;
    rule.set = static_cast<uint16_t>(r.set_index);
    if (r.domain) rule.domain = *r.domain;
    if (r.user_prefix) rule.user_prefix = *r.user_prefix;
    if (r.source) {
      rule.has_source = true;
      rule.source = to_prefix(*r.source);
    }
    s->routes.push_back(std::move(rule));
  }

  for (const auto& m : config.cps.methods) {
    const auto method = sip::method_from_token(m);
    if (method != sip::Method::other) s->cps_methods |= 1u << static_cast<unsigned>(method);
  }
  s->breach_action = config.cps.breach_action;
  s->retry_after = config.cps.retry_after;

  s->nat_tests = config.nat.tests;
  s->nat_fix = config.nat.fix;
  for (const auto& r : config.nat.rules) s->nat_rules.push_back({to_prefix(r.prefix), r.action, r.tests});

  s->local_domains = config.registrar.domains;
  s->proxy_require_supported = config.sip.proxy_require_supported;
  s->registrar_set = config.registrar.set_index ? static_cast<int>(*config.registrar.set_index) : -1;
  return s;
}

limit::CpsLimitSpec cps_spec(const config::Config& config) {
  limit::CpsLimitSpec spec;
  const uint64_t burst_s = config.cps.burst;
  spec.global_cps = config.cps.global;
  spec.global_burst = config.cps.global * burst_s;
  spec.source_cps = config.cps.per_source;
  spec.source_burst = config.cps.per_source * burst_s;
  for (const auto& r : config.cps.rules)
    spec.rules.push_back({.prefix = r.prefix.address, .length = r.prefix.length, .exempt = r.exempt,
                          .cps = r.cps, .burst = uint64_t{r.cps} * burst_s});
  return spec;
}

std::shared_ptr<const Snapshot> with_destination_state(const Snapshot& current, DestinationRef which, bool up,
                                                       uint64_t generation) {
  auto s = std::make_shared<Snapshot>(current);
  s->generation = generation;
  if (which.set >= s->sets.size()) return s;
  auto& entry = s->sets[which.set];
  const auto count = entry.set->destinations().size();
  if (which.destination >= count) return s;
  std::unique_ptr<bool[]> state(new bool[count]);
  for (std::size_t i = 0; i < count; ++i) state[i] = entry.set->is_up(i);
  state[which.destination] = up;
  auto rebuilt = entry.set->with_state({state.get(), count});
  if (rebuilt.error != dispatch::BuildError::Ok)
    throw std::runtime_error("set " + entry.name + ": " + std::string(dispatch::name(rebuilt.error)));
  entry.set = std::shared_ptr<const dispatch::DispatcherSet>(std::move(rebuilt.set));
  return s;
}

}  // namespace sipedge::proxy
