#include "frame_builder.h"

namespace sipedge::net::test {
namespace {

void put16(Bytes& b, std::uint16_t v) {
  b.push_back(static_cast<std::uint8_t>(v >> 8));
  b.push_back(static_cast<std::uint8_t>(v));
}

void put32(Bytes& b, std::uint32_t v) {
  put16(b, static_cast<std::uint16_t>(v >> 16));
  put16(b, static_cast<std::uint16_t>(v));
}

void set16(Bytes& b, std::size_t at, std::uint16_t v) {
  b[at] = static_cast<std::uint8_t>(v >> 8);
  b[at + 1] = static_cast<std::uint8_t>(v);
}

void put_mac(Bytes& b, const MacAddr& m) { b.insert(b.end(), m.bytes.begin(), m.bytes.end()); }

}  // namespace

LocalAddrs local_addrs() {
  LocalAddrs l;
  l.mac = kUsMac;
  l.add_ipv4(kUsIp);
  l.add_ipv4(kVipIp);
  l.add_udp_port(5060);
  l.add_udp_port(5061);
  return l;
}

std::uint32_t slow_sum(std::span<const std::uint8_t> bytes, std::uint32_t acc) {
  for (std::size_t i = 0; i < bytes.size(); i += 2) {
    const std::uint32_t hi = bytes[i];
    const std::uint32_t lo = i + 1 < bytes.size() ? bytes[i + 1] : 0;
    acc += (hi << 8) | lo;
  }
  return acc;
}

std::uint16_t slow_checksum(std::span<const std::uint8_t> bytes, std::uint32_t acc) {
  acc = slow_sum(bytes, acc);
  while (acc >> 16) acc = (acc & 0xffff) + (acc >> 16);
  return static_cast<std::uint16_t>(~acc);
}

Bytes bytes_of(std::string_view text) { return Bytes(text.begin(), text.end()); }

Bytes eth(const MacAddr& dst, const MacAddr& src, std::uint16_t type, const Bytes& body) {
  Bytes b;
  put_mac(b, dst);
  put_mac(b, src);
  put16(b, type);
  b.insert(b.end(), body.begin(), body.end());
  return b;
}

Bytes ipv4(const Ipv4Spec& s, const Bytes& body) {
  Bytes b;
  const std::size_t hlen = 20 + s.options.size();
  const auto ihl = s.ihl_words ? s.ihl_words : static_cast<std::uint8_t>(hlen / 4);
  b.push_back(static_cast<std::uint8_t>((s.version << 4) | (ihl & 0x0f)));
  b.push_back(s.tos);
  put16(b, static_cast<std::uint16_t>(s.total_length >= 0 ? s.total_length
                                                          : static_cast<int>(hlen + body.size())));
  put16(b, s.id);
  put16(b, s.flags_fragment);
  b.push_back(s.ttl);
  b.push_back(s.protocol);
  put16(b, 0);
  put32(b, s.src);
  put32(b, s.dst);
  b.insert(b.end(), s.options.begin(), s.options.end());
  std::uint16_t sum = slow_checksum(b);
  if (s.bad_checksum) sum = static_cast<std::uint16_t>(sum ^ 0x0101);
  set16(b, 10, sum);
  b.insert(b.end(), body.begin(), body.end());
  return b;
}

Bytes udp(std::uint32_t src, std::uint32_t dst, std::uint16_t sport, std::uint16_t dport,
          const Bytes& payload, UdpSum sum, int length) {
  Bytes b;
  const auto len = static_cast<std::uint16_t>(length >= 0 ? length
                                                          : static_cast<int>(8 + payload.size()));
  put16(b, sport);
  put16(b, dport);
  put16(b, len);
  put16(b, 0);
  b.insert(b.end(), payload.begin(), payload.end());
  if (sum != UdpSum::zero) {
    Bytes pseudo;
    put32(pseudo, src);
    put32(pseudo, dst);
    put16(pseudo, 17);
    put16(pseudo, static_cast<std::uint16_t>(b.size()));
    std::uint16_t c = slow_checksum(b, slow_sum(pseudo));
    if (c == 0) c = 0xffff;
    if (sum == UdpSum::corrupt) c = static_cast<std::uint16_t>(c ^ 0x8000);
    set16(b, 6, c);
  }
  return b;
}

Bytes icmp(std::uint8_t type, std::uint8_t code, std::uint16_t id, std::uint16_t seq,
           const Bytes& data, bool bad_checksum) {
  Bytes b;
  b.push_back(type);
  b.push_back(code);
  put16(b, 0);
  put16(b, id);
  put16(b, seq);
  b.insert(b.end(), data.begin(), data.end());
  std::uint16_t c = slow_checksum(b);
  if (bad_checksum) c = static_cast<std::uint16_t>(c + 1);
  set16(b, 2, c);
  return b;
}

Bytes arp(std::uint16_t op, const MacAddr& sha, std::uint32_t spa, const MacAddr& tha,
          std::uint32_t tpa) {
  Bytes b;
  put16(b, 1);
  put16(b, 0x0800);
  b.push_back(6);
  b.push_back(4);
  put16(b, op);
  put_mac(b, sha);
  put32(b, spa);
  put_mac(b, tha);
  put32(b, tpa);
  return b;
}

Bytes udp_frame(const Bytes& payload, const Ipv4Spec& spec, UdpSum sum) {
  return eth(kUsMac, kPeerMac, 0x0800,
             ipv4(spec, udp(spec.src, spec.dst, kSipPort, kSipPort, payload, sum)));
}

std::uint16_t be16(const Bytes& b, std::size_t at) {
  return static_cast<std::uint16_t>((b.at(at) << 8) | b.at(at + 1));
}

std::uint32_t be32(const Bytes& b, std::size_t at) {
  return (std::uint32_t{be16(b, at)} << 16) | be16(b, at + 2);
}

}  // namespace sipedge::net::test
