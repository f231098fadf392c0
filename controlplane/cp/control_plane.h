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
//   - The dataplane's counters: a STATS request once a second while
//     connected (tick()); only the reply to the newest request is taken, into
//     dp_stats() and the per-second CPS history (cp/stats_history.h). The
//     names are dp::stat_names() of the config the dataplane runs (this
//     process's, then each one staged by a reload, see stage_config()).
//   - RELOAD on request (request_reload()); the dataplane's reply carries the
//     config generation, not our cookie, so replies are counted in order.
//   - Destination probing (cp/probe.h): probes from the inside address,
//     kFlagProbeReply replies, STATE to the dataplane on every change and
//     for every destination on HELLO or a new config generation.
//
//   - Destination states (probe verdict, set-state override) saved to the
//     SQLite file at the end of the turn they changed in, restored by start().
//
// Thread-safety: none; everything runs on the event loop thread.
// Errors: nothing the dataplane sends can throw out of on_message(); bad
// input is counted. Cold path: allocates.
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "config/config.h"
#include "cp/counters.h"
#include "cp/keepalive.h"
#include "cp/stats_history.h"
#include "cp/probe.h"
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

class ControlPlane final : private KeepaliveSink, private ProbeSink {
 public:
  // `subscribers` may be null unless config.registrar.auth. Store, subscriber
  // store and outbox must outlive this object.
  // `destination_states` (may be null: nothing survives a restart) keeps the
  // probes' verdicts and the operator's overrides across restarts.
  ControlPlane(const config::Config& config, store::LocationStore& store, const store::SubscriberStore* subscribers,
               Outbox& outbox, store::SqliteDestinationStates* destination_states = nullptr);
  ~ControlPlane() override;
  ControlPlane(const ControlPlane&) = delete;
  ControlPlane& operator=(const ControlPlane&) = delete;

  // Loads the bindings from the store (registrations survive a restart of
  // sipedge-cp) and schedules their keepalives; restores the destinations'
  // saved probe verdicts and operator overrides before the first probe.
  store::LoadResult start(Now now);

  // One datagram from the dataplane.
  void on_message(std::span<const std::uint8_t> datagram, Now now);
  void end_turn(Now now);
  void tick(Now now);

  void on_connected();
  void on_disconnected();

  // A config re-read by sipedge-cp's reload (cp/reload_check.h refused what
  // needs a restart) takes over once the dataplane runs the same file, i.e.
  // on its successful RELOAD reply or its next HELLO; a failed reload drops
  // it. Then, all at once: its dispatcher sets replace the ones probed,
  // pushed and shown (ProbeEngine::replace_sets keeps the state of
  // destinations that stayed); registrar (expiry limits, auth, realm,
  // domains, mode, absorb_refreshes, flood_rate), NAT tests and rules,
  // keepalive (method, failures, from_user; a new interval re-spreads every
  // binding over the new wheel), probe timers and thresholds, SIP size limits
  // apply to what comes next. config() and config_serial() tell the loop
  // (metrics.listen, token, dashboard).
  void stage_config(config::Config next) { staged_ = std::move(next); }
  // The config in effect, and how many reloads replaced it.
  const config::Config& config() const { return *config_; }
  std::uint64_t config_serial() const { return config_serial_; }
  // The dispatcher sets as the dataplane runs them.
  const std::vector<config::SetConfig>& sets() const { return sets_; }

  // Asks the dataplane to reload its config; false when it cannot be sent.
  // The answer arrives later: reload_replies() grows, last_reload_ok() says how it went.
  bool request_reload();
  std::uint64_t reload_replies() const { return reload_replies_; }
  bool last_reload_ok() const { return last_reload_ok_; }

  // The dataplane's counters from its last STATS reply (polled once a
  // second while connected), named as dp::stat_names() names them.
  const StatsHistory& history() const { return history_; }
  const std::vector<std::string>& dp_stat_names() const { return dp_stat_names_; }
  const std::vector<std::uint64_t>& dp_stats() const { return dp_stats_; }
  std::int64_t dp_stats_unix_ms() const { return dp_stats_unix_ms_; }  // 0: never
  bool dp_connected() const { return connected_; }

  // Prometheus text exposition of every counter and gauge.
  std::string metrics_text() const;

  Counters& counters() { return counters_; }
  const Counters& counters() const { return counters_; }
  const KeepaliveEngine& keepalive() const { return keepalive_; }
  const ProbeEngine& probe() const { return probe_; }
  // Operator override (sipedgectl set-state): see ProbeEngine::set_admin.
  AdminResult set_destination_admin(std::string_view which, bool down) { return probe_.set_admin(which, down, *this); }
  const registrar::Registrar& registrar() const { return registrar_; }
  const RegisterProxy& register_proxy() const { return register_proxy_; }
  std::uint64_t dataplane_generation() const { return generation_; }
  std::size_t held() const { return hold_.size(); }

 private:
  // This node sends the binding's NAT keepalives (a shared store: it owns it).
  bool keeps_alive(const store::Binding& b) const;
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
  void on_keepalive_reply(const punt::Message& msg, const sip::Message& sip, Now now);
  void handle_keepalive_reply(const sip::Message& sip, Now now, std::int64_t late_us);
  // Keepalive replies other nodes received for this node's keepalives (anycast).
  void take_handed_over_replies(Now now);
  void on_stats_reply(const punt::Message& msg, Now now);
  // The staged config's sets take over (stage_config()).
  void apply_staged(Now now);
  void locate_cps_stats();
  // The dataplane runs config generation `generation`: every state again.
  void on_generation(std::uint64_t generation);
  // A NAT-flagged initial request: the far-end NAT fix, then DISPATCH.
  void on_nat_request(const punt::Message& msg, const sip::Message& sip);
  // Answers `request` with a status of our own, from the address it reached.
  void reply_from_edge(const punt::Message& msg, const sip::Message& request, std::uint16_t status,
                       std::string_view reason, Now now);
  bool tx(store::Endpoint from, store::Endpoint to, std::string_view bytes);

  // KeepaliveSink
  void send(const store::Endpoint& from, const store::Endpoint& to, std::string_view bytes) override;
  void missed(std::string_view aor, std::string_view contact, std::uint32_t failures) override;
  void failed(std::string_view aor, std::string_view contact) override;
  // ProbeSink
  bool send_probe(const store::Endpoint& from, const store::Endpoint& to, std::string_view bytes) override;
  void state_changed(const DestinationHealth& d) override;
  void verdict_changed(const DestinationHealth& d) override;
  // The destinations' states to the SQLite file when they changed (end_turn).
  void save_destination_states(Now now);
  void restore_destination_states(Now now);

  const config::Config* config_;  // the caller's, then owned_config_ after a reload
  std::unique_ptr<const config::Config> owned_config_;
  std::uint64_t config_serial_ = 0;  // configs taken over by reloads
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
  ProbeEngine probe_;  // after counters_, which it counts into
  std::uint64_t generation_ = 0;  // config generation from the dataplane's HELLO
  std::int64_t last_expire_s_ = 0;
  bool connected_ = false;
  StatsHistory history_;
  std::vector<std::string> dp_stat_names_;
  std::vector<std::uint64_t> dp_stats_;
  std::size_t calls_at_ = 0;  // positions of calls and cps_breaches in dp_stat_names_
  std::size_t breaches_at_ = 0;
  std::int64_t dp_stats_unix_ms_ = 0;
  std::int64_t last_stats_poll_s_ = 0;
  std::uint64_t stats_cookie_ = 0;  // of the STATS request in flight; older replies are ignored
  std::uint64_t reload_replies_ = 0;
  bool last_reload_ok_ = false;
  std::optional<config::Config> staged_;
  std::vector<config::SetConfig> sets_;
  store::SqliteDestinationStates* destination_states_ = nullptr;
  bool destination_states_dirty_ = false;
  std::uint8_t refused_peer_version_ = 0;  // punt version of a peer last refused, logged once
  std::int64_t destination_states_retry_ms_ = 0;  // after a failed write: not before this (unix ms)
};

// The edge's Via branch for a request it forwards (dataplane/proxy/branch.h
// format: kProxyBranchPrefix + node id (2 hex) + 16 hex), deterministic per
// transaction so retransmissions get the same branch.
std::string proxy_branch(std::uint8_t node_id, const sip::Message& request, const sip::Via& top_via);

}  // namespace sipedge::cp
