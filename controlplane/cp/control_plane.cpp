#include "cp/control_plane.h"

#include <algorithm>
#include <cstdio>

#include "dp/stats.h"
#include "punt/body.h"
#include "registrar/aor.h"
#include "registrar/lookup.h"
#include "registrar/response.h"
#include "sip/contact_alias.h"
#include "sip/hash.h"
#include "sip/nat.h"
#include "sip/rewrite.h"

namespace sipedge::cp {
namespace {

std::string ipv4_text(std::uint32_t ip) {
  return std::to_string(ip >> 24) + "." + std::to_string((ip >> 16) & 0xFF) + "." + std::to_string((ip >> 8) & 0xFF) +
         "." + std::to_string(ip & 0xFF);
}

// The punt header's source and destination, of the family kFlagIpv6 says.
store::Endpoint punt_source(const punt::Header& h) {
  return h.is_ipv6() ? store::Endpoint::ipv6(net::Ipv6Addr{h.src_ipv6}, h.src_port)
                     : store::Endpoint{h.src_ipv4, h.src_port};
}
store::Endpoint punt_destination(const punt::Header& h) {
  return h.is_ipv6() ? store::Endpoint::ipv6(net::Ipv6Addr{h.dst_ipv6}, h.dst_port)
                     : store::Endpoint{h.dst_ipv4, h.dst_port};
}

// The REGISTER flood limiter's key: the IPv4 address, or for IPv6 the /64
// folded to 32 bits (one subscriber line holds a whole /64, so limiting per
// /128 would let it rotate addresses; a fold that meets a v4 key shares a
// bucket, which only limits more).
std::uint32_t flood_key(const store::Endpoint& source) {
  if (!source.v6) return source.ip;
  std::uint32_t h = 2166136261u;  // FNV-1a 32
  for (std::size_t i = 0; i < 8; ++i) {
    h ^= source.ip6.bytes[i];
    h *= 16777619u;
  }
  return h;
}

sip::Limits limits_of(const config::SipLimits& l) {
  sip::Limits out;
  out.max_message_size = l.max_message_bytes;
  out.max_headers = l.max_headers;
  out.max_line_length = l.max_line_bytes;
  out.max_uri_length = l.max_uri_bytes;
  return out;
}

KeepaliveOptions keepalive_options(const config::Config& c) {
  KeepaliveOptions o;
  o.method = c.keepalive.method;
  o.interval_ms = std::int64_t{c.keepalive.interval_s} * 1000;
  o.failures = c.keepalive.failures;
  o.from_user = c.keepalive.from_user;
  o.vip = {c.sip.vips.empty() ? 0 : c.sip.vips.front(), c.sip.ports.empty() ? config::kDefaultSipPort : c.sip.ports.front()};
  o.node_id = static_cast<std::uint8_t>(c.node.id);
  return o;
}

std::uint32_t inside_address_of(const config::Config& c) {
  for (const auto& p : c.ports)
    if (p.role == config::PortRole::kInside) return p.address;
  return 0;
}

// Probes leave from the inside address, never the VIP: an anycast VIP's
// answer may reach another node. Without an inside port there is nothing to
// probe from, so probing is off.
ProbeOptions probe_options(const config::Config& c) {
  ProbeOptions o;
  const std::uint16_t sip_port = c.sip.ports.empty() ? config::kDefaultSipPort : c.sip.ports.front();
  o.from = {inside_address_of(c), sip_port};
  for (const auto& p : c.ports)
    if (p.role == config::PortRole::kInside && p.address6) {
      o.from6 = store::Endpoint::ipv6(net::Ipv6Addr{p.address6->address}, sip_port);
      break;
    }
  o.enabled = c.probe.enabled && (o.from.has_address() || o.from6.has_address());
  o.interval_ms = std::int64_t{c.probe.interval_s} * 1000;
  o.timeout_ms = c.probe.timeout_ms;
  o.failures_down = c.probe.failures_down;
  o.successes_up = c.probe.successes_up;
  o.method = c.probe.method;
  o.from_user = c.keepalive.from_user;
  return o;
}

registrar::FloodLimits flood_limits(const config::Config& c) {
  return {.rate = static_cast<double>(c.registrar.flood_rate),
          .burst = 2.0 * std::max<std::uint32_t>(c.registrar.flood_rate, 1)};
}

registrar::RegistrarOptions registrar_options(const config::Config& c) {
  registrar::RegistrarOptions o;
  o.node_id = c.node.id;
  return o;
}

struct NatVerdict {
  std::uint32_t bits = 0;
  bool nat = false;
};

// The NAT verdict for a REGISTER: [[nat.rule]] by source prefix (first
// match: force, never, or its own tests), else [nat] tests. The bits are the
// dataplane's when it sent any; otherwise the tests run here, so a REGISTER
// punted without bits is still judged (sip::nat_test uses the NatTest order).
// IPv6: the rules' prefixes are IPv4 and match no v6 source, and the local
// tests are IPv4 ones (private Contact ranges, a v4 Via host against the
// source), so only the dataplane's bits judge a v6 source.
NatVerdict nat_verdict(const config::NatConfig& nat, const sip::Message& msg, const store::Endpoint& source,
                       std::uint32_t header_bits) {
  if (source.v6) return {header_bits, (header_bits & nat.tests) != 0};
  const std::uint32_t ip = source.ip;
  const std::uint16_t port = source.port;
  std::uint32_t tests = nat.tests;
  for (const auto& rule : nat.rules) {
    if (!rule.prefix.contains(ip)) continue;
    if (rule.action == config::NatRuleAction::kForce) return {header_bits, true};
    if (rule.action == config::NatRuleAction::kNever) return {header_bits, false};
    tests = rule.tests;
    break;
  }
  const std::uint32_t bits = header_bits != 0 ? header_bits : sip::nat_test(msg, ip, port, tests);
  return {bits, (bits & tests) != 0};
}

bool dialog_forming(sip::Method m) {
  return m == sip::Method::invite || m == sip::Method::subscribe || m == sip::Method::refer;
}

constexpr char kHex[] = "0123456789abcdef";

// A Prometheus label value: backslash, double quote and newline escaped.
std::string prometheus_label(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (char c : s) {
    if (c == '\\' || c == '"') out += '\\';
    if (c == '\n') {
      out += "\\n";
      continue;
    }
    out += c;
  }
  return out;
}

// Where the registrar reaches the edge (our Via and Path in proxy mode): the
// inside address, else (one-armed) the VIP.
store::Endpoint registrar_facing(const config::Config& c) {
  const std::uint32_t inside = inside_address_of(c);
  return {inside != 0 ? inside : (c.sip.vips.empty() ? 0 : c.sip.vips.front()),
          c.sip.ports.empty() ? config::kDefaultSipPort : c.sip.ports.front()};
}

}  // namespace

std::string proxy_branch(std::uint8_t node_id, const sip::Message& request, const sip::Via& top_via) {
  // Same inputs as proxy::transaction_hash (RFC 3261 17.2.3 matching).
  std::uint32_t low = 0, high = 0x5eed;
  if (top_via.branch.size() > 7 && top_via.branch.substr(0, 7) == "z9hG4bK") {
    low = sip::hash_bytes(top_via.branch);
    high = sip::hash_bytes(top_via.sent_by, low);
  } else {
    low = sip::hash_bytes(request.call_id());
    low = sip::hash_bytes(request.from_tag(), low);
    const std::uint32_t cseq = request.cseq().number;
    low = sip::hash_bytes({reinterpret_cast<const char*>(&cseq), sizeof cseq}, low);
    high = sip::hash_bytes(top_via.text, low);
    high = sip::hash_bytes(request.request_uri(), high);
  }
  const std::uint64_t h = (std::uint64_t{high} << 32) | low;
  std::string b(kProxyBranchPrefix);
  b += kHex[node_id >> 4];
  b += kHex[node_id & 0xF];
  for (int i = 15; i >= 0; --i) b += kHex[(h >> (4 * i)) & 0xF];
  return b;
}

ControlPlane::ControlPlane(const config::Config& config, store::LocationStore& store,
                           const store::SubscriberStore* subscribers, Outbox& outbox,
                           store::SqliteDestinationStates* destination_states)
    : config_(&config),
      store_(store),
      outbox_(outbox),
      limits_(limits_of(config.sip.limits)),
      vip_(keepalive_options(config).vip),
      inside_address_(inside_address_of(config)),
      registrar_(config.registrar, store, subscribers, registrar_options(config)),
      register_proxy_(config, store, registrar_facing(config)),
      flood_(flood_limits(config)),
      keepalive_(keepalive_options(config)),
      probe_(probe_options(config), config.sets, counters_),
      dp_stat_names_(dp::stat_names(config)),
      destination_states_(destination_states) {
  if (config.probe.enabled && inside_address_ == 0)
    std::fprintf(stderr, "probe: no inside port to probe from: destination probing is off\n");
  sets_ = config.sets;
  locate_cps_stats();
  subscription_ = store_.subscribe([this](const store::Change& c) {
    switch (c.kind) {
      case store::ChangeKind::added:
      case store::ChangeKind::updated:
        // Exactly one node pings a binding: its owner (a takeover changes the owner).
        if (keeps_alive(c.binding))
          keepalive_.add(c.binding);
        else
          keepalive_.remove(c.binding.aor, c.binding.contact);
        break;
      case store::ChangeKind::removed:
      case store::ChangeKind::expired: keepalive_.remove(c.binding.aor, c.binding.contact); break;
    }
  });
}

ControlPlane::~ControlPlane() { store_.unsubscribe(subscription_); }

void ControlPlane::locate_cps_stats() {
  const auto position = [this](std::string_view name) {
    return static_cast<std::size_t>(std::find(dp_stat_names_.begin(), dp_stat_names_.end(), name) - dp_stat_names_.begin());
  };
  calls_at_ = position("calls");
  breaches_at_ = position("cps_breaches");
}

void ControlPlane::apply_staged(Now now) {
  if (!staged_) return;
  auto next = std::make_unique<const config::Config>(std::move(*staged_));
  staged_.reset();
  const config::Config& c = *next;
  const SetsChange change = probe_.replace_sets(c.sets, now.mono_us);
  probe_.reconfigure(probe_options(c), now.mono_us);
  dp_stat_names_ = dp::stat_names(c);
  dp_stats_.clear();  // laid out for the old sets; the next STATS reply refills it
  locate_cps_stats();
  sets_ = c.sets;
  destination_states_dirty_ = true;  // added and removed destinations

  limits_ = limits_of(c.sip.limits);
  registrar_.reconfigure(c.registrar);
  register_proxy_.reconfigure(c);
  if (c.registrar.flood_rate != config_->registrar.flood_rate) flood_ = registrar::FloodLimiter(flood_limits(c));
  const std::int64_t old_interval_ms = keepalive_.options().interval_ms;
  keepalive_.reconfigure(keepalive_options(c));
  config_ = next.get();
  owned_config_ = std::move(next);  // after the switch: the old one may be the previous owned_config_
  // Bindings the old method (off) left out come in; add() keeps the others' slots.
  store_.for_each([this](const store::Binding& b) {
    if (keeps_alive(b)) keepalive_.add(b);
  });
  ++config_serial_;
  counters_.add(Counter::config_reloads);
  std::fprintf(stderr, "sipedge-cp: reload: %zu sets, destinations %zu kept, %zu added, %zu removed\n", sets_.size(),
               change.kept, change.added, change.removed);
  if (old_interval_ms != keepalive_.options().interval_ms)
    std::fprintf(stderr, "sipedge-cp: reload: keepalive interval %lld s -> %lld s: %zu bindings re-spread over %zu slots\n",
                 static_cast<long long>(old_interval_ms / 1000),
                 static_cast<long long>(keepalive_.options().interval_ms / 1000), keepalive_.size(),
                 keepalive_.slot_count());
}

bool ControlPlane::keeps_alive(const store::Binding& b) const {
  return !store_.shared() || b.owner == config_->node.id;
}

store::LoadResult ControlPlane::start(Now now) {
  auto loaded = store_.load_all(now.unix_ms / 1000);
  if (loaded.ok)
    store_.for_each([this](const store::Binding& b) {
      if (keeps_alive(b)) keepalive_.add(b);
    });
  last_expire_s_ = now.unix_ms / 1000;
  restore_destination_states(now);
  return loaded;
}

void ControlPlane::restore_destination_states(Now now) {
  if (destination_states_ == nullptr) return;
  std::vector<store::DestinationState> saved;
  std::string error;
  if (!destination_states_->load(saved, error)) {
    counters_.add(Counter::destination_state_failed);
    std::fprintf(stderr, "sipedge-cp: destination states not restored (all start up): %s\n", error.c_str());
    return;
  }
  const std::size_t matched = probe_.restore(saved);
  std::size_t probe_down = 0, admin_down = 0;
  for (const auto& d : probe_.destinations()) {
    probe_down += d.probe_up ? 0 : 1;
    admin_down += d.admin_down ? 1 : 0;
  }
  std::fprintf(stderr, "sipedge-cp: %zu destination states restored (%zu down by probes, %zu forced down)\n", matched,
               probe_down, admin_down);
  // Rows of destinations no longer configured go, new ones get theirs.
  if (matched != saved.size() || matched != probe_.destinations().size()) destination_states_dirty_ = true;
  save_destination_states(now);
}

void ControlPlane::save_destination_states(Now now) {
  if (destination_states_ == nullptr || !destination_states_dirty_ || now.unix_ms < destination_states_retry_ms_) return;
  std::string error;
  if (destination_states_->replace_all(probe_.states(), now.unix_ms, error)) {
    destination_states_dirty_ = false;
    return;
  }
  counters_.add(Counter::destination_state_failed);
  destination_states_retry_ms_ = now.unix_ms + 1000;  // the file is locked or failing: once a second
  std::fprintf(stderr, "sipedge-cp: destination states not saved (retrying): %s\n", error.c_str());
}

void ControlPlane::verdict_changed(const DestinationHealth&) { destination_states_dirty_ = true; }

void ControlPlane::on_message(std::span<const std::uint8_t> datagram, Now now) {
  punt::Message msg;
  if (const punt::PuntError e = punt::decode(datagram, msg); e != punt::PuntError::Ok) {
    counters_.add(Counter::punts_bad);
    const std::uint8_t version = punt::peer_version(datagram);
    if (e == punt::PuntError::BadVersion && version != refused_peer_version_) {
      // Once per peer release, not per message: the dataplane hangs up too.
      std::fprintf(stderr,
                   "sipedge-cp: the dataplane speaks punt protocol version %u, this sipedge-cp version %u: run the "
                   "same sipedge release on both\n",
                   unsigned{version}, unsigned{punt::kVersion});
      refused_peer_version_ = version;
    }
    return;
  }
  refused_peer_version_ = 0;
  switch (msg.header.type) {
    case punt::MessageType::Punt: on_punt(msg, now); return;
    case punt::MessageType::Hello:
      std::fprintf(stderr, "dataplane hello: %.*s (config generation %llu)\n", static_cast<int>(msg.payload.size()),
                   reinterpret_cast<const char*>(msg.payload.data()), static_cast<unsigned long long>(msg.header.cookie));
      // A (re)started dataplane has every destination up: tell it which are not.
      generation_ = 0;
      apply_staged(now);  // it read the file a reload staged
      on_generation(msg.header.cookie);
      return;
    case punt::MessageType::Reload:
      if (msg.header.flags & punt::kFlagReply) {
        last_reload_ok_ = !(msg.header.flags & punt::kFlagFailed);
        ++reload_replies_;
        // A reload rebuilds the sets all-up under a new generation, which
        // refuses STATE for the old one.
        if (last_reload_ok_) {
          apply_staged(now);
          on_generation(msg.header.cookie);
        } else {
          staged_.reset();  // the dataplane keeps its config: so do we
        }
      }
      return;
    case punt::MessageType::Stats:
      if (msg.header.flags & punt::kFlagReply) return on_stats_reply(msg, now);
      counters_.add(Counter::punts_ignored);
      return;
    default: counters_.add(Counter::punts_ignored); return;
  }
}

void ControlPlane::on_punt(const punt::Message& msg, Now now) {
  counters_.add(Counter::punts_received);
  sip::Message sip;
  if (sip.parse(msg.payload, limits_) != sip::ParseError::ok) {
    counters_.add(Counter::punts_bad);  // a REGISTER that does not parse gets no answer: nothing to address it with
    return;
  }
  const auto& h = msg.header;
  if (sip.is_response()) {
    // The dataplane punts replies by their top Via branch; the flag is
    // optional, so the branch decides here too.
    const auto via = sip.top_via();
    if ((h.flags & punt::kFlagKeepaliveReply) || (via && via->branch.starts_with(kKeepaliveBranchPrefix)))
      return on_keepalive_reply(msg, sip, now);
    if (config_->registrar.mode == config::RegistrarMode::kProxy && sip.cseq().method == sip::Method::register_)
      return on_register_reply(sip, now);
    if ((h.flags & punt::kFlagProbeReply) || (via && via->branch.starts_with(kProbeBranchPrefix))) {
      probe_.on_reply(sip, punt_source(h), now.mono_us, *this);
      return;
    }
    counters_.add(Counter::punts_ignored);
    return;
  }
  if (sip.method() == sip::Method::register_) return on_register(msg, sip, now);
  if (h.flags & punt::kFlagLocalLookup) return on_lookup(msg, sip, now);
  if (sip.method() == sip::Method::ack) {
    counters_.add(Counter::punts_ignored);
    return;
  }
  on_nat_request(msg, sip);
}

void ControlPlane::on_nat_request(const punt::Message& msg, const sip::Message& sip) {
  const auto& h = msg.header;
  punt::Header out = h;
  out.type = punt::MessageType::Dispatch;
  out.flags = static_cast<std::uint16_t>(h.flags & (punt::kFlagOutside | punt::kFlagIpv6));
  auto dispatch = [&](std::string_view bytes, Counter outcome) {
    if (outbox_.send(out, bytes))
      counters_.add(outcome);
    else
      counters_.add(Counter::tx_dropped);
  };
  // The dataplane's bits decide, re-judged by [[nat.rule]] (a rule may say
  // never); with the fix off it goes back as it came.
  const store::Endpoint source = punt_source(h);
  const NatVerdict verdict = nat_verdict(config_->nat, sip, source, h.nat_bits);
  const auto top = sip.top_via();
  if (!config_->nat.fix || !verdict.nat || !top) return dispatch(sip.wire(), Counter::nat_dispatched);
  // The Contact alias encodes an IPv4 address (sip/contact_alias.h): a v6
  // source flagged NATed goes on unfixed, counted.
  if (source.v6) return dispatch(sip.wire(), Counter::nat_fix_failed);

  // RFC 3581 on the top Via, and the Contact alias so that requests towards
  // this UA later in the dialog reach the NAT's public side statelessly.
  sip::Rewriter rw(sip, *top);
  bool fixed = true;
  if (top->host_type != sip::HostType::ipv4 || top->ipv4 != h.src_ipv4)
    fixed = rw.set_top_via_received(h.src_ipv4) == sip::RewriteError::ok;
  if (fixed && top->has_rport) fixed = rw.set_top_via_rport(h.src_port) == sip::RewriteError::ok;
  const sip::ContactAlias alias = sip::make_contact_alias(h.src_ipv4, h.src_port);
  if (fixed) fixed = sip::add_contact_alias(sip, rw, alias).error == sip::RewriteError::ok;
  if (fixed && rw.output_size() <= punt::kMaxPayload) {
    std::string text(rw.output_size(), '\0');
    if (const auto n = rw.apply(text)) {
      text.resize(*n);
      return dispatch(text, Counter::nat_fixed);
    }
  }
  dispatch(sip.wire(), Counter::nat_fix_failed);  // unfixed beats lost
}

void ControlPlane::on_register(const punt::Message& msg, const sip::Message& sip, Now now) {
  const auto& h = msg.header;
  counters_.add(Counter::register_received);
  const store::Endpoint remote = punt_source(h);
  if (config_->registrar.flood_rate != 0 && !flood_.allow(flood_key(remote), now.mono_us / 1000)) {
    counters_.add(Counter::register_flood);
    return;
  }
  const NatVerdict verdict = nat_verdict(config_->nat, sip, remote, h.nat_bits);
  const registrar::Source source{remote, punt_destination(h), verdict.bits, verdict.nat};
  if (config_->registrar.mode == config::RegistrarMode::kProxy) return on_register_proxy(msg, sip, source, now);
  registrar::Response r = registrar_.handle(sip, source, now.unix_ms);
  if (r.durable_after == 0) {
    tx({}, source.remote, r.text);
    return;
  }
  hold_.hold(r.durable_after, Held{source.remote, std::move(r.text), std::move(r.failure_text)});
}

void ControlPlane::on_register_proxy(const punt::Message& msg, const sip::Message& sip,
                                     const registrar::Source& source, Now now) {
  registrar::Response absorbed;
  if (register_proxy_.absorb(sip, source, now.unix_ms, absorbed) == registrar::RefreshReason::absorbed) {
    // No durability hold: the registrar holds the registration; the edge's
    // copy only refreshed its last_refresh / CSeq.
    counters_.add(Counter::register_absorbed);
    tx(source.local, source.remote, absorbed.text);
    return;
  }
  std::string text;
  if (register_proxy_.forward(sip, source, now.unix_ms, text) != ForwardResult::forwarded) {
    counters_.add(Counter::register_forward_failed);
    return;
  }
  punt::Header out = msg.header;
  out.type = punt::MessageType::Dispatch;
  out.flags = static_cast<std::uint16_t>(msg.header.flags & (punt::kFlagOutside | punt::kFlagIpv6));
  if (outbox_.send(out, text))
    counters_.add(Counter::register_forwarded);
  else
    counters_.add(Counter::tx_dropped);
}

void ControlPlane::on_register_reply(const sip::Message& sip, Now now) {
  RegisterProxy::Relay relay;
  switch (register_proxy_.on_reply(sip, now.unix_ms, relay)) {
    case ReplyResult::relayed:
      counters_.add(Counter::register_upstream_relayed);
      tx(relay.from, relay.to, relay.text);
      return;
    case ReplyResult::trying: counters_.add(Counter::punts_ignored); return;
    case ReplyResult::unmatched: counters_.add(Counter::register_upstream_unmatched); return;
    case ReplyResult::bad: counters_.add(Counter::punts_bad); return;
  }
}

void ControlPlane::on_lookup(const punt::Message& msg, const sip::Message& sip, Now now) {
  const auto ruri = sip.parsed_request_uri();
  const auto aor = ruri ? registrar::normalize_aor(*ruri) : std::nullopt;
  const auto& domains = config_->registrar.domains;
  if (!aor || (!domains.empty() && std::find(domains.begin(), domains.end(), registrar::aor_domain(*aor)) == domains.end())) {
    counters_.add(Counter::lookup_not_found);
    return reply_from_edge(msg, sip, 404, "Not Found", now);
  }
  const std::uint32_t unreachable_after =
      config_->keepalive.method == config::KeepaliveMethod::kOptions ? std::max(1u, config_->keepalive.failures - 1) : 0;
  const auto found = registrar::best_binding(store_, *aor, now.unix_ms / 1000, unreachable_after);
  if (found.status == registrar::LookupStatus::not_found) {
    counters_.add(Counter::lookup_not_found);
    return reply_from_edge(msg, sip, 404, "Not Found", now);
  }
  if (found.status == registrar::LookupStatus::unreachable) {
    counters_.add(Counter::lookup_unreachable);
    return reply_from_edge(msg, sip, 480, "Temporarily Unavailable", now);
  }
  if (sip.max_forwards() == 0) {
    counters_.add(Counter::lookup_too_many_hops);
    if (sip.method() != sip::Method::ack) reply_from_edge(msg, sip, 483, "Too Many Hops", now);
    return;
  }
  const auto top = sip.top_via();
  if (!top) {
    counters_.add(Counter::punts_bad);
    return;
  }
  const store::Binding& b = *found.binding;
  const store::Endpoint local = b.local.has_address() ? b.local : vip_;
  const std::string port = std::to_string(local.port ? local.port : config::kDefaultSipPort);
  const std::string local_host = store::host_text(local);  // "[2001:db8::a]" for a v6 binding
  const store::Endpoint source = punt_source(msg.header);
  const std::string source_text = store::address_text(source);  // outlives rw: it keeps a view

  sip::Rewriter rw(sip);
  if (!registrar::via_host_is(*top, source)) {
    if (source.v6)
      rw.set_top_via_received(std::string_view(source_text));
    else
      rw.set_top_via_received(source.ip);
  }
  if (top->has_rport) rw.set_top_via_rport(source.port);
  const std::string via = "SIP/2.0/UDP " + local_host + ":" + port + ";branch=" +
                          proxy_branch(static_cast<std::uint8_t>(config_->node.id), sip, *top);
  rw.insert_header_before(sip::HeaderId::via, sip::HeaderId::via, via);
  // Record-Route as the dataplane does: the VIP towards the UA, then our
  // inside address back towards the caller, so in-dialog requests from both
  // sides come through the edge.
  std::string rr_out, rr_in;
  if (config_->sip.record_route && dialog_forming(sip.method())) {
    rr_out = "<sip:" + local_host + ":" + port + ";lr>";
    rw.insert_header_before(sip::HeaderId::record_route, sip::HeaderId::record_route, rr_out);
    // A v6 binding reached from the v4 inside: the family changes here, so
    // both Record-Routes go in (design: a call across families gets two).
    if (inside_address_ != 0 && (local.v6 || inside_address_ != local.ip)) {
      rr_in = "<sip:" + ipv4_text(inside_address_) + ":" + port + ";lr>";
      rw.insert_header_before(sip::HeaderId::record_route, sip::HeaderId::record_route, rr_in);
    }
  }
  // RFC 3327: a binding registered through proxies is reached through them.
  for (auto it = b.path.rbegin(); it != b.path.rend(); ++it)
    rw.insert_header_before(sip::HeaderId::route, sip::HeaderId::route, *it);
  rw.replace_request_uri(b.contact);
  rw.set_max_forwards(sip.max_forwards() - 1);
  std::string out(rw.output_size(), '\0');
  const auto n = rw.apply(out);
  if (!n) {
    counters_.add(Counter::punts_bad);  // does not fit / too many edits: hostile or huge request
    return;
  }
  out.resize(*n);
  counters_.add(Counter::lookup_found);
  tx(b.local.has_address() ? b.local : store::Endpoint{}, b.received, out);
}

void ControlPlane::on_connected() {
  counters_.add(Counter::punt_connects);
  connected_ = true;
  history_.break_series();  // the dataplane may have restarted: its counters start again
}

void ControlPlane::on_disconnected() {
  counters_.add(Counter::punt_disconnects);
  connected_ = false;
  history_.break_series();
}

bool ControlPlane::request_reload() {
  return outbox_.send({.type = punt::MessageType::Reload, .port_id = punt::kAnyPort}, {});
}

void ControlPlane::on_stats_reply(const punt::Message& msg, Now now) {
  if (msg.header.cookie != stats_cookie_) {
    counters_.add(Counter::punts_ignored);  // a reply to a poll we gave up on
    return;
  }
  const punt::StatsView view(msg.payload);
  dp_stats_.assign(view.size(), 0);
  for (std::size_t i = 0; i < view.size(); ++i) {
    const punt::StatEntry e = view[i];
    if (e.id < dp_stats_.size()) dp_stats_[e.id] = e.value;
  }
  dp_stats_unix_ms_ = now.unix_ms;
  if (dp_stats_.size() > std::max(calls_at_, breaches_at_))
    history_.record(now.unix_ms / 1000, dp_stats_[calls_at_], dp_stats_[breaches_at_]);
}

void ControlPlane::on_keepalive_reply(const punt::Message& msg, const sip::Message& sip, Now now) {
  // Anycast: the reply may land here while another node sent the keepalive.
  const int owner = keepalive_owner(sip);
  if (owner >= 0 && static_cast<std::uint32_t>(owner) != config_->node.id && store_.shared()) {
    const std::string_view bytes(reinterpret_cast<const char*>(msg.payload.data()), msg.payload.size());
    const bool handed = store_.forward_reply(static_cast<store::NodeId>(owner), bytes, now.unix_ms * 1000);
    counters_.add(handed ? Counter::replies_handed_over : Counter::replies_not_handed_over);
    return;
  }
  handle_keepalive_reply(sip, now, 0);
}

void ControlPlane::handle_keepalive_reply(const sip::Message& sip, Now now, std::int64_t late_us) {
  ReplyMatch match;
  if (keepalive_.on_reply(sip, now.mono_us, now.unix_ms, match, late_us))
    store_.set_keepalive(match.aor, match.contact, match.state);
}

void ControlPlane::take_handed_over_replies(Now now) {
  for (const store::ForwardedReply& r : store_.take_forwarded_replies()) {
    sip::Message reply;
    if (reply.parse(r.bytes, limits_) != sip::ParseError::ok || !reply.is_response()) {
      counters_.add(Counter::punts_bad);
      continue;
    }
    counters_.add(Counter::replies_taken_over);
    handle_keepalive_reply(reply, now, std::max<std::int64_t>(0, now.unix_ms * 1000 - r.received_unix_us));
  }
}

void ControlPlane::reply_from_edge(const punt::Message& msg, const sip::Message& request, std::uint16_t status,
                                   std::string_view reason, Now now) {
  const auto& h = msg.header;
  registrar::ResponseBuilder builder(request, punt_source(h), status, reason);
  tx(punt_destination(h), punt_source(h), builder.finish("sipedge", now.unix_ms));
}

bool ControlPlane::tx(store::Endpoint from, store::Endpoint to, std::string_view bytes) {
  // One family per TX (the punt header has one kFlagIpv6): a source of the
  // other family than `to` (a binding whose VIP and source differ in
  // family) is replaced by "the VIP", which the dataplane picks per family.
  if (from.v6 != to.v6) from = to.v6 ? store::Endpoint::ipv6({}, 0) : store::Endpoint{};
  punt::Header h{.type = punt::MessageType::Tx,
                 .port_id = punt::kAnyPort,
                 .src_ipv4 = from.ip,
                 .dst_ipv4 = to.ip,
                 .src_port = from.port,
                 .dst_port = to.port};
  if (to.v6) {
    h.flags |= punt::kFlagIpv6;
    h.src_ipv6 = from.ip6.bytes;
    h.dst_ipv6 = to.ip6.bytes;
  }
  if (!outbox_.send(h, bytes)) {
    counters_.add(Counter::tx_dropped);
    return false;
  }
  counters_.add(Counter::tx_sent);
  return true;
}

void ControlPlane::end_turn(Now now) {
  take_handed_over_replies(now);
  save_destination_states(now);
  if (store_.pending() > 0) {
    const auto f = store_.flush();
    if (!f.ok) {
      if (f.consecutive_failures == 1 || f.consecutive_failures % 100 == 0)
        std::fprintf(stderr, "store flush failed (%u in a row): %s\n", f.consecutive_failures, f.error.c_str());
      if (f.consecutive_failures >= kStoreFailuresBefore500) {
        const std::size_t n = hold_.fail_all([this](Held&& held) { tx({}, held.to, held.failure_text); });
        registrar_.count_store_failures(n);
        counters_.add(Counter::register_store_500, n);
      }
      return;
    }
  }
  hold_.release(store_.durable_sequence(), [this](Held&& held) { tx({}, held.to, held.text); });
}

void ControlPlane::tick(Now now) {
  const std::int64_t now_s = now.unix_ms / 1000;
  if (now_s != last_expire_s_) {
    last_expire_s_ = now_s;
    store_.expire(now_s);
  }
  keepalive_.advance(now.mono_us, *this);
  if (connected_ && now_s != last_stats_poll_s_) {
    last_stats_poll_s_ = now_s;
    if (outbox_.send({.type = punt::MessageType::Stats, .port_id = punt::kAnyPort, .cookie = stats_cookie_ + 1}, {}))
      ++stats_cookie_;
  }
  probe_.advance(now.mono_us, *this);
  register_proxy_.expire(now.unix_ms);
}

void ControlPlane::on_generation(std::uint64_t generation) {
  if (generation == generation_) return;
  generation_ = generation;
  probe_.push_all(*this);
}

bool ControlPlane::send_probe(const store::Endpoint& from, const store::Endpoint& to, std::string_view bytes) {
  return tx(from, to, bytes);
}

void ControlPlane::state_changed(const DestinationHealth& d) {
  if (generation_ == 0) return;  // no dataplane yet: its HELLO brings every state
  std::uint8_t body[punt::kStateBodySize];
  punt::encode_state({.set_id = d.set_id, .destination_index = d.index, .up = d.up(), .generation = generation_},
                     std::span<std::uint8_t, punt::kStateBodySize>(body));
  const punt::Header h{.type = punt::MessageType::State, .port_id = punt::kAnyPort};
  if (outbox_.send(h, std::string_view(reinterpret_cast<const char*>(body), sizeof body)))
    counters_.add(Counter::state_pushed);
  else
    counters_.add(Counter::tx_dropped);
}

void ControlPlane::send(const store::Endpoint& from, const store::Endpoint& to, std::string_view bytes) {
  tx(from, to, bytes);
}

void ControlPlane::missed(std::string_view aor, std::string_view contact, std::uint32_t failures) {
  if (const store::Binding* b = store_.find(aor, contact)) {
    store::KeepaliveState state = b->keepalive;
    state.consecutive_failures = failures;
    store_.set_keepalive(aor, contact, state);  // best_binding() then prefers the healthy ones
  }
}

void ControlPlane::failed(std::string_view aor, std::string_view contact) {
  std::fprintf(stderr, "keepalive: %.*s %.*s failed %u keepalives in a row: removed\n", static_cast<int>(aor.size()),
               aor.data(), static_cast<int>(contact.size()), contact.data(), config_->keepalive.failures);
  store_.remove(aor, contact);
}

std::string ControlPlane::metrics_text() const {
  std::string t;
  t.reserve(8192);
  auto metric = [&t](std::string_view name, std::string_view type, std::string_view help) {
    t.append("# HELP ").append(name).append(" ").append(help).append("\n# TYPE ").append(name).append(" ").append(type).append("\n");
  };
  auto value = [&t](std::string_view name, std::string_view labels, std::uint64_t v) {
    t.append(name).append(labels).append(" ").append(std::to_string(v)).append("\n");
  };
  // A metric with one unlabelled sample: the name written once.
  auto single = [&](std::string_view name, std::string_view type, std::string_view help, std::uint64_t v) {
    metric(name, type, help);
    value(name, "", v);
  };
  for (std::size_t i = 0; i < kCounterCount; ++i) {
    metric(kCounterInfo[i].name, "counter", kCounterInfo[i].help);
    value(kCounterInfo[i].name, "", counters_.at(i));
  }
  single("sipedge_dp_connected", "gauge", "1 while sipedge-cp is connected to the dataplane's punt socket", connected_ ? 1 : 0);
  // Left out, not zero, while the last second is a gap (dataplane away).
  if (const auto cur = history_.current(); cur && connected_) {
    single("sipedge_dp_cps", "gauge", "calls the dataplane admitted in the last complete second (CPS)", cur->calls);
    single("sipedge_dp_cps_breaches", "gauge", "initial requests refused by a CPS limit in the last complete second",
           cur->breaches);
  }
  single("sipedge_registrations", "gauge", "current bindings (registered contacts)", store_.binding_count());
  single("sipedge_registered_aors", "gauge", "addresses-of-record with at least one binding", store_.aor_count());
  metric("sipedge_registrar_requests_total", "counter", "REGISTERs handled by the registrar, by outcome");
  const auto& rs = registrar_.stats();
  for (std::size_t i = 0; i < registrar::kOutcomeCount; ++i)
    value("sipedge_registrar_requests_total", "{outcome=\"" + std::string(registrar::kOutcomeNames[i]) + "\"}", rs.outcomes[i]);
  single("sipedge_registrar_held", "gauge", "200 OKs waiting for their binding to become durable", hold_.size());
  metric("sipedge_registrar_refresh_total", "counter",
         "proxy mode: REGISTERs absorbed at the edge or forwarded upstream, by reason");
  const auto& refresh = register_proxy_.absorber().stats();
  for (std::size_t i = 0; i < registrar::kRefreshReasonCount; ++i)
    value("sipedge_registrar_refresh_total", "{reason=\"" + std::string(registrar::kRefreshReasonNames[i]) + "\"}",
          refresh.by_reason[i]);
  const auto& rps = register_proxy_.stats();
  single("sipedge_registrar_proxy_pending", "gauge", "proxy mode: REGISTERs sent on and not answered yet",
         register_proxy_.pending());
  single("sipedge_registrar_proxy_learned_total", "counter", "proxy mode: bindings learned from registrar 2xx",
         rps.learned);
  single("sipedge_registrar_proxy_unlearned_total", "counter",
         "proxy mode: bindings removed because the registrar no longer lists them", rps.unlearned);
  single("sipedge_registrar_proxy_learn_failed_total", "counter",
         "proxy mode: registrar 2xx whose bindings could not be read", rps.learn_failed);
  single("sipedge_registrar_proxy_pending_expired_total", "counter",
         "proxy mode: REGISTERs sent on that got no final answer in 32 s", rps.pending_expired);

  const auto& ss = store_.stats();
  single("sipedge_store_writes_total", "counter", "rows written to the store (upserts and deletes)", ss.rows_written);
  single("sipedge_store_flushes_total", "counter", "store transactions that wrote something", ss.flushes);
  single("sipedge_store_failures_total", "counter", "failed store transactions (retried)", ss.flush_failures);
  single("sipedge_store_expired_total", "counter", "bindings removed by expiry", ss.expired);
  single("sipedge_store_pending", "gauge", "bindings waiting for the next store transaction", store_.pending());
  store_.backend_metrics([&](std::string_view name, std::string_view type, std::string_view help, std::uint64_t v) {
    single(name, type, help, v);
  });

  const auto& ks = keepalive_.stats();
  single("sipedge_keepalive_bindings", "gauge", "NAT-flagged bindings kept alive", keepalive_.size());
  single("sipedge_keepalive_sent_total", "counter", "NAT keepalives sent", ks.sent);
  single("sipedge_keepalive_answered_total", "counter", "OPTIONS keepalives answered", ks.answered);
  single("sipedge_keepalive_failed_total", "counter", "OPTIONS keepalives unanswered within one interval", ks.failed);
  single("sipedge_keepalive_removed_total", "counter", "bindings removed after consecutive keepalive failures", ks.removed);
  single("sipedge_keepalive_stray_total", "counter", "keepalive replies matching no outstanding keepalive", ks.stray);
  metric("sipedge_keepalive_rtt_seconds", "histogram", "round-trip time of answered OPTIONS keepalives");
  std::uint64_t cumulative = 0;
  for (std::size_t i = 0; i < kRttBucketsMs.size(); ++i) {
    cumulative += ks.rtt_buckets[i];
    char le[32];
    std::snprintf(le, sizeof le, "{le=\"%g\"}", kRttBucketsMs[i] / 1000.0);
    value("sipedge_keepalive_rtt_seconds_bucket", le, cumulative);
  }
  cumulative += ks.rtt_buckets.back();
  value("sipedge_keepalive_rtt_seconds_bucket", "{le=\"+Inf\"}", cumulative);
  char sum[64];
  std::snprintf(sum, sizeof sum, "sipedge_keepalive_rtt_seconds_sum %.6f\n", static_cast<double>(ks.rtt_sum_us) / 1e6);
  t += sum;
  value("sipedge_keepalive_rtt_seconds_count", "", cumulative);

  // Destination probing: per destination, labelled by set name and URI.
  auto destination_labels = [](const DestinationHealth& d) {
    return "{set=\"" + prometheus_label(d.set_name) + "\",destination=\"" + prometheus_label(d.uri) + "\"}";
  };
  metric("sipedge_cp_destination_up", "gauge",
         "1 when the dataplane may use the destination (enabled, probes say up, not forced down by the operator)");
  for (const auto& d : probe_.destinations()) value("sipedge_cp_destination_up", destination_labels(d), d.up() ? 1 : 0);
  metric("sipedge_cp_destination_admin_down", "gauge", "1 when the operator forced the destination down (set-state)");
  for (const auto& d : probe_.destinations())
    value("sipedge_cp_destination_admin_down", destination_labels(d), d.admin_down ? 1 : 0);
  metric("sipedge_cp_destination_probe_failures", "gauge", "consecutive failed probes of the destination");
  for (const auto& d : probe_.destinations())
    value("sipedge_cp_destination_probe_failures", destination_labels(d), d.consecutive_failures);
  metric("sipedge_cp_destination_rtt_seconds", "gauge", "round-trip time of the destination's last answered probe");
  for (const auto& d : probe_.destinations()) {
    if (!d.answered_once) continue;
    char v[32];
    std::snprintf(v, sizeof v, " %.6f\n", d.last_rtt_us / 1e6);
    t.append("sipedge_cp_destination_rtt_seconds").append(destination_labels(d)).append(v);
  }
  const auto& ps = probe_.stats();
  metric("sipedge_cp_probe_rtt_seconds", "histogram", "round-trip time of answered destination probes");
  cumulative = 0;
  for (std::size_t i = 0; i < kRttBucketsMs.size(); ++i) {
    cumulative += ps.rtt_buckets[i];
    char le[32];
    std::snprintf(le, sizeof le, "{le=\"%g\"}", kRttBucketsMs[i] / 1000.0);
    value("sipedge_cp_probe_rtt_seconds_bucket", le, cumulative);
  }
  cumulative += ps.rtt_buckets.back();
  value("sipedge_cp_probe_rtt_seconds_bucket", "{le=\"+Inf\"}", cumulative);
  std::snprintf(sum, sizeof sum, "sipedge_cp_probe_rtt_seconds_sum %.6f\n", static_cast<double>(ps.rtt_sum_us) / 1e6);
  t += sum;
  value("sipedge_cp_probe_rtt_seconds_count", "", cumulative);
  return t;
}

}  // namespace sipedge::cp
