#pragma once
// sipedge::cp::HealthVerdict — whether this node may hold the anycast VIP
// (design "Anycast"; README "Anycast"). The node is healthy when, all at once:
//   - the dataplane is connected and every worker polls (WorkerHeartbeat:
//     each worker's poll_cycles counter in the STATS replies advanced within
//     announce.heartbeat_timeout_ms; a socket alone says nothing of workers);
//   - the location store is reachable where the cluster needs it (redis);
//   - each of announce.sets has at least announce.min_up destinations up;
//   - the node is not draining.
// The first failing condition, in that order, is the reason of a withdrawal.
//
// Hold-down: a withdrawal is immediate (the update() that sees the node
// unhealthy); an announcement needs announce.hold_down seconds of unbroken
// health first, so a flapping server pool cannot flap the route. The start
// of sipedge-cp counts as a withdrawal: the first announcement also waits.
//
// Pure: no clock, no sockets (the caller passes monotonic microseconds), so
// unit tests drive it with a fake clock. Thread-safety: none.
#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace sipedge::cp {

// clang-format off
// X(enumerator, label): why the route was announced or withdrawn.
#define SIPEDGE_ANNOUNCE_REASONS(X) \
  X(healthy,           "healthy")           \
  X(dataplane_down,    "dataplane_down")    \
  X(worker_stalled,    "worker_stalled")    \
  X(store_down,        "store_down")        \
  X(destinations_down, "destinations_down") \
  X(draining,          "draining")
// clang-format on

enum class AnnounceReason : std::uint8_t {
#define SIPEDGE_X(id, label) id,
  SIPEDGE_ANNOUNCE_REASONS(SIPEDGE_X)
#undef SIPEDGE_X
};
inline constexpr std::array kAnnounceReasonNames = {
#define SIPEDGE_X(id, label) std::string_view{label},
    SIPEDGE_ANNOUNCE_REASONS(SIPEDGE_X)
#undef SIPEDGE_X
};
inline constexpr std::size_t kAnnounceReasonCount = kAnnounceReasonNames.size();
constexpr std::string_view name(AnnounceReason r) { return kAnnounceReasonNames[static_cast<std::size_t>(r)]; }

struct HealthInputs {
  bool dataplane_connected = false;
  bool workers_polling = false;
  bool store_reachable = true;
  bool destinations_enough = false;
  bool draining = false;
};

// The first failing condition, or healthy.
AnnounceReason judge(const HealthInputs& in);

class HealthVerdict {
 public:
  explicit HealthVerdict(std::int64_t hold_down_us) : hold_down_us_(hold_down_us) {}

  // Takes the inputs at `now_us`; true when the announced state changed
  // (announced() and reason() then say how and why).
  bool update(const HealthInputs& in, std::int64_t now_us);

  bool announced() const { return announced_; }
  // Why the state is what it is: healthy when announced; the failing
  // condition when withdrawn (healthy while waiting out the hold-down).
  AnnounceReason reason() const { return reason_; }
  // Microseconds of hold-down left before announcing (0 when announced or unhealthy).
  std::int64_t hold_down_left_us(std::int64_t now_us) const;
  const std::array<std::uint64_t, kAnnounceReasonCount>& transitions() const { return transitions_; }

 private:
  std::int64_t hold_down_us_;
  bool announced_ = false;
  bool healthy_ = false;
  std::int64_t healthy_since_us_ = 0;
  AnnounceReason reason_ = AnnounceReason::dataplane_down;
  std::array<std::uint64_t, kAnnounceReasonCount> transitions_{};
};

// Every dataplane worker's loop is alive: its worker_<n>_poll_cycles counter
// (dp::stat_names) advanced within `timeout_us`. Fed each STATS reply;
// reset() on (re)connection, after which every worker must show progress
// between two replies before it counts as polling.
class WorkerHeartbeat {
 public:
  explicit WorkerHeartbeat(std::int64_t timeout_us) : timeout_us_(timeout_us) {}

  void reset();
  // One STATS reply received at `now_us`: names and values as ControlPlane keeps them.
  void on_stats(const std::vector<std::string>& names, const std::vector<std::uint64_t>& values, std::int64_t now_us);
  bool polling(std::int64_t now_us) const;
  std::size_t workers() const { return workers_.size(); }
  // Workers whose counter stood still longer than the timeout (for the status).
  std::size_t stalled(std::int64_t now_us) const;

 private:
  struct Worker {
    std::uint64_t last = 0;
    std::int64_t progressed_us = -1;  // -1: no progress seen since reset()
  };
  std::int64_t timeout_us_;
  std::vector<Worker> workers_;
  bool seen_ = false;
};

}  // namespace sipedge::cp
