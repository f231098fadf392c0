// Two sipedge-cp event loops (two edge nodes, each with its own fake
// dataplane) sharing registrations through one real redis-server: a REGISTER
// through node A is answered 200 only once Redis has it, node B learns the
// binding within milliseconds and routes a call for that user to the UA's
// received address from the VIP; with Redis down the held 200 becomes a 500.
#include <gtest/gtest.h>
#include <unistd.h>

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <thread>

#include "../store/redis_server.h"
#include "cp/loop.h"
#include "cp_fixture.h"
#include "fake_dataplane.h"
#include "running_loop.h"
#include "sip/message.h"
#include "store/redis_store.h"

namespace sipedge::cp::test {
namespace {

using store::testing::RedisServer;

punt::Header from_server() {
  return {.type = punt::MessageType::Punt,
          .flags = punt::kFlagLocalLookup,
          .port_id = 1,
          .src_ipv4 = kServerIp,
          .dst_ipv4 = kInside,
          .src_port = 5060,
          .dst_port = 5060};
}

std::string invite_to(std::string_view ruri) {
  std::string t = "INVITE " + std::string(ruri) + " SIP/2.0\r\n";
  t += "Via: SIP/2.0/UDP 198.51.100.20:5060;branch=z9hG4bK-inv1\r\nMax-Forwards: 70\r\n";
  t += "From: <sip:bob@example.com>;tag=b1\r\nTo: <" + std::string(ruri) + ">\r\n";
  t += "Call-ID: inv-1@server\r\nCSeq: 1 INVITE\r\nContact: <sip:bob@198.51.100.20:5060>\r\n";
  t += "Content-Length: 0\r\n\r\n";
  return t;
}

// One edge node: config, Redis-backed store, loop on its own thread, fake dataplane.
class Node {
 public:
  Node(std::uint32_t id, std::uint16_t redis_port, std::uint32_t keepalive_s = 30) : config_(test_config(dir_.path())) {
    config_.node.id = id;
    config_.keepalive.interval_s = keepalive_s;
    config_.node.name = "edge-" + std::to_string(id);
    config_.store.backend = config::StoreBackend::kRedis;
    store::RedisOptions o;
    o.address = {"127.0.0.1", redis_port};
    o.node_id = id;
    o.reconnect_min_ms = 20;
    o.reconnect_max_ms = 100;
    o.lease_ms = std::int64_t{keepalive_s} * 1000 / 2;  // as sipedge-cp's main derives it
    store_ = std::make_unique<store::RedisStore>(o);
    loop_ = std::make_unique<Loop>(config_, *store_, nullptr, config::ListenAddress{0x7F000001, 0});
    dp_ = std::make_unique<FakeDataplane>(config_.dataplane.punt_socket);
    running_ = std::make_unique<RunningLoop>(*loop_);
    connected_ = dp_->accept(6000);
  }
  bool connected() const { return connected_; }
  FakeDataplane& dp() { return *dp_; }
  std::string get(const std::string& path) const { return http_get(loop_->http_port(), path); }
  // Polls `path` until its body contains `needle` (at most 3 s).
  bool wait_for(const std::string& path, const std::string& needle) const {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(3);
    while (std::chrono::steady_clock::now() < deadline) {
      if (get(path).find(needle) != std::string::npos) return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    return false;
  }

 private:
  TempDir dir_;
  config::Config config_;
  std::unique_ptr<store::RedisStore> store_;
  std::unique_ptr<Loop> loop_;
  std::unique_ptr<FakeDataplane> dp_;
  std::unique_ptr<RunningLoop> running_;  // declared last: stopped before the loop, store and dataplane go
  bool connected_ = false;
};

class ClusterTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!store::testing::redis_server_installed()) GTEST_SKIP() << "redis-server not installed";
    redis_ = std::make_unique<RedisServer>();
  }
  std::unique_ptr<RedisServer> redis_;
};

TEST_F(ClusterTest, RegisterThroughOneNodeCallThroughTheOther) {
  Node a(1, redis_->port());
  Node b(2, redis_->port());
  ASSERT_TRUE(a.connected() && b.connected());
  ASSERT_TRUE(a.wait_for("/metrics", "\nsipedge_redis_connected 1\n"));
  ASSERT_TRUE(b.wait_for("/metrics", "\nsipedge_redis_connected 1\n"));

  a.dp().send(from_phone(), register_text({}));
  const auto ok = a.dp().recv(3000);
  ASSERT_TRUE(ok);
  EXPECT_TRUE(ok->payload.starts_with("SIP/2.0 200 OK\r\n")) << ok->payload;
  // The 200 left only once Redis had the binding.
  redisReply* keys = redis_->command("KEYS sipedge:b:{alice@example.com}:*");
  ASSERT_NE(keys, nullptr);
  EXPECT_EQ(keys->elements, 1u);
  freeReplyObject(keys);

  ASSERT_TRUE(b.wait_for("/api/registrations", "\"aor\":\"alice@example.com\""));
  EXPECT_NE(b.get("/api/registrations").find("\"owner\":1"), std::string::npos) << "node A accepted it";
  b.dp().send(from_server(), invite_to("sip:alice@example.com"));
  const auto call = b.dp().recv(2000);
  ASSERT_TRUE(call);
  EXPECT_EQ(call->header.type, punt::MessageType::Tx);
  EXPECT_EQ(call->header.dst_ipv4, kPhoneIp) << "to the UA's public (NAT) address";
  EXPECT_EQ(call->header.dst_port, kPhonePort);
  EXPECT_EQ(call->header.src_ipv4, kVip) << "from the anycast VIP";
  EXPECT_TRUE(call->payload.starts_with("INVITE sip:alice@192.168.1.20:5060 SIP/2.0\r\n")) << call->payload;
  EXPECT_TRUE(b.get("/metrics").find("\nsipedge_redis_remote_changes_total 1\n") != std::string::npos);
}

TEST_F(ClusterTest, OnlyTheOwnerKeepsABindingAliveAndAnotherNodeTakesOverWithinOneIntervalWhenItDies) {
  constexpr std::uint32_t kIntervalS = 2;
  auto a = std::make_unique<Node>(1, redis_->port(), kIntervalS);
  Node b(2, redis_->port(), kIntervalS);
  ASSERT_TRUE(a->connected() && b.connected());
  ASSERT_TRUE(a->wait_for("/metrics", "\nsipedge_redis_connected 1\n"));
  ASSERT_TRUE(b.wait_for("/metrics", "\nsipedge_redis_connected 1\n"));
  a->dp().send(from_phone(), register_text({}));
  const auto ok = a->dp().recv(3000);
  ASSERT_TRUE(ok && ok->payload.starts_with("SIP/2.0 200 OK\r\n"));
  ASSERT_TRUE(b.wait_for("/api/registrations", "\"aor\":\"alice@example.com\""));
  EXPECT_TRUE(a->wait_for("/metrics", "\nsipedge_keepalive_bindings 1\n"));
  EXPECT_TRUE(b.wait_for("/metrics", "\nsipedge_keepalive_bindings 0\n")) << "B does not ping A's binding";

  a.reset();  // node A's control plane dies
  const auto died = std::chrono::steady_clock::now();
  ASSERT_TRUE(b.wait_for("/metrics", "\nsipedge_keepalive_bindings 1\n"));
  EXPECT_LE(std::chrono::steady_clock::now() - died, std::chrono::seconds(kIntervalS)) << "took over within one interval";
  EXPECT_TRUE(b.wait_for("/api/registrations", "\"owner\":2"));
  EXPECT_TRUE(b.wait_for("/metrics", "\nsipedge_redis_takeovers_total 1\n"));
  // B's first keepalive to the UA's NAT address: the binding's slot in B's
  // wheel, so within one interval of the takeover.
  std::optional<Sent> ping;
  while (!ping && std::chrono::steady_clock::now() - died < std::chrono::seconds(2 * kIntervalS + 1)) {
    auto m = b.dp().recv(100);
    if (m && m->header.type == punt::MessageType::Tx && m->header.dst_ipv4 == kPhoneIp) ping = m;
  }
  ASSERT_TRUE(ping) << "no keepalive from B";
  EXPECT_EQ(ping->header.src_ipv4, kVip);
  EXPECT_LE(std::chrono::steady_clock::now() - died, std::chrono::seconds(2 * kIntervalS));
}

std::string ok_for(const std::string& options) {
  sip::Message req;
  EXPECT_EQ(req.parse(options), sip::ParseError::ok);
  std::string t = "SIP/2.0 200 OK\r\n";
  t += "Via: " + std::string(req.value(sip::HeaderId::via)) + ";received=203.0.113.7\r\n";
  t += "From: " + std::string(req.value(sip::HeaderId::from)) + "\r\n";
  t += "To: " + std::string(req.value(sip::HeaderId::to)) + ";tag=ph1\r\n";
  t += "Call-ID: " + std::string(req.call_id()) + "\r\n";
  t += "CSeq: " + std::string(req.value(sip::HeaderId::cseq)) + "\r\nContent-Length: 0\r\n\r\n";
  return t;
}

TEST_F(ClusterTest, AKeepaliveReplyLandingOnAnotherNodeIsHandedToTheSender) {
  constexpr std::uint32_t kIntervalS = 1;
  Node a(1, redis_->port(), kIntervalS);
  Node b(2, redis_->port(), kIntervalS);
  ASSERT_TRUE(a.wait_for("/metrics", "\nsipedge_redis_connected 1\n"));
  ASSERT_TRUE(b.wait_for("/metrics", "\nsipedge_redis_connected 1\n"));
  a.dp().send(from_phone(), register_text({}));
  const auto ok = a.dp().recv(3000);
  ASSERT_TRUE(ok && ok->payload.starts_with("SIP/2.0 200 OK\r\n"));
  std::optional<Sent> options;
  for (int i = 0; i < 30 && !options; ++i) {
    auto m = a.dp().recv(100);
    if (m && m->payload.starts_with("OPTIONS ")) options = m;
  }
  ASSERT_TRUE(options) << "A sends the keepalive";
  // Anycast: the UA's answer reaches node B's dataplane.
  punt::Header h = from_phone(0);
  h.flags |= punt::kFlagKeepaliveReply;
  b.dp().send(h, ok_for(options->payload));
  EXPECT_TRUE(b.wait_for("/metrics", "\nsipedge_cp_replies_handed_over_total 1\n"));
  EXPECT_TRUE(a.wait_for("/metrics", "\nsipedge_cp_replies_taken_over_total 1\n"));
  EXPECT_TRUE(a.wait_for("/metrics", "\nsipedge_keepalive_answered_total 1\n")) << "A counts the answer";
  EXPECT_TRUE(a.wait_for("/metrics", "\nsipedge_keepalive_rtt_seconds_count 1\n"));
  EXPECT_TRUE(b.get("/metrics").find("\nsipedge_keepalive_stray_total 0\n") != std::string::npos);
}

TEST_F(ClusterTest, WithRedisDownTheHeldOkBecomesA500AndTheBindingIsWrittenOnReconnect) {
  Node a(1, redis_->port());
  ASSERT_TRUE(a.connected());
  ASSERT_TRUE(a.wait_for("/metrics", "\nsipedge_redis_connected 1\n"));
  redis_->stop(/*kill=*/true);
  ASSERT_TRUE(a.wait_for("/metrics", "\nsipedge_redis_connected 0\n"));

  a.dp().send(from_phone(), register_text({}));
  const auto reply = a.dp().recv(3000);
  ASSERT_TRUE(reply);
  EXPECT_TRUE(reply->payload.starts_with("SIP/2.0 500 ")) << reply->payload;
  EXPECT_TRUE(a.wait_for("/metrics", "\nsipedge_redis_queue_depth 1\n"));

  redis_->start();
  ASSERT_TRUE(a.wait_for("/metrics", "\nsipedge_redis_queue_depth 0\n"));
  redisReply* keys = redis_->command("KEYS sipedge:b:*");
  ASSERT_NE(keys, nullptr);
  EXPECT_EQ(keys->elements, 1u) << "the queued binding was replayed";
  freeReplyObject(keys);
}

}  // namespace
}  // namespace sipedge::cp::test
