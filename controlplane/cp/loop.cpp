#include "cp/loop.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/timerfd.h>
#include <sys/un.h>
#include <unistd.h>

#include <algorithm>
#include <charconv>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <stdexcept>

#include "cp/api.h"
#include "cp/api_auth.h"
#include "cp/dashboard.h"
#include "cp/http_server.h"
#include "cp/reload_check.h"
#include "cp/sets_api.h"
#include "cp/subscribers_api.h"
#include "store/binding.h"

namespace sipedge::cp {
namespace {

std::int64_t clock_us(clockid_t id) {
  timespec ts{};
  ::clock_gettime(id, &ts);
  return std::int64_t{ts.tv_sec} * 1'000'000 + ts.tv_nsec / 1000;
}

using HttpHeaders = std::vector<std::pair<std::string, std::string>>;

HttpResponse http_text(int status, std::string_view type, std::string body, HttpHeaders headers = {}) {
  return {status, std::string(type), std::move(body), std::move(headers)};
}

HttpResponse json_error(int status, std::string_view error, HttpHeaders headers = {}) {
  const Json doc = {{"ok", false}, {"error", error}};
  return http_text(status, "application/json", dump_json(doc) + "\n", std::move(headers));
}

std::string endpoint_text(const config::ListenAddress& e) { return config::format_listen_address(e); }

}  // namespace

Now clock_now() { return {clock_us(CLOCK_REALTIME) / 1000, clock_us(CLOCK_MONOTONIC)}; }

Loop::Loop(const config::Config& config, store::LocationStore& store, store::SubscriberStore* subscribers,
           config::ListenAddress metrics_listen, std::string config_path,
           store::SqliteDestinationStates* destination_states)
    : store_(store),
      subscribers_(subscribers),
      config_path_(std::move(config_path)),
      api_token_(config.metrics.token),
      listen_config_(config.metrics.listen),
      api_allow_(config.metrics.allow),
      rx_(new std::uint8_t[punt::kMaxMessageSize]) {
  cp_ = std::make_unique<ControlPlane>(config, store, subscribers, static_cast<Outbox&>(*this), destination_states);
  epoll_fd_ = ::epoll_create1(EPOLL_CLOEXEC);
  timer_fd_ = ::timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
  if (epoll_fd_ < 0 || timer_fd_ < 0) throw std::runtime_error(std::string("epoll/timerfd: ") + std::strerror(errno));
  announce_ = std::make_unique<Announcer>(config, *cp_, store, [this](int fd, std::uint32_t events) {
    epoll_event ev{.events = events, .data = {.fd = fd}};
    if (events == 0) {
      ::epoll_ctl(epoll_fd_, EPOLL_CTL_DEL, fd, nullptr);
      bird_fd_ = -1;
    } else {
      ::epoll_ctl(epoll_fd_, bird_fd_ == fd ? EPOLL_CTL_MOD : EPOLL_CTL_ADD, fd, &ev);
      bird_fd_ = fd;
    }
  });
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

  if (!metrics_listen.off()) {
    std::string error;
    if (!start_http(metrics_listen, error)) {
      ::close(epoll_fd_);
      ::close(timer_fd_);
      throw std::runtime_error(error);
    }
  }
}

Loop::~Loop() {
  http_.reset();
  retiring_http_.clear();
  if (punt_fd_ >= 0) ::close(punt_fd_);
  if (timer_fd_ >= 0) ::close(timer_fd_);
  if (epoll_fd_ >= 0) ::close(epoll_fd_);
}

int Loop::run(int stop_fd, int reload_fd) {
  epoll_event ev{.events = EPOLLIN, .data = {.fd = stop_fd}};
  ::epoll_ctl(epoll_fd_, EPOLL_CTL_ADD, stop_fd, &ev);
  if (reload_fd >= 0) {
    epoll_event rev{.events = EPOLLIN, .data = {.fd = reload_fd}};
    ::epoll_ctl(epoll_fd_, EPOLL_CTL_ADD, reload_fd, &rev);
  }
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
    const int n = ::epoll_wait(epoll_fd_, events, 64, http_timeout_ms());
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
      } else if (fd == reload_fd) {
        // A signalfd (SIGHUP) or an eventfd (tests): drained, one reload per turn.
        char drain[sizeof(std::uint64_t) * 16];
        while (::read(reload_fd, drain, sizeof drain) > 0) {
        }
        reload_on_signal();
      } else if (fd == timer_fd_) {
        std::uint64_t expirations = 0;
        [[maybe_unused]] const auto r = ::read(timer_fd_, &expirations, sizeof expirations);
        if (punt_fd_ < 0 && now.mono_us >= next_connect_us_) try_connect(now.mono_us);
        cp_->tick(now);
        announce_->tick(now);
        tick_http(now);
      } else if (fd == punt_fd_) {
        if (what & EPOLLIN) read_punt(now);
        if (punt_fd_ >= 0 && (what & EPOLLOUT)) flush_queue(now.mono_us);
        if (punt_fd_ >= 0 && (what & (EPOLLHUP | EPOLLERR)) && !(what & EPOLLIN)) disconnect("hang-up", now.mono_us);
      } else if (fd == bird_fd_ && bird_fd_ >= 0) {
        announce_->on_bird_events(what, now);
      } else if (fd == store_fd_) {
        store_.poll();  // acknowledgements (held 200s leave in end_turn) and other nodes' changes
      } else {
        run_http(fd);
      }
    }
    // One store transaction per turn for every REGISTER of the turn; held
    // 200 OKs leave once durable.
    cp_->end_turn(now);
    follow_config();
    answer_waiting(now);
    // Whatever libmicrohttpd has ready without an fd saying so (a resumed
    // connection, a buffered request), and a timeout epoll_wait ended.
    if (http_) http_->run();
    for (auto& s : retiring_http_) s->run();
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
  std::strncpy(sa.sun_path, cp_->config().dataplane.punt_socket.c_str(), sizeof sa.sun_path - 1);
  if (fd >= 0 && ::connect(fd, reinterpret_cast<sockaddr*>(&sa), sizeof sa) == 0) {
    punt_fd_ = fd;
    backoff_us_ = kReconnectMinUs;
    want_out_ = false;
    epoll_event ev{.events = EPOLLIN, .data = {.fd = fd}};
    ::epoll_ctl(epoll_fd_, EPOLL_CTL_ADD, fd, &ev);
    cp_->on_connected();
    std::fprintf(stderr, "sipedge-cp: connected to %s\n", cp_->config().dataplane.punt_socket.c_str());
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

bool Loop::start_http(const config::ListenAddress& at, std::string& error) {
  auto server = HttpServer::start(
      at,
      [this](const HttpRequest& req, std::uint32_t peer, std::uint64_t id) {
        DeferredHttp pending;
        const Now now = clock_now();
        auto response = http_response(req, peer, pending, now);
        cp_->counters().add(Counter::http_requests);
        if (!response) {
          pending.opened_us = now.mono_us;
          deferred_http_[id] = std::move(pending);
        }
        return response;
      },
      [this] {
        cp_->counters().add(Counter::http_requests);
        cp_->counters().add(Counter::http_refused);
      },
      error);
  if (!server) return false;
  epoll_event ev{.events = EPOLLIN, .data = {.fd = server->poll_fd()}};
  ::epoll_ctl(epoll_fd_, EPOLL_CTL_ADD, server->poll_fd(), &ev);
  if (http_) {
    // The old address stops listening now; its requests in flight finish.
    http_->stop_listening();
    retiring_http_.push_back(std::move(http_));
  }
  http_ = std::move(server);
  return true;
}

bool Loop::run_http(int fd) {
  if (http_ && fd == http_->poll_fd()) {
    http_->run();
    return true;
  }
  for (auto& s : retiring_http_) {
    if (fd != s->poll_fd()) continue;
    s->run();
    return true;
  }
  return false;
}

int Loop::http_timeout_ms() const {
  int ms = http_ ? http_->timeout_ms() : -1;
  for (const auto& s : retiring_http_) {
    const int t = s->timeout_ms();
    if (t >= 0 && (ms < 0 || t < ms)) ms = t;
  }
  return ms;
}

void Loop::tick_http(Now now) {
  for (auto it = deferred_http_.begin(); it != deferred_http_.end();) {
    const auto [id, pending] = *it++;
    if (now.mono_us - pending.opened_us <= kHttpRequestTimeoutUs) continue;
    cp_->counters().add(Counter::http_refused);
    answer_http(id, json_error(504, "no answer from the dataplane or the store in time"));
  }
  if (http_) http_->expire(now.mono_us);
  for (auto it = retiring_http_.begin(); it != retiring_http_.end();) {
    (*it)->expire(now.mono_us);
    if ((*it)->connections() != 0) {
      ++it;
      continue;
    }
    ::epoll_ctl(epoll_fd_, EPOLL_CTL_DEL, (*it)->poll_fd(), nullptr);
    it = retiring_http_.erase(it);
  }
}

void Loop::answer_http(std::uint64_t id, HttpResponse response) {
  deferred_http_.erase(id);
  if (http_ && http_->answer(id, response)) return;
  for (auto& s : retiring_http_)
    if (s->answer(id, response)) return;
}

std::optional<HttpResponse> Loop::http_response(const HttpRequest& req, std::uint32_t peer_ipv4, DeferredHttp& c,
                                               Now now) {
  // Before reading the request: a client outside metrics.allow learns nothing.
  if (!api_allow_.empty() && std::none_of(api_allow_.begin(), api_allow_.end(), [&](const config::Ipv4Prefix& p) {
        return p.contains(peer_ipv4);
      })) {
    cp_->counters().add(Counter::http_refused);
    cp_->counters().add(Counter::http_forbidden);
    return json_error(403, "this client's address is not in metrics.allow");
  }
  // The one gate every state-changing route goes through (cp/api_auth.h).
  if (changes_state(req.method)) {
    if (!same_origin(req)) {
      cp_->counters().add(Counter::http_refused);
      return json_error(403, "cross-origin request refused");
    }
    if (const ApiAuth auth = authorize(req, api_token_); auth != ApiAuth::allowed) {
      cp_->counters().add(Counter::http_refused);
      cp_->counters().add(Counter::http_unauthorized);
      return json_error(401,
                        auth == ApiAuth::missing ? "this request needs Authorization: Bearer <the token of metrics.token_file>"
                                                 : "wrong bearer token",
                        {{"WWW-Authenticate", auth == ApiAuth::missing
                                                  ? "Bearer realm=\"sipedge\""
                                                  : "Bearer realm=\"sipedge\", error=\"invalid_token\""}});
    }
  }
  const ApiView view{cp_->config(), *cp_, store_, queued_.size(), now, announce_.get()};
  const bool text = form_value(req.query, "format") == "text";
  const auto method_not_allowed = [&](std::string_view allow) {
    cp_->counters().add(Counter::http_refused);
    return json_error(405, "method not allowed here", {{"Allow", std::string(allow)}});
  };
  const auto unregister = [&](std::string_view aor_text) -> std::optional<HttpResponse> {
    const auto aor = operator_aor(aor_text);
    if (!aor) {
      cp_->counters().add(Counter::http_refused);
      return json_error(400, "not an address-of-record: " + std::string(aor_text));
    }
    const std::size_t bindings = store_.lookup(*aor).size();
    if (bindings == 0) {
      cp_->counters().add(Counter::http_refused);
      return json_error(404, "no bindings for " + *aor);
    }
    // Answered once the removal is in the store (answer_waiting), like a 200 OK to a REGISTER.
    c.wait = HttpWait::durable;
    c.wait_for = store_.remove_all(*aor);
    c.wait_aor = *aor;
    c.wait_removed = bindings;
    cp_->counters().add(Counter::api_unregistered, bindings);
    return std::nullopt;
  };

  constexpr std::string_view kRegsPrefix = "/api/registrations/";
  if ((req.path == "/" || req.path == "/index.html") && cp_->config().metrics.dashboard) {
    if (req.method != "GET") return method_not_allowed("GET");
    return http_text(200, "text/html; charset=utf-8", std::string(dashboard_html()));
  }
  if (req.path == "/metrics") {
    if (req.method != "GET") return method_not_allowed("GET");
    std::string body = cp_->metrics_text();
    body += announce_->metrics_text();
    body += "# HELP sipedge_cp_punt_queue messages for the dataplane waiting for its socket to drain\n"
            "# TYPE sipedge_cp_punt_queue gauge\nsipedge_cp_punt_queue " + std::to_string(queued_.size()) + "\n";
    return http_text(200, "text/plain; version=0.0.4; charset=utf-8", body);
  }
  if (req.path == "/api/stats") {
    if (req.method != "GET") return method_not_allowed("GET");
    return text ? http_text(200, "text/plain; charset=utf-8", stats_text(view))
                : http_text(200, "application/json", stats_json(view));
  }
  if (req.path == "/api/registrations" || req.path.starts_with(kRegsPrefix)) {
    std::optional<std::string> aor;
    if (req.path.starts_with(kRegsPrefix)) {
      const auto decoded = percent_decode(req.path.substr(kRegsPrefix.size()));
      aor = decoded ? operator_aor(*decoded) : std::nullopt;
      if (!aor) {
        cp_->counters().add(Counter::http_refused);
        return json_error(400, "not an address-of-record");
      }
      if (req.method == "DELETE") return unregister(*aor);
      if (req.method != "GET") return method_not_allowed("GET, DELETE");
    } else if (req.method != "GET") {
      return method_not_allowed("GET");
    }
    return text ? http_text(200, "text/plain; charset=utf-8", registrations_text(view, aor))
                : http_text(200, "application/json", registrations_json(view, aor));
  }
  if (req.path == "/api/unregister") {
    if (req.method != "POST") return method_not_allowed("POST");
    const auto aor = form_value(req.body, "aor");
    if (!aor) {
      cp_->counters().add(Counter::http_refused);
      return json_error(400, "body must be aor=AOR (form-encoded)");
    }
    return unregister(*aor);
  }
  if (req.path == "/api/announce" || req.path == "/api/drain" || req.path == "/api/undrain")
    return announce_response(req, now);
  if (req.path == "/api/sets") {
    if (req.method != "GET") return method_not_allowed("GET");
    return http_text(200, "application/json", sets_json(cp_->probe()));
  }
  if (req.path == "/api/sets/state") {
    // POST, not GET, so no crawler, prefetch or scraper changes a state (cp/sets_api.h).
    if (req.method != "POST") return method_not_allowed("POST");
    auto reply = set_state_request(*cp_, req.query);
    if (reply.status != 200) cp_->counters().add(Counter::http_refused);
    const int status = reply.status == 200 || reply.status == 404 || reply.status == 409 ? reply.status : 400;
    return http_text(status, "application/json", reply.body);
  }
  constexpr std::string_view kSubsPrefix = "/api/subscribers/";
  if (req.path == "/api/subscribers" || req.path.starts_with(kSubsPrefix)) {
    if (subscribers_ == nullptr) {
      cp_->counters().add(Counter::http_refused);
      return json_error(503, "this sipedge-cp has no subscriber store");
    }
    // Parameters in a form body, else in the query (curl -d, or ?... as in the other POSTs).
    const std::string_view form = req.body.empty() ? req.query : req.body;
    ApiReply reply;
    if (req.path == "/api/subscribers") {
      if (req.method == "GET") {
        const auto realm = form_value(req.query, "realm");
        return text ? http_text(200, "text/plain; charset=utf-8", subscribers_list(*subscribers_, realm, true))
                    : http_text(200, "application/json", subscribers_list(*subscribers_, realm, false));
      }
      if (req.method != "POST") return method_not_allowed("GET, POST");
      reply = subscriber_add(*subscribers_, form, cp_->counters());
    } else if (req.path == "/api/subscribers/del") {
      if (req.method != "POST") return method_not_allowed("POST");
      reply = subscriber_delete_form(*subscribers_, form, cp_->counters());
    } else {
      if (req.method != "DELETE") return method_not_allowed("DELETE");
      const auto decoded = percent_decode(req.path.substr(kSubsPrefix.size()));
      if (!decoded) {
        cp_->counters().add(Counter::http_refused);
        return json_error(400, "bad %-encoding in USER@REALM");
      }
      reply = subscriber_delete(*subscribers_, *decoded, cp_->counters());
    }
    if (reply.status != 200) cp_->counters().add(Counter::http_refused);
    return http_text(reply.status, "application/json", reply.body);
  }
  if (req.path == "/api/reload") {
    if (req.method != "POST") return method_not_allowed("POST");
    int status = 500;
    const std::string refusal = begin_reload(status, c.subscribers_error);
    if (!refusal.empty()) {
      cp_->counters().add(Counter::http_refused);
      return json_error(status, refusal);
    }
    cp_->counters().add(Counter::api_reloads);
    c.wait = HttpWait::reload_reply;
    c.wait_for = reload_seen_;
    return std::nullopt;
  }
  cp_->counters().add(Counter::http_refused);
  return json_error(404, "try /, /metrics, /api/stats, /api/registrations, /api/sets or /api/subscribers");
}

std::string Loop::begin_reload(int& status, std::string& subscribers_error) {
  // What sipedge-cp itself owns first: it does not depend on the dataplane.
  subscribers_error = reload_subscribers();
  if (!config_path_.empty()) {
    // The same file the dataplane is about to read: refused here, it would be there too.
    auto loaded = config::load_file(config_path_);
    std::string why;
    if (!loaded.ok()) {
      for (const auto& e : loaded.errors) std::fprintf(stderr, "sipedge-cp: reload refused: %s\n", e.to_string().c_str());
      why = "the config does not load, the running one stays: " + loaded.errors.front().to_string();
      if (loaded.errors.size() > 1) why += " (and " + std::to_string(loaded.errors.size() - 1) + " more errors)";
    } else if (const auto keys = restart_only_changes(cp_->config(), *loaded.config); !keys.empty()) {
      std::string list;
      for (const auto& k : keys) list += (list.empty() ? "" : ", ") + k;
      why = config_path_ + ": " + list + (keys.size() == 1 ? " changed: it takes" : " changed: they take") +
            " a restart of sipedge-cp; nothing was applied, the running config stays";
    } else if (loaded.config->registrar.auth && subscribers_ == nullptr) {
      why = config_path_ + ": registrar.auth = true needs the subscriber table, which this sipedge-cp could not open "
                           "at start; the running config stays";
    }
    if (!why.empty()) {
      cp_->counters().add(Counter::config_refused);
      std::fprintf(stderr, "sipedge-cp: reload refused: %s\n", why.c_str());
      status = 409;
      return why;
    }
    cp_->stage_config(std::move(*loaded.config));
  }
  reload_seen_ = cp_->reload_replies();
  if (!cp_->request_reload()) {
    status = 503;
    return subscribers_error.empty() ? "the dataplane is not connected (the subscriber table was re-read; the config "
                                       "takes over when it connects)"
                                     : "the dataplane is not connected; " + subscribers_error;
  }
  return {};
}

void Loop::reload_on_signal() {
  int status = 0;
  std::string subscribers_error;
  const std::string refusal = begin_reload(status, subscribers_error);
  if (!refusal.empty()) {
    std::fprintf(stderr, "sipedge-cp: SIGHUP: reload not done: %s\n", refusal.c_str());
    return;
  }
  std::fprintf(stderr, "sipedge-cp: SIGHUP: config re-read, the dataplane asked to reload\n");
  signal_reload_pending_ = true;
  signal_reload_seen_ = reload_seen_;
}

void Loop::follow_config() {
  if (signal_reload_pending_ && cp_->reload_replies() > signal_reload_seen_) {
    signal_reload_pending_ = false;
    std::fprintf(stderr, "sipedge-cp: SIGHUP: reload %s\n",
                 cp_->last_reload_ok() ? "done" : "refused by the dataplane: the running config stays");
  }
  if (cp_->config_serial() == config_serial_seen_) return;
  config_serial_seen_ = cp_->config_serial();
  const config::Config& c = cp_->config();
  api_token_ = c.metrics.token;
  api_allow_ = c.metrics.allow;
  listen_error_.clear();
  if (c.metrics.listen == listen_config_) return;
  // Re-bound before the old listener goes: a refused address keeps the API
  // where it was. The old server finishes its requests (this reload's own
  // answer among them) without listening.
  if (!c.metrics.listen.off()) {
    if (!start_http(c.metrics.listen, listen_error_)) {
      config::ListenAddress current = listen_config_;
      current.port = http_port();
      listen_error_ += "; the API stays on " + endpoint_text(current) +
                       " (everything else was applied)";
      std::fprintf(stderr, "sipedge-cp: reload: %s\n", listen_error_.c_str());
      return;
    }
  } else if (http_) {
    http_->stop_listening();
    retiring_http_.push_back(std::move(http_));
  }
  std::fprintf(stderr, "sipedge-cp: reload: metrics.listen %s -> %s\n", endpoint_text(listen_config_).c_str(),
               !c.metrics.listen.off() ? endpoint_text(c.metrics.listen).c_str() : "off");
  listen_config_ = c.metrics.listen;
}

HttpResponse Loop::announce_response(const HttpRequest& req, Now now) {
  const bool text = form_value(req.query, "format") == "text";
  const bool get = req.path == "/api/announce";
  if (req.method != (get ? "GET" : "POST")) {
    cp_->counters().add(Counter::http_refused);
    return json_error(405, "method not allowed here", {{"Allow", get ? "GET" : "POST"}});
  }
  if (req.path == "/api/drain") {
    // POST, like /api/sets/state: grace=S in the query or a form body.
    const std::string_view form = req.body.empty() ? req.query : req.body;
    std::optional<std::uint32_t> grace;
    if (const auto g = form_value(form, "grace")) {
      std::uint32_t s = 0;
      const auto [end, ec] = std::from_chars(g->data(), g->data() + g->size(), s);
      if (ec != std::errc{} || end != g->data() + g->size() || g->empty() || s > 86400) {
        cp_->counters().add(Counter::http_refused);
        return json_error(400, "grace must be whole seconds, 0..86400");
      }
      grace = s;
    }
    announce_->drain(grace, now);
  } else if (req.path == "/api/undrain") {
    announce_->undrain(now);
  }
  return text ? http_text(200, "text/plain; charset=utf-8", announce_->status_text(now))
              : http_text(200, "application/json", announce_->status_json(now) + "\n");
}

std::string Loop::reload_subscribers() {
  if (subscribers_ == nullptr) return {};
  std::string error;
  if (subscribers_->reload(error)) {
    cp_->counters().add(Counter::subscriber_reloads);
    std::fprintf(stderr, "sipedge-cp: reload: %zu subscribers\n", subscribers_->size());
    return {};
  }
  cp_->counters().add(Counter::subscriber_reload_failed);
  std::fprintf(stderr, "sipedge-cp: reload: subscriber table not re-read, the old copy stays: %s\n", error.c_str());
  return "the subscriber table was not re-read (the old copy stays): " + error;
}

void Loop::answer_waiting(Now) {
  for (auto it = deferred_http_.begin(); it != deferred_http_.end();) {
    const std::uint64_t id = it->first;
    const DeferredHttp& c = it->second;
    ++it;  // answer_http erases this entry
    if (c.wait == HttpWait::reload_reply && cp_->reload_replies() > c.wait_for) {
      const bool dp_ok = cp_->last_reload_ok();
      const bool subs_ok = c.subscribers_error.empty();
      Json doc;
      doc["ok"] = dp_ok && subs_ok && listen_error_.empty();
      doc["generation"] = cp_->dataplane_generation();
      doc["subscribers"] = subscribers_ ? Json(subscribers_->size()) : Json(nullptr);
      const bool listen_ok = !dp_ok || listen_error_.empty();
      if (!dp_ok) {
        doc["error"] = "the dataplane refused the reload (see its log); the running config stays";
      } else if (!subs_ok || !listen_ok) {
        doc["error"] = !listen_ok ? listen_error_ : c.subscribers_error;
      }
      answer_http(id, http_text(!dp_ok ? 409 : subs_ok && listen_ok ? 200 : 500, "application/json", dump_json(doc) + "\n"));
    } else if (c.wait == HttpWait::durable && store_.durable_sequence() >= c.wait_for) {
      const Json doc = {{"ok", true}, {"aor", c.wait_aor}, {"removed", c.wait_removed}};
      answer_http(id, http_text(200, "application/json", dump_json(doc) + "\n"));
    }
  }
}

}  // namespace sipedge::cp
