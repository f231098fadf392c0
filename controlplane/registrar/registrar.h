#pragma once
// sipedge::registrar::Registrar — the registrar of RFC 3261 section 10.3 in
// `local` mode, with digest authentication (RFC 8760: SHA-256 and MD5),
// Path (RFC 3327) and outbound instance/reg-id (RFC 5626) support.
//
// One call per REGISTER the dataplane punts (after FloodLimiter::allow and
// a successful sip::Message::parse; a parse failure is the cp's to answer or
// drop):
//
//   registrar::Source src{{hdr.src_ipv4, hdr.src_port}, {hdr.dst_ipv4, hdr.dst_port}, hdr.nat_bits, hdr.nat_bits != 0};
//   registrar::Response r = reg.handle(msg, src, now_ms);
//   if (r.durable_after == 0) send(src.remote, r.text);              // nothing to wait for
//   else hold.hold(r.durable_after, {src.remote, std::move(r)});     // registrar/hold.h
//   ...end of the loop turn:
//   auto f = store.flush();
//   if (f.ok) hold.release(f.durable, send_text);
//   else if (f.consecutive_failures >= N) reg.count_store_failures(hold.fail_all(send_failure_text));
//   ...once a second: store.expire(now_s)  (expiry timers; fires `expired` changes)
//
// The response goes back to the REGISTER's source (src.remote): the top Via
// of the response carries received/rport for it already.
//
// Processing order (RFC 3261 10.3): method and syntax (400), To AOR (400 /
// 404), domain (403), Require (420), authentication (401), authorisation
// (403), Contact and expiry checks for every contact (400 / 423 / 500 out of
// order) — all before any change — then the binding updates, all or none,
// and the 200 OK listing every current binding of the AOR with its remaining
// expires. Responses carry the request's Via (top Via with received/rport
// added per RFC 3581), From, To (with a tag), Call-ID and CSeq, then
// Contact(s), Path (echoed when the UA supports path), Require: outbound when
// reg-id was honoured, Min-Expires (423), WWW-Authenticate (401, SHA-256
// first), Unsupported (420), Date, Server and Content-Length: 0.
//
// Ordering (RFC 3261 10.3 step 7): for an existing binding with the same
// Call-ID, a request CSeq higher than the stored one updates it; a lower one
// fails the whole request with 500; an equal one is taken as a UDP
// retransmission of the request that set it and answered 200 with the
// current bindings without changing anything. A different Call-ID always
// updates (the UA rebooted).
//
// Outbound (RFC 5626): a contact with +sip.instance and reg-id replaces the
// AOR's binding with the same instance and reg-id even when the contact URI
// differs (the flow changed). A contact with +sip.instance but no reg-id
// replaces a binding with the same instance and no reg-id (RFC 5627 habit).
//
// Durability: every write goes to the LocationStore, whose writes become
// durable at the next flush(); a 200 OK that reports a change carries
// durable_after (see location_store.h) and must not be sent before
// store.durable_sequence() >= durable_after. Responses without changes still
// wait when earlier writes for the store are pending (they report state that
// is not durable yet); everything that is not a 200 is sent at once.
//
// Thread-safety: none; the registrar, its store and subscriber store belong
// to the event loop thread. No exceptions escape handle() (it is noexcept in
// effect: allocation failure aside). Cold path: allocates freely.
#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "config/config.h"
#include "registrar/nonce.h"
#include "registrar/outcome.h"
#include "sip/message.h"
#include "store/binding.h"
#include "store/location_store.h"
#include "store/subscriber.h"

namespace sipedge::registrar {

// Where the REGISTER came from, from the punt header.
struct Source {
  store::Endpoint remote;     // hdr.src_ipv4 / src_port: the real source (stored as `received`)
  store::Endpoint local;      // hdr.dst_ipv4 / dst_port: the VIP and port it reached
  std::uint32_t nat_bits = 0;  // hdr.nat_bits
  bool nat = false;           // the cp's NAT verdict (nat_bits != 0, or a force/never rule)
};

inline constexpr std::uint32_t kDefaultNonceLifetime = 300;      // seconds
inline constexpr std::size_t kDefaultNonceTable = 65536;          // nonces whose nc is tracked
inline constexpr std::size_t kDefaultMaxBindingsPerAor = 16;

struct RegistrarOptions {
  store::NodeId node_id = 0;               // stamped as Binding::owner
  std::string nonce_secret;                // HMAC key for nonces; empty = random per process
  std::uint32_t nonce_lifetime_s = kDefaultNonceLifetime;
  std::size_t nonce_table = kDefaultNonceTable;
  std::size_t max_bindings_per_aor = kDefaultMaxBindingsPerAor;  // 0 = unlimited
  bool auth_user_must_match_aor = true;    // Digest username must equal the To user (else 403)
  std::string server = "sipedge";          // Server header value; empty = none
  bool date_header = true;                 // Date header in 200 OK (RFC 3261 10.3 step 8)
};

struct Response {
  std::uint16_t status = 0;
  Outcome outcome = Outcome::malformed;
  std::string text;                    // the whole response datagram, ready for TX
  store::Sequence durable_after = 0;   // 0: send now; else hold until durable_sequence() >= it
  std::string failure_text;            // when durable_after != 0: the 500 to send instead if the store fails for good
  std::string aor;                     // normalised AOR; empty when the request had none usable
};

struct RegistrarStats {
  std::array<std::uint64_t, kOutcomeCount> outcomes{};  // indexed by Outcome
  std::uint64_t bindings_added = 0;
  std::uint64_t bindings_refreshed = 0;
  std::uint64_t bindings_removed = 0;     // expires=0, '*', instance replacement
};

class Registrar {
 public:
  // `subscribers` may be null when config.auth is false. Both stores must
  // outlive the registrar. The config is copied.
  Registrar(const config::RegistrarConfig& config, store::LocationStore& store,
            const store::SubscriberStore* subscribers, RegistrarOptions options = {});

  // Handles one parsed REGISTER (any other method is answered 400). `now_ms`:
  // unix time in milliseconds (expiry arithmetic uses whole seconds).
  Response handle(const sip::Message& request, const Source& source, std::int64_t now_ms);

  // Builds the 500 (with Retry-After) for `request` without touching the
  // store, e.g. when the store is known to be down. Not counted: see
  // count_store_failures().
  Response store_failure(const sip::Message& request, const Source& source) const;
  // The cp sent `n` held responses' failure_text instead of their 200:
  // counted as store_failure (the 200s were counted as updated when built).
  void count_store_failures(std::size_t n) { stats_.outcomes[static_cast<std::size_t>(Outcome::store_failure)] += n; }

  // Reload: new limits, domains, realm, auth. Bindings and nonces are kept.
  void reconfigure(const config::RegistrarConfig& config);

  const RegistrarStats& stats() const { return stats_; }
  const config::RegistrarConfig& config() const { return config_; }
  store::LocationStore& store() { return store_; }

 private:
  class Handling;  // one request's state (registrar.cpp)

  config::RegistrarConfig config_;
  store::LocationStore& store_;
  const store::SubscriberStore* subscribers_;
  RegistrarOptions options_;
  NonceManager nonces_;
  RegistrarStats stats_;
};

}  // namespace sipedge::registrar
