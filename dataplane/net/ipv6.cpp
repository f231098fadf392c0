#include "net/ipv6.h"

#include "net/bytes.h"
#include "net/checksum.h"

namespace sipedge::net {

Ipv6Addr solicited_node(const Ipv6Addr& a) noexcept {
  Ipv6Addr g;
  g.bytes = {0xff, 0x02, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x01, 0xff, a.bytes[13], a.bytes[14], a.bytes[15]};
  return g;
}

Ipv6Addr all_nodes() noexcept {
  Ipv6Addr g;
  g.bytes = {0xff, 0x02, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x01};
  return g;
}

MacAddr multicast_mac(const Ipv6Addr& group) noexcept {
  MacAddr m;
  m.bytes = {0x33, 0x33, group.bytes[12], group.bytes[13], group.bytes[14], group.bytes[15]};
  return m;
}

Ipv6Walk walk_ipv6_extensions(std::span<const std::uint8_t> packet) noexcept {
  Ipv6Walk w;
  if (packet.size() < kIpv6HeaderLength) {
    w.reason = DropReason::ipv6_truncated;
    return w;
  }
  std::uint8_t next = packet[kIpv6NextHeaderOffset];
  std::size_t at = kIpv6HeaderLength;
  for (;;) {
    if (next != kIpProtoHopByHop && next != kIpProtoRouting && next != kIpProtoDestOptions &&
        next != kIpProtoFragment) {
      w.protocol = next;
      w.l4_offset = static_cast<std::uint16_t>(at);
      return w;
    }
    if (next == kIpProtoHopByHop && w.ext_count != 0) {
      w.reason = DropReason::ipv6_bad_ext_header;
      return w;
    }
    if (w.ext_count == kIpv6MaxExtHeaders) {
      w.reason = DropReason::ipv6_too_many_ext;
      return w;
    }
    if (packet.size() - at < 8) {
      w.reason = DropReason::ipv6_truncated;
      return w;
    }
    const std::uint8_t* h = packet.data() + at;
    const std::size_t len = next == kIpProtoFragment ? kIpv6FragmentHeaderLength : (std::size_t{h[1]} + 1) * 8;
    if (len > packet.size() - at) {
      w.reason = DropReason::ipv6_truncated;
      return w;
    }
    if (at + len - kIpv6HeaderLength > kIpv6MaxExtBytes) {
      w.reason = DropReason::ipv6_too_many_ext;
      return w;
    }
    ++w.ext_count;
    if (next == kIpProtoRouting && h[3] != 0) {
      w.reason = DropReason::ipv6_routing_header;
      return w;
    }
    if (next == kIpProtoFragment) {
      const std::uint16_t word = load_be16(h + 2);
      const auto offset = static_cast<std::uint16_t>(word & 0xfff8u);
      const bool more = (word & 1u) != 0;
      if (offset != 0 || more) {
        const std::size_t data = packet.size() - at - len;
        w.protocol = h[0];
        w.l4_offset = static_cast<std::uint16_t>(at + len);
        w.fragment_header_offset = static_cast<std::uint16_t>(at);
        w.fragment_offset = offset;
        w.more_fragments = more;
        w.fragment_id = load_be32(h + 4);
        const bool bad = data == 0 || (more && data % 8 != 0) ||
                         std::size_t{offset} + data > 65535;
        w.reason = bad ? DropReason::ipv6_bad_fragment : DropReason::ipv6_fragment;
        return w;
      }
    }
    next = h[0];
    at += len;
  }
}

std::uint32_t ipv6_pseudo_header_sum(const Ipv6Addr& src, const Ipv6Addr& dst, std::uint8_t protocol,
                                     std::uint32_t length) noexcept {
  std::uint32_t acc = checksum_add(src.bytes);
  acc = checksum_add(dst.bytes, acc);
  return acc + (length >> 16) + (length & 0xffff) + protocol;
}

std::uint16_t ipv6_l4_checksum(const Ipv6Addr& src, const Ipv6Addr& dst, std::uint8_t protocol,
                               std::span<const std::uint8_t> message, std::size_t checksum_offset) noexcept {
  if (message.size() < checksum_offset + 2) return 0;
  std::uint32_t acc = ipv6_pseudo_header_sum(src, dst, protocol, static_cast<std::uint32_t>(message.size()));
  acc = checksum_add(message.first(checksum_offset), acc);
  acc = checksum_add(message.subspan(checksum_offset + 2), acc);
  return checksum_finish(acc);
}

bool ipv6_l4_checksum_ok(const Ipv6Addr& src, const Ipv6Addr& dst, std::uint8_t protocol,
                         std::span<const std::uint8_t> message) noexcept {
  const std::uint32_t acc = ipv6_pseudo_header_sum(src, dst, protocol, static_cast<std::uint32_t>(message.size()));
  return checksum_fold(checksum_add(message, acc)) == 0xffff;
}

void write_ipv6_header(std::uint8_t* p, const Ipv6Addr& src, const Ipv6Addr& dst, std::uint8_t next_header,
                       std::uint16_t payload_length, std::uint8_t hop_limit) noexcept {
  store_be32(p, 0x60000000u);
  store_be16(p + kIpv6PayloadLengthOffset, payload_length);
  p[kIpv6NextHeaderOffset] = next_header;
  p[kIpv6HopLimitOffset] = hop_limit;
  src.store(p + kIpv6SrcOffset);
  dst.store(p + kIpv6DstOffset);
}

}  // namespace sipedge::net
