#include "cp/loop.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/timerfd.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <stdexcept>

#include "store/binding.h"

namespace sipedge::cp {
namespace {

constexpr std::size_t kMaxHttpRequest = 8192;
constexpr std::int64_t kHttpTimeoutUs = 5'000'000;
constexpr std::size_t kMaxHttpConnections = 64;

std::int64_t clock_us(clockid_t id) {
  timespec ts{};
  ::clock_gettime(id, &ts);
  return std::int64_t{ts.tv_sec} * 1'000'000 + ts.tv_nsec / 1000;
}

void json_string(std::string& out, std::string_view s) {
  out += '"';
  for (char c : s) {
    if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else if (static_cast<unsigned char>(c) < 0x20) {
      char esc[8];
      std::snprintf(esc, sizeof esc, "\\u%04x", static_cast<unsigned char>(c));
      out += esc;
    } else {
      out += c;
    }
  }
  out += '"';
}

}  // namespace

Now clock_now() { return {clock_us(CLOCK_REALTIME) / 1000, clock_us(CLOCK_MONOTONIC)}; }

Loop::Loop(const config::Config& config, store::LocationStore& store, const store::SubscriberStore* subscribers,
           config::Ipv4Endpoint metrics_listen)
    : config_(config), store_(store), rx_(new std::uint8_t[punt::kMaxMessageSize]) {
  cp_ = std::make_unique<ControlPlane>(config, store, subscribers, static_cast<Outbox&>(*this));
  epoll_fd_ = ::epoll_create1(EPOLL_CLOEXEC);
  timer_fd_ = ::timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
  if (epoll_fd_ < 0 || timer_fd_ < 0) throw std::runtime_error(std::string("epoll/timerfd: ") + std::strerror(errno));
  // Half a wheel tick: keepalives leave within kTickMs of their slot.
  const itimerspec period{{0, kTickMs * 1'000'000 / 2}, {0, kTickMs * 1'000'000 / 2}};
  ::timerfd_settime(timer_fd_, 0, &period, nullptr);
  epoll_event ev{.events = EPOLLIN, .data = {.fd = timer_fd_}};
  ::epoll_ctl(epoll_fd_, EPOLL_CTL_ADD, timer_fd_, &ev);
  // A networked store (Redis) does its I/O on its own epoll set, nested here.
  store_fd_ = store_.poll_fd();
  if (store_fd_ >= 0) {
    epoll_event sev{.events = EPOLLIN, .data = {.fd = store_fd_}};
    ::epoll_ctl(epoll_fd_, EPOLL_CTL_ADD, store_fd_, &sev);
  }

  if (metrics_listen.address != 0) {
    http_fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    const int one = 1;
    ::setsockopt(http_fd_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    sockaddr_in sa{};
    sa.sin_family = AF_INET;
    sa.sin_port = htons(metrics_listen.port);
    sa.sin_addr.s_addr = htonl(metrics_listen.address);
    if (http_fd_ < 0 || ::bind(http_fd_, reinterpret_cast<sockaddr*>(&sa), sizeof sa) != 0 || ::listen(http_fd_, 64) != 0) {
      const std::string why = std::strerror(errno);
      if (http_fd_ >= 0) ::close(http_fd_);
      ::close(epoll_fd_);
      ::close(timer_fd_);
      throw std::runtime_error("metrics listen " + config::format_ipv4(metrics_listen.address) + ":" +
                               std::to_string(metrics_listen.port) + ": " + why);
    }
    socklen_t len = sizeof sa;
    ::getsockname(http_fd_, reinterpret_cast<sockaddr*>(&sa), &len);
    http_port_ = ntohs(sa.sin_port);
    ev = {.events = EPOLLIN, .data = {.fd = http_fd_}};
    ::epoll_ctl(epoll_fd_, EPOLL_CTL_ADD, http_fd_, &ev);
  }
}

Loop::~Loop() {
  for (auto& [fd, c] : http_) ::close(fd);
  if (punt_fd_ >= 0) ::close(punt_fd_);
  if (http_fd_ >= 0) ::close(http_fd_);
  if (timer_fd_ >= 0) ::close(timer_fd_);
  if (epoll_fd_ >= 0) ::close(epoll_fd_);
}

int Loop::run(int stop_fd) {
  epoll_event ev{.events = EPOLLIN, .data = {.fd = stop_fd}};
  ::epoll_ctl(epoll_fd_, EPOLL_CTL_ADD, stop_fd, &ev);
  const auto loaded = cp_->start(clock_now());
  if (!loaded.ok) {
    std::fprintf(stderr, "sipedge-cp: loading bindings failed: %s\n", loaded.error.c_str());
  } else {
    std::fprintf(stderr, "sipedge-cp: %zu bindings loaded (%zu expired dropped), %zu kept alive\n", loaded.loaded,
                 loaded.dropped, cp_->keepalive().size());
  }
  try_connect(clock_now().mono_us);
  bool stop = false;
  epoll_event events[64];
  while (!stop) {
    const int n = ::epoll_wait(epoll_fd_, events, 64, -1);
    if (n < 0) {
      if (errno == EINTR) continue;
      std::fprintf(stderr, "sipedge-cp: epoll_wait: %s\n", std::strerror(errno));
      return 1;
    }
    const Now now = clock_now();
    for (int i = 0; i < n; ++i) {
      const int fd = events[i].data.fd;
      const std::uint32_t what = events[i].events;
      if (fd == stop_fd) {
        stop = true;
      } else if (fd == timer_fd_) {
        std::uint64_t expirations = 0;
        [[maybe_unused]] const auto r = ::read(timer_fd_, &expirations, sizeof expirations);
        if (punt_fd_ < 0 && now.mono_us >= next_connect_us_) try_connect(now.mono_us);
        cp_->tick(now);
        for (auto it = http_.begin(); it != http_.end();) {
          const int cfd = it->first;
          ++it;
          if (now.mono_us - http_.at(cfd).opened_us > kHttpTimeoutUs) close_http(cfd);
        }
      } else if (fd == punt_fd_) {
        if (what & EPOLLIN) read_punt(now);
        if (punt_fd_ >= 0 && (what & EPOLLOUT)) flush_queue(now.mono_us);
        if (punt_fd_ >= 0 && (what & (EPOLLHUP | EPOLLERR)) && !(what & EPOLLIN)) disconnect("hang-up", now.mono_us);
      } else if (fd == store_fd_) {
        store_.poll();  // acknowledgements (held 200s leave in end_turn) and other nodes' changes
      } else if (fd == http_fd_) {
        accept_http(now);
      } else if (http_.contains(fd)) {
        serve_http(fd, what, now);
      }
    }
    // One store transaction per turn for every REGISTER of the turn; held
    // 200 OKs leave once durable.
    cp_->end_turn(now);
  }
  // Make what was accepted durable and answer it before leaving.
  cp_->end_turn(clock_now());
  std::fprintf(stderr, "sipedge-cp: stopping\n");
  return 0;
}

void Loop::try_connect(std::int64_t now_us) {
  const int fd = ::socket(AF_UNIX, SOCK_SEQPACKET | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  sockaddr_un sa{};
  sa.sun_family = AF_UNIX;
  std::strncpy(sa.sun_path, config_.dataplane.punt_socket.c_str(), sizeof sa.sun_path - 1);
  if (fd >= 0 && ::connect(fd, reinterpret_cast<sockaddr*>(&sa), sizeof sa) == 0) {
    punt_fd_ = fd;
    backoff_us_ = kReconnectMinUs;
    want_out_ = false;
    epoll_event ev{.events = EPOLLIN, .data = {.fd = fd}};
    ::epoll_ctl(epoll_fd_, EPOLL_CTL_ADD, fd, &ev);
    cp_->on_connected();
    std::fprintf(stderr, "sipedge-cp: connected to %s\n", config_.dataplane.punt_socket.c_str());
    return;
  }
  if (fd >= 0) ::close(fd);
  next_connect_us_ = now_us + backoff_us_;
  backoff_us_ = std::min(backoff_us_ * 2, kReconnectMaxUs);
}

void Loop::disconnect(const char* why, std::int64_t now_us) {
  if (punt_fd_ < 0) return;
  ::epoll_ctl(epoll_fd_, EPOLL_CTL_DEL, punt_fd_, nullptr);
  ::close(punt_fd_);
  punt_fd_ = -1;
  cp_->counters().add(Counter::tx_dropped, queued_.size());
  queued_.clear();
  cp_->on_disconnected();
  std::fprintf(stderr, "sipedge-cp: punt socket lost (%s); reconnecting\n", why);
  next_connect_us_ = now_us + backoff_us_;
}

void Loop::read_punt(Now now) {
  for (std::size_t i = 0; i < kMaxReadsPerTurn && punt_fd_ >= 0; ++i) {
    const ssize_t n = ::recv(punt_fd_, rx_.get(), punt::kMaxMessageSize, MSG_DONTWAIT);
    if (n == 0) return disconnect("closed by the dataplane", now.mono_us);
    if (n < 0) {
      if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) disconnect(std::strerror(errno), now.mono_us);
      return;
    }
    cp_->on_message({rx_.get(), static_cast<std::size_t>(n)}, now);
  }
}

void Loop::set_punt_events(bool want_out) {
  if (want_out == want_out_ || punt_fd_ < 0) return;
  want_out_ = want_out;
  epoll_event ev{.events = EPOLLIN | (want_out ? EPOLLOUT : 0u), .data = {.fd = punt_fd_}};
  ::epoll_ctl(epoll_fd_, EPOLL_CTL_MOD, punt_fd_, &ev);
}

bool Loop::send(const punt::Header& header, std::string_view payload) {
  if (punt_fd_ < 0) return false;
  std::uint8_t head[punt::kHeaderSize];
  if (punt::encode_header(header, payload.size(), std::span<std::uint8_t, punt::kHeaderSize>(head)) != punt::PuntError::Ok)
    return false;
  if (queued_.empty()) {
    iovec iov[2] = {{head, sizeof head}, {const_cast<char*>(payload.data()), payload.size()}};
    msghdr msg{};
    msg.msg_iov = iov;
    msg.msg_iovlen = 2;
    if (::sendmsg(punt_fd_, &msg, MSG_DONTWAIT | MSG_NOSIGNAL) >= 0) return true;
    if (errno != EAGAIN && errno != EWOULDBLOCK) {
      disconnect(std::strerror(errno), clock_now().mono_us);
      return false;
    }
  }
  // The dataplane is slow to read: keep order, bounded.
  if (queued_.size() >= kMaxQueuedTx) return false;
  std::string datagram(reinterpret_cast<const char*>(head), sizeof head);
  datagram.append(payload);
  queued_.push_back(std::move(datagram));
  set_punt_events(true);
  return true;
}

void Loop::flush_queue(std::int64_t now_us) {
  while (!queued_.empty()) {
    const std::string& d = queued_.front();
    if (::send(punt_fd_, d.data(), d.size(), MSG_DONTWAIT | MSG_NOSIGNAL) < 0) {
      if (errno != EAGAIN && errno != EWOULDBLOCK) disconnect(std::strerror(errno), now_us);
      return;
    }
    queued_.pop_front();
  }
  set_punt_events(false);
}

void Loop::accept_http(Now now) {
  for (;;) {
    const int fd = ::accept4(http_fd_, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (fd < 0) return;
    if (http_.size() >= kMaxHttpConnections) {
      ::close(fd);
      continue;
    }
    http_[fd].opened_us = now.mono_us;
    epoll_event ev{.events = EPOLLIN, .data = {.fd = fd}};
    ::epoll_ctl(epoll_fd_, EPOLL_CTL_ADD, fd, &ev);
  }
}

void Loop::serve_http(int fd, std::uint32_t events, Now) {
  HttpConnection& c = http_.at(fd);
  if (c.out.empty()) {
    char buf[2048];
    for (;;) {
      const ssize_t n = ::recv(fd, buf, sizeof buf, MSG_DONTWAIT);
      if (n == 0) return close_http(fd);
      if (n < 0) {
        if (errno == EAGAIN || errno == EWOULDBLOCK) break;
        return close_http(fd);
      }
      c.in.append(buf, static_cast<std::size_t>(n));
      if (c.in.size() > kMaxHttpRequest) return close_http(fd);
    }
    if (c.in.find("\r\n\r\n") == std::string::npos) return;
    c.out = http_response(c.in);
    cp_->counters().add(Counter::http_requests);
  } else if (!(events & EPOLLOUT)) {
    return;
  }
  while (c.sent < c.out.size()) {
    const ssize_t n = ::send(fd, c.out.data() + c.sent, c.out.size() - c.sent, MSG_DONTWAIT | MSG_NOSIGNAL);
    if (n < 0) {
      if (errno != EAGAIN && errno != EWOULDBLOCK) return close_http(fd);
      epoll_event ev{.events = EPOLLOUT, .data = {.fd = fd}};
      ::epoll_ctl(epoll_fd_, EPOLL_CTL_MOD, fd, &ev);
      return;
    }
    c.sent += static_cast<std::size_t>(n);
  }
  close_http(fd);
}

void Loop::close_http(int fd) {
  ::epoll_ctl(epoll_fd_, EPOLL_CTL_DEL, fd, nullptr);
  ::close(fd);
  http_.erase(fd);
}

std::string Loop::http_response(const std::string& request) {
  const std::size_t line_end = request.find("\r\n");
  const std::string line = request.substr(0, line_end);
  std::string status = "200 OK", type = "text/plain; version=0.0.4; charset=utf-8", body;
  auto path_is = [&](std::string_view p) {
    const std::string prefix = "GET " + std::string(p);
    return line.starts_with(prefix) && (line.size() == prefix.size() || line[prefix.size()] == ' ' || line[prefix.size()] == '?');
  };
  if (path_is("/metrics")) {
    body = cp_->metrics_text();
  } else if (path_is("/api/registrations")) {
    type = "application/json";
    const std::int64_t now_s = clock_now().unix_ms / 1000;
    body.push_back('[');  // not = "[": GCC 12 -O3 raises a false -Wrestrict on it
    bool first = true;
    store_.for_each([&](const store::Binding& b) {
      if (!first) body += ",";
      first = false;
      body += "{\"aor\":";
      json_string(body, b.aor);
      body += ",\"contact\":";
      json_string(body, b.contact);
      body += ",\"received\":";
      json_string(body, store::to_string(b.received));
      body += ",\"expires\":" + std::to_string(b.remaining(now_s));
      body += ",\"nat\":" + std::string(b.nat ? "true" : "false");
      body += ",\"owner\":" + std::to_string(b.owner);  // node.id that accepted the latest REGISTER
      body += ",\"rtt_us\":" + std::to_string(b.keepalive.last_rtt_us);
      body += ",\"user_agent\":";
      json_string(body, b.user_agent);
      body += "}";
    });
    body += "]\n";
  } else if (!line.starts_with("GET ")) {
    status = "405 Method Not Allowed";
    body = "only GET\n";
  } else {
    status = "404 Not Found";
    body = "try /metrics or /api/registrations\n";
  }
  return "HTTP/1.1 " + status + "\r\nContent-Type: " + type + "\r\nContent-Length: " + std::to_string(body.size()) +
         "\r\nConnection: close\r\n\r\n" + body;
}

}  // namespace sipedge::cp
