#include "registrar/registrar.h"

#include <algorithm>
#include <optional>
#include <vector>

#include "registrar/aor.h"
#include "registrar/digest.h"
#include "registrar/hex.h"
#include "registrar/response.h"
#include "sip/lex.h"

namespace sipedge::registrar {

namespace {

using sip::lex::iequals;
using sip::lex::lower;

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t' || s.front() == '\r' || s.front() == '\n'))
    s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r' || s.back() == '\n'))
    s.remove_suffix(1);
  return s;
}

//   qvalue = ( "0" [ "." 0*3DIGIT ] ) / ( "1" [ "." 0*3("0") ] )
std::optional<std::uint16_t> parse_qvalue(std::string_view text) {
  text = trim(text);
  if (text.empty() || (text[0] != '0' && text[0] != '1')) return std::nullopt;
  const std::uint16_t whole = text[0] == '1' ? 1000 : 0;
  if (text.size() == 1) return whole;
  if (text[1] != '.' || text.size() > 5) return std::nullopt;
  std::uint16_t fraction = 0;
  std::uint16_t scale = 100;
  for (std::size_t i = 2; i < text.size(); ++i) {
    if (text[i] < '0' || text[i] > '9') return std::nullopt;
    fraction = static_cast<std::uint16_t>(fraction + (text[i] - '0') * scale);
    scale = static_cast<std::uint16_t>(scale / 10);
  }
  if (whole == 1000 && fraction != 0) return std::nullopt;
  return static_cast<std::uint16_t>(whole + fraction);
}

std::string format_q(std::uint16_t q) {
  if (q >= 1000) return "1";
  std::string out = "0.";
  out += static_cast<char>('0' + q / 100);
  out += static_cast<char>('0' + (q / 10) % 10);
  out += static_cast<char>('0' + q % 10);
  while (out.size() > 3 && out.back() == '0') out.pop_back();
  if (out.back() == '.') out.pop_back();
  return out;
}

// Does a list header (Supported, Require) name `option`?
bool lists_option(const sip::Message& msg, sip::HeaderId id, std::string_view option) {
  for (const sip::HeaderValue& v : msg.values(id))
    if (iequals(trim(v.text), option)) return true;
  return false;
}

// One Contact of the request, checked.
struct ContactRequest {
  std::string_view uri;  // as written, without <>
  std::uint32_t expires = 0;
  std::uint16_t q = store::kDefaultQ;
  bool has_q = false;
  std::string_view instance_id;  // without quotes
  std::uint32_t reg_id = 0;
  const store::Binding* existing = nullptr;
  bool retransmission = false;  // same Call-ID and CSeq as the existing binding
};

}  // namespace

// The state of one request: what was parsed so far, and how to answer.
class Registrar::Handling {
 public:
  Handling(Registrar& registrar, const sip::Message& msg, const Source& source, std::int64_t now_ms)
      : r_(registrar), msg_(msg), source_(source), now_ms_(now_ms), now_(now_ms / 1000) {}

  Response run();

 private:
  Response reply(Outcome outcome, std::string_view reason, std::string extra = {});
  Response challenge(Outcome outcome, std::string_view reason, bool stale);
  std::optional<Response> authenticate();
  std::optional<Response> parse_contacts();
  std::optional<Response> check_order();
  Response apply();
  std::string contact_lines() const;
  std::string_view echo_path_value() const;

  Registrar& r_;
  const sip::Message& msg_;
  const Source& source_;
  std::int64_t now_ms_;
  std::int64_t now_;
  std::string aor_;
  bool star_ = false;
  bool outbound_ = false;  // UA supports outbound: honour reg-id
  std::vector<ContactRequest> contacts_;
  std::vector<std::string> path_;
  std::string path_joined_;
};

Response Registrar::Handling::reply(Outcome outcome, std::string_view reason, std::string extra) {
  Response out;
  out.outcome = outcome;
  out.status = outcome_status(outcome);
  out.aor = aor_;
  ResponseBuilder builder(msg_, source_.remote, out.status, reason);
  builder.raw(extra);
  out.text = builder.finish(r_.options_.server, out.status == 200 && r_.options_.date_header ? now_ms_ : 0);
  ++r_.stats_.outcomes[static_cast<std::size_t>(outcome)];
  return out;
}

Response Registrar::Handling::challenge(Outcome outcome, std::string_view reason, bool stale) {
  const std::string nonce = r_.nonces_.issue(r_.config_.realm, now_ms_);
  // RFC 8760 2.4: the most preferred algorithm first.
  std::string extra = "WWW-Authenticate: " +
                      digest_challenge(DigestAlgorithm::sha256, r_.config_.realm, nonce, stale) + "\r\n";
  extra += "WWW-Authenticate: " + digest_challenge(DigestAlgorithm::md5, r_.config_.realm, nonce, stale) + "\r\n";
  return reply(outcome, reason, std::move(extra));
}

std::optional<Response> Registrar::Handling::authenticate() {
  // The credentials for our realm; others (for other hops) are ignored.
  Credentials credentials;
  bool found = false;
  for (std::size_t i = msg_.find(sip::HeaderId::authorization); i != sip::kNoHeader; i = msg_.find_next(i)) {
    Credentials c;
    const DigestError e = parse_credentials(msg_.header(i).value, c);
    // Another scheme (RFC 4475 regaut01), algorithm or qop is no credential
    // we can check: the request is challenged as if it carried none.
    if (e == DigestError::not_digest || e == DigestError::unsupported_algorithm || e == DigestError::unsupported_qop)
      continue;
    if (e != DigestError::ok) return reply(Outcome::malformed, "Malformed Authorization");
    if (c.realm != r_.config_.realm) continue;
    credentials = c;
    found = true;
    break;
  }
  if (!found) return challenge(Outcome::auth_challenge, "Unauthorized", false);

  const NonceStatus nonce = r_.nonces_.check(credentials.nonce, r_.config_.realm, now_ms_);
  if (nonce == NonceStatus::invalid) return challenge(Outcome::auth_failed, "Unauthorized", false);
  const store::Subscriber* subscriber =
      r_.subscribers_ != nullptr ? r_.subscribers_->find(credentials.username, credentials.realm) : nullptr;
  if (subscriber == nullptr) return challenge(Outcome::auth_failed, "Unauthorized", false);
  std::string ha1 = credentials.algorithm == DigestAlgorithm::sha256 ? subscriber->ha1_sha256 : subscriber->ha1_md5;
  if (ha1.empty() && !subscriber->password.empty())
    ha1 = digest_ha1(credentials.algorithm, subscriber->username, subscriber->realm, subscriber->password);
  for (char& c : ha1) c = lower(c);
  std::string response(credentials.response);
  for (char& c : response) c = lower(c);
  if (ha1.empty() || !constant_time_equal(response, digest_response(credentials.algorithm, ha1,
                                                                      msg_.method_text(), credentials)))
    return challenge(Outcome::auth_failed, "Unauthorized", false);
  // Right password, old nonce: the UA retries with a fresh one without
  // asking its user (RFC 2617 3.2.1 stale).
  if (nonce == NonceStatus::stale) return challenge(Outcome::auth_stale, "Unauthorized", true);
  if (!r_.nonces_.accept(credentials.nonce, credentials.has_qop, credentials.nc))
    return challenge(Outcome::auth_replay, "Unauthorized", false);
  if (r_.options_.auth_user_must_match_aor && credentials.username != aor_user(aor_))
    return reply(Outcome::forbidden, "Forbidden - Authenticated User Differs From AOR");
  return std::nullopt;
}

std::optional<Response> Registrar::Handling::parse_contacts() {
  const auto header_expires = msg_.expires();
  if (!header_expires && header_expires.error() != sip::ParseError::header_absent)
    return reply(Outcome::malformed, "Malformed Expires");
  std::size_t count = 0;
  for (const sip::HeaderValue& v : msg_.values(sip::HeaderId::contact)) {
    ++count;
    const auto na = sip::parse_name_addr(v.text, true);
    if (!na) return reply(Outcome::malformed, "Malformed Contact");
    if (na->star) {
      star_ = true;
      continue;
    }
    ContactRequest c;
    c.uri = na->uri_text;
    if (na->uri.scheme == sip::UriScheme::other && na->uri.opaque.empty())
      return reply(Outcome::malformed, "Malformed Contact");
    sip::Param p;
    if (na->param("expires", p)) {
      const auto e = sip::parse_uint(p.unquoted());
      if (!p.has_value || !e) return reply(Outcome::malformed, "Malformed Contact Expires");
      c.expires = *e;
    } else if (header_expires) {
      c.expires = *header_expires;
    } else {
      c.expires = r_.config_.default_expires;
    }
    if (na->param("q", p)) {
      const auto q = parse_qvalue(p.value);
      if (!p.has_value || !q) return reply(Outcome::malformed, "Malformed Contact q-value");
      c.q = *q;
      c.has_q = true;
    }
    if (na->param("+sip.instance", p)) {
      const std::string_view instance = p.unquoted();
      if (!p.has_value || instance.empty()) return reply(Outcome::malformed, "Malformed Contact +sip.instance");
      c.instance_id = instance;
    }
    if (na->param("reg-id", p)) {
      const auto id = sip::parse_uint(p.value, 0x7FFFFFFFu);
      if (!p.has_value || !id || *id == 0) return reply(Outcome::malformed, "Malformed Contact reg-id");
      // RFC 5626 6: reg-id counts only with an instance and outbound support.
      if (outbound_ && !c.instance_id.empty()) c.reg_id = *id;
    }
    // The same contact twice: the later one wins.
    std::erase_if(contacts_, [&](const ContactRequest& earlier) { return same_contact(earlier.uri, c.uri); });
    contacts_.push_back(c);
  }
  if (star_) {
    // RFC 3261 10.2.2 / 10.3 step 6: "*" only alone and only with Expires: 0.
    if (count != 1) return reply(Outcome::malformed, "Wildcard Contact Not Alone");
    if (!header_expires || *header_expires != 0)
      return reply(Outcome::malformed, "Wildcard Contact Requires Expires 0");
    return std::nullopt;
  }
  for (ContactRequest& c : contacts_) {
    if (c.expires != 0 && c.expires < r_.config_.min_expires) {
      return reply(Outcome::interval_too_brief, "Interval Too Brief",
                   "Min-Expires: " + std::to_string(r_.config_.min_expires) + "\r\n");
    }
    c.expires = std::min(c.expires, r_.config_.max_expires);
  }
  return std::nullopt;
}

// RFC 3261 10.3 step 7, for every contact (or every binding for "*") before
// anything changes, so that the request succeeds or fails as a whole.
std::optional<Response> Registrar::Handling::check_order() {
  const std::string_view call_id = msg_.call_id();
  const std::uint32_t cseq = msg_.cseq().number;
  const auto bindings = r_.store_.lookup(aor_);
  if (star_) {
    for (const store::Binding& b : bindings)
      if (b.call_id == call_id && cseq < b.cseq) return reply(Outcome::out_of_order, "Server Error - CSeq Out Of Order");
    return std::nullopt;
  }
  for (ContactRequest& c : contacts_) {
    for (const store::Binding& b : bindings) {
      const bool same_flow = !c.instance_id.empty() && b.instance_id == c.instance_id && b.reg_id == c.reg_id;
      if (same_flow || (c.existing == nullptr && same_contact(b.contact, c.uri))) {
        c.existing = &b;
        if (same_flow) break;  // the outbound flow key wins over a URI match
      }
    }
    if (c.existing == nullptr || c.existing->call_id != call_id) continue;
    if (cseq < c.existing->cseq) return reply(Outcome::out_of_order, "Server Error - CSeq Out Of Order");
    c.retransmission = cseq == c.existing->cseq;
  }
  return std::nullopt;
}

std::string Registrar::Handling::contact_lines() const {
  std::string out;
  for (const store::Binding& b : r_.store_.lookup(aor_)) {
    if (b.expired(now_)) continue;
    out += "Contact: <";
    out += b.contact;
    out += ">;expires=";
    out += std::to_string(b.remaining(now_));
    if (b.has_q) {
      out += ";q=";
      out += format_q(b.q);
    }
    if (!b.instance_id.empty()) {
      out += ";+sip.instance=\"";
      out += b.instance_id;
      out += '"';
    }
    if (b.reg_id != 0) {
      out += ";reg-id=";
      out += std::to_string(b.reg_id);
    }
    out += "\r\n";
  }
  return out;
}

Response Registrar::Handling::apply() {
  store::LocationStore& store = r_.store_;
  bool changed = false;
  bool reg_id_used = false;
  if (star_) {
    const std::size_t before = store.lookup(aor_).size();
    if (before > 0) {
      store.remove_all(aor_);
      r_.stats_.bindings_removed += before;
      changed = true;
    }
  } else {
    // Capacity: bindings after this request, before changing anything.
    if (r_.options_.max_bindings_per_aor != 0) {
      std::size_t after = 0;
      for (const store::Binding& b : store.lookup(aor_)) {
        const bool touched = std::any_of(contacts_.begin(), contacts_.end(),
                                         [&](const ContactRequest& c) { return c.existing == &b; });
        if (!touched && !b.expired(now_)) ++after;
      }
      for (const ContactRequest& c : contacts_) after += c.expires != 0 ? 1 : 0;
      if (after > r_.options_.max_bindings_per_aor) return reply(Outcome::too_many_bindings, "Forbidden - Too Many Contacts");
    }
    // Build every new binding first: the views into the store die with the
    // first write.
    struct Write {
      std::string remove;  // stored contact to drop first (removal, or a rewritten / replaced contact)
      std::optional<store::Binding> binding;
    };
    std::vector<Write> writes;
    for (const ContactRequest& c : contacts_) {
      if (c.reg_id != 0) reg_id_used = true;
      if (c.retransmission) continue;
      Write w;
      if (c.existing != nullptr && (c.expires == 0 || c.existing->contact != c.uri)) w.remove = c.existing->contact;
      if (c.expires != 0) {
        store::Binding b;
        b.aor = aor_;
        b.contact = std::string(c.uri);
        b.received = source_.remote;
        b.local = source_.local;
        b.path = path_;
        b.expires_at = now_ + c.expires;
        b.registered_at = now_;
        b.last_refresh_ms = now_ms_;
        b.q = c.q;
        b.has_q = c.has_q;
        b.call_id = std::string(msg_.call_id());
        b.cseq = msg_.cseq().number;
        b.user_agent = std::string(trim(msg_.value(sip::HeaderId::user_agent)));
        b.nat = source_.nat;
        b.nat_bits = source_.nat_bits;
        b.instance_id = std::string(c.instance_id);
        b.reg_id = c.reg_id;
        b.owner = r_.options_.node_id;
        w.binding = std::move(b);
      }
      if (!w.remove.empty() || w.binding) writes.push_back(std::move(w));
    }
    for (Write& w : writes) {
      const bool refresh = w.binding && store.find(aor_, w.binding->contact) != nullptr;
      if (!w.remove.empty() && store.remove(aor_, w.remove) != 0) {
        if (!w.binding) ++r_.stats_.bindings_removed;
      }
      if (w.binding) {
        const bool replaced = !w.remove.empty();
        store.upsert(std::move(*w.binding));
        if (refresh || replaced)
          ++r_.stats_.bindings_refreshed;
        else
          ++r_.stats_.bindings_added;
      }
      changed = true;
    }
  }
  std::string extra = contact_lines();
  if (!path_.empty() && lists_option(msg_, sip::HeaderId::supported, "path")) {
    extra += "Path: ";
    extra += path_joined_;
    extra += "\r\n";
  }
  if (reg_id_used) extra += "Require: outbound\r\n";
  const bool query = !star_ && contacts_.empty();
  const bool all_retransmitted =
      !star_ && !contacts_.empty() &&
      std::all_of(contacts_.begin(), contacts_.end(), [](const ContactRequest& c) { return c.retransmission; });
  const Outcome outcome = query ? Outcome::queried
                          : all_retransmitted && !changed ? Outcome::retransmission
                                                          : Outcome::updated;
  Response out = reply(outcome, "OK", std::move(extra));
  if (store.last_sequence() > store.durable_sequence()) {
    out.durable_after = store.last_sequence();
    out.failure_text = r_.store_failure(msg_, source_).text;
  }
  return out;
}

Response Registrar::Handling::run() {
  if (!msg_.is_request() || msg_.method() != sip::Method::register_) return reply(Outcome::malformed, "Not A REGISTER");
  const auto to = msg_.to();
  if (!to) return reply(Outcome::malformed, "Malformed To");
  auto aor = normalize_aor(to->uri);
  if (!aor) return reply(Outcome::not_found, "Not Found - No SIP User In To");
  aor_ = std::move(*aor);
  const auto& domains = r_.config_.domains;
  if (!domains.empty() && std::find(domains.begin(), domains.end(), aor_domain(aor_)) == domains.end())
    return reply(Outcome::foreign_domain, "Forbidden - Domain Not Served");
  // RFC 3261 10.3 step 2: every option the UA requires must be ours.
  std::string unsupported;
  for (const sip::HeaderValue& v : msg_.values(sip::HeaderId::require)) {
    const std::string_view option = trim(v.text);
    if (iequals(option, "path") || iequals(option, "outbound")) continue;
    if (!unsupported.empty()) unsupported += ", ";
    unsupported += option;
  }
  if (!unsupported.empty())
    return reply(Outcome::bad_extension, "Bad Extension", "Unsupported: " + unsupported + "\r\n");
  if (r_.config_.auth) {
    if (auto denied = authenticate()) return std::move(*denied);
  }
  outbound_ = lists_option(msg_, sip::HeaderId::supported, "outbound");
  for (const sip::HeaderValue& v : msg_.values(sip::HeaderId::path)) {
    path_.emplace_back(trim(v.text));
    if (!path_joined_.empty()) path_joined_ += ", ";
    path_joined_ += path_.back();
  }
  if (auto bad = parse_contacts()) return std::move(*bad);
  if (auto bad = check_order()) return std::move(*bad);
  return apply();
}

Registrar::Registrar(const config::RegistrarConfig& config, store::LocationStore& store,
                     const store::SubscriberStore* subscribers, RegistrarOptions options)
    : config_(config),
      store_(store),
      subscribers_(subscribers),
      options_(std::move(options)),
      nonces_(options_.nonce_secret, options_.nonce_lifetime_s, options_.nonce_table) {}

Response Registrar::handle(const sip::Message& request, const Source& source, std::int64_t now_ms) {
  Handling handling(*this, request, source, now_ms);
  return handling.run();
}

Response Registrar::store_failure(const sip::Message& request, const Source& source) const {
  Response out;
  out.outcome = Outcome::store_failure;
  out.status = outcome_status(Outcome::store_failure);
  ResponseBuilder builder(request, source.remote, out.status, "Server Error - Location Store Unavailable");
  builder.header("Retry-After", "30");
  out.text = builder.finish(options_.server, 0);
  if (auto to = request.to()) {
    if (auto aor = normalize_aor(to->uri)) out.aor = std::move(*aor);
  }
  return out;
}

void Registrar::reconfigure(const config::RegistrarConfig& config) { config_ = config; }

}  // namespace sipedge::registrar
