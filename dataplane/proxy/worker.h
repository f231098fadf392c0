#pragma once
// proxy::Worker — the SIP fast path of one worker lcore (design.md, "The fast
// path, message by message"): keepalive answers, REGISTER / NAT / location
// punts, CPS limiting, dispatch, stateless forwarding with Via and
// Record-Route, loose routing, responses by Via, stateless replies.
//
// One Worker per lcore, written only by it: its counters, round-robin
// cursors, random state, per-source CPS buckets and the small memory of
// recent INVITE transactions. The Snapshot is read-only and shared.
// process() never allocates, locks, throws or makes a system call.
#include <array>
#include <atomic>
#include <cstdint>
#include <span>

#include "dispatch/dispatcher_set.h"
#include "limit/cps_limiter.h"
#include "proxy/proxy.h"
#include "proxy/reply.h"
#include "proxy/snapshot.h"
#include "sip/error.h"
#include "sip/message.h"

namespace sipedge::proxy {

// A single-writer counter: the owning lcore increments it with a plain
// load/store (no locked add); other threads may read it at any time.
class Counter {
 public:
  void add(uint64_t n = 1) noexcept { v_.store(v_.load(std::memory_order_relaxed) + n, std::memory_order_relaxed); }
  uint64_t get() const noexcept { return v_.load(std::memory_order_relaxed); }

 private:
  std::atomic<uint64_t> v_{0};
};

struct WorkerCounters {
  std::array<Counter, kOutcomeCount> outcomes;
  std::array<Counter, sip::kParseErrorCount> parse_errors;
  std::array<Counter, kMaxCountedDestinations> destination_requests;  // initial requests sent per destination
  Counter calls;          // initial requests of a CPS-limited method that were admitted
  Counter cps_breaches;   // refused by a CPS limit (either action)
  Counter nat_detected;   // requests where a NAT test fired
};

struct WorkerOptions {
  uint32_t worker_id = 0;
  uint64_t random_seed = 1;
};

class Worker {
 public:
  // `cps` is this worker's view of the node's CPS limits (null: no limits).
  Worker(const WorkerOptions& options, limit::WorkerCpsLimiter* cps) noexcept;

  // Processes one UDP payload received on a SIP port. Writes at most
  // out.size() bytes; Verdict says what to do with them.
  Verdict process(const Snapshot& snap, const Inbound& in, std::span<char> out, uint64_t now_ns) noexcept;

  // Whether the control plane is connected; read by the dataplane once per
  // burst. Without it, packets that need it get the punt fallback.
  void set_control_plane_up(bool up) noexcept { control_plane_up_ = up; }

  // A reload brings new limits (swapped under RCU by the dataplane).
  void set_cps(limit::WorkerCpsLimiter* cps) noexcept { cps_ = cps; }

  const WorkerCounters& counters() const noexcept { return counters_; }
  uint32_t id() const noexcept { return worker_id_; }

 private:
  struct Target {
    Endpoint to;
    int set = -1;
    int destination = -1;
  };
  struct Recent {  // one recent INVITE transaction
    uint64_t transaction = 0;
    uint64_t expires_ns = 0;
    uint16_t set = 0;
    uint16_t destination = 0;
  };
  static constexpr std::size_t kRecentSlots = 4096;  // power of two
  static constexpr uint64_t kRecentLifetimeNs = 32'000'000'000;  // Timer B/F (64*T1) with margin

  // One request as the fast path sees it: the header values several steps
  // need, each parsed once per message (worker.cpp).
  struct Request;

  Verdict handle_keepalive(const Snapshot& snap, const Inbound& in, std::span<char> out) noexcept;
  Verdict route_response(const Snapshot& snap, const Inbound& in, const sip::Message& msg, const sip::Via& top,
                         std::span<char> out) noexcept;
  Verdict route_request(const Snapshot& snap, const Inbound& in, Request& rq, std::span<char> out,
                        uint64_t now_ns) noexcept;
  Verdict dispatch_request(const Snapshot& snap, const Inbound& in, Request& rq, std::span<char> out,
                           uint64_t now_ns) noexcept;
  Verdict forward(const Snapshot& snap, const Inbound& in, const Request& rq, const Target& target,
                  bool record_route, uint64_t transaction, Outcome outcome, std::span<char> out) noexcept;
  Verdict reply(const sip::Message& msg, const sip::Via& top, const Inbound& in, uint16_t code,
                std::string_view reason, uint32_t retry_after, Outcome outcome, std::span<char> out) noexcept;
  Verdict punt(const Snapshot& snap, const Inbound& in, const sip::Message& msg, const sip::Via& top, Outcome outcome,
               uint32_t nat_bits, std::span<char> out) noexcept;
  Verdict refuse_relay(const Snapshot& snap, const Inbound& in, const sip::Message& msg, const sip::Via& top,
                       std::span<char> out) noexcept;
  // 400 with a Warning for a request that parsed but breaks RFC 3261 25
  // (sip/strict.h); an ACK cannot be answered and is dropped.
  Verdict refuse_malformed(const sip::Message& msg, const sip::Via& top, const Inbound& in, sip::ParseError reason,
                           std::span<char> out) noexcept;
  // 513 for a request the parse refused at a size or count limit
  // (sip/oversized.h); anything it cannot answer is dropped by that reason.
  Verdict refuse_too_large(const Inbound& in, sip::ParseError reason, std::span<char> out) noexcept;
  // 416 or 420 (RFC 3261 16.3 steps 2 and 5); an ACK is dropped.
  Verdict refuse_unsupported(const sip::Message& msg, const sip::Via& top, const Inbound& in, const ReplySpec& spec,
                             Outcome outcome, std::span<char> out) noexcept;
  Verdict counted(Verdict v) noexcept;

  // The NAT tests that fire (kNatForced when a rule forces it), of the
  // configured ones limited to `only`.
  uint32_t nat_bits(const Snapshot& snap, const Inbound& in, const sip::Message& msg, const sip::Via& top,
                    uint32_t only = ~uint32_t{0}) const noexcept;
  int choose_set(const Snapshot& snap, const Inbound& in, Request& rq) const noexcept;
  const dispatch::Destination* pick(const Snapshot& snap, int set, Request& rq) noexcept;
  Recent* recall(uint64_t transaction, uint64_t now_ns) noexcept;
  void remember(uint64_t transaction, int set, int destination, uint64_t now_ns) noexcept;

  WorkerCounters counters_;
  uint32_t worker_id_;
  bool control_plane_up_ = false;
  std::array<dispatch::WrrCursor, 64> cursors_{};  // per set (sets beyond 64 share the last)
  dispatch::FastRandom random_;
  limit::WorkerCpsLimiter* cps_;
  std::array<Recent, kRecentSlots> recent_{};
};

}  // namespace sipedge::proxy
