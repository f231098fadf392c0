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

#include <sys/stat.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <thread>

namespace sipedge::ctl {
namespace {

constexpr std::uint32_t kLoopback = 0x7F000001;

// Accepts one connection, reads the request head, answers `reply` (or
// nothing, holding the connection for `hold_ms`), closes.
class OneShotServer {
 public:
  OneShotServer(std::string reply, int hold_ms = 0, bool v6 = false)
      : reply_(std::move(reply)), hold_ms_(hold_ms), v6_(v6) {
    if (v6_) {
      fd_ = ::socket(AF_INET6, SOCK_STREAM | SOCK_CLOEXEC, 0);
      sockaddr_in6 sa{};
      sa.sin6_family = AF_INET6;
      sa.sin6_addr = in6addr_loopback;
      EXPECT_EQ(::bind(fd_, reinterpret_cast<sockaddr*>(&sa), sizeof sa), 0);
      EXPECT_EQ(::listen(fd_, 1), 0);
      socklen_t len = sizeof sa;
      ::getsockname(fd_, reinterpret_cast<sockaddr*>(&sa), &len);
      port_ = ntohs(sa.sin6_port);
      thread_ = std::thread([this] { serve(); });
      return;
    }
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
  config::ListenAddress endpoint() const {
    if (!v6_) return {kLoopback, port_};
    config::Ipv6 loopback{};
    loopback[15] = 1;
    return config::ListenAddress::ipv6(loopback, port_);
  }
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
  bool v6_;
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

// metrics.listen = "[::1]:PORT": the client reaches a v6 listener, with the
// bracketed authority in its Host header.
TEST(HttpClient, ReachesAnIpv6Listener) {
  OneShotServer server("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n\r\n{\"ok\":true}\n", 0, true);
  const HttpResult r = http_request(server.endpoint(), "GET", "/api/registrations");
  EXPECT_EQ(r.status, 200) << r.error;
  EXPECT_EQ(r.body, "{\"ok\":true}\n");
  EXPECT_NE(server.request().find("\r\nHost: [::1]:" + std::to_string(server.endpoint().port) + "\r\n"),
            std::string::npos)
      << server.request();
}

TEST(HttpClient, RefusedConnectionIsAnError) {
  config::ListenAddress closed;
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

TEST(HttpClient, SendsTheBearerTokenWhenItHasOne) {
  OneShotServer server("HTTP/1.1 200 OK\r\n\r\n{}");
  ApiTarget api;
  api.address = server.endpoint().address;
  api.port = server.endpoint().port;
  api.token = "0123456789abcdef0123456789abcdef";
  EXPECT_EQ(http_request(api, "POST", "/api/reload").status, 200);
  EXPECT_NE(server.request().find("\r\nAuthorization: Bearer 0123456789abcdef0123456789abcdef\r\n"), std::string::npos)
      << server.request();
  OneShotServer open("HTTP/1.1 200 OK\r\n\r\n{}");
  EXPECT_EQ(http_request(open.endpoint(), "GET", "/api/stats").status, 200);
  EXPECT_EQ(open.request().find("Authorization"), std::string::npos) << "no token, no header";
}

// api_address(): the token comes from the config's metrics.token_file, or
// from --token-file, which wins.
TEST(HttpClient, TokenFromTheConfigOrTokenFile) {
  std::string dir = (std::filesystem::temp_directory_path() / "sipedgectl-test.XXXXXX").string();
  ASSERT_NE(::mkdtemp(dir.data()), nullptr);
  const auto write = [&](const std::string& name, const std::string& text, mode_t mode) {
    const std::string path = dir + "/" + name;
    std::ofstream(path) << text;
    ::chmod(path.c_str(), mode);
    return path;
  };
  const std::string config_token = write("config.token", "from-the-config-0123456789\n", 0600);
  const std::string other_token = write("other.token", "from-the-option-0123456789\n", 0600);
  const std::string config = write("node.toml",
                                   "[node]\nid = 1\n[dataplane]\nworker_lcores = [1]\n[[port]]\nname = \"p0\"\n"
                                   "device = \"net_null0\"\naddress = \"203.0.113.10/24\"\n[sip]\nvips = [\"203.0.113.1\"]\n"
                                   "[metrics]\nlisten = \"127.0.0.1:9999\"\ntoken_file = \"" + config_token + "\"\n",
                                   0644);
  auto api = api_address(config);
  ASSERT_TRUE(api);
  EXPECT_EQ(api->port, 9999);
  EXPECT_EQ(api->token, "from-the-config-0123456789");
  set_token_file(other_token);
  api = api_address(config);
  ASSERT_TRUE(api);
  EXPECT_EQ(api->token, "from-the-option-0123456789");
  set_token_file(write("open.token", "from-the-option-0123456789\n", 0644));
  EXPECT_FALSE(api_address(config)) << "a world-readable --token-file is refused too";
  set_token_file({});
  std::filesystem::remove_all(dir);
}

TEST(HttpClient, UrlEncode) {
  EXPECT_EQ(url_encode("sip:alice@example.com"), "sip%3Aalice%40example.com");
  EXPECT_EQ(url_encode("a b/c~d-e_f.g"), "a%20b%2Fc~d-e_f.g");
  EXPECT_EQ(url_encode("\xff"), "%FF");
}

}  // namespace
}  // namespace sipedge::ctl
