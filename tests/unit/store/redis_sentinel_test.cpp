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

}  // namespace
}  // namespace sipedge::store
