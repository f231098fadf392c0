// IPv6 and 802.1Q: the VLAN check, the extension-header walk, the v6
// checksums, classify_frame's IPv6 rules, ICMPv6 echo and Neighbour
// Discovery. Frames are built byte by byte here, checksums from the
// reference sum in frame_builder, independent of the code under test.
#include <gtest/gtest.h>

#include <set>

#include "frame_builder.h"
#include "net/classify.h"
#include "net/icmpv6.h"
#include "net/ipv6.h"
#include "net/nd.h"
#include "net/vlan.h"

namespace sipedge::net {
namespace {

using namespace test;

Ipv6Addr v6(std::initializer_list<std::uint8_t> tail, std::uint8_t first = 0x20, std::uint8_t second = 0x01) {
  Ipv6Addr a;
  a.bytes[0] = first;
  a.bytes[1] = second;
  if (first == 0x20) {
    a.bytes[2] = 0x0d;
    a.bytes[3] = 0xb8;
  }
  std::size_t i = 16 - tail.size();
  for (auto b : tail) a.bytes[i++] = b;
  return a;
}

const Ipv6Addr kUs6 = v6({0x00, 0x02});        // 2001:db8::2
const Ipv6Addr kPeer6 = v6({0x00, 0x50});      // 2001:db8::50
const Ipv6Addr kOther6 = v6({0x00, 0x77});     // 2001:db8::77
const MacAddr kAllNodesMac{{0x33, 0x33, 0, 0, 0, 1}};

LocalAddrs local6() {
  LocalAddrs l = local_addrs();
  l.add_ipv6(kUs6);
  return l;
}
const LocalAddrs kLocal6 = local6();

// Every reason a table below expects, so that the last test can check no
// VLAN or IPv6 reason goes without a frame.
std::set<DropReason>& reasons_seen() {
  static std::set<DropReason> seen;
  return seen;
}

std::uint32_t pseudo(const Ipv6Addr& s, const Ipv6Addr& d, std::uint8_t proto, std::size_t len) {
  std::uint32_t acc = slow_sum(s.bytes);
  acc = slow_sum(d.bytes, acc);
  return acc + static_cast<std::uint32_t>(len >> 16) + static_cast<std::uint32_t>(len & 0xffff) + proto;
}

// An L4 message with its checksum (at `at`) filled in by the reference sum.
Bytes with_sum(Bytes msg, std::size_t at, const Ipv6Addr& s, const Ipv6Addr& d, std::uint8_t proto) {
  msg[at] = msg[at + 1] = 0;
  const std::uint16_t c = slow_checksum(msg, pseudo(s, d, proto, msg.size()));
  msg[at] = static_cast<std::uint8_t>(c >> 8);
  msg[at + 1] = static_cast<std::uint8_t>(c);
  return msg;
}

Bytes ip6(const Ipv6Addr& s, const Ipv6Addr& d, std::uint8_t next, const Bytes& payload, std::uint8_t hop = 64,
          int plen = -1) {
  Bytes b{0x60, 0, 0, 0};
  const auto len = static_cast<std::uint16_t>(plen < 0 ? payload.size() : static_cast<std::size_t>(plen));
  b.push_back(static_cast<std::uint8_t>(len >> 8));
  b.push_back(static_cast<std::uint8_t>(len));
  b.push_back(next);
  b.push_back(hop);
  b.insert(b.end(), s.bytes.begin(), s.bytes.end());
  b.insert(b.end(), d.bytes.begin(), d.bytes.end());
  b.insert(b.end(), payload.begin(), payload.end());
  return b;
}

Bytes echo6(const Ipv6Addr& s, const Ipv6Addr& d) {
  Bytes m{128, 0, 0, 0, 0x12, 0x34, 0x00, 0x01, 'p', 'i', 'n', 'g', '6', '!'};
  return with_sum(m, 2, s, d, 58);
}

Bytes ns(const Ipv6Addr& s, const Ipv6Addr& d, const Ipv6Addr& target, bool slla = true) {
  Bytes m{135, 0, 0, 0, 0, 0, 0, 0};
  m.insert(m.end(), target.bytes.begin(), target.bytes.end());
  if (slla) m.insert(m.end(), {1, 1, 0x02, 0, 0, 0, 0, 0x02});
  return with_sum(m, 2, s, d, 58);
}

Bytes na(const Ipv6Addr& s, const Ipv6Addr& d, const Ipv6Addr& target, std::uint8_t flags) {
  Bytes m{136, 0, 0, 0, flags, 0, 0, 0};
  m.insert(m.end(), target.bytes.begin(), target.bytes.end());
  m.insert(m.end(), {2, 1, 0x02, 0, 0, 0, 0, 0x42});
  return with_sum(m, 2, s, d, 58);
}

Bytes udp6(const Ipv6Addr& s, const Ipv6Addr& d, std::uint16_t dport, bool zero_sum = false) {
  const Bytes payload = bytes_of("OPTIONS sip:edge SIP/2.0\r\n\r\n");
  Bytes m{0x13, 0xc4, static_cast<std::uint8_t>(dport >> 8), static_cast<std::uint8_t>(dport), 0, 0, 0, 0};
  m[4] = static_cast<std::uint8_t>((8 + payload.size()) >> 8);
  m[5] = static_cast<std::uint8_t>(8 + payload.size());
  m.insert(m.end(), payload.begin(), payload.end());
  if (zero_sum) return m;
  return with_sum(m, 6, s, d, 17);
}

Bytes frame6(const Bytes& ip, const MacAddr& dst = kUsMac) { return eth(dst, kPeerMac, 0x86dd, ip); }

ClassifyResult classify(const Bytes& f) { return classify_frame(f, kLocal6); }

// --- 802.1Q -----------------------------------------------------------------

Bytes tagged(std::uint16_t tpid, std::uint16_t tci, std::uint16_t inner) {
  Bytes f = eth(kUsMac, kPeerMac, tpid, {static_cast<std::uint8_t>(tci >> 8), static_cast<std::uint8_t>(tci),
                                         static_cast<std::uint8_t>(inner >> 8), static_cast<std::uint8_t>(inner)});
  f.resize(60, 0);
  return f;
}

TEST(Vlan, CheckTable) {
  struct Case {
    const char* name;
    Bytes frame;
    std::uint16_t port_vlan;
    DropReason want;
  };
  Bytes untagged = eth(kUsMac, kPeerMac, 0x0800, Bytes(46, 0));
  const Case cases[] = {
      {"untagged on untagged port", untagged, 0, DropReason::none},
      {"tagged on untagged port", tagged(0x8100, 10, 0x0800), 0, DropReason::vlan_unsupported},
      {"qinq on untagged port", tagged(0x88a8, 10, 0x8100), 0, DropReason::vlan_unsupported},
      {"right vlan", tagged(0x8100, 10, 0x0800), 10, DropReason::none},
      {"right vlan, priority bits", tagged(0x8100, 0xa00a, 0x86dd), 10, DropReason::none},
      {"untagged on vlan port", untagged, 10, DropReason::vlan_untagged},
      {"other vlan", tagged(0x8100, 11, 0x0800), 10, DropReason::vlan_wrong_id},
      {"priority-tagged (vid 0)", tagged(0x8100, 0x2000, 0x0800), 10, DropReason::vlan_wrong_id},
      {"802.1ad outer", tagged(0x88a8, 10, 0x0800), 10, DropReason::vlan_qinq},
      {"0x9100 outer", tagged(0x9100, 10, 0x0800), 10, DropReason::vlan_qinq},
      {"double 0x8100", tagged(0x8100, 10, 0x8100), 10, DropReason::vlan_qinq},
      {"inner 802.1ad", tagged(0x8100, 10, 0x88a8), 10, DropReason::vlan_qinq},
      {"truncated tag", Bytes(untagged.begin(), untagged.begin() + 14), 10, DropReason::vlan_untagged},
      {"too short", Bytes(10, 0), 10, DropReason::eth_truncated},
  };
  for (const auto& c : cases) {
    EXPECT_EQ(check_vlan(c.frame, c.port_vlan), c.want) << c.name;
    reasons_seen().insert(c.want);
  }
  Bytes short_tag = tagged(0x8100, 10, 0x0800);
  short_tag.resize(16);
  EXPECT_EQ(check_vlan(short_tag, 10), DropReason::eth_truncated);
}

TEST(Vlan, StripThenInsertRoundTrips) {
  Bytes f = tagged(0x8100, 42, 0x0800);
  const Bytes original = f;
  strip_vlan_tag(f.data());
  const Bytes untagged(f.begin() + 4, f.end());
  EXPECT_EQ(MacAddr::from(untagged.data()), kUsMac);
  EXPECT_EQ(MacAddr::from(untagged.data() + 6), kPeerMac);
  EXPECT_EQ(untagged[12], 0x08);
  EXPECT_EQ(untagged[13], 0x00);
  insert_vlan_tag(f.data(), 42);
  EXPECT_EQ(f, original);
}

// --- extension headers ---------------------------------------------------

Bytes ext(std::uint8_t next, std::size_t units = 0, std::uint8_t byte3 = 0) {
  Bytes h((units + 1) * 8, 0);
  h[0] = next;
  h[1] = static_cast<std::uint8_t>(units);
  h[3] = byte3;
  return h;
}
Bytes frag(std::uint8_t next, std::uint16_t offset_bytes, bool more, std::uint32_t id = 0x01020304) {
  const auto word = static_cast<std::uint16_t>(offset_bytes | (more ? 1 : 0));
  return {next, 0, static_cast<std::uint8_t>(word >> 8), static_cast<std::uint8_t>(word),
          static_cast<std::uint8_t>(id >> 24), static_cast<std::uint8_t>(id >> 16), static_cast<std::uint8_t>(id >> 8),
          static_cast<std::uint8_t>(id)};
}
Bytes cat(std::initializer_list<Bytes> parts) {
  Bytes out;
  for (const auto& p : parts) out.insert(out.end(), p.begin(), p.end());
  return out;
}

TEST(Ipv6Walk, Table) {
  const Bytes udp8(16, 0);
  struct Case {
    const char* name;
    std::uint8_t first;
    Bytes payload;
    DropReason want;
    std::uint8_t protocol;
    std::uint16_t l4;
  };
  const Case cases[] = {
      {"no ext", 17, udp8, DropReason::none, 17, 40},
      {"hop-by-hop", 0, cat({ext(17), udp8}), DropReason::none, 17, 48},
      {"hbh, dest opts (16), routing sl=0", 0, cat({ext(60), ext(43, 1), ext(17, 0, 0), udp8}), DropReason::none, 17,
       72},
      {"hbh not first", 60, cat({ext(0), ext(17), udp8}), DropReason::ipv6_bad_ext_header, 0, 0},
      {"routing with segments left", 43, cat({ext(17, 0, 1), udp8}), DropReason::ipv6_routing_header, 0, 0},
      {"ext overruns", 60, Bytes{17, 3, 0, 0, 0, 0, 0, 0}, DropReason::ipv6_truncated, 0, 0},
      {"ext header cut short", 60, Bytes{17, 0, 0}, DropReason::ipv6_truncated, 0, 0},
      {"five ext headers", 60, cat({ext(60), ext(60), ext(60), ext(60), ext(17), udp8}), DropReason::ipv6_too_many_ext,
       0, 0},
      {"over the byte cap", 60, cat({ext(17, 40), udp8}), DropReason::ipv6_too_many_ext, 0, 0},
      {"atomic fragment walks on", 44, cat({frag(17, 0, false), udp8}), DropReason::none, 17, 48},
      {"first fragment", 44, cat({frag(17, 0, true), udp8}), DropReason::ipv6_fragment, 17, 48},
      {"last fragment", 44, cat({frag(17, 1448, false), Bytes(5, 0)}), DropReason::ipv6_fragment, 17, 48},
      {"unaligned middle fragment", 44, cat({frag(17, 8, true), Bytes(5, 0)}), DropReason::ipv6_bad_fragment, 17, 48},
      {"empty fragment", 44, frag(17, 8, false), DropReason::ipv6_bad_fragment, 17, 48},
      {"fragment past 65535", 44, cat({frag(17, 65528, false), Bytes(16, 0)}), DropReason::ipv6_bad_fragment, 17, 48},
      {"tcp", 6, udp8, DropReason::none, 6, 40},
  };
  for (const auto& c : cases) {
    const Bytes pkt = ip6(kPeer6, kUs6, c.first, c.payload);
    const Ipv6Walk w = walk_ipv6_extensions(pkt);
    EXPECT_EQ(w.reason, c.want) << c.name;
    reasons_seen().insert(c.want);
    if (c.want == DropReason::none || c.want == DropReason::ipv6_fragment) {
      EXPECT_EQ(w.protocol, c.protocol) << c.name;
      EXPECT_EQ(w.l4_offset, c.l4) << c.name;
    }
  }
  const Bytes pkt = ip6(kPeer6, kUs6, 44, cat({frag(17, 1448, true, 0xdeadbeef), Bytes(8, 0)}));
  const Ipv6Walk w = walk_ipv6_extensions(pkt);
  EXPECT_EQ(w.fragment_id, 0xdeadbeefu);
  EXPECT_EQ(w.fragment_offset, 1448);
  EXPECT_TRUE(w.more_fragments);
  EXPECT_EQ(w.fragment_header_offset, 40);
}

// --- checksums -------------------------------------------------------------

TEST(Ipv6Checksum, MatchesReferenceAndVerifies) {
  const Bytes u = udp6(kPeer6, kUs6, 5060);
  EXPECT_TRUE(ipv6_l4_checksum_ok(kPeer6, kUs6, 17, u));
  EXPECT_EQ(ipv6_l4_checksum(kPeer6, kUs6, 17, u, 6), (std::uint16_t{u[6]} << 8) | u[7]);
  Bytes bad = u;
  bad.back() ^= 1;
  EXPECT_FALSE(ipv6_l4_checksum_ok(kPeer6, kUs6, 17, bad));
  // The pseudo-header counts: the same bytes between other addresses fail.
  EXPECT_FALSE(ipv6_l4_checksum_ok(kPeer6, kOther6, 17, u));
  EXPECT_FALSE(ipv6_l4_checksum_ok(kPeer6, kUs6, 58, u));
  // Odd length.
  Bytes odd = with_sum(Bytes{128, 0, 0, 0, 1, 2, 3, 4, 5}, 2, kPeer6, kUs6, 58);
  EXPECT_TRUE(ipv6_l4_checksum_ok(kPeer6, kUs6, 58, odd));
}

TEST(Ipv6Addr, Multicast) {
  const Ipv6Addr g = solicited_node(kUs6);
  EXPECT_EQ(g, v6({0x00, 0x01, 0xff, 0x00, 0x00, 0x02}, 0xff, 0x02));
  EXPECT_EQ(multicast_mac(g), (MacAddr{{0x33, 0x33, 0xff, 0x00, 0x00, 0x02}}));
  EXPECT_TRUE(kLocal6.is_our_solicited_node(g));
  EXPECT_FALSE(kLocal6.is_our_solicited_node(solicited_node(kOther6)));
}

// --- classify ------------------------------------------------------------

TEST(Classify6, Table) {
  const Ipv6Addr group = solicited_node(kUs6);
  const MacAddr group_mac = multicast_mac(group);
  const Ipv6Addr unspecified{};
  struct Case {
    const char* name;
    Bytes frame;
    FrameKind kind;
    DropReason reason;
  };
  Bytes bad_echo = echo6(kPeer6, kUs6);
  bad_echo[5] ^= 0xff;
  Bytes trailing = frame6(ip6(kPeer6, kUs6, 58, echo6(kPeer6, kUs6)));
  trailing.resize(trailing.size() + 6, 0);  // Ethernet padding
  const Case cases[] = {
      {"echo", frame6(ip6(kPeer6, kUs6, 58, echo6(kPeer6, kUs6))), FrameKind::Icmpv6Echo, DropReason::none},
      {"echo with padding", trailing, FrameKind::Icmpv6Echo, DropReason::none},
      {"echo behind hbh", frame6(ip6(kPeer6, kUs6, 0, cat({ext(58), echo6(kPeer6, kUs6)}))), FrameKind::Icmpv6Echo,
       DropReason::none},
      {"echo bad checksum", frame6(ip6(kPeer6, kUs6, 58, bad_echo)), FrameKind::Drop, DropReason::icmpv6_bad_checksum},
      {"echo cut to 6 bytes", frame6(ip6(kPeer6, kUs6, 58, with_sum(Bytes{128, 0, 0, 0, 1, 2}, 2, kPeer6, kUs6, 58))),
       FrameKind::Drop, DropReason::icmpv6_truncated},
      {"icmpv6 of 3 bytes", frame6(ip6(kPeer6, kUs6, 58, Bytes{128, 0, 0})), FrameKind::Drop,
       DropReason::icmpv6_truncated},
      {"echo to another address", frame6(ip6(kPeer6, kOther6, 58, echo6(kPeer6, kOther6))), FrameKind::Drop,
       DropReason::ipv6_not_for_us},
      {"echo from multicast", frame6(ip6(group, kUs6, 58, echo6(group, kUs6))), FrameKind::Drop,
       DropReason::ipv6_bad_source},
      {"echo from ::1", frame6(ip6(v6({1}, 0, 0), kUs6, 58, echo6(v6({1}, 0, 0), kUs6))), FrameKind::Drop,
       DropReason::ipv6_bad_source},
      {"hop limit 0", frame6(ip6(kPeer6, kUs6, 58, echo6(kPeer6, kUs6), 0)), FrameKind::Drop,
       DropReason::ipv6_hop_limit_expired},
      {"version 4 in a v6 frame", frame6([] {
         Bytes b = ip6(kPeer6, kUs6, 58, echo6(kPeer6, kUs6));
         b[0] = 0x40;
         return b;
       }()),
       FrameKind::Drop, DropReason::ipv6_bad_version},
      {"payload length beyond frame", frame6(ip6(kPeer6, kUs6, 58, echo6(kPeer6, kUs6), 64, 200)), FrameKind::Drop,
       DropReason::ipv6_bad_length},
      {"jumbo (payload length 0)", frame6(ip6(kPeer6, kUs6, 0, ext(58), 64, 0)), FrameKind::Drop,
       DropReason::ipv6_bad_length},
      {"truncated header", eth(kUsMac, kPeerMac, 0x86dd, Bytes(30, 0x60)), FrameKind::Drop,
       DropReason::ipv6_truncated},
      {"ns to solicited-node", frame6(ip6(kPeer6, group, 58, ns(kPeer6, group, kUs6), 255), group_mac),
       FrameKind::NeighbourSolicit, DropReason::none},
      {"ns unicast", frame6(ip6(kPeer6, kUs6, 58, ns(kPeer6, kUs6, kUs6), 255)), FrameKind::NeighbourSolicit,
       DropReason::none},
      {"ns hop limit 254", frame6(ip6(kPeer6, group, 58, ns(kPeer6, group, kUs6), 254), group_mac), FrameKind::Drop,
       DropReason::nd_bad_hop_limit},
      {"ns for another target", frame6(ip6(kPeer6, kUs6, 58, ns(kPeer6, kUs6, kOther6), 255)), FrameKind::Drop,
       DropReason::nd_not_for_us},
      {"ns to another solicited-node group",
       frame6(ip6(kPeer6, solicited_node(kOther6), 58, ns(kPeer6, solicited_node(kOther6), kOther6), 255),
              multicast_mac(solicited_node(kOther6))),
       FrameKind::Drop, DropReason::ipv6_not_for_us},
      {"ns group address, wrong MAC", frame6(ip6(kPeer6, group, 58, ns(kPeer6, group, kUs6), 255), kAllNodesMac),
       FrameKind::Drop, DropReason::eth_not_for_us},
      {"dad ns", frame6(ip6(unspecified, group, 58, ns(unspecified, group, kUs6, false), 255), group_mac),
       FrameKind::NeighbourSolicit, DropReason::none},
      {"dad ns with source option", frame6(ip6(unspecified, group, 58, ns(unspecified, group, kUs6), 255), group_mac),
       FrameKind::Drop, DropReason::nd_malformed},
      {"echo to the group", frame6(ip6(kPeer6, group, 58, echo6(kPeer6, group)), group_mac), FrameKind::Drop,
       DropReason::ipv6_not_for_us},
      {"na solicited", frame6(ip6(kPeer6, kUs6, 58, na(kPeer6, kUs6, kPeer6, 0x60), 255)), FrameKind::NeighbourAdvert,
       DropReason::none},
      {"na hop limit 64", frame6(ip6(kPeer6, kUs6, 58, na(kPeer6, kUs6, kPeer6, 0x60), 64)), FrameKind::Drop,
       DropReason::nd_bad_hop_limit},
      {"na multicast target", frame6(ip6(kPeer6, kUs6, 58, na(kPeer6, kUs6, group, 0x60), 255)), FrameKind::Drop,
       DropReason::nd_malformed},
      {"udp to sip port", frame6(ip6(kPeer6, kUs6, 17, udp6(kPeer6, kUs6, 5060))), FrameKind::Drop,
       DropReason::ipv6_sip_unsupported},
      {"udp zero checksum", frame6(ip6(kPeer6, kUs6, 17, udp6(kPeer6, kUs6, 5060, true))), FrameKind::Drop,
       DropReason::udp6_zero_checksum},
      {"udp bad checksum", frame6(ip6(kPeer6, kUs6, 17, [] {
         Bytes u = udp6(kPeer6, kUs6, 5060);
         u[7] ^= 1;
         return u;
       }())),
       FrameKind::Drop, DropReason::udp_bad_checksum},
      {"udp closed port", frame6(ip6(kPeer6, kUs6, 17, udp6(kPeer6, kUs6, 9))), FrameKind::Drop,
       DropReason::udp_port_closed},
      {"tcp", frame6(ip6(kPeer6, kUs6, 6, Bytes(20, 0))), FrameKind::Drop, DropReason::unsupported_protocol},
      {"fragment", frame6(ip6(kPeer6, kUs6, 44, cat({frag(17, 0, true), Bytes(16, 0)}))), FrameKind::Ipv6Fragment,
       DropReason::ipv6_fragment},
      {"fragment behind dest opts", frame6(ip6(kPeer6, kUs6, 60, cat({ext(44), frag(17, 0, true), Bytes(16, 0)}))),
       FrameKind::Drop, DropReason::ipv6_bad_fragment},
      {"routing header", frame6(ip6(kPeer6, kUs6, 43, cat({ext(58, 0, 2), echo6(kPeer6, kUs6)}))), FrameKind::Drop,
       DropReason::ipv6_routing_header},
      {"broadcast MAC", frame6(ip6(kPeer6, kUs6, 58, echo6(kPeer6, kUs6)), MacAddr{{0xff, 0xff, 0xff, 0xff, 0xff, 0xff}}),
       FrameKind::Drop, DropReason::eth_not_for_us},
  };
  for (const auto& c : cases) {
    const auto r = classify(c.frame);
    EXPECT_EQ(r.kind, c.kind) << c.name << ": " << drop_reason_name(r.reason);
    EXPECT_EQ(r.reason, c.reason) << c.name << ": " << drop_reason_name(r.reason);
    reasons_seen().insert(c.reason);
  }
}

TEST(Classify6, FieldsAndForHost) {
  const auto echo = classify(frame6(ip6(kPeer6, kUs6, 58, echo6(kPeer6, kUs6))));
  EXPECT_TRUE(echo.is_ipv6);
  EXPECT_EQ(echo.src_ip6, kPeer6);
  EXPECT_EQ(echo.dst_ip6, kUs6);
  EXPECT_EQ(echo.local_index, 0);
  EXPECT_EQ(echo.l4_offset, 54);
  EXPECT_EQ(echo.payload_length, 14);
  EXPECT_EQ(echo.frame_length, 54u + 14u);

  const auto tcp = classify(frame6(ip6(kPeer6, kUs6, 6, Bytes(20, 0))));
  EXPECT_TRUE(for_host(tcp, -1, 0));
  EXPECT_FALSE(for_host(tcp, -1, -1));
  EXPECT_FALSE(for_host(tcp, 0, -1));  // the v4 host index does not apply
  const auto sip = classify(frame6(ip6(kPeer6, kUs6, 17, udp6(kPeer6, kUs6, 5060))));
  EXPECT_FALSE(for_host(sip, -1, 0));
  const auto advert = classify(frame6(ip6(kPeer6, kUs6, 58, na(kPeer6, kUs6, kPeer6, 0x60), 255)));
  EXPECT_TRUE(for_host(advert, -1, 0));
  EXPECT_TRUE(advert.nd_has_lladdr);
  EXPECT_EQ(advert.nd_lladdr, (MacAddr{{0x02, 0, 0, 0, 0, 0x42}}));
  EXPECT_TRUE(advert.nd_solicited);
  EXPECT_TRUE(advert.nd_override);
  const auto solicit = classify(frame6(ip6(kPeer6, kUs6, 58, ns(kPeer6, kUs6, kUs6), 255)));
  EXPECT_FALSE(for_host(solicit, -1, 0));  // answered here
}

// --- replies -----------------------------------------------------------------

TEST(Icmpv6Echo, ReplyInPlace) {
  Bytes f = frame6(ip6(kPeer6, kUs6, 0, cat({ext(58), echo6(kPeer6, kUs6)})));
  const auto rx = classify(f);
  ASSERT_EQ(rx.kind, FrameKind::Icmpv6Echo);
  const auto slice = icmpv6_echo_reply_in_place(f, rx);
  ASSERT_TRUE(slice.ok());
  EXPECT_EQ(slice.offset, 8u);  // the hop-by-hop header is not echoed
  const Bytes reply(f.begin() + slice.offset, f.begin() + slice.offset + slice.length);
  ASSERT_EQ(reply.size(), 54u + 14u);
  EXPECT_EQ(MacAddr::from(reply.data()), kPeerMac);
  EXPECT_EQ(MacAddr::from(reply.data() + 6), kUsMac);
  EXPECT_EQ(Ipv6Addr::from(reply.data() + 22), kUs6);
  EXPECT_EQ(Ipv6Addr::from(reply.data() + 38), kPeer6);
  EXPECT_EQ(reply[20], 58);
  EXPECT_EQ(reply[21], 64);
  EXPECT_EQ(reply[54], 129);
  const Bytes msg(reply.begin() + 54, reply.end());
  EXPECT_EQ(slow_checksum(msg, pseudo(kUs6, kPeer6, 58, msg.size())), 0);
  // Identifier, sequence and data unchanged.
  const Bytes want = echo6(kPeer6, kUs6);
  EXPECT_TRUE(std::equal(msg.begin() + 4, msg.end(), want.begin() + 4));
}

TEST(Nd, AdvertAnswersSolicitation) {
  const Ipv6Addr group = solicited_node(kUs6);
  Bytes f = frame6(ip6(kPeer6, group, 58, ns(kPeer6, group, kUs6), 255), multicast_mac(group));
  const auto rx = classify(f);
  ASSERT_EQ(rx.kind, FrameKind::NeighbourSolicit);
  Bytes small(kNdFrameLength - 1);
  EXPECT_EQ(nd_advert_in_place(small, rx, kUsMac), 0u);
  ASSERT_EQ(nd_advert_in_place(f, rx, kUsMac), kNdFrameLength);
  EXPECT_EQ(MacAddr::from(f.data()), (MacAddr{{0x02, 0, 0, 0, 0, 0x02}}));  // the source link-layer option
  EXPECT_EQ(MacAddr::from(f.data() + 6), kUsMac);
  EXPECT_EQ(f[12], 0x86);
  EXPECT_EQ(f[21], 255);
  EXPECT_EQ(Ipv6Addr::from(f.data() + 22), kUs6);
  EXPECT_EQ(Ipv6Addr::from(f.data() + 38), kPeer6);
  const Bytes msg(f.begin() + 54, f.begin() + kNdFrameLength);
  EXPECT_EQ(msg[0], 136);
  EXPECT_EQ(msg[4], 0x60);  // solicited, override
  EXPECT_EQ(Ipv6Addr::from(msg.data() + 8), kUs6);
  EXPECT_EQ(msg[24], 2);
  EXPECT_EQ(msg[25], 1);
  EXPECT_EQ(MacAddr::from(msg.data() + 26), kUsMac);
  EXPECT_EQ(slow_checksum(msg, pseudo(kUs6, kPeer6, 58, msg.size())), 0);
  // What we send classifies as an NA on the other side.
  LocalAddrs peer;
  peer.mac = kPeerMac;
  peer.add_ipv6(kPeer6);
  Bytes sent(f.begin(), f.begin() + kNdFrameLength);
  sent[0] = 0x02;  // to the peer's MAC (02:..:02 already)
  const auto back = classify_frame(sent, peer);
  EXPECT_EQ(back.kind, FrameKind::NeighbourAdvert) << drop_reason_name(back.reason);
  EXPECT_EQ(back.nd_lladdr, kUsMac);
}

TEST(Nd, DadIsAnsweredToAllNodes) {
  const Ipv6Addr group = solicited_node(kUs6);
  Bytes f = frame6(ip6(Ipv6Addr{}, group, 58, ns(Ipv6Addr{}, group, kUs6, false), 255), multicast_mac(group));
  f.resize(kNdFrameLength, 0);
  const auto rx = classify(f);
  ASSERT_EQ(rx.kind, FrameKind::NeighbourSolicit);
  ASSERT_EQ(nd_advert_in_place(f, rx, kUsMac), kNdFrameLength);
  EXPECT_EQ(MacAddr::from(f.data()), kAllNodesMac);
  EXPECT_EQ(Ipv6Addr::from(f.data() + 38), all_nodes());
  EXPECT_EQ(f[54 + 4], 0x20);  // override only: not solicited
}

TEST(Nd, SolicitationForResolution) {
  Bytes out(kNdFrameLength);
  ASSERT_EQ(build_neighbour_solicit(out, kUsMac, kUs6, kPeer6), kNdFrameLength);
  EXPECT_EQ(MacAddr::from(out.data()), multicast_mac(solicited_node(kPeer6)));
  // The peer, with kPeer6, takes it as an NS for itself.
  LocalAddrs peer;
  peer.mac = kPeerMac;
  peer.add_ipv6(kPeer6);
  const auto r = classify_frame(out, peer);
  ASSERT_EQ(r.kind, FrameKind::NeighbourSolicit) << drop_reason_name(r.reason);
  EXPECT_EQ(r.nd_target, kPeer6);
  EXPECT_TRUE(r.nd_has_lladdr);
  EXPECT_EQ(r.nd_lladdr, kUsMac);
  EXPECT_EQ(r.src_ip6, kUs6);
  EXPECT_EQ(build_neighbour_solicit(std::span<std::uint8_t>(out.data(), 10), kUsMac, kUs6, kPeer6), 0u);
}

// Declared last: gtest runs a file's tests in order.
TEST(ZzIpv6Reasons, EveryVlanAndIpv6ReasonHasAFrame) {
  if (reasons_seen().empty()) GTEST_SKIP() << "needs the table tests above in the same run";
  for (std::size_t i = static_cast<std::size_t>(DropReason::vlan_untagged); i < kDropReasonCount; ++i) {
    EXPECT_TRUE(reasons_seen().count(static_cast<DropReason>(i))) << "no test frame for " << kDropReasonNames[i];
  }
}

}  // namespace
}  // namespace sipedge::net
