// The event loop against a fake dataplane on a real SOCK_SEQPACKET socket:
// connect, HELLO, REGISTER -> TX 200, reconnect after the dataplane goes
// away, /metrics over HTTP, clean stop.
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <chrono>
#include <cstring>
#include <optional>
#include <thread>

#include "cp/loop.h"
#include "cp_fixture.h"
#include "store/memory_store.h"

namespace sipedge::cp::test {
namespace {

class FakeDataplane {
 public:
  explicit FakeDataplane(const std::string& path) : path_(path) { listen(); }
  ~FakeDataplane() {
    if (client_ >= 0) ::close(client_);
    if (listen_ >= 0) ::close(listen_);
  }
  void listen() {
    ::unlink(path_.c_str());
    listen_ = ::socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
    sockaddr_un sa{};
    sa.sun_family = AF_UNIX;
    std::strncpy(sa.sun_path, path_.c_str(), sizeof sa.sun_path - 1);
    ASSERT_EQ(::bind(listen_, reinterpret_cast<sockaddr*>(&sa), sizeof sa), 0);
    ASSERT_EQ(::listen(listen_, 4), 0);
  }
  void close_all() {
    ::close(client_);
    ::close(listen_);
    client_ = listen_ = -1;
    ::unlink(path_.c_str());
  }
  bool accept(int timeout_ms) {
    pollfd p{listen_, POLLIN, 0};
    if (::poll(&p, 1, timeout_ms) != 1) return false;
    client_ = ::accept4(listen_, nullptr, nullptr, SOCK_CLOEXEC);
    return client_ >= 0;
  }
  void send(const punt::Header& h, std::string_view payload) {
    auto d = punt_datagram(h, payload);
    ASSERT_EQ(::send(client_, d.data(), d.size(), MSG_NOSIGNAL), static_cast<ssize_t>(d.size()));
  }
  // Next message, or nullopt after timeout.
  std::optional<Sent> recv(int timeout_ms) {
    pollfd p{client_, POLLIN, 0};
    if (::poll(&p, 1, timeout_ms) != 1) return std::nullopt;
    std::vector<std::uint8_t> buf(punt::kMaxMessageSize);
    const ssize_t n = ::recv(client_, buf.data(), buf.size(), 0);
    if (n <= 0) return std::nullopt;
    punt::Message m;
    if (punt::decode({buf.data(), static_cast<std::size_t>(n)}, m) != punt::PuntError::Ok) return std::nullopt;
    return Sent{m.header, std::string(reinterpret_cast<const char*>(m.payload.data()), m.payload.size())};
  }

 private:
  std::string path_;
  int listen_ = -1;
  int client_ = -1;
};

std::string http_get(std::uint16_t port, const std::string& path, const std::string& method = "GET") {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in sa{};
  sa.sin_family = AF_INET;
  sa.sin_port = htons(port);
  sa.sin_addr.s_addr = htonl(0x7F000001);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&sa), sizeof sa) != 0) {
    ::close(fd);
    return {};
  }
  const std::string req = method + " " + path + " HTTP/1.1\r\nHost: x\r\n\r\n";
  ::send(fd, req.data(), req.size(), MSG_NOSIGNAL);
  std::string out;
  char buf[4096];
  pollfd p{fd, POLLIN, 0};
  while (::poll(&p, 1, 2000) == 1) {
    const ssize_t n = ::recv(fd, buf, sizeof buf, 0);
    if (n <= 0) break;
    out.append(buf, static_cast<std::size_t>(n));
  }
  ::close(fd);
  return out;
}

TEST(Loop, RegistersReconnectsServesMetricsAndStops) {
  TempDir dir;
  const config::Config config = test_config(dir.path());
  store::MemoryStore store;
  // No dataplane yet: the loop must keep retrying, not fail.
  Loop loop(config, store, nullptr, {0x7F000001, 0});
  ASSERT_NE(loop.http_port(), 0);
  const int stop = ::eventfd(0, EFD_CLOEXEC);
  int rc = -1;
  std::thread runner([&] { rc = loop.run(stop); });
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

  const std::uint64_t one = 1;
  ASSERT_EQ(::write(stop, &one, sizeof one), static_cast<ssize_t>(sizeof one));
  runner.join();
  EXPECT_EQ(rc, 0);
  ::close(stop);
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
  const int stop = ::eventfd(0, EFD_CLOEXEC);
  std::thread runner([&] { loop.run(stop); });

  const std::string sets = http_get(loop.http_port(), "/api/sets");
  EXPECT_TRUE(sets.starts_with("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n")) << sets;
  EXPECT_NE(sets.find("\"state\":\"up\",\"probe\":\"off\",\"admin\":\"auto\""), std::string::npos) << sets;
  EXPECT_TRUE(http_get(loop.http_port(), "/api/sets/state?destination=pool/0&state=down").starts_with("HTTP/1.1 404"))
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

  const std::uint64_t one = 1;
  ASSERT_EQ(::write(stop, &one, sizeof one), static_cast<ssize_t>(sizeof one));
  runner.join();
  ::close(stop);
}

}  // namespace
}  // namespace sipedge::cp::test
