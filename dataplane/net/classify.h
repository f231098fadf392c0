// L2-L4 classification of a received Ethernet frame: the one function a
// worker calls per packet before anything protocol-specific.
//
// It validates strictly and says either what the frame is (ARP, ICMP echo
// request, UDP datagram, IPv4 fragment) with the offsets and fields the next
// stage needs, or why it is dropped. It never writes to the frame, never
// reads past it, never allocates; thread-safe (pure function of its inputs).
#pragma once

#include <cstdint>
#include <span>

#include "net/arp.h"
#include "net/ipv6.h"
#include "net/drop_reason.h"
#include "net/local_addrs.h"

namespace sipedge::net {

enum class FrameKind : std::uint8_t {
  Drop,          // see reason
  Arp,           // request/reply aimed at us, or gratuitous; see arp
  IcmpEcho,      // echo request to us, checksum verified
  Udp,           // datagram to one of our open ports
  Ipv4Fragment,  // reason == ipv4_fragment; reassemble, then classify again
  Icmpv6Echo,    // echo request to one of our IPv6 addresses, checksum verified
  NeighbourSolicit,  // NS for one of our addresses (nd_target, local_index); answer with an NA
  NeighbourAdvert,   // NA to us or to a group: learn nd_target -> nd_lladdr
  Ipv6Fragment,  // reason == ipv6_fragment; reassemble, then classify again
};

// Receive checksum offload results, straight from the mbuf flags
// (RTE_MBUF_F_RX_IP_CKSUM_GOOD, RTE_MBUF_F_RX_L4_CKSUM_GOOD). A `true`
// skips the software check; a NIC verdict of "bad" or "unknown" is `false`,
// and the software check decides.
struct RxChecks {
  bool ipv4_checksum_good = false;
  bool l4_checksum_good = false;
};

struct ClassifyResult {
  FrameKind kind = FrameKind::Drop;
  DropReason reason = DropReason::none;
  bool has_ip_options = false;  // IHL > 5; options were well-formed
  bool more_fragments = false;
  std::uint8_t ttl = 0;
  std::uint8_t protocol = 0;
  std::int8_t local_index = -1;  // which LocalAddrs::ipv4 entry was hit (ARP target / IP dst)

  std::uint16_t l3_offset = 0;       // IPv4 or ARP header
  std::uint16_t l4_offset = 0;       // UDP/ICMP header, or fragment data
  std::uint16_t payload_offset = 0;  // UDP: after the UDP header; ICMP/fragment: == l4_offset
  std::uint16_t payload_length = 0;  // UDP: length - 8; ICMP: whole message; fragment: its data
  std::uint32_t frame_length = 0;    // Ethernet header + IP total length (padding trimmed);
                                     // up to 14 + 65535, so wider than 16 bits

  std::uint32_t src_ip = 0;  // host order
  std::uint32_t dst_ip = 0;  // host order
  std::uint16_t src_port = 0;
  std::uint16_t dst_port = 0;
  std::uint16_t ip_id = 0;
  std::uint16_t fragment_offset = 0;  // in bytes

  ArpMessage arp;  // kind == Arp only

  // IPv6 (is_ipv6); src_ip/dst_ip stay 0. local_index is then an index into
  // LocalAddrs::ipv6 (-1 for a solicited-node destination).
  bool is_ipv6 = false;
  std::uint8_t hop_limit = 0;
  std::uint16_t fragment_header_offset = 0;  // Ipv6Fragment: from the frame start
  std::uint32_t fragment_id = 0;             // Ipv6Fragment
  Ipv6Addr src_ip6;
  Ipv6Addr dst_ip6;
  // Neighbour Discovery (NeighbourSolicit / NeighbourAdvert).
  Ipv6Addr nd_target;
  MacAddr nd_lladdr;         // source (NS) or target (NA) link-layer address option
  bool nd_has_lladdr = false;
  bool nd_solicited = false;  // NA: S flag
  bool nd_override = false;   // NA: O flag

  [[nodiscard]] bool dropped() const noexcept { return kind == FrameKind::Drop; }
};

// Rules, in order (the first failing one is the reason):
//   Ethernet: >= 14 bytes; VLAN tags refused; a unicast destination must be
//     our MAC; broadcast/multicast is accepted for ARP only.
//   ARP: Ethernet/IPv4 request or reply; kind Arp when the target address is
//     ours (local_index set) or the message is gratuitous (sender == target,
//     local_index -1), else arp_not_for_us.
//   IPv4: version 4, IHL >= 5, total length in [IHL, frame - 14] (Ethernet
//     padding is trimmed), header checksum, TTL >= 1 (we are the destination,
//     so TTL 1 is fine), options TLV-walkable, source not martian, destination
//     one of ours. MF or a non-zero offset makes it a fragment (checked for
//     being non-empty, 8-aligned unless last, and within 65535).
//   ICMP: >= 8 bytes, type 8 code 0, checksum.
//   UDP: >= 8 bytes, 8 <= length <= IP payload (extra IP bytes ignored),
//     source port != 0, destination port open, checksum when non-zero.
//   IPv6 (EtherType 0x86dd): see net/classify6.h.
[[nodiscard]] ClassifyResult classify_frame(std::span<const std::uint8_t> frame,
                                            const LocalAddrs& local, RxChecks checks = {}) noexcept;

// Whether a classified frame belongs to the node's kernel (the exception
// path) rather than the fast path or the bin. `host_index` is the
// LocalAddrs::ipv4 entry of the node's own, non-VIP address: the kernel
// holds that one, the fast path holds the VIPs, so nothing to a VIP goes up.
//   up:   TCP, UDP to a closed port and ICMP other than echo request, all
//         sent to the host address with a valid IPv4 header; every ARP
//         message the fast path does not answer (replies to us, so the
//         kernel resolves its own next hops; gratuitous ones).
//   kept: ARP requests for our addresses and echo requests (the fast path
//         answers them, with the MAC the kernel interface also carries, so
//         there is one answer, not two); UDP to open ports (SIP).
//   bin:  everything malformed, not for us, or to a VIP.
// Fragments are not handed up (reassembly serves UDP only).
// IPv6 follows the same rules with `host6_index` (a LocalAddrs::ipv6 entry):
// TCP, closed UDP ports and ICMPv6 other than echo and ND to the host
// address go up; NAs (the kernel resolves its own next hops) go up too;
// NS for our addresses are answered here.
[[nodiscard]] bool for_host(const ClassifyResult& r, int host_index, int host6_index = -1) noexcept;

}  // namespace sipedge::net
