#pragma once
// Test doubles around sipedge-cp's Loop: a fake dataplane listening on the
// punt socket (SOCK_SEQPACKET) and one-shot HTTP requests. Blocking, with
// timeouts; for tests only, one thread per object.
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <chrono>
#include <cstring>
#include <optional>
#include <string>
#include <vector>

#include "cp_fixture.h"
#include "punt/message.h"

namespace sipedge::cp::test {

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
  // Next message, or nullopt after timeout. The control plane's once-a-second
  // STATS polls are skipped (and counted) unless asked for.
  std::optional<Sent> recv(int timeout_ms, bool skip_stats_polls = true) {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
    for (;;) {
      const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
      pollfd p{client_, POLLIN, 0};
      if (left.count() <= 0 || ::poll(&p, 1, static_cast<int>(left.count())) != 1) return std::nullopt;
      std::vector<std::uint8_t> buf(punt::kMaxMessageSize);
      const ssize_t n = ::recv(client_, buf.data(), buf.size(), 0);
      if (n <= 0) return std::nullopt;
      punt::Message m;
      if (punt::decode({buf.data(), static_cast<std::size_t>(n)}, m) != punt::PuntError::Ok) return std::nullopt;
      if (skip_stats_polls && m.header.type == punt::MessageType::Stats) {
        ++stats_polls;
        continue;
      }
      return Sent{m.header, std::string(reinterpret_cast<const char*>(m.payload.data()), m.payload.size())};
    }
  }
  int stats_polls = 0;

 private:
  std::string path_;
  int listen_ = -1;
  int client_ = -1;
};

// Sends `raw` as is, returns everything the server wrote before closing.
inline std::string http_raw(std::uint16_t port, const std::string& raw, int timeout_ms = 2000) {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in sa{};
  sa.sin_family = AF_INET;
  sa.sin_port = htons(port);
  sa.sin_addr.s_addr = htonl(0x7F000001);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&sa), sizeof sa) != 0) {
    ::close(fd);
    return {};
  }
  ::send(fd, raw.data(), raw.size(), MSG_NOSIGNAL);
  std::string out;
  char buf[4096];
  pollfd p{fd, POLLIN, 0};
  while (::poll(&p, 1, timeout_ms) == 1) {
    const ssize_t n = ::recv(fd, buf, sizeof buf, 0);
    if (n <= 0) break;
    out.append(buf, static_cast<std::size_t>(n));
  }
  ::close(fd);
  return out;
}

inline std::string http_get(std::uint16_t port, const std::string& path, const std::string& method = "GET") {
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

}  // namespace sipedge::cp::test
