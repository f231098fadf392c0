#include "store/redis_store.h"

#include <hiredis/async.h>
#include <hiredis/hiredis.h>
#include <sys/epoll.h>
#include <sys/timerfd.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <stdexcept>
#include <utility>

#include "store/binding_codec.h"
#include "store/indexed_store.h"

namespace sipedge::store {

namespace {

std::int64_t steady_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

std::int64_t unix_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::string_view reply_text(const redisReply* r) {
  if (r == nullptr || (r->type != REDIS_REPLY_STRING && r->type != REDIS_REPLY_STATUS &&
                       r->type != REDIS_REPLY_ERROR))
    return {};
  return {r->str, r->len};
}

bool is_error(const redisReply* r) { return r == nullptr || r->type == REDIS_REPLY_ERROR; }

template <typename Int>
bool parse_int(std::string_view text, Int& out) {
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), out);
  return ec == std::errc{} && end == text.data() + text.size();
}

}  // namespace

// The memory index: an IndexedStore whose "persistence" is a no-op (the
// RedisStore keeps its own dirty set and writes Redis itself).
class RedisStore::Cache final : public IndexedStore {
 public:
  using IndexedStore::find_mutable;  // the resync's stamps (Binding::sync_epoch)

 protected:
  bool persist(std::span<const PersistRow>, std::string&) override { return true; }
  bool load_rows(std::vector<Binding>& out, std::string&) override {
    out.clear();
    return true;
  }
};

// One hiredis async connection whose socket is watched by the store's epoll
// set: the event hooks hiredis calls (add/del read/write, cleanup) become
// epoll_ctl calls.
struct RedisStore::Link {
  enum class Kind : std::uint8_t { command, subscriber, sentinel, watch };
  RedisStore* store = nullptr;
  Kind kind = Kind::command;
  SentinelWatch* watch = nullptr;  // Kind::watch: the subscription it carries
  redisAsyncContext* ctx = nullptr;
  int fd = -1;
  std::uint32_t events = 0;
  std::uint32_t registered = 0;  // what the epoll set has for fd

  // hiredis asks for read/write interest on every command queued and every
  // read and write it does; only a change is worth an epoll_ctl.
  void update() {
    if (ctx == nullptr) return;
    epoll_event ev{.events = events, .data = {.ptr = this}};
    if (fd < 0) {
      fd = ctx->c.fd;
      ::epoll_ctl(store->epoll_fd_, EPOLL_CTL_ADD, fd, &ev);
    } else if (events != registered) {
      ::epoll_ctl(store->epoll_fd_, EPOLL_CTL_MOD, fd, &ev);
    }
    registered = events;
  }
  static void add_read(void* p) {
    auto* l = static_cast<Link*>(p);
    l->events |= EPOLLIN;
    l->update();
  }
  static void del_read(void* p) {
    auto* l = static_cast<Link*>(p);
    l->events &= ~static_cast<std::uint32_t>(EPOLLIN);
    l->update();
  }
  static void add_write(void* p) {
    auto* l = static_cast<Link*>(p);
    l->events |= EPOLLOUT;
    l->update();
  }
  static void del_write(void* p) {
    auto* l = static_cast<Link*>(p);
    l->events &= ~static_cast<std::uint32_t>(EPOLLOUT);
    l->update();
  }
  static void cleanup(void* p) {
    auto* l = static_cast<Link*>(p);
    if (l->fd >= 0) ::epoll_ctl(l->store->epoll_fd_, EPOLL_CTL_DEL, l->fd, nullptr);
    l->fd = -1;
    l->events = 0;
    l->registered = 0;
  }
  static void on_connect(const redisAsyncContext* c, int status) {
    auto* l = static_cast<Link*>(c->data);
    // On failure hiredis frees the context after this callback. A context we
    // dropped on purpose (ctx no longer ours) is not a lost connection.
    if (status != REDIS_OK && l->ctx == c) {
      l->ctx = nullptr;
      l->store->link_down(*l);
    }
  }
  static void on_disconnect(const redisAsyncContext* c, int) {
    auto* l = static_cast<Link*>(c->data);
    if (l->ctx != c) return;
    l->ctx = nullptr;
    l->store->link_down(*l);
  }

  // Starts a non-blocking connect; false (and no context) when it failed at once.
  bool open(const RedisEndpoint& to) {
    redisAsyncContext* c = redisAsyncConnect(to.host.c_str(), to.port);
    if (c == nullptr) return false;
    if (c->err != 0) {
      redisAsyncFree(c);
      return false;
    }
    ctx = c;
    fd = -1;
    events = 0;
    registered = 0;
    c->data = this;
    c->ev.data = this;
    c->ev.addRead = add_read;
    c->ev.delRead = del_read;
    c->ev.addWrite = add_write;
    c->ev.delWrite = del_write;
    c->ev.cleanup = cleanup;
    redisAsyncSetConnectCallback(c, on_connect);
    redisAsyncSetDisconnectCallback(c, on_disconnect);
    add_write(this);  // the connect completes (or fails) as writability
    return true;
  }
  void close() {
    if (ctx != nullptr) redisAsyncDisconnect(ctx);
  }
};

// The +switch-master subscription on one sentinel.
struct RedisStore::SentinelWatch {
  RedisEndpoint at;
  Link link;
  WatchState state = WatchState::down;
  std::int64_t started_ms = 0;  // steady clock: the current connect began
  std::int64_t retry_ms = 0;    // steady clock: when a down watch connects again
  std::int64_t backoff_ms = 0;
};

RedisStore::RedisStore(RedisOptions options)
    : options_(std::move(options)),
      cache_(std::make_unique<Cache>()),
      command_(std::make_unique<Link>()),
      subscriber_(std::make_unique<Link>()),
      sentinel_(std::make_unique<Link>()) {
  command_->store = subscriber_->store = sentinel_->store = this;
  command_->kind = Link::Kind::command;
  subscriber_->kind = Link::Kind::subscriber;
  sentinel_->kind = Link::Kind::sentinel;
  epoll_fd_ = ::epoll_create1(EPOLL_CLOEXEC);
  timer_fd_ = ::timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
  if (epoll_fd_ < 0 || timer_fd_ < 0) {
    const std::string error = std::strerror(errno);
    if (epoll_fd_ >= 0) ::close(epoll_fd_);
    if (timer_fd_ >= 0) ::close(timer_fd_);
    throw std::runtime_error("redis store: epoll/timerfd: " + error);
  }
  epoll_event ev{.events = EPOLLIN, .data = {.ptr = &timer_fd_}};
  ::epoll_ctl(epoll_fd_, EPOLL_CTL_ADD, timer_fd_, &ev);
  watchdog_fd_ = ::timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
  if (watchdog_fd_ < 0) {
    const std::string error = std::strerror(errno);
    ::close(epoll_fd_);
    ::close(timer_fd_);
    throw std::runtime_error("redis store: timerfd: " + error);
  }
  {
    const std::int64_t period_ms = std::clamp<std::int64_t>(options_.reply_timeout_ms / 4, 10, 250);
    const timespec period{period_ms / 1000, (period_ms % 1000) * 1'000'000};
    const itimerspec spec{period, period};
    ::timerfd_settime(watchdog_fd_, 0, &spec, nullptr);
    epoll_event wev{.events = EPOLLIN, .data = {.ptr = &watchdog_fd_}};
    ::epoll_ctl(epoll_fd_, EPOLL_CTL_ADD, watchdog_fd_, &wev);
  }
  if (options_.lease_ms > 0 && !options_.array) {
    lease_fd_ = ::timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
    if (lease_fd_ < 0) {
      const std::string error = std::strerror(errno);
      ::close(epoll_fd_);
      ::close(timer_fd_);
      ::close(watchdog_fd_);
      throw std::runtime_error("redis store: timerfd: " + error);
    }
    const std::int64_t period_ms = std::max<std::int64_t>(1, options_.lease_ms / 3);
    const timespec period{period_ms / 1000, (period_ms % 1000) * 1'000'000};
    const itimerspec spec{period, period};
    ::timerfd_settime(lease_fd_, 0, &spec, nullptr);
    epoll_event lev{.events = EPOLLIN, .data = {.ptr = &lease_fd_}};
    ::epoll_ctl(epoll_fd_, EPOLL_CTL_ADD, lease_fd_, &lev);
  }
  cache_subscription_ = cache_->subscribe([this](const Change& c) {
    if (!applying_remote_ && c.kind != ChangeKind::expired) dirty_.emplace(c.binding.aor, c.binding.contact);
    const Change out{c.kind, applying_remote_ ? ChangeOrigin::remote : ChangeOrigin::local, c.binding};
    for (const auto& [id, callback] : subscribers_) callback(out);
  });
  if (options_.array) {
    options_.lease_ms = 0;  // a node keeps only its own bindings alive
    own_prefix_ = namespace_of(options_.node_name);
  } else {
    own_prefix_ = options_.prefix;
  }
  backoff_ms_ = options_.reconnect_min_ms;
  for (const RedisEndpoint& at : options_.sentinels) {
    auto& w = *watches_.emplace_back(std::make_unique<SentinelWatch>());
    w.at = at;
    w.link.store = this;
    w.link.kind = Link::Kind::watch;
    w.link.watch = &w;
    w.backoff_ms = options_.reconnect_min_ms;
    start_watch(w);
  }
  start_connect();
}

RedisStore::~RedisStore() {
  destroying_ = true;
  std::vector<Link*> links = {command_.get(), subscriber_.get(), sentinel_.get()};
  for (auto& w : watches_) links.push_back(&w->link);
  for (Link* l : links) {
    if (l->ctx != nullptr) {
      redisAsyncContext* c = l->ctx;
      l->ctx = nullptr;
      redisAsyncFree(c);
    }
  }
  ::close(timer_fd_);
  if (lease_fd_ >= 0) ::close(lease_fd_);
  ::close(watchdog_fd_);
  ::close(epoll_fd_);
}

// ---- reads and writes: the cache ----

std::span<const Binding> RedisStore::lookup(std::string_view aor) const { return cache_->lookup(aor); }
const Binding* RedisStore::find(std::string_view aor, std::string_view contact) const {
  return cache_->find(aor, contact);
}
void RedisStore::for_each(const std::function<void(const Binding&)>& visit) const { cache_->for_each(visit); }
std::size_t RedisStore::binding_count() const { return cache_->binding_count(); }
std::size_t RedisStore::aor_count() const { return cache_->aor_count(); }
Sequence RedisStore::upsert(Binding binding) { return cache_->upsert(std::move(binding)); }
Sequence RedisStore::remove(std::string_view aor, std::string_view contact) { return cache_->remove(aor, contact); }
Sequence RedisStore::remove_all(std::string_view aor) { return cache_->remove_all(aor); }
std::size_t RedisStore::expire(std::int64_t now) { return cache_->expire(now); }
bool RedisStore::set_keepalive(std::string_view aor, std::string_view contact, const KeepaliveState& state) {
  return cache_->set_keepalive(aor, contact, state);
}
Sequence RedisStore::last_sequence() const { return cache_->last_sequence(); }

Sequence RedisStore::durable_sequence() const {
  if (dirty_.empty() && in_flight_.empty()) return cache_->last_sequence();
  return durable_;
}

LoadResult RedisStore::load_all(std::int64_t) {
  LoadResult result;
  result.loaded = cache_->binding_count();
  return result;
}

SubscriptionId RedisStore::subscribe(ChangeCallback callback) {
  const SubscriptionId id = next_subscription_++;
  subscribers_.emplace(id, std::move(callback));
  return id;
}

void RedisStore::unsubscribe(SubscriptionId id) { subscribers_.erase(id); }

const StoreStats& RedisStore::stats() const {
  const StoreStats& c = cache_->stats();
  stats_.upserts = c.upserts;
  stats_.removes = c.removes;
  stats_.expired = c.expired;
  return stats_;
}

void RedisStore::backend_metrics(const MetricVisitor& visit) const {
  const RedisStats& r = redis_stats_;
  // clang-format off
  visit("sipedge_redis_connected", "gauge", "1 while both Redis connections are up", ready_ ? 1 : 0);
  visit("sipedge_redis_connects_total", "counter", "Redis (re)connections completed", r.connects);
  visit("sipedge_redis_disconnects_total", "counter", "Redis connections lost or refused", r.disconnects);
  visit("sipedge_redis_resyncs_total", "counter", "full resyncs of the cache from Redis", r.resyncs);
  visit("sipedge_redis_queue_depth", "gauge", "bindings waiting to be written to Redis (replayed on reconnect)", dirty_.size());
  visit("sipedge_redis_in_flight_batches", "gauge", "pipelined write batches not yet acknowledged", in_flight_.size());
  visit("sipedge_redis_batches_total", "counter", "pipelined write batches sent", r.batches_sent);
  visit("sipedge_redis_batches_failed_total", "counter", "write batches requeued (error, lost connection, too few replicas)", r.batches_failed);
  visit("sipedge_redis_remote_changes_total", "counter", "changes made by other nodes applied to the cache", r.remote_changes);
  visit("sipedge_redis_bad_messages_total", "counter", "undecodable change messages or stored bindings (ignored)", r.bad_messages);
  visit("sipedge_redis_sentinel_queries_total", "counter", "primary address requests sent to a sentinel", r.sentinel_queries);
  visit("sipedge_redis_sentinels_watched", "gauge", "sentinels holding our SUBSCRIBE +switch-master", sentinels_watched());
  visit("sipedge_redis_sentinel_subscriptions_total", "counter", "SUBSCRIBE +switch-master confirmed by a sentinel", r.sentinel_subscriptions);
  visit("sipedge_redis_sentinel_switches_total", "counter", "+switch-master messages that moved the store to a new primary", r.sentinel_switches);
  visit("sipedge_redis_takeovers_total", "counter", "dead owner nodes whose bindings this node took over", r.takeovers);
  visit("sipedge_redis_taken_over_bindings_total", "counter", "bindings taken over from dead owner nodes", r.taken_over_bindings);
  visit("sipedge_redis_replies_forwarded_total", "counter", "keepalive replies handed to the node that sent the keepalive", r.replies_forwarded);
  visit("sipedge_redis_replies_received_total", "counter", "keepalive replies other nodes handed to this node", r.replies_received);
  visit("sipedge_redis_replies_dropped_total", "counter", "handed-over replies dropped (queue full)", r.replies_dropped);
  visit("sipedge_redis_replication_lag_ms", "gauge", "write on another node to cache update here, last change (ms)", r.last_lag_ms);
  visit("sipedge_redis_replication_lag_ms_sum", "counter", "sum of replication lags of remote changes (ms)", r.lag_sum_ms);
  visit("sipedge_redis_replication_lag_samples_total", "counter", "remote changes with a replication lag sample", r.lag_samples);
  // clang-format on
}

std::string RedisStore::namespace_of(std::string_view node) const {
  std::string ns = options_.prefix;
  ns += ":n:";
  ns += node;
  return ns;
}

std::string RedisStore::binding_key(std::string_view aor, std::string_view contact) const {
  std::string key = own_prefix_;
  key += ":b:{";
  key += aor;
  key += "}:";
  key += contact;
  return key;
}

// ---- durability ----

FlushResult RedisStore::flush() {
  FlushResult result;
  if (cache_->pending() > 0) cache_->flush();  // the cache's own dirty set is meaningless here
  if (!dirty_.empty()) {
    if (!ready_) {
      ++consecutive_failures_;
      ++stats_.flush_failures;
      result.ok = false;
      result.error = "redis: not connected";
      result.consecutive_failures = consecutive_failures_;
      result.durable = durable_sequence();
      return result;
    }
    result.written = dirty_.size();
    send_dirty();
    // Onto the socket in this turn rather than at the next poll(): the
    // owner's loop may have a full turn of other work first, and the peers'
    // caches (replication lag) and the acknowledgement would wait for it. A
    // failed write drops the connection here as it would in poll().
    if (command_->ctx != nullptr) redisAsyncHandleWrite(command_->ctx);
  }
  consecutive_failures_ = 0;
  result.durable = durable_sequence();
  return result;
}

void RedisStore::send_dirty() {
  if (dirty_.empty() || command_->ctx == nullptr) return;
  Batch batch;
  batch.sequence = cache_->last_sequence();
  batch.sent_ms = steady_ms();
  batch.keys.reserve(dirty_.size());
  const std::int64_t now_s = ::time(nullptr);
  std::string header;
  append_netstring(header, std::to_string(options_.node_id));
  append_netstring(header, std::to_string(unix_ms()));
  const std::string chan = channel();
  std::string value;
  std::string message;
  redisAsyncContext* c = command_->ctx;
  std::size_t accepted = 0;  // commands hiredis queued: each will get exactly one reply callback
  for (const Key& k : dirty_) {
    const std::string key = binding_key(k.first, k.second);
    const Binding* b = cache_->find(k.first, k.second);
    message = header;
    if (b != nullptr && !b->expired(now_s)) {
      value.clear();
      encode_binding(*b, value);
      accepted += redisAsyncCommand(c, on_write_reply, this, "SET %b %b EXAT %lld", key.data(), key.size(),
                                    value.data(), value.size(), static_cast<long long>(b->expires_at)) == REDIS_OK;
      append_netstring(message, "U");
      message += value;
    } else {
      accepted += redisAsyncCommand(c, on_write_reply, this, "DEL %b", key.data(), key.size()) == REDIS_OK;
      append_netstring(message, "D");
      append_netstring(message, k.first);
      append_netstring(message, k.second);
    }
    accepted += redisAsyncCommand(c, on_write_reply, this, "PUBLISH %b %b", chan.data(), chan.size(),
                                  message.data(), message.size()) == REDIS_OK;
    batch.keys.push_back(k);
    // Written after SCAN may have passed its slot and acknowledged before the
    // resync ends: not in the snapshot, yet current; the resync must keep it.
    if (resyncing_) touched_.insert(k);
  }
  if (options_.wait_replicas > 0) {
    accepted += redisAsyncCommand(c, on_wait_reply, this, "WAIT %u %u", options_.wait_replicas,
                                  options_.wait_timeout_ms) == REDIS_OK;
  }
  dirty_.clear();
  if (accepted == 0) {  // hiredis refused everything (context going away): nothing will answer
    ++redis_stats_.batches_failed;
    for (Key& k : batch.keys) dirty_.insert(std::move(k));
    return;
  }
  batch.replies_left = accepted;
  // Some commands refused: the rest is answered, but the batch is incomplete.
  if (accepted != batch.keys.size() * 2 + (options_.wait_replicas > 0 ? 1 : 0)) batch.failed = true;
  ++redis_stats_.batches_sent;
  ++stats_.flushes;
  in_flight_.push_back(std::move(batch));
}

void RedisStore::batch_reply(bool ok) {
  if (destroying_ || in_flight_.empty()) return;
  Batch& front = in_flight_.front();
  if (!ok) front.failed = true;
  if (--front.replies_left > 0) return;
  if (front.failed) {
    ++redis_stats_.batches_failed;
    stats_.retried_rows += front.keys.size();
    for (Key& k : front.keys) dirty_.insert(std::move(k));
  } else {
    durable_ = std::max(durable_, front.sequence);
    stats_.rows_written += front.keys.size();
  }
  in_flight_.pop_front();
}

void RedisStore::on_write_reply(redisAsyncContext*, void* reply, void* privdata) {
  auto* self = static_cast<RedisStore*>(privdata);
  self->batch_reply(!is_error(static_cast<redisReply*>(reply)));
}

void RedisStore::on_wait_reply(redisAsyncContext*, void* reply, void* privdata) {
  auto* self = static_cast<RedisStore*>(privdata);
  const auto* r = static_cast<redisReply*>(reply);
  // Fewer replicas than asked within the timeout: not durable enough, write again.
  const bool ok = r != nullptr && r->type == REDIS_REPLY_INTEGER &&
                  r->integer >= static_cast<long long>(self->options_.wait_replicas);
  self->batch_reply(ok);
}

// ---- connection management ----

void RedisStore::arm_timer(std::int64_t delay_ms) {
  itimerspec spec{};
  spec.it_value.tv_sec = delay_ms / 1000;
  spec.it_value.tv_nsec = (delay_ms % 1000) * 1'000'000 + 1;
  ::timerfd_settime(timer_fd_, 0, &spec, nullptr);
}

void RedisStore::watchdog_tick() {
  const std::int64_t now = steady_ms();
  watch_tick(now);
  if (state_ == State::connecting && now - connect_started_ms_ > options_.reply_timeout_ms) {
    teardown("connect timed out");
  } else if (state_ == State::up && !in_flight_.empty() &&
             now - in_flight_.front().sent_ms >
                 options_.reply_timeout_ms + (options_.wait_replicas > 0 ? options_.wait_timeout_ms : 0)) {
    teardown("no reply to writes");
  }
}

void RedisStore::start_connect() {
  state_ = State::connecting;
  connect_started_ms_ = steady_ms();
  if (pushed_primary_) {  // once: if it fails, the sentinels are asked as usual
    const RedisEndpoint to = std::move(*pushed_primary_);
    pushed_primary_.reset();
    connect_links(to);
    return;
  }
  if (options_.sentinels.empty()) {
    connect_links(options_.address);
    return;
  }
  const RedisEndpoint& s = options_.sentinels[next_sentinel_ % options_.sentinels.size()];
  ++next_sentinel_;
  ++redis_stats_.sentinel_queries;
  if (!sentinel_->open(s)) {
    teardown("sentinel connect failed");
    return;
  }
  redisAsyncCommand(sentinel_->ctx, on_sentinel_reply, this, "SENTINEL get-master-addr-by-name %b",
                    options_.master_name.data(), options_.master_name.size());
}

void RedisStore::on_sentinel_reply(redisAsyncContext* ctx, void* reply, void* privdata) {
  auto* self = static_cast<RedisStore*>(privdata);
  if (self->destroying_ || self->state_ != State::connecting) return;
  const auto* r = static_cast<redisReply*>(reply);
  RedisEndpoint primary;
  const bool ok = r != nullptr && r->type == REDIS_REPLY_ARRAY && r->elements == 2 &&
                  r->element[0]->type == REDIS_REPLY_STRING && r->element[1]->type == REDIS_REPLY_STRING &&
                  parse_int(reply_text(r->element[1]), primary.port);
  if (ok) primary.host.assign(reply_text(r->element[0]));
  self->sentinel_->ctx = nullptr;  // dropped on purpose (freed once this callback returns)
  redisAsyncFree(ctx);
  if (!ok) {
    self->teardown("sentinel does not know the primary");
    return;
  }
  self->connect_links(primary);
}

void RedisStore::connect_links(const RedisEndpoint& primary) {
  primary_ = primary;
  if (!command_->open(primary) || !subscriber_->open(primary)) {
    teardown("connect failed");
    return;
  }
  for (Link* l : {command_.get(), subscriber_.get()}) {
    if (!options_.password.empty())
      redisAsyncCommand(l->ctx, on_setup_reply, this, "AUTH %b", options_.password.data(), options_.password.size());
  }
  if (options_.db != 0) redisAsyncCommand(command_->ctx, on_setup_reply, this, "SELECT %u", options_.db);
  redisAsyncCommand(command_->ctx, on_role_reply, this, "ROLE");
  const std::string chan = channel();
  const std::string replies = replies_channel(options_.node_id);
  if (options_.array) {
    const std::string shares = shares_channel();
    redisAsyncCommand(subscriber_->ctx, on_subscribe_reply, this, "SUBSCRIBE %b %b %b", chan.data(), chan.size(),
                      replies.data(), replies.size(), shares.data(), shares.size());
  } else {
    redisAsyncCommand(subscriber_->ctx, on_subscribe_reply, this, "SUBSCRIBE %b %b", chan.data(), chan.size(),
                      replies.data(), replies.size());
  }
}

void RedisStore::on_setup_reply(redisAsyncContext*, void* reply, void* privdata) {
  auto* self = static_cast<RedisStore*>(privdata);
  if (self->destroying_) return;
  if (is_error(static_cast<redisReply*>(reply))) self->teardown("AUTH/SELECT refused");
}

void RedisStore::on_role_reply(redisAsyncContext*, void* reply, void* privdata) {
  auto* self = static_cast<RedisStore*>(privdata);
  if (self->destroying_ || self->state_ != State::connecting) return;
  const auto* r = static_cast<redisReply*>(reply);
  const bool primary = r != nullptr && r->type == REDIS_REPLY_ARRAY && r->elements > 0 &&
                       reply_text(r->element[0]) == "master";
  if (!primary) {
    // A replica (a demoted primary Sentinel has not caught up with yet) takes no writes.
    self->teardown("not a primary");
    return;
  }
  self->command_ready_ = true;
  if (self->subscribed_) self->on_ready();
}

void RedisStore::on_subscribe_reply(redisAsyncContext*, void* reply, void* privdata) {
  auto* self = static_cast<RedisStore*>(privdata);
  if (self->destroying_) return;
  const auto* r = static_cast<redisReply*>(reply);
  if (r == nullptr || r->type != REDIS_REPLY_ARRAY || r->elements < 3) return;
  const std::string_view kind = reply_text(r->element[0]);
  if (kind == "subscribe") {
    if (self->state_ != State::connecting) return;
    self->subscribed_ = true;
    if (self->command_ready_) self->on_ready();
  } else if (kind == "message" && r->element[2]->type == REDIS_REPLY_STRING) {
    const std::string_view from = reply_text(r->element[1]);
    if (from == self->replies_channel(self->options_.node_id)) {
      std::string_view payload = reply_text(r->element[2]), stamp;
      std::int64_t received_us = 0;
      if (!take_netstring(payload, stamp) || !parse_int(stamp, received_us)) {
        ++self->redis_stats_.bad_messages;
      } else if (self->forwarded_.size() >= kMaxForwardedReplies) {
        ++self->redis_stats_.replies_dropped;
      } else {
        ++self->redis_stats_.replies_received;
        self->forwarded_.push_back({std::string(payload), received_us});
      }
      return;
    }
    if (self->options_.array && from == self->shares_channel()) {
      // A node changed who may read it: look again (unless it is us).
      if (reply_text(r->element[2]) != self->options_.node_name && self->ready_) self->start_discovery();
      return;
    }
    self->on_message(reply_text(r->element[2]));
  }
}

void RedisStore::on_ready() {
  state_ = State::up;
  ready_ = true;
  backoff_ms_ = options_.reconnect_min_ms;
  ++redis_stats_.connects;
  if (logged_down_) {
    std::fprintf(stderr, "redis store: connected to %s:%u\n", primary_.host.c_str(), primary_.port);
    logged_down_ = false;
  }
  send_dirty();  // replay what was written while disconnected
  if (options_.lease_ms > 0) lease_tick();
  if (options_.array) {
    publish_share_set();
    start_discovery();  // ends with a resync of our namespace and the peers'
  } else {
    start_resync();
  }
}

void RedisStore::link_down(Link& link) {
  if (destroying_) return;
  if (link.kind == Link::Kind::watch) {
    watch_down(*link.watch);
    return;
  }
  if (tearing_down_ || state_ == State::idle) return;
  teardown("connection lost");
}

// ---- sentinel push ----

std::size_t RedisStore::sentinels_watched() const {
  return static_cast<std::size_t>(std::count_if(watches_.begin(), watches_.end(), [](const auto& w) {
    return w->state == WatchState::subscribed;
  }));
}

void RedisStore::start_watch(SentinelWatch& w) {
  if (destroying_) return;
  w.state = WatchState::connecting;
  w.started_ms = steady_ms();
  if (!w.link.open(w.at) ||
      redisAsyncCommand(w.link.ctx, on_switch_master, this, "SUBSCRIBE +switch-master") != REDIS_OK) {
    watch_down(w);
  }
}

void RedisStore::watch_down(SentinelWatch& w) {
  if (w.link.ctx != nullptr) {
    redisAsyncContext* c = w.link.ctx;
    w.link.ctx = nullptr;
    redisAsyncFree(c);
  }
  if (destroying_) return;
  if (w.state == WatchState::subscribed) {
    std::fprintf(stderr, "redis store: lost the +switch-master subscription on sentinel %s:%u; reconnecting\n",
                 w.at.host.c_str(), w.at.port);
    w.backoff_ms = options_.reconnect_min_ms;
  }
  w.state = WatchState::down;
  w.retry_ms = steady_ms() + w.backoff_ms;
  w.backoff_ms = std::min(w.backoff_ms * 2, options_.reconnect_max_ms);
}

void RedisStore::watch_tick(std::int64_t now_ms) {
  for (auto& w : watches_) {
    if (w->state == WatchState::down && now_ms >= w->retry_ms) {
      start_watch(*w);
    } else if (w->state == WatchState::connecting && now_ms - w->started_ms > options_.reply_timeout_ms) {
      watch_down(*w);  // a hung sentinel: try it again later
    }
  }
}

// "+switch-master <name> <old ip> <old port> <new ip> <new port>" (Sentinel docs, "Pub/Sub messages").
void RedisStore::on_switch_master(redisAsyncContext* ctx, void* reply, void* privdata) {
  auto* self = static_cast<RedisStore*>(privdata);
  const auto* r = static_cast<redisReply*>(reply);
  if (self->destroying_ || r == nullptr || r->type != REDIS_REPLY_ARRAY || r->elements < 3) return;
  const std::string_view kind = reply_text(r->element[0]);
  if (kind == "subscribe") {
    SentinelWatch& w = *static_cast<Link*>(ctx->data)->watch;
    w.state = WatchState::subscribed;
    w.backoff_ms = self->options_.reconnect_min_ms;
    ++self->redis_stats_.sentinel_subscriptions;
    return;
  }
  if (kind != "message") return;
  std::string_view text = reply_text(r->element[2]);
  std::string_view fields[5];
  std::size_t n = 0;
  while (!text.empty() && n < 5) {
    const std::size_t space = text.find(' ');
    fields[n++] = text.substr(0, space);
    text = space == std::string_view::npos ? std::string_view{} : text.substr(space + 1);
  }
  RedisEndpoint to;
  if (n != 5 || !text.empty() || !parse_int(fields[4], to.port) || fields[3].empty()) {
    ++self->redis_stats_.bad_messages;
    return;
  }
  if (fields[0] != self->options_.master_name) return;  // another group the sentinel watches
  to.host.assign(fields[3]);
  self->switch_primary(to);
}

void RedisStore::switch_primary(const RedisEndpoint& to) {
  if (state_ != State::idle && primary_ == to) return;  // already there (or on the way)
  ++redis_stats_.sentinel_switches;
  std::fprintf(stderr, "redis store: sentinel +switch-master: new primary %s:%u\n", to.host.c_str(), to.port);
  if (state_ != State::idle) teardown("primary switched by the sentinels");
  pushed_primary_ = to;
  backoff_ms_ = options_.reconnect_min_ms;
  start_connect();  // at once; the reconnect timer teardown armed finds the store connecting and does nothing
}

void RedisStore::teardown(const char* why) {
  if (destroying_ || tearing_down_) return;
  tearing_down_ = true;
  if (!logged_down_) {
    std::fprintf(stderr, "redis store: %s (%s:%u); retrying\n", why, primary_.host.c_str(), primary_.port);
    logged_down_ = true;
  }
  state_ = State::idle;
  ready_ = false;
  command_ready_ = false;
  subscribed_ = false;
  synced_ = false;
  resyncing_ = false;
  resync_again_ = false;
  discovering_ = false;
  discover_again_ = false;
  peers_.clear();  // the new connection subscribes afresh
  sweeping_ = false;
  resync_keys_.clear();
  resync_gone_.clear();
  touched_.clear();
  ++redis_stats_.disconnects;
  for (Link* l : {command_.get(), subscriber_.get(), sentinel_.get()}) {
    if (l->ctx != nullptr) {
      redisAsyncContext* c = l->ctx;
      l->ctx = nullptr;
      // Pending callbacks run with a null reply (now, or right after the
      // callback we are in): in-flight batches go back to the dirty set.
      redisAsyncFree(c);
    }
  }
  // A batch whose replies will never come (its context was already gone) is requeued.
  while (!in_flight_.empty()) {
    Batch& b = in_flight_.front();
    ++redis_stats_.batches_failed;
    stats_.retried_rows += b.keys.size();
    for (Key& k : b.keys) dirty_.insert(std::move(k));
    in_flight_.pop_front();
  }
  arm_timer(backoff_ms_);
  backoff_ms_ = std::min(backoff_ms_ * 2, options_.reconnect_max_ms);
  tearing_down_ = false;
}

void RedisStore::poll() {
  epoll_event events[32];
  const int n = ::epoll_wait(epoll_fd_, events, 32, 0);
  for (int i = 0; i < n; ++i) {
    if (events[i].data.ptr == &timer_fd_) {
      std::uint64_t expirations = 0;
      [[maybe_unused]] const auto r = ::read(timer_fd_, &expirations, sizeof expirations);
      if (state_ == State::idle)
        start_connect();
      else if (sweeping_)
        resync_sweep_step();
      continue;
    }
    if (events[i].data.ptr == &watchdog_fd_) {
      std::uint64_t expirations = 0;
      [[maybe_unused]] const auto r = ::read(watchdog_fd_, &expirations, sizeof expirations);
      watchdog_tick();
      continue;
    }
    if (events[i].data.ptr == &lease_fd_) {
      std::uint64_t expirations = 0;
      [[maybe_unused]] const auto r = ::read(lease_fd_, &expirations, sizeof expirations);
      lease_tick();
      continue;
    }
    auto* l = static_cast<Link*>(events[i].data.ptr);
    const std::uint32_t what = events[i].events;
    if (l->ctx != nullptr && (what & (EPOLLIN | EPOLLHUP | EPOLLERR))) redisAsyncHandleRead(l->ctx);
    if (l->ctx != nullptr && (what & EPOLLOUT)) redisAsyncHandleWrite(l->ctx);
  }
  if (cache_->pending() > 0) cache_->flush();
}

// ---- anycast reply hand-over ----

bool RedisStore::forward_reply(NodeId owner, std::string_view bytes, std::int64_t received_unix_us) {
  if (!ready_ || command_->ctx == nullptr) return false;
  std::string message;
  append_netstring(message, std::to_string(received_unix_us));
  message += bytes;
  const std::string chan = replies_channel(owner);
  if (redisAsyncCommand(command_->ctx, on_ignore_reply, this, "PUBLISH %b %b", chan.data(), chan.size(),
                        message.data(), message.size()) != REDIS_OK)
    return false;
  ++redis_stats_.replies_forwarded;
  return true;
}

std::vector<ForwardedReply> RedisStore::take_forwarded_replies() { return std::exchange(forwarded_, {}); }

// ---- keepalive ownership ----

void RedisStore::lease_tick() {
  if (!ready_ || command_->ctx == nullptr) return;
  redisAsyncContext* c = command_->ctx;
  const std::string own = options_.prefix + ":lease:" + std::to_string(options_.node_id);
  redisAsyncCommand(c, on_lease_reply, this, "SET %b %lld PX %lld", own.data(), own.size(),
                    static_cast<long long>(unix_ms()), static_cast<long long>(options_.lease_ms));
  // Owners other than us that hold bindings here: is each one still alive?
  std::set<NodeId> owners;
  cache_->for_each([&](const Binding& b) {
    if (b.owner != options_.node_id) owners.insert(b.owner);
  });
  for (const NodeId owner : owners) {
    const std::string lease = options_.prefix + ":lease:" + std::to_string(owner);
    if (redisAsyncCommand(c, on_lease_exists_reply, this, "EXISTS %b", lease.data(), lease.size()) == REDIS_OK)
      lease_checks_.push_back(owner);
  }
}

void RedisStore::on_lease_reply(redisAsyncContext*, void*, void*) {
  // Nothing to do: a failed renewal shows as a lapsed lease to the others,
  // who then take over (and this node follows their writes).
}

void RedisStore::on_lease_exists_reply(redisAsyncContext* ctx, void* reply, void* privdata) {
  auto* self = static_cast<RedisStore*>(privdata);
  if (self->destroying_ || self->lease_checks_.empty()) return;
  const NodeId owner = self->lease_checks_.front();
  self->lease_checks_.pop_front();
  const auto* r = static_cast<redisReply*>(reply);
  if (r == nullptr || r->type != REDIS_REPLY_INTEGER || r->integer != 0 || self->command_->ctx != ctx) return;
  // Lapsed: claim the takeover; SET NX lets exactly one node win it.
  const std::string claim = self->options_.prefix + ":takeover:" + std::to_string(owner);
  if (redisAsyncCommand(ctx, on_takeover_reply, self, "SET %b %u NX PX %lld", claim.data(), claim.size(),
                        self->options_.node_id, static_cast<long long>(self->options_.lease_ms)) == REDIS_OK)
    self->takeover_claims_.push_back(owner);
}

void RedisStore::on_takeover_reply(redisAsyncContext*, void* reply, void* privdata) {
  auto* self = static_cast<RedisStore*>(privdata);
  if (self->destroying_ || self->takeover_claims_.empty()) return;
  const NodeId owner = self->takeover_claims_.front();
  self->takeover_claims_.pop_front();
  const auto* r = static_cast<redisReply*>(reply);
  if (r != nullptr && r->type == REDIS_REPLY_STATUS && reply_text(r) == "OK") self->take_over(owner);
}

void RedisStore::take_over(NodeId dead) {
  std::vector<Binding> theirs;
  cache_->for_each([&](const Binding& b) {
    if (b.owner == dead) theirs.push_back(b);
  });
  if (theirs.empty()) return;
  for (Binding& b : theirs) {
    b.owner = options_.node_id;
    cache_->upsert(std::move(b));  // a local write: dirty, written and published at the next flush
  }
  ++redis_stats_.takeovers;
  redis_stats_.taken_over_bindings += theirs.size();
  std::fprintf(stderr, "redis store: node %u's lease lapsed: took over its %zu bindings\n", dead, theirs.size());
}

// ---- remote changes ----

void RedisStore::on_message(std::string_view payload) {
  std::string_view node_text, ms_text, kind;
  NodeId node = 0;
  std::int64_t sent_ms = 0;
  if (!take_netstring(payload, node_text) || !take_netstring(payload, ms_text) || !take_netstring(payload, kind) ||
      !parse_int(node_text, node) || !parse_int(ms_text, sent_ms)) {
    ++redis_stats_.bad_messages;
    return;
  }
  if (node == options_.node_id) return;  // our own write, already in the cache
  Binding b;
  std::string_view aor, contact;
  if (kind == "U") {
    if (!decode_binding(payload, b)) {
      ++redis_stats_.bad_messages;
      return;
    }
    aor = b.aor;
    contact = b.contact;
  } else if (kind == "D") {
    if (!take_netstring(payload, aor) || !take_netstring(payload, contact) || !payload.empty()) {
      ++redis_stats_.bad_messages;
      return;
    }
  } else {
    ++redis_stats_.bad_messages;
    return;
  }
  const std::int64_t lag = std::max<std::int64_t>(0, unix_ms() - sent_ms);
  ++redis_stats_.lag_samples;
  redis_stats_.lag_sum_ms += static_cast<std::uint64_t>(lag);
  redis_stats_.last_lag_ms = static_cast<std::uint64_t>(lag);
  Key key{std::string(aor), std::string(contact)};
  if (resyncing_) touched_.insert(key);
  // A local write not yet in Redis will overwrite this one there: keep ours.
  if (dirty_.contains(key)) return;
  if (kind == "U")
    apply_remote_upsert(std::move(b));
  else
    apply_remote_remove(key.first, key.second);
}

void RedisStore::apply_remote_upsert(Binding binding) {
  if (binding.expired(::time(nullptr))) return;
  const Binding* existing = cache_->find(binding.aor, binding.contact);
  if (existing != nullptr && existing->same_persistent(binding)) return;
  applying_remote_ = true;
  cache_->upsert(std::move(binding));
  applying_remote_ = false;
  ++redis_stats_.remote_changes;
}

void RedisStore::apply_remote_remove(std::string_view aor, std::string_view contact) {
  applying_remote_ = true;
  const Sequence removed = cache_->remove(aor, contact);
  applying_remote_ = false;
  if (removed != 0) ++redis_stats_.remote_changes;
}

// ---- full resync ----

void RedisStore::start_resync() {
  if (resyncing_) {
    resync_again_ = true;  // the running one may predate the change: one more when it ends
    return;
  }
  resyncing_ = true;
  ++resync_epoch_;
  sweeping_ = false;
  gets_outstanding_ = 0;
  resync_keys_.clear();
  resync_gone_.clear();
  touched_.clear();
  // A batch still unanswered may land after SCAN passed its key: ours wins.
  for (const Batch& b : in_flight_) touched_.insert(b.keys.begin(), b.keys.end());
  scan_patterns_ = {own_prefix_ + ":b:*"};
  for (const std::string& peer : peers_) scan_patterns_.push_back(namespace_of(peer) + ":b:*");
  scan_index_ = 0;
  scan_done_ = false;
  scan_cursor_ = "0";
  scan_waiting_ = true;
  redisAsyncCommand(command_->ctx, on_dbsize_reply, this, "DBSIZE");
  scan_next(scan_cursor_);
}

void RedisStore::on_dbsize_reply(redisAsyncContext*, void* reply, void* privdata) {
  auto* self = static_cast<RedisStore*>(privdata);
  if (self->destroying_ || !self->resyncing_) return;
  const auto* r = static_cast<redisReply*>(reply);
  if (r != nullptr && r->type == REDIS_REPLY_INTEGER && r->integer > 0)
    self->cache_->reserve(std::min(static_cast<std::size_t>(r->integer), kResyncMaxReserve));
}

void RedisStore::scan_next(const std::string& cursor) {
  const std::string& pattern = scan_patterns_[scan_index_];
  redisAsyncCommand(command_->ctx, on_scan_reply, this, "SCAN %b MATCH %b COUNT %u", cursor.data(), cursor.size(),
                    pattern.data(), pattern.size(), options_.scan_count);
}

void RedisStore::on_scan_reply(redisAsyncContext*, void* reply, void* privdata) {
  auto* self = static_cast<RedisStore*>(privdata);
  if (self->destroying_ || !self->resyncing_ || self->command_->ctx == nullptr) return;
  const auto* r = static_cast<redisReply*>(reply);
  if (r == nullptr || r->type != REDIS_REPLY_ARRAY || r->elements != 2 || r->element[1]->type != REDIS_REPLY_ARRAY) {
    if (r != nullptr) self->teardown("SCAN failed");
    return;
  }
  const redisReply* keys = r->element[1];
  for (std::size_t i = 0; i < keys->elements; ++i) self->resync_keys_.emplace_back(reply_text(keys->element[i]));
  self->scan_waiting_ = false;
  const std::string_view cursor = reply_text(r->element[0]);
  if (cursor != "0" && !cursor.empty()) {
    self->scan_cursor_.assign(cursor);
  } else if (self->scan_index_ + 1 < self->scan_patterns_.size()) {
    ++self->scan_index_;
    self->scan_cursor_ = "0";
  } else {
    self->scan_done_ = true;
  }
  self->resync_pump();
}

// Keeps the window of GETs full from the scanned keys; asks for the next
// SCAN page only when this one's keys are all asked for, so neither the
// GETs queued in hiredis nor the replies one read hands us exceed the window.
void RedisStore::resync_pump() {
  redisAsyncContext* c = command_->ctx;
  if (c == nullptr) return;
  while (gets_outstanding_ < kResyncGetsInFlight && !resync_keys_.empty()) {
    const std::string& key = resync_keys_.front();
    // A refused command gets no callback: not counted, so the resync cannot wait for it.
    if (redisAsyncCommand(c, on_get_reply, this, "GET %b", key.data(), key.size()) == REDIS_OK) ++gets_outstanding_;
    resync_keys_.pop_front();
  }
  if (!resync_keys_.empty() || scan_waiting_) return;
  if (!scan_done_) {
    scan_waiting_ = true;
    scan_next(scan_cursor_);
  } else if (gets_outstanding_ == 0) {
    finish_resync();
  }
}

void RedisStore::on_get_reply(redisAsyncContext*, void* reply, void* privdata) {
  auto* self = static_cast<RedisStore*>(privdata);
  if (self->destroying_ || !self->resyncing_ || self->sweeping_) return;
  const auto* r = static_cast<redisReply*>(reply);
  if (r == nullptr) return;  // connection lost: teardown abandons the resync
  if (r->type == REDIS_REPLY_STRING) {
    Binding b;
    if (decode_binding(reply_text(r), b))
      self->apply_snapshot_binding(std::move(b));
    else
      ++self->redis_stats_.bad_messages;
  }  // nil: expired or deleted between SCAN and GET
  --self->gets_outstanding_;
  self->resync_pump();
}

bool RedisStore::held_locally_or_touched(const Key& key) const {
  // dirty_: written here, not yet sent; touched_ covers what was sent since.
  return dirty_.contains(key) || touched_.contains(key);
}

void RedisStore::apply_snapshot_binding(Binding binding) {
  if (!dirty_.empty() || !touched_.empty()) {
    if (held_locally_or_touched(Key{binding.aor, binding.contact})) return;  // newer than the snapshot
  }
  if (binding.expired(::time(nullptr))) return;  // unstamped: the sweep drops a cached copy
  Binding* cached = cache_->find_mutable(binding.aor, binding.contact);
  if (cached != nullptr && cached->same_persistent(binding)) {
    cached->sync_epoch = resync_epoch_;  // unchanged: only mark it found
    return;
  }
  binding.sync_epoch = resync_epoch_;
  applying_remote_ = true;
  cache_->upsert(std::move(binding));
  applying_remote_ = false;
  ++redis_stats_.remote_changes;
}

void RedisStore::finish_resync() {
  // What is in the cache without this resync's stamp vanished from Redis
  // (unless newer here): found and removed a slice per poll() from now on.
  sweeping_ = true;
  sweep_walked_ = false;
  sweep_cursor_ = {};
  resync_gone_.clear();
  arm_timer(0);
}

void RedisStore::resync_sweep_step() {
  if (!sweep_walked_) {
    sweep_walked_ = cache_->for_each_slice(sweep_cursor_, kResyncSweepBuckets, [&](const Binding& b) {
      if (b.sync_epoch != resync_epoch_) resync_gone_.emplace_back(b.aor, b.contact);
    });
  }
  std::size_t removed = 0;
  while (!resync_gone_.empty() && removed < kResyncGetsInFlight) {
    const Key key = std::move(resync_gone_.back());
    resync_gone_.pop_back();
    // Checked now, not when found: a local write or a message since then wins.
    if (held_locally_or_touched(key)) continue;
    const Binding* b = cache_->find(key.first, key.second);
    if (b == nullptr || b->sync_epoch == resync_epoch_) continue;
    apply_remote_remove(key.first, key.second);
    ++removed;
  }
  if (sweep_walked_ && resync_gone_.empty())
    complete_resync();
  else
    arm_timer(0);
}

void RedisStore::complete_resync() {
  resyncing_ = false;
  sweeping_ = false;
  resync_gone_.clear();
  resync_gone_.shrink_to_fit();
  touched_.clear();
  synced_ = true;
  ++redis_stats_.resyncs;
  if (cache_->pending() > 0) cache_->flush();
  if (resync_again_) {
    resync_again_ = false;
    start_resync();
  }
}

// ---- array mode: who shares with us ----

void RedisStore::on_ignore_reply(redisAsyncContext*, void*, void*) {}

void RedisStore::publish_share_set() {
  redisAsyncContext* c = command_->ctx;
  const std::string set = own_prefix_ + ":share";
  redisAsyncCommand(c, on_ignore_reply, this, "DEL %b", set.data(), set.size());
  for (const std::string& peer : options_.share_with)
    redisAsyncCommand(c, on_ignore_reply, this, "SADD %b %b", set.data(), set.size(), peer.data(), peer.size());
  const std::string chan = shares_channel();
  redisAsyncCommand(c, on_ignore_reply, this, "PUBLISH %b %b", chan.data(), chan.size(), options_.node_name.data(),
                    options_.node_name.size());
}

void RedisStore::start_discovery() {
  if (discovering_) {
    discover_again_ = true;
    return;
  }
  discovering_ = true;
  share_scan_done_ = false;
  discovered_.clear();
  share_checks_.clear();
  const std::string pattern = options_.prefix + ":n:*:share";
  redisAsyncCommand(command_->ctx, on_share_scan_reply, this, "SCAN 0 MATCH %b COUNT %u", pattern.data(),
                    pattern.size(), options_.scan_count);
}

void RedisStore::on_share_scan_reply(redisAsyncContext* ctx, void* reply, void* privdata) {
  auto* self = static_cast<RedisStore*>(privdata);
  if (self->destroying_ || !self->discovering_ || self->command_->ctx != ctx) return;
  const auto* r = static_cast<redisReply*>(reply);
  if (r == nullptr || r->type != REDIS_REPLY_ARRAY || r->elements != 2 || r->element[1]->type != REDIS_REPLY_ARRAY) {
    if (r != nullptr) self->teardown("SCAN (shares) failed");
    return;
  }
  const std::string head = self->options_.prefix + ":n:";
  const redisReply* keys = r->element[1];
  for (std::size_t i = 0; i < keys->elements; ++i) {
    const std::string_view key = reply_text(keys->element[i]);
    if (!key.starts_with(head) || !key.ends_with(":share")) continue;
    const std::string node(key.substr(head.size(), key.size() - head.size() - 6));
    if (node == self->options_.node_name) continue;
    if (redisAsyncCommand(ctx, on_share_member_reply, self, "SISMEMBER %b %b", key.data(), key.size(),
                          self->options_.node_name.data(), self->options_.node_name.size()) == REDIS_OK)
      self->share_checks_.push_back(node);
  }
  const std::string cursor(reply_text(r->element[0]));
  if (cursor == "0" || cursor.empty()) {
    self->share_scan_done_ = true;
    if (self->share_checks_.empty()) self->finish_discovery();
  } else {
    const std::string pattern = self->options_.prefix + ":n:*:share";
    redisAsyncCommand(ctx, on_share_scan_reply, self, "SCAN %b MATCH %b COUNT %u", cursor.data(), cursor.size(),
                      pattern.data(), pattern.size(), self->options_.scan_count);
  }
}

void RedisStore::on_share_member_reply(redisAsyncContext*, void* reply, void* privdata) {
  auto* self = static_cast<RedisStore*>(privdata);
  if (self->destroying_ || self->share_checks_.empty()) return;
  std::string node = std::move(self->share_checks_.front());
  self->share_checks_.pop_front();
  if (!self->discovering_) return;
  const auto* r = static_cast<redisReply*>(reply);
  if (r != nullptr && r->type == REDIS_REPLY_INTEGER && r->integer == 1) self->discovered_.insert(std::move(node));
  if (self->share_scan_done_ && self->share_checks_.empty()) self->finish_discovery();
}

void RedisStore::finish_discovery() {
  discovering_ = false;
  redisAsyncContext* sub = subscriber_->ctx;
  if (sub == nullptr) return;
  for (const std::string& peer : discovered_) {
    if (peers_.contains(peer)) continue;
    const std::string chan = namespace_of(peer) + ":changes";
    redisAsyncCommand(sub, on_subscribe_reply, this, "SUBSCRIBE %b", chan.data(), chan.size());
  }
  for (const std::string& peer : peers_) {
    if (discovered_.contains(peer)) continue;
    const std::string chan = namespace_of(peer) + ":changes";
    redisAsyncCommand(sub, on_subscribe_reply, this, "UNSUBSCRIBE %b", chan.data(), chan.size());
  }
  // The resync drops what a revoked peer left in the cache and loads a new peer's bindings.
  const bool changed = discovered_ != peers_ || !synced_;
  peers_ = std::move(discovered_);
  discovered_.clear();
  if (changed) start_resync();
  if (discover_again_) {
    discover_again_ = false;
    start_discovery();
  }
}

}  // namespace sipedge::store
