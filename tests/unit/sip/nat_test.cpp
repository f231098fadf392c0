// Far-end NAT tests: each bit positive and negative, masks, names.
#include <gtest/gtest.h>

#include <string>

#include "fixtures.h"
#include "sip/ipv4.h"
#include "sip/nat.h"

namespace sipedge::sip {
namespace {

constexpr std::uint32_t kSrc = 0xC6336407;  // 198.51.100.7
constexpr std::uint16_t kPort = 5060;

struct NatCase {
  const char* name;
  std::string_view via;
  std::string_view contacts;  // full header lines, may be empty
  std::string_view content_type;
  std::string_view body;
  std::uint16_t src_port;
  NatMask want;
};

constexpr NatMask bit(NatTest t) { return nat_bit(t); }
constexpr NatMask kCPriv = bit(NatTest::contact_private);
constexpr NatMask kVRecv = bit(NatTest::via_received);
constexpr NatMask kVPriv = bit(NatTest::via_private);
constexpr NatMask kSdp = bit(NatTest::sdp_private);
constexpr NatMask kVPort = bit(NatTest::via_port);
constexpr NatMask kCIp = bit(NatTest::contact_ip);
constexpr NatMask kCPort = bit(NatTest::contact_port);

std::string build(const NatCase& c) {
  std::string head = "INVITE sip:b@example.com SIP/2.0\nVia: " + std::string(c.via) +
                     "\nFrom: <sip:a@example.com>;tag=1\nTo: <sip:b@example.com>\nCall-ID: n1\nCSeq: 1 INVITE\n" +
                     std::string(c.contacts);
  if (!c.content_type.empty()) head += "Content-Type: " + std::string(c.content_type) + "\n";
  return test::with_body(head, c.body);
}

TEST(Nat, Table) {
  constexpr std::string_view kGoodVia = "SIP/2.0/UDP 198.51.100.7:5060;branch=z9hG4bK1";
  constexpr std::string_view kGoodContact = "Contact: <sip:a@198.51.100.7:5060>\n";
  const NatCase cases[] = {
      {"clean", kGoodVia, kGoodContact, "application/sdp", test::kSdpPublic, kPort, 0},
      {"no_contact_no_sdp", kGoodVia, "", "", "", kPort, 0},
      {"via_other_public_ip", "SIP/2.0/UDP 198.51.100.8:5060;branch=z9hG4bK1", kGoodContact, "", "", kPort, kVRecv},
      {"via_private", "SIP/2.0/UDP 192.168.0.2:5060;branch=z9hG4bK1", kGoodContact, "", "", kPort, kVRecv | kVPriv},
      {"via_cgnat", "SIP/2.0/UDP 100.64.1.1:5060;branch=z9hG4bK1", kGoodContact, "", "", kPort, kVRecv | kVPriv},
      {"via_loopback", "SIP/2.0/UDP 127.0.0.1:5060;branch=z9hG4bK1", kGoodContact, "", "", kPort, kVRecv | kVPriv},
      {"via_hostname", "SIP/2.0/UDP pc.example.com:5060;branch=z9hG4bK1", kGoodContact, "", "", kPort, kVRecv},
      {"via_ipv6", "SIP/2.0/UDP [2001:db8::1]:5060;branch=z9hG4bK1", kGoodContact, "", "", kPort, kVRecv},
      {"via_received_param_ignored", "SIP/2.0/UDP 10.0.0.1:5060;received=198.51.100.7;rport=5060", kGoodContact, "", "",
       kPort, kVRecv | kVPriv},
      {"via_port_differs", "SIP/2.0/UDP 198.51.100.7:5062;branch=z9hG4bK1", kGoodContact, "", "", kPort, kVPort},
      {"via_port_default_matches", "SIP/2.0/UDP 198.51.100.7;branch=z9hG4bK1", kGoodContact, "", "", kPort, 0},
      {"via_port_default_differs", "SIP/2.0/UDP 198.51.100.7;branch=z9hG4bK1", "", "", "", 40000, kVPort},
      {"via_tls_default_5061", "SIP/2.0/TLS 198.51.100.7;branch=z9hG4bK1", "", "", "", 5061, 0},
      {"via_malformed", "garbage", kGoodContact, "", "", kPort, kVRecv | kVPort},
      {"contact_private", kGoodVia, "Contact: <sip:a@192.168.1.2:5060>\n", "", "", kPort, kCPriv | kCIp},
      {"contact_172_16", kGoodVia, "Contact: <sip:a@172.16.5.5:5060>\n", "", "", kPort, kCPriv | kCIp},
      {"contact_cgnat", kGoodVia, "Contact: sip:a@100.100.0.1:5060\n", "", "", kPort, kCPriv | kCIp},
      {"contact_other_public_ip", kGoodVia, "Contact: <sip:a@203.0.113.1:5060>\n", "", "", kPort, kCIp},
      {"contact_hostname", kGoodVia, "Contact: <sip:a@pc.example.com:5060>\n", "", "", kPort, kCIp},
      {"contact_ipv6", kGoodVia, "Contact: <sip:a@[2001:db8::1]:5060>\n", "", "", kPort, kCIp},
      {"contact_port_differs", kGoodVia, "Contact: <sip:a@198.51.100.7:5070>\n", "", "", kPort, kCPort},
      {"contact_port_default", kGoodVia, "Contact: <sip:a@198.51.100.7>\n", "", "", kPort, 0},
      {"contact_sips_default_5061", kGoodVia, "Contact: <sips:a@198.51.100.7>\n", "", "", kPort, kCPort},
      {"contact_star", kGoodVia, "Contact: *\n", "", "", kPort, 0},
      {"contact_tel_ignored", kGoodVia, "Contact: <tel:+15551234>\n", "", "", kPort, 0},
      {"contact_malformed_ignored", kGoodVia, "Contact: <sip:a@bad_host>\n", "", "", kPort, 0},
      {"second_contact_private", kGoodVia, "Contact: <sip:a@198.51.100.7:5060>, <sip:a@10.9.9.9:5060>\n", "", "", kPort,
       kCPriv | kCIp},
      {"contact_on_second_line", kGoodVia, "Contact: <sip:a@198.51.100.7:5060>\nm: <sip:a@198.51.100.7:5999>\n", "",
       "", kPort, kCPort},
      {"sdp_private", kGoodVia, kGoodContact, "application/sdp", test::kSdpPrivate, kPort, kSdp},
      {"sdp_private_not_sdp_type", kGoodVia, kGoodContact, "text/plain", test::kSdpPrivate, kPort, 0},
      {"sdp_media_level_private", kGoodVia, kGoodContact, "application/sdp",
       "v=0\r\nc=IN IP4 198.51.100.7\r\nm=audio 1 RTP/AVP 0\r\nc=IN IP4 172.20.0.1\r\n", kPort, kSdp},
      {"everything", "SIP/2.0/UDP 10.0.0.1:5062;rport", "Contact: <sip:a@10.0.0.1:5062>\n", "application/sdp",
       test::kSdpPrivate, kPort, kCPriv | kVRecv | kVPriv | kSdp | kVPort | kCIp | kCPort},
  };
  for (const NatCase& c : cases) {
    const std::string text = build(c);
    Message m;
    ASSERT_EQ(m.parse(text), ParseError::ok) << c.name;
    EXPECT_EQ(nat_test(m, kSrc, c.src_port, kAllNatTests), c.want) << c.name;
    // Each bit alone gives the same answer for that bit.
    for (std::size_t i = 0; i < kNatTestCount; ++i) {
      const NatMask one = NatMask{1} << i;
      EXPECT_EQ(nat_test(m, kSrc, c.src_port, one), c.want & one) << c.name << " bit " << kNatTestNames[i];
    }
    EXPECT_EQ(nat_test(m, kSrc, c.src_port, 0), 0u) << c.name;
    // With the top Via parsed by the caller: the same bits.
    if (const auto via = m.top_via(); via) {
      EXPECT_EQ(nat_test(m, *via, kSrc, c.src_port, kAllNatTests), c.want) << c.name;
      for (std::size_t i = 0; i < kNatTestCount; ++i) {
        const NatMask one = NatMask{1} << i;
        EXPECT_EQ(nat_test(m, *via, kSrc, c.src_port, one), c.want & one) << c.name << " bit " << kNatTestNames[i];
      }
    }
  }
}

TEST(Nat, ResponseUsesItsTopVia) {
  const std::string text = test::ok_200();
  const Message m = test::parse_ok(text);
  EXPECT_EQ(nat_test(m, 0xCB007101, 5060, kAllNatTests), kCIp);  // 203.0.113.1; Contact 198.51.100.20
}

TEST(Nat, Names) {
  const std::pair<std::string_view, NatTest> names[] = {
      {"contact-private", NatTest::contact_private}, {"via-received", NatTest::via_received},
      {"via-private", NatTest::via_private},         {"sdp-private", NatTest::sdp_private},
      {"via-port", NatTest::via_port},               {"contact-ip", NatTest::contact_ip},
      {"contact-port", NatTest::contact_port},
  };
  NatMask all = 0;
  for (const auto& [name, t] : names) {
    EXPECT_EQ(nat_test_name(t), name);
    EXPECT_EQ(nat_test_from_name(name), t);
    EXPECT_EQ(nat_bit_from_name(name), nat_bit(t));
    all |= nat_bit(t);
  }
  EXPECT_EQ(all, kAllNatTests);
  EXPECT_EQ(kNatTestCount, 7u);
  EXPECT_FALSE(nat_test_from_name("Via-Received"));
  EXPECT_FALSE(nat_test_from_name(""));
  EXPECT_EQ(nat_bit_from_name("bogus"), 0u);
}

}  // namespace
}  // namespace sipedge::sip
