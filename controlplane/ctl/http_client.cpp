#include "http_client.h"

#include <curl/curl.h>

#include <cstdio>
#include <cstring>
#include <memory>

#include "config/token_file.h"

namespace sipedge::ctl {
namespace {

std::string& token_file_override() {
  static std::string path;
  return path;
}

struct CurlEasyDeleter {
  void operator()(CURL* c) const { curl_easy_cleanup(c); }
};
struct CurlListDeleter {
  void operator()(curl_slist* l) const { curl_slist_free_all(l); }
};

// Appends the body, refusing (by a short count, which ends the transfer)
// past kMaxHttpResponse.
std::size_t collect(char* data, std::size_t size, std::size_t count, void* out) {
  auto& body = *static_cast<std::string*>(out);
  const std::size_t n = size * count;
  if (body.size() + n > kMaxHttpResponse) return 0;
  body.append(data, n);
  return n;
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

// libcurl rather than cpp-httplib: sipedgectl is a short-lived blocking
// CLI, and libcurl's easy interface gives one call with a whole-exchange
// timeout, a response-size cap and a transport error message, and is the
// client the e2e scripts already exercise (curl).
HttpResult http_request(const config::ListenAddress& server, std::string_view method, std::string_view target,
                        std::string_view body, int timeout_ms, std::string_view bearer_token) {
  HttpResult r;
  const std::string where = config::format_listen_address(server);  // "[::1]:9090" is a valid URL authority
  const std::unique_ptr<CURL, CurlEasyDeleter> curl(curl_easy_init());
  if (!curl) {
    r.error = "libcurl did not initialise";
    return r;
  }
  const std::string url = "http://" + where + std::string(target);
  const std::string method_text(method);
  const std::string body_text(body);
  // One request per connection, as sipedge-cp answers; no Expect: 100-continue round trip.
  curl_slist* raw_headers = curl_slist_append(nullptr, "Connection: close");
  raw_headers = curl_slist_append(raw_headers, "Expect:");
  raw_headers = curl_slist_append(raw_headers, "Accept:");
  const std::string authorization = "Authorization: Bearer " + std::string(bearer_token);
  if (!bearer_token.empty()) raw_headers = curl_slist_append(raw_headers, authorization.c_str());
  const std::unique_ptr<curl_slist, CurlListDeleter> headers(raw_headers);
  char error[CURL_ERROR_SIZE] = {};
  CURL* c = curl.get();
  curl_easy_setopt(c, CURLOPT_URL, url.c_str());
  curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http");
  curl_easy_setopt(c, CURLOPT_NOPROXY, "*");  // a loopback API is never reached through a proxy
  curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, static_cast<long>(timeout_ms));
  curl_easy_setopt(c, CURLOPT_USERAGENT, "sipedgectl");
  curl_easy_setopt(c, CURLOPT_HTTPHEADER, headers.get());
  curl_easy_setopt(c, CURLOPT_ERRORBUFFER, error);
  curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, &collect);
  curl_easy_setopt(c, CURLOPT_WRITEDATA, &r.body);
  if (method == "POST" || !body.empty()) {
    // A form body, Content-Length even when empty (sipedge-cp reads by length).
    curl_easy_setopt(c, CURLOPT_POSTFIELDS, body_text.c_str());
    curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE, static_cast<long>(body_text.size()));
  }
  if (method == "HEAD") curl_easy_setopt(c, CURLOPT_NOBODY, 1L);
  if (method != "GET" && method != "POST" && method != "HEAD")
    curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method_text.c_str());

  const CURLcode rc = curl_easy_perform(c);
  if (rc != CURLE_OK) {
    r.body.clear();
    const std::string detail = error[0] != '\0' ? error : curl_easy_strerror(rc);
    switch (rc) {
      case CURLE_OPERATION_TIMEDOUT: r.error = "no answer from " + where + ": timed out (" + detail + ")"; break;
      case CURLE_COULDNT_CONNECT: {
        long os_errno = 0;  // "Connection refused" says more than libcurl's "Couldn't connect"
        curl_easy_getinfo(c, CURLINFO_OS_ERRNO, &os_errno);
        r.error = "connect " + where + ": " + (os_errno != 0 ? std::strerror(static_cast<int>(os_errno)) : detail);
        break;
      }
      case CURLE_WRITE_ERROR: r.error = "response from " + where + " too large"; break;
      case CURLE_UNSUPPORTED_PROTOCOL:
      case CURLE_WEIRD_SERVER_REPLY: r.error = "not an HTTP response from " + where + " (" + detail + ")"; break;
      default: r.error = "HTTP exchange with " + where + ": " + detail; break;
    }
    return r;
  }
  long status = 0;
  curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
  r.status = static_cast<int>(status);
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
  if (listen.off()) {
    std::fprintf(stderr, "sipedgectl: %.*s: metrics.listen is off, sipedge-cp has no HTTP API\n",
                 static_cast<int>(path.size()), path.data());
    return std::nullopt;
  }
  ApiTarget target;
  static_cast<config::ListenAddress&>(target) = listen;
  // A wildcard bind is reached over loopback.
  if (!listen.v6 && listen.address == 0xFFFFFFFF) target.address = 0x7F000001;
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
