#include "cp/http_server.h"

#include <arpa/inet.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <charconv>
#include <cerrno>
#include <cstring>
#include <ctime>

namespace sipedge::cp {
namespace {

std::int64_t monotonic_us() {
  timespec ts{};
  ::clock_gettime(CLOCK_MONOTONIC, &ts);
  return std::int64_t{ts.tv_sec} * 1'000'000 + ts.tv_nsec / 1000;
}

// A non-blocking listening socket on `at`; -1 with `error` set on failure.
// Opened here rather than by libmicrohttpd so a refused address says why
// (errno) and port 0 tells which port it got.
int open_listener(const config::ListenAddress& at, std::uint16_t& bound_port, std::string& error) {
  sockaddr_storage ss{};
  socklen_t length = 0;
  if (at.v6) {
    auto& sa = reinterpret_cast<sockaddr_in6&>(ss);
    sa.sin6_family = AF_INET6;
    sa.sin6_port = htons(at.port);
    std::memcpy(sa.sin6_addr.s6_addr, at.address6.data(), 16);
    length = sizeof sa;
  } else {
    auto& sa = reinterpret_cast<sockaddr_in&>(ss);
    sa.sin_family = AF_INET;
    sa.sin_port = htons(at.port);
    sa.sin_addr.s_addr = htonl(at.address);
    length = sizeof sa;
  }
  const int fd = ::socket(ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  const int one = 1;
  if (fd >= 0) ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  // A v6 listener is v6 only: metrics.listen names one address, and a
  // wildcard must not quietly take IPv4 clients as well.
  if (fd >= 0 && at.v6) ::setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof one);
  if (fd < 0 || ::bind(fd, reinterpret_cast<sockaddr*>(&ss), length) != 0 ||
      ::listen(fd, static_cast<int>(kMaxHttpConnections)) != 0) {
    error = "metrics listen " + config::format_listen_address(at) + ": " + std::strerror(errno);
    if (fd >= 0) ::close(fd);
    return -1;
  }
  socklen_t len = sizeof ss;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&ss), &len);
  bound_port = ntohs(at.v6 ? reinterpret_cast<sockaddr_in6&>(ss).sin6_port : reinterpret_cast<sockaddr_in&>(ss).sin_port);
  return fd;
}

std::string_view header(MHD_Connection* connection, const char* name) {
  const char* v = MHD_lookup_connection_value(connection, MHD_HEADER_KIND, name);
  return v ? std::string_view(v) : std::string_view{};
}

// The query as the client sent it ("a=1&b=%20"): paths and arguments are
// left %-encoded (no-op unescape), and form_value() decodes what it reads.
MHD_Result append_argument(void* out, MHD_ValueKind, const char* key, const char* value) {
  auto& query = *static_cast<std::string*>(out);
  if (!query.empty()) query += '&';
  query += key;
  if (value != nullptr) query.append("=").append(value);
  return MHD_YES;
}

std::size_t keep_escaped(void*, MHD_Connection*, char* text) { return std::strlen(text); }

MHD_Result queue(MHD_Connection* connection, const HttpResponse& r) {
  MHD_Response* response =
      MHD_create_response_from_buffer(r.body.size(), const_cast<char*>(r.body.data()), MHD_RESPMEM_MUST_COPY);
  if (response == nullptr) return MHD_NO;
  if (!r.content_type.empty()) MHD_add_response_header(response, MHD_HTTP_HEADER_CONTENT_TYPE, r.content_type.c_str());
  for (const auto& [name, value] : r.headers) MHD_add_response_header(response, name.c_str(), value.c_str());
  MHD_add_response_header(response, MHD_HTTP_HEADER_CACHE_CONTROL, "no-store");
  // One request per connection: what the clients (sipedgectl, curl, the
  // dashboard's fetch) expect, and no idle keep-alive to bound.
  MHD_add_response_header(response, MHD_HTTP_HEADER_CONNECTION, "close");
  const MHD_Result ok = MHD_queue_response(connection, static_cast<unsigned>(r.status), response);
  MHD_destroy_response(response);
  return ok;
}

HttpResponse refusal(int status, std::string_view error) {
  std::string body = "{\"ok\":false,\"error\":\"";
  body.append(error).append("\"}\n");  // `error` is one of the constants below: nothing to escape
  return {status, "application/json", std::move(body), {}};
}

}  // namespace

struct HttpServer::Exchange {
  std::string body;
  std::uint64_t id = 0;  // non-zero once deferred
  std::optional<HttpResponse> ready;
};

struct HttpServer::Callbacks {
  static MHD_Result request(void* self, MHD_Connection* connection, const char* url, const char* method,
                            const char*, const char* upload_data, std::size_t* upload_data_size, void** context) {
    auto& server = *static_cast<HttpServer*>(self);
    auto* exchange = static_cast<Exchange*>(*context);
    if (exchange == nullptr) {
      // The head is in; libmicrohttpd has already refused what it cannot parse.
      *context = exchange = new Exchange;
      if (!header(connection, MHD_HTTP_HEADER_TRANSFER_ENCODING).empty()) {
        server.refused_();
        return queue(connection, refusal(501, "Transfer-Encoding is not supported"));
      }
      if (const std::string_view length = header(connection, MHD_HTTP_HEADER_CONTENT_LENGTH); !length.empty()) {
        std::size_t n = 0;
        const auto [end, ec] = std::from_chars(length.data(), length.data() + length.size(), n);
        if (ec == std::errc::result_out_of_range || (ec == std::errc{} && n > kMaxHttpBody)) {
          server.refused_();
          return queue(connection, refusal(413, "request too large"));
        }
      }
      return MHD_YES;
    }
    if (*upload_data_size != 0) {
      if (exchange->body.size() + *upload_data_size > kMaxHttpBody) return MHD_NO;  // cannot happen: length checked
      exchange->body.append(upload_data, *upload_data_size);
      *upload_data_size = 0;
      return MHD_YES;
    }
    if (exchange->ready) return queue(connection, *exchange->ready);  // resumed by answer()

    HttpRequest request;
    request.method = method;
    request.path = url;
    std::string query;
    MHD_get_connection_values(connection, MHD_GET_ARGUMENT_KIND, append_argument, &query);
    request.query = query;
    request.body = exchange->body;
    request.host = header(connection, MHD_HTTP_HEADER_HOST);
    request.origin = header(connection, "Origin");
    request.authorization = header(connection, MHD_HTTP_HEADER_AUTHORIZATION);
    std::uint32_t peer = 0;
    const MHD_ConnectionInfo* info = MHD_get_connection_info(connection, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
    if (info != nullptr && info->client_addr != nullptr && info->client_addr->sa_family == AF_INET)
      peer = ntohl(reinterpret_cast<const sockaddr_in*>(info->client_addr)->sin_addr.s_addr);

    // Process-wide, so a Loop that holds a retiring server and a new one
    // (re-bind) can answer by id alone.
    static std::atomic<std::uint64_t> next_id{1};
    const std::uint64_t id = next_id++;
    std::optional<HttpResponse> response = server.handler_(request, peer, id);
    if (response) return queue(connection, *response);
    exchange->id = id;
    server.deferred_[id] = {connection, exchange};
    if (auto it = server.connections_.find(connection); it != server.connections_.end()) it->second.deferred = true;
    MHD_suspend_connection(connection);
    return MHD_YES;
  }

  static void completed(void* self, MHD_Connection*, void** context, MHD_RequestTerminationCode) {
    auto* exchange = static_cast<Exchange*>(*context);
    if (exchange == nullptr) return;
    if (exchange->id != 0) static_cast<HttpServer*>(self)->deferred_.erase(exchange->id);
    delete exchange;
    *context = nullptr;
  }

  static void connection(void* self, MHD_Connection* connection, void**, MHD_ConnectionNotificationCode what) {
    auto& server = *static_cast<HttpServer*>(self);
    if (what == MHD_CONNECTION_NOTIFY_STARTED) {
      server.connections_[connection] = {monotonic_us(), false};
    } else {
      server.connections_.erase(connection);
    }
  }
};

std::unique_ptr<HttpServer> HttpServer::start(const config::ListenAddress& at, Handler handler, Refused refused,
                                              std::string& error) {
  std::unique_ptr<HttpServer> server(new HttpServer);
  server->handler_ = std::move(handler);
  server->refused_ = std::move(refused);
  server->listen_fd_ = open_listener(at, server->port_, error);
  if (server->listen_fd_ < 0) return nullptr;
  // External polling over libmicrohttpd's own epoll set: no thread of its own.
  server->daemon_ = MHD_start_daemon(
      MHD_USE_EPOLL | MHD_ALLOW_SUSPEND_RESUME, 0, nullptr, nullptr, &Callbacks::request, server.get(),
      MHD_OPTION_LISTEN_SOCKET, static_cast<MHD_socket>(server->listen_fd_),
      MHD_OPTION_CONNECTION_MEMORY_LIMIT, kHttpMemoryLimit,
      MHD_OPTION_CONNECTION_LIMIT, static_cast<unsigned>(kMaxHttpConnections),
      // Idle clients; the total deadline is expire()'s.
      MHD_OPTION_CONNECTION_TIMEOUT, static_cast<unsigned>(kHttpRequestTimeoutUs / 1'000'000),
      MHD_OPTION_NOTIFY_COMPLETED, &Callbacks::completed, server.get(),
      MHD_OPTION_NOTIFY_CONNECTION, &Callbacks::connection, server.get(),
      MHD_OPTION_UNESCAPE_CALLBACK, &keep_escaped, nullptr,
      MHD_OPTION_END);
  if (server->daemon_ == nullptr) {
    ::close(server->listen_fd_);
    error = "metrics listen " + config::format_listen_address(at) + ": libmicrohttpd did not start";
    return nullptr;
  }
  return server;
}

HttpServer::~HttpServer() {
  if (daemon_ != nullptr) MHD_stop_daemon(daemon_);  // closes the listener unless stop_listening() did
}

int HttpServer::poll_fd() const {
  const MHD_DaemonInfo* info = MHD_get_daemon_info(daemon_, MHD_DAEMON_INFO_EPOLL_FD);
  return info != nullptr ? info->epoll_fd : -1;
}

void HttpServer::run() { MHD_run(daemon_); }

int HttpServer::timeout_ms() const {
  MHD_UNSIGNED_LONG_LONG ms = 0;
  if (MHD_get_timeout(daemon_, &ms) != MHD_YES) return -1;
  return ms > 60'000 ? 60'000 : static_cast<int>(ms);
}

void HttpServer::expire(std::int64_t now_us) {
  for (const auto& [connection, state] : connections_) {
    if (state.deferred || now_us - state.opened_us <= kHttpRequestTimeoutUs) continue;
    const MHD_ConnectionInfo* info = MHD_get_connection_info(connection, MHD_CONNECTION_INFO_CONNECTION_FD);
    // libmicrohttpd has no call to drop a connection: a shut-down socket is
    // seen on its next read and the connection is closed and freed there.
    if (info != nullptr) ::shutdown(info->connect_fd, SHUT_RDWR);
  }
}

bool HttpServer::answer(std::uint64_t request_id, HttpResponse response) {
  const auto it = deferred_.find(request_id);
  if (it == deferred_.end()) return false;
  const auto [connection, exchange] = it->second;
  deferred_.erase(it);
  exchange->ready = std::move(response);
  if (auto c = connections_.find(connection); c != connections_.end()) c->second = {monotonic_us(), false};  // time to write
  // Called again by the next run(), the request handler queues `ready`.
  MHD_resume_connection(connection);
  return true;
}

void HttpServer::stop_listening() {
  if (listen_fd_ < 0) return;
  const MHD_socket fd = MHD_quiesce_daemon(daemon_);
  if (fd != MHD_INVALID_SOCKET) ::close(fd);
  listen_fd_ = -1;
}

}  // namespace sipedge::cp
