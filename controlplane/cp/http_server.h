#pragma once
// sipedge::cp::HttpServer — sipedge-cp's local API transport: libmicrohttpd
// in external-poll mode (its own epoll set, nested in the Loop's, as the
// Redis store does), so HTTP parsing, limits and connection handling are
// the library's and the Loop stays single-threaded.
//
// What is refused before a handler sees a request: a request line or header
// block over kHttpMemoryLimit (414/431, libmicrohttpd), a malformed line or
// Content-Length (400, libmicrohttpd), a declared or received body over
// kMaxHttpBody (413), Transfer-Encoding (501: nothing here needs a stream),
// more than kMaxHttpConnections clients (the newest closed), and a client that
// has not sent its whole request within kHttpRequestTimeoutUs (closed) —
// a total deadline, so one byte a second does not keep a connection open.
// Every response closes its connection.
//
// A handler may answer later (reload, a durable unregister): it returns
// nullopt, the connection is suspended and answer(id, ...) completes it.
//
// Thread-safety: none; every call from the Loop's thread. Errors: start()
// returns nullptr with `error` set; later failures close the one connection.
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "config/config.h"
#include "cp/http_request.h"

struct MHD_Daemon;
struct MHD_Connection;

namespace sipedge::cp {

inline constexpr std::size_t kHttpMemoryLimit = 16384;  // per connection: request line, headers, buffers
inline constexpr std::size_t kMaxHttpConnections = 64;
inline constexpr std::int64_t kHttpRequestTimeoutUs = 5'000'000;  // whole request, and a deferred answer

struct HttpResponse {
  int status = 500;
  std::string content_type;
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;  // extra headers (Allow, WWW-Authenticate)
};

class HttpServer final {
 public:
  // `request_id` names a request answered later (see answer()).
  using Handler =
      std::function<std::optional<HttpResponse>(const HttpRequest& request, std::uint32_t peer_ipv4, std::uint64_t request_id)>;

  // Called for each request this server refuses itself (413, 501).
  using Refused = std::function<void()>;

  // Listens on `at` (port 0: ephemeral); nullptr with `error` on failure.
  static std::unique_ptr<HttpServer> start(const config::ListenAddress& at, Handler handler, Refused refused,
                                           std::string& error);
  ~HttpServer();
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  std::uint16_t port() const { return port_; }
  // The fd to watch for readability (libmicrohttpd's epoll set).
  int poll_fd() const;
  // Serves whatever is ready; never blocks.
  void run();
  // Milliseconds until run() has work that no fd announces (-1: none).
  int timeout_ms() const;
  // Closes connections whose request has not arrived whole in time
  // (deferred answers are the caller's to time out).
  void expire(std::int64_t now_us);
  // Completes a deferred request; false when its client is gone.
  bool answer(std::uint64_t request_id, HttpResponse response);
  // Stops listening; open connections are still served (a re-bind).
  void stop_listening();
  std::size_t connections() const { return connections_.size(); }

 private:
  struct Exchange;     // one request's state (libmicrohttpd's per-request context)
  struct Callbacks;    // the C callbacks libmicrohttpd calls
  friend struct Callbacks;
  struct Connection {
    std::int64_t opened_us = 0;
    bool deferred = false;
  };
  HttpServer() = default;

  MHD_Daemon* daemon_ = nullptr;
  int listen_fd_ = -1;
  std::uint16_t port_ = 0;
  Handler handler_;
  Refused refused_;
  std::unordered_map<MHD_Connection*, Connection> connections_;
  std::unordered_map<std::uint64_t, std::pair<MHD_Connection*, Exchange*>> deferred_;
};

}  // namespace sipedge::cp
