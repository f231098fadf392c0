#include "registrar/response.h"

#include <cstdio>
#include <ctime>

namespace sipedge::registrar {

namespace {

std::string dotted(std::uint32_t ip) {
  std::string out;
  for (int shift = 24; shift >= 0; shift -= 8) {
    out += std::to_string((ip >> shift) & 0xFFu);
    if (shift != 0) out += '.';
  }
  return out;
}

// FNV-1a 64: a stable tag from the request's identity, not a secret.
std::uint64_t fnv1a(std::uint64_t h, std::string_view s) {
  for (char c : s) {
    h ^= static_cast<unsigned char>(c);
    h *= 0x100000001b3ULL;
  }
  return h;
}

std::string hex64(std::uint64_t v) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out(16, '0');
  for (int i = 15; i >= 0; --i) {
    out[static_cast<std::size_t>(i)] = kDigits[v & 0xF];
    v >>= 4;
  }
  return out;
}

// The top Via with received / rport filled in (RFC 3261 18.2.1, RFC 3581 4).
// An IPv6 received is written without brackets (RFC 3261 20.42's
// "received" = IPv4address / IPv6address).
std::string top_via(std::string_view value, const store::Endpoint& source) {
  const auto via = sip::parse_via(value);
  if (!via) return std::string(value);
  std::string out(value);
  const std::string ip = source.v6 ? store::address_text(source) : dotted(source.ip);
  // Edit from the end so earlier offsets stay valid: rport first (it may sit
  // anywhere in the params), then append received.
  if (via->has_rport && !via->rport_has_value) {
    const std::size_t at = static_cast<std::size_t>(via->rport_param.whole.data() - value.data());
    const std::string port = std::to_string(source.port);
    out.insert(at + via->rport_param.whole.size(), port);
    out.insert(at + via->rport_param.whole.size(), 1, '=');
  }
  const bool host_differs = !via_host_is(*via, source);
  if (!via->has_received && (host_differs || via->has_rport)) {
    out += ";received=";
    out += ip;
  }
  return out;
}

}  // namespace

bool via_host_is(const sip::Via& via, const store::Endpoint& source) {
  if (!source.v6) return via.host_type == sip::HostType::ipv4 && via.ipv4 == source.ip;
  if (via.host_type != sip::HostType::ipv6) return false;
  const auto host = store::parse_address(via.host, 0);
  return host && host->v6 && host->ip6 == source.ip6;
}

std::string sip_date(std::int64_t unix_ms) {
  const std::time_t t = static_cast<std::time_t>(unix_ms / 1000);
  std::tm tm{};
  gmtime_r(&t, &tm);
  static constexpr const char* kDays[] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
  static constexpr const char* kMonths[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                            "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  char buffer[40];
  const int n = std::snprintf(buffer, sizeof buffer, "%s, %02d %s %04d %02d:%02d:%02d GMT", kDays[tm.tm_wday % 7],
                              tm.tm_mday, kMonths[tm.tm_mon % 12], tm.tm_year + 1900, tm.tm_hour, tm.tm_min, tm.tm_sec);
  return std::string(buffer, n > 0 ? static_cast<std::size_t>(n) : 0);
}

ResponseBuilder::ResponseBuilder(const sip::Message& request, const store::Endpoint& source, std::uint16_t status,
                                 std::string_view reason) {
  text_.reserve(512);
  text_ += "SIP/2.0 ";
  text_ += std::to_string(status);
  text_ += ' ';
  text_ += reason;
  text_ += "\r\n";
  bool first = true;
  for (const sip::HeaderValue& v : request.values(sip::HeaderId::via)) {
    header("Via", first ? top_via(v.text, source) : std::string(v.text));
    first = false;
  }
  header("From", request.value(sip::HeaderId::from));
  std::string to(request.value(sip::HeaderId::to));
  if (!request.has_to_tag()) {
    std::uint64_t h = fnv1a(0xcbf29ce484222325ULL, request.call_id());
    h = fnv1a(h, request.from_tag());
    to += ";tag=";
    to += hex64(h);
  }
  header("To", to);
  header("Call-ID", request.call_id());
  header("CSeq", request.value(sip::HeaderId::cseq));
}

ResponseBuilder& ResponseBuilder::header(std::string_view name, std::string_view value) {
  text_ += name;
  text_ += ": ";
  text_ += value;
  text_ += "\r\n";
  return *this;
}

ResponseBuilder& ResponseBuilder::raw(std::string_view lines) {
  text_ += lines;
  return *this;
}

std::string ResponseBuilder::finish(std::string_view server, std::int64_t now_ms) {
  if (!server.empty()) header("Server", server);
  if (now_ms > 0) header("Date", sip_date(now_ms));
  text_ += "Content-Length: 0\r\n\r\n";
  return std::move(text_);
}

}  // namespace sipedge::registrar
