// sipedgectl's HTTP client against a one-shot server on loopback: status and
// body, the request it sends, refused connections, a silent server (timeout),
// a reply that is not HTTP; url_encode.
#include "http_client.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <string>
#include <thread>

namespace sipedge::ctl {
namespace {

constexpr std::uint32_t kLoopback = 0x7F000001;

// Accepts one connection, reads the request head, answers `reply` (or
// nothing, holding the connection for `hold_ms`), closes.
class OneShotServer {
 public:
  OneShotServer(std::string reply, int hold_ms = 0) : reply_(std::move(reply)), hold_ms_(hold_ms) {
    fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in sa{};
    sa.sin_family = AF_INET;
    sa.sin_addr.s_addr = htonl(kLoopback);
    EXPECT_EQ(::bind(fd_, reinterpret_cast<sockaddr*>(&sa), sizeof sa), 0);
    EXPECT_EQ(::listen(fd_, 1), 0);
    socklen_t len = sizeof sa;
    ::getsockname(fd_, reinterpret_cast<sockaddr*>(&sa), &len);
    port_ = ntohs(sa.sin_port);
    thread_ = std::thread([this] { serve(); });
  }
  ~OneShotServer() {
    thread_.join();
    ::close(fd_);
  }
  config::Ipv4Endpoint endpoint() const { return {kLoopback, port_}; }
  const std::string& request() const { return request_; }

 private:
  void serve() {
    pollfd p{fd_, POLLIN, 0};
    if (::poll(&p, 1, 3000) != 1) return;
    const int c = ::accept(fd_, nullptr, nullptr);
    if (c < 0) return;
    char buf[4096];
    pollfd q{c, POLLIN, 0};
    while (request_.find("\r\n\r\n") == std::string::npos && ::poll(&q, 1, 2000) == 1) {
      const ssize_t n = ::recv(c, buf, sizeof buf, 0);
      if (n <= 0) break;
      request_.append(buf, static_cast<std::size_t>(n));
    }
    if (hold_ms_ > 0) std::this_thread::sleep_for(std::chrono::milliseconds(hold_ms_));
    ::send(c, reply_.data(), reply_.size(), MSG_NOSIGNAL);
    ::close(c);
  }

  std::string reply_;
  int hold_ms_;
  int fd_ = -1;
  std::uint16_t port_ = 0;
  std::string request_;
  std::thread thread_;
};

TEST(HttpClient, StatusAndBody) {
  OneShotServer server("HTTP/1.1 409 Conflict\r\nContent-Type: application/json\r\n\r\n{\"ok\":false}\n");
  const HttpResult r = http_request(server.endpoint(), "POST", "/api/reload");
  EXPECT_EQ(r.status, 409);
  EXPECT_EQ(r.body, "{\"ok\":false}\n");
  EXPECT_TRUE(r.error.empty()) << r.error;
  EXPECT_TRUE(server.request().starts_with("POST /api/reload HTTP/1.1\r\n")) << server.request();
  EXPECT_NE(server.request().find("\r\nContent-Length: 0\r\n"), std::string::npos) << "a POST says its length";
  EXPECT_NE(server.request().find("\r\nConnection: close\r\n"), std::string::npos);
  EXPECT_EQ(server.request().find("Origin:"), std::string::npos) << "a CLI is not a cross-site page";
}

TEST(HttpClient, RefusedConnectionIsAnError) {
  config::Ipv4Endpoint closed;
  {
    OneShotServer server("HTTP/1.1 200 OK\r\n\r\n");
    closed = server.endpoint();
    EXPECT_EQ(http_request(closed, "GET", "/").status, 200);
  }
  const HttpResult r = http_request(closed, "GET", "/api/stats");
  EXPECT_EQ(r.status, 0);
  EXPECT_NE(r.error.find("refused"), std::string::npos) << r.error;
}

TEST(HttpClient, SilentServerTimesOut) {
  OneShotServer server("", 1500);
  const auto start = std::chrono::steady_clock::now();
  const HttpResult r = http_request(server.endpoint(), "GET", "/api/stats", {}, 300);
  const auto took = std::chrono::steady_clock::now() - start;
  EXPECT_EQ(r.status, 0);
  EXPECT_NE(r.error.find("timed out"), std::string::npos) << r.error;
  EXPECT_LT(took, std::chrono::milliseconds(1200));
}

TEST(HttpClient, NotHttpIsAnError) {
  OneShotServer server("SIP/2.0 200 OK\r\n\r\n");
  const HttpResult r = http_request(server.endpoint(), "GET", "/");
  EXPECT_EQ(r.status, 0);
  EXPECT_NE(r.error.find("not an HTTP response"), std::string::npos) << r.error;
}

TEST(HttpClient, UrlEncode) {
  EXPECT_EQ(url_encode("sip:alice@example.com"), "sip%3Aalice%40example.com");
  EXPECT_EQ(url_encode("a b/c~d-e_f.g"), "a%20b%2Fc~d-e_f.g");
  EXPECT_EQ(url_encode("\xff"), "%FF");
}

}  // namespace
}  // namespace sipedge::ctl
