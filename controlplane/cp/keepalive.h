#pragma once
// sipedge::cp::KeepaliveEngine — NAT keepalives for NAT-flagged bindings
// (design: "Control plane"). Every binding gets one keepalive per interval,
// sent from the address its REGISTER reached (the VIP) to its received
// address, so the UA's NAT pinhole towards the VIP stays open.
//
// Spreading: a timer wheel with one slot per tick (kTickMs) covering one
// interval. A binding's slot is a hash of (aor, contact), so it is stable
// across refreshes and restarts, and a million bindings land evenly over the
// interval instead of in bursts at the second they registered or at start-up.
// advance() walks the slots whose time has come since the last call (at most
// one full turn, so a clock jump never sends more than one round).
//
// Methods: `options` sends SIP OPTIONS whose top Via branch starts with
// kKeepaliveBranchPrefix (the dataplane punts the replies); an OPTIONS not
// answered by the binding's next turn is a failure, `failures` in a row remove
// the binding. `crlf` and `null` send CRLFCRLF or 4 zero bytes, which get no
// answer to measure, so they never fail.
//
// Thread-safety: none (event loop thread). Cost: O(1) per add/remove/reply,
// O(bindings in the slot) per tick; allocates (cold-ish path, one string per
// OPTIONS).
#include <array>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "config/config.h"
#include "sip/message.h"
#include "store/binding.h"

namespace sipedge::cp {

// Same values as dataplane/proxy/branch.h (the dataplane owns the format; the
// control plane does not link the proxy library, so they are repeated here
// and a unit test pins them).
inline constexpr std::string_view kKeepaliveBranchPrefix = "z9hG4bKsk";
inline constexpr std::string_view kProxyBranchPrefix = "z9hG4bKse";

inline constexpr std::int64_t kTickMs = 100;

// RTT histogram bucket upper bounds in milliseconds (Prometheus `le`).
inline constexpr std::array<std::uint32_t, 10> kRttBucketsMs = {5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000};

struct KeepaliveOptions {
  config::KeepaliveMethod method = config::KeepaliveMethod::kOptions;
  std::int64_t interval_ms = 30000;
  std::uint32_t failures = 3;
  std::string from_user = "sipedge";
  store::Endpoint vip;  // Via/From host when a binding has no local address
  // Stamped in the top byte of the branch's id, so a reply that lands on
  // another anycast node names the node waiting for it (keepalive_owner()).
  std::uint8_t node_id = 0;
};

// The node that sent the keepalive `reply` answers (from its branch), or -1
// when the branch is not a well-formed keepalive branch.
int keepalive_owner(const sip::Message& reply);

struct KeepaliveStats {
  std::uint64_t sent = 0;
  std::uint64_t answered = 0;
  std::uint64_t failed = 0;
  std::uint64_t removed = 0;
  std::uint64_t stray = 0;
  std::array<std::uint64_t, kRttBucketsMs.size() + 1> rtt_buckets{};  // last = +Inf
  std::uint64_t rtt_sum_us = 0;
};

// What advance() and on_reply() hand back.
class KeepaliveSink {
 public:
  virtual ~KeepaliveSink() = default;
  // Send `bytes` from `from` (0.0.0.0:0 = the VIP) to `to`.
  virtual void send(const store::Endpoint& from, const store::Endpoint& to, std::string_view bytes) = 0;
  // An OPTIONS went unanswered; `failures` in a row so far.
  virtual void missed(std::string_view aor, std::string_view contact, std::uint32_t failures) = 0;
  // The binding failed `failures` keepalives in a row: remove it.
  virtual void failed(std::string_view aor, std::string_view contact) = 0;
};

struct ReplyMatch {
  std::string aor;
  std::string contact;
  store::KeepaliveState state;
};

class KeepaliveEngine {
 public:
  explicit KeepaliveEngine(KeepaliveOptions options);

  // Starts or updates keepalives for a binding (keeps its slot and failure
  // count unless the received address changed). Non-NAT bindings and the
  // `off` method are ignored.
  void add(const store::Binding& binding);
  void remove(std::string_view aor, std::string_view contact);

  // Sends what is due up to `now_us` (a monotonic clock in microseconds).
  void advance(std::int64_t now_us, KeepaliveSink& sink);

  // A punted reply: true when its branch is one of our outstanding OPTIONS;
  // `out` gets the binding and its new keepalive state (RTT, failures 0).
  // `now_us` on advance()'s clock; `unix_ms` stamps last_ok_ms.
  // `late_us`: how long ago the reply actually arrived (it was handed over
  // from another node), subtracted from the RTT.
  bool on_reply(const sip::Message& reply, std::int64_t now_us, std::int64_t unix_ms, ReplyMatch& out,
                std::int64_t late_us = 0);

  // A reload's options. A new interval re-spreads every binding over the new
  // wheel (same hash placement as add(), so even again); a new method
  // restarts the failure counts; `off` drops every binding (add() takes them
  // back once a later reload turns keepalives on). node_id and vip stay.
  void reconfigure(KeepaliveOptions options);

  std::size_t size() const { return ids_.size(); }
  std::size_t slot_count() const { return slots_.size(); }
  // Bindings placed in slot i (for tests and the bench).
  std::size_t slot_load(std::size_t i) const;
  const KeepaliveStats& stats() const { return stats_; }
  const KeepaliveOptions& options() const { return options_; }

 private:
  struct Entry {
    std::uint64_t id = 0;  // 0 = free cell
    std::string aor;
    std::string contact;
    store::Endpoint received;
    store::Endpoint local;
    std::uint32_t slot = 0;
    std::uint32_t sequence = 0;     // of the last OPTIONS sent
    bool outstanding = false;       // last OPTIONS not answered yet
    std::int64_t sent_us = 0;      // monotonic
    std::uint32_t failures = 0;
  };
  static std::string key_of(std::string_view aor, std::string_view contact);
  // The live entry with this id, or null (removed, reused cell, forged id).
  const Entry* find(std::uint64_t id) const;
  Entry* find(std::uint64_t id) { return const_cast<Entry*>(std::as_const(*this).find(id)); }
  void release(Entry& e);
  void run_slot(std::size_t slot, std::int64_t now_us, KeepaliveSink& sink, std::vector<std::uint64_t>& failed);
  std::string options_text(const Entry& e, std::uint64_t id) const;

  KeepaliveOptions options_;
  std::vector<std::vector<std::uint64_t>> slots_;  // entry ids; stale ids are skipped and compacted
  // Dense cells, not a node-based map: at a million bindings each slot walk
  // touches one cache line per entry instead of a bucket and a node. An id is
  // (serial << 32 | cell) with a 24-bit serial (the branch's top byte is the
  // node id), so a late reply to a removed binding never matches the binding
  // that reuses its cell (unless 16M adds happened in between).
  std::vector<Entry> entries_;
  std::vector<std::uint32_t> free_cells_;
  std::unordered_map<std::string, std::uint64_t> ids_;  // key_of(aor, contact) -> id
  std::uint32_t next_serial_ = 1;
  std::int64_t last_tick_ = -1;  // tick number (now / kTickMs) processed last
  KeepaliveStats stats_;
};

}  // namespace sipedge::cp
