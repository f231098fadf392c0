#pragma once
// sipedge::cp::ProbeEngine — destination probing (design: "Control plane").
// Every enabled destination of every dispatcher set gets one SIP OPTIONS (or
// INFO, [probe] method) per interval, sent from the node's own inside
// (unicast) address, never the anycast VIP, so the answer comes back to the
// node that asked and not to whichever node anycast picks.
//
// Spreading: destination i of N is first probed i/N of an interval after the
// first advance(), then every interval, so probes never leave in one burst.
//
// Matching: the top Via branch is kProbeBranchPrefix + set id (4 hex) +
// destination index (4 hex) + probe sequence (8 hex). A reply is counted only
// for the destination's outstanding probe (same sequence, before its
// timeout, from the destination's IP address); anything else (late,
// duplicate, spoofed) is stray and changes nothing.
//
// Verdicts: a final response other than 503 counts as alive (a server that
// answers 404 or 405 to OPTIONS parsed and answered it; a 503 says it refuses
// service: overload, or an operator draining it). 1xx are ignored. No final
// answer within timeout_ms, or a 503, is a failure. failures_down consecutive
// failures mark the destination down, successes_up consecutive successes
// bring it back. A probe that could not be handed to the dataplane (punt
// socket down) is neither: a missing dataplane says nothing about a server.
//
// Operator override: set_admin(which, down=true) forces a destination down
// whatever the probes say (they keep running, so its probe state stays
// known); set_admin(which, false) returns it to the probes' verdict.
// The state the dataplane gets is up() = enabled && probe_up && !admin_down;
// each change of it goes to ProbeSink::state_changed(), and push_all()
// re-sends every destination's state (on HELLO: a restarted dataplane starts
// all-up).
//
// Restart: states() is what survives a restart of sipedge-cp (the probes'
// verdict and the override, store/sqlite_destination_states.h) and restore()
// puts it back before the first probe: a destination restored down by the
// probes needs successes_up answered probes to come back, one forced down
// stays down until the operator clears it. ProbeSink::verdict_changed() says
// when states() changed.
//
// Reload: replace_sets() takes a re-read set list. A destination that stayed
// (same set name and URI, wherever it now sits in the list) keeps its probe
// verdict, operator override, counters and schedule; new ones start up and
// are spread over the next interval; removed ones are forgotten.
//
// Thread-safety: none (event loop thread). Cost: advance() is O(destinations)
// per call (a pool is tens to hundreds of servers, the loop ticks every
// 50 ms); on_reply() O(1). Allocates (cold path: one string per probe).
#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "config/config.h"
#include "cp/counters.h"
#include "cp/keepalive.h"
#include "sip/message.h"
#include "store/binding.h"
#include "store/sqlite_destination_states.h"

namespace sipedge::cp {

// Same value as dataplane/proxy/branch.h (pinned by a unit test).
inline constexpr std::string_view kProbeBranchPrefix = "z9hG4bKsp";
inline constexpr std::size_t kProbeBranchLength = kProbeBranchPrefix.size() + 4 + 4 + 8;

struct ProbeOptions {
  bool enabled = true;
  std::int64_t interval_ms = 10'000;
  std::int64_t timeout_ms = 2'000;  // < interval_ms (config validates it)
  std::uint32_t failures_down = 3;
  std::uint32_t successes_up = 2;
  std::string method = "OPTIONS";
  std::string from_user = "sipedge";
  store::Endpoint from;   // our inside address and SIP port: Via, From, and the TX source
  store::Endpoint from6;  // the same for IPv6 destinations (v6 unset: they are not probed, probes_unsent)

  // The source for a probe to `to`: `from` or `from6` by family.
  const store::Endpoint& source_for(const store::Endpoint& to) const { return to.v6 ? from6 : from; }
};

struct DestinationHealth {
  std::string set_name;
  std::uint16_t set_id = 0;
  std::uint16_t index = 0;  // position in the set's configured list (the dataplane's key)
  std::string uri;
  store::Endpoint address;
  bool enabled = true;     // [[set.destination]] enabled: disabled ones are never probed nor pushed
  bool probe_up = true;    // the probes' verdict; the dataplane starts all-up too
  bool admin_down = false;  // forced down by the operator
  std::uint32_t consecutive_failures = 0;
  std::uint32_t consecutive_successes = 0;
  std::uint32_t last_rtt_us = 0;
  bool answered_once = false;  // last_rtt_us is meaningful
  std::uint64_t probes_sent = 0;

  bool up() const { return enabled && probe_up && !admin_down; }

 private:
  friend class ProbeEngine;
  std::uint32_t sequence_ = 0;  // of the last probe sent
  bool outstanding_ = false;
  std::int64_t sent_us_ = 0;
  std::int64_t next_us_ = 0;
};

class ProbeSink {
 public:
  virtual ~ProbeSink() = default;
  // Send `bytes` from `from` to `to`; false when it could not be queued.
  virtual bool send_probe(const store::Endpoint& from, const store::Endpoint& to, std::string_view bytes) = 0;
  // d.up() changed (or push_all()): tell the dataplane.
  virtual void state_changed(const DestinationHealth& d) = 0;
  // d.probe_up or d.admin_down changed: what states() returns is new.
  virtual void verdict_changed(const DestinationHealth& d) { (void)d; }
};

struct ProbeStats {
  std::array<std::uint64_t, kRttBucketsMs.size() + 1> rtt_buckets{};  // last = +Inf
  std::uint64_t rtt_sum_us = 0;
  std::uint64_t rtt_count = 0;
};

enum class AdminResult : std::uint8_t { ok, not_found, disabled };

struct SetsChange {
  std::size_t kept = 0;
  std::size_t added = 0;
  std::size_t removed = 0;
};

class ProbeEngine {
 public:
  // `counters` gets probes_* and destination_* counts and must outlive this.
  ProbeEngine(ProbeOptions options, const std::vector<config::SetConfig>& sets, Counters& counters);
  // Destinations given already resolved, of either family (their `address`
  // decides v4 or v6; set_id/index unique): for sources other than the
  // config's sets, and tests.
  ProbeEngine(ProbeOptions options, std::vector<DestinationHealth> destinations, Counters& counters);

  // Sends what is due and times out what is overdue, up to `now_us`
  // (monotonic, microseconds).
  void advance(std::int64_t now_us, ProbeSink& sink);

  // A punted response from `source` (either family; the port is not
  // compared): true when it answered an outstanding probe (success or 503
  // failure).
  bool on_reply(const sip::Message& reply, const store::Endpoint& source, std::int64_t now_us, ProbeSink& sink);

  // state_changed() for every enabled destination.
  void push_all(ProbeSink& sink) const;

  // Destinations named by `which`: "SET/INDEX" (set name or id, 0-based
  // index as in /api/sets) or "IP:PORT" / "[IPv6]:PORT" (every set holding
  // that address).
  std::vector<std::size_t> find(std::string_view which) const;
  // Forces the named destinations down (down = true) or gives them back to
  // the probes; pushes what changed.
  AdminResult set_admin(std::string_view which, bool down, ProbeSink& sink);

  // The set list was re-read (reload): see the header comment. Pushes
  // nothing: the caller pushes every state for the dataplane's new config.
  SetsChange replace_sets(const std::vector<config::SetConfig>& sets, std::int64_t now_us);

  // A reload's timers and thresholds (`from` stays). A new interval
  // re-spreads the next probes over one interval from `now_us`; probing
  // turned off gives every destination back its probe_up (only the operator
  // can then hold one down). Pushes nothing (the caller pushes every state).
  void reconfigure(ProbeOptions options, std::int64_t now_us);

  // The verdict and override of every configured destination (restart).
  std::vector<store::DestinationState> states() const;
  // Takes the saved states of the destinations still configured (same set
  // name and URI); pushes nothing. Returns how many matched.
  std::size_t restore(const std::vector<store::DestinationState>& saved);

  std::span<const DestinationHealth> destinations() const { return destinations_; }
  const ProbeStats& stats() const { return stats_; }
  const ProbeOptions& options() const { return options_; }

  // The branch of probe `sequence` to destination (set_id, index).
  static std::string branch(std::uint16_t set_id, std::uint16_t index, std::uint32_t sequence);

 private:
  static std::vector<DestinationHealth> build(const std::vector<config::SetConfig>& sets);
  void index_keys();
  void send(DestinationHealth& d, std::int64_t now_us, ProbeSink& sink);
  void record(DestinationHealth& d, bool alive, ProbeSink& sink);
  void changed(const DestinationHealth& d, bool was_up, const char* why, ProbeSink& sink);
  std::string probe_text(const DestinationHealth& d) const;

  ProbeOptions options_;
  Counters& counters_;
  std::vector<DestinationHealth> destinations_;
  std::unordered_map<std::uint32_t, std::size_t> by_key_;  // set_id << 16 | index
  bool started_ = false;
  ProbeStats stats_;
};

}  // namespace sipedge::cp
