#include "frame_spec.h"

#include <algorithm>
#include <cctype>
#include <fstream>
#include <map>
#include <optional>
#include <set>
#include <sstream>
#include <stdexcept>

#include "net/arp.h"
#include "net/bytes.h"
#include "net/checksum.h"
#include "net/ethernet.h"
#include "net/fragment.h"
#include "net/ipv4.h"
#include "net/mac.h"
#include "net/udp.h"

namespace sipedge::pcap_tool {
namespace {

namespace n = sipedge::net;

struct Defaults {
  n::MacAddr smac{{0x02, 0x00, 0x00, 0x00, 0x00, 0x02}};
  n::MacAddr dmac{{0x02, 0x00, 0x00, 0x00, 0x00, 0x01}};
  std::uint8_t ttl = 64;
};

struct Block {
  std::string kind;
  int line = 0;
  int number = 0;
  std::map<std::string, std::string> kv;
  std::set<std::string> flags;
  Frame payload;
  bool has_payload = false;
  std::string hex;  // raw frames
  Defaults defaults;
};

class SpecError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

std::vector<std::string> split_ws(std::string_view s) {
  std::vector<std::string> out;
  std::size_t i = 0;
  while (i < s.size()) {
    while (i < s.size() && std::isspace(static_cast<unsigned char>(s[i]))) ++i;
    const std::size_t start = i;
    while (i < s.size() && !std::isspace(static_cast<unsigned char>(s[i]))) ++i;
    if (i > start) out.emplace_back(s.substr(start, i - start));
  }
  return out;
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return s;
}

int hex_digit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

Frame parse_hex(std::string_view text) {
  std::string digits;
  for (char c : text) {
    if (std::isspace(static_cast<unsigned char>(c)) || c == ':') continue;
    if (hex_digit(c) < 0) throw SpecError(std::string("bad hex digit '") + c + "'");
    digits += c;
  }
  if (digits.size() % 2 != 0) throw SpecError("odd number of hex digits");
  Frame out;
  for (std::size_t i = 0; i < digits.size(); i += 2) {
    out.push_back(static_cast<std::uint8_t>(hex_digit(digits[i]) * 16 + hex_digit(digits[i + 1])));
  }
  return out;
}

Frame unescape(std::string_view text) {
  Frame out;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] != '\\') {
      out.push_back(static_cast<std::uint8_t>(text[i]));
      continue;
    }
    if (++i == text.size()) throw SpecError("dangling backslash");
    switch (text[i]) {
      case 'r': out.push_back('\r'); break;
      case 'n': out.push_back('\n'); break;
      case 't': out.push_back('\t'); break;
      case '0': out.push_back(0); break;
      case '\\': out.push_back('\\'); break;
      case 'x': {
        if (i + 2 >= text.size() || hex_digit(text[i + 1]) < 0 || hex_digit(text[i + 2]) < 0) {
          throw SpecError("bad \\x escape");
        }
        out.push_back(static_cast<std::uint8_t>(hex_digit(text[i + 1]) * 16 + hex_digit(text[i + 2])));
        i += 2;
        break;
      }
      default: throw SpecError(std::string("unknown escape \\") + text[i]);
    }
  }
  return out;
}

Frame lf_to_crlf(const Frame& in) {
  Frame out;
  out.reserve(in.size() + in.size() / 16);
  for (std::size_t i = 0; i < in.size(); ++i) {
    if (in[i] == '\n' && (i == 0 || in[i - 1] != '\r')) out.push_back('\r');
    out.push_back(in[i]);
  }
  return out;
}

std::uint32_t to_number(const std::string& key, const std::string& v, std::uint32_t max) {
  std::size_t used = 0;
  unsigned long value = 0;
  try {
    value = std::stoul(v, &used, 0);
  } catch (const std::exception&) {
    used = 0;
  }
  if (used != v.size() || v.empty() || value > max) {
    throw SpecError(key + "=" + v + ": expected a number up to " + std::to_string(max));
  }
  return static_cast<std::uint32_t>(value);
}

n::MacAddr to_mac(const std::string& key, const std::string& v) {
  const auto mac = n::parse_mac(v);
  if (!mac) throw SpecError(key + "=" + v + ": expected a MAC like 02:00:00:00:00:01");
  return *mac;
}

std::uint32_t to_ip(const std::string& key, const std::string& v) {
  const auto ip = n::parse_ipv4(v);
  if (!ip) throw SpecError(key + "=" + v + ": expected an IPv4 address");
  return *ip;
}

std::pair<std::uint32_t, std::uint16_t> to_endpoint(const std::string& key, const std::string& v) {
  const auto colon = v.rfind(':');
  if (colon == std::string::npos) throw SpecError(key + "=" + v + ": expected IP:PORT");
  return {to_ip(key, v.substr(0, colon)),
          static_cast<std::uint16_t>(to_number(key, v.substr(colon + 1), 65535))};
}

// Keys and flags each frame kind accepts.
const std::set<std::string>& allowed(const std::string& kind) {
  static const std::map<std::string, std::set<std::string>> table = [] {
    const std::set<std::string> common = {"smac", "dmac", "vlan", "pad", "truncate"};
    const std::set<std::string> ip = {"src", "dst", "ttl", "id", "tos", "df", "ip-options",
                                      "bad-ip-checksum", "fragment", "mtu", "reverse"};
    std::map<std::string, std::set<std::string>> t;
    auto make = [&](std::initializer_list<std::set<std::string>> parts) {
      std::set<std::string> all;
      for (const auto& p : parts) all.insert(p.begin(), p.end());
      return all;
    };
    t["udp"] = make({common, ip,
                     {"bad-udp-checksum", "no-udp-checksum", "udp-length", "fix-content-length"}});
    t["icmp-echo"] = make({common, ip, {"ident", "seq", "type", "code", "bad-icmp-checksum"}});
    t["arp-request"] = make({common, {"src", "dst"}});
    t["arp-reply"] = make({common, {"src", "dst", "target-mac"}});
    t["raw"] = make({common});
    t["defaults"] = {"smac", "dmac", "ttl"};
    return t;
  }();
  return table.at(kind);
}

void add_tokens(Block& b, const std::vector<std::string>& tokens, std::size_t from) {
  const auto& ok = allowed(b.kind);
  for (std::size_t i = from; i < tokens.size(); ++i) {
    const std::string& t = tokens[i];
    const auto eq = t.find('=');
    const std::string key = eq == std::string::npos ? t : t.substr(0, eq);
    if (!ok.count(key)) throw SpecError("'" + key + "' does not apply to " + b.kind);
    if (eq == std::string::npos) {
      b.flags.insert(key);
    } else {
      b.kv[key] = t.substr(eq + 1);
    }
  }
}

std::optional<std::string> get(const Block& b, const std::string& key) {
  const auto it = b.kv.find(key);
  if (it == b.kv.end()) return std::nullopt;
  return it->second;
}

std::string require(const Block& b, const std::string& key) {
  auto v = get(b, key);
  if (!v) throw SpecError(b.kind + " needs " + key + "=");
  return *v;
}

n::MacAddr smac_of(const Block& b) {
  const auto v = get(b, "smac");
  return v ? to_mac("smac", *v) : b.defaults.smac;
}

n::MacAddr dmac_of(const Block& b, const n::MacAddr& fallback) {
  const auto v = get(b, "dmac");
  return v ? to_mac("dmac", *v) : fallback;
}

void set_ip_checksum(Frame& ip) {
  const std::size_t ihl = std::size_t{ip[0] & 0x0fu} * 4;
  n::store_be16(ip.data() + n::kIpv4ChecksumOffset, n::ipv4_header_checksum({ip.data(), ihl}));
}

void fix_content_length(Frame& payload) {
  const std::string_view text(reinterpret_cast<const char*>(payload.data()), payload.size());
  const auto end = text.find("\r\n\r\n");
  if (end == std::string_view::npos) throw SpecError("fix-content-length: no blank line after headers");
  const std::size_t body = payload.size() - (end + 4);
  std::string out;
  std::size_t at = 0;
  bool found = false;
  while (at < end + 2) {
    const auto eol = text.find("\r\n", at);
    std::string line(text.substr(at, eol - at));
    std::string lower = line;
    std::transform(lower.begin(), lower.end(), lower.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    const auto colon = lower.find(':');
    if (colon != std::string::npos) {
      const std::string name(trim(std::string_view(lower).substr(0, colon)));
      if (name == "content-length" || name == "l") {
        line = line.substr(0, colon + 1) + " " + std::to_string(body);
        found = true;
      }
    }
    out += line + "\r\n";
    at = eol + 2;
  }
  if (!found) throw SpecError("fix-content-length: no Content-Length header");
  out.append(text.substr(end + 2));
  payload.assign(out.begin(), out.end());
}

// The IP datagram (header + payload) of an udp or icmp-echo block.
Frame build_ip(const Block& b) {
  const std::uint8_t ttl = get(b, "ttl")
                               ? static_cast<std::uint8_t>(to_number("ttl", *get(b, "ttl"), 255))
                               : b.defaults.ttl;
  const auto id = static_cast<std::uint16_t>(
      get(b, "id") ? to_number("id", *get(b, "id"), 65535) : static_cast<std::uint32_t>(b.number));
  const auto tos = static_cast<std::uint8_t>(get(b, "tos") ? to_number("tos", *get(b, "tos"), 255) : 0);
  Frame ip;
  if (b.kind == "udp") {
    const auto [src_ip, src_port] = to_endpoint("src", require(b, "src"));
    const auto [dst_ip, dst_port] = to_endpoint("dst", require(b, "dst"));
    Frame payload = b.payload;
    if (b.flags.count("fix-content-length")) fix_content_length(payload);
    if (payload.size() > n::kUdpMaxPayload) throw SpecError("payload larger than a UDP datagram");
    Frame f(n::kUdpFrameHeadersLength + payload.size());
    std::copy(payload.begin(), payload.end(), f.begin() + n::kUdpFrameHeadersLength);
    n::UdpFlow flow;
    flow.src_ip = src_ip;
    flow.dst_ip = dst_ip;
    flow.src_port = src_port;
    flow.dst_port = dst_port;
    flow.tos = tos;
    if (!n::build_udp_frame(f, flow, id, n::Checksums::Software, ttl)) {
      throw SpecError("cannot build the UDP frame");
    }
    ip.assign(f.begin() + n::kEthHeaderLength, f.end());
    std::uint8_t* udp = ip.data() + n::kIpv4HeaderLength;
    if (const auto len = get(b, "udp-length")) {
      n::store_be16(udp + n::kUdpLengthOffset,
                    static_cast<std::uint16_t>(to_number("udp-length", *len, 65535)));
      n::store_be16(udp + n::kUdpChecksumOffset, 0);
    }
    if (b.flags.count("no-udp-checksum")) n::store_be16(udp + n::kUdpChecksumOffset, 0);
    if (b.flags.count("bad-udp-checksum")) {
      auto c = static_cast<std::uint16_t>(n::load_be16(udp + n::kUdpChecksumOffset) ^ 0x5555);
      n::store_be16(udp + n::kUdpChecksumOffset, c == 0 ? std::uint16_t{0x1234} : c);
    }
  } else {  // icmp-echo
    const std::uint32_t src = to_ip("src", require(b, "src"));
    const std::uint32_t dst = to_ip("dst", require(b, "dst"));
    Frame icmp(8);
    icmp[0] = static_cast<std::uint8_t>(get(b, "type") ? to_number("type", *get(b, "type"), 255) : 8);
    icmp[1] = static_cast<std::uint8_t>(get(b, "code") ? to_number("code", *get(b, "code"), 255) : 0);
    n::store_be16(icmp.data() + 4, static_cast<std::uint16_t>(
                                       get(b, "ident") ? to_number("ident", *get(b, "ident"), 65535) : 1));
    n::store_be16(icmp.data() + 6, static_cast<std::uint16_t>(
                                       get(b, "seq") ? to_number("seq", *get(b, "seq"), 65535) : 1));
    if (b.has_payload) {
      icmp.insert(icmp.end(), b.payload.begin(), b.payload.end());
    } else {
      const std::string_view data = "abcdefghijklmnopqrstuvwabcdefghi";
      icmp.insert(icmp.end(), data.begin(), data.end());
    }
    std::uint16_t sum = n::checksum_finish(n::checksum_add(icmp));
    if (b.flags.count("bad-icmp-checksum")) sum = static_cast<std::uint16_t>(sum ^ 0x5555);
    n::store_be16(icmp.data() + 2, sum);
    if (icmp.size() + n::kIpv4HeaderLength > n::kIpv4MaxTotalLength) {
      throw SpecError("ICMP payload too large");
    }
    ip.resize(n::kIpv4HeaderLength);
    n::Ipv4Header h;
    h.tos = tos;
    h.total_length = static_cast<std::uint16_t>(n::kIpv4HeaderLength + icmp.size());
    h.id = id;
    h.ttl = ttl;
    h.protocol = n::kIpProtoIcmp;
    h.src = src;
    h.dst = dst;
    n::write_ipv4_header(ip.data(), h);
    ip.insert(ip.end(), icmp.begin(), icmp.end());
  }
  if (b.flags.count("df")) {
    n::store_be16(ip.data() + n::kIpv4FragmentOffset, n::kIpv4FlagDf);
  }
  if (const auto opts = get(b, "ip-options")) {
    Frame o = parse_hex(*opts);
    o.resize((o.size() + 3) & ~std::size_t{3}, 0);
    if (o.size() > 40) throw SpecError("ip-options longer than 40 bytes");
    ip.insert(ip.begin() + n::kIpv4HeaderLength, o.begin(), o.end());
    ip[0] = static_cast<std::uint8_t>(0x40 | ((n::kIpv4HeaderLength + o.size()) / 4));
    if (ip.size() > n::kIpv4MaxTotalLength) throw SpecError("datagram too large with options");
    n::store_be16(ip.data() + n::kIpv4TotalLengthOffset, static_cast<std::uint16_t>(ip.size()));
  }
  set_ip_checksum(ip);
  return ip;
}

std::vector<Frame> fragment_ip(const Block& b, const Frame& ip) {
  if (!b.flags.count("fragment")) {
    if (get(b, "mtu") || b.flags.count("reverse")) throw SpecError("mtu=/reverse need 'fragment'");
    return {ip};
  }
  const auto mtu = static_cast<std::uint16_t>(to_number("mtu", require(b, "mtu"), 65535));
  if (b.flags.count("df")) throw SpecError("cannot fragment with df");
  if (b.kv.count("ip-options")) throw SpecError("cannot fragment a datagram with options");
  const auto plan = n::fragment_offsets(static_cast<std::uint16_t>(ip.size() - n::kIpv4HeaderLength), mtu);
  if (plan.count() == 0) throw SpecError("mtu too small");
  std::vector<Frame> out;
  for (std::uint16_t i = 0; i < plan.count(); ++i) {
    Frame frag(mtu);
    const std::size_t len = n::write_fragment(frag, ip, plan[i]);
    if (len == 0) throw SpecError("cannot write fragment");
    frag.resize(len);
    out.push_back(std::move(frag));
  }
  if (b.flags.count("reverse")) std::reverse(out.begin(), out.end());
  return out;
}

Frame with_eth(const n::MacAddr& dst, const n::MacAddr& src, std::uint16_t type, const Frame& body) {
  Frame f(n::kEthHeaderLength);
  n::write_eth_header(f.data(), dst, src, type);
  f.insert(f.end(), body.begin(), body.end());
  return f;
}

Frame build_arp(const Block& b) {
  const n::MacAddr smac = smac_of(b);
  const std::uint32_t src = to_ip("src", require(b, "src"));
  const std::uint32_t dst = to_ip("dst", require(b, "dst"));
  Frame f(n::kEthMinFrameLength);
  if (b.kind == "arp-request") {
    if (n::build_arp_request(f, smac, src, dst, dmac_of(b, n::kBroadcastMac)) == 0) {
      throw SpecError("cannot build ARP request");
    }
    return f;
  }
  // A reply is a request answered: build the request it answers, then
  // answer it with the library (whose output the unit tests pin down).
  const n::MacAddr dmac = dmac_of(b, b.defaults.dmac);
  const auto target = get(b, "target-mac");
  n::ArpMessage asked;
  asked.op = n::kArpOpRequest;
  asked.sender_mac = target ? to_mac("target-mac", *target) : dmac;
  asked.sender_ip = dst;
  asked.target_ip = src;
  if (n::arp_reply_in_place(f, asked, smac) == 0) throw SpecError("cannot build ARP reply");
  dmac.store(f.data());
  return f;
}

std::vector<Frame> build_block(const Block& b) {
  std::vector<Frame> frames;
  if (b.kind == "raw") {
    frames.push_back(parse_hex(b.hex));
    if (frames.back().size() < n::kEthHeaderLength) throw SpecError("raw frame shorter than 14 bytes");
  } else if (b.kind == "arp-request" || b.kind == "arp-reply") {
    if (b.has_payload) throw SpecError(b.kind + " takes no payload");
    frames.push_back(build_arp(b));
  } else {
    const n::MacAddr smac = smac_of(b);
    const n::MacAddr dmac = dmac_of(b, b.defaults.dmac);
    for (const Frame& ip : fragment_ip(b, build_ip(b))) {
      Frame f = with_eth(dmac, smac, n::kEtherTypeIpv4, ip);
      if (b.flags.count("bad-ip-checksum")) {
        std::uint8_t* c = f.data() + n::kEthHeaderLength + n::kIpv4ChecksumOffset;
        n::store_be16(c, static_cast<std::uint16_t>(n::load_be16(c) ^ 0x5555));
      }
      frames.push_back(std::move(f));
    }
  }
  for (Frame& f : frames) {
    if (const auto vlan = get(b, "vlan")) {
      const Frame tag = {0x81, 0x00, static_cast<std::uint8_t>(to_number("vlan", *vlan, 4095) >> 8),
                         static_cast<std::uint8_t>(to_number("vlan", *vlan, 4095))};
      f.insert(f.begin() + n::kEthTypeOffset, tag.begin(), tag.end());
    }
    if (const auto pad = get(b, "pad")) {
      const std::size_t to = to_number("pad", *pad, 65535);
      if (f.size() < to) f.resize(to, 0);
    }
    if (const auto cut = get(b, "truncate")) {
      const std::size_t to = to_number("truncate", *cut, 65535);
      if (f.size() > to) f.resize(to);
    }
  }
  return frames;
}

Frame read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw SpecError("cannot read payload file " + path);
  return Frame(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

std::string resolve(const std::string& base_dir, const std::string& path) {
  if (path.empty() || path[0] == '/' || base_dir.empty()) return path;
  return base_dir + "/" + path;
}

const std::set<std::string> kFrameKinds = {"udp", "icmp-echo", "arp-request", "arp-reply", "raw"};

}  // namespace

std::vector<Frame> build_frames(std::string_view text, const std::string& name,
                                const std::string& base_dir, const SpecOptions& options) {
  std::vector<Frame> frames;
  std::optional<Block> block;
  Defaults defaults;
  int number = 0;
  int line_no = 0;
  std::optional<std::string> heredoc_tag;
  int heredoc_line = 0;

  auto flush = [&]() {
    if (!block) return;
    try {
      for (Frame& f : build_block(*block)) frames.push_back(std::move(f));
    } catch (const SpecError& e) {
      throw std::runtime_error(name + ":" + std::to_string(block->line) + ": " + e.what());
    }
    block.reset();
  };
  auto need_block = [&](const std::string& what) -> Block& {
    if (!block) throw SpecError(what + " outside a frame block");
    return *block;
  };
  auto add_payload = [&](const std::string& what, const Frame& bytes) {
    Block& b = need_block(what);
    if (b.kind == "raw") throw SpecError("raw frames take hex lines, not " + what);
    b.payload.insert(b.payload.end(), bytes.begin(), bytes.end());
    b.has_payload = true;
  };

  std::size_t at = 0;
  while (at <= text.size()) {
    const auto eol = text.find('\n', at);
    std::string_view line = text.substr(at, eol == std::string_view::npos ? std::string_view::npos : eol - at);
    const bool last = eol == std::string_view::npos;
    at = last ? text.size() + 1 : eol + 1;
    if (last && line.empty()) break;
    ++line_no;
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    try {
      if (heredoc_tag) {
        if (line == *heredoc_tag) {
          heredoc_tag.reset();
          continue;
        }
        Frame bytes(line.begin(), line.end());
        if (!options.raw) bytes.push_back('\r');
        bytes.push_back('\n');
        add_payload("heredoc", bytes);
        continue;
      }
      const std::string_view body = trim(line);
      if (body.empty() || body[0] == '#') continue;
      const std::vector<std::string> tokens = split_ws(body);
      const std::string& head = tokens[0];
      if (kFrameKinds.count(head)) {
        flush();
        block.emplace();
        block->kind = head;
        block->line = line_no;
        block->number = ++number;
        block->defaults = defaults;
        if (head == "raw") {
          block->hex = std::string(trim(body.substr(3)));
        } else {
          add_tokens(*block, tokens, 1);
        }
      } else if (head == "defaults") {
        flush();
        Block d;
        d.kind = "defaults";
        add_tokens(d, tokens, 1);
        if (const auto v = get(d, "smac")) defaults.smac = to_mac("smac", *v);
        if (const auto v = get(d, "dmac")) defaults.dmac = to_mac("dmac", *v);
        if (const auto v = get(d, "ttl")) defaults.ttl = static_cast<std::uint8_t>(to_number("ttl", *v, 255));
        if (!d.flags.empty()) throw SpecError("defaults takes key=value only");
      } else if (head == "hex") {
        Block& b = need_block("hex");
        if (b.kind != "raw") throw SpecError("hex lines belong to raw frames");
        b.hex += " " + std::string(trim(body.substr(3)));
      } else if (head.rfind("<<", 0) == 0) {
        if (head.size() == 2 || tokens.size() != 1) throw SpecError("heredoc needs a tag: <<EOF");
        need_block("heredoc");
        heredoc_tag = head.substr(2);
        heredoc_line = line_no;
      } else if (head == "payload") {
        // Everything after "payload " verbatim (inner spaces kept).
        const std::string_view rest = line.substr(line.find("payload") + 7);
        add_payload("payload", unescape(rest.empty() ? rest : rest.substr(1)));
      } else if (head == "payload-hex") {
        add_payload("payload-hex", parse_hex(body.substr(11)));
      } else if (head == "payload-file" || head == "payload-file-raw") {
        if (tokens.size() != 2) throw SpecError(head + " takes one path");
        Frame bytes = read_file(resolve(base_dir, tokens[1]));
        if (head == "payload-file" && !options.raw) bytes = lf_to_crlf(bytes);
        add_payload(head, bytes);
      } else {
        add_tokens(need_block("'" + head + "'"), tokens, 0);
      }
    } catch (const SpecError& e) {
      throw std::runtime_error(name + ":" + std::to_string(line_no) + ": " + e.what());
    }
  }
  if (heredoc_tag) {
    throw std::runtime_error(name + ":" + std::to_string(heredoc_line) + ": heredoc <<" +
                             *heredoc_tag + " is not closed");
  }
  flush();
  return frames;
}

std::vector<Frame> build_frames_from_file(const std::string& path, const SpecOptions& options) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error("cannot read spec " + path);
  std::stringstream ss;
  ss << in.rdbuf();
  const auto slash = path.rfind('/');
  const std::string dir = slash == std::string::npos ? std::string(".") : path.substr(0, slash);
  return build_frames(ss.str(), path, dir, options);
}

}  // namespace sipedge::pcap_tool
