// sipedgectl inspect [FILE|-] [--source IP:PORT|[IPv6]:PORT]
//
// Parses one SIP message with the dataplane's own parser and prints what it
// sees as JSON: the start line, the top Via, Call-ID, From/To, CSeq, Contacts,
// Content-Length, SDP addresses and, with --source, every NAT test (IPv4
// sources: the tests compare v4 addresses; a v6 source shows "nat": null).
// Exit codes: 0 parsed; 1 malformed ("error: <reason>" on stderr) or the
// input cannot be read; 2 usage.
#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <optional>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "sip/ipv4.h"
#include "sip/message.h"
#include "sip/nat.h"
#include "sip/sdp.h"
#include "store/binding.h"
#include "verbs.h"

namespace sipedge::ctl {
namespace {

namespace sip = sipedge::sip;

constexpr std::string_view kUsage = "usage: sipedgectl inspect [FILE|-] [--source IP:PORT|[IPv6]:PORT]\n";

// ---- JSON output ----

using Json = nlohmann::ordered_json;

// Length of the valid UTF-8 sequence starting at s[i], or 0.
std::size_t utf8_length(std::string_view s, std::size_t i) {
  const auto b = static_cast<unsigned char>(s[i]);
  std::size_t n = 0;
  std::uint32_t min = 0;
  if (b >= 0xC2 && b <= 0xDF) {
    n = 2;
    min = 0x80;
  } else if (b >= 0xE0 && b <= 0xEF) {
    n = 3;
    min = 0x800;
  } else if (b >= 0xF0 && b <= 0xF4) {
    n = 4;
    min = 0x10000;
  } else {
    return 0;
  }
  if (i + n > s.size()) return 0;
  std::uint32_t cp = b & (0x7F >> n);
  for (std::size_t k = 1; k < n; ++k) {
    const auto c = static_cast<unsigned char>(s[i + k]);
    if ((c & 0xC0) != 0x80) return 0;
    cp = (cp << 6) | (c & 0x3F);
  }
  if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return 0;
  return n;
}

// SIP allows any octet in places, and an operator inspecting a capture wants
// to see which byte it was: valid UTF-8 passes through, every other byte
// becomes the code point U+00XX (printed "\u00XX" by the ASCII-only dump),
// rather than nlohmann's U+FFFD, which would hide the value.
std::string text(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (std::size_t i = 0; i < s.size(); ++i) {
    const auto c = static_cast<unsigned char>(s[i]);
    if (c < 0x80) {
      out.push_back(static_cast<char>(c));
    } else if (const std::size_t n = utf8_length(s, i); n != 0) {
      out.append(s.substr(i, n));
      i += n - 1;
    } else {
      out.push_back(static_cast<char>(0xC0 | (c >> 6)));
      out.push_back(static_cast<char>(0x80 | (c & 0x3F)));
    }
  }
  return out;
}

// ---- input ----

struct Args {
  std::string_view file = "-";
  bool have_source = false;
  std::uint32_t source_ip = 0;
  std::uint16_t source_port = 0;
  std::optional<store::Endpoint> source6;  // --source [IPv6]:PORT
};

// IPv4:PORT, e.g. 198.51.100.7:5060, or [IPv6]:PORT, e.g. [2001:db8::7]:5060.
bool parse_source(std::string_view text, Args& args) {
  if (text.starts_with('[')) {
    const auto e = store::parse_endpoint(text);
    if (!e || !e->v6) return false;
    args.have_source = true;
    args.source6 = *e;
    args.source_port = e->port;
    return true;
  }
  const std::size_t colon = text.rfind(':');
  if (colon == std::string_view::npos) return false;
  const auto ip = sip::parse_ipv4(text.substr(0, colon));
  const auto port = sip::parse_uint(text.substr(colon + 1), 65535);
  if (!ip || !port || text.substr(colon + 1).find_first_of(" \t") != std::string_view::npos) return false;
  args.have_source = true;
  args.source_ip = *ip;
  args.source_port = static_cast<std::uint16_t>(*port);
  return true;
}

std::optional<Args> parse_args(std::span<const std::string_view> argv) {
  Args args;
  bool have_file = false;
  for (std::size_t i = 0; i < argv.size(); ++i) {
    const std::string_view a = argv[i];
    if (a == "--source") {
      if (i + 1 == argv.size() || !parse_source(argv[++i], args)) return std::nullopt;
    } else if (a.substr(0, 9) == "--source=") {
      if (!parse_source(a.substr(9), args)) return std::nullopt;
    } else if (a.size() > 1 && a.front() == '-') {
      return std::nullopt;  // unknown option
    } else {
      if (have_file) return std::nullopt;
      args.file = a;
      have_file = true;
    }
  }
  return args;
}

bool read_all(std::FILE* f, std::string& out) {
  char buf[65536];
  for (;;) {
    const std::size_t n = std::fread(buf, 1, sizeof buf, f);
    out.append(buf, n);
    if (n < sizeof buf) return std::ferror(f) == 0;
  }
}

// Operator convenience: a file written with bare LF line ends (an editor, a
// heredoc) becomes CRLF, and a head without its empty line gets one.
std::string normalize_line_ends(const std::string& in) {
  std::string out;
  out.reserve(in.size() + in.size() / 16 + 2);
  for (std::size_t i = 0; i < in.size(); ++i) {
    if (in[i] == '\n' && (i == 0 || in[i - 1] != '\r')) out.push_back('\r');
    out.push_back(in[i]);
  }
  if (out.find("\r\n\r\n") == std::string::npos && out.size() >= 2 && out.compare(out.size() - 2, 2, "\r\n") == 0)
    out += "\r\n";
  return out;
}

// ---- the JSON report ----

std::string_view scheme_name(sip::UriScheme s) {
  switch (s) {
    case sip::UriScheme::sip: return "sip";
    case sip::UriScheme::sips: return "sips";
    case sip::UriScheme::tel: return "tel";
    case sip::UriScheme::other: break;
  }
  return "other";
}

Json params_json(std::string_view list) {
  Json out = Json::array();
  sip::ParamIterator it(list);
  sip::Param p;
  while (it.next(p)) {
    Json param;
    param["name"] = text(p.name);
    param["value"] = p.has_value ? Json(text(p.value)) : Json(nullptr);
    out.push_back(std::move(param));
  }
  return out;
}

Json uri_json(std::string_view uri_text) {
  Json j;
  j["text"] = text(uri_text);
  const auto u = sip::parse_uri(uri_text);
  if (!u) {
    j["error"] = sip::parse_error_name(u.error());
    return j;
  }
  j["scheme"] = scheme_name(u->scheme);
  if (u->scheme == sip::UriScheme::other) {
    j["opaque"] = text(u->opaque);
    return j;
  }
  j["user"] = text(u->user);
  if (!u->password.empty()) j["password"] = text(u->password);
  if (u->scheme != sip::UriScheme::tel) {
    j["host"] = text(u->host);
    j["port"] = u->has_port ? Json(u->port) : Json(nullptr);
  }
  j["params"] = params_json(u->params);
  if (!u->headers.empty()) j["headers"] = text(u->headers);
  return j;
}

Json name_addr_json(std::string_view value, bool allow_star) {
  Json j;
  const auto na = sip::parse_name_addr(value, allow_star);
  if (!na) {
    j["text"] = text(value);
    j["error"] = sip::parse_error_name(na.error());
    return j;
  }
  if (na->star) {
    j["star"] = true;
    return j;
  }
  if (!na->display_name.empty() || na->display_quoted) {
    std::string display(na->display_name.size(), '\0');  // without its \-escapes
    display.resize(sip::unescape_display_name(na->display_name, display));
    j["display_name"] = text(display);
  }
  j["uri"] = uri_json(na->uri_text);
  j["tag"] = na->has_tag ? Json(text(na->tag)) : Json(nullptr);
  j["params"] = params_json(na->params);
  return j;
}

void add_via(Json& j, const sip::Message& m) {
  std::uint64_t vias = 0;
  for (const sip::HeaderValue& v : m.values(sip::HeaderId::via)) vias += v.text.empty() ? 0 : 1;
  j["via_count"] = vias;
  Json& top = j["top_via"];
  top = Json::object();
  const auto v = m.top_via();
  if (!v) {
    top["error"] = sip::parse_error_name(v.error());
    return;
  }
  top["text"] = text(v->text);
  top["protocol"] = text(std::string(v->protocol_name) + "/" + std::string(v->protocol_version));
  top["transport"] = text(v->transport_text);
  top["host"] = text(v->host);
  top["port"] = v->has_port ? Json(v->port) : Json(nullptr);
  top["branch"] = !v->branch.empty() ? Json(text(v->branch)) : Json(nullptr);
  top["received"] = v->has_received ? Json(text(v->received)) : Json(nullptr);
  if (v->rport_has_value) {
    top["rport"] = v->rport;
  } else {
    top["rport"] = v->has_rport ? Json(true) : Json(nullptr);
  }
  top["params"] = params_json(v->params);
}

Json sdp_json(const sip::Message& m) {
  Json out = Json::array();
  sip::SdpAddressIterator it(m.body());
  sip::SdpAddress a;
  while (it.next(a)) {
    Json addr;
    addr["line"] = a.line == sip::SdpLine::origin ? "o" : "c";
    addr["type"] = a.type == sip::SdpAddrType::ip4 ? "IP4" : a.type == sip::SdpAddrType::ip6 ? "IP6" : "other";
    addr["address"] = text(a.address);
    addr["valid"] = a.valid;
    if (a.type == sip::SdpAddrType::ip4 && a.valid) addr["private"] = sip::is_private_ipv4_text(a.address);
    out.push_back(std::move(addr));
  }
  return out;
}

std::string report(const sip::Message& m, const Args& args) {
  Json j;
  j["kind"] = m.is_request() ? "request" : "response";
  if (m.is_request()) {
    j["method"] = text(m.method_text());
    j["request_uri"] = uri_json(m.request_uri());
  } else {
    j["status"] = m.status_code();
    j["reason"] = text(m.reason());
  }
  j["headers"] = m.header_count();
  add_via(j, m);
  j["call_id"] = text(m.call_id());
  j["from"] = name_addr_json(m.value(sip::HeaderId::from), false);
  j["to"] = name_addr_json(m.value(sip::HeaderId::to), false);
  j["cseq"] = Json{{"number", m.cseq().number}, {"method", text(m.cseq().method_text)}};
  j["max_forwards"] = m.has_max_forwards() ? Json(m.max_forwards()) : Json(nullptr);
  if (m.is_request()) j["initial"] = m.is_initial_request();
  Json contacts = Json::array();
  for (const sip::HeaderValue& v : m.values(sip::HeaderId::contact)) contacts.push_back(name_addr_json(v.text, true));
  j["contacts"] = std::move(contacts);
  j["content_length"] = m.content_length();
  j["content_length_present"] = m.has_content_length();
  j["content_type"] = m.has(sip::HeaderId::content_type) ? Json(text(m.content_type())) : Json(nullptr);
  if (m.has_sdp()) j["sdp"] = sdp_json(m);
  if (args.source6) {
    j["source"] = store::to_string(*args.source6);
    j["nat"] = nullptr;  // the NAT tests compare IPv4 addresses (sip/nat.h)
  } else if (args.have_source) {
    const sip::Ipv4Text ip = sip::ipv4_text(args.source_ip);
    j["source"] = std::string(ip.view()) + ":" + std::to_string(args.source_port);
    Json nat;
    const sip::NatMask bits = sip::nat_test(m, args.source_ip, args.source_port, sip::kAllNatTests);
    for (std::size_t i = 0; i < sip::kNatTestCount; ++i)
      nat[std::string(sip::kNatTestNames[i])] = (bits & sip::nat_bit(static_cast<sip::NatTest>(i))) != 0;
    j["nat"] = std::move(nat);
  }
  // ASCII only: a terminal or a pipe never sees a raw byte from the packet.
  return j.dump(2, ' ', /*ensure_ascii=*/true) + "\n";
}

}  // namespace

int run_inspect(std::span<const std::string_view> argv) {
  for (std::string_view a : argv) {
    if (a == "-h" || a == "--help") {
      std::fwrite(kUsage.data(), 1, kUsage.size(), stdout);
      return 0;
    }
  }
  const auto args = parse_args(argv);
  if (!args) {
    std::fwrite(kUsage.data(), 1, kUsage.size(), stderr);
    return 2;
  }

  std::string raw;
  if (args->file == "-") {
    if (!read_all(stdin, raw)) {
      std::fprintf(stderr, "error: cannot read stdin: %s\n", std::strerror(errno));
      return 1;
    }
  } else {
    const std::string path(args->file);
    std::FILE* f = std::fopen(path.c_str(), "rb");
    if (f == nullptr) {
      std::fprintf(stderr, "error: cannot open %s: %s\n", path.c_str(), std::strerror(errno));
      return 1;
    }
    const bool ok = read_all(f, raw);
    std::fclose(f);
    if (!ok) {
      std::fprintf(stderr, "error: cannot read %s\n", path.c_str());
      return 1;
    }
  }

  const std::string text = normalize_line_ends(raw);
  sip::Message m;
  if (const sip::ParseError e = m.parse(text); e != sip::ParseError::ok) {
    const std::string_view name = sip::parse_error_name(e);
    std::fprintf(stderr, "error: %.*s\n", static_cast<int>(name.size()), name.data());
    return 1;
  }
  const std::string out = report(m, *args);
  std::fwrite(out.data(), 1, out.size(), stdout);
  return 0;
}

}  // namespace sipedge::ctl
