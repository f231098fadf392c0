// The event loop against a fake dataplane on a real SOCK_SEQPACKET socket:
// connect, HELLO, REGISTER -> TX 200, reconnect after the dataplane goes
// away, /metrics over HTTP, clean stop.
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <chrono>
#include <cstring>
#include <optional>
#include <thread>

#include "cp/loop.h"
#include "cp_fixture.h"
#include "fake_dataplane.h"
#include "loop_fixture.h"
#include "store/memory_store.h"

namespace sipedge::cp::test {
namespace {

TEST(Loop, RegistersReconnectsServesMetricsAndStops) {
  TempDir dir;
  const config::Config config = test_config(dir.path());
  store::MemoryStore store;
  // No dataplane yet: the loop must keep retrying, not fail.
  Loop loop(config, store, nullptr, {0x7F000001, 0});
  ASSERT_NE(loop.http_port(), 0);
  RunningLoop running(loop);
  std::this_thread::sleep_for(std::chrono::milliseconds(300));

  {
    FakeDataplane dp(config.dataplane.punt_socket);
    ASSERT_TRUE(dp.accept(6000)) << "sipedge-cp connects once the socket exists";
    dp.send({.type = punt::MessageType::Hello, .cookie = 1}, "sipedge-dp node=test workers=1");
    dp.send(from_phone(), register_text({}));
    auto tx = dp.recv(2000);
    ASSERT_TRUE(tx);
    EXPECT_EQ(tx->header.type, punt::MessageType::Tx);
    EXPECT_EQ(tx->header.dst_ipv4, kPhoneIp);
    EXPECT_EQ(tx->header.dst_port, kPhonePort);
    EXPECT_TRUE(tx->payload.starts_with("SIP/2.0 200 OK\r\n")) << tx->payload;

    // The dataplane restarts: the control plane reconnects by itself.
    dp.close_all();
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
    dp.listen();
    ASSERT_TRUE(dp.accept(8000)) << "reconnected after the dataplane came back";
    RegisterSpec spec;
    spec.to = "sip:bob@example.com";
    spec.call_id = "bob-1";
    dp.send(from_phone(), register_text(spec));
    tx = dp.recv(2000);
    ASSERT_TRUE(tx);
    EXPECT_TRUE(tx->payload.starts_with("SIP/2.0 200 OK\r\n")) << tx->payload;
  }

  const std::string metrics = http_get(loop.http_port(), "/metrics");
  EXPECT_TRUE(metrics.starts_with("HTTP/1.1 200 OK\r\n")) << metrics;
  EXPECT_NE(metrics.find("\nsipedge_registrations 2\n"), std::string::npos) << metrics;
  EXPECT_NE(metrics.find("\nsipedge_cp_punts_received_total 2\n"), std::string::npos);
  EXPECT_NE(metrics.find("\nsipedge_cp_punt_connects_total 2\n"), std::string::npos);
  const std::string regs = http_get(loop.http_port(), "/api/registrations");
  EXPECT_NE(regs.find("\"aor\":\"alice@example.com\""), std::string::npos) << regs;
  EXPECT_TRUE(http_get(loop.http_port(), "/nope").starts_with("HTTP/1.1 404"));

  EXPECT_EQ(running.stop(), 0);
}

// A running loop with a fake dataplane already connected.
class LoopApi : public LoopFixture {
 protected:
  void SetUp() override { start_loop(); }
};

TEST_F(LoopApi, ReloadAnswersWithTheDataplanesVerdict) {
  std::string response;
  std::thread client([&] { response = http_raw(port(), "POST /api/reload HTTP/1.1\r\nContent-Length: 0\r\n\r\n", 4000); });
  auto req = dp_->recv(3000);
  if (!req) client.join();
  ASSERT_TRUE(req) << response;
  EXPECT_EQ(req->header.type, punt::MessageType::Reload);
  dp_->send({.type = punt::MessageType::Reload, .flags = punt::kFlagReply | punt::kFlagFailed, .cookie = 3}, "");
  client.join();
  EXPECT_TRUE(response.starts_with("HTTP/1.1 409 ")) << response;
  EXPECT_NE(response.find("\"ok\":false"), std::string::npos) << response;

  client = std::thread([&] { response = http_raw(port(), "POST /api/reload HTTP/1.1\r\n\r\n", 4000); });
  req = dp_->recv(3000);
  ASSERT_TRUE(req);
  dp_->send({.type = punt::MessageType::Reload, .flags = punt::kFlagReply, .cookie = 4}, "");
  client.join();
  EXPECT_TRUE(response.starts_with("HTTP/1.1 200 OK")) << response;
  EXPECT_NE(response.find("{\"ok\":true,\"generation\":4,\"subscribers\":null}"), std::string::npos) << response;
}

TEST_F(LoopApi, UnregisterRemovesTheAorsBindings) {
  dp_->send(from_phone(), register_text({}));
  RegisterSpec second;
  second.contacts = {"<sip:alice@192.168.1.30:5060>"};
  second.call_id = "alice-2";
  dp_->send(from_phone(), register_text(second));
  RegisterSpec bob;
  bob.to = "sip:bob@example.com";
  bob.call_id = "bob-1";
  dp_->send(from_phone(), register_text(bob));
  for (int i = 0; i < 3; ++i) ASSERT_TRUE(dp_->recv(2000));

  const std::string one = http_get(port(), "/api/registrations/sip%3Aalice%40example.com");
  EXPECT_NE(one.find("\"aor\":\"alice@example.com\""), std::string::npos) << one;
  EXPECT_EQ(one.find("bob@"), std::string::npos) << "only the AOR asked for";

  std::string r = http_raw(port(), "DELETE /api/registrations/alice@example.com HTTP/1.1\r\n\r\n");
  EXPECT_TRUE(r.starts_with("HTTP/1.1 200 OK")) << r;
  EXPECT_NE(r.find("\"removed\":2"), std::string::npos) << r;
  EXPECT_TRUE(store_.lookup("alice@example.com").empty());
  EXPECT_EQ(store_.lookup("bob@example.com").size(), 1u);
  EXPECT_GE(store_.durable_sequence(), store_.last_sequence()) << "answered once durable";

  r = http_raw(port(), "DELETE /api/registrations/alice@example.com HTTP/1.1\r\n\r\n");
  EXPECT_TRUE(r.starts_with("HTTP/1.1 404")) << r;
  r = http_raw(port(), "POST /api/unregister HTTP/1.1\r\nContent-Length: 21\r\n\r\naor=bob%40example.com");
  EXPECT_TRUE(r.starts_with("HTTP/1.1 200 OK")) << r;
  EXPECT_EQ(store_.binding_count(), 0u);
}

TEST_F(LoopApi, BadRequestsAreRefusedAndCounted) {
  // Malformed: libmicrohttpd closes the connection without an answer.
  const std::string garbage = http_raw(port(), "GARBAGE\r\n\r\n");
  EXPECT_TRUE(garbage.empty() || garbage.starts_with("HTTP/1.1 400")) << garbage;
  EXPECT_TRUE(http_raw(port(), "POST /api/stats HTTP/1.1\r\n\r\n").starts_with("HTTP/1.1 405"));
  EXPECT_NE(http_raw(port(), "PUT /api/registrations/a@example.com HTTP/1.1\r\n\r\n").find("Allow: GET, DELETE\r\n"),
            std::string::npos);
  EXPECT_TRUE(http_raw(port(), "GET /api/nope HTTP/1.1\r\n\r\n").starts_with("HTTP/1.1 404"));
  EXPECT_TRUE(http_raw(port(), "GET /api/registrations/example.com HTTP/1.1\r\n\r\n").starts_with("HTTP/1.1 400"));
  EXPECT_TRUE(http_raw(port(), "POST /api/unregister HTTP/1.1\r\nContent-Length: 3\r\n\r\nx=1").starts_with("HTTP/1.1 400"));
  EXPECT_TRUE(http_raw(port(), "POST /api/reload HTTP/1.1\r\nContent-Length: 100000\r\n\r\n").starts_with("HTTP/1.1 413"));
  EXPECT_TRUE(http_raw(port(), "POST /api/reload HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n").starts_with("HTTP/1.1 501"));
  EXPECT_TRUE(http_raw(port(), "GET /" + std::string(20000, 'a') + " HTTP/1.1\r\n\r\n").starts_with("HTTP/1.1 414"));
  // A page elsewhere making the operator's browser act here (CSRF).
  EXPECT_TRUE(http_raw(port(), "POST /api/reload HTTP/1.1\r\nHost: 127.0.0.1\r\nOrigin: http://evil.example\r\n\r\n")
                  .starts_with("HTTP/1.1 403"));
  const std::string metrics = http_get(port(), "/metrics");
  // Counted: every refusal but the two libmicrohttpd makes itself (malformed, 414).
  EXPECT_NE(metrics.find("\nsipedge_cp_http_refused_total 8\n"), std::string::npos) << metrics;
  EXPECT_NE(metrics.find("\nsipedge_cp_api_reloads_total 0\n"), std::string::npos);
  EXPECT_NE(metrics.find("\nsipedge_cp_punt_queue 0\n"), std::string::npos);
}

TEST_F(LoopApi, ServesTheDashboardAndStats) {
  const std::string page = http_get(port(), "/");
  EXPECT_TRUE(page.starts_with("HTTP/1.1 200 OK")) << page.substr(0, 200);
  EXPECT_NE(page.find("Content-Type: text/html"), std::string::npos);
  EXPECT_NE(page.find("id=\"cps-graph\" data-points="), std::string::npos);
  EXPECT_EQ(page.find("http://"), std::string::npos) << "nothing fetched from elsewhere";
  EXPECT_EQ(page.find("https://"), std::string::npos);
  // The loop polls STATS by itself; answer one and see it in /api/stats.
  auto poll = dp_->recv(3000, false);
  ASSERT_TRUE(poll);
  ASSERT_EQ(poll->header.type, punt::MessageType::Stats);
  dp_->send({.type = punt::MessageType::Stats, .flags = punt::kFlagReply, .cookie = poll->header.cookie}, "");
  const std::string stats = http_get(port(), "/api/stats");
  EXPECT_NE(stats.find("\"connected\":true"), std::string::npos) << stats.substr(0, 400);
  EXPECT_NE(stats.find("\"stats_age_ms\":"), std::string::npos);
  EXPECT_EQ(stats.find("\"stats_age_ms\":null"), std::string::npos) << "the reply was taken";
  const std::string text = http_get(port(), "/api/stats?format=text");
  EXPECT_NE(text.find("dataplane      connected"), std::string::npos) << text;
}

// /api/sets and POST /api/sets/state through the loop's HTTP routing: the
// query of a POST is read; a GET never changes a state.
TEST(Loop, SetsApiOverHttp) {
  TempDir dir;
  config::Config config = test_config(dir.path());
  config::SetConfig pool;
  pool.name = "pool";
  pool.id = 1;
  config::DestinationConfig d;
  d.uri = "sip:198.51.100.21:5060";
  d.address = 0xC6336415;
  pool.destinations = {d};
  config.sets = {pool};
  config.probe.enabled = false;
  store::MemoryStore store;
  Loop loop(config, store, nullptr, {0x7F000001, 0});
  RunningLoop running(loop);

  const std::string sets = http_get(loop.http_port(), "/api/sets");
  EXPECT_TRUE(sets.starts_with("HTTP/1.1 200 OK\r\n")) << sets;
  EXPECT_NE(sets.find("\r\nContent-Type: application/json\r\n"), std::string::npos) << sets;
  EXPECT_NE(sets.find("\"state\":\"up\",\"probe\":\"off\",\"admin\":\"auto\""), std::string::npos) << sets;
  EXPECT_TRUE(http_get(loop.http_port(), "/api/sets/state?destination=pool/0&state=down").starts_with("HTTP/1.1 405"))
      << "GET does not change a state";
  const std::string changed = http_get(loop.http_port(), "/api/sets/state?destination=pool/0&state=down", "POST");
  EXPECT_TRUE(changed.starts_with("HTTP/1.1 200 OK\r\n")) << changed;
  EXPECT_NE(http_get(loop.http_port(), "/api/sets").find("\"state\":\"down\",\"probe\":\"off\",\"admin\":\"down\""),
            std::string::npos);
  EXPECT_TRUE(http_get(loop.http_port(), "/api/sets/state?destination=pool/5&state=down", "POST").starts_with("HTTP/1.1 404"));
  EXPECT_TRUE(http_get(loop.http_port(), "/api/sets/state?destination=pool/0&state=x", "POST").starts_with("HTTP/1.1 400"));
  EXPECT_TRUE(http_get(loop.http_port(), "/api/sets/state", "POST").starts_with("HTTP/1.1 400"));
  EXPECT_TRUE(http_get(loop.http_port(), "/metrics", "POST").starts_with("HTTP/1.1 405"));
  const std::string metrics = http_get(loop.http_port(), "/metrics");
  EXPECT_NE(metrics.find("\nsipedge_cp_destination_up{set=\"pool\",destination=\"sip:198.51.100.21:5060\"} 0\n"),
            std::string::npos);

}

// metrics.token_file: every state-changing request needs the bearer token
// (401 with WWW-Authenticate without it or with a wrong one), reads stay open.
TEST(Loop, StateChangingRequestsNeedTheBearerToken) {
  TempDir dir;
  config::Config config = test_config(dir.path());
  config::SetConfig pool;
  pool.name = "pool";
  pool.id = 1;
  config::DestinationConfig d;
  d.uri = "sip:198.51.100.21:5060";
  d.address = 0xC6336415;
  pool.destinations = {d};
  config.sets = {pool};
  config.probe.enabled = false;
  config.metrics.token = "0123456789abcdef0123456789abcdef";
  store::MemoryStore store;
  Loop loop(config, store, nullptr, {0x7F000001, 0});
  RunningLoop running(loop);
  const auto post = [&](const std::string& target, const std::string& authorization) {
    std::string raw = "POST " + target + " HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n";
    if (!authorization.empty()) raw += "Authorization: " + authorization + "\r\n";
    return http_raw(loop.http_port(), raw + "\r\n");
  };
  const std::string set_down = "/api/sets/state?destination=pool/0&state=down";

  const std::string none = post(set_down, "");
  EXPECT_TRUE(none.starts_with("HTTP/1.1 401 Unauthorized\r\n")) << none;
  EXPECT_NE(none.find("\r\nWWW-Authenticate: Bearer realm=\"sipedge\"\r\n"), std::string::npos) << none;
  const std::string wrong = post(set_down, "Bearer 0123456789abcdef0123456789abcdeX");
  EXPECT_TRUE(wrong.starts_with("HTTP/1.1 401 Unauthorized\r\n")) << wrong;
  EXPECT_NE(wrong.find("error=\"invalid_token\""), std::string::npos) << wrong;
  EXPECT_TRUE(post(set_down, "Basic MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=").starts_with("HTTP/1.1 401"));
  EXPECT_TRUE(post(set_down, "Bearer 0123456789abcdef").starts_with("HTTP/1.1 401")) << "a prefix is not the token";
  EXPECT_NE(http_get(loop.http_port(), "/api/sets").find("\"admin\":\"auto\""), std::string::npos)
      << "refused requests changed nothing";
  EXPECT_TRUE(post("/api/reload", "").starts_with("HTTP/1.1 401"));
  EXPECT_TRUE(http_get(loop.http_port(), "/api/registrations/alice%40example.com", "DELETE").starts_with("HTTP/1.1 401"));

  const std::string allowed = post(set_down, "bearer 0123456789abcdef0123456789abcdef");  // the scheme is case-insensitive
  EXPECT_TRUE(allowed.starts_with("HTTP/1.1 200 OK\r\n")) << allowed;
  EXPECT_NE(http_get(loop.http_port(), "/api/sets").find("\"admin\":\"down\""), std::string::npos);
  EXPECT_TRUE(post("/api/unregister?aor=x", "Bearer 0123456789abcdef0123456789abcdef").starts_with("HTTP/1.1 400"))
      << "past the gate, the endpoint judges the request";

  // Reads need no token.
  const std::string metrics = http_get(loop.http_port(), "/metrics");
  EXPECT_TRUE(metrics.starts_with("HTTP/1.1 200 OK\r\n")) << metrics;
  EXPECT_NE(metrics.find("\nsipedge_cp_http_unauthorized_total 6\n"), std::string::npos) << metrics;
  EXPECT_TRUE(http_get(loop.http_port(), "/api/stats").starts_with("HTTP/1.1 200 OK\r\n"));
  EXPECT_TRUE(http_get(loop.http_port(), "/").starts_with("HTTP/1.1 200 OK\r\n"));

}

// metrics.allow: clients outside the prefixes get 403 for every path.
TEST(Loop, ClientsOutsideTheAllowListAreRefused) {
  TempDir dir;
  config::Config config = test_config(dir.path());
  config.metrics.allow = {{0xC6336400, 24}};  // 198.51.100.0/24: not this loopback client
  store::MemoryStore store;
  {
    Loop loop(config, store, nullptr, {0x7F000001, 0});
    RunningLoop running(loop);
    const std::string refused = http_get(loop.http_port(), "/metrics");
    EXPECT_TRUE(refused.starts_with("HTTP/1.1 403 Forbidden\r\n")) << refused;
    EXPECT_TRUE(http_get(loop.http_port(), "/api/reload", "POST").starts_with("HTTP/1.1 403"));
    EXPECT_EQ(loop.control_plane().counters().get(Counter::http_forbidden), 2u);
  }
  config.metrics.allow.push_back({0x7F000000, 8});  // 127.0.0.0/8
  Loop loop(config, store, nullptr, {0x7F000001, 0});
  RunningLoop running(loop);
  EXPECT_TRUE(http_get(loop.http_port(), "/metrics").starts_with("HTTP/1.1 200 OK\r\n"));
}

}  // namespace
}  // namespace sipedge::cp::test

namespace sipedge::cp::test {
namespace {

TEST_F(LoopApi, DrainAndUndrainOverHttp) {
  // announce.enabled is off here: the verdict and the drain still run (no BIRD).
  EXPECT_TRUE(http_get(port(), "/api/drain").starts_with("HTTP/1.1 405")) << "state changes are POST only";
  const std::string bad = http_raw(port(), "POST /api/drain?grace=soon HTTP/1.1\r\n\r\n", 2000);
  EXPECT_TRUE(bad.starts_with("HTTP/1.1 400")) << bad;
  const std::string drained = http_raw(port(), "POST /api/drain?grace=0 HTTP/1.1\r\n\r\n", 2000);
  EXPECT_TRUE(drained.starts_with("HTTP/1.1 200 OK")) << drained;
  EXPECT_NE(drained.find("\"reason\":\"worker_stalled\""), std::string::npos) << "connected, no heartbeat: " << drained;
  EXPECT_NE(drained.find("\"can_stop\":true"), std::string::npos) << drained;
  const std::string status = http_get(port(), "/api/announce?format=text");
  EXPECT_NE(status.find("grace over: the node can stop"), std::string::npos) << status;
  const std::string stats = http_get(port(), "/api/stats");
  EXPECT_NE(stats.find("\"announce\":{\"enabled\":false,\"announced\":false"), std::string::npos) << stats;
  const std::string metrics = http_get(port(), "/metrics");
  EXPECT_NE(metrics.find("\nsipedge_cp_announced 0\n"), std::string::npos);
  EXPECT_NE(metrics.find("\nsipedge_cp_draining 1\n"), std::string::npos);
  const std::string undrained = http_raw(port(), "POST /api/undrain HTTP/1.1\r\n\r\n", 2000);
  EXPECT_NE(undrained.find("\"drain\":null"), std::string::npos) << undrained;
  EXPECT_NE(http_get(port(), "/metrics").find("\nsipedge_cp_draining 0\n"), std::string::npos);
}

}  // namespace
}  // namespace sipedge::cp::test
