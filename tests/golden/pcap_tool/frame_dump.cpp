#include "frame_dump.h"

#include <cstdio>
#include <string_view>
#include <vector>

#include "net/arp.h"
#include "net/bytes.h"
#include "net/checksum.h"
#include "net/ethernet.h"
#include "net/ipv4.h"
#include "net/ipv6.h"
#include "net/mac.h"
#include "net/stun.h"
#include "net/udp.h"

namespace sipedge::pcap_tool {
namespace {

namespace n = sipedge::net;
using Bytes = std::span<const std::uint8_t>;

std::string hex16(std::uint16_t v) {
  char buf[8];
  std::snprintf(buf, sizeof buf, "0x%04x", v);
  return buf;
}

std::string escape(Bytes b) {
  std::string out;
  for (const std::uint8_t c : b) {
    switch (c) {
      case '\r': out += "\\r"; break;
      case '\n': out += "\\n"; break;
      case '\t': out += "\\t"; break;
      case '\\': out += "\\\\"; break;
      default:
        if (c >= 0x20 && c < 0x7f) {
          out += static_cast<char>(c);
        } else {
          char buf[8];
          std::snprintf(buf, sizeof buf, "\\x%02x", c);
          out += buf;
        }
    }
  }
  return out;
}

bool looks_stun(Bytes p) {
  return p.size() >= n::kStunHeaderLength && (p[0] & 0xc0) == 0 &&
         n::load_be32(p.data() + 4) == n::kStunMagicCookie;
}

std::string stun_summary(Bytes p) {
  const std::uint16_t type = n::load_be16(p.data());
  std::string out = "stun ";
  if (type == n::kStunBindingRequest) {
    out += "binding-request";
  } else if (type == n::kStunBindingSuccess) {
    out += "binding-success";
  } else {
    out += "type=" + hex16(type);
  }
  out += " len=" + std::to_string(n::load_be16(p.data() + 2)) + " txid=";
  for (std::size_t i = 8; i < 20; ++i) {
    char buf[4];
    std::snprintf(buf, sizeof buf, "%02x", p[i]);
    out += buf;
  }
  if (const auto a = n::stun_xor_mapped_address(p)) {
    out += " xor-mapped=" + n::format_ipv4(a->ip) + ":" + std::to_string(a->port);
  }
  // Walk the rest for SOFTWARE and FINGERPRINT.
  for (std::size_t at = n::kStunHeaderLength; at + 4 <= p.size();) {
    const std::uint16_t t = n::load_be16(p.data() + at);
    const std::size_t len = n::load_be16(p.data() + at + 2);
    if (at + 4 + len > p.size()) {
      out += " TRUNCATED-ATTRIBUTE";
      break;
    }
    if (t == n::kStunAttrSoftware) out += " software=\"" + escape(p.subspan(at + 4, len)) + "\"";
    if (t == n::kStunAttrFingerprint) out += " fingerprint";
    at += 4 + ((len + 3) & ~std::size_t{3});
  }
  return out;
}

std::string payload_summary(Bytes p) {
  if (p.empty()) return "(empty)";
  if (looks_stun(p)) return stun_summary(p);
  bool filler = true;
  for (const std::uint8_t c : p) filler = filler && (c == 0 || c == '\r' || c == '\n');
  if (filler) return "\"" + escape(p) + "\"";
  std::size_t end = 0;
  while (end < p.size() && p[end] != '\n' && !(p[end] == '\r' && end + 1 < p.size() && p[end + 1] == '\n')) {
    ++end;
  }
  return escape(p.first(end));
}

void payload_lines(Bytes p, std::string& out) {
  if (looks_stun(p)) {
    for (std::size_t i = 0; i < p.size(); i += 16) {
      char buf[32];
      std::snprintf(buf, sizeof buf, "  %04zx:", i);
      out += buf;
      for (std::size_t j = i; j < p.size() && j < i + 16; ++j) {
        std::snprintf(buf, sizeof buf, " %02x", p[j]);
        out += buf;
      }
      out += "\n";
    }
    return;
  }
  std::size_t start = 0;
  for (std::size_t i = 0; i + 1 < p.size(); ++i) {
    if (p[i] == '\r' && p[i + 1] == '\n') {
      out += "  | " + escape(p.subspan(start, i - start)) + "\n";
      start = i + 2;
      ++i;
    }
  }
  if (start < p.size()) out += "  ~ " + escape(p.subspan(start)) + "\n";
}

std::string arp_section(Bytes frame) {
  if (frame.size() < n::kArpFrameLength) return "arp truncated";
  n::ArpMessage m;
  // A multicast sender MAC (arp_malformed) is still worth showing.
  if (n::parse_arp(frame, m) == n::DropReason::arp_unsupported) return "arp unsupported";
  std::string out;
  if (m.op == n::kArpOpRequest) {
    out = "arp request who-has " + n::format_ipv4(m.target_ip) + " tell " +
          n::format_ipv4(m.sender_ip) + " (" + n::format_mac(m.sender_mac) + ")";
    if (!m.target_mac.is_zero()) out += " tha=" + n::format_mac(m.target_mac);
  } else {
    out = "arp reply " + n::format_ipv4(m.sender_ip) + " is-at " + n::format_mac(m.sender_mac) +
          " to " + n::format_ipv4(m.target_ip) + " (" + n::format_mac(m.target_mac) + ")";
  }
  if (frame.size() > n::kArpFrameLength) out += " pad=" + std::to_string(frame.size() - n::kArpFrameLength);
  return out;
}

std::string l4_udp(Bytes ip_payload, std::uint32_t src, std::uint32_t dst, const DumpOptions& o,
                   std::string& extra) {
  if (ip_payload.size() < n::kUdpHeaderLength) return "udp truncated";
  const std::uint8_t* u = ip_payload.data();
  const std::uint16_t len = n::load_be16(u + n::kUdpLengthOffset);
  std::string out = "udp " + std::to_string(n::load_be16(u)) + ">" + std::to_string(n::load_be16(u + 2)) +
                    " len=" + std::to_string(len);
  if (len < n::kUdpHeaderLength || len > ip_payload.size()) return out + " BAD-LENGTH";
  const Bytes datagram = ip_payload.first(len);
  if (n::load_be16(u + n::kUdpChecksumOffset) == 0) {
    out += " no-checksum";
  } else if (!n::udp_checksum_ok(src, dst, datagram)) {
    out += " BAD-CHECKSUM";
  }
  const Bytes payload = datagram.subspan(n::kUdpHeaderLength);
  out += " | " + payload_summary(payload);
  if (o.payload) payload_lines(payload, extra);
  return out;
}

std::string l4_icmp(Bytes m, const DumpOptions& o, std::string& extra) {
  if (m.size() < 8) return "icmp truncated";
  std::string out = "icmp ";
  const bool echo = (m[0] == 8 || m[0] == 0) && m[1] == 0;
  if (echo) {
    out += m[0] == 8 ? "echo-request" : "echo-reply";
    out += " id=" + std::to_string(n::load_be16(m.data() + 4)) +
           " seq=" + std::to_string(n::load_be16(m.data() + 6));
  } else {
    out += "type=" + std::to_string(m[0]) + " code=" + std::to_string(m[1]);
  }
  out += " len=" + std::to_string(m.size());
  if (n::checksum_fold(n::checksum_add(m)) != 0xffff) out += " BAD-CHECKSUM";
  if (o.payload) payload_lines(m.subspan(8), extra);
  return out;
}

std::string ipv4_section(Bytes ip, const DumpOptions& o, std::string& extra) {
  if (ip.size() < n::kIpv4HeaderLength) return "ipv4 truncated";
  if ((ip[0] >> 4) != 4) return "ipv4 version=" + std::to_string(ip[0] >> 4);
  const std::size_t ihl = std::size_t{ip[0] & 0x0fu} * 4;
  const std::size_t total = n::load_be16(ip.data() + n::kIpv4TotalLengthOffset);
  if (ihl < n::kIpv4HeaderLength || ihl > ip.size()) return "ipv4 BAD-IHL=" + std::to_string(ihl);
  const std::uint32_t src = n::load_be32(ip.data() + n::kIpv4SrcOffset);
  const std::uint32_t dst = n::load_be32(ip.data() + n::kIpv4DstOffset);
  const std::uint16_t frag = n::load_be16(ip.data() + n::kIpv4FragmentOffset);
  const bool mf = (frag & n::kIpv4FlagMf) != 0;
  const auto offset = static_cast<std::size_t>(frag & n::kIpv4FragOffsetMask) * 8;
  std::string out = "ipv4 " + n::format_ipv4(src) + ">" + n::format_ipv4(dst) +
                    " ttl=" + std::to_string(ip[n::kIpv4TtlOffset]) +
                    " id=" + std::to_string(n::load_be16(ip.data() + n::kIpv4IdOffset)) +
                    " frag=" + std::to_string(offset) + (mf ? "+" : "");
  if (frag & n::kIpv4FlagDf) out += " df";
  if (const std::uint8_t tos = ip[n::kIpv4TosOffset]) out += " tos=" + std::to_string(tos);
  if (ihl > n::kIpv4HeaderLength) out += " opts=" + std::to_string(ihl - n::kIpv4HeaderLength);
  if (!n::ipv4_header_checksum_ok(ip.first(ihl))) out += " BAD-CHECKSUM";
  if (total < ihl || total > ip.size()) return out + " BAD-TOTAL-LENGTH=" + std::to_string(total);
  if (total < ip.size()) out += " pad=" + std::to_string(ip.size() - total);
  const Bytes payload = ip.subspan(ihl, total - ihl);
  if (mf || offset != 0) return out + " | fragment len=" + std::to_string(payload.size());
  switch (ip[n::kIpv4ProtocolOffset]) {
    case n::kIpProtoUdp:
      return out + " | " + l4_udp(payload, src, dst, o, extra);
    case n::kIpProtoIcmp:
      return out + " | " + l4_icmp(payload, o, extra);
    default:
      return out + " | proto=" + std::to_string(ip[n::kIpv4ProtocolOffset]) +
             " len=" + std::to_string(payload.size());
  }
}

std::string ipv6_text(const std::uint8_t* p) {
  char buf[48];
  std::string out;
  // Full form, no compression: unambiguous and independent of inet_ntop.
  for (int i = 0; i < 16; i += 2) {
    std::snprintf(buf, sizeof buf, "%s%x", i ? ":" : "", n::load_be16(p + i));
    out += buf;
  }
  return out;
}

// IPv6: addresses, hop limit, next header; ICMPv6 type/code with its
// checksum verified, the ND target and link-layer option, echo id/seq.
std::string ipv6_section(Bytes ip) {
  if (ip.size() < n::kIpv6HeaderLength) return "truncated len=" + std::to_string(ip.size());
  const std::size_t plen = n::load_be16(ip.data() + 4);
  std::string out = ipv6_text(ip.data() + 8) + ">" + ipv6_text(ip.data() + 24) +
                    " hl=" + std::to_string(ip[7]) + " nh=" + std::to_string(ip[6]) + " plen=" + std::to_string(plen);
  if (plen > ip.size() - n::kIpv6HeaderLength) return out + " BAD-LENGTH";
  if (ip[6] != 58 || plen < 4) return out;
  const Bytes m = ip.subspan(n::kIpv6HeaderLength, plen);
  const auto src = n::Ipv6Addr::from(ip.data() + 8);
  const auto dst = n::Ipv6Addr::from(ip.data() + 24);
  out += " | icmpv6 type=" + std::to_string(m[0]) + " code=" + std::to_string(m[1]);
  out += n::ipv6_l4_checksum_ok(src, dst, 58, m) ? " cksum=ok" : " cksum=BAD";
  if ((m[0] == 128 || m[0] == 129) && m.size() >= 8) {
    out += " id=" + std::to_string(n::load_be16(m.data() + 4)) + " seq=" + std::to_string(n::load_be16(m.data() + 6)) +
           " data=" + std::to_string(m.size() - 8);
  }
  if ((m[0] == 135 || m[0] == 136) && m.size() >= 24) {
    char flags[8];
    std::snprintf(flags, sizeof flags, "%02x", m[4]);
    out += " flags=" + std::string(flags) + " target=" + ipv6_text(m.data() + 8);
    for (std::size_t at = 24; at + 8 <= m.size() && m[at + 1] != 0; at += std::size_t{m[at + 1]} * 8) {
      out += " opt" + std::to_string(m[at]) + "=" + n::format_mac(n::MacAddr::from(m.data() + at + 2));
    }
  }
  return out;
}

}  // namespace

std::string dump_frame(std::size_t number, std::span<const std::uint8_t> frame,
                       const DumpOptions& options) {
  // Appended piecewise: g++ 12 -O3 raises a false -Wrestrict on
  // `"literal" + std::string&&` here.
  std::string line = "#";
  line += std::to_string(number);
  line += ' ';
  if (frame.size() < n::kEthHeaderLength) return line + "runt len=" + std::to_string(frame.size()) + "\n";
  line += "eth " + n::format_mac(n::MacAddr::from(frame.data() + n::kEthSrcOffset)) + ">" +
          n::format_mac(n::MacAddr::from(frame.data() + n::kEthDstOffset)) + " ";
  std::size_t l3 = n::kEthHeaderLength;
  std::uint16_t type = n::load_be16(frame.data() + n::kEthTypeOffset);
  if (type == n::kEtherTypeVlan && frame.size() >= l3 + 4) {
    line += "vlan=" + std::to_string(n::load_be16(frame.data() + l3) & 0x0fff) + " ";
    type = n::load_be16(frame.data() + l3 + 2);
    l3 += 4;
  }
  std::string extra;
  if (type == n::kEtherTypeIpv4) {
    line += "ipv4 | " + ipv4_section(frame.subspan(l3), options, extra);
  } else if (type == n::kEtherTypeArp && l3 == n::kEthHeaderLength) {
    line += "arp | " + arp_section(frame);
  } else if (type == n::kEtherTypeArp) {
    // arp_section reads at fixed offsets: show the tagged frame untagged.
    std::vector<std::uint8_t> untagged(frame.begin(), frame.begin() + 12);
    untagged.insert(untagged.end(), frame.begin() + 16, frame.end());
    line += "arp | " + arp_section(untagged);
  } else if (type == n::kEtherTypeIpv6) {
    line += "ipv6 " + ipv6_section(frame.subspan(l3));
  } else {
    line += hex16(type) + " | len=" + std::to_string(frame.size() - l3);
  }
  return line + "\n" + extra;
}

}  // namespace sipedge::pcap_tool
