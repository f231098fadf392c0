#pragma once
// sipedge::store::LocationStore — where registrations live.
//
// Model: every backend keeps the whole location table in memory (an index
// aor -> bindings); reads (lookup, find, for_each) are served from it and never
// touch the disk or the network. Writes change the memory index at once and
// are queued for durability; flush() makes everything queued so far durable
// (SQLite: one transaction) and reports the highest sequence number that is
// now durable.
//
// Completion model (a REGISTER is answered 200 only once durable):
//   1. each mutating call returns the Sequence it was given (sequences start
//      at 1 and only grow; a call that changed nothing returns 0);
//   2. the caller holds its 200 OK until durable_sequence() >= that sequence
//      (registrar::DurabilityHold does the bookkeeping);
//   3. the event loop calls flush() once per turn (after handling the turn's
//      REGISTERs), then releases what became durable.
// A failed flush keeps every queued write (nothing is lost), counts the
// failure, reports it in FlushResult and is retried by the next flush(); the
// held 200s stay held (the cp may answer 500 after a few failed turns).
//
// Queue bound: the queue is a set of dirty bindings, not a log: several writes
// to one (aor, contact) before a flush collapse into one, and flush() writes
// each dirty binding's current memory state (or deletes it). So even a store
// that stays down cannot queue more rows than there are bindings.
//
// Change notifications: subscribe() callbacks run synchronously inside the
// mutating call (after the index changed), for local writes, for expiry and,
// with a networked backend, for changes other nodes made. They must not call
// mutating store methods.
//
// Networked backends (Redis, the cluster issue): the same interface; flush()
// then sends the queued writes (pipelined) and returns without waiting,
// durable_sequence() advances when the server acknowledges (poll()), and
// remote changes arrive through poll() as Change{origin = remote}.
//
// Thread-safety: none. A store is owned by the control plane's event loop
// thread; every call, including reads, comes from that thread.
// Errors: mutating and read calls do not fail (memory only); flush() and
// load_all() report backend errors in their result and never throw. Opening a
// backend (constructors / open functions) may throw std::runtime_error.
// Views: spans and pointers returned by reads are valid until the next
// mutating call (upsert, remove*, expire, load_all, poll).
#include <cstddef>
#include <cstdint>
#include <functional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "store/binding.h"

namespace sipedge::store {

using Sequence = std::uint64_t;

enum class ChangeKind : std::uint8_t {
  added,    // a new (aor, contact)
  updated,  // an existing (aor, contact) got new values (refresh)
  removed,  // removed on request (expires=0, '*', unregister, replaced instance)
  expired,  // removed by expire() or dropped at load
};

enum class ChangeOrigin : std::uint8_t { local, remote };

struct Change {
  ChangeKind kind = ChangeKind::added;
  ChangeOrigin origin = ChangeOrigin::local;
  const Binding& binding;  // new value for added/updated, the old value for removed/expired
};

using ChangeCallback = std::function<void(const Change&)>;
using SubscriptionId = std::uint32_t;

struct FlushResult {
  bool ok = true;               // false: nothing of this flush became durable; all stays queued
  std::size_t written = 0;      // rows written (upserts + deletes) when ok
  Sequence durable = 0;         // durable_sequence() after the call
  std::uint32_t consecutive_failures = 0;  // failed flushes in a row, 0 when ok
  std::string error;            // backend message when !ok
};

struct LoadResult {
  bool ok = true;
  std::size_t loaded = 0;   // bindings now in memory
  std::size_t dropped = 0;  // expired rows dropped (deletion queued)
  std::string error;
};

// Monotonic counters since construction (for /metrics).
struct StoreStats {
  std::uint64_t upserts = 0;
  std::uint64_t removes = 0;
  std::uint64_t expired = 0;
  std::uint64_t flushes = 0;           // flush() calls that wrote something
  std::uint64_t flush_failures = 0;
  std::uint64_t rows_written = 0;
  std::uint64_t retried_rows = 0;      // rows written again after a failed flush
};

struct ForwardedReply {
  std::string bytes;                   // the SIP response as received
  std::int64_t received_unix_us = 0;  // when the receiving node got it
};

class LocationStore {
 public:
  virtual ~LocationStore() = default;
  LocationStore() = default;
  LocationStore(const LocationStore&) = delete;
  LocationStore& operator=(const LocationStore&) = delete;

  // ---- reads (memory) ----
  // Bindings of one AOR (any order); empty when none. Expired bindings that
  // expire() has not collected yet are included: filter with Binding::expired.
  virtual std::span<const Binding> lookup(std::string_view aor) const = 0;
  virtual const Binding* find(std::string_view aor, std::string_view contact) const = 0;
  virtual void for_each(const std::function<void(const Binding&)>& visit) const = 0;
  virtual std::size_t binding_count() const = 0;
  virtual std::size_t aor_count() const = 0;

  // ---- writes (memory now, durable after flush) ----
  // Inserts or replaces the binding (aor, contact). Its keepalive state is
  // kept when the received address is unchanged, else reset.
  virtual Sequence upsert(Binding binding) = 0;
  // 0 when there was no such binding.
  virtual Sequence remove(std::string_view aor, std::string_view contact) = 0;
  virtual Sequence remove_all(std::string_view aor) = 0;
  // Removes every binding with expires_at <= now (reported as expired).
  // Returns how many. Cost: O(expired * log n), not a scan.
  virtual std::size_t expire(std::int64_t now) = 0;
  // Updates the memory-only keepalive state; false when the binding is gone.
  virtual bool set_keepalive(std::string_view aor, std::string_view contact, const KeepaliveState& state) = 0;

  // ---- durability ----
  // Makes every queued write durable (see the completion model above).
  virtual FlushResult flush() = 0;
  // Highest sequence known durable.
  virtual Sequence durable_sequence() const = 0;
  // Highest sequence handed out; == durable_sequence() when nothing is queued.
  virtual Sequence last_sequence() const = 0;
  // Dirty bindings waiting for flush().
  virtual std::size_t pending() const = 0;
  // Replaces the memory index by the backend's content (start-up; queued
  // writes are discarded). Rows expired at `now` are dropped and their
  // deletion queued for the next flush(). Fires no change callbacks for the
  // loaded rows (the caller iterates with for_each to schedule them). On
  // failure the memory index is unchanged.
  virtual LoadResult load_all(std::int64_t now) = 0;
  // Networked backends: process I/O completions (acks, remote changes).
  // No-op for local backends.
  virtual void poll() {}
  // Networked backends: an fd that becomes readable when poll() has work
  // (the event loop adds it to its epoll set); -1 for local backends.
  virtual int poll_fd() const { return -1; }

  // Shared backends (Redis): other nodes' bindings are in this store too, and
  // only the binding's owner node keeps it alive.
  virtual bool shared() const { return false; }
  // Networked backends: connected, so writes and other nodes' changes flow
  // (the node's health verdict, cp/health.h). Local backends: always.
  virtual bool reachable() const { return true; }

  // Shared backends: hands a reply that arrived here to the node `owner`
  // waiting for it (anycast: the UA's answer may reach any node). False when
  // it cannot be sent now (not connected; the owner then counts a miss).
  virtual bool forward_reply(NodeId /*owner*/, std::string_view /*bytes*/, std::int64_t /*received_unix_us*/) {
    return false;
  }
  // Replies other nodes handed to this node since the last call.
  virtual std::vector<ForwardedReply> take_forwarded_replies() { return {}; }

  // Backend-specific metrics (name, Prometheus type, help, value) for
  // /metrics; local backends have none.
  using MetricVisitor =
      std::function<void(std::string_view name, std::string_view type, std::string_view help, std::uint64_t value)>;
  virtual void backend_metrics(const MetricVisitor&) const {}

  // ---- notifications and stats ----
  virtual SubscriptionId subscribe(ChangeCallback callback) = 0;
  virtual void unsubscribe(SubscriptionId id) = 0;
  virtual const StoreStats& stats() const = 0;
};

}  // namespace sipedge::store
