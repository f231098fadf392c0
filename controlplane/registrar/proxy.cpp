#include "registrar/proxy.h"

#include <algorithm>
#include <optional>

#include "registrar/aor.h"
#include "registrar/response.h"

namespace sipedge::registrar {

namespace {

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t' || s.front() == '\r' || s.front() == '\n'))
    s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r' || s.back() == '\n'))
    s.remove_suffix(1);
  return s;
}

std::optional<std::uint16_t> q_of(std::string_view text) {
  // Only what extract_bindings needs: "1", "1.0", "0", "0.x" up to 3 digits.
  text = trim(text);
  if (text.empty() || (text[0] != '0' && text[0] != '1')) return std::nullopt;
  std::uint32_t value = text[0] == '1' ? 1000 : 0;
  if (text.size() > 1) {
    if (text[1] != '.' || text.size() > 5) return std::nullopt;
    std::uint32_t scale = 100;
    for (std::size_t i = 2; i < text.size(); ++i) {
      if (text[i] < '0' || text[i] > '9') return std::nullopt;
      value += static_cast<std::uint32_t>(text[i] - '0') * scale;
      scale /= 10;
    }
  }
  if (value > 1000) return std::nullopt;
  return static_cast<std::uint16_t>(value);
}

}  // namespace

UpstreamError extract_bindings(const sip::Message& response, std::uint32_t default_expires, UpstreamBindings& out) {
  out = UpstreamBindings{};
  if (!response.is_response() || response.status_code() < 200 || response.status_code() > 299)
    return UpstreamError::not_success;
  if (response.cseq().method != sip::Method::register_) return UpstreamError::not_register;
  const auto to = response.to();
  if (!to) return UpstreamError::bad_to;
  auto aor = normalize_aor(to->uri);
  if (!aor) return UpstreamError::bad_to;
  out.aor = std::move(*aor);
  const auto header_expires = response.expires();
  if (!header_expires && header_expires.error() != sip::ParseError::header_absent) return UpstreamError::bad_expires;
  for (const sip::HeaderValue& v : response.values(sip::HeaderId::contact)) {
    const auto na = sip::parse_name_addr(v.text);
    if (!na) return UpstreamError::bad_contact;
    UpstreamBinding b;
    b.contact = std::string(na->uri_text);
    sip::Param p;
    if (na->param("expires", p)) {
      const auto e = sip::parse_uint(p.unquoted());
      if (!e) return UpstreamError::bad_expires;
      b.expires = *e;
    } else {
      b.expires = header_expires ? *header_expires : default_expires;
    }
    if (na->param("q", p)) {
      if (const auto q = q_of(p.value)) {
        b.q = *q;
        b.has_q = true;
      }
    }
    if (na->param("+sip.instance", p)) b.instance_id = std::string(p.unquoted());
    if (na->param("reg-id", p)) {
      if (const auto id = sip::parse_uint(p.value)) b.reg_id = *id;
    }
    out.bindings.push_back(std::move(b));
  }
  return UpstreamError::ok;
}

store::Binding make_upstream_binding(const UpstreamBindings& upstream, const UpstreamBinding& granted,
                                     const Source& source, std::vector<std::string> path, std::string_view call_id,
                                     std::uint32_t cseq, std::string_view user_agent, store::NodeId owner,
                                     std::int64_t now_ms) {
  const std::int64_t now = now_ms / 1000;
  store::Binding b;
  b.aor = upstream.aor;
  b.contact = granted.contact;
  b.received = source.remote;
  b.local = source.local;
  b.path = std::move(path);
  b.expires_at = now + granted.expires;
  b.registered_at = now;
  b.last_refresh_ms = now_ms;
  b.q = granted.q;
  b.has_q = granted.has_q;
  b.call_id = std::string(call_id);
  b.cseq = cseq;
  b.user_agent = std::string(user_agent);
  b.nat = source.nat;
  b.nat_bits = source.nat_bits;
  b.instance_id = granted.instance_id;
  b.reg_id = granted.reg_id;
  b.owner = owner;
  return b;
}

RefreshReason decide_refresh(const store::Binding* stored, const RefreshContact& request, std::int64_t now_s) {
  if (request.expires == 0) return RefreshReason::removal;
  if (stored == nullptr || stored->expired(now_s)) return RefreshReason::new_binding;
  if (stored->received != request.received) return RefreshReason::changed_received;
  static const std::vector<std::string> kNoPath;
  if (stored->path != (request.path != nullptr ? *request.path : kNoPath)) return RefreshReason::changed_path;
  if (stored->call_id != request.call_id) return RefreshReason::changed_call_id;
  // More than half the upstream lifetime left, or forward this one so the
  // upstream registration is renewed in time.
  const std::int64_t lifetime = stored->expires_at - stored->registered_at;
  const std::int64_t left = stored->expires_at - now_s;
  if (left * 2 <= lifetime) return RefreshReason::upstream_refresh;
  return RefreshReason::absorbed;
}

RefreshAbsorber::RefreshAbsorber(const config::RegistrarConfig& config, store::LocationStore& store,
                                 RegistrarOptions options)
    : config_(config), store_(store), options_(std::move(options)) {}

RefreshReason RefreshAbsorber::handle(const sip::Message& request, const Source& source, std::int64_t now_ms,
                                      Response& response) {
  const std::int64_t now = now_ms / 1000;
  auto decide = [&]() -> RefreshReason {
    if (!config_.absorb_refreshes) return RefreshReason::disabled;
    if (!request.is_request() || request.method() != sip::Method::register_) return RefreshReason::not_absorbable;
    const auto to = request.to();
    if (!to) return RefreshReason::not_absorbable;
    auto aor = normalize_aor(to->uri);
    if (!aor) return RefreshReason::not_absorbable;
    const auto header_expires = request.expires();
    if (!header_expires && header_expires.error() != sip::ParseError::header_absent)
      return RefreshReason::not_absorbable;
    std::vector<std::string> path;
    for (const sip::HeaderValue& v : request.values(sip::HeaderId::path)) path.emplace_back(trim(v.text));

    struct Absorbed {
      std::string contact;  // stored contact
      std::uint32_t expires;
    };
    std::vector<Absorbed> absorbed;
    for (const sip::HeaderValue& v : request.values(sip::HeaderId::contact)) {
      const auto na = sip::parse_name_addr(v.text, true);
      if (!na || na->star) return RefreshReason::not_absorbable;
      RefreshContact c{na->uri_text, source.remote, &path, request.call_id(), config_.default_expires};
      sip::Param p;
      if (na->param("expires", p)) {
        const auto e = sip::parse_uint(p.unquoted());
        if (!e) return RefreshReason::not_absorbable;
        c.expires = *e;
      } else if (header_expires) {
        c.expires = *header_expires;
      }
      const store::Binding* stored = nullptr;
      for (const store::Binding& b : store_.lookup(*aor)) {
        if (same_contact(b.contact, c.contact)) {
          stored = &b;
          break;
        }
      }
      const RefreshReason reason = decide_refresh(stored, c, now);
      if (reason != RefreshReason::absorbed) return reason;
      absorbed.push_back({stored->contact, std::min(c.expires, config_.max_expires)});
    }
    if (absorbed.empty()) return RefreshReason::not_absorbable;  // a fetch: the upstream answers it

    // Refresh the edge's view, then answer from it.
    for (const Absorbed& a : absorbed) {
      store::Binding b = *store_.find(*aor, a.contact);
      b.last_refresh_ms = now_ms;
      b.cseq = request.cseq().number;
      store_.upsert(std::move(b));
    }
    std::string contacts;
    for (const store::Binding& b : store_.lookup(*aor)) {
      if (b.expired(now)) continue;
      std::uint32_t expires = b.remaining(now);
      for (const Absorbed& a : absorbed)
        if (a.contact == b.contact) expires = std::min(expires, a.expires);
      contacts += "Contact: <" + b.contact + ">;expires=" + std::to_string(expires) + "\r\n";
    }
    ResponseBuilder builder(request, source.remote, 200, "OK");
    builder.raw(contacts);
    response = Response{};
    response.status = 200;
    response.outcome = Outcome::absorbed;
    response.aor = std::move(*aor);
    response.text = builder.finish(options_.server, options_.date_header ? now_ms : 0);
    if (store_.last_sequence() > store_.durable_sequence()) response.durable_after = store_.last_sequence();
    return RefreshReason::absorbed;
  };
  const RefreshReason reason = decide();
  ++stats_.by_reason[static_cast<std::size_t>(reason)];
  if (reason == RefreshReason::absorbed)
    ++stats_.absorbed;
  else
    ++stats_.forwarded;
  return reason;
}

}  // namespace sipedge::registrar
