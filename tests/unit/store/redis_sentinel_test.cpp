// Sentinel failover under steady REGISTER-like write traffic: a primary, two
// replicas and one sentinel (quorum 1) on loopback ports; the store finds the
// primary through the sentinel, writes with WAIT 1, and the primary is
// SIGKILLed mid-traffic. Afterwards every binding whose write was
// acknowledged (a held 200 OK would have left) is on the new primary, and the
// store follows the new primary without being restarted.
#include <gtest/gtest.h>
#include <sys/epoll.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <ctime>
#include <filesystem>
#include <functional>
#include <fstream>
#include <map>
#include <memory>
#include <string>
#include <thread>

#include "redis_server.h"
#include "store/redis_store.h"

namespace sipedge::store {
namespace {

using testing::RedisServer;
using testing::free_loopback_port;

Binding numbered_binding(int i) {
  Binding b;
  b.aor = "user" + std::to_string(i) + "@example.com";
  b.contact = "sip:u@10.0.0.2:5060";
  b.registered_at = ::time(nullptr);
  b.expires_at = b.registered_at + 600;
  b.owner = 1;
  return b;
}

bool wait_until(const std::function<bool()>& done, int seconds) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(seconds);
  while (!done()) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return true;
}

TEST(RedisSentinel, EveryAcknowledgedBindingSurvivesAFailoverAndTheStoreFollowsTheNewPrimary) {
  if (!testing::redis_server_installed()) GTEST_SKIP() << "redis-server not installed";
  auto primary = std::make_unique<RedisServer>();
  const std::string primary_at = "127.0.0.1 " + std::to_string(primary->port());
  RedisServer replica1(free_loopback_port(), {"--replicaof", "127.0.0.1", std::to_string(primary->port())});
  RedisServer replica2(free_loopback_port(), {"--replicaof", "127.0.0.1", std::to_string(primary->port())});
  ASSERT_TRUE(wait_until([&] { return primary->integer("WAIT 2 100") == 2; }, 10)) << "replicas in sync";

  const auto dir = std::filesystem::temp_directory_path() / ("sipedge-sentinel-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  const std::string conf = (dir / "sentinel.conf").string();
  {
    std::ofstream f(conf);
    f << "sentinel monitor edge " << primary_at << " 1\n"
      << "sentinel down-after-milliseconds edge 1500\n"
      << "sentinel failover-timeout edge 6000\n"  // shorter down-after flaps on a loaded 2-core box
      << "sentinel parallel-syncs edge 2\n";
  }
  const std::uint16_t sentinel_port = free_loopback_port();
  auto sentinel = RedisServer::sentinel(sentinel_port, conf);
  std::printf("primary %u replicas %u %u sentinel %u conf %s\n", primary->port(), replica1.port(), replica2.port(),
              sentinel_port, conf.c_str());
  ASSERT_TRUE(wait_until([&] { return sentinel->integer("SENTINEL replicas edge") != -2; }, 1));

  RedisOptions o;
  o.sentinels = {{"127.0.0.1", sentinel_port}};
  o.master_name = "edge";
  o.node_id = 1;
  o.wait_replicas = 1;
  o.wait_timeout_ms = 300;
  o.reconnect_min_ms = 50;
  o.reconnect_max_ms = 200;
  RedisStore store(o);

  auto pump_for = [&](int ms) {
    const auto until = std::chrono::steady_clock::now() + std::chrono::milliseconds(ms);
    while (std::chrono::steady_clock::now() < until) {
      epoll_event ev;
      ::epoll_wait(store.poll_fd(), &ev, 1, 2);
      store.poll();
    }
  };
  while (!store.synced()) pump_for(10);
  EXPECT_EQ(store.primary().port, primary->port());

  // Steady traffic: one new binding per 5 ms; acknowledged = its sequence became durable.
  std::map<Sequence, int> waiting;  // sequence -> binding number
  std::vector<int> acknowledged;
  int next = 0;
  bool killed = false;
  const auto start = std::chrono::steady_clock::now();
  const auto elapsed_ms = [&] {
    return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - start).count();
  };
  while (elapsed_ms() < 25000) {
    if (elapsed_ms() < 6000) {
      waiting.emplace(store.upsert(numbered_binding(next)), next);
      ++next;
    }
    if (store.pending() > 0) store.flush();
    pump_for(5);
    while (!waiting.empty() && waiting.begin()->first <= store.durable_sequence()) {
      acknowledged.push_back(waiting.begin()->second);
      waiting.erase(waiting.begin());
    }
    if (!killed && elapsed_ms() > 1500) {
      primary->stop(/*kill=*/true);
      killed = true;
    }
    if (elapsed_ms() > 6000 && waiting.empty() && store.connected()) break;
  }
  ASSERT_TRUE(killed);
  EXPECT_TRUE(waiting.empty()) << waiting.size() << " writes never acknowledged";
  ASSERT_TRUE(store.connected());
  const std::uint16_t new_port = store.primary().port;
  EXPECT_NE(new_port, primary->port()) << "followed the promoted replica";
  RedisServer* promoted = new_port == replica1.port() ? &replica1 : &replica2;
  ASSERT_EQ(new_port, promoted->port());

  std::size_t missing = 0;
  for (int i : acknowledged) {
    const Binding b = numbered_binding(i);
    const std::string key = store.binding_key(b.aor, b.contact);
    if (promoted->integer("EXISTS %b", key.data(), key.size()) != 1) ++missing;
  }
  std::printf("failover: %d bindings written, %zu acknowledged, %zu missing after failover, %llu sentinel queries\n",
              next, acknowledged.size(), missing,
              static_cast<unsigned long long>(store.redis_stats().sentinel_queries));
  EXPECT_EQ(acknowledged.size(), static_cast<std::size_t>(next));
  EXPECT_EQ(missing, 0u);
  EXPECT_EQ(store.binding_count(), static_cast<std::size_t>(next));
  if (!::testing::Test::HasFailure()) std::filesystem::remove_all(dir);
}

bool says_master(const RedisServer& server) {
  redisReply* r = server.command("ROLE");
  const bool master = r != nullptr && r->type == REDIS_REPLY_ARRAY && r->elements > 0 &&
                      r->element[0]->type == REDIS_REPLY_STRING && std::string(r->element[0]->str) == "master";
  if (r != nullptr) freeReplyObject(r);
  return master;
}

// A primary, one replica and a sentinel (quorum 1) watching them as "edge".
struct SentinelGroup {
  std::unique_ptr<RedisServer> primary = std::make_unique<RedisServer>();
  RedisServer replica{free_loopback_port(), {"--replicaof", "127.0.0.1", std::to_string(primary->port())}};
  std::filesystem::path dir = std::filesystem::temp_directory_path() /
                              ("sipedge-sentinel-push-" + std::to_string(::getpid()));
  std::unique_ptr<RedisServer> sentinel;

  SentinelGroup() {
    std::filesystem::create_directories(dir);
    const std::string conf = (dir / "sentinel.conf").string();
    std::ofstream f(conf);
    f << "sentinel monitor edge 127.0.0.1 " << primary->port() << " 1\n"
      << "sentinel down-after-milliseconds edge 1500\n"
      << "sentinel failover-timeout edge 6000\n";
    f.close();
    sentinel = RedisServer::sentinel(free_loopback_port(), conf);
  }
  ~SentinelGroup() {
    sentinel.reset();
    std::error_code ec;
    std::filesystem::remove_all(dir, ec);
  }
  // A manual failover (the primary stays up); retried while the sentinel has
  // not yet learnt a usable replica (-NOGOODSLAVE).
  bool failover() const {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(15);
    while (std::chrono::steady_clock::now() < deadline) {
      redisReply* r = sentinel->command("SENTINEL FAILOVER edge");
      const bool ok = r != nullptr && r->type == REDIS_REPLY_STATUS;
      if (r != nullptr) freeReplyObject(r);
      if (ok) return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(200));
    }
    return false;
  }
};

void pump(RedisStore& store, const std::function<bool()>& done, int ms) {
  const auto until = std::chrono::steady_clock::now() + std::chrono::milliseconds(ms);
  while (!done() && std::chrono::steady_clock::now() < until) {
    epoll_event ev;
    ::epoll_wait(store.poll_fd(), &ev, 1, 2);
    store.poll();
  }
}

RedisOptions through_sentinel(std::uint16_t sentinel_port) {
  RedisOptions o;
  o.sentinels = {{"127.0.0.1", sentinel_port}};
  o.master_name = "edge";
  o.node_id = 1;
  o.reconnect_min_ms = 50;
  o.reconnect_max_ms = 200;
  return o;
}

// A manual failover leaves the old primary up and answering as a primary
// until Sentinel reconfigures it (seconds later): only the +switch-master
// push moves the store within the window, and the next write lands on the
// promoted replica. The first sentinel listed is dead: every sentinel is
// watched, so the live one's push still arrives.
TEST(RedisSentinel, SwitchMasterMovesTheStoreWhileTheOldPrimaryStillAnswers) {
  if (!testing::redis_server_installed()) GTEST_SKIP() << "redis-server not installed";
  SentinelGroup group;
  ASSERT_TRUE(wait_until([&] { return group.primary->integer("WAIT 1 100") == 1; }, 10)) << "replica in sync";
  RedisOptions o = through_sentinel(group.sentinel->port());
  o.sentinels.insert(o.sentinels.begin(), {"127.0.0.1", free_loopback_port()});  // listed, never answers
  RedisStore store(o);
  pump(store, [&] { return store.synced() && store.watching_sentinel(); }, 5000);
  ASSERT_TRUE(store.synced());
  ASSERT_EQ(store.sentinels_watched(), 1u) << "the live sentinel is watched though the first one is dead";
  ASSERT_EQ(store.primary().port, group.primary->port());

  ASSERT_TRUE(group.failover());
  const auto asked = std::chrono::steady_clock::now();
  pump(store, [&] { return store.connected() && store.primary().port == group.replica.port(); }, 3000);
  const auto moved_ms =
      std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - asked).count();
  std::printf("manual failover: store on the promoted replica %lld ms after SENTINEL FAILOVER\n",
              static_cast<long long>(moved_ms));
  ASSERT_EQ(store.primary().port, group.replica.port());
  ASSERT_TRUE(store.connected());
  EXPECT_EQ(store.redis_stats().sentinel_switches, 1u);
  EXPECT_TRUE(says_master(*group.primary)) << "moved while the old primary still took writes";

  const Binding b = numbered_binding(1);
  const Sequence seq = store.upsert(b);
  store.flush();
  pump(store, [&] { return store.durable_sequence() >= seq; }, 3000);
  ASSERT_GE(store.durable_sequence(), seq);
  const std::string key = store.binding_key(b.aor, b.contact);
  EXPECT_EQ(group.replica.integer("EXISTS %b", key.data(), key.size()), 1) << "written to the promoted replica";
}

// The watch survives a sentinel restart: it subscribes again and the next
// switch still moves the store at once.
TEST(RedisSentinel, SubscribesAgainAfterTheSentinelRestarts) {
  if (!testing::redis_server_installed()) GTEST_SKIP() << "redis-server not installed";
  SentinelGroup group;
  ASSERT_TRUE(wait_until([&] { return group.primary->integer("WAIT 1 100") == 1; }, 10)) << "replica in sync";
  RedisStore store(through_sentinel(group.sentinel->port()));
  pump(store, [&] { return store.synced() && store.watching_sentinel(); }, 5000);
  ASSERT_TRUE(store.watching_sentinel());
  EXPECT_EQ(store.redis_stats().sentinel_subscriptions, 1u);

  group.sentinel->stop();
  pump(store, [&] { return !store.watching_sentinel(); }, 2000);
  EXPECT_FALSE(store.watching_sentinel());
  EXPECT_TRUE(store.connected()) << "the primary's connections do not depend on the watch";
  group.sentinel->start();
  pump(store, [&] { return store.watching_sentinel(); }, 5000);
  ASSERT_TRUE(store.watching_sentinel());
  EXPECT_EQ(store.redis_stats().sentinel_subscriptions, 2u);

  ASSERT_TRUE(group.failover());
  pump(store, [&] { return store.connected() && store.primary().port == group.replica.port(); }, 3000);
  EXPECT_EQ(store.primary().port, group.replica.port());
  EXPECT_EQ(store.redis_stats().sentinel_switches, 1u);
}

}  // namespace
}  // namespace sipedge::store
