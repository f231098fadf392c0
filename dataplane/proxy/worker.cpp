#include "proxy/worker.h"

#include <cstring>
#include <optional>

#include "net/stun.h"
#include "proxy/branch.h"
#include "proxy/reply.h"
#include "sip/contact_alias.h"
#include "sip/hash.h"
#include "sip/ipv4.h"
#include "sip/lex.h"
#include "sip/nat.h"
#include "sip/rewrite.h"
#include "sip/oversized.h"
#include "sip/proxy_checks.h"
#include "sip/strict.h"

namespace sipedge::proxy {
namespace {

using sip::HeaderId;
using sip::Method;

// Dialog-forming requests get a Record-Route (RFC 3261 12.1, RFC 6665, RFC 3515).
bool forms_dialog(Method m) noexcept {
  return m == Method::invite || m == Method::subscribe || m == Method::refer || m == Method::notify;
}

Endpoint to_endpoint(const sip::ViaAddress& a, uint16_t port) noexcept {
  if (a.type == sip::HostType::ipv6) return endpoint6(a.ipv6.bytes, port);
  return {a.ipv4, port};
}

// A route/next-hop URI resolved to an address; only IPv4 and IPv6 literals
// route here (the fast path does no DNS).
bool uri_endpoint(const sip::Uri& uri, Endpoint& out) noexcept {
  // An `alias=ip~port~transport` parameter, added by the control plane's NAT
  // fix to a Contact, names the NAT's public side: that is where it goes.
  if (const auto alias = uri.alias(); !alias.empty()) {
    const sip::AliasTarget t = sip::parse_alias(alias);
    if (t.address.type == sip::HostType::none) return false;
    out = to_endpoint(t.address, t.port);
    return true;
  }
  if (uri.host_type == sip::HostType::ipv6) {
    out = endpoint6(uri.ipv6.bytes, uri.port_or_default());
    return true;
  }
  if (uri.host_type != sip::HostType::ipv4) return false;
  out = {uri.ipv4, uri.port_or_default()};
  return true;
}

// The source as sip::nat_test and the Via checks see it.
bool via_is_source(const sip::Via& top, const Endpoint& source) noexcept {
  return source.v6 ? top.host_type == sip::HostType::ipv6 && top.ipv6.bytes == source.ip6
                   : top.host_type == sip::HostType::ipv4 && top.ipv4 == source.ip;
}

constexpr uint32_t kContactNatTests = sip::nat_bit(sip::NatTest::contact_private) |
                                      sip::nat_bit(sip::NatTest::contact_ip) | sip::nat_bit(sip::NatTest::contact_port);

// Not 0/8, loopback, multicast or broadcast (v4); not ::, ::1 or ff00::/8
// (v6): a Via or Route naming one (RFC 4475 bcast) would have the edge
// amplify or loop onto itself.
bool unicast_target(const Endpoint& e) noexcept {
  if (!e.v6) return sip::is_unicast_target(e.ip);
  if (e.ip6[0] == 0xff) return false;
  bool zero_prefix = true;
  for (std::size_t i = 0; i < 15; ++i) zero_prefix = zero_prefix && e.ip6[i] == 0;
  return !(zero_prefix && e.ip6[15] <= 1);
}

bool is_ours(const Snapshot& snap, const sip::Uri& uri) noexcept {
  const bool own = uri.host_type == sip::HostType::ipv4   ? snap.is_own(uri.ipv4)
                   : uri.host_type == sip::HostType::ipv6 ? snap.is_own6(uri.ipv6)
                                                          : false;
  return own && uri.alias().empty() && (!uri.has_port || snap.is_sip_port(uri.port));
}

// Per-source CPS buckets are keyed by 32 bits: an IPv6 source counts by its
// /64 (what one subscriber holds), folded.
uint32_t cps_key(const Endpoint& source) noexcept {
  if (!source.v6) return source.ip;
  uint32_t k = 0;
  for (std::size_t i = 0; i < 8; ++i) k = (k << 8 | k >> 24) ^ source.ip6[i];
  return k;
}

std::optional<uint64_t> uri_key(const sip::NameAddr* na) noexcept {
  if (na == nullptr) return std::nullopt;
  return sip::hash_bytes(na->uri.user, sip::hash_bytes(na->uri.host));
}

}  // namespace

struct Worker::Request {
  // The To of an initial request is not parsed unless a step needs it: its
  // tag is all the fast path asks for, and a To without "tag" has none.
  Request(const sip::Message& m, const sip::Via& t) noexcept : msg(m), top(t) {
    in_dialog = sip::may_have_tag(m.value(HeaderId::to)) && to() != nullptr && to()->has_tag && !to()->tag.empty();
  }

  const sip::Message& msg;
  const sip::Via& top;
  bool in_dialog = false;  // msg.has_to_tag()

  // msg.to(), parsed on first use (in place: no copy); null when the To
  // is absent or malformed.
  const sip::NameAddr* to() noexcept {
    if (!to_) {
      to_.emplace();
      to_ok_ = msg.has(HeaderId::to) &&
               sip::parse_name_addr_into(msg.value(HeaderId::to), false, *to_) == sip::ParseError::ok;
    }
    return to_ok_ ? &*to_ : nullptr;
  }

  // Leading Route values that name us (a preloaded route, or our own
  // Record-Route coming back), at most two: the double Record-Route. Also
  // keeps the Route value after them, parsed, when there is one, and where
  // it is, for pop_own_routes().
  void find_own_routes(const Snapshot& snap) noexcept {
    own_routes = 0;
    has_next_route = false;
    next_value_line = sip::kNoHeader;
    for (const auto& route : msg.values(HeaderId::route)) {
      // Our own Record-Route coming back as written: ours without parsing
      // it (what it says, is_ours() would find).
      if (own_routes < 2 && (route.text == snap.outside_text.record_route || route.text == snap.inside_text.record_route ||
                             (snap.has_outside6 && route.text == snap.outside_text6.record_route) ||
                             (!snap.inside_text6.record_route.empty() && route.text == snap.inside_text6.record_route))) {
        own_values[own_routes++] = route;
        continue;
      }
      const auto na = sip::parse_name_addr(route.text);
      if (!na || !is_ours(snap, na->uri) || own_routes == 2) {
        // This is the first value after our own ones.
        next_value_line = route.header_index;
        if (na) {
          next_route = *na;
          has_next_route = true;
        }
        return;
      }
      own_values[own_routes++] = route;
    }
  }
  // Removes our own Route values, one edit per line (removing two values of
  // one line one by one would overlap at the comma between them): a line
  // that holds only ours (the value after them, if any, is on another
  // line) goes whole, a line shared with the next hop loses our values.
  void pop_own_routes(sip::Rewriter& rw) const noexcept {
    for (std::size_t k = 0; k < own_routes;) {
      const sip::HeaderValue& first = own_values[k];
      std::size_t last = k;  // our values on this line: k .. last
      while (last + 1 < own_routes && own_values[last + 1].header_index == first.header_index) ++last;
      if (first.header_index == next_value_line) {
        rw.remove_values(first, own_values[last]);
      } else {
        rw.remove_header(first.header_index);
      }
      k = last + 1;
    }
  }
  std::size_t own_routes = 0;
  sip::HeaderValue own_values[2];
  std::size_t next_value_line = sip::kNoHeader;  // line of the value after ours; kNoHeader when none
  bool has_next_route = false;  // a Route value follows our own, and it parses
  sip::NameAddr next_route;

  // msg.parsed_request_uri(), parsed on first use.
  const sip::Result<sip::Uri>& ruri() noexcept {
    if (!ruri_) ruri_.emplace(msg.parsed_request_uri());
    return *ruri_;
  }

 private:
  // Empty until parsed: most messages never need one of them.
  std::optional<sip::NameAddr> to_;
  bool to_ok_ = false;
  std::optional<sip::Result<sip::Uri>> ruri_;
};

Worker::Worker(const WorkerOptions& options, limit::WorkerCpsLimiter* cps) noexcept
    : worker_id_(options.worker_id), random_(options.random_seed), cps_(cps) {
  // Workers start at different places in each round-robin schedule.
  for (std::size_t i = 0; i < cursors_.size(); ++i) cursors_[i].next = options.worker_id * 7919u + static_cast<uint32_t>(i);
}

Verdict Worker::counted(Verdict v) noexcept {
  counters_.outcomes[static_cast<std::size_t>(v.outcome)].add();
  if (v.outcome == Outcome::dropped_parse || v.outcome == Outcome::replied_400 || v.outcome == Outcome::replied_513)
    counters_.parse_errors[v.parse_error].add();
  return v;
}

Verdict Worker::process(const Snapshot& snap, const Inbound& in, std::span<char> out, uint64_t now_ns) noexcept {
  if (!snap.is_sip_port(in.destination.port)) return counted({.action = Action::Drop, .outcome = Outcome::dropped_not_sip_port});
  // A SIP message starts with a letter; keepalives (CRLF, zeros, STUN)
  // start below 0x40.
  if (in.payload.empty() || static_cast<uint8_t>(in.payload[0]) < 0x40) {
    const Verdict v = handle_keepalive(snap, in, out);
    // CRLFs before a start line are allowed (RFC 3261 7.5): parse those.
    const bool leading_crlf = !in.payload.empty() && (in.payload[0] == '\r' || in.payload[0] == '\n');
    if (v.outcome != Outcome::dropped_parse || !leading_crlf) return counted(v);
  }

  sip::Message msg;
  if (const auto e = msg.parse(in.payload, snap.limits); e != sip::ParseError::ok) {
    if (sip::is_size_limit(e)) return counted(refuse_too_large(in, e, out));
    return counted({.action = Action::Drop, .outcome = Outcome::dropped_parse, .parse_error = static_cast<uint8_t>(e)});
  }
  if (msg.is_response()) {
    // The common shape: the top Via is ours, as we wrote it.
    const std::string_view via = msg.value(HeaderId::via);
    sip::Via own;
    if (sip::parse_own_via(via, snap.outside_text.own_via(), own) || sip::parse_own_via(via, snap.inside_text.own_via(), own))
      return counted(route_response(snap, in, msg, own, out));
    if (!snap.inside_text6.via_prefix.empty() &&
        (sip::parse_own_via(via, snap.outside_text6.own_via(), own) || sip::parse_own_via(via, snap.inside_text6.own_via(), own)))
      return counted(route_response(snap, in, msg, own, out));
  }
  const auto top = msg.top_via();
  if (!top)
    return counted({.action = Action::Drop, .outcome = Outcome::dropped_parse, .parse_error = static_cast<uint8_t>(top.error())});
  if (msg.is_response()) return counted(route_response(snap, in, msg, *top, out));
  if (const sip::ParseError e = sip::check_request_strictness(msg); e != sip::ParseError::ok)
    return counted(refuse_malformed(msg, *top, in, e, out));
  Request rq(msg, *top);
  return counted(route_request(snap, in, rq, out, now_ns));
}

Verdict Worker::handle_keepalive(const Snapshot& snap, const Inbound& in, std::span<char> out) noexcept {
  const std::string_view payload = in.payload;
  const Verdict drop_not_sip{.action = Action::Drop, .outcome = Outcome::dropped_parse,
                             .parse_error = static_cast<uint8_t>(sip::ParseError::not_sip)};
  Verdict v{.action = Action::Send, .from = in.destination, .to = in.source};
  // RFC 5626 3.5.1: a CRLFCRLF ping gets a CRLF pong.
  if (payload == "\r\n\r\n") {
    if (!snap.answer_crlf || out.size() < 2) return {.action = Action::Drop, .outcome = Outcome::ignored_null_keepalive};
    std::memcpy(out.data(), "\r\n", 2);
    v.length = 2;
    v.outcome = Outcome::answered_crlf;
    return v;
  }
  const std::span<const uint8_t> bytes(reinterpret_cast<const uint8_t*>(payload.data()), payload.size());
  net::StunBindingRequest stun;
  switch (net::parse_stun(bytes, stun)) {
    case net::StunParse::binding_request: {
      // XOR-MAPPED-ADDRESS is written for IPv4 only so far.
      if (!snap.answer_stun || in.source.v6) return {.action = Action::Drop, .outcome = Outcome::ignored_null_keepalive};
      v.length = net::build_stun_binding_response({reinterpret_cast<uint8_t*>(out.data()), out.size()}, stun,
                                                  in.source.ip, in.source.port);
      if (v.length == 0) return {.action = Action::Drop, .outcome = Outcome::dropped_too_big};
      v.outcome = Outcome::answered_stun;
      return v;
    }
    case net::StunParse::other_message:
    case net::StunParse::unsupported: return {.action = Action::Drop, .outcome = Outcome::ignored_null_keepalive};
    case net::StunParse::malformed: return drop_not_sip;
    case net::StunParse::not_stun: break;
  }
  // Zeros and stray CRLFs (NAT keepalives of some phones): nothing to answer.
  if (payload.find_first_not_of(std::string_view("\0\r\n", 3)) == std::string_view::npos)
    return {.action = Action::Drop, .outcome = Outcome::ignored_null_keepalive};
  return drop_not_sip;
}

Verdict Worker::route_response(const Snapshot& snap, const Inbound& in, const sip::Message& msg, const sip::Via& top,
                               std::span<char> out) noexcept {
  const bool our_via = (top.host_type == sip::HostType::ipv4 && snap.is_own(top.ipv4)) ||
                       (top.host_type == sip::HostType::ipv6 && snap.is_own6(top.ipv6));
  if (!our_via) return {.action = Action::Drop, .outcome = Outcome::dropped_response_not_ours};
  if (top.branch.starts_with(kKeepaliveBranchPrefix) || top.branch.starts_with(kProbeBranchPrefix))
    return {.action = control_plane_up_ ? Action::Punt : Action::Drop,
            .outcome = control_plane_up_ ? Outcome::punted_reply : Outcome::dropped_no_cp,
            .reply_kind = top.branch.starts_with(kKeepaliveBranchPrefix) ? ReplyKind::keepalive : ReplyKind::probe};
  if (!top.branch.starts_with(kBranchPrefix)) return {.action = Action::Drop, .outcome = Outcome::dropped_response_not_ours};

  // RFC 3261 18.2.2 and RFC 3581: the next Via's received/rport, else sent-by.
  auto vias = msg.values(HeaderId::via).begin();
  ++vias;
  if (vias == std::default_sentinel) return {.action = Action::Drop, .outcome = Outcome::dropped_no_next_hop};
  const auto next = sip::parse_via(vias->text);
  if (!next) return {.action = Action::Drop, .outcome = Outcome::dropped_parse, .parse_error = static_cast<uint8_t>(next.error())};
  // Below our Via, the control plane's own (registrar proxy mode): its
  // sent-by is ours whatever received= we added when forwarding. Registrars
  // are inside; from outside it is not punted, just routed by the Via.
  if (next->branch.starts_with(kRegisterBranchPrefix) && next->host_type == sip::HostType::ipv4 &&
      snap.is_own(next->ipv4) && snap.is_inside(in.source))
    return {.action = control_plane_up_ ? Action::Punt : Action::Drop,
            .outcome = control_plane_up_ ? Outcome::punted_register_reply : Outcome::dropped_no_cp};
  // received (bare or, RFC 5118 4.5, bracketed IPv6), else the sent-by literal.
  const sip::ViaAddress host = sip::response_address(*next);
  if (host.type == sip::HostType::none) return {.action = Action::Drop, .outcome = Outcome::dropped_no_next_hop};
  const Endpoint to = to_endpoint(host, next->response_port());
  if (snap.is_own(to)) return {.action = Action::Drop, .outcome = Outcome::dropped_loop};
  if (!snap.can_reach(to)) return {.action = Action::Drop, .outcome = Outcome::dropped_no_next_hop};
  if (!unicast_target(to)) return {.action = Action::Drop, .outcome = Outcome::dropped_unroutable};

  sip::Rewriter rw(msg);
  rw.remove_first_value(HeaderId::via);
  Verdict v{.action = Action::Send, .outcome = Outcome::forwarded_response, .from = snap.address_towards(to), .to = to};
  // Far-end NAT fix for answers (calls into a UA behind a NAT): the UA's
  // 1xx/2xx Contact becomes the caller's remote target, and its private
  // address could not carry the ACK and BYE. With the alias, those requests
  // reach the NAT's public side through uri_endpoint(), on any worker of any
  // node. Done here, not punted like NAT-flagged requests: the cp keeps no
  // transactions to match a response to, and the fix is a bounded rewrite.
  // Only the Contact tests judge: the top Via of a response is our own.
  const uint16_t status = msg.status_code();
  sip::ContactAlias alias;  // the Rewriter points into it until apply()
  if (snap.nat_fix && status > 100 && status < 300 && !snap.is_inside(in.source) && msg.has(HeaderId::contact) &&
      nat_bits(snap, in, msg, top, kContactNatTests) != 0) {
    v.outcome = Outcome::forwarded_response_nat;
    alias = in.source.v6 ? sip::make_contact_alias(sip::Ipv6Address{in.source.ip6}, in.source.port)
                         : sip::make_contact_alias(in.source.ip, in.source.port);
    if (sip::add_contact_alias(msg, rw, alias).error != sip::RewriteError::ok) {
      // Some Contacts may be aliased, some not: send none aliased rather
      // than a half-fixed list, and count it.
      rw.clear();
      rw.remove_first_value(HeaderId::via);
      v.outcome = Outcome::forwarded_response_unfixed;
    }
  }
  if (snap.compact_over_mtu && rw.size_bound() > snap.max_payload_towards(to) &&
      rw.output_size() > snap.max_payload_towards(to)) {
    rw.use_compact_names(true);
    v.compacted = true;
  }
  const auto n = rw.apply(out);
  if (!n) return {.action = Action::Drop, .outcome = Outcome::dropped_too_big};
  v.length = *n;
  return v;
}

Verdict Worker::route_request(const Snapshot& snap, const Inbound& in, Request& rq, std::span<char> out,
                              uint64_t now_ns) noexcept {
  const sip::Message& msg = rq.msg;
  const sip::Via& top = rq.top;
  const bool inside = snap.is_inside(in.source);
  const Method method = msg.method();

  // The ACK for a negative reply the edge made itself ends there: no
  // destination ever saw that INVITE.
  if (method == Method::ack) {
    const std::string_view tag = rq.in_dialog ? rq.to()->tag : std::string_view{};
    if (tag.size() == kLocalTagLength && tag.starts_with(kLocalTagPrefix) && tag == make_local_tag(msg).view())
      return {.action = Action::Drop, .outcome = Outcome::absorbed_ack};
  }

  // RFC 3261 16.3 steps 2 and 5, before anything is spent on the request.
  if (!sip::is_routable_request_uri_scheme(msg.request_uri()))
    return refuse_unsupported(msg, top, in, {.code = 416, .reason = "Unsupported URI Scheme"}, Outcome::replied_416, out);
  if (msg.has(HeaderId::proxy_require)) {
    const sip::UnsupportedTags tags = sip::unsupported_proxy_require(msg, snap.proxy_require_supported);
    if (tags.count != 0)
      return refuse_unsupported(msg, top, in, {.code = 420, .reason = "Bad Extension", .unsupported = tags.kept()},
                                Outcome::replied_420, out);
  }

  if (method == Method::register_ && !inside && !in.from_control_plane)
    // The registrar keeps NAT-flagged bindings alive: it needs the test bits.
    return punt(snap, in, msg, top, Outcome::punted_register, nat_bits(snap, in, msg, top), out);

  // RFC 3261 16.3 step 3, before a CPS token, a NAT punt or a destination
  // is spent on a request that cannot go anywhere.
  if (msg.max_forwards() == 0) {
    if (method == Method::ack) return {.action = Action::Drop, .outcome = Outcome::dropped_max_forwards};
    return reply(msg, top, in, 483, "Too Many Hops", 0, Outcome::replied_483, out);
  }

  rq.find_own_routes(snap);
  const std::size_t own_routes = rq.own_routes;
  const bool in_dialog = rq.in_dialog;

  // In-dialog requests that carry our Record-Route back: loose routing
  // (RFC 3261 16.12). Also any request from inside that names its next hop.
  if ((in_dialog && own_routes > 0) || inside) {
    Target target;
    const bool has_next_route = rq.has_next_route;
    bool resolved = false;
    if (has_next_route) {
      resolved = uri_endpoint(rq.next_route.uri, target.to);
    } else if (const auto& ruri = rq.ruri(); ruri) {
      if (inside && !in_dialog && !in.from_control_plane && method != Method::ack && method != Method::cancel &&
          (is_ours(snap, *ruri) || [&] {
            for (const auto& d : snap.local_domains)
              if (sip::lex::iequals(d, ruri->host)) return true;
            return false;
          }()))
        return punt(snap, in, msg, top, Outcome::punted_location, 0, out);
      if (!is_ours(snap, *ruri)) resolved = uri_endpoint(*ruri, target.to);
    }
    if (!resolved) {
      // From inside with no usable next hop, a request for one of our own
      // addresses is dispatched like one from outside.
      if (inside && !has_next_route) return dispatch_request(snap, in, rq, out, now_ns);
      return {.action = Action::Drop, .outcome = Outcome::dropped_no_next_hop};
    }
    if (snap.is_own(target.to)) return {.action = Action::Drop, .outcome = Outcome::dropped_loop};
    if (!unicast_target(target.to)) return {.action = Action::Drop, .outcome = Outcome::dropped_unroutable};
    // No open relay: from outside, only our own network is reachable.
    if (!inside && !snap.is_inside(target.to)) return refuse_relay(snap, in, msg, top, out);
    if (!snap.can_reach(target.to)) return {.action = Action::Drop, .outcome = Outcome::dropped_no_next_hop};
    const bool rr = !in_dialog && snap.record_route && forms_dialog(method);
    return forward(snap, in, rq, target, rr, transaction_hash(msg, top),
                   in_dialog ? Outcome::forwarded_in_dialog : Outcome::forwarded_request, out);
  }
  return dispatch_request(snap, in, rq, out, now_ns);
}

// A request from outside towards the server pool: initial requests, their
// CANCEL and retransmissions, the ACK of a non-2xx reply.
Verdict Worker::dispatch_request(const Snapshot& snap, const Inbound& in, Request& rq, std::span<char> out,
                                 uint64_t now_ns) noexcept {
  const sip::Message& msg = rq.msg;
  const sip::Via& top = rq.top;
  const Method method = msg.method();
  const bool inside = snap.is_inside(in.source);
  if (!inside) {
    // Only the dispatcher sets are reachable from outside: a Route or an
    // R-URI address that is not ours asks us to relay.
    if (rq.has_next_route) return refuse_relay(snap, in, msg, top, out);
    const auto& ruri = rq.ruri();
    if (!ruri) return {.action = Action::Drop, .outcome = Outcome::dropped_parse, .parse_error = static_cast<uint8_t>(ruri.error())};
    if (ruri->host_type == sip::HostType::ipv4 && !snap.is_own(ruri->ipv4)) return refuse_relay(snap, in, msg, top, out);
    if (ruri->host_type == sip::HostType::ipv6 && !snap.is_own6(ruri->ipv6)) return refuse_relay(snap, in, msg, top, out);
  }

  const uint64_t transaction = transaction_hash(msg, top);
  const bool initial = !rq.in_dialog && method != Method::ack && method != Method::cancel;
  Recent* seen = recall(transaction, now_ns);

  if (initial && !seen && !inside && !in.from_control_plane) {
    if (const uint32_t bits = nat_bits(snap, in, msg, top); bits != 0) {
      counters_.nat_detected.add();
      if (snap.nat_fix) return punt(snap, in, msg, top, Outcome::punted_nat, bits, out);
    }
  }

  // CPS applies to new calls only: retransmissions were admitted already.
  if (initial && !seen && (snap.cps_methods >> static_cast<unsigned>(method) & 1u)) {
    if (cps_ != nullptr && !limit::admitted(cps_->check(cps_key(in.source), now_ns).decision)) {
      counters_.cps_breaches.add();
      if (snap.breach_action == config::BreachAction::kDrop) return {.action = Action::Drop, .outcome = Outcome::dropped_cps};
      return reply(msg, top, in, 503, "Service Unavailable", snap.retry_after, Outcome::replied_503_cps, out);
    }
    counters_.calls.add();
  }

  Target target;
  if (seen != nullptr) {
    target.set = seen->set;
    target.destination = seen->destination;
  } else {
    target.set = (in.from_control_plane && method == Method::register_ && snap.registrar_set >= 0)
                     ? snap.registrar_set
                     : choose_set(snap, in, rq);
    if (target.set < 0) return {.action = Action::Drop, .outcome = Outcome::dropped_no_next_hop};
    const auto* d = pick(snap, target.set, rq);
    if (d == nullptr) {
      if (method == Method::ack) return {.action = Action::Drop, .outcome = Outcome::dropped_no_next_hop};
      return reply(msg, top, in, 503, "Service Unavailable", snap.retry_after, Outcome::replied_503_no_destination, out);
    }
    target.destination = d->index;
  }
  const auto& set = *snap.sets[static_cast<std::size_t>(target.set)].set;
  const auto destinations = set.destinations();
  if (static_cast<std::size_t>(target.destination) >= destinations.size())
    return {.action = Action::Drop, .outcome = Outcome::dropped_no_next_hop};
  const auto& d = destinations[static_cast<std::size_t>(target.destination)];
  target.to = d.is_ipv6 ? endpoint6(d.ipv6, d.port) : Endpoint{d.ipv4, d.port};
  if (!snap.can_reach(target.to)) return {.action = Action::Drop, .outcome = Outcome::dropped_no_next_hop};
  if (method == Method::invite && seen == nullptr) remember(transaction, target.set, target.destination, now_ns);

  const bool rr = initial && snap.record_route && forms_dialog(method);
  Verdict v = forward(snap, in, rq, target, rr, transaction, Outcome::forwarded_request, out);
  if (v.action == Action::Send && initial)
    counters_.destination_requests[snap.sets[static_cast<std::size_t>(target.set)].first_counter +
                                   static_cast<std::size_t>(target.destination)]
        .add();
  return v;
}

// RFC 3261 16.6 for a stateless proxy: received/rport on the sender's Via,
// our Via with a deterministic branch on top, our Record-Route(s), our
// Route(s) popped, Max-Forwards decremented.
Verdict Worker::forward(const Snapshot& snap, const Inbound& in, const Request& rq, const Target& target,
                        bool record_route, uint64_t transaction, Outcome outcome, std::span<char> out) noexcept {
  const sip::Message& msg = rq.msg;
  const sip::Via& top = rq.top;
  if (msg.max_forwards() == 0) {
    if (msg.method() == Method::ack) return {.action = Action::Drop, .outcome = Outcome::dropped_max_forwards};
    return reply(msg, top, in, 483, "Too Many Hops", 0, Outcome::replied_483, out);
  }
  const Endpoint from = snap.address_towards(target.to);

  sip::Rewriter rw(msg, top);
  // received carries the source's own family, bare (RFC 3261 18.2.1, RFC 5118 4.5).
  if (!via_is_source(top, in.source)) {
    if (in.source.v6)
      rw.set_top_via_received(sip::Ipv6Address{in.source.ip6});
    else
      rw.set_top_via_received(in.source.ip);
  }
  if (top.has_rport) rw.set_top_via_rport(in.source.port);

  // Our Via: "SIP/2.0/UDP a.b.c.d:port;branch=z9hG4bKse<node><hash>" (or
  // "[v6]:port"), its fixed part written by the Snapshot.
  const Snapshot::OwnText& towards = snap.text_towards(target.to);
  const Snapshot::OwnText& back = snap.text_towards(in.source);
  const Branch branch = make_branch(snap.node_id, transaction);
  rw.insert_header_before(HeaderId::via, HeaderId::via, towards.via_prefix, branch.view());

  // Double Record-Route when the request crosses from one of our addresses
  // to another, an IPv4 and an IPv6 one included (Kamailio's
  // enable_double_rr): each side reaches us on its own address and family.
  if (record_route) {
    rw.insert_header_before(HeaderId::record_route, HeaderId::record_route, towards.record_route);
    if (back.record_route != towards.record_route)
      rw.insert_header_before(HeaderId::record_route, HeaderId::record_route, back.record_route);
  }
  rq.pop_own_routes(rw);
  rw.set_max_forwards(msg.max_forwards() - 1);

  Verdict v{.action = Action::Send, .outcome = outcome, .from = from, .to = target.to,
            .destination = static_cast<int16_t>(target.destination),
            .set = static_cast<uint16_t>(target.set < 0 ? 0 : target.set)};
  if (snap.compact_over_mtu && rw.size_bound() > snap.max_payload_towards(target.to) &&
      rw.output_size() > snap.max_payload_towards(target.to)) {
    rw.use_compact_names(true);
    v.compacted = true;
  }
  const auto n = rw.apply(out);
  if (!n) return {.action = Action::Drop, .outcome = Outcome::dropped_too_big};
  v.length = *n;
  return v;
}

Verdict Worker::reply(const sip::Message& msg, const sip::Via& top, const Inbound& in, uint16_t code,
                      std::string_view reason, uint32_t retry_after, Outcome outcome, std::span<char> out) noexcept {
  const auto n = build_reply(msg, top, in.source, {code, reason, retry_after}, out);
  if (n == 0) return {.action = Action::Drop, .outcome = Outcome::dropped_too_big};
  return {.action = Action::Send, .outcome = outcome, .from = in.destination, .to = in.source, .length = n};
}

Verdict Worker::refuse_malformed(const sip::Message& msg, const sip::Via& top, const Inbound& in,
                                 sip::ParseError reason, std::span<char> out) noexcept {
  const auto why = static_cast<uint8_t>(reason);
  if (msg.method() == Method::ack) return {.action = Action::Drop, .outcome = Outcome::dropped_parse, .parse_error = why};
  const ReplySpec spec{.code = 400, .reason = "Bad Request", .warning = sip::strictness_warning(reason)};
  const auto n = build_reply(msg, top, in.source, spec, out);
  if (n == 0) return {.action = Action::Drop, .outcome = Outcome::dropped_too_big};
  return {.action = Action::Send, .outcome = Outcome::replied_400, .from = in.destination, .to = in.source, .length = n,
          .parse_error = why};
}

Verdict Worker::refuse_unsupported(const sip::Message& msg, const sip::Via& top, const Inbound& in,
                                   const ReplySpec& spec, Outcome outcome, std::span<char> out) noexcept {
  if (msg.method() == Method::ack) return {.action = Action::Drop, .outcome = Outcome::dropped_unsupported};
  const auto n = build_reply(msg, top, in.source, spec, out);
  if (n == 0) return {.action = Action::Drop, .outcome = Outcome::dropped_too_big};
  return {.action = Action::Send, .outcome = outcome, .from = in.destination, .to = in.source, .length = n};
}

Verdict Worker::refuse_too_large(const Inbound& in, sip::ParseError reason, std::span<char> out) noexcept {
  const Verdict drop{.action = Action::Drop, .outcome = Outcome::dropped_parse, .parse_error = static_cast<uint8_t>(reason)};
  sip::OversizedRequest rq;
  // Responses, ACKs and heads without the fields a reply copies: nothing to answer.
  if (!sip::find_oversized_request_fields(in.payload, rq) || in.payload.starts_with("ACK ")) return drop;
  const auto n = build_too_large_reply(rq, in.source, out);
  if (n == 0) return drop;
  return {.action = Action::Send, .outcome = Outcome::replied_513, .from = in.destination, .to = in.source, .length = n,
          .parse_error = static_cast<uint8_t>(reason)};
}

Verdict Worker::punt(const Snapshot& snap, const Inbound& in, const sip::Message& msg, const sip::Via& top,
                     Outcome outcome, uint32_t nat, std::span<char> out) noexcept {
  if (control_plane_up_) return {.action = Action::Punt, .outcome = outcome, .nat_bits = nat};
  if (snap.punt_fallback == config::PuntFallback::kDrop || msg.method() == Method::ack)
    return {.action = Action::Drop, .outcome = Outcome::dropped_no_cp};
  return reply(msg, top, in, 503, "Service Unavailable", snap.retry_after, Outcome::replied_503_no_cp, out);
}

Verdict Worker::refuse_relay(const Snapshot& snap, const Inbound& in, const sip::Message& msg, const sip::Via& top,
                             std::span<char> out) noexcept {
  if (snap.relay_reject == config::RelayReject::kDrop || msg.method() == Method::ack)
    return {.action = Action::Drop, .outcome = Outcome::dropped_relay};
  return reply(msg, top, in, 403, "Forbidden", 0, Outcome::replied_403_relay, out);
}

uint32_t Worker::nat_bits(const Snapshot& snap, const Inbound& in, const sip::Message& msg, const sip::Via& top,
                          uint32_t only) const noexcept {
  uint32_t tests = snap.nat_tests;
  if (in.source.v6) {
    // [[nat.rule]] prefixes are IPv4 (config refuses IPv6 ones).
    tests &= only;
    return tests == 0 ? 0 : sip::nat_test(msg, top, sip::Ipv6Address{in.source.ip6}, in.source.port, tests);
  }
  for (const auto& rule : snap.nat_rules) {
    if (!rule.prefix.contains(in.source.ip)) continue;
    switch (rule.action) {
      case config::NatRuleAction::kForce: return kNatForced;
      case config::NatRuleAction::kNever: return 0;
      case config::NatRuleAction::kTests: tests = rule.tests; break;
    }
    break;
  }
  tests &= only;
  return tests == 0 ? 0 : sip::nat_test(msg, top, in.source.ip, in.source.port, tests);
}

int Worker::choose_set(const Snapshot& snap, const Inbound& in, Request& rq) const noexcept {
  if (!snap.routes.empty()) {
    const auto& ruri = rq.ruri();
    for (const auto& r : snap.routes) {
      if (r.has_source && (in.source.v6 || !r.source.contains(in.source.ip))) continue;  // source rules are IPv4
      if (!r.domain.empty() && (!ruri || !sip::lex::iequals(r.domain, ruri->host))) continue;
      if (!r.user_prefix.empty() && (!ruri || !ruri->user.starts_with(r.user_prefix))) continue;
      return r.set;
    }
  }
  return snap.default_set;
}

const dispatch::Destination* Worker::pick(const Snapshot& snap, int set_index, Request& rq) noexcept {
  const sip::Message& msg = rq.msg;
  const auto& entry = snap.sets[static_cast<std::size_t>(set_index)];
  std::optional<uint64_t> key;
  switch (entry.algorithm) {
    case config::Algorithm::kHashCallId: key = sip::hash_bytes(msg.call_id()); break;
    case config::Algorithm::kHashFrom:
      if (const auto from = msg.from(); from) key = uri_key(&*from);
      break;
    case config::Algorithm::kHashTo: key = uri_key(rq.to()); break;
    case config::Algorithm::kHashRuri:
      if (const auto& ruri = rq.ruri(); ruri) key = sip::hash_bytes(ruri->user, sip::hash_bytes(ruri->host));
      break;
    case config::Algorithm::kHashAuthUser:
      if (const auto user = msg.auth_username(); user) key = sip::hash_bytes(*user);
      break;
    default: break;
  }
  auto& cursor = cursors_[std::min<std::size_t>(static_cast<std::size_t>(set_index), cursors_.size() - 1)];
  return entry.set->pick(key, cursor, random_);
}

Worker::Recent* Worker::recall(uint64_t transaction, uint64_t now_ns) noexcept {
  Recent& r = recent_[transaction & (kRecentSlots - 1)];
  return (r.transaction == transaction && r.expires_ns > now_ns) ? &r : nullptr;
}

void Worker::remember(uint64_t transaction, int set, int destination, uint64_t now_ns) noexcept {
  // Direct-mapped: a newer INVITE evicts an older one in its slot, which is
  // bounded memory at the cost of rare misses for non-hash algorithms.
  recent_[transaction & (kRecentSlots - 1)] = {transaction, now_ns + kRecentLifetimeNs, static_cast<uint16_t>(set),
                                               static_cast<uint16_t>(destination)};
}

}  // namespace sipedge::proxy
