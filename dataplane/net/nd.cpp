#include "net/nd.h"

#include "net/bytes.h"
#include "net/ethernet.h"
#include "net/icmpv6.h"

namespace sipedge::net {
namespace {

constexpr std::size_t kOptionLength = 8;  // a link-layer address option for Ethernet

void write_nd(std::uint8_t* frame, const MacAddr& eth_dst, const MacAddr& eth_src, const Ipv6Addr& src,
              const Ipv6Addr& dst, std::uint8_t type, std::uint32_t flags, const Ipv6Addr& target,
              std::uint8_t option, const MacAddr& option_mac) noexcept {
  write_eth_header(frame, eth_dst, eth_src, kEtherTypeIpv6);
  constexpr auto kMessage = static_cast<std::uint16_t>(kNdMessageLength + kOptionLength);
  write_ipv6_header(frame + kEthHeaderLength, src, dst, kIpProtoIcmpv6, kMessage, kNdHopLimit);
  std::uint8_t* m = frame + kEthHeaderLength + kIpv6HeaderLength;
  m[0] = type;
  m[1] = 0;
  store_be16(m + 2, 0);
  store_be32(m + 4, flags);
  target.store(m + kNdTargetOffset);
  m[kNdMessageLength] = option;
  m[kNdMessageLength + 1] = 1;  // in units of 8 bytes
  option_mac.store(m + kNdMessageLength + 2);
  store_be16(m + 2, ipv6_l4_checksum(src, dst, kIpProtoIcmpv6, {m, kMessage}, 2));
}

}  // namespace

DropReason parse_nd(std::span<const std::uint8_t> msg, std::uint8_t type, ClassifyResult& r) noexcept {
  if (r.hop_limit != kNdHopLimit) return DropReason::nd_bad_hop_limit;
  if (msg.size() < kNdMessageLength) return DropReason::icmpv6_truncated;
  if (msg[1] != 0) return DropReason::nd_malformed;
  r.nd_target = Ipv6Addr::from(msg.data() + kNdTargetOffset);
  if (r.nd_target.is_multicast()) return DropReason::nd_malformed;
  const std::uint32_t flags = load_be32(msg.data() + 4);
  const std::uint8_t wanted = type == kIcmpv6NeighbourSolicit ? kNdOptSourceLinkAddr : kNdOptTargetLinkAddr;
  bool any_source_option = false;
  std::size_t at = kNdMessageLength;
  while (at < msg.size()) {
    if (msg.size() - at < 2) return DropReason::nd_malformed;
    const std::size_t len = std::size_t{msg[at + 1]} * 8;
    if (len == 0 || len > msg.size() - at) return DropReason::nd_malformed;
    if (msg[at] == kNdOptSourceLinkAddr) any_source_option = true;
    if (msg[at] == wanted && len == kOptionLength) {
      r.nd_lladdr = MacAddr::from(msg.data() + at + 2);
      r.nd_has_lladdr = !r.nd_lladdr.is_multicast() && !r.nd_lladdr.is_zero();
    }
    at += len;
  }
  if (type == kIcmpv6NeighbourSolicit) {
    if (r.src_ip6.is_unspecified() && (!r.dst_ip6.is_multicast() || any_source_option)) {
      return DropReason::nd_malformed;
    }
    return DropReason::none;
  }
  r.nd_solicited = (flags & kNdFlagSolicited) != 0;
  r.nd_override = (flags & kNdFlagOverride) != 0;
  if (r.dst_ip6.is_multicast() && r.nd_solicited) return DropReason::nd_malformed;
  return DropReason::none;
}

std::size_t nd_advert_in_place(std::span<std::uint8_t> frame, const ClassifyResult& rx,
                               const MacAddr& our_mac) noexcept {
  if (rx.kind != FrameKind::NeighbourSolicit || frame.size() < kNdFrameLength) return 0;
  const bool dad = rx.src_ip6.is_unspecified();
  const Ipv6Addr dst = dad ? all_nodes() : rx.src_ip6;
  // The solicitor's link-layer option is where RFC 4861 7.2.4 says to
  // answer; without it, the frame's source MAC.
  const MacAddr eth_dst =
      dad ? multicast_mac(dst) : (rx.nd_has_lladdr ? rx.nd_lladdr : MacAddr::from(frame.data() + kEthSrcOffset));
  const std::uint32_t flags = kNdFlagOverride | (dad ? 0 : kNdFlagSolicited);
  const Ipv6Addr target = rx.nd_target;
  write_nd(frame.data(), eth_dst, our_mac, target, dst, kIcmpv6NeighbourAdvert, flags, target,
           kNdOptTargetLinkAddr, our_mac);
  return kNdFrameLength;
}

std::size_t build_neighbour_solicit(std::span<std::uint8_t> out, const MacAddr& our_mac, const Ipv6Addr& source,
                                    const Ipv6Addr& target) noexcept {
  if (out.size() < kNdFrameLength) return 0;
  const Ipv6Addr group = solicited_node(target);
  write_nd(out.data(), multicast_mac(group), our_mac, source, group, kIcmpv6NeighbourSolicit, 0, target,
           kNdOptSourceLinkAddr, our_mac);
  return kNdFrameLength;
}

}  // namespace sipedge::net
