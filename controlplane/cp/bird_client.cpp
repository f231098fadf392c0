#include "cp/bird_client.h"

#include <poll.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <ctime>

namespace sipedge::cp {
namespace {

bool is_code(std::string_view line) {
  return line.size() >= 5 && std::all_of(line.begin(), line.begin() + 4, [](char c) { return c >= '0' && c <= '9'; });
}

int connect_unix(const std::string& path, bool nonblocking) {
  sockaddr_un sa{};
  if (path.size() >= sizeof sa.sun_path) {
    errno = ENAMETOOLONG;
    return -1;
  }
  const int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | (nonblocking ? SOCK_NONBLOCK : 0), 0);
  if (fd < 0) return -1;
  sa.sun_family = AF_UNIX;
  std::memcpy(sa.sun_path, path.data(), path.size());
  if (::connect(fd, reinterpret_cast<sockaddr*>(&sa), sizeof sa) != 0) {
    const int e = errno;
    ::close(fd);
    errno = e;
    return -1;
  }
  return fd;
}

std::int64_t mono_us() {
  timespec ts{};
  ::clock_gettime(CLOCK_MONOTONIC, &ts);
  return std::int64_t{ts.tv_sec} * 1'000'000 + ts.tv_nsec / 1000;
}

}  // namespace

std::size_t bird_reply_end(std::string_view buffer) {
  std::size_t start = 0;
  while (start < buffer.size()) {
    const std::size_t nl = buffer.find('\n', start);
    if (nl == std::string_view::npos) return 0;
    const std::string_view line = buffer.substr(start, nl - start);
    if (is_code(line) && line[4] == ' ') return nl + 1;
    start = nl + 1;
  }
  return 0;
}

BirdClient::BirdClient(std::string socket_path, std::string protocol, Watch watch)
    : path_(std::move(socket_path)), protocol_(std::move(protocol)), watch_(std::move(watch)) {}

BirdClient::~BirdClient() {
  if (fd_ >= 0) ::close(fd_);
}

void BirdClient::set_enabled(bool enabled, std::int64_t now_us) {
  if (enabled == want_ && confirmed_ == enabled) return;
  want_ = enabled;
  if (connected() && !in_flight_) send_desired(now_us);
}

void BirdClient::tick(std::int64_t now_us) {
  if (fd_ < 0) {
    if (now_us >= next_connect_us_) connect(now_us);
    return;
  }
  if (in_flight_ && now_us - sent_us_ > kBirdReplyTimeoutUs) {
    ++stats_.errors;
    return disconnect("no reply in time", now_us);
  }
  if (!greeted_ && now_us - sent_us_ > kBirdReplyTimeoutUs) {
    ++stats_.errors;
    return disconnect("no greeting in time", now_us);
  }
  // After an error (confirmed_ unknown) the retry waits for the re-assert, not the next tick.
  if (connected() && !in_flight_ && ((confirmed_ && *confirmed_ != want_) || now_us - confirmed_us_ >= kReassertUs))
    send_desired(now_us);
}

void BirdClient::connect(std::int64_t now_us) {
  fd_ = connect_unix(path_, true);
  if (fd_ < 0) {
    const std::string why = std::string("connect ") + path_ + ": " + std::strerror(errno);
    if (why != last_error_) std::fprintf(stderr, "sipedge-cp: bird: %s (retrying)\n", why.c_str());
    last_error_ = why;
    next_connect_us_ = now_us + backoff_us_;
    backoff_us_ = std::min(backoff_us_ * 2, kBirdReconnectMaxUs);
    return;
  }
  greeted_ = false;
  in_flight_.reset();
  confirmed_.reset();
  in_.clear();
  out_.clear();
  sent_us_ = now_us;  // the greeting's deadline
  watch_(fd_, EPOLLIN);
}

void BirdClient::disconnect(std::string_view why, std::int64_t now_us) {
  if (fd_ < 0) return;
  watch_(fd_, 0);
  ::close(fd_);
  fd_ = -1;
  greeted_ = false;
  in_flight_.reset();
  confirmed_.reset();
  ++stats_.disconnects;
  last_error_ = std::string(why);
  std::fprintf(stderr, "sipedge-cp: bird: connection lost (%.*s); reconnecting\n", static_cast<int>(why.size()), why.data());
  next_connect_us_ = now_us + backoff_us_;
  backoff_us_ = std::min(backoff_us_ * 2, kBirdReconnectMaxUs);
}

void BirdClient::send_desired(std::int64_t now_us) {
  out_ = (want_ ? "enable " : "disable ") + protocol_ + "\n";
  in_flight_ = want_;
  sent_us_ = now_us;
  ++stats_.commands;
  // A command is a few dozen bytes: a unix socket takes it whole unless BIRD
  // stopped reading, which the reply timeout catches.
  const ssize_t n = ::send(fd_, out_.data(), out_.size(), MSG_DONTWAIT | MSG_NOSIGNAL);
  if (n == static_cast<ssize_t>(out_.size())) {
    out_.clear();
    return;
  }
  if (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK) return disconnect(std::strerror(errno), now_us);
  out_.erase(0, n > 0 ? static_cast<std::size_t>(n) : 0);
  watch_(fd_, EPOLLIN | EPOLLOUT);
}

void BirdClient::on_events(std::uint32_t events, std::int64_t now_us) {
  if (fd_ < 0) return;
  if ((events & EPOLLOUT) && !out_.empty()) {
    const ssize_t n = ::send(fd_, out_.data(), out_.size(), MSG_DONTWAIT | MSG_NOSIGNAL);
    if (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK) return disconnect(std::strerror(errno), now_us);
    if (n > 0) out_.erase(0, static_cast<std::size_t>(n));
    if (out_.empty()) watch_(fd_, EPOLLIN);
  }
  if (events & (EPOLLIN | EPOLLHUP | EPOLLERR)) read_replies(now_us);
}

void BirdClient::read_replies(std::int64_t now_us) {
  char buf[4096];
  for (;;) {
    const ssize_t n = ::recv(fd_, buf, sizeof buf, MSG_DONTWAIT);
    if (n == 0) return disconnect("closed by bird", now_us);
    if (n < 0) {
      if (errno == EAGAIN || errno == EWOULDBLOCK) break;
      if (errno == EINTR) continue;
      return disconnect(std::strerror(errno), now_us);
    }
    in_.append(buf, static_cast<std::size_t>(n));
    if (in_.size() > kMaxBirdReply) {
      ++stats_.errors;
      return disconnect("reply too long", now_us);
    }
  }
  while (fd_ >= 0) {
    const std::size_t end = bird_reply_end(in_);
    if (end == 0) return;
    const std::string reply = in_.substr(0, end);
    in_.erase(0, end);
    on_reply(reply, now_us);
  }
}

void BirdClient::on_reply(std::string_view reply, std::int64_t now_us) {
  if (!greeted_) {
    if (!reply.starts_with("0001 ")) {
      ++stats_.errors;
      return disconnect("unexpected greeting", now_us);
    }
    greeted_ = true;
    backoff_us_ = kBirdReconnectMinUs;
    ++stats_.connects;
    std::fprintf(stderr, "sipedge-cp: bird: connected to %s\n", path_.c_str());
    return send_desired(now_us);  // after a reconnect: assert what we want, whatever BIRD has
  }
  if (!in_flight_) return;  // spontaneous printout ('+' lines never end a reply): nothing asked
  const bool asked = *in_flight_;
  in_flight_.reset();
  // Every line's code: the verdict is the one naming our protocol.
  bool disabled = false, enabled = false, failed = false;
  std::size_t start = 0;
  std::string error;
  while (start < reply.size()) {
    std::size_t nl = reply.find('\n', start);
    if (nl == std::string_view::npos) nl = reply.size();
    const std::string_view line = reply.substr(start, nl - start);
    start = nl + 1;
    if (!is_code(line)) continue;
    const std::string_view code = line.substr(0, 4);
    if (code == "0008" || code == "0009") disabled = true;
    if (code == "0010" || code == "0011") enabled = true;
    if (code[0] == '8' || code[0] == '9') {
      failed = true;
      error = std::string(line.substr(5));
    }
  }
  if (failed || enabled == disabled || enabled != asked) {
    ++stats_.errors;
    std::string why;  // appended, not operator+: GCC 12 -O3 raises a false -Wrestrict on "x" + string
    why.append(asked ? "\"enable " : "\"disable ").append(protocol_).append("\": ");
    why.append(error.empty() ? std::string_view("unexpected reply") : std::string_view(error));
    if (why != last_error_) std::fprintf(stderr, "sipedge-cp: bird: %s\n", why.c_str());
    last_error_ = why;
    confirmed_.reset();
    confirmed_us_ = now_us;  // retried at the next re-assert, not in a tight loop
    return;
  }
  confirmed_ = asked;
  confirmed_us_ = now_us;
  last_error_.clear();
  if (want_ != asked) send_desired(now_us);  // changed while in flight
}

std::optional<std::string> bird_command(const std::string& socket_path, std::string_view command, int timeout_ms,
                                        std::string* error) {
  const auto fail = [&](std::string why) -> std::optional<std::string> {
    if (error) *error = std::move(why);
    return std::nullopt;
  };
  const int fd = connect_unix(socket_path, false);
  if (fd < 0) return fail("connect " + socket_path + ": " + std::strerror(errno));
  const std::int64_t deadline = mono_us() + std::int64_t{timeout_ms} * 1000;
  std::string in;
  // Reads one reply within the deadline.
  const auto read_reply = [&]() -> std::optional<std::string> {
    for (;;) {
      if (const std::size_t end = bird_reply_end(in)) {
        std::string reply = in.substr(0, end);
        in.erase(0, end);
        return reply;
      }
      const std::int64_t left_ms = (deadline - mono_us()) / 1000;
      pollfd p{fd, POLLIN, 0};
      if (left_ms <= 0 || ::poll(&p, 1, static_cast<int>(left_ms)) <= 0) return std::nullopt;
      char buf[4096];
      const ssize_t n = ::recv(fd, buf, sizeof buf, 0);
      if (n <= 0 || in.size() > kMaxBirdReply) return std::nullopt;
      in.append(buf, static_cast<std::size_t>(n));
    }
  };
  auto greeting = read_reply();
  if (!greeting || !greeting->starts_with("0001 ")) {
    ::close(fd);
    return fail("no greeting from " + socket_path);
  }
  std::string line(command);
  line += '\n';
  if (::send(fd, line.data(), line.size(), MSG_NOSIGNAL) != static_cast<ssize_t>(line.size())) {
    ::close(fd);
    return fail(std::string("send: ") + std::strerror(errno));
  }
  auto reply = read_reply();
  ::close(fd);
  if (!reply) return fail("no reply in " + std::to_string(timeout_ms) + " ms");
  return reply;
}

}  // namespace sipedge::cp
