// RedisStore against a real redis-server on a loopback port: durability on
// the Redis acknowledgement, change propagation between two stores (two
// edge nodes), full resync on connect (bounded per poll), writes queued while Redis is down and
// replayed on reconnect, per-binding TTL enforced by Redis.
#include <gtest/gtest.h>
#include <sys/epoll.h>

#include <algorithm>
#include <chrono>
#include <ctime>
#include <functional>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "redis_server.h"
#include "store/binding_codec.h"
#include "store/redis_store.h"

namespace sipedge::store {
namespace {

using testing::RedisServer;

Binding make_binding(std::string aor, std::string contact, NodeId owner, std::int64_t lifetime = 600) {
  Binding b;
  b.aor = std::move(aor);
  b.contact = std::move(contact);
  b.received = {0xC6336414, 40000};
  b.local = {0xCB00710A, 5060};
  b.registered_at = ::time(nullptr);
  b.expires_at = b.registered_at + lifetime;
  b.last_refresh_ms = b.registered_at * 1000;
  b.call_id = "c1";
  b.cseq = 1;
  b.nat = true;
  b.owner = owner;
  return b;
}

class RedisStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!testing::redis_server_installed()) GTEST_SKIP() << "redis-server not installed";
    server_ = std::make_unique<RedisServer>();
    ASSERT_EQ(server_->integer("DBSIZE"), 0);
  }

  std::unique_ptr<RedisStore> open_store(NodeId node, std::int64_t lease_ms = 0) {
    RedisOptions o;
    o.lease_ms = lease_ms;
    o.address = {"127.0.0.1", server_->port()};
    o.node_id = node;
    o.reconnect_min_ms = 20;
    o.reconnect_max_ms = 100;
    return std::make_unique<RedisStore>(o);
  }

  // Runs the stores' I/O (as sipedge-cp's loop does) until `done` or 5 s.
  static bool pump(std::vector<RedisStore*> stores, const std::function<bool()>& done) {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
    while (!done()) {
      if (std::chrono::steady_clock::now() > deadline) return false;
      for (RedisStore* s : stores) {
        epoll_event ev;
        ::epoll_wait(s->poll_fd(), &ev, 1, 5);
        s->poll();
        if (s->pending() > 0) s->flush();
      }
    }
    return true;
  }

  std::unique_ptr<RedisServer> server_;
};

TEST_F(RedisStoreTest, UpsertIsDurableOnlyOnceRedisAcknowledgedAndCarriesTheExpiry) {
  auto a = open_store(1);
  ASSERT_TRUE(pump({a.get()}, [&] { return a->connected() && a->synced(); }));
  const Binding b = make_binding("alice@example.com", "sip:alice@10.0.0.2:5060", 1);
  const Sequence seq = a->upsert(b);
  ASSERT_GT(seq, 0u);
  EXPECT_LT(a->durable_sequence(), seq);
  const FlushResult f = a->flush();
  ASSERT_TRUE(f.ok);
  EXPECT_EQ(f.written, 1u);
  EXPECT_LT(a->durable_sequence(), seq) << "durable before Redis answered";
  EXPECT_EQ(a->in_flight(), 1u);
  ASSERT_TRUE(pump({a.get()}, [&] { return a->durable_sequence() >= seq; }));

  const std::string key = a->binding_key(b.aor, b.contact);
  Binding stored;
  ASSERT_TRUE(decode_binding(server_->string("GET %b", key.data(), key.size()), stored));
  EXPECT_TRUE(stored.same_persistent(b));
  EXPECT_EQ(server_->integer("EXPIRETIME %b", key.data(), key.size()), b.expires_at);
}

// An IPv6 binding goes through Redis (key value and change message) with
// its addresses, and a value the previous release wrote (codec version 1,
// IPv4) is still read by a node that starts later.
TEST_F(RedisStoreTest, Ipv6BindingsShareAndPreviousReleaseValuesStillLoad) {
  auto a = open_store(1);
  auto b = open_store(2);
  ASSERT_TRUE(pump({a.get(), b.get()}, [&] { return a->synced() && b->synced(); }));
  Binding v6 = make_binding("carol@example.com", "sip:carol@[2001:db8::7]:5060", 1);
  net::Ipv6Addr src{};
  src.bytes = {0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x07};
  net::Ipv6Addr vip{};
  vip.bytes = {0x20, 0x01, 0x0d, 0xb8, 0, 0x05, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x0a};
  v6.received = Endpoint::ipv6(src, 40000);
  v6.local = Endpoint::ipv6(vip, 5060);
  a->upsert(v6);
  a->flush();
  ASSERT_TRUE(pump({a.get(), b.get()}, [&] { return b->find(v6.aor, v6.contact) != nullptr; }));
  EXPECT_TRUE(b->find(v6.aor, v6.contact)->same_persistent(v6));
  EXPECT_EQ(to_string(b->find(v6.aor, v6.contact)->received), "[2001:db8::7]:40000");

  // Written by the previous release: version 1, IPv4 198.51.100.20:40000.
  const std::string key = a->binding_key("dave@example.com", "sip:x");
  const long long expires = ::time(nullptr) + 600;
  const std::string old_value = "1:1,16:dave@example.com,5:sip:x,10:3325256724,5:40000,10:3405803786,4:5060,1:0," +
                                std::to_string(std::to_string(expires).size()) + ":" + std::to_string(expires) +
                                ",1:0,1:0,4:1000,1:0,1:c,1:1,0:,1:1,1:0,0:,1:0,1:1,";
  redisReply* r = server_->command("SET %b %b EXAT %lld", key.data(), key.size(), old_value.data(), old_value.size(),
                                   expires);
  ASSERT_NE(r, nullptr);
  freeReplyObject(r);
  auto c = open_store(3);
  ASSERT_TRUE(pump({c.get()}, [&] { return c->synced(); }));
  const Binding* dave = c->find("dave@example.com", "sip:x");
  ASSERT_NE(dave, nullptr);
  EXPECT_EQ(to_string(dave->received), "198.51.100.20:40000");
  EXPECT_EQ(to_string(dave->local), "203.0.113.10:5060");
  ASSERT_NE(c->find(v6.aor, v6.contact), nullptr);
  EXPECT_TRUE(c->find(v6.aor, v6.contact)->same_persistent(v6));
}

TEST_F(RedisStoreTest, AnotherNodeSeesAddsAndRemovesAsRemoteChanges) {
  auto a = open_store(1);
  auto b = open_store(2);
  std::vector<std::pair<ChangeKind, ChangeOrigin>> seen_by_b;
  b->subscribe([&](const Change& c) { seen_by_b.emplace_back(c.kind, c.origin); });
  ASSERT_TRUE(pump({a.get(), b.get()}, [&] { return a->synced() && b->synced(); }));

  a->upsert(make_binding("bob@example.com", "sip:bob@10.0.0.3:5060", 1));
  a->flush();
  ASSERT_TRUE(pump({a.get(), b.get()}, [&] { return b->find("bob@example.com", "sip:bob@10.0.0.3:5060"); }));
  EXPECT_EQ(b->find("bob@example.com", "sip:bob@10.0.0.3:5060")->owner, 1u);
  EXPECT_EQ(b->pending(), 0u) << "a remote change must not be written back";
  ASSERT_EQ(seen_by_b.size(), 1u);
  EXPECT_EQ(seen_by_b[0], std::make_pair(ChangeKind::added, ChangeOrigin::remote));

  a->remove("bob@example.com", "sip:bob@10.0.0.3:5060");
  a->flush();
  ASSERT_TRUE(pump({a.get(), b.get()}, [&] { return b->binding_count() == 0; }));
  ASSERT_EQ(seen_by_b.size(), 2u);
  EXPECT_EQ(seen_by_b[1], std::make_pair(ChangeKind::removed, ChangeOrigin::remote));
  EXPECT_GE(b->redis_stats().lag_samples, 2u);
  EXPECT_EQ(server_->integer("DBSIZE"), 0);
}

// Replication lag: a batch goes out in the turn that flushed it, not when
// the writer's loop next gets round to poll(); the peer sees it while the
// writer does nothing else.
TEST_F(RedisStoreTest, FlushPutsTheBatchOnTheWireWithoutWaitingForTheNextPoll) {
  auto a = open_store(1);
  auto b = open_store(2);
  ASSERT_TRUE(pump({a.get(), b.get()}, [&] { return a->synced() && b->synced(); }));
  const Binding carol = make_binding("carol@example.com", "sip:carol@10.0.0.4:5060", 1);
  a->upsert(carol);
  ASSERT_TRUE(a->flush().ok);
  ASSERT_EQ(a->in_flight(), 1u);
  EXPECT_TRUE(pump({b.get()}, [&] { return b->find(carol.aor, carol.contact) != nullptr; }))
      << "the peer never saw a binding flushed but not polled for";
  const std::string key = a->binding_key(carol.aor, carol.contact);
  EXPECT_EQ(server_->integer("EXISTS %b", key.data(), key.size()), 1);
  EXPECT_EQ(a->in_flight(), 1u) << "acknowledged only once the writer reads the replies";
  ASSERT_TRUE(pump({a.get()}, [&] { return a->in_flight() == 0; }));
}

TEST_F(RedisStoreTest, ANodeThatConnectsLaterGetsEverythingByResync) {
  auto a = open_store(1);
  ASSERT_TRUE(pump({a.get()}, [&] { return a->synced(); }));
  for (int i = 0; i < 2500; ++i) {  // more than one SCAN page
    std::string aor = "u";
    aor += std::to_string(i);
    aor += "@example.com";
    a->upsert(make_binding(std::move(aor), "sip:u@10.0.0.9:5060", 1));
  }
  a->flush();
  ASSERT_TRUE(pump({a.get()}, [&] { return a->durable_sequence() == a->last_sequence(); }));

  auto c = open_store(3);
  std::size_t added = 0;
  c->subscribe([&](const Change& ch) { added += ch.kind == ChangeKind::added && ch.origin == ChangeOrigin::remote; });
  ASSERT_TRUE(pump({c.get()}, [&] { return c->synced(); }));
  EXPECT_EQ(c->binding_count(), 2500u);
  EXPECT_EQ(added, 2500u);
  EXPECT_EQ(c->redis_stats().resyncs, 1u);
}

TEST_F(RedisStoreTest, WritesWhileRedisIsDownAreQueuedServedFromTheCacheAndReplayed) {
  auto a = open_store(1);
  auto b = open_store(2);
  ASSERT_TRUE(pump({a.get(), b.get()}, [&] { return a->synced() && b->synced(); }));
  a->upsert(make_binding("gone@example.com", "sip:gone@10.0.0.4:5060", 1));
  a->flush();
  ASSERT_TRUE(pump({a.get(), b.get()},
                   [&] { return b->binding_count() == 1 && a->durable_sequence() == a->last_sequence(); }));

  server_->stop(/*kill=*/true);
  ASSERT_TRUE(pump({a.get(), b.get()}, [&] { return !a->connected() && !b->connected(); }));
  EXPECT_EQ(a->pending(), 0u);
  const Sequence seq = a->upsert(make_binding("carol@example.com", "sip:carol@10.0.0.5:5060", 1));
  const FlushResult down = a->flush();
  EXPECT_FALSE(down.ok);
  EXPECT_EQ(down.consecutive_failures, 1u);
  EXPECT_EQ(a->pending(), 1u);
  EXPECT_LT(a->durable_sequence(), seq);
  ASSERT_NE(a->find("carol@example.com", "sip:carol@10.0.0.5:5060"), nullptr) << "lookups use the cache";

  server_->start();  // empty: the killed instance kept nothing
  ASSERT_TRUE(pump({a.get(), b.get()}, [&] {
    return a->synced() && b->synced() && a->durable_sequence() >= seq &&
           b->find("carol@example.com", "sip:carol@10.0.0.5:5060") != nullptr;
  }));
  EXPECT_EQ(server_->integer("DBSIZE"), 1);
  // The binding lost with the server is gone from both caches after the resync.
  EXPECT_EQ(a->find("gone@example.com", "sip:gone@10.0.0.4:5060"), nullptr);
  EXPECT_EQ(b->find("gone@example.com", "sip:gone@10.0.0.4:5060"), nullptr);
  EXPECT_GE(a->redis_stats().disconnects, 1u);
  EXPECT_EQ(a->redis_stats().connects, 2u);
}

TEST_F(RedisStoreTest, ABatchUnacknowledgedWhenTheConnectionDropsIsWrittenAgain) {
  auto a = open_store(1);
  ASSERT_TRUE(pump({a.get()}, [&] { return a->synced(); }));
  // flush() writes at once: a frozen server receives the batch but never answers it.
  server_->pause();
  const Sequence seq = a->upsert(make_binding("dave@example.com", "sip:dave@10.0.0.7:5060", 1));
  a->flush();
  ASSERT_EQ(a->in_flight(), 1u);
  server_->stop(/*kill=*/true);  // dies with the batch unanswered
  ASSERT_TRUE(pump({a.get()}, [&] { return !a->connected(); }));
  EXPECT_EQ(a->in_flight(), 0u);
  EXPECT_EQ(a->pending(), 1u);
  EXPECT_LT(a->durable_sequence(), seq);
  EXPECT_GE(a->redis_stats().batches_failed, 1u);
  server_->start();
  ASSERT_TRUE(pump({a.get()}, [&] { return a->durable_sequence() >= seq; }));
  EXPECT_EQ(server_->integer("DBSIZE"), 1);
}

TEST_F(RedisStoreTest, AHungServerTimesOutTheBatchAndTheWriteIsReplayedWhenItAnswersAgain) {
  RedisOptions o;
  o.address = {"127.0.0.1", server_->port()};
  o.node_id = 1;
  o.reply_timeout_ms = 200;
  o.reconnect_min_ms = 20;
  o.reconnect_max_ms = 50;
  auto a = std::make_unique<RedisStore>(o);
  ASSERT_TRUE(pump({a.get()}, [&] { return a->synced(); }));
  server_->pause();
  const Sequence seq = a->upsert(make_binding("hung@example.com", "sip:h@10.0.0.13:5060", 1));
  a->flush();
  const auto sent = std::chrono::steady_clock::now();
  ASSERT_TRUE(pump({a.get()}, [&] { return !a->connected(); })) << "the silent batch drops the connection";
  EXPECT_LT(std::chrono::steady_clock::now() - sent, std::chrono::milliseconds(1000));
  EXPECT_EQ(a->pending(), 1u) << "requeued";
  EXPECT_LT(a->durable_sequence(), seq);
  // Reconnects to the paused server also time out instead of hanging.
  const auto reconnects = a->redis_stats().disconnects;
  ASSERT_TRUE(pump({a.get()}, [&] { return a->redis_stats().disconnects >= reconnects + 2; }));
  server_->resume();
  ASSERT_TRUE(pump({a.get()}, [&] { return a->durable_sequence() >= seq; }));
  const std::string key = a->binding_key("hung@example.com", "sip:h@10.0.0.13:5060");
  EXPECT_EQ(server_->integer("EXISTS %b", key.data(), key.size()), 1);
}

TEST_F(RedisStoreTest, RedisDropsAnExpiredBindingByItself) {
  auto a = open_store(1);
  ASSERT_TRUE(pump({a.get()}, [&] { return a->synced(); }));
  const Binding b = make_binding("short@example.com", "sip:s@10.0.0.6:5060", 1, /*lifetime=*/2);
  const Sequence seq = a->upsert(b);
  a->flush();
  ASSERT_TRUE(pump({a.get()}, [&] { return a->durable_sequence() >= seq; }));
  const std::string key = a->binding_key(b.aor, b.contact);
  EXPECT_EQ(server_->integer("EXISTS %b", key.data(), key.size()), 1);
  a.reset();  // no node left to delete it
  std::this_thread::sleep_for(std::chrono::milliseconds(3100));
  EXPECT_EQ(server_->integer("EXISTS %b", key.data(), key.size()), 0);
}

TEST_F(RedisStoreTest, ALiveOwnerKeepsItsBindingsADeadOnesAreTakenOverByExactlyOneNode) {
  constexpr std::int64_t kLeaseMs = 300;
  auto a = open_store(1, kLeaseMs);
  auto b = open_store(2, kLeaseMs);
  auto c = open_store(3, kLeaseMs);
  ASSERT_TRUE(pump({a.get(), b.get(), c.get()}, [&] { return a->synced() && b->synced() && c->synced(); }));
  for (const char* user : {"e1@example.com", "e2@example.com"}) a->upsert(make_binding(user, "sip:e@10.0.0.8:5060", 1));
  a->flush();
  ASSERT_TRUE(pump({a.get(), b.get(), c.get()}, [&] { return b->binding_count() == 2 && c->binding_count() == 2; }));

  // Three lease periods with A alive: nobody takes over.
  const auto until = std::chrono::steady_clock::now() + std::chrono::milliseconds(3 * kLeaseMs);
  pump({a.get(), b.get(), c.get()}, [&] { return std::chrono::steady_clock::now() > until; });
  EXPECT_EQ(b->redis_stats().takeovers + c->redis_stats().takeovers, 0u);
  EXPECT_EQ(b->find("e1@example.com", "sip:e@10.0.0.8:5060")->owner, 1u);

  a.reset();  // node A dies: its lease is no longer renewed
  const auto died = std::chrono::steady_clock::now();
  ASSERT_TRUE(pump({b.get(), c.get()}, [&] {
    const Binding* on_b = b->find("e2@example.com", "sip:e@10.0.0.8:5060");
    const Binding* on_c = c->find("e2@example.com", "sip:e@10.0.0.8:5060");
    return on_b && on_c && on_b->owner != 1 && on_b->owner == on_c->owner &&
           b->find("e1@example.com", "sip:e@10.0.0.8:5060")->owner == on_b->owner;
  }));
  const auto took_ms =
      std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - died).count();
  EXPECT_LT(took_ms, 2 * kLeaseMs) << "within one lease plus one check period";
  EXPECT_EQ(b->redis_stats().takeovers + c->redis_stats().takeovers, 1u) << "exactly one node won the claim";
  EXPECT_EQ(b->redis_stats().taken_over_bindings + c->redis_stats().taken_over_bindings, 2u);
  const NodeId taker = b->find("e1@example.com", "sip:e@10.0.0.8:5060")->owner;
  const std::string key = b->binding_key("e1@example.com", "sip:e@10.0.0.8:5060");
  Binding stored;
  ASSERT_TRUE(pump({b.get(), c.get()}, [&] {
    return decode_binding(server_->string("GET %b", key.data(), key.size()), stored) && stored.owner == taker;
  })) << "the new owner is in Redis too";
}

TEST_F(RedisStoreTest, ArrayModeANodeSeesAPeersBindingsOnlyWhenThePeerSharesWithIt) {
  auto array_store = [&](NodeId id, std::string name, std::vector<std::string> share_with) {
    RedisOptions o;
    o.address = {"127.0.0.1", server_->port()};
    o.node_id = id;
    o.array = true;
    o.node_name = std::move(name);
    o.share_with = std::move(share_with);
    o.lease_ms = 300;  // ignored in array mode: nobody takes over a peer
    o.reconnect_min_ms = 20;
    return std::make_unique<RedisStore>(o);
  };
  // B and C are up before A: they learn of A's share set from its announcement.
  auto b = array_store(2, "edge-b", {"edge-a"});
  auto c = array_store(3, "edge-c", {"edge-a"});
  ASSERT_TRUE(pump({b.get(), c.get()}, [&] { return b->synced() && c->synced(); }));
  auto a = array_store(1, "edge-a", {"edge-b"});
  ASSERT_TRUE(pump({a.get(), b.get(), c.get()}, [&] { return a->synced() && b->peers().contains("edge-a"); }));
  EXPECT_TRUE(c->peers().empty()) << "A does not share with C";
  EXPECT_EQ(a->peers(), (std::set<std::string>{"edge-b", "edge-c"})) << "B and C both share with A";

  a->upsert(make_binding("ann@example.com", "sip:ann@10.0.0.11:5060", 1));
  a->flush();
  ASSERT_TRUE(pump({a.get(), b.get(), c.get()}, [&] { return b->find("ann@example.com", "sip:ann@10.0.0.11:5060"); }));
  const std::string key = a->binding_key("ann@example.com", "sip:ann@10.0.0.11:5060");
  EXPECT_TRUE(key.starts_with("sipedge:n:edge-a:b:{ann@example.com}")) << key;
  EXPECT_EQ(b->pending(), 0u) << "B never writes A's bindings";
  EXPECT_EQ(b->redis_stats().takeovers, 0u);

  // C's binding reaches A (C shares with A), not B.
  c->upsert(make_binding("cid@example.com", "sip:cid@10.0.0.12:5060", 3));
  c->flush();
  ASSERT_TRUE(pump({a.get(), b.get(), c.get()}, [&] { return a->find("cid@example.com", "sip:cid@10.0.0.12:5060"); }));
  // Let every message settle, then check C's and A's isolation.
  const auto until = std::chrono::steady_clock::now() + std::chrono::milliseconds(300);
  pump({a.get(), b.get(), c.get()}, [&] { return std::chrono::steady_clock::now() > until; });
  EXPECT_EQ(c->find("ann@example.com", "sip:ann@10.0.0.11:5060"), nullptr);
  EXPECT_EQ(b->find("cid@example.com", "sip:cid@10.0.0.12:5060"), nullptr);

  // A node that connects later loads a sharing peer's bindings by resync.
  auto b2 = array_store(4, "edge-b", {"edge-a"});
  b.reset();
  ASSERT_TRUE(pump({a.get(), b2.get(), c.get()}, [&] { return b2->find("ann@example.com", "sip:ann@10.0.0.11:5060"); }));
}

// What the server holds: every binding key decoded (tests: one blocking connection).
std::map<std::pair<std::string, std::string>, Binding> server_bindings(const RedisServer& server) {
  std::map<std::pair<std::string, std::string>, Binding> out;
  redisContext* c = redisConnect("127.0.0.1", server.port());
  if (c == nullptr || c->err != 0) {
    if (c != nullptr) redisFree(c);
    return out;
  }
  std::string cursor = "0";
  do {
    auto* r = static_cast<redisReply*>(redisCommand(c, "SCAN %s MATCH sipedge:b:* COUNT 1000", cursor.c_str()));
    if (r == nullptr) break;
    cursor.assign(r->element[0]->str, r->element[0]->len);
    for (std::size_t i = 0; i < r->element[1]->elements; ++i) {
      const redisReply* k = r->element[1]->element[i];
      auto* v = static_cast<redisReply*>(redisCommand(c, "GET %b", k->str, k->len));
      Binding b;
      if (v != nullptr && v->type == REDIS_REPLY_STRING && decode_binding({v->str, v->len}, b))
        out.emplace(std::make_pair(b.aor, b.contact), b);
      if (v != nullptr) freeReplyObject(v);
    }
    freeReplyObject(r);
  } while (cursor != "0");
  redisFree(c);
  return out;
}

std::string numbered_aor(int i) {
  std::string aor = "r";
  aor += std::to_string(i);
  aor += "@example.com";
  return aor;
}

// A resync of 20,000 bindings: no poll() applies more than the window, and
// the end state is the server's (adds, changes and deletions made behind the
// node's back), except where a local write or a message during the resync
// is newer than the snapshot.
TEST_F(RedisStoreTest, AResyncIsAppliedInBoundedSlicesAndEndsWithTheServersState) {
  constexpr int kBindings = 20000;
  const std::string contact = "sip:r@10.0.0.9:5060";
  {
    auto a = open_store(1);
    ASSERT_TRUE(pump({a.get()}, [&] { return a->synced(); }));
    for (int i = 0; i < kBindings; ++i) a->upsert(make_binding(numbered_aor(i), contact, 1));
    a->flush();
    ASSERT_TRUE(pump({a.get()}, [&] { return a->durable_sequence() == a->last_sequence(); }));
  }  // A is gone: from here on the server changes only behind C's back (no messages)

  auto c = open_store(3);
  std::size_t applied_this_poll = 0;
  c->subscribe([&](const Change& ch) { applied_this_poll += ch.origin == ChangeOrigin::remote; });
  // Polls C (as sipedge-cp's loop does, but without flush) until `done`;
  // returns the most remote changes one poll() applied.
  auto drive = [&](const std::function<bool()>& done, std::size_t& most, std::size_t& busy_polls) {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
    while (!done()) {
      if (std::chrono::steady_clock::now() > deadline) return false;
      epoll_event ev;
      ::epoll_wait(c->poll_fd(), &ev, 1, 5);
      applied_this_poll = 0;
      c->poll();
      most = std::max(most, applied_this_poll);
      busy_polls += applied_this_poll > 0;
    }
    return true;
  };
  std::size_t most = 0, busy = 0;
  ASSERT_TRUE(drive([&] { return c->synced(); }, most, busy));
  ASSERT_EQ(c->binding_count(), static_cast<std::size_t>(kBindings));
  EXPECT_LE(most, kResyncGetsInFlight);
  EXPECT_GE(busy, static_cast<std::size_t>(kBindings) / kResyncGetsInFlight);

  // Behind C's back: 0..499 deleted, 500..999 changed, 20000..20499 added.
  {
    redisContext* raw = redisConnect("127.0.0.1", server_->port());
    ASSERT_TRUE(raw != nullptr && raw->err == 0);
    int queued = 0;
    std::string value;
    for (int i = 0; i < 500; ++i) {
      const std::string gone = c->binding_key(numbered_aor(i), contact);
      redisAppendCommand(raw, "DEL %b", gone.data(), gone.size());
      Binding changed = make_binding(numbered_aor(500 + i), contact, 1);
      changed.cseq = 7;
      Binding added = make_binding(numbered_aor(kBindings + i), contact, 1);
      for (const Binding* b : {&changed, &added}) {
        const std::string key = c->binding_key(b->aor, b->contact);
        value.clear();
        encode_binding(*b, value);
        redisAppendCommand(raw, "SET %b %b EXAT %lld", key.data(), key.size(), value.data(), value.size(),
                           static_cast<long long>(b->expires_at));
      }
      queued += 3;
    }
    for (int i = 0; i < queued; ++i) {
      void* r = nullptr;
      ASSERT_EQ(redisGetReply(raw, &r), REDIS_OK);
      freeReplyObject(r);
    }
    redisFree(raw);
  }
  // Drop C's subscriber connection: C reconnects and resyncs.
  server_->integer("CLIENT KILL TYPE pubsub");
  ASSERT_TRUE(drive([&] { return !c->connected(); }, most, busy));
  ASSERT_TRUE(drive([&] { return c->connected(); }, most, busy));
  ASSERT_FALSE(c->synced());
  // The resync has only sent its first SCAN. A message (node 9 rewrote
  // r1000) and a local write (r1001, not flushed until the resync ends)
  // are newer than what the GETs will return.
  Binding by_message = make_binding(numbered_aor(1000), contact, 9);
  {
    std::string message;
    append_netstring(message, "9");
    append_netstring(message, std::to_string(::time(nullptr) * 1000));
    append_netstring(message, "U");
    encode_binding(by_message, message);
    EXPECT_EQ(server_->integer("PUBLISH sipedge:changes %b", message.data(), message.size()), 1);
  }
  Binding local = make_binding(numbered_aor(1001), contact, 3);
  local.cseq = 99;
  c->upsert(local);
  most = 0;
  busy = 0;
  ASSERT_TRUE(drive([&] { return c->synced(); }, most, busy));
  EXPECT_LE(most, kResyncGetsInFlight + 1) << "one poll applied more than the window (+ the message)";
  EXPECT_EQ(c->redis_stats().resyncs, 2u);
  EXPECT_EQ(c->find(numbered_aor(1000), contact)->owner, 9u) << "the message lost to the snapshot";
  EXPECT_EQ(c->find(numbered_aor(1001), contact)->cseq, 99u) << "the local write lost to the snapshot";

  c->flush();
  ASSERT_TRUE(pump({c.get()}, [&] { return c->durable_sequence() == c->last_sequence(); }));
  auto expected = server_bindings(*server_);
  ASSERT_EQ(expected.size(), static_cast<std::size_t>(kBindings));  // -500 +500
  EXPECT_EQ(expected.at({numbered_aor(1001), contact}).cseq, 99u);
  expected.at({numbered_aor(1000), contact}) = by_message;  // the server was never told
  std::size_t matching = 0;
  c->for_each([&](const Binding& b) {
    const auto it = expected.find({b.aor, b.contact});
    matching += it != expected.end() && it->second.same_persistent(b);
  });
  EXPECT_EQ(c->binding_count(), expected.size());
  EXPECT_EQ(matching, expected.size());
  EXPECT_EQ(c->find(numbered_aor(0), contact), nullptr);
  EXPECT_EQ(c->find(numbered_aor(500), contact)->cseq, 7u);
  EXPECT_NE(c->find(numbered_aor(kBindings), contact), nullptr);
}

TEST_F(RedisStoreTest, BadChannelMessagesAreCountedAndIgnored) {
  auto a = open_store(1);
  ASSERT_TRUE(pump({a.get()}, [&] { return a->synced(); }));
  EXPECT_EQ(server_->integer("PUBLISH sipedge:changes %s", "garbage"), 1);
  EXPECT_EQ(server_->integer("PUBLISH sipedge:changes %s", "1:2,1:0,1:U,3:bad,"), 1);
  ASSERT_TRUE(pump({a.get()}, [&] { return a->redis_stats().bad_messages == 2; }));
  EXPECT_EQ(a->binding_count(), 0u);
  EXPECT_TRUE(a->connected());
}

}  // namespace
}  // namespace sipedge::store
