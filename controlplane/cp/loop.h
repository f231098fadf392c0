#pragma once
// sipedge::cp::Loop — sipedge-cp's one event loop: epoll over the punt
// socket, a timerfd, the HTTP listener and its connections, and a stop fd
// (a signalfd in main, an eventfd in tests). Nothing in it blocks: sockets are
// non-blocking, the punt socket is reconnected with exponential backoff, the
// store is written once per turn by ControlPlane::end_turn().
//
// Thread-safety: run() owns everything; stop_fd may be written from anywhere.
// Errors: start-up problems (metrics address in use) throw std::runtime_error
// from the constructor; later socket errors are logged and counted.
//
// HTTP (metrics.listen, meant to be local; cp/http_server.h, libmicrohttpd
// on the loop's epoll set): GET /, /metrics, /api/stats,
// /api/registrations[/AOR]; DELETE /api/registrations/AOR and POST
// /api/unregister (aor=...) answer once the removal is durable; POST
// /api/reload (and SIGHUP) re-reads the subscriber table and the TOML file (a
// broken one, or one changing keys that need a restart, is refused with
// file:line or the keys, the dataplane not asked, the running config kept),
// then answers with the dataplane's verdict (every runtime setting applied,
// see ControlPlane::stage_config; metrics.listen re-bound); GET/POST /api/subscribers, DELETE
// /api/subscribers/USER@REALM and POST /api/subscribers/del provision digest
// credentials (cp/subscribers_api.h); GET /api/announce, POST /api/drain
// (grace=S) and POST /api/undrain show and steer the VIP announcement
// (cp/announce.h). ?format=text gives the
// plain text sipedgectl prints. Requests are bounded in size and
// time (cp/http_server.h); one request per connection. With metrics.allow, clients outside its
// prefixes get 403 for everything. Every request but GET/HEAD needs the bearer
// token of metrics.token_file when one is set (cp/api_auth.h): 401 without.
#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "cp/http_server.h"
#include "config/config.h"
#include "cp/announce.h"
#include "cp/control_plane.h"

namespace sipedge::cp {

// Reconnect backoff: starts here, doubles up to the maximum.
inline constexpr std::int64_t kReconnectMinUs = 100'000;
inline constexpr std::int64_t kReconnectMaxUs = 5'000'000;
// Messages for the dataplane kept while its socket is full; beyond: dropped, counted.
inline constexpr std::size_t kMaxQueuedTx = 8192;
// Datagrams read from the punt socket per turn, so one flood cannot starve the
// timer and the store (the rest waits in the kernel buffer).
inline constexpr std::size_t kMaxReadsPerTurn = 256;

// How long a subscriber write (/api/subscribers) or re-read may wait for a
// lock another connection (the sqlite3 shell) holds on the SQLite file: the
// loop stalls at most this long, then the request fails and is counted.
inline constexpr int kSubscriberBusyTimeoutMs = 50;

Now clock_now();

class Loop final : private Outbox {
 public:
  // `metrics_listen` port 0 binds an ephemeral port (tests); address 0 disables HTTP.
  // `subscribers` (may be null: no /api/subscribers) is what the registrar
  // authenticates against when registrar.auth; the API writes it either way.
  // `config_path`: the file `config` came from, re-read on reload ("": not).
  // `destination_states` (may be null) keeps probe verdicts and set-state
  // overrides across restarts (ControlPlane).
  Loop(const config::Config& config, store::LocationStore& store, store::SubscriberStore* subscribers,
       config::ListenAddress metrics_listen, std::string config_path = {},
       store::SqliteDestinationStates* destination_states = nullptr);
  ~Loop() override;
  Loop(const Loop&) = delete;
  Loop& operator=(const Loop&) = delete;

  // Runs until `stop_fd` is readable; `reload_fd` readable (SIGHUP's
  // signalfd, -1: none) reloads as POST /api/reload does, the outcome
  // logged. Returns 0, or 1 on a fatal epoll error.
  int run(int stop_fd, int reload_fd = -1);

  std::uint16_t http_port() const { return http_ ? http_->port() : 0; }
  ControlPlane& control_plane() { return *cp_; }
  Announcer& announcer() { return *announce_; }
  bool connected() const { return punt_fd_ >= 0; }

 private:
  // What a request answered later waits for (operator actions).
  enum class HttpWait { none, reload_reply, durable };
  struct DeferredHttp {
    std::int64_t opened_us = 0;
    HttpWait wait = HttpWait::none;
    std::uint64_t wait_for = 0;  // reload replies seen before the request / store sequence
    std::string wait_aor;
    std::size_t wait_removed = 0;
    std::string subscribers_error;  // reload: why the subscriber table was not re-read
  };

  bool send(const punt::Header& header, std::string_view payload) override;
  void try_connect(std::int64_t now_us);
  void disconnect(const char* why, std::int64_t now_us);
  void read_punt(Now now);
  void flush_queue(std::int64_t now_us);
  void set_punt_events(bool want_out);
  // The API server on `at` joined to the loop's epoll set; false with
  // `error` when it cannot listen there.
  bool start_http(const config::ListenAddress& at, std::string& error);
  // Serves the HTTP server(s) whose epoll fd is `fd`; false when none is.
  bool run_http(int fd);
  // Epoll timeout: what libmicrohttpd needs soonest (-1: nothing).
  int http_timeout_ms() const;
  // The timer's HTTP work: slow clients closed, deferred answers past their
  // time answered 504, a retiring server gone once its clients are.
  void tick_http(Now now);
  // The response to a request, or nullopt when it is answered later
  // (`pending` set): reload and unregister answer once done.
  std::optional<HttpResponse> http_response(const HttpRequest& req, std::uint32_t peer_ipv4, DeferredHttp& pending,
                                            Now now);
  void answer_http(std::uint64_t id, HttpResponse response);
  void answer_waiting(Now now);
  // Re-reads the subscriber table (reload); "" when done or there is none.
  std::string reload_subscribers();
  // A reload (POST /api/reload, SIGHUP): subscribers and the file re-read,
  // keys that need a restart refused (cp/reload_check.h), the config staged
  // and the dataplane asked. "" once asked (reload_seen_ set); else why not,
  // with the HTTP `status`.
  std::string begin_reload(int& status, std::string& subscribers_error);
  void reload_on_signal();
  // After a turn: a config the control plane took over brings its token and
  // metrics.listen (re-bound; on failure the old listener stays and
  // listen_error_ says why in the reload's answer).
  void follow_config();
  // /api/announce, /api/drain, /api/undrain.
  HttpResponse announce_response(const HttpRequest& req, Now now);

  store::LocationStore& store_;
  store::SubscriberStore* subscribers_;
  std::string config_path_;
  std::string api_token_;  // metrics.token: what state-changing requests must bear ("": none)
  config::ListenAddress listen_config_;  // metrics.listen of the config in effect
  std::vector<config::Ipv4Prefix> api_allow_;  // metrics.allow ("": everyone)
  std::string listen_error_;            // the last reload's re-bind failure, "" when none
  std::uint64_t config_serial_seen_ = 0;
  std::uint64_t reload_seen_ = 0;  // reload replies before the last RELOAD sent
  bool signal_reload_pending_ = false;
  std::uint64_t signal_reload_seen_ = 0;
  std::unique_ptr<ControlPlane> cp_;
  std::unique_ptr<Announcer> announce_;
  int bird_fd_ = -1;  // the BIRD socket as registered with epoll
  int epoll_fd_ = -1;
  int timer_fd_ = -1;
  int punt_fd_ = -1;
  std::unique_ptr<HttpServer> http_;  // on metrics.listen; null when off
  // Servers of an older metrics.listen, no longer listening, finishing their requests.
  std::vector<std::unique_ptr<HttpServer>> retiring_http_;
  int store_fd_ = -1;  // store.poll_fd(), -1 for local stores
  std::int64_t next_connect_us_ = 0;
  std::int64_t backoff_us_ = kReconnectMinUs;
  bool want_out_ = false;
  std::deque<std::string> queued_;  // whole encoded datagrams
  std::map<std::uint64_t, DeferredHttp> deferred_http_;  // by HttpServer request id
  std::unique_ptr<std::uint8_t[]> rx_;
};

}  // namespace sipedge::cp
