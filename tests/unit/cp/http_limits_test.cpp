// sipedge-cp's API server (libmicrohttpd on the Loop's epoll set) against
// hostile clients over real loopback sockets: an oversized header, a bad
// Content-Length, a client sending one byte a second (closed at the request
// deadline while the loop's timer keeps its one-second STATS schedule), and
// a flood of idle connections.

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <string>
#include <thread>
#include <vector>

#include "cp/loop.h"
#include "cp_fixture.h"
#include "fake_dataplane.h"
#include "store/memory_store.h"

namespace sipedge::cp::test {
namespace {

using Clock = std::chrono::steady_clock;

int connect_loopback(std::uint16_t port) {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in sa{};
  sa.sin_family = AF_INET;
  sa.sin_port = htons(port);
  sa.sin_addr.s_addr = htonl(0x7F000001);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&sa), sizeof sa) != 0) {
    ::close(fd);
    return -1;
  }
  return fd;
}

// Whether the server closed `fd` (EOF or reset) within `timeout_ms`; what it
// wrote first goes to `out`.
bool closed_by_server(int fd, int timeout_ms, std::string* out = nullptr) {
  const auto deadline = Clock::now() + std::chrono::milliseconds(timeout_ms);
  char buf[4096];
  for (;;) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
    pollfd p{fd, POLLIN, 0};
    if (left <= 0 || ::poll(&p, 1, static_cast<int>(left)) != 1) return false;
    const ssize_t n = ::recv(fd, buf, sizeof buf, 0);
    if (n <= 0) return true;
    if (out) out->append(buf, static_cast<std::size_t>(n));
  }
}

class HttpLimits : public ::testing::Test {
 protected:
  HttpLimits() : config_(test_config(dir_.path())) {}
  void SetUp() override {
    loop_ = std::make_unique<Loop>(config_, store_, nullptr, config::ListenAddress{0x7F000001, 0});
    dp_ = std::make_unique<FakeDataplane>(config_.dataplane.punt_socket);
    stop_ = ::eventfd(0, EFD_CLOEXEC);
    runner_ = std::thread([this] { rc_ = loop_->run(stop_); });
    ASSERT_TRUE(dp_->accept(6000));
  }
  void TearDown() override {
    const std::uint64_t one = 1;
    ASSERT_EQ(::write(stop_, &one, sizeof one), static_cast<ssize_t>(sizeof one));
    runner_.join();
    EXPECT_EQ(rc_, 0);
    ::close(stop_);
  }
  std::uint16_t port() const { return loop_->http_port(); }

  TempDir dir_;
  config::Config config_;
  store::MemoryStore store_;
  std::unique_ptr<Loop> loop_;
  std::unique_ptr<FakeDataplane> dp_;
  int stop_ = -1;
  int rc_ = -1;
  std::thread runner_;
};

TEST_F(HttpLimits, AnOversizedHeaderIsAnswered431OrClosed) {
  const std::string big(2 * kHttpMemoryLimit, 'a');
  const std::string r = http_raw(port(), "GET /api/stats HTTP/1.1\r\nHost: x\r\nX-Padding: " + big + "\r\n\r\n");
  EXPECT_TRUE(r.empty() || r.starts_with("HTTP/1.1 431")) << r.substr(0, 200);
  const std::string url = http_raw(port(), "GET /" + big + " HTTP/1.1\r\nHost: x\r\n\r\n");
  EXPECT_TRUE(url.empty() || url.starts_with("HTTP/1.1 414") || url.starts_with("HTTP/1.1 431")) << url.substr(0, 200);
  // Just under the limit is still served.
  const std::string fits(kHttpMemoryLimit / 4, 'a');
  EXPECT_TRUE(http_raw(port(), "GET /api/stats HTTP/1.1\r\nHost: x\r\nX-Padding: " + fits + "\r\n\r\n")
                  .starts_with("HTTP/1.1 200 OK\r\n"));
}

TEST_F(HttpLimits, ABadContentLengthIsAnswered400OrClosed) {
  for (const std::string length : {"abc", "-1", "12x", "99999999999999999999999999"}) {
    const std::string r =
        http_raw(port(), "POST /api/reload HTTP/1.1\r\nHost: x\r\nContent-Length: " + length + "\r\n\r\n", 3000);
    EXPECT_TRUE(r.empty() || r.starts_with("HTTP/1.1 400") || r.starts_with("HTTP/1.1 413")) << length << ": " << r;
    EXPECT_EQ(r.find("HTTP/1.1 200"), std::string::npos) << length;
  }
  EXPECT_EQ(loop_->control_plane().counters().get(Counter::api_reloads), 0u) << "no bad request reached /api/reload";
  // A body over the limit, announced or not, is refused before it is read.
  EXPECT_TRUE(http_raw(port(), "POST /api/unregister HTTP/1.1\r\nHost: x\r\nContent-Length: " +
                                   std::to_string(kMaxHttpBody + 1) + "\r\n\r\n")
                  .starts_with("HTTP/1.1 413"));
}

TEST_F(HttpLimits, AOneByteASecondClientIsClosedAndTheTimerKeepsItsSchedule) {
  const int fd = connect_loopback(port());
  ASSERT_GE(fd, 0);
  const auto opened = Clock::now();
  Clock::duration closed_after{};
  std::thread slow([&] {
    const std::string request = "GET /api/stats HTTP/1.1\r\nHost: x\r\nX-Slow: " + std::string(64, 'a') + "\r\n\r\n";
    // Bounded: at most 12 bytes, 12 s; the server must close well before.
    for (std::size_t i = 0; i < 12; ++i) {
      if (::send(fd, request.data() + i, 1, MSG_NOSIGNAL) != 1) break;
      if (closed_by_server(fd, 1000)) break;
    }
    closed_after = Clock::now() - opened;
  });
  // The loop's one-second STATS polls, taken from the timer, keep coming.
  std::vector<Clock::time_point> polls;
  const auto watch_until = Clock::now() + std::chrono::milliseconds(6500);
  while (Clock::now() < watch_until) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(watch_until - Clock::now()).count();
    const auto m = dp_->recv(static_cast<int>(std::max<long long>(left, 1)), false);
    if (m && m->header.type == punt::MessageType::Stats) polls.push_back(Clock::now());
  }
  slow.join();
  ::close(fd);
  const auto closed_ms = std::chrono::duration_cast<std::chrono::milliseconds>(closed_after).count();
  EXPECT_GE(closed_ms, kHttpRequestTimeoutUs / 1000 - 200) << "not before the deadline";
  EXPECT_LE(closed_ms, kHttpRequestTimeoutUs / 1000 + 1500) << "closed at the deadline, not at the idle timeout";
  ASSERT_GE(polls.size(), 5u) << "STATS polls while the slow client was connected";
  for (std::size_t i = 1; i < polls.size(); ++i) {
    const auto gap = std::chrono::duration_cast<std::chrono::milliseconds>(polls[i] - polls[i - 1]).count();
    EXPECT_LT(gap, 1400) << "poll " << i << " late: the loop was held";
  }
  // The server still serves others afterwards.
  EXPECT_TRUE(http_get(port(), "/api/stats").starts_with("HTTP/1.1 200 OK\r\n"));
}

// A flood of idle connections: past kMaxHttpConnections libmicrohttpd
// stops accepting (the rest wait in the kernel's backlog); the deadline
// frees the slots, so the API answers again within it.
TEST_F(HttpLimits, AnIdleConnectionFloodIsClosedAtTheDeadline) {
  std::vector<int> held;
  for (std::size_t i = 0; i < kMaxHttpConnections + 8; ++i) {
    const int fd = connect_loopback(port());
    if (fd >= 0) held.push_back(fd);
  }
  ASSERT_EQ(held.size(), kMaxHttpConnections + 8);
  const auto flooded = Clock::now();
  std::string r;
  // Bounded: 40 tries, 250 ms apart.
  for (int i = 0; i < 40 && !r.starts_with("HTTP/1.1 200"); ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(250));
    r = http_raw(port(), "GET /api/stats HTTP/1.1\r\nHost: x\r\n\r\n", 100);
  }
  const auto served_ms = std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - flooded).count();
  EXPECT_TRUE(r.starts_with("HTTP/1.1 200 OK\r\n")) << r;
  EXPECT_LE(served_ms, kHttpRequestTimeoutUs / 1000 + 2000);
  std::size_t closed = 0;
  for (const int fd : held) {
    if (closed_by_server(fd, 10)) ++closed;
    ::close(fd);
  }
  EXPECT_GE(closed, kMaxHttpConnections) << "the idle ones were closed by the server, not by us";
}

}  // namespace
}  // namespace sipedge::cp::test
