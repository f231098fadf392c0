#include "net/classify6.h"

#include "net/bytes.h"
#include "net/ethernet.h"
#include "net/icmpv6.h"
#include "net/nd.h"
#include "net/udp.h"

namespace sipedge::net {
namespace {

ClassifyResult& drop(ClassifyResult& r, DropReason reason) noexcept {
  r.kind = FrameKind::Drop;
  r.reason = reason;
  return r;
}

ClassifyResult& classify_icmpv6(std::span<const std::uint8_t> msg, ClassifyResult& r,
                                const LocalAddrs& local) noexcept {
  if (msg.size() < kIcmpv6HeaderLength) return drop(r, DropReason::icmpv6_truncated);
  if (!ipv6_l4_checksum_ok(r.src_ip6, r.dst_ip6, kIpProtoIcmpv6, msg)) {
    return drop(r, DropReason::icmpv6_bad_checksum);
  }
  r.payload_offset = r.l4_offset;
  r.payload_length = static_cast<std::uint16_t>(msg.size());
  const std::uint8_t type = msg[0];
  if (type == kIcmpv6NeighbourSolicit || type == kIcmpv6NeighbourAdvert) {
    if (const DropReason why = parse_nd(msg, type, r); why != DropReason::none) return drop(r, why);
    if (type == kIcmpv6NeighbourAdvert) {
      r.kind = FrameKind::NeighbourAdvert;
      return r;
    }
    r.local_index = static_cast<std::int8_t>(local.find_ipv6(r.nd_target));
    if (r.local_index < 0) return drop(r, DropReason::nd_not_for_us);
    r.kind = FrameKind::NeighbourSolicit;
    return r;
  }
  if (r.src_ip6.is_unspecified()) return drop(r, DropReason::ipv6_bad_source);
  if (type != kIcmpv6EchoRequest || msg[1] != 0) return drop(r, DropReason::icmp_unsupported);
  if (msg.size() < kIcmpv6EchoHeaderLength) return drop(r, DropReason::icmpv6_truncated);
  r.kind = FrameKind::Icmpv6Echo;
  return r;
}

ClassifyResult& classify_udp6(std::span<const std::uint8_t> seg, const LocalAddrs& local, RxChecks checks,
                              ClassifyResult& r) noexcept {
  if (seg.size() < kUdpHeaderLength) return drop(r, DropReason::udp_truncated);
  const std::uint8_t* udp = seg.data();
  const std::uint16_t udp_len = load_be16(udp + kUdpLengthOffset);
  if (udp_len < kUdpHeaderLength || udp_len > seg.size()) return drop(r, DropReason::udp_bad_length);
  r.src_port = load_be16(udp + kUdpSrcPortOffset);
  r.dst_port = load_be16(udp + kUdpDstPortOffset);
  r.payload_offset = static_cast<std::uint16_t>(r.l4_offset + kUdpHeaderLength);
  r.payload_length = static_cast<std::uint16_t>(udp_len - kUdpHeaderLength);
  if (r.src_port == 0) return drop(r, DropReason::udp_bad_port);
  if (!local.has_udp_port(r.dst_port)) return drop(r, DropReason::udp_port_closed);
  if (load_be16(udp + kUdpChecksumOffset) == 0) return drop(r, DropReason::udp6_zero_checksum);
  if (!checks.l4_checksum_good && !ipv6_l4_checksum_ok(r.src_ip6, r.dst_ip6, kIpProtoUdp, seg.first(udp_len))) {
    return drop(r, DropReason::udp_bad_checksum);
  }
  return drop(r, DropReason::ipv6_sip_unsupported);
}

}  // namespace

ClassifyResult& classify_ipv6(std::span<const std::uint8_t> frame, const LocalAddrs& local, RxChecks checks,
                              bool group_mac, ClassifyResult& r) noexcept {
  r.is_ipv6 = true;
  r.l3_offset = kEthHeaderLength;
  const std::size_t avail = frame.size() - kEthHeaderLength;
  if (avail < kIpv6HeaderLength) return drop(r, DropReason::ipv6_truncated);
  const std::uint8_t* ip = frame.data() + kEthHeaderLength;
  if ((ip[0] >> 4) != 6) return drop(r, DropReason::ipv6_bad_version);
  const std::size_t payload = load_be16(ip + kIpv6PayloadLengthOffset);
  if (payload == 0 || payload > avail - kIpv6HeaderLength) return drop(r, DropReason::ipv6_bad_length);
  r.frame_length = static_cast<std::uint32_t>(kEthHeaderLength + kIpv6HeaderLength + payload);
  r.hop_limit = ip[kIpv6HopLimitOffset];
  r.ttl = r.hop_limit;
  r.src_ip6 = Ipv6Addr::from(ip + kIpv6SrcOffset);
  r.dst_ip6 = Ipv6Addr::from(ip + kIpv6DstOffset);
  if (r.hop_limit == 0) return drop(r, DropReason::ipv6_hop_limit_expired);
  if (r.src_ip6.is_multicast() || r.src_ip6.is_loopback()) return drop(r, DropReason::ipv6_bad_source);
  if (group_mac) {
    if (!r.dst_ip6.is_multicast() || multicast_mac(r.dst_ip6) != MacAddr::from(frame.data() + kEthDstOffset)) {
      return drop(r, DropReason::eth_not_for_us);
    }
    if (!local.is_our_solicited_node(r.dst_ip6)) return drop(r, DropReason::ipv6_not_for_us);
  } else {
    r.local_index = static_cast<std::int8_t>(local.find_ipv6(r.dst_ip6));
    if (r.local_index < 0) return drop(r, DropReason::ipv6_not_for_us);
  }

  const Ipv6Walk walk = walk_ipv6_extensions({ip, kIpv6HeaderLength + payload});
  r.protocol = walk.protocol;
  r.l4_offset = static_cast<std::uint16_t>(kEthHeaderLength + walk.l4_offset);
  r.payload_offset = r.l4_offset;
  if (walk.reason == DropReason::ipv6_fragment) {
    r.more_fragments = walk.more_fragments;
    r.fragment_offset = walk.fragment_offset;
    r.fragment_id = walk.fragment_id;
    r.fragment_header_offset = static_cast<std::uint16_t>(kEthHeaderLength + walk.fragment_header_offset);
    r.payload_length = static_cast<std::uint16_t>(r.frame_length - r.l4_offset);
    if (walk.fragment_header_offset != kIpv6HeaderLength || group_mac) {
      return drop(r, DropReason::ipv6_bad_fragment);
    }
    r.kind = FrameKind::Ipv6Fragment;
    r.reason = DropReason::ipv6_fragment;
    return r;
  }
  if (walk.reason != DropReason::none) return drop(r, walk.reason);

  const auto l4 = frame.subspan(r.l4_offset, r.frame_length - r.l4_offset);
  if (r.src_ip6.is_unspecified() && r.protocol != kIpProtoIcmpv6) return drop(r, DropReason::ipv6_bad_source);
  if (group_mac) {
    // Only a solicitation is sent to a solicited-node group.
    if (r.protocol != kIpProtoIcmpv6 || l4.empty() || l4[0] != kIcmpv6NeighbourSolicit) {
      return drop(r, DropReason::ipv6_not_for_us);
    }
  }
  switch (r.protocol) {
    case kIpProtoUdp:
      return classify_udp6(l4, local, checks, r);
    case kIpProtoIcmpv6:
      return classify_icmpv6(l4, r, local);
    default:
      return drop(r, DropReason::unsupported_protocol);
  }
}

}  // namespace sipedge::net
