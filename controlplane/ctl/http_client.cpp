#include "http_client.h"

#include <cstdio>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <chrono>
#include <cstring>

#include "config/token_file.h"

namespace sipedge::ctl {
namespace {

using Clock = std::chrono::steady_clock;

std::string& token_file_override() {
  static std::string path;
  return path;
}

class Fd {
 public:
  explicit Fd(int fd) : fd_(fd) {}
  ~Fd() {
    if (fd_ >= 0) ::close(fd_);
  }
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  int get() const { return fd_; }

 private:
  int fd_;
};

int ms_left(Clock::time_point deadline) {
  const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
  return left > 0 ? static_cast<int>(left) : 0;
}

// Waits for `events` on fd until the deadline; false on timeout.
bool wait_for(int fd, short events, Clock::time_point deadline) {
  pollfd p{fd, events, 0};
  for (;;) {
    const int n = ::poll(&p, 1, ms_left(deadline));
    if (n > 0) return true;
    if (n == 0) return false;
    if (errno != EINTR) return false;
  }
}

}  // namespace

std::string url_encode(std::string_view text) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (const char c : text) {
    const auto u = static_cast<unsigned char>(c);
    if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '.' ||
        c == '_' || c == '~') {
      out += c;
    } else {
      out += '%';
      out += kHex[u >> 4];
      out += kHex[u & 0xF];
    }
  }
  return out;
}

HttpResult http_request(config::Ipv4Endpoint server, std::string_view method, std::string_view target,
                        std::string_view body, int timeout_ms, std::string_view bearer_token) {
  HttpResult r;
  const auto deadline = Clock::now() + std::chrono::milliseconds(timeout_ms);
  const std::string where = config::format_ipv4(server.address) + ":" + std::to_string(server.port);
  Fd fd(::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
  if (fd.get() < 0) {
    r.error = std::string("socket: ") + std::strerror(errno);
    return r;
  }
  sockaddr_in sa{};
  sa.sin_family = AF_INET;
  sa.sin_port = htons(server.port);
  sa.sin_addr.s_addr = htonl(server.address);
  if (::connect(fd.get(), reinterpret_cast<sockaddr*>(&sa), sizeof sa) != 0) {
    if (errno != EINPROGRESS) {
      r.error = "connect " + where + ": " + std::strerror(errno);
      return r;
    }
    if (!wait_for(fd.get(), POLLOUT, deadline)) {
      r.error = "connect " + where + ": timed out";
      return r;
    }
    int err = 0;
    socklen_t len = sizeof err;
    ::getsockopt(fd.get(), SOL_SOCKET, SO_ERROR, &err, &len);
    if (err != 0) {
      r.error = "connect " + where + ": " + std::strerror(err);
      return r;
    }
  }
  std::string request;
  request.append(method).append(" ").append(target).append(" HTTP/1.1\r\nHost: ").append(where);
  request.append("\r\nUser-Agent: sipedgectl\r\nConnection: close\r\n");
  if (!bearer_token.empty()) request.append("Authorization: Bearer ").append(bearer_token).append("\r\n");
  if (!body.empty() || method == "POST")
    request.append("Content-Type: application/x-www-form-urlencoded\r\nContent-Length: ").append(std::to_string(body.size())).append("\r\n");
  request.append("\r\n").append(body);
  for (std::size_t sent = 0; sent < request.size();) {
    const ssize_t n = ::send(fd.get(), request.data() + sent, request.size() - sent, MSG_NOSIGNAL);
    if (n < 0) {
      if ((errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR) && wait_for(fd.get(), POLLOUT, deadline)) continue;
      r.error = "send to " + where + ": " + (errno == EAGAIN ? "timed out" : std::strerror(errno));
      return r;
    }
    sent += static_cast<std::size_t>(n);
  }
  std::string response;
  char buf[16384];
  for (;;) {
    const ssize_t n = ::recv(fd.get(), buf, sizeof buf, 0);
    if (n == 0) break;
    if (n < 0) {
      if ((errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR) && wait_for(fd.get(), POLLIN, deadline)) continue;
      r.error = "no answer from " + where + (errno == EAGAIN ? std::string(": timed out") : ": " + std::string(std::strerror(errno)));
      return r;
    }
    response.append(buf, static_cast<std::size_t>(n));
    if (response.size() > kMaxHttpResponse) {
      r.error = "response from " + where + " too large";
      return r;
    }
  }
  // status-line = HTTP-version SP status-code SP [reason-phrase]
  if (!response.starts_with("HTTP/1.") || response.size() < 12 || response[8] != ' ') {
    r.error = "not an HTTP response from " + where;
    return r;
  }
  int status = 0;
  const auto [p, ec] = std::from_chars(response.data() + 9, response.data() + 12, status);
  const std::size_t head_end = response.find("\r\n\r\n");
  if (ec != std::errc() || p != response.data() + 12 || head_end == std::string::npos) {
    r.error = "malformed HTTP response from " + where;
    return r;
  }
  r.status = status;
  r.body = response.substr(head_end + 4);
  return r;
}

void set_token_file(std::string path) { token_file_override() = std::move(path); }

std::optional<ApiTarget> api_address(std::string_view path) {
  const config::LoadResult loaded = config::load_file(std::string(path));
  if (!loaded.config) {
    for (const auto& e : loaded.errors) std::fprintf(stderr, "%s\n", e.to_string().c_str());
    return std::nullopt;
  }
  const auto listen = loaded.config->metrics.listen;
  if (listen.address == 0) {
    std::fprintf(stderr, "sipedgectl: %.*s: metrics.listen is off, sipedge-cp has no HTTP API\n",
                 static_cast<int>(path.size()), path.data());
    return std::nullopt;
  }
  ApiTarget target;
  // A wildcard bind is reached over loopback.
  target.address = listen.address == 0xFFFFFFFF ? 0x7F000001 : listen.address;
  target.port = listen.port;
  target.token = loaded.config->metrics.token;
  if (!token_file_override().empty()) {
    if (const std::string why = config::read_token_file(token_file_override(), target.token); !why.empty()) {
      std::fprintf(stderr, "sipedgectl: --token-file: %s\n", why.c_str());
      return std::nullopt;
    }
  }
  return target;
}

}  // namespace sipedge::ctl
