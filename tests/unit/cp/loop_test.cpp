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
#include "fake_dataplane.h"
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

}  // namespace
}  // namespace sipedge::cp::test
