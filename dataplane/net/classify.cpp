#include "net/classify.h"

#include "net/bytes.h"
#include "net/checksum.h"
#include "net/classify6.h"
#include "net/ethernet.h"
#include "net/icmp.h"
#include "net/ipv4.h"
#include "net/udp.h"

namespace sipedge::net {
namespace {

ClassifyResult& drop(ClassifyResult& r, DropReason reason) noexcept {
  r.kind = FrameKind::Drop;
  r.reason = reason;
  return r;
}

// RFC 791 options: EOL (0) ends the list, NOP (1) is one byte, every other
// option is type, length (>= 2, counting both), data.
bool ipv4_options_ok(const std::uint8_t* opt, std::size_t len) noexcept {
  std::size_t at = 0;
  while (at < len) {
    const std::uint8_t type = opt[at];
    if (type == 0) return true;
    if (type == 1) {
      ++at;
      continue;
    }
    if (at + 1 >= len) return false;
    const std::uint8_t olen = opt[at + 1];
    if (olen < 2 || olen > len - at) return false;
    at += olen;
  }
  return true;
}

ClassifyResult& classify_arp(std::span<const std::uint8_t> frame, const LocalAddrs& local,
                             ClassifyResult& r) noexcept {
  r.l3_offset = kEthHeaderLength;
  if (const DropReason why = parse_arp(frame, r.arp); why != DropReason::none) {
    return drop(r, why);
  }
  r.src_ip = r.arp.sender_ip;
  r.dst_ip = r.arp.target_ip;
  r.frame_length = kArpFrameLength;
  r.local_index = static_cast<std::int8_t>(local.find_ipv4(r.arp.target_ip));
  const bool gratuitous = r.arp.sender_ip == r.arp.target_ip && r.arp.sender_ip != 0;
  if (r.local_index < 0 && !gratuitous) return drop(r, DropReason::arp_not_for_us);
  r.kind = FrameKind::Arp;
  return r;
}

ClassifyResult& classify_icmp(const std::uint8_t* ip, ClassifyResult& r) noexcept {
  const std::size_t ihl = r.l4_offset - r.l3_offset;
  const std::size_t len = r.frame_length - r.l4_offset;
  if (len < kIcmpHeaderLength) return drop(r, DropReason::icmp_truncated);
  const std::uint8_t* icmp = ip + ihl;
  if (icmp[0] != kIcmpEchoRequest || icmp[1] != 0) return drop(r, DropReason::icmp_unsupported);
  if (checksum_fold(checksum_add({icmp, len})) != 0xffff) {
    return drop(r, DropReason::icmp_bad_checksum);
  }
  r.payload_offset = r.l4_offset;
  r.payload_length = static_cast<std::uint16_t>(len);
  r.kind = FrameKind::IcmpEcho;
  return r;
}

ClassifyResult& classify_udp(const std::uint8_t* ip, const LocalAddrs& local, RxChecks checks,
                             ClassifyResult& r) noexcept {
  const std::size_t ihl = r.l4_offset - r.l3_offset;
  const std::size_t len = r.frame_length - r.l4_offset;
  if (len < kUdpHeaderLength) return drop(r, DropReason::udp_truncated);
  const std::uint8_t* udp = ip + ihl;
  const std::uint16_t udp_len = load_be16(udp + kUdpLengthOffset);
  if (udp_len < kUdpHeaderLength || udp_len > len) return drop(r, DropReason::udp_bad_length);
  r.src_port = load_be16(udp + kUdpSrcPortOffset);
  r.dst_port = load_be16(udp + kUdpDstPortOffset);
  if (r.src_port == 0) return drop(r, DropReason::udp_bad_port);
  if (!local.has_udp_port(r.dst_port)) return drop(r, DropReason::udp_port_closed);
  if (!checks.l4_checksum_good && load_be16(udp + kUdpChecksumOffset) != 0 &&
      !udp_checksum_ok(r.src_ip, r.dst_ip, {udp, udp_len})) {
    return drop(r, DropReason::udp_bad_checksum);
  }
  r.payload_offset = static_cast<std::uint16_t>(r.l4_offset + kUdpHeaderLength);
  r.payload_length = static_cast<std::uint16_t>(udp_len - kUdpHeaderLength);
  r.kind = FrameKind::Udp;
  return r;
}

ClassifyResult& classify_ipv4(std::span<const std::uint8_t> frame, const LocalAddrs& local,
                              RxChecks checks, ClassifyResult& r) noexcept {
  r.l3_offset = kEthHeaderLength;
  const std::size_t avail = frame.size() - kEthHeaderLength;
  if (avail < kIpv4HeaderLength) return drop(r, DropReason::ipv4_truncated);
  const std::uint8_t* ip = frame.data() + kEthHeaderLength;
  if ((ip[kIpv4VersionIhlOffset] >> 4) != 4) return drop(r, DropReason::ipv4_bad_version);
  const std::size_t ihl = std::size_t{ip[kIpv4VersionIhlOffset] & 0x0fu} * 4;
  if (ihl < kIpv4HeaderLength) return drop(r, DropReason::ipv4_bad_ihl);
  if (avail < ihl) return drop(r, DropReason::ipv4_truncated);
  const std::size_t total = load_be16(ip + kIpv4TotalLengthOffset);
  if (total < ihl || total > avail) return drop(r, DropReason::ipv4_bad_total_length);
  if (!checks.ipv4_checksum_good && !ipv4_header_checksum_ok({ip, ihl})) {
    return drop(r, DropReason::ipv4_bad_checksum);
  }
  r.ttl = ip[kIpv4TtlOffset];
  r.protocol = ip[kIpv4ProtocolOffset];
  r.ip_id = load_be16(ip + kIpv4IdOffset);
  r.src_ip = load_be32(ip + kIpv4SrcOffset);
  r.dst_ip = load_be32(ip + kIpv4DstOffset);
  r.l4_offset = static_cast<std::uint16_t>(kEthHeaderLength + ihl);
  r.payload_offset = r.l4_offset;
  r.frame_length = static_cast<std::uint32_t>(kEthHeaderLength + total);
  if (r.ttl == 0) return drop(r, DropReason::ipv4_ttl_expired);
  if (ihl > kIpv4HeaderLength) {
    r.has_ip_options = true;
    if (!ipv4_options_ok(ip + kIpv4HeaderLength, ihl - kIpv4HeaderLength)) {
      return drop(r, DropReason::ipv4_bad_options);
    }
  }
  if (is_martian_source(r.src_ip)) return drop(r, DropReason::ipv4_bad_source);
  r.local_index = static_cast<std::int8_t>(local.find_ipv4(r.dst_ip));
  if (r.local_index < 0) return drop(r, DropReason::ipv4_not_for_us);

  const std::uint16_t frag = load_be16(ip + kIpv4FragmentOffset);
  r.more_fragments = (frag & kIpv4FlagMf) != 0;
  r.fragment_offset = static_cast<std::uint16_t>((frag & kIpv4FragOffsetMask) * 8);
  if (r.more_fragments || r.fragment_offset != 0) {
    const std::size_t data = total - ihl;
    r.payload_length = static_cast<std::uint16_t>(data);
    if (data == 0 || (r.more_fragments && data % 8 != 0) ||
        r.fragment_offset + data + ihl > kIpv4MaxTotalLength) {
      return drop(r, DropReason::ipv4_bad_fragment);
    }
    r.kind = FrameKind::Ipv4Fragment;
    r.reason = DropReason::ipv4_fragment;
    return r;
  }

  switch (r.protocol) {
    case kIpProtoUdp:
      return classify_udp(ip, local, checks, r);
    case kIpProtoIcmp:
      return classify_icmp(ip, r);
    default:
      return drop(r, DropReason::unsupported_protocol);
  }
}

}  // namespace

ClassifyResult classify_frame(std::span<const std::uint8_t> frame, const LocalAddrs& local,
                              RxChecks checks) noexcept {
  ClassifyResult r;
  if (frame.size() < kEthHeaderLength) return drop(r, DropReason::eth_truncated);
  const std::uint16_t type = load_be16(frame.data() + kEthTypeOffset);
  if (type == kEtherTypeVlan || type == kEtherTypeQinQ || type == kEtherTypeQinQOld) {
    return drop(r, DropReason::vlan_unsupported);
  }
  const MacAddr dst = MacAddr::from(frame.data() + kEthDstOffset);
  const bool group = dst.is_multicast();  // includes broadcast
  if (!group && dst != local.mac) return drop(r, DropReason::eth_not_for_us);
  if (type == kEtherTypeArp) return classify_arp(frame, local, r);
  if (type == kEtherTypeIpv6) return classify_ipv6(frame, local, checks, group, r);
  if (type != kEtherTypeIpv4) return drop(r, DropReason::eth_unsupported_type);
  if (group) return drop(r, DropReason::eth_not_for_us);
  return classify_ipv4(frame, local, checks, r);
}

bool for_host(const ClassifyResult& r, int host_index, int host6_index) noexcept {
  if (r.kind == FrameKind::NeighbourAdvert) return true;
  if (r.is_ipv6) host_index = host6_index;
  if (r.kind == FrameKind::Arp) {
    const bool answered_here = r.arp.op == kArpOpRequest && r.local_index >= 0;
    return !answered_here;
  }
  if (r.kind != FrameKind::Drop || host_index < 0 || r.local_index != host_index) return false;
  switch (r.reason) {
    case DropReason::unsupported_protocol:
    case DropReason::udp_port_closed:
    case DropReason::icmp_unsupported:
      return true;
    default:
      return false;
  }
}

}  // namespace sipedge::net
