// The IPv6 half of classify_frame (net/classify.h), for EtherType 0x86dd.
//
// Rules, in order (the first failing one is the reason):
//   IPv6: >= 40 bytes, version 6, payload length in [1, frame - 54]
//     (padding trimmed; jumbograms refused), hop limit >= 1, source not
//     multicast nor loopback (:: only for an NS, DAD), destination one of
//     ours (local_index), or the solicited-node group of one of ours when
//     the frame was sent to that group's 33:33 MAC.
//   Extension headers walked with caps (net/ipv6.h); a fragment is kind
//     Ipv6Fragment when its header directly follows the fixed header (what
//     rte_ip_frag reassembles), else ipv6_bad_fragment.
//   A group destination takes nothing but an NS.
//   ICMPv6: >= 4 bytes, checksum with the pseudo-header; echo request
//     (code 0, >= 8 bytes) -> Icmpv6Echo; NS/NA per net/nd.h -> kinds
//     NeighbourSolicit (target ours, else nd_not_for_us) / NeighbourAdvert;
//     anything else icmp_unsupported.
//   UDP: >= 8 bytes, 8 <= length <= payload, checksum mandatory
//     (udp6_zero_checksum) and verified, source port != 0, destination
//     port open; a valid datagram is ipv6_sip_unsupported until the SIP
//     layer takes IPv6.
//   Any other upper layer: unsupported_protocol.
#pragma once

#include <span>

#include "net/classify.h"

namespace sipedge::net {

// `group_mac`: the Ethernet destination was a multicast address (already
// checked to be 33:33 and the low 32 bits of the IPv6 destination here).
ClassifyResult& classify_ipv6(std::span<const std::uint8_t> frame, const LocalAddrs& local, RxChecks checks,
                              bool group_mac, ClassifyResult& r) noexcept;

}  // namespace sipedge::net
