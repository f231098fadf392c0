#include "net/classify.h"

#include <gtest/gtest.h>

#include <set>
#include <string>

#include "frame_builder.h"
#include "net/ipv4.h"

namespace sipedge::net {
namespace {

using namespace test;

const LocalAddrs kLocal = local_addrs();
const MacAddr kOtherMac{{0x02, 0x00, 0x00, 0x00, 0x00, 0x99}};
const MacAddr kMcastMac{{0x01, 0x00, 0x5e, 0x00, 0x00, 0x01}};

Bytes sip_payload() { return bytes_of("OPTIONS sip:edge SIP/2.0\r\n\r\n"); }

Bytes ip_frame(const Ipv4Spec& spec, const Bytes& l4) {
  return eth(kUsMac, kPeerMac, 0x0800, ipv4(spec, l4));
}

Bytes udp_with(std::uint16_t sport, std::uint16_t dport, UdpSum sum = UdpSum::correct,
               int length = -1) {
  return udp(kPeerIp, kUsIp, sport, dport, sip_payload(), sum, length);
}

Ipv4Spec with_options(Bytes options) {
  Ipv4Spec s;
  s.options = std::move(options);
  return s;
}

Ipv4Spec fragment_spec(std::uint16_t flags_fragment) {
  Ipv4Spec s;
  s.flags_fragment = flags_fragment;
  return s;
}

Ipv4Spec from(std::uint32_t src) {
  Ipv4Spec s;
  s.src = src;
  return s;
}

Ipv4Spec to(std::uint32_t dst) {
  Ipv4Spec s;
  s.dst = dst;
  return s;
}

Ipv4Spec proto(std::uint8_t p) {
  Ipv4Spec s;
  s.protocol = p;
  return s;
}

struct DropCase {
  std::string name;
  Bytes frame;
  DropReason reason;
};

std::vector<DropCase> drop_cases() {
  std::vector<DropCase> c;
  const Bytes good_udp = udp_with(5060, 5060);
  const Bytes arp_req = arp(1, kPeerMac, kPeerIp, MacAddr{}, kUsIp);

  c.push_back({"13 bytes", Bytes(13, 0), DropReason::eth_truncated});
  c.push_back({"802.1Q", eth(kUsMac, kPeerMac, 0x8100, Bytes(50, 0)), DropReason::vlan_unsupported});
  c.push_back({"802.1ad", eth(kUsMac, kPeerMac, 0x88a8, Bytes(50, 0)), DropReason::vlan_unsupported});
  c.push_back({"other unicast MAC", eth(kOtherMac, kPeerMac, 0x0800, ipv4({}, good_udp)),
               DropReason::eth_not_for_us});
  c.push_back({"IPv4 to broadcast MAC", eth(kBroadcastMac, kPeerMac, 0x0800, ipv4({}, good_udp)),
               DropReason::eth_not_for_us});
  c.push_back({"ARP to other MAC", eth(kOtherMac, kPeerMac, 0x0806, arp_req),
               DropReason::eth_not_for_us});
  c.push_back({"LLDP", eth(kUsMac, kPeerMac, 0x88cc, Bytes(60, 0)), DropReason::eth_unsupported_type});

  Bytes short_arp = eth(kBroadcastMac, kPeerMac, 0x0806, arp_req);
  short_arp.pop_back();
  c.push_back({"ARP truncated", short_arp, DropReason::arp_malformed});
  c.push_back({"ARP multicast sender",
               eth(kBroadcastMac, kPeerMac, 0x0806, arp(1, kMcastMac, kPeerIp, MacAddr{}, kUsIp)),
               DropReason::arp_malformed});
  c.push_back({"ARP zero sender",
               eth(kBroadcastMac, kPeerMac, 0x0806, arp(1, MacAddr{}, kPeerIp, MacAddr{}, kUsIp)),
               DropReason::arp_malformed});
  Bytes arp_token_ring = arp_req;
  arp_token_ring[1] = 6;
  c.push_back({"ARP htype 6", eth(kBroadcastMac, kPeerMac, 0x0806, arp_token_ring),
               DropReason::arp_unsupported});
  Bytes arp_ipv6 = arp_req;
  arp_ipv6[5] = 16;
  c.push_back({"ARP plen 16", eth(kBroadcastMac, kPeerMac, 0x0806, arp_ipv6),
               DropReason::arp_unsupported});
  c.push_back({"RARP op 3",
               eth(kBroadcastMac, kPeerMac, 0x0806, arp(3, kPeerMac, kPeerIp, MacAddr{}, kUsIp)),
               DropReason::arp_unsupported});
  c.push_back({"ARP for another host",
               eth(kBroadcastMac, kPeerMac, 0x0806, arp(1, kPeerMac, kPeerIp, MacAddr{}, kOtherIp)),
               DropReason::arp_not_for_us});

  c.push_back({"19-byte IPv4", eth(kUsMac, kPeerMac, 0x0800, Bytes(19, 0x45)),
               DropReason::ipv4_truncated});
  {
    Ipv4Spec s;
    s.ihl_words = 6;
    s.total_length = 20;
    c.push_back({"IHL beyond frame", ip_frame(s, {}), DropReason::ipv4_truncated});
  }
  {
    Ipv4Spec s;
    s.version = 6;
    c.push_back({"version 6", ip_frame(s, good_udp), DropReason::ipv4_bad_version});
  }
  {
    Ipv4Spec s;
    s.ihl_words = 4;
    c.push_back({"IHL 4", ip_frame(s, good_udp), DropReason::ipv4_bad_ihl});
  }
  {
    Ipv4Spec s;
    s.total_length = 19;
    c.push_back({"total below IHL", ip_frame(s, good_udp), DropReason::ipv4_bad_total_length});
    s.total_length = static_cast<int>(20 + good_udp.size() + 1);
    c.push_back({"total beyond frame", ip_frame(s, good_udp), DropReason::ipv4_bad_total_length});
  }
  {
    Ipv4Spec s;
    s.bad_checksum = true;
    c.push_back({"IP checksum", ip_frame(s, good_udp), DropReason::ipv4_bad_checksum});
  }
  {
    Ipv4Spec s;
    s.ttl = 0;
    c.push_back({"TTL 0", ip_frame(s, good_udp), DropReason::ipv4_ttl_expired});
  }
  // Record route claiming 16 bytes in a 4-byte option area.
  c.push_back({"option overruns", ip_frame(with_options({0x07, 0x10, 0x04, 0x00}), good_udp),
               DropReason::ipv4_bad_options});
  c.push_back({"option length 1", ip_frame(with_options({0x07, 0x01, 0x00, 0x00}), good_udp),
               DropReason::ipv4_bad_options});
  c.push_back({"option without length", ip_frame(with_options({0x01, 0x01, 0x01, 0x07}), good_udp),
               DropReason::ipv4_bad_options});
  for (const std::uint32_t src : {0x7f000001u, 0xe0000001u, 0u, 0xffffffffu, 0xf0000001u}) {
    c.push_back({"martian " + format_ipv4(src), ip_frame(from(src), good_udp),
                 DropReason::ipv4_bad_source});
  }
  c.push_back({"other destination", ip_frame(to(kOtherIp), good_udp), DropReason::ipv4_not_for_us});
  c.push_back({"broadcast destination", ip_frame(to(0xffffffff), good_udp),
               DropReason::ipv4_not_for_us});
  c.push_back({"first fragment", ip_frame(fragment_spec(0x2000), Bytes(16, 1)),
               DropReason::ipv4_fragment});
  c.push_back({"MF with 7 bytes", ip_frame(fragment_spec(0x2000), Bytes(7, 1)),
               DropReason::ipv4_bad_fragment});
  c.push_back({"empty fragment", ip_frame(fragment_spec(0x2001), {}), DropReason::ipv4_bad_fragment});
  c.push_back({"fragment past 65535", ip_frame(fragment_spec(0x1fff), Bytes(8, 1)),
               DropReason::ipv4_bad_fragment});

  c.push_back({"ICMP 7 bytes", ip_frame(proto(1), Bytes(7, 8)), DropReason::icmp_truncated});
  c.push_back({"ICMP checksum", ip_frame(proto(1), icmp(8, 0, 1, 1, Bytes(8, 0x61), true)),
               DropReason::icmp_bad_checksum});
  c.push_back({"ICMP echo reply", ip_frame(proto(1), icmp(0, 0, 1, 1, {})),
               DropReason::icmp_unsupported});
  c.push_back({"ICMP echo code 1", ip_frame(proto(1), icmp(8, 1, 1, 1, {})),
               DropReason::icmp_unsupported});
  c.push_back({"ICMP unreachable", ip_frame(proto(1), icmp(3, 3, 0, 0, Bytes(28, 0))),
               DropReason::icmp_unsupported});

  c.push_back({"UDP 7 bytes", ip_frame({}, Bytes(7, 0x13)), DropReason::udp_truncated});
  c.push_back({"UDP length 7", ip_frame({}, udp_with(5060, 5060, UdpSum::zero, 7)),
               DropReason::udp_bad_length});
  c.push_back({"UDP length beyond IP",
               ip_frame({}, udp_with(5060, 5060, UdpSum::zero,
                                     static_cast<int>(good_udp.size() + 1))),
               DropReason::udp_bad_length});
  c.push_back({"UDP checksum", ip_frame({}, udp_with(5060, 5060, UdpSum::corrupt)),
               DropReason::udp_bad_checksum});
  c.push_back({"UDP source port 0", ip_frame({}, udp_with(0, 5060)), DropReason::udp_bad_port});
  c.push_back({"UDP port 80", ip_frame({}, udp_with(5060, 80)), DropReason::udp_port_closed});
  c.push_back({"TCP", ip_frame(proto(6), Bytes(20, 0)), DropReason::unsupported_protocol});
  return c;
}

TEST(Classify, EveryDropReason) {
  std::set<DropReason> seen;
  for (const DropCase& dc : drop_cases()) {
    const ClassifyResult r = classify_frame(dc.frame, kLocal);
    EXPECT_EQ(drop_reason_name(r.reason), drop_reason_name(dc.reason)) << dc.name;
    if (dc.reason == DropReason::ipv4_fragment) {
      EXPECT_EQ(r.kind, FrameKind::Ipv4Fragment) << dc.name;
    } else {
      EXPECT_EQ(r.kind, FrameKind::Drop) << dc.name;
    }
    seen.insert(dc.reason);
  }
  // The VLAN and IPv6 reasons (from vlan_untagged on) have their frames in
  // ipv6_test.cpp, which checks them the same way.
  for (std::size_t i = 1; i < static_cast<std::size_t>(DropReason::vlan_untagged); ++i) {
    EXPECT_TRUE(seen.count(static_cast<DropReason>(i)))
        << "no test frame for " << kDropReasonNames[i];
  }
}

TEST(Classify, DropReasonNames) {
  EXPECT_EQ(drop_reason_name(DropReason::none), "none");
  EXPECT_EQ(drop_reason_name(DropReason::udp_port_closed), "udp_port_closed");
  EXPECT_EQ(drop_reason_name(static_cast<DropReason>(kDropReasonCount)), "unknown");
  std::set<std::string_view> unique(kDropReasonNames.begin(), kDropReasonNames.end());
  EXPECT_EQ(unique.size(), kDropReasonCount);
}

TEST(Classify, UdpToUs) {
  const Bytes payload = sip_payload();
  Ipv4Spec s;
  s.ttl = 1;  // we are the destination: TTL 1 is fine
  s.id = 0xbeef;
  const Bytes f = udp_frame(payload, s);
  const ClassifyResult r = classify_frame(f, kLocal);
  ASSERT_EQ(r.kind, FrameKind::Udp) << drop_reason_name(r.reason);
  EXPECT_EQ(r.reason, DropReason::none);
  EXPECT_EQ(r.l3_offset, 14);
  EXPECT_EQ(r.l4_offset, 34);
  EXPECT_EQ(r.payload_offset, 42);
  EXPECT_EQ(r.payload_length, payload.size());
  EXPECT_EQ(r.frame_length, f.size());
  EXPECT_EQ(r.src_ip, kPeerIp);
  EXPECT_EQ(r.dst_ip, kUsIp);
  EXPECT_EQ(r.src_port, 5060);
  EXPECT_EQ(r.dst_port, 5060);
  EXPECT_EQ(r.ttl, 1);
  EXPECT_EQ(r.ip_id, 0xbeef);
  EXPECT_EQ(r.protocol, 17);
  EXPECT_EQ(r.local_index, 0);
  EXPECT_FALSE(r.has_ip_options);
  EXPECT_FALSE(r.dropped());
}

TEST(Classify, UdpToVipReportsWhichAddress) {
  Ipv4Spec s = to(kVipIp);
  const Bytes f = eth(kUsMac, kPeerMac, 0x0800,
                      ipv4(s, udp(kPeerIp, kVipIp, 40000, 5061, sip_payload())));
  const ClassifyResult r = classify_frame(f, kLocal);
  ASSERT_EQ(r.kind, FrameKind::Udp) << drop_reason_name(r.reason);
  EXPECT_EQ(r.local_index, 1);
  EXPECT_EQ(r.src_port, 40000);
  EXPECT_EQ(r.dst_port, 5061);
}

TEST(Classify, OptionsAreFlaggedAndSkipped) {
  // NOP, NOP, then a 6-byte timestamp-like option, then EOL and padding.
  const Bytes payload = sip_payload();
  const Bytes f = udp_frame(payload, with_options({0x01, 0x01, 0x44, 0x06, 0x07, 0x00, 0x00, 0x00}));
  const ClassifyResult r = classify_frame(f, kLocal);
  ASSERT_EQ(r.kind, FrameKind::Udp) << drop_reason_name(r.reason);
  EXPECT_TRUE(r.has_ip_options);
  EXPECT_EQ(r.l4_offset, 42);
  EXPECT_EQ(r.payload_offset, 50);
  EXPECT_EQ(r.payload_length, payload.size());
}

TEST(Classify, EthernetPaddingIsTrimmed) {
  const Bytes payload = bytes_of("\r\n\r\n");
  Bytes f = udp_frame(payload);
  const std::size_t unpadded = f.size();
  f.resize(60, 0);
  const ClassifyResult r = classify_frame(f, kLocal);
  ASSERT_EQ(r.kind, FrameKind::Udp) << drop_reason_name(r.reason);
  EXPECT_EQ(r.frame_length, unpadded);
  EXPECT_EQ(r.payload_length, 4);
}

TEST(Classify, UdpLengthShorterThanIpPayloadWins) {
  // IP carries 4 bytes beyond the UDP length: they are not payload.
  Bytes d = udp(kPeerIp, kUsIp, 5060, 5060, sip_payload(), UdpSum::zero);
  const std::size_t udp_len = d.size();
  d.insert(d.end(), {0xde, 0xad, 0xbe, 0xef});
  const ClassifyResult r = classify_frame(ip_frame({}, d), kLocal);
  ASSERT_EQ(r.kind, FrameKind::Udp) << drop_reason_name(r.reason);
  EXPECT_EQ(r.payload_length, udp_len - 8);
}

TEST(Classify, ZeroUdpChecksumIsNotVerified) {
  const ClassifyResult r = classify_frame(udp_frame(sip_payload(), {}, UdpSum::zero), kLocal);
  EXPECT_EQ(r.kind, FrameKind::Udp) << drop_reason_name(r.reason);
}

TEST(Classify, NicVerdictsSkipSoftwareChecks) {
  Ipv4Spec bad_ip;
  bad_ip.bad_checksum = true;
  const Bytes f1 = udp_frame(sip_payload(), bad_ip);
  EXPECT_EQ(classify_frame(f1, kLocal, {.ipv4_checksum_good = true}).kind, FrameKind::Udp);
  EXPECT_EQ(classify_frame(f1, kLocal, {.l4_checksum_good = true}).reason,
            DropReason::ipv4_bad_checksum);
  const Bytes f2 = udp_frame(sip_payload(), {}, UdpSum::corrupt);
  EXPECT_EQ(classify_frame(f2, kLocal, {.l4_checksum_good = true}).kind, FrameKind::Udp);
  EXPECT_EQ(classify_frame(f2, kLocal, {.ipv4_checksum_good = true}).reason,
            DropReason::udp_bad_checksum);
}

TEST(Classify, IcmpEcho) {
  const Bytes msg = icmp(8, 0, 0x77, 3, bytes_of("abcdefgh"));
  const ClassifyResult r = classify_frame(ip_frame(proto(1), msg), kLocal);
  ASSERT_EQ(r.kind, FrameKind::IcmpEcho) << drop_reason_name(r.reason);
  EXPECT_EQ(r.l4_offset, 34);
  EXPECT_EQ(r.payload_offset, 34);
  EXPECT_EQ(r.payload_length, msg.size());
}

TEST(Classify, Fragments) {
  Ipv4Spec s = fragment_spec(0x2000 | 185);  // MF, offset 1480
  s.id = 42;
  const ClassifyResult mid = classify_frame(ip_frame(s, Bytes(1480, 7)), kLocal);
  ASSERT_EQ(mid.kind, FrameKind::Ipv4Fragment) << drop_reason_name(mid.reason);
  EXPECT_EQ(mid.reason, DropReason::ipv4_fragment);
  EXPECT_TRUE(mid.more_fragments);
  EXPECT_EQ(mid.fragment_offset, 1480);
  EXPECT_EQ(mid.payload_length, 1480);
  EXPECT_EQ(mid.l4_offset, 34);
  EXPECT_EQ(mid.ip_id, 42);
  EXPECT_EQ(mid.src_ip, kPeerIp);

  // The last fragment may have any length; DF is not part of the test.
  const ClassifyResult last = classify_frame(ip_frame(fragment_spec(0x4000 | 370), Bytes(3, 7)), kLocal);
  ASSERT_EQ(last.kind, FrameKind::Ipv4Fragment) << drop_reason_name(last.reason);
  EXPECT_FALSE(last.more_fragments);
  EXPECT_EQ(last.fragment_offset, 2960);

  // DF alone is an ordinary datagram.
  const ClassifyResult df = classify_frame(udp_frame(sip_payload(), fragment_spec(0x4000)), kLocal);
  EXPECT_EQ(df.kind, FrameKind::Udp) << drop_reason_name(df.reason);
}

TEST(Classify, ArpRequestForUs) {
  for (const MacAddr& dst : {kBroadcastMac, kUsMac, kMcastMac}) {
    const Bytes f = eth(dst, kPeerMac, 0x0806, arp(1, kPeerMac, kPeerIp, MacAddr{}, kVipIp));
    const ClassifyResult r = classify_frame(f, kLocal);
    ASSERT_EQ(r.kind, FrameKind::Arp) << drop_reason_name(r.reason);
    EXPECT_EQ(r.arp.op, kArpOpRequest);
    EXPECT_EQ(r.arp.sender_mac, kPeerMac);
    EXPECT_EQ(r.arp.sender_ip, kPeerIp);
    EXPECT_EQ(r.arp.target_ip, kVipIp);
    EXPECT_EQ(r.local_index, 1);
    EXPECT_EQ(r.src_ip, kPeerIp);
    EXPECT_EQ(r.dst_ip, kVipIp);
  }
}

TEST(Classify, ArpReplyAndGratuitous) {
  const ClassifyResult reply =
      classify_frame(eth(kUsMac, kPeerMac, 0x0806, arp(2, kPeerMac, kPeerIp, kUsMac, kUsIp)), kLocal);
  ASSERT_EQ(reply.kind, FrameKind::Arp) << drop_reason_name(reply.reason);
  EXPECT_EQ(reply.arp.op, kArpOpReply);
  EXPECT_EQ(reply.arp.target_mac, kUsMac);
  EXPECT_EQ(reply.local_index, 0);

  const ClassifyResult garp = classify_frame(
      eth(kBroadcastMac, kPeerMac, 0x0806, arp(1, kPeerMac, kPeerIp, MacAddr{}, kPeerIp)), kLocal);
  ASSERT_EQ(garp.kind, FrameKind::Arp) << drop_reason_name(garp.reason);
  EXPECT_EQ(garp.local_index, -1);
}

// The exception path's rule (net::for_host): which frames the node's kernel
// gets. kUsIp (index 0) is the host address, kVipIp the fast path's.
struct HostCase {
  std::string name;
  Bytes frame;
  bool for_host;
};

Ipv4Spec tcp_to(std::uint32_t dst) {
  Ipv4Spec s;
  s.protocol = 6;
  s.dst = dst;
  return s;
}

std::vector<HostCase> host_cases() {
  std::vector<HostCase> c;
  const Bytes syn(20, 0);
  c.push_back({"TCP (BGP, SSH) to the host address", ip_frame(tcp_to(kUsIp), syn), true});
  c.push_back({"TCP to the VIP", ip_frame(tcp_to(kVipIp), syn), false});
  c.push_back({"UDP to a closed port (BFD 3784)", ip_frame({}, udp_with(49152, 3784)), true});
  c.push_back({"UDP to a closed port of the VIP",
               ip_frame(to(kVipIp), udp(kPeerIp, kVipIp, 49152, 3784, sip_payload())), false});
  c.push_back({"UDP to the SIP port (fast path)", ip_frame({}, udp_with(5060, 5060)), false});
  c.push_back({"SIP to the VIP (fast path)", ip_frame(to(kVipIp), udp(kPeerIp, kVipIp, 5060, 5060, sip_payload())),
               false});
  c.push_back({"ICMP echo request (answered here)", ip_frame(proto(1), icmp(8, 0, 1, 1, bytes_of("ping"))), false});
  c.push_back({"ICMP echo reply (the kernel's ping)", ip_frame(proto(1), icmp(0, 0, 1, 1, bytes_of("pong"))), true});
  c.push_back({"ICMP port unreachable", ip_frame(proto(1), icmp(3, 3, 0, 0, Bytes(28, 0))), true});
  {
    Ipv4Spec s = proto(1);
    s.dst = kVipIp;
    c.push_back({"ICMP unreachable to the VIP", ip_frame(s, icmp(3, 3, 0, 0, Bytes(28, 0))), false});
  }
  {
    Ipv4Spec s = tcp_to(kUsIp);
    s.bad_checksum = true;
    c.push_back({"TCP with a bad IPv4 checksum", ip_frame(s, syn), false});
  }
  {
    Ipv4Spec s = tcp_to(kUsIp);
    s.src = 0x7F000001;
    c.push_back({"TCP from a martian source", ip_frame(s, syn), false});
  }
  {
    Ipv4Spec s = tcp_to(kUsIp);
    s.flags_fragment = 0x2000;  // MF
    c.push_back({"TCP fragment", ip_frame(s, Bytes(24, 0)), false});
  }
  c.push_back({"TCP to another host", ip_frame(tcp_to(kOtherIp), syn), false});
  c.push_back({"TCP to another MAC", eth(kOtherMac, kPeerMac, 0x0800, ipv4(tcp_to(kUsIp), syn)), false});
  c.push_back({"IPv6", eth(kUsMac, kPeerMac, 0x86dd, Bytes(60, 0)), false});
  c.push_back({"ARP request for the host address (answered here)",
               eth(kBroadcastMac, kPeerMac, 0x0806, arp(1, kPeerMac, kPeerIp, MacAddr{}, kUsIp)), false});
  c.push_back({"ARP request for the VIP (answered here)",
               eth(kBroadcastMac, kPeerMac, 0x0806, arp(1, kPeerMac, kPeerIp, MacAddr{}, kVipIp)), false});
  c.push_back({"ARP reply to the host address (the kernel's next hop)",
               eth(kUsMac, kPeerMac, 0x0806, arp(2, kPeerMac, kPeerIp, kUsMac, kUsIp)), true});
  c.push_back({"gratuitous ARP",
               eth(kBroadcastMac, kPeerMac, 0x0806, arp(1, kPeerMac, kPeerIp, MacAddr{}, kPeerIp)), true});
  c.push_back({"ARP for another host",
               eth(kBroadcastMac, kPeerMac, 0x0806, arp(1, kPeerMac, kPeerIp, MacAddr{}, kOtherIp)), false});
  return c;
}

TEST(ClassifyForHost, WhatGoesToTheKernel) {
  for (const HostCase& hc : host_cases()) {
    const ClassifyResult r = classify_frame(hc.frame, kLocal);
    EXPECT_EQ(for_host(r, 0), hc.for_host) << hc.name << " (" << drop_reason_name(r.reason) << ")";
  }
}

TEST(ClassifyForHost, NothingIpGoesUpWithoutAHostAddress) {
  for (const HostCase& hc : host_cases()) {
    const ClassifyResult r = classify_frame(hc.frame, kLocal);
    if (r.kind != FrameKind::Arp) {
      EXPECT_FALSE(for_host(r, -1)) << hc.name;
    }
  }
}

TEST(Classify, LargestDatagram) {
  // A reassembled, linearised 65535-byte datagram: lengths exceed 16 bits
  // once the Ethernet header is added.
  const Bytes payload(65535 - 28, 'p');
  const Bytes f = udp_frame(payload);
  ASSERT_EQ(f.size(), 14u + 65535);
  const ClassifyResult r = classify_frame(f, kLocal);
  ASSERT_EQ(r.kind, FrameKind::Udp) << drop_reason_name(r.reason);
  EXPECT_EQ(r.frame_length, 14u + 65535);
  EXPECT_EQ(r.payload_length, 65535 - 28);
}

TEST(Classify, EveryPrefixOfAGoodFrameIsRefusedWithoutOverread) {
  // Each prefix lives in its own exact-size buffer so ASan sees any overread.
  const Bytes full = udp_frame(sip_payload());
  for (std::size_t n = 0; n < full.size(); ++n) {
    const Bytes prefix(full.begin(), full.begin() + static_cast<std::ptrdiff_t>(n));
    const ClassifyResult r = classify_frame(prefix, kLocal);
    ASSERT_EQ(r.kind, FrameKind::Drop) << n;
  }
  EXPECT_EQ(classify_frame(full, kLocal).kind, FrameKind::Udp);
}

}  // namespace
}  // namespace sipedge::net
