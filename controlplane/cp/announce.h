#pragma once
// sipedge::cp::Announcer — the node's health verdict (cp/health.h) turned
// into the VIP route (README "Anycast"; design "Anycast"): while
// announce.enabled, BIRD's announce.protocol is enabled exactly while the
// verdict says announced (cp/bird_client.h), and a guardian process
// withdraws it if sipedge-cp dies or stalls (cp/guardian.h).
//
// Drain (sipedgectl drain, POST /api/drain): the node turns unhealthy
// ("draining") so the route is withdrawn first; the dataplane keeps serving
// whatever still arrives (in-dialog requests, responses, keepalive answers,
// initial requests routed here while the network converges) for the grace
// period; the status shows what still arrives per second and, once the
// grace is over, that the node can stop. Undrain reverses it (the hold-down
// applies again). Draining is not persisted: a restarted sipedge-cp starts
// withdrawn and waits out the hold-down anyway.
//
// Fed once per loop tick from what ControlPlane already knows (punt socket,
// STATS replies, probe states) and the store's reachable(). Thread-safety:
// none (the event loop thread). Cold path: allocates.
#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "config/config.h"
#include "cp/bird_client.h"
#include "cp/control_plane.h"
#include "cp/guardian.h"
#include "cp/health.h"
#include "cp/json.h"
#include "store/location_store.h"

namespace sipedge::cp {

class Announcer {
 public:
  // `watch` registers the BIRD socket with the caller's epoll (BirdClient::Watch).
  // With announce.enabled it forks the guardian (before any thread exists).
  Announcer(const config::Config& config, const ControlPlane& cp, const store::LocationStore& store,
            BirdClient::Watch watch);

  void tick(Now now);
  void on_bird_events(std::uint32_t events, Now now);
  int bird_fd() const { return bird_ ? bird_->fd() : -1; }
  pid_t guardian_pid() const { return guardian_.pid(); }

  // Starts a drain (again: restarts its grace); `grace_s` nullopt: announce.drain_grace.
  void drain(std::optional<std::uint32_t> grace_s, Now now);
  void undrain(Now now);

  bool enabled() const { return config_.announce.enabled; }
  bool announced() const { return enabled() && verdict_.announced(); }
  bool draining() const { return draining_; }
  const HealthVerdict& verdict() const { return verdict_; }
  const HealthInputs& inputs() const { return inputs_; }

  std::string metrics_text() const;
  Json status_document(Now now) const;  // the "announce" member of /api/stats, and /api/drain
  std::string status_json(Now now) const;
  std::string status_text(Now now) const;

 private:
  bool destinations_enough() const;
  void sample_arrivals(Now now);

  const config::Config& config_;
  const ControlPlane& cp_;
  const store::LocationStore& store_;
  std::unique_ptr<BirdClient> bird_;
  Guardian guardian_;
  HealthVerdict verdict_;
  WorkerHeartbeat heartbeat_;
  HealthInputs inputs_;
  bool was_connected_ = false;
  std::int64_t stats_seen_unix_ms_ = 0;
  bool draining_ = false;
  std::int64_t drain_started_us_ = 0;
  std::int64_t drain_until_us_ = 0;
  // What still arrives: the dataplane's rx_packets per second between the last two STATS replies.
  std::optional<std::uint64_t> last_rx_;
  std::int64_t last_rx_us_ = 0;
  double arriving_pps_ = 0;
  std::string guardian_error_;
  std::int64_t guardian_checked_us_ = 0;
};

}  // namespace sipedge::cp
