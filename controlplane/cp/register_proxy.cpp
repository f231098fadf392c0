#include "cp/register_proxy.h"

#include <algorithm>

#include "cp/control_plane.h"
#include "registrar/aor.h"
#include "registrar/response.h"
#include "sip/contact_alias.h"
#include "sip/lex.h"
#include "sip/rewrite.h"

namespace sipedge::cp {
namespace {

std::string endpoint_text(store::Endpoint e) { return store::to_string(e); }  // "[v6]:port" in brackets

registrar::RegistrarOptions absorber_options(const config::Config& c) {
  registrar::RegistrarOptions o;
  o.node_id = c.node.id;
  return o;
}

// The branch of our Via: the dataplane's deterministic transaction hash with
// our own prefix, so a retransmitted REGISTER gets the same branch.
std::string register_branch(const config::Config& c, const sip::Message& request, const sip::Via& top) {
  std::string b = proxy_branch(static_cast<std::uint8_t>(c.node.id), request, top);
  b.replace(0, kProxyBranchPrefix.size(), kRegisterBranchPrefix);
  return b;
}

}  // namespace

RegisterProxy::RegisterProxy(const config::Config& config, store::LocationStore& store, store::Endpoint edge)
    : config_(&config),
      store_(store),
      edge_(edge),
      edge_text_(endpoint_text(edge)),
      absorber_(config.registrar, store, absorber_options(config)) {}

void RegisterProxy::reconfigure(const config::Config& config) {
  config_ = &config;
  absorber_.reconfigure(config.registrar);
}

registrar::RefreshReason RegisterProxy::absorb(const sip::Message& request, const registrar::Source& source,
                                               std::int64_t now_ms, registrar::Response& response) {
  return absorber_.handle(request, source, now_ms, response);
}

ForwardResult RegisterProxy::forward(const sip::Message& request, const registrar::Source& source, std::int64_t now_ms,
                                     std::string& out) {
  const auto top = request.top_via();
  if (!top) return ForwardResult::no_via;
  const std::string branch = register_branch(*config_, request, *top);
  auto found = pending_.find(branch);
  if (found == pending_.end() && pending_.size() >= kMaxPendingRegisters) return ForwardResult::pending_full;

  sip::Rewriter rw(request, *top);
  // RFC 3581 and the far-end NAT fix, as for any NAT-flagged request: the
  // registrar then stores the aliased Contact, and its requests for the user
  // (through our Path) reach the NAT's public side.
  // IPv6: received is the address text (no brackets); the Contact alias
  // encodes IPv4 only, so a v6 UA's Contact goes on as it is (a v6 source
  // seldom sits behind NAT; the registrar reaches it through our Path).
  const std::string src_text = store::address_text(source.remote);  // outlives rw: it keeps a view
  if (!registrar::via_host_is(*top, source.remote)) {
    if (source.remote.v6)
      rw.set_top_via_received(std::string_view(src_text));
    else
      rw.set_top_via_received(source.remote.ip);
  }
  if (top->has_rport) rw.set_top_via_rport(source.remote.port);
  const sip::ContactAlias alias = sip::make_contact_alias(source.remote.ip, source.remote.port);
  if (!source.remote.v6 && source.nat && config_->nat.fix &&
      sip::add_contact_alias(request, rw, alias).error != sip::RewriteError::ok)
    return ForwardResult::too_big;
  const std::string via = "SIP/2.0/UDP " + edge_text_ + ";branch=" + branch;
  rw.insert_header_before(sip::HeaderId::via, sip::HeaderId::via, via);
  // RFC 3327 4.3: our Path value first, above those of proxies nearer the
  // UA; the first Path goes last, not between our Via and the UA's.
  const std::string path = "<sip:" + edge_text_ + ";lr>";
  if (request.has(sip::HeaderId::path))
    rw.insert_header_before(sip::HeaderId::path, sip::HeaderId::path, path);
  else
    rw.append_header(sip::HeaderId::path, path);
  const std::size_t size = rw.output_size();
  if (size == 0 || size > punt::kMaxPayload) return ForwardResult::too_big;
  out.assign(size, '\0');
  const auto n = rw.apply(out);
  if (!n) return ForwardResult::too_big;
  out.resize(*n);

  Pending p;
  p.source = source;
  for (const sip::HeaderValue& v : request.values(sip::HeaderId::contact)) {
    const auto na = sip::parse_name_addr(v.text, true);
    if (!na) continue;
    if (na->star)
      p.star = true;
    else
      p.contacts.emplace_back(na->uri_text);
  }
  for (const sip::HeaderValue& v : request.values(sip::HeaderId::path)) p.path.emplace_back(sip::lex::trim(v.text));
  p.call_id = std::string(request.call_id());
  p.cseq = request.cseq().number;
  p.user_agent = std::string(request.value(sip::HeaderId::user_agent));
  p.created_ms = now_ms;
  pending_.insert_or_assign(branch, std::move(p));
  return ForwardResult::forwarded;
}

ReplyResult RegisterProxy::on_reply(const sip::Message& response, std::int64_t now_ms, Relay& out) {
  // Our two Vias: the dataplane's, then ours (what it punted on).
  sip::HeaderValue ours[2];
  std::size_t n = 0;
  for (const sip::HeaderValue& v : response.values(sip::HeaderId::via)) {
    ours[n++] = v;
    if (n == 2) break;
  }
  if (n < 2) return ReplyResult::unmatched;
  const auto via = sip::parse_via(ours[1].text);
  if (!via || !via->branch.starts_with(kRegisterBranchPrefix)) return ReplyResult::unmatched;
  const auto it = pending_.find(std::string(via->branch));
  if (it == pending_.end()) return ReplyResult::unmatched;
  const std::uint16_t status = response.status_code();
  if (status == 100) return ReplyResult::trying;
  const Pending request = status >= 200 ? std::move(it->second) : it->second;
  if (status >= 200) pending_.erase(it);

  if (status >= 200 && status < 300) {
    registrar::UpstreamBindings upstream;
    if (registrar::extract_bindings(response, config_->registrar.default_expires, upstream) == registrar::UpstreamError::ok)
      learn(upstream, request, now_ms);
    else
      ++stats_.learn_failed;
  }

  // Registrars (sipp among them) may echo the Vias as one comma list.
  sip::Rewriter rw(response);
  const bool removed = ours[0].header_index == ours[1].header_index
                           ? rw.remove_values(ours[0], ours[1]) == sip::RewriteError::ok
                           : rw.remove_value(ours[0]) == sip::RewriteError::ok &&
                                 rw.remove_value(ours[1]) == sip::RewriteError::ok;
  if (!removed) return ReplyResult::bad;
  const std::size_t size = rw.output_size();
  if (size == 0) return ReplyResult::bad;
  out.text.assign(size, '\0');
  const auto written = rw.apply(out.text);
  if (!written) return ReplyResult::bad;
  out.text.resize(*written);
  out.from = request.source.local;
  out.to = request.source.remote;
  return ReplyResult::relayed;
}

// The registrar's 200 lists every binding of the AOR: it is the truth. Ours
// (learned through this edge) that it no longer lists are gone; the ones this
// REGISTER asked for are stored with what the edge saw of the request (its
// source, NAT verdict, Path, Call-ID), so keepalives and calls to the user
// work as for local bindings. Bindings the registrar holds from elsewhere are
// not the edge's to keep alive and are left out.
void RegisterProxy::learn(const registrar::UpstreamBindings& upstream, const Pending& request, std::int64_t now_ms) {
  auto listed = [&](std::string_view contact) {
    return std::any_of(upstream.bindings.begin(), upstream.bindings.end(), [&](const registrar::UpstreamBinding& b) {
      return b.expires > 0 && registrar::same_contact(b.contact, contact);
    });
  };
  std::vector<std::string> gone;
  for (const store::Binding& b : store_.lookup(upstream.aor))
    if (!listed(b.contact)) gone.push_back(b.contact);
  for (const std::string& contact : gone) {
    store_.remove(upstream.aor, contact);
    ++stats_.unlearned;
  }
  for (const registrar::UpstreamBinding& granted : upstream.bindings) {
    if (granted.expires == 0) continue;
    const bool asked = std::any_of(request.contacts.begin(), request.contacts.end(),
                                   [&](const std::string& c) { return registrar::same_contact(granted.contact, c); });
    if (!asked) continue;
    // The registrar may write the contact differently (the alias we added,
    // other spelling): one binding per contact, under the registrar's text.
    std::string respelled;
    for (const store::Binding& b : store_.lookup(upstream.aor))
      if (b.contact != granted.contact && registrar::same_contact(b.contact, granted.contact)) {
        respelled = b.contact;
        break;
      }
    if (!respelled.empty()) store_.remove(upstream.aor, respelled);
    store_.upsert(registrar::make_upstream_binding(upstream, granted, request.source, request.path, request.call_id,
                                                   request.cseq, request.user_agent,
                                                   static_cast<store::NodeId>(config_->node.id), now_ms));
    ++stats_.learned;
  }
}

void RegisterProxy::expire(std::int64_t now_ms) {
  if (now_ms - last_expire_ms_ < 1000) return;
  last_expire_ms_ = now_ms;
  for (auto it = pending_.begin(); it != pending_.end();) {
    if (now_ms - it->second.created_ms >= kPendingRegisterLifetimeMs) {
      it = pending_.erase(it);
      ++stats_.pending_expired;
    } else {
      ++it;
    }
  }
}

}  // namespace sipedge::cp
