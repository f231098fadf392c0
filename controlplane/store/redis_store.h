#pragma once
// sipedge::store::RedisStore — the shared backend: registrations of every
// edge node of a cluster live in one Redis (primary + replicas, optionally
// behind Sentinel), and every node keeps the whole table in its memory cache.
//
// Redis layout (prefix P, default "sipedge"):
//   P:b:{<aor>}:<contact>  string, the encoded binding (binding_codec.h), with
//                          EXAT = expires_at: Redis itself drops an expired
//                          binding even when every edge node is down. The
//                          hash tag {<aor>} puts an AOR's bindings in one slot.
//   P:lease:<node>         a node's keepalive-ownership lease (PX), renewed every lease/3
//   P:takeover:<node>      SET NX claim of a dead node's bindings (one taker wins)
//   P:replies:<node>       pub/sub channel: keepalive replies that reached
//                          another node, for the node that sent the keepalive
//                          (ns(received unix us) then the SIP bytes)
//   P:changes              pub/sub channel; each write publishes
//                          ns(node) ns(unix ms) ns("U") <binding>  or
//                          ns(node) ns(unix ms) ns("D") ns(aor) ns(contact)
//                          (ns = netstring) so peers update their caches
//                          without a read; the time stamp measures replication lag.
//
// Model (see location_store.h): reads come from the local cache and never
// wait for Redis (so lookups keep working, from the cache, while Redis is
// unreachable). Writes change the cache at once and mark the binding dirty;
// flush() pipelines SET/DEL + PUBLISH for every dirty binding (optionally
// followed by WAIT for replicas), writes them to the socket (as much as it
// takes without blocking; poll() writes the rest) and returns without
// waiting for the replies; a batch's
// sequence becomes durable when Redis has answered its last command, so a
// held 200 OK waits for the Redis acknowledgement. A batch that fails (error
// reply, connection lost) goes back to the dirty set and is written again
// (writes are idempotent: the binding's current value). While disconnected
// flush() fails ("not connected") and the dirty set, bounded by the number of
// bindings, is replayed on reconnect.
//
// (Re)connect: non-blocking connects, exponential backoff; with sentinels the
// primary's address is asked of the sentinels (in turn) before every attempt
// and ROLE must say "master", so after a failover the store follows the new
// primary without a restart. Sentinel push: one long-lived connection per
// sentinel holds SUBSCRIBE +switch-master (reconnected with backoff when
// lost, or when the sentinel does not confirm within reply_timeout_ms). The
// first sentinel to announce a switch of master_name (the failover's leader
// announces it before the others hear of it) moves both connections to the
// new primary at once, whether or not the old one still answers (a primary
// demoted by a manual failover keeps taking writes until Sentinel
// reconfigures it seconds later, and a killed one leaves the store asking
// sentinels that still name it). With no sentinel answering, the store
// behaves as without push: it moves when its connection fails. A switch
// missed while no sentinel was watched is caught that way too. Once both connections (commands, SUBSCRIBE) are
// up, the dirty set is written and a full resync (SCAN + GET) replaces the
// cache's view of other nodes' bindings; changes published meanwhile win
// over the snapshot. The resync never stalls the owner's loop: at most
// kResyncGetsInFlight GETs are outstanding (the next SCAN page is asked for
// once the previous page's keys are all asked for), each binding is applied
// as its GET reply arrives (the cache reserves DBSIZE AORs first, so a
// joining node does not rehash it over and over), and the bindings that
// vanished from Redis are found by a sweep of the cache's resync stamps
// (Binding::sync_epoch), kResyncSweepBuckets hash buckets per poll(), and
// removed kResyncGetsInFlight per poll(), the store's timer keeping
// poll_fd() readable meanwhile. So one poll() applies at most
// kResyncGetsInFlight bindings; synced() turns true once the sweep is done.
//
// Array mode (RedisOptions::array): the keys and channel above live under
// P:n:<node>; P:n:<node>:share is the set of node names allowed to read them,
// announced on P:shares. A node subscribes to and resyncs from its own
// namespace and those whose share set names it (rediscovered on every
// announcement), so a peer's bindings serve lookups here; the peer's own node
// keeps them alive, this node never writes them.
//
// Ownership: the node that accepted a binding's latest REGISTER owns it
// (Binding::owner) and alone sends its NAT keepalives. When an owner's lease
// lapses, the first node to claim P:takeover:<owner> rewrites every binding of
// that owner with itself as owner (ordinary writes, so every cache and
// keepalive schedule follows).
//
// Expiry: every node expires its cache on its own clock (expire()); Redis
// drops the key at the same unix second, so no delete is written for an expiry.
//
// Timeouts: a connect, or a write batch, unanswered for reply_timeout_ms
// drops the connection (requeue, reconnect), so a hung primary or a network
// partition turns held 200s into 500s instead of holding them.
//
// I/O: everything runs on a private epoll set whose fd (poll_fd()) the owner
// adds to its event loop; when it is readable, or at least every timer tick,
// the owner calls poll(). Nothing blocks.
//
// Thread-safety: none (one event-loop thread, like every LocationStore).
// Errors: the constructor throws std::runtime_error only when the epoll or
// timer fd cannot be created; Redis errors are counted (RedisStats) and
// reported by flush(), never thrown.
#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "store/indexed_store.h"
#include "store/location_store.h"

struct redisAsyncContext;

namespace sipedge::store {

struct RedisEndpoint {
  std::string host;
  std::uint16_t port = 0;
  bool operator==(const RedisEndpoint&) const = default;
};

struct RedisOptions {
  RedisEndpoint address{"127.0.0.1", 6379};  // used when `sentinels` is empty
  std::vector<RedisEndpoint> sentinels;      // asked in turn for master_name's primary
  std::string master_name;
  std::string password;  // AUTH when not empty
  std::uint32_t db = 0;
  std::string prefix = "sipedge";
  NodeId node_id = 0;                 // stamped in change messages; own messages are ignored
  std::uint32_t wait_replicas = 0;    // > 0: a batch is durable once this many replicas have it (WAIT)
  std::uint32_t wait_timeout_ms = 200;
  std::int64_t reconnect_min_ms = 50;
  std::int64_t reconnect_max_ms = 2000;
  std::uint32_t scan_count = 1000;    // SCAN COUNT hint during resync
  // Keepalive ownership: > 0 renews P:lease:<node_id> (PX lease_ms) every
  // lease_ms / 3 and takes over the bindings of owners whose lease lapsed.
  std::int64_t lease_ms = 0;
  // A connect (TCP + AUTH/ROLE/SUBSCRIBE) or a write batch unanswered this
  // long (plus wait_timeout_ms for batches) drops the connection: a primary
  // that hangs or a partition never holds 200 OKs beyond it.
  std::int64_t reply_timeout_ms = 2000;
  // Array sharing: this node writes only its own namespace P:n:<node_name>,
  // lets the `share_with` nodes read it, and reads (for lookups only) the
  // namespaces of the nodes that share with it. No leases, no takeovers.
  bool array = false;
  std::string node_name;
  std::vector<std::string> share_with;
};

// Monotonic counters since construction, and gauges (for /metrics).
struct RedisStats {
  std::uint64_t connects = 0;          // both connections up
  std::uint64_t disconnects = 0;       // a connection lost (or refused) after being up or while connecting
  std::uint64_t resyncs = 0;           // full resyncs completed
  std::uint64_t batches_sent = 0;
  std::uint64_t batches_failed = 0;    // batches requeued (error reply, connection lost, too few replicas)
  std::uint64_t remote_changes = 0;    // changes of other nodes applied to the cache
  std::uint64_t bad_messages = 0;      // undecodable channel messages or stored values
  std::uint64_t sentinel_queries = 0;
  std::uint64_t sentinel_subscriptions = 0;  // SUBSCRIBE +switch-master confirmed by a sentinel
  std::uint64_t sentinel_switches = 0;       // +switch-master of master_name that moved the store
  std::uint64_t lag_samples = 0;       // remote changes with a time stamp
  std::uint64_t lag_sum_ms = 0;
  std::uint64_t last_lag_ms = 0;
  std::uint64_t takeovers = 0;          // dead owners whose bindings this node took over
  std::uint64_t taken_over_bindings = 0;
  std::uint64_t replies_forwarded = 0;  // replies handed to their owner node
  std::uint64_t replies_received = 0;   // replies other nodes handed to us
  std::uint64_t replies_dropped = 0;    // handed to us but the queue was full
};

// Handed-over replies kept until the control plane takes them (per turn).
inline constexpr std::size_t kMaxForwardedReplies = 4096;

// Resync GETs outstanding at once, and so the most resync bindings applied
// (added, changed or removed) by one poll().
inline constexpr std::size_t kResyncGetsInFlight = 2000;
// Cache hash buckets the end-of-resync sweep looks at per poll().
inline constexpr std::size_t kResyncSweepBuckets = 8192;
// Most AORs a resync reserves room for (DBSIZE also counts other keys).
inline constexpr std::size_t kResyncMaxReserve = std::size_t{1} << 22;

class RedisStore final : public LocationStore {
 public:
  explicit RedisStore(RedisOptions options);
  ~RedisStore() override;

  std::span<const Binding> lookup(std::string_view aor) const override;
  const Binding* find(std::string_view aor, std::string_view contact) const override;
  void for_each(const std::function<void(const Binding&)>& visit) const override;
  std::size_t binding_count() const override;
  std::size_t aor_count() const override;

  Sequence upsert(Binding binding) override;
  Sequence remove(std::string_view aor, std::string_view contact) override;
  Sequence remove_all(std::string_view aor) override;
  std::size_t expire(std::int64_t now) override;
  bool set_keepalive(std::string_view aor, std::string_view contact, const KeepaliveState& state) override;

  FlushResult flush() override;
  Sequence durable_sequence() const override;
  Sequence last_sequence() const override;
  std::size_t pending() const override { return dirty_.size(); }
  // Starts with an empty cache and returns at once; the bindings arrive with
  // the first resync as remote `added` changes.
  LoadResult load_all(std::int64_t now) override;
  void poll() override;
  int poll_fd() const override { return epoll_fd_; }
  bool shared() const override { return true; }
  bool forward_reply(NodeId owner, std::string_view bytes, std::int64_t received_unix_us) override;
  std::vector<ForwardedReply> take_forwarded_replies() override;
  void backend_metrics(const MetricVisitor& visit) const override;

  SubscriptionId subscribe(ChangeCallback callback) override;
  void unsubscribe(SubscriptionId id) override;
  const StoreStats& stats() const override;

  // Both connections up (writes go out).
  bool connected() const { return ready_; }
  bool reachable() const override { return ready_; }
  // A full resync has completed since the last (re)connect.
  bool synced() const { return synced_; }
  // Batches sent and not yet acknowledged.
  std::size_t in_flight() const { return in_flight_.size(); }
  const RedisStats& redis_stats() const { return redis_stats_; }
  // Sentinels that confirmed SUBSCRIBE +switch-master on a connection that still holds.
  std::size_t sentinels_watched() const;
  bool watching_sentinel() const { return sentinels_watched() > 0; }
  // Address of the Redis primary last connected to ("" before the first connect).
  const RedisEndpoint& primary() const { return primary_; }
  // Array mode: the nodes whose bindings this node can look up.
  const std::set<std::string>& peers() const { return peers_; }

  // Redis key of a binding (tests, sipedgectl).
  std::string binding_key(std::string_view aor, std::string_view contact) const;

  struct Link;  // one hiredis connection bound to the private epoll set (redis_store.cpp)

 private:
  using Key = std::pair<std::string, std::string>;  // (aor, contact)
  struct Batch {
    Sequence sequence = 0;
    std::int64_t sent_ms = 0;  // steady clock
    std::vector<Key> keys;
    std::size_t replies_left = 0;
    bool failed = false;
  };
  class Cache;
  enum class State : std::uint8_t { idle, connecting, up };  // idle: waiting for the reconnect timer
  enum class WatchState : std::uint8_t { down, connecting, subscribed };  // the +switch-master connection

  void start_connect();
  void connect_links(const RedisEndpoint& primary);
  void link_up(Link& link);
  void link_down(Link& link);
  struct SentinelWatch;
  void start_watch(SentinelWatch& watch);
  void watch_down(SentinelWatch& watch);
  void watch_tick(std::int64_t now_ms);
  void switch_primary(const RedisEndpoint& to);
  void teardown(const char* why);
  void arm_timer(std::int64_t delay_ms);
  void on_ready();
  void send_dirty();
  void start_resync();
  void scan_next(const std::string& cursor);
  void resync_pump();                        // more GETs (up to the window), the next SCAN page, or the sweep
  void apply_snapshot_binding(Binding binding);
  void finish_resync();                      // all GETs answered: sweep the cache for what vanished
  void resync_sweep_step();                  // a slice of the sweep, then up to kResyncGetsInFlight removals
  void complete_resync();
  bool held_locally_or_touched(const Key& key) const;
  void on_message(std::string_view payload);
  void apply_remote_upsert(Binding binding);
  void apply_remote_remove(std::string_view aor, std::string_view contact);
  std::string channel() const { return own_prefix_ + ":changes"; }
  std::string namespace_of(std::string_view node) const;
  std::string shares_channel() const { return options_.prefix + ":shares"; }
  std::string replies_channel(NodeId node) const { return options_.prefix + ":replies:" + std::to_string(node); }
  void publish_share_set();
  void start_discovery();
  void finish_discovery();
  static void on_ignore_reply(redisAsyncContext* ctx, void* reply, void* privdata);
  static void on_share_scan_reply(redisAsyncContext* ctx, void* reply, void* privdata);
  static void on_share_member_reply(redisAsyncContext* ctx, void* reply, void* privdata);

  // hiredis reply callbacks (privdata = this).
  static void on_write_reply(redisAsyncContext* ctx, void* reply, void* privdata);
  static void on_wait_reply(redisAsyncContext* ctx, void* reply, void* privdata);
  static void on_setup_reply(redisAsyncContext* ctx, void* reply, void* privdata);
  static void on_role_reply(redisAsyncContext* ctx, void* reply, void* privdata);
  static void on_subscribe_reply(redisAsyncContext* ctx, void* reply, void* privdata);
  static void on_sentinel_reply(redisAsyncContext* ctx, void* reply, void* privdata);
  static void on_switch_master(redisAsyncContext* ctx, void* reply, void* privdata);
  static void on_scan_reply(redisAsyncContext* ctx, void* reply, void* privdata);
  static void on_get_reply(redisAsyncContext* ctx, void* reply, void* privdata);
  static void on_dbsize_reply(redisAsyncContext* ctx, void* reply, void* privdata);
  void batch_reply(bool ok);
  void lease_tick();
  void watchdog_tick();
  void take_over(NodeId dead);
  static void on_lease_reply(redisAsyncContext* ctx, void* reply, void* privdata);
  static void on_lease_exists_reply(redisAsyncContext* ctx, void* reply, void* privdata);
  static void on_takeover_reply(redisAsyncContext* ctx, void* reply, void* privdata);

  RedisOptions options_;
  std::string own_prefix_;  // options_.prefix, or P:n:<node_name> in array mode
  std::unique_ptr<Cache> cache_;
  std::unique_ptr<Link> command_;
  std::unique_ptr<Link> subscriber_;
  std::unique_ptr<Link> sentinel_;  // one SENTINEL get-master-addr-by-name per connect
  std::vector<std::unique_ptr<SentinelWatch>> watches_;  // one per sentinel, outlive reconnects of the others
  int epoll_fd_ = -1;
  int timer_fd_ = -1;
  int lease_fd_ = -1;
  int watchdog_fd_ = -1;             // periodic: connect and reply timeouts
  std::int64_t connect_started_ms_ = 0;
  std::deque<NodeId> lease_checks_;     // owners of the EXISTS P:lease:<n> replies to come, in order
  std::deque<NodeId> takeover_claims_;  // owners of the SET NX P:takeover:<n> replies to come
  State state_ = State::idle;
  bool ready_ = false;
  bool command_ready_ = false;
  bool subscribed_ = false;
  bool synced_ = false;
  bool tearing_down_ = false;
  bool destroying_ = false;
  bool logged_down_ = false;  // "connection lost" logged once per outage
  std::uint32_t consecutive_failures_ = 0;
  std::int64_t backoff_ms_ = 0;
  std::size_t next_sentinel_ = 0;
  RedisEndpoint primary_;
  std::optional<RedisEndpoint> pushed_primary_;  // named by +switch-master: the next connect goes there


  std::set<Key, std::less<>> dirty_;
  std::deque<Batch> in_flight_;
  Sequence durable_ = 0;

  // Resync state (valid while resyncing_).
  bool resyncing_ = false;
  std::uint32_t resync_epoch_ = 0;       // stamped (Binding::sync_epoch) on what this resync found
  std::size_t gets_outstanding_ = 0;
  bool scan_waiting_ = false;            // a SCAN reply is awaited
  bool scan_done_ = false;               // every pattern scanned to cursor 0
  std::string scan_cursor_;              // of the next SCAN page of scan_patterns_[scan_index_]
  std::deque<std::string> resync_keys_;  // scanned, not yet asked for (at most about one page)
  bool sweeping_ = false;                // all GETs answered; looking for and removing what vanished
  bool sweep_walked_ = false;            // the sweep has looked at every cache bucket
  IndexedStore::WalkCursor sweep_cursor_;
  std::vector<Key> resync_gone_;         // in the cache, not found in Redis: to remove
  // Changed by messages or by our own writes during the resync, or in flight
  // when it started: newer than the snapshot.
  std::set<Key, std::less<>> touched_;
  bool resync_again_ = false;            // asked for while one was running
  std::vector<std::string> scan_patterns_;
  std::size_t scan_index_ = 0;

  std::vector<ForwardedReply> forwarded_;

  // Array mode: peer discovery.
  std::set<std::string> peers_;
  bool discovering_ = false;
  bool discover_again_ = false;
  bool share_scan_done_ = false;
  std::set<std::string> discovered_;
  std::deque<std::string> share_checks_;  // node names of the SISMEMBER replies to come

  bool applying_remote_ = false;
  std::map<SubscriptionId, ChangeCallback> subscribers_;
  SubscriptionId next_subscription_ = 1;
  SubscriptionId cache_subscription_ = 0;
  RedisStats redis_stats_;
  mutable StoreStats stats_;  // write side here, upserts/removes/expired copied from the cache
};

}  // namespace sipedge::store
