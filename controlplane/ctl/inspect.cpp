// sipedgectl inspect [FILE|-] [--source IP:PORT]
//
// Parses one SIP message with the dataplane's own parser and prints what it
// sees as JSON: the start line, the top Via, Call-ID, From/To, CSeq, Contacts,
// Content-Length, SDP addresses and, with --source, every NAT test.
// Exit codes: 0 parsed; 1 malformed ("error: <reason>" on stderr) or the
// input cannot be read; 2 usage.
#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <optional>
#include <string>
#include <string_view>

#include "sip/ipv4.h"
#include "sip/message.h"
#include "sip/nat.h"
#include "sip/sdp.h"
#include "verbs.h"

namespace sipedge::ctl {
namespace {

namespace sip = sipedge::sip;

constexpr std::string_view kUsage = "usage: sipedgectl inspect [FILE|-] [--source IP:PORT]\n";

// ---- JSON output (no library here: strings escaped per RFC 8259) ----

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

// Appends s as a JSON string literal. Valid UTF-8 passes through; other bytes
// (SIP allows any octet in places) are written as the code point U+00XX so the
// output is always valid JSON.
void append_json_string(std::string& out, std::string_view s) {
  static constexpr char kHex[] = "0123456789abcdef";
  out.push_back('"');
  for (std::size_t i = 0; i < s.size(); ++i) {
    const auto c = static_cast<unsigned char>(s[i]);
    switch (c) {
      case '"': out += "\\\""; continue;
      case '\\': out += "\\\\"; continue;
      case '\n': out += "\\n"; continue;
      case '\r': out += "\\r"; continue;
      case '\t': out += "\\t"; continue;
      default: break;
    }
    if (c < 0x20 || c == 0x7F) {
      out += "\\u00";
      out.push_back(kHex[c >> 4]);
      out.push_back(kHex[c & 0xF]);
    } else if (c < 0x80) {
      out.push_back(static_cast<char>(c));
    } else if (const std::size_t n = utf8_length(s, i); n != 0) {
      out.append(s.substr(i, n));
      i += n - 1;
    } else {
      out += "\\u00";
      out.push_back(kHex[c >> 4]);
      out.push_back(kHex[c & 0xF]);
    }
  }
  out.push_back('"');
}

// A small pretty-printing writer: objects and arrays nest, commas and
// indentation are handled here.
class Json {
 public:
  void begin_object(std::string_view key = {}) { open(key, '{'); }
  void end_object() { close('}'); }
  void begin_array(std::string_view key = {}) { open(key, '['); }
  void end_array() { close(']'); }
  void string(std::string_view key, std::string_view value) {
    item(key);
    append_json_string(out_, value);
  }
  void number(std::string_view key, std::uint64_t value) {
    item(key);
    out_ += std::to_string(value);
  }
  void boolean(std::string_view key, bool value) {
    item(key);
    out_ += value ? "true" : "false";
  }
  void null(std::string_view key) {
    item(key);
    out_ += "null";
  }
  const std::string& text() const { return out_; }

 private:
  void item(std::string_view key) {
    if (!first_) out_.push_back(',');
    first_ = false;
    if (depth_ > 0) {
      out_.push_back('\n');
      out_.append(static_cast<std::size_t>(depth_) * 2, ' ');
    }
    if (!key.empty()) {
      append_json_string(out_, key);
      out_ += ": ";
    }
  }
  void open(std::string_view key, char bracket) {
    item(key);
    out_.push_back(bracket);
    ++depth_;
    first_ = true;
  }
  void close(char bracket) {
    --depth_;
    if (!first_) {
      out_.push_back('\n');
      out_.append(static_cast<std::size_t>(depth_) * 2, ' ');
    }
    out_.push_back(bracket);
    first_ = false;
  }

  std::string out_;
  int depth_ = 0;
  bool first_ = true;
};

// ---- input ----

struct Args {
  std::string_view file = "-";
  bool have_source = false;
  std::uint32_t source_ip = 0;
  std::uint16_t source_port = 0;
};

// IPv4:PORT, e.g. 198.51.100.7:5060.
bool parse_source(std::string_view text, Args& args) {
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

void write_params(Json& j, std::string_view key, std::string_view list) {
  j.begin_array(key);
  sip::ParamIterator it(list);
  sip::Param p;
  while (it.next(p)) {
    j.begin_object();
    j.string("name", p.name);
    if (p.has_value) {
      j.string("value", p.value);
    } else {
      j.null("value");
    }
    j.end_object();
  }
  j.end_array();
}

void write_uri(Json& j, std::string_view key, std::string_view text) {
  j.begin_object(key);
  j.string("text", text);
  const auto u = sip::parse_uri(text);
  if (!u) {
    j.string("error", sip::parse_error_name(u.error()));
    j.end_object();
    return;
  }
  j.string("scheme", scheme_name(u->scheme));
  if (u->scheme == sip::UriScheme::other) {
    j.string("opaque", u->opaque);
    j.end_object();
    return;
  }
  j.string("user", u->user);
  if (!u->password.empty()) j.string("password", u->password);
  if (u->scheme != sip::UriScheme::tel) {
    j.string("host", u->host);
    if (u->has_port) {
      j.number("port", u->port);
    } else {
      j.null("port");
    }
  }
  write_params(j, "params", u->params);
  if (!u->headers.empty()) j.string("headers", u->headers);
  j.end_object();
}

void write_name_addr(Json& j, std::string_view key, std::string_view value, bool allow_star) {
  j.begin_object(key);
  const auto na = sip::parse_name_addr(value, allow_star);
  if (!na) {
    j.string("text", value);
    j.string("error", sip::parse_error_name(na.error()));
    j.end_object();
    return;
  }
  if (na->star) {
    j.boolean("star", true);
    j.end_object();
    return;
  }
  if (!na->display_name.empty() || na->display_quoted) {
    std::string display(na->display_name.size(), '\0');  // without its \-escapes
    display.resize(sip::unescape_display_name(na->display_name, display));
    j.string("display_name", display);
  }
  write_uri(j, "uri", na->uri_text);
  if (na->has_tag) {
    j.string("tag", na->tag);
  } else {
    j.null("tag");
  }
  write_params(j, "params", na->params);
  j.end_object();
}

void write_via(Json& j, const sip::Message& m) {
  std::uint64_t vias = 0;
  for (const sip::HeaderValue& v : m.values(sip::HeaderId::via)) vias += v.text.empty() ? 0 : 1;
  j.number("via_count", vias);
  j.begin_object("top_via");
  const auto v = m.top_via();
  if (!v) {
    j.string("error", sip::parse_error_name(v.error()));
    j.end_object();
    return;
  }
  j.string("text", v->text);
  j.string("protocol", std::string(v->protocol_name) + "/" + std::string(v->protocol_version));
  j.string("transport", v->transport_text);
  j.string("host", v->host);
  if (v->has_port) {
    j.number("port", v->port);
  } else {
    j.null("port");
  }
  if (!v->branch.empty()) {
    j.string("branch", v->branch);
  } else {
    j.null("branch");
  }
  if (v->has_received) {
    j.string("received", v->received);
  } else {
    j.null("received");
  }
  if (v->rport_has_value) {
    j.number("rport", v->rport);
  } else if (v->has_rport) {
    j.boolean("rport", true);
  } else {
    j.null("rport");
  }
  write_params(j, "params", v->params);
  j.end_object();
}

void write_sdp(Json& j, const sip::Message& m) {
  j.begin_array("sdp");
  sip::SdpAddressIterator it(m.body());
  sip::SdpAddress a;
  while (it.next(a)) {
    j.begin_object();
    j.string("line", a.line == sip::SdpLine::origin ? "o" : "c");
    j.string("type", a.type == sip::SdpAddrType::ip4 ? "IP4" : a.type == sip::SdpAddrType::ip6 ? "IP6" : "other");
    j.string("address", a.address);
    j.boolean("valid", a.valid);
    if (a.type == sip::SdpAddrType::ip4 && a.valid) j.boolean("private", sip::is_private_ipv4_text(a.address));
    j.end_object();
  }
  j.end_array();
}

std::string report(const sip::Message& m, const Args& args) {
  Json j;
  j.begin_object();
  j.string("kind", m.is_request() ? "request" : "response");
  if (m.is_request()) {
    j.string("method", m.method_text());
    write_uri(j, "request_uri", m.request_uri());
  } else {
    j.number("status", m.status_code());
    j.string("reason", m.reason());
  }
  j.number("headers", m.header_count());
  write_via(j, m);
  j.string("call_id", m.call_id());
  write_name_addr(j, "from", m.value(sip::HeaderId::from), false);
  write_name_addr(j, "to", m.value(sip::HeaderId::to), false);
  j.begin_object("cseq");
  j.number("number", m.cseq().number);
  j.string("method", m.cseq().method_text);
  j.end_object();
  if (m.has_max_forwards()) {
    j.number("max_forwards", m.max_forwards());
  } else {
    j.null("max_forwards");
  }
  if (m.is_request()) j.boolean("initial", m.is_initial_request());
  j.begin_array("contacts");
  for (const sip::HeaderValue& v : m.values(sip::HeaderId::contact)) write_name_addr(j, {}, v.text, true);
  j.end_array();
  j.number("content_length", m.content_length());
  j.boolean("content_length_present", m.has_content_length());
  if (m.has(sip::HeaderId::content_type)) {
    j.string("content_type", m.content_type());
  } else {
    j.null("content_type");
  }
  if (m.has_sdp()) write_sdp(j, m);
  if (args.have_source) {
    const sip::Ipv4Text ip = sip::ipv4_text(args.source_ip);
    j.string("source", std::string(ip.view()) + ":" + std::to_string(args.source_port));
    const sip::NatMask bits = sip::nat_test(m, args.source_ip, args.source_port, sip::kAllNatTests);
    j.begin_object("nat");
    for (std::size_t i = 0; i < sip::kNatTestCount; ++i)
      j.boolean(sip::kNatTestNames[i], (bits & sip::nat_bit(static_cast<sip::NatTest>(i))) != 0);
    j.end_object();
  }
  j.end_object();
  return j.text() + "\n";
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
