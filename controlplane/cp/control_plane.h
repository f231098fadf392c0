#pragma once
// sipedge::cp::ControlPlane — what sipedge-cp does with the punt channel,
// without sockets or clocks of its own, so unit tests drive it directly and
// the event loop (cp/loop.h) only moves bytes and time.
//
// Per loop turn:
//   on_message() for each datagram from the dataplane (PUNT, HELLO, ...);
//   end_turn()   once: one store transaction for every write of the turn,
//                then the 200 OKs whose bindings became durable are sent;
//   tick()       on the loop timer: expiry (once a second), keepalives.
// Everything to send goes to the Outbox as (punt header, payload).
//
// What it handles (design "Control plane"):
//   - REGISTER (local mode) through registrar::Registrar, answered with TX
//     from the VIP to the packet's source; a 200 OK only once durable.
//   - REGISTER (proxy mode) through cp::RegisterProxy: unchanged refreshes
//     answered here, the rest sent on to registrar.set (DISPATCH); the
//     registrar's answers (punted by the dataplane) teach the bindings and
//     are relayed to the UA with TX.
//   - kFlagLocalLookup requests: R-URI -> best binding; the request is sent
//     (TX from the VIP) to the binding's received address with its R-URI
//     replaced by the contact, our Via on top (so the UA's answer comes back
//     through the dataplane's stateless response path) and Record-Route;
//     404 / 480 / 483 answered from the address the request reached.
//   - NAT-flagged initial requests: received/rport on the top Via and a
//     Contact alias (sip/contact_alias.h) when the NAT verdict ([nat] tests,
//     [[nat.rule]]) says so and nat.fix is on, then DISPATCH back.
//   - kFlagKeepaliveReply replies: RTT and failure reset per binding.
//   - NAT keepalives for NAT-flagged bindings (cp/keepalive.h).
//
// Thread-safety: none; everything runs on the event loop thread.
// Errors: nothing the dataplane sends can throw out of on_message(); bad
// input is counted. Cold path: allocates.
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>

#include "config/config.h"
#include "cp/counters.h"
#include "cp/keepalive.h"
#include "cp/register_proxy.h"
#include "punt/message.h"
#include "registrar/flood.h"
#include "registrar/hold.h"
#include "registrar/registrar.h"
#include "store/location_store.h"
#include "store/subscriber.h"

namespace sipedge::cp {

// Both clocks at one instant: unix time for expiry, monotonic for timers/RTT.
struct Now {
  std::int64_t unix_ms = 0;
  std::int64_t mono_us = 0;
};

class Outbox {
 public:
  virtual ~Outbox() = default;
  // False when the message could not be queued (not connected, queue full).
  virtual bool send(const punt::Header& header, std::string_view payload) = 0;
};

// Held 200 OKs become 500s after this many failed flushes in a row.
inline constexpr std::uint32_t kStoreFailuresBefore500 = 3;

class ControlPlane final : private KeepaliveSink {
 public:
  // `subscribers` may be null unless config.registrar.auth. Store, subscriber
  // store and outbox must outlive this object.
  ControlPlane(const config::Config& config, store::LocationStore& store, const store::SubscriberStore* subscribers,
               Outbox& outbox);
  ~ControlPlane() override;
  ControlPlane(const ControlPlane&) = delete;
  ControlPlane& operator=(const ControlPlane&) = delete;

  // Loads the bindings from the store (registrations survive a restart of
  // sipedge-cp) and schedules their keepalives.
  store::LoadResult start(Now now);

  // One datagram from the dataplane.
  void on_message(std::span<const std::uint8_t> datagram, Now now);
  void end_turn(Now now);
  void tick(Now now);

  void on_connected() { counters_.add(Counter::punt_connects); }
  void on_disconnected() { counters_.add(Counter::punt_disconnects); }

  // Prometheus text exposition of every counter and gauge.
  std::string metrics_text() const;

  Counters& counters() { return counters_; }
  const Counters& counters() const { return counters_; }
  const KeepaliveEngine& keepalive() const { return keepalive_; }
  const registrar::Registrar& registrar() const { return registrar_; }
  const RegisterProxy& register_proxy() const { return register_proxy_; }
  std::uint64_t dataplane_generation() const { return generation_; }
  std::size_t held() const { return hold_.size(); }

 private:
  struct Held {
    store::Endpoint to;
    std::string text;
    std::string failure_text;
  };

  void on_punt(const punt::Message& msg, Now now);
  void on_register(const punt::Message& msg, const sip::Message& sip, Now now);
  // registrar.mode = "proxy": absorb the refresh, or send it on (DISPATCH).
  void on_register_proxy(const punt::Message& msg, const sip::Message& sip, const registrar::Source& source, Now now);
  // The registrar's answer to a REGISTER we sent on.
  void on_register_reply(const sip::Message& sip, Now now);
  void on_lookup(const punt::Message& msg, const sip::Message& sip, Now now);
  // A NAT-flagged initial request: the far-end NAT fix, then DISPATCH.
  void on_nat_request(const punt::Message& msg, const sip::Message& sip);
  void on_keepalive_reply(const sip::Message& sip, Now now);
  // Answers `request` with a status of our own, from the address it reached.
  void reply_from_edge(const punt::Message& msg, const sip::Message& request, std::uint16_t status,
                       std::string_view reason, Now now);
  bool tx(store::Endpoint from, store::Endpoint to, std::string_view bytes);

  // KeepaliveSink
  void send(const store::Endpoint& from, const store::Endpoint& to, std::string_view bytes) override;
  void missed(std::string_view aor, std::string_view contact, std::uint32_t failures) override;
  void failed(std::string_view aor, std::string_view contact) override;

  const config::Config& config_;
  store::LocationStore& store_;
  Outbox& outbox_;
  sip::Limits limits_;
  store::Endpoint vip_;
  std::uint32_t inside_address_ = 0;  // first inside port's address: the Record-Route back in
  registrar::Registrar registrar_;
  RegisterProxy register_proxy_;  // used in registrar proxy mode only
  registrar::FloodLimiter flood_;
  registrar::DurabilityHold<Held> hold_;
  KeepaliveEngine keepalive_;
  store::SubscriptionId subscription_ = 0;
  Counters counters_;
  std::uint64_t generation_ = 0;  // config generation from the dataplane's HELLO
  std::int64_t last_expire_s_ = 0;
};

// The edge's Via branch for a request it forwards (dataplane/proxy/branch.h
// format: kProxyBranchPrefix + node id (2 hex) + 16 hex), deterministic per
// transaction so retransmissions get the same branch.
std::string proxy_branch(std::uint8_t node_id, const sip::Message& request, const sip::Via& top_via);

}  // namespace sipedge::cp
