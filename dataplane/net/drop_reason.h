// Why the L2-L4 classifier refused a frame, declared once: the X-macro yields
// the enum, the counter names and the count, so the dataplane's counter table,
// its telemetry export and this enum cannot drift apart.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <string_view>

namespace sipedge::net {

// clang-format off
#define SIPEDGE_NET_DROP_REASONS(X)                                            \
  X(none)                  /* not dropped */                                   \
  X(eth_truncated)         /* shorter than an Ethernet header */               \
  X(eth_not_for_us)        /* unicast to another MAC; IPv4 to bcast/mcast */   \
  X(eth_unsupported_type)  /* EtherType other than IPv4 and ARP */             \
  X(vlan_unsupported)      /* 802.1Q / 802.1ad tagged */                       \
  X(arp_malformed)         /* truncated; multicast or zero sender MAC */       \
  X(arp_unsupported)       /* not Ethernet/IPv4, or not request/reply */       \
  X(arp_not_for_us)        /* target is not one of our addresses */            \
  X(ipv4_truncated)        /* shorter than 20 bytes or than its IHL */         \
  X(ipv4_bad_version)      /* version field is not 4 */                        \
  X(ipv4_bad_ihl)          /* IHL below 5 */                                   \
  X(ipv4_bad_total_length) /* total length below IHL or beyond the frame */    \
  X(ipv4_bad_checksum)     /* header checksum mismatch */                      \
  X(ipv4_ttl_expired)      /* TTL 0 */                                         \
  X(ipv4_bad_options)      /* option list overruns the header */               \
  X(ipv4_bad_source)       /* 0/8, 127/8, multicast, class E, broadcast */     \
  X(ipv4_not_for_us)       /* destination is not one of our addresses */       \
  X(ipv4_fragment)         /* NOT a drop: a fragment, hand it to reassembly */ \
  X(ipv4_bad_fragment)     /* empty, unaligned, or beyond 65535 */             \
  X(icmp_truncated)        /* shorter than the 8-byte ICMP header */           \
  X(icmp_bad_checksum)     /* ICMP checksum mismatch */                        \
  X(icmp_unsupported)      /* anything but an echo request */                  \
  X(udp_truncated)         /* shorter than the 8-byte UDP header */            \
  X(udp_bad_length)        /* UDP length below 8 or beyond the IP payload */   \
  X(udp_bad_checksum)      /* non-zero UDP checksum mismatch */                \
  X(udp_bad_port)          /* source port 0: nothing to answer to */           \
  X(udp_port_closed)       /* destination port not one of ours */              \
  X(unsupported_protocol)  /* IP protocol other than ICMP and UDP */           \
  X(vlan_untagged)         /* no 802.1Q tag on a VLAN port */                  \
  X(vlan_wrong_id)         /* tagged with a VLAN other than the port's */      \
  X(vlan_qinq)             /* 802.1ad outer tag, or two tags */                \
  X(ipv6_truncated)        /* shorter than 40 bytes or than its ext headers */ \
  X(ipv6_bad_version)      /* version field is not 6 */                        \
  X(ipv6_bad_length)       /* payload length 0 (jumbo) or beyond the frame */  \
  X(ipv6_hop_limit_expired) /* hop limit 0 */                                  \
  X(ipv6_bad_source)       /* multicast, loopback or (but for DAD) :: */       \
  X(ipv6_not_for_us)       /* destination is not ours nor our solicited-node */\
  X(ipv6_bad_ext_header)   /* misplaced hop-by-hop, overrunning header */      \
  X(ipv6_too_many_ext)     /* over the cap on ext header count or bytes */     \
  X(ipv6_routing_header)   /* routing header with segments left: no transit */ \
  X(ipv6_fragment)         /* NOT a drop: a fragment, hand it to reassembly */ \
  X(ipv6_bad_fragment)     /* empty, unaligned, beyond 65535, or ext before */ \
  X(icmpv6_truncated)      /* shorter than its message */                      \
  X(icmpv6_bad_checksum)   /* ICMPv6 checksum (with pseudo-header) mismatch */ \
  X(nd_bad_hop_limit)      /* ND message with hop limit other than 255 */      \
  X(nd_malformed)          /* code, target, options or DAD rules violated */   \
  X(nd_not_for_us)         /* solicitation for an address not ours */          \
  X(udp6_zero_checksum)    /* UDP over IPv6 without checksum (RFC 8200 8.1) */ \
  X(ipv6_sip_unsupported)  /* valid UDP/IPv6 to a SIP port: no v6 SIP yet */
// clang-format on

enum class DropReason : std::uint8_t {
#define SIPEDGE_X(name) name,
  SIPEDGE_NET_DROP_REASONS(SIPEDGE_X)
#undef SIPEDGE_X
};

inline constexpr std::array kDropReasonNames = {
#define SIPEDGE_X(name) std::string_view{#name},
    SIPEDGE_NET_DROP_REASONS(SIPEDGE_X)
#undef SIPEDGE_X
};

inline constexpr std::size_t kDropReasonCount = kDropReasonNames.size();

[[nodiscard]] constexpr std::string_view drop_reason_name(DropReason r) noexcept {
  const auto i = static_cast<std::size_t>(r);
  return i < kDropReasonCount ? kDropReasonNames[i] : std::string_view{"unknown"};
}

}  // namespace sipedge::net
