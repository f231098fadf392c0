// IPv6 in SIP: the address parser and writer (sip/ipv6.h), and the RFC 5118
// torture cases as this edge meets them, in message texts of our own (the
// RFC's shapes, not its bytes): IPv6 references in the R-URI, Via sent-by,
// Via received (bare and bracketed), Contact, Route and Record-Route, the
// Contact alias, and the far-end NAT tests for an IPv6 source.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "fixtures.h"
#include "sip/contact_alias.h"
#include "sip/ipv6.h"
#include "sip/message.h"
#include "sip/name_addr.h"
#include "sip/nat.h"
#include "sip/rewrite.h"
#include "sip/via.h"

namespace sipedge::sip {
namespace {

using test::with_body;

Ipv6Address v6(std::string_view text) {
  const auto a = parse_ipv6(text);
  EXPECT_TRUE(a) << text;
  return a.value_or(Ipv6Address{});
}

// ---- the address itself ----

TEST(Ipv6Parse, AcceptsEveryRfc4291Form) {
  struct Case {
    std::string_view text;
    std::array<std::uint8_t, 16> bytes;
  };
  const Case cases[] = {
      {"2001:db8::1", {0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1}},
      {"2001:DB8:0:0:0:0:0:1", {0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1}},
      {"::", {}},
      {"::1", {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1}},
      {"1::", {0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0}},
      {"1:2:3:4:5:6:7::", {0, 1, 0, 2, 0, 3, 0, 4, 0, 5, 0, 6, 0, 7, 0, 0}},
      {"::2:3:4:5:6:7:8", {0, 0, 0, 2, 0, 3, 0, 4, 0, 5, 0, 6, 0, 7, 0, 8}},
      {"::ffff:198.51.100.7", {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 198, 51, 100, 7}},
      {"2001:db8::203.0.113.9", {0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 203, 0, 113, 9}},
      {"1:2:3:4:5:6:198.51.100.1", {0, 1, 0, 2, 0, 3, 0, 4, 0, 5, 0, 6, 198, 51, 100, 1}},
      {"0001:0db8:0000:0000:0000:0000:0000:00ff", {0, 1, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff}},
  };
  for (const auto& c : cases) {
    const auto a = parse_ipv6(c.text);
    ASSERT_TRUE(a) << c.text;
    EXPECT_EQ(a->bytes, c.bytes) << c.text;
  }
}

TEST(Ipv6Parse, RefusesWhatIsNotExactly128Bits) {
  for (std::string_view bad : {
           "", ":", ":::", "1", "2001:db8", "2001:db8:1", "1:2:3:4:5:6:7", "1:2:3:4:5:6:7:8:9",
           "1:2:3:4:5:6:7:8::", "::1:2:3:4:5:6:7:8", "1::2::3", ":1::2", "1::2:", "2001:db8::12345",
           "2001:db8::g", "2001:db8:::1", "2001:db8::1%eth0", "[2001:db8::1]", " 2001:db8::1",
           "2001:db8::1 ", "198.51.100.7", "1:2:3:4:5:6:7:198.51.100.1", "::ffff:198.51.100",
           "::ffff:198.51.100.256", "2001:db8:::192.0.2.1", "::198.51.100.7:1",
       })
    EXPECT_FALSE(parse_ipv6(bad)) << bad;
}

TEST(Ipv6Parse, Reference) {
  EXPECT_EQ(parse_ipv6_reference("[2001:db8::1]"), v6("2001:db8::1"));
  EXPECT_FALSE(parse_ipv6_reference("2001:db8::1"));
  EXPECT_FALSE(parse_ipv6_reference("[2001:db8::1"));
  EXPECT_FALSE(parse_ipv6_reference("[]"));
}

TEST(Ipv6Text, Rfc5952Canonical) {
  const std::pair<std::string_view, std::string_view> cases[] = {
      {"2001:0DB8:0000:0000:0000:0000:0000:0001", "2001:db8::1"},
      {"::", "::"},
      {"::1", "::1"},
      {"1::", "1::"},
      {"2001:db8:0:1:1:1:1:1", "2001:db8:0:1:1:1:1:1"},     // one zero group stays (4.2.2)
      {"2001:db8:0:0:1:0:0:1", "2001:db8::1:0:0:1"},        // first of equal runs (4.2.3)
      {"2001:0:0:1:0:0:0:1", "2001:0:0:1::1"},              // the longest run (4.2.3)
      {"ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff"},
      {"::ffff:198.51.100.7", "::ffff:c633:6407"},
  };
  for (const auto& [in, want] : cases) {
    EXPECT_EQ(ipv6_text(v6(in)).view(), want) << in;
    EXPECT_EQ(parse_ipv6(ipv6_text(v6(in)).view()), v6(in)) << in;  // round trip
  }
  EXPECT_EQ(ipv6_reference(v6("2001:db8::a")).view(), "[2001:db8::a]");
}

// ---- RFC 5118 section 4, as this parser meets each case ----

// 4.1: a valid request with IPv6 references in the R-URI, Via, Contact.
constexpr std::string_view kValidV6Invite =
    "INVITE sip:[2001:db8::10] SIP/2.0\n"
    "To: <sip:[2001:db8::10]>\n"
    "From: <sip:[2001:db8::20]>;tag=v6f1\n"
    "Call-ID: v6-valid@2001.db8.example\n"
    "CSeq: 1 INVITE\n"
    "Max-Forwards: 70\n"
    "Via: SIP/2.0/UDP [2001:db8::20]:5062;branch=z9hG4bKv6valid;rport\n"
    "Contact: \"Caller\" <sip:caller@[2001:db8::20]:5062>\n";

TEST(Rfc5118, ValidReferenceEverywhere) {
  const std::string text = with_body(kValidV6Invite);
  Message m;
  ASSERT_EQ(m.parse(text), ParseError::ok);
  const auto ruri = m.parsed_request_uri();
  ASSERT_TRUE(ruri) << parse_error_name(ruri.error());
  EXPECT_EQ(ruri->host_type, HostType::ipv6);
  EXPECT_EQ(ruri->ipv6, v6("2001:db8::10"));
  EXPECT_EQ(ruri->host_with_brackets(), "[2001:db8::10]");
  const auto via = m.top_via();
  ASSERT_TRUE(via);
  EXPECT_EQ(via->host_type, HostType::ipv6);
  EXPECT_EQ(via->ipv6, v6("2001:db8::20"));
  EXPECT_EQ(via->port, 5062);
  EXPECT_EQ(via->sent_by, "[2001:db8::20]:5062");
  const auto contact = parse_name_addr(m.value(HeaderId::contact), true);
  ASSERT_TRUE(contact);
  EXPECT_EQ(contact->uri.host_type, HostType::ipv6);
  EXPECT_EQ(contact->uri.ipv6, v6("2001:db8::20"));
  EXPECT_EQ(contact->uri.port, 5062);
}

// 4.2: an IPv6 address without brackets in the R-URI is not a URI host:
// the first ':' ends the host, and "2001" is no hostname (its top label
// starts with a digit).
TEST(Rfc5118, UnbracketedRequestUriRefused) {
  const auto r = parse_uri("sip:user@2001:db8::10");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error(), ParseError::bad_host);
  const std::string text = with_body(
      "INVITE sip:user@2001:db8::10 SIP/2.0\n"
      "Via: SIP/2.0/UDP [2001:db8::20];branch=z9hG4bKunbr\n"
      "To: <sip:user@[2001:db8::10]>\n"
      "From: <sip:[2001:db8::20]>;tag=u\n"
      "Call-ID: v6-unbracketed@example\n"
      "CSeq: 1 INVITE\n"
      "Max-Forwards: 70\n");
  Message m;
  ASSERT_EQ(m.parse(text), ParseError::ok);  // the R-URI is parsed on demand
  EXPECT_FALSE(m.parsed_request_uri());
}

// 4.3 / 4.4: inside the brackets the last group is part of the address;
// only a ':' after ']' brings a port.
TEST(Rfc5118, PortAmbiguousAndUnambiguous) {
  const auto inside = parse_uri("sip:[2001:db8::10:5070]");
  ASSERT_TRUE(inside);
  EXPECT_FALSE(inside->has_port);
  EXPECT_EQ(inside->ipv6, v6("2001:db8::10:5070"));
  EXPECT_EQ(inside->port_or_default(), 5060);
  const auto after = parse_uri("sip:[2001:db8::10]:5070");
  ASSERT_TRUE(after);
  EXPECT_TRUE(after->has_port);
  EXPECT_EQ(after->port, 5070);
  EXPECT_EQ(after->ipv6, v6("2001:db8::10"));
}

// 4.5: received is an IPv6address, bare (RFC 3261 25.1); a bracketed one
// is taken too, as the RFC asks of receivers.
TEST(Rfc5118, ViaReceivedBareAndBracketed) {
  const auto bare = parse_via("SIP/2.0/UDP [2001:db8::9:1];branch=z9hG4bKbare;received=2001:db8::9:255");
  ASSERT_TRUE(bare);
  EXPECT_EQ(bare->received, "2001:db8::9:255");
  ViaAddress a = response_address(*bare);
  EXPECT_EQ(a.type, HostType::ipv6);
  EXPECT_EQ(a.ipv6, v6("2001:db8::9:255"));

  const auto bracketed = parse_via("SIP/2.0/UDP [2001:db8::9:1];branch=z9hG4bKbr;received=[2001:db8::9:255]");
  ASSERT_TRUE(bracketed);
  a = response_address(*bracketed);
  EXPECT_EQ(a.type, HostType::ipv6);
  EXPECT_EQ(a.ipv6, v6("2001:db8::9:255"));

  // Neither address nor reference: no response address, not a guess.
  EXPECT_EQ(parse_received("[2001:db8::9:255").type, HostType::none);
  EXPECT_EQ(parse_received("2001:db8:::1").type, HostType::none);
  EXPECT_EQ(parse_received("host.example").type, HostType::none);
  EXPECT_EQ(parse_received("198.51.100.7").type, HostType::ipv4);
  // No received: the sent-by address.
  const auto plain = parse_via("SIP/2.0/UDP [2001:db8::9:1]:5070;branch=z9hG4bKp");
  ASSERT_TRUE(plain);
  a = response_address(*plain);
  EXPECT_EQ(a.type, HostType::ipv6);
  EXPECT_EQ(a.ipv6, v6("2001:db8::9:1"));
  EXPECT_EQ(plain->response_port(), 5070);
}

// 4.7: IPv4 and IPv6 in one message (a call that crossed families): each
// Route and Record-Route value keeps its own family.
TEST(Rfc5118, MixedFamiliesInRouteSets) {
  const std::string text = with_body(
      "BYE sip:callee@[2001:db8::30]:5060 SIP/2.0\n"
      "Via: SIP/2.0/UDP 198.51.100.10:5060;branch=z9hG4bKmix\n"
      "Via: SIP/2.0/UDP [2001:db8::40];branch=z9hG4bKmix2;received=2001:db8::41\n"
      "Route: <sip:198.51.100.1;lr>, <sip:[2001:db8::1];lr>\n"
      "Record-Route: <sip:[2001:db8::1]:5060;lr>\n"
      "Record-Route: <sip:198.51.100.1:5060;lr>\n"
      "To: <sip:callee@example.com>;tag=t\n"
      "From: <sip:caller@example.com>;tag=f\n"
      "Call-ID: mixed@example.com\n"
      "CSeq: 2 BYE\n"
      "Max-Forwards: 70\n");
  Message m;
  ASSERT_EQ(m.parse(text), ParseError::ok);
  std::vector<HostType> routes;
  for (const auto& v : m.values(HeaderId::route)) {
    const auto na = parse_name_addr(v.text);
    ASSERT_TRUE(na) << v.text;
    routes.push_back(na->uri.host_type);
  }
  EXPECT_EQ(routes, (std::vector<HostType>{HostType::ipv4, HostType::ipv6}));
  std::vector<std::string> rr;
  for (const auto& v : m.values(HeaderId::record_route)) {
    const auto na = parse_name_addr(v.text);
    ASSERT_TRUE(na) << v.text;
    rr.emplace_back(na->uri.host_with_brackets());
  }
  EXPECT_EQ(rr, (std::vector<std::string>{"[2001:db8::1]", "198.51.100.1"}));
}

// 4.9: an IPv4-mapped IPv6 address is an IPv6 reference (not the IPv4
// address it maps): it is parsed, and compares with IPv6 sources only.
TEST(Rfc5118, Ipv4MappedIsIpv6) {
  const auto u = parse_uri("sip:user@[::ffff:198.51.100.7]:5060");
  ASSERT_TRUE(u);
  EXPECT_EQ(u->host_type, HostType::ipv6);
  EXPECT_EQ(u->ipv6, v6("::ffff:198.51.100.7"));
}

// 4.10: RFC 3261's ABNF let "::" be followed by a third ':' before an
// embedded IPv4 (RFC 5954 fixed it); that form is refused, the right one
// taken.
TEST(Rfc5118, AbnfBugThreeColons) {
  const auto bad = parse_uri("sip:user@[2001:db8:::192.0.2.1]");
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error(), ParseError::bad_ipv6_reference);
  const auto good = parse_uri("sip:user@[2001:db8::192.0.2.1]");
  ASSERT_TRUE(good);
  EXPECT_EQ(good->ipv6, v6("2001:db8::c000:201"));
}

// Malformed references: each refused by its own reason, never read past.
TEST(Ipv6Reference, MalformedRefusedByReason) {
  for (std::string_view bad : {"sip:a@[2001:db8::1", "sip:a@[zz]", "sip:a@[]", "sip:a@[1:2]", "sip:[2001:db8::1::2]",
                               "sip:[2001:db8::1%25eth0]"}) {
    const auto r = parse_uri(bad);
    ASSERT_FALSE(r) << bad;
    EXPECT_EQ(r.error(), ParseError::bad_ipv6_reference) << bad;
  }
  for (std::string_view bad : {"SIP/2.0/UDP [2001:db8::1", "SIP/2.0/UDP []", "SIP/2.0/UDP [::1::]",
                               "SIP/2.0/UDP [2001:db8:0:0:0:0:0:0:1]:5060"}) {
    const auto v = parse_via(bad);
    ASSERT_FALSE(v) << bad;
    EXPECT_EQ(v.error(), ParseError::bad_ipv6_reference) << bad;
  }
}

// ---- the edge's own IPv6 writing ----

TEST(Ipv6Rewrite, ReceivedWrittenBare) {
  const std::string text = with_body(kValidV6Invite);
  Message m;
  ASSERT_EQ(m.parse(text), ParseError::ok);
  Rewriter rw(m);
  ASSERT_EQ(rw.set_top_via_received(v6("2001:db8:0:0::99")), RewriteError::ok);
  ASSERT_EQ(rw.set_top_via_rport(40000), RewriteError::ok);
  std::vector<char> out(2048);
  const auto n = rw.apply(out);
  ASSERT_TRUE(n);
  const std::string result(out.data(), *n);
  EXPECT_NE(result.find("Via: SIP/2.0/UDP [2001:db8::20]:5062;branch=z9hG4bKv6valid;rport=40000;received=2001:db8::99\r\n"),
            std::string::npos)
      << result;
}

TEST(Ipv6Alias, WrittenBracketedAndReadBack) {
  const ContactAlias a = make_contact_alias(v6("2001:db8:0:0:0:0:0:7"), 40000);
  EXPECT_EQ(a.view(), ";alias=[2001:db8::7]~40000~1");
  const ContactAlias longest = make_contact_alias(v6("ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff"), 65535);
  EXPECT_EQ(longest.size, kContactAliasMaxLength);

  // As a Contact URI parameter, it parses and decodes back.
  const auto u = parse_uri("sip:alice@[2001:db8::50]:5060;alias=[2001:db8::7]~40000~1");
  ASSERT_TRUE(u);
  const AliasTarget t = parse_alias(u->alias());
  EXPECT_EQ(t.address.type, HostType::ipv6);
  EXPECT_EQ(t.address.ipv6, v6("2001:db8::7"));
  EXPECT_EQ(t.port, 40000);
  EXPECT_EQ(parse_alias("203.0.113.7~5062~1").address.type, HostType::ipv4);
  EXPECT_EQ(parse_alias("2001:db8::7~5062~1").address.type, HostType::ipv6);  // bare, as received may be
  for (std::string_view bad : {"[2001:db8::7~40000~1", "[2001:db8::7]", "[2001:db8::7]~0~1", "[2001:db8::7]~70000~1",
                               "[zz]~5060~1", ""})
    EXPECT_EQ(parse_alias(bad).address.type, HostType::none) << bad;
}

TEST(Ipv6Alias, AddedToEveryContact) {
  const std::string text = with_body(kValidV6Invite);
  Message m;
  ASSERT_EQ(m.parse(text), ParseError::ok);
  Rewriter rw(m);
  const ContactAlias a = make_contact_alias(v6("2001:db8::7"), 40000);
  const auto r = add_contact_alias(m, rw, a);
  EXPECT_EQ(r.aliased, 1u);
  std::vector<char> out(2048);
  const auto n = rw.apply(out);
  ASSERT_TRUE(n);
  const std::string result(out.data(), *n);
  EXPECT_NE(result.find("Contact: \"Caller\" <sip:caller@[2001:db8::20]:5062;alias=[2001:db8::7]~40000~1>\r\n"),
            std::string::npos)
      << result;
}

// ---- far-end NAT tests from an IPv6 source ----

TEST(Ipv6Nat, ComparisonsRunPrivateTestsDoNot) {
  const std::string text = with_body(kValidV6Invite);
  Message m;
  ASSERT_EQ(m.parse(text), ParseError::ok);
  const auto via = m.top_via();
  ASSERT_TRUE(via);
  // From the address and port it names: nothing fires.
  EXPECT_EQ(nat_test(m, *via, v6("2001:db8::20"), 5062, kAllNatTests), 0u);
  // From elsewhere: the address and port comparisons fire.
  const NatMask moved = nat_test(m, *via, v6("2001:db8::99"), 40000, kAllNatTests);
  EXPECT_EQ(moved, nat_bit(NatTest::via_received) | nat_bit(NatTest::via_port) | nat_bit(NatTest::contact_ip) |
                       nat_bit(NatTest::contact_port));
  // A private IPv4 Contact from an IPv6 source: differs (contact-ip),
  // not "private".
  const std::string priv = with_body(
      "INVITE sip:[2001:db8::10] SIP/2.0\n"
      "Via: SIP/2.0/UDP [2001:db8::20]:5062;branch=z9hG4bKv6p\n"
      "To: <sip:[2001:db8::10]>\n"
      "From: <sip:[2001:db8::20]>;tag=p\n"
      "Call-ID: v6-private@example\n"
      "CSeq: 1 INVITE\n"
      "Max-Forwards: 70\n"
      "Contact: <sip:caller@192.168.1.10:5062>\n"
      "Content-Type: application/sdp\n",
      test::kSdpPrivate);
  Message p;
  ASSERT_EQ(p.parse(priv), ParseError::ok);
  const auto pvia = p.top_via();
  ASSERT_TRUE(pvia);
  EXPECT_EQ(nat_test(p, *pvia, v6("2001:db8::20"), 5062, kAllNatTests), nat_bit(NatTest::contact_ip));
  // An IPv4 source never matches an IPv6 Via (the families differ).
  EXPECT_NE(nat_test(m, *via, 0xC6336414u, 5062, nat_bit(NatTest::via_received)), 0u);
}

}  // namespace
}  // namespace sipedge::sip
