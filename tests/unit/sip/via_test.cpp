// parse_via and Message::top_via.
#include <gtest/gtest.h>

#include <string>

#include "fixtures.h"
#include "sip/via.h"

namespace sipedge::sip {
namespace {

TEST(Via, Typical) {
  const auto v = parse_via("SIP/2.0/UDP 192.168.1.10:5062;branch=z9hG4bK776asdhds;rport");
  ASSERT_TRUE(v) << parse_error_name(v.error());
  EXPECT_EQ(v->protocol_name, "SIP");
  EXPECT_EQ(v->protocol_version, "2.0");
  EXPECT_EQ(v->transport_text, "UDP");
  EXPECT_EQ(v->transport, Transport::udp);
  EXPECT_EQ(v->host, "192.168.1.10");
  EXPECT_EQ(v->host_type, HostType::ipv4);
  EXPECT_EQ(v->ipv4, 0xC0A8010Au);
  EXPECT_TRUE(v->has_port);
  EXPECT_EQ(v->port, 5062);
  EXPECT_EQ(v->sent_by, "192.168.1.10:5062");
  EXPECT_EQ(v->branch, "z9hG4bK776asdhds");
  EXPECT_TRUE(v->has_rport);
  EXPECT_FALSE(v->rport_has_value);
  EXPECT_FALSE(v->has_received);
  EXPECT_EQ(v->params, ";branch=z9hG4bK776asdhds;rport");
  EXPECT_EQ(v->response_host(), "192.168.1.10");
  EXPECT_EQ(v->response_port(), 5062);
}

TEST(Via, ReceivedRportMaddrTtlAndOthers) {
  const auto v = parse_via(
      "SIP/2.0/UDP pc33.example.com;branch=z9hG4bKx;received=198.51.100.7;rport=40000;maddr=239.1.1.1;ttl=16;x=y");
  ASSERT_TRUE(v);
  EXPECT_EQ(v->host_type, HostType::hostname);
  EXPECT_FALSE(v->has_port);
  EXPECT_EQ(v->port_or_default(), 5060);
  EXPECT_EQ(v->received, "198.51.100.7");
  EXPECT_TRUE(v->has_received);
  EXPECT_TRUE(v->rport_has_value);
  EXPECT_EQ(v->rport, 40000);
  EXPECT_EQ(v->maddr, "239.1.1.1");
  EXPECT_EQ(v->ttl, "16");
  EXPECT_EQ(v->response_host(), "198.51.100.7");
  EXPECT_EQ(v->response_port(), 40000);
  Param p;
  ASSERT_TRUE(v->param("x", p));
  EXPECT_EQ(p.value, "y");
}

TEST(Via, WhitespaceEverywhereTheAbnfAllows) {
  // RFC 4475 3.1.1.1 style LWS around SLASH, COLON and SEMI, folds included.
  const auto v = parse_via("SIP / 2.0 / UDP\r\n  host.example.com : 5070 ;\r\n branch = z9hG4bKabc ; rport");
  ASSERT_TRUE(v) << parse_error_name(v.error());
  EXPECT_EQ(v->transport, Transport::udp);
  EXPECT_EQ(v->host, "host.example.com");
  EXPECT_EQ(v->port, 5070);
  EXPECT_EQ(v->branch, "z9hG4bKabc");
  EXPECT_TRUE(v->has_rport);
}

TEST(Via, Ipv6SentBy) {
  const auto v = parse_via("SIP/2.0/TCP [2001:db8::9:1]:5070;branch=z9hG4bK1;received=2001:db8::9:255");
  ASSERT_TRUE(v);
  EXPECT_EQ(v->host, "2001:db8::9:1");
  EXPECT_EQ(v->host_type, HostType::ipv6);
  EXPECT_EQ(v->port, 5070);
  EXPECT_EQ(v->received, "2001:db8::9:255");
  EXPECT_EQ(v->transport, Transport::tcp);
}

TEST(Via, Transports) {
  const std::pair<std::string_view, Transport> cases[] = {
      {"udp", Transport::udp}, {"TCP", Transport::tcp},   {"Tls", Transport::tls},     {"SCTP", Transport::sctp},
      {"WS", Transport::ws},   {"wss", Transport::wss},   {"QUIC", Transport::other},
  };
  for (const auto& [t, want] : cases) EXPECT_EQ(transport_from_text(t), want) << t;
  const auto tls = parse_via("SIP/2.0/TLS h;branch=z9hG4bK1");
  ASSERT_TRUE(tls);
  EXPECT_EQ(tls->port_or_default(), 5061);
}

TEST(Via, QuotedParamValueWithSemicolon) {
  const auto v = parse_via("SIP/2.0/UDP h;x=\"a;b\";branch=z9hG4bK9");
  ASSERT_TRUE(v);
  EXPECT_EQ(v->branch, "z9hG4bK9");
}

TEST(Via, Rejections) {
  const std::pair<std::string_view, ParseError> cases[] = {
      {"", ParseError::bad_via},
      {"SIP/2.0 h", ParseError::bad_via},
      {"SIP/2.0/UDP", ParseError::bad_via},
      {"SIP/2.0/UDP;branch=x", ParseError::bad_via},
      {"SIP//UDP h", ParseError::bad_via},
      {"/2.0/UDP h", ParseError::bad_via},
      {"SIP/2.0/ h", ParseError::bad_via},
      {"SIP/2.0/UDP h x", ParseError::bad_via},
      {"SIP/2.0/UDP h, SIP/2.0/UDP k", ParseError::bad_via},
      {"SIP/2.0/UDP [2001:db8::1", ParseError::bad_ipv6_reference},
      {"SIP/2.0/UDP []", ParseError::bad_ipv6_reference},
      {"SIP/2.0/UDP [nothex]", ParseError::bad_ipv6_reference},
      {"SIP/2.0/UDP -h", ParseError::bad_host},
      {"SIP/2.0/UDP @h", ParseError::bad_host},
      {"SIP/2.0/UDP h:", ParseError::bad_port},
      {"SIP/2.0/UDP h:70000", ParseError::bad_port},
      {"SIP/2.0/UDP h;rport=x", ParseError::bad_param},
      {"SIP/2.0/UDP h;rport=70000", ParseError::bad_param},
      {"SIP/2.0/UDP h;branch=\"open", ParseError::bad_param},
      {"SIP/2.0/UDP h;;branch=1", ParseError::bad_param},
  };
  for (const auto& [text, error] : cases) {
    const auto r = parse_via(text);
    EXPECT_FALSE(r) << text;
    EXPECT_EQ(parse_error_name(r.error()), parse_error_name(error)) << text;
  }
}

TEST(Via, TopViaOfMessage) {
  const std::string text = test::ok_200();
  const Message m = test::parse_ok(text);
  const auto top = m.top_via();
  ASSERT_TRUE(top);
  EXPECT_EQ(top->branch, "z9hG4bKedge1");
  std::vector<std::string_view> all;
  for (const HeaderValue& v : m.values(HeaderId::via)) all.push_back(v.text);
  ASSERT_EQ(all.size(), 2u);
  EXPECT_EQ(all[1], "SIP/2.0/UDP 198.51.100.7:5060;branch=z9hG4bK776;received=198.51.100.7;rport=5060");
  const auto second = parse_via(all[1]);
  ASSERT_TRUE(second);
  EXPECT_EQ(second->rport, 5060);
}

TEST(Via, TopViaMalformedOrEmpty) {
  const std::string bad = test::with_body(
      "INVITE sip:x@example.com SIP/2.0\nVia: garbage\nFrom: <sip:a@x>;tag=1\nTo: <sip:b@x>\nCall-ID: c\nCSeq: 1 INVITE\n");
  EXPECT_EQ(test::parse_ok(bad).top_via().error(), ParseError::bad_via);
  const std::string empty = test::with_body(
      "INVITE sip:x@example.com SIP/2.0\nVia: ,\nFrom: <sip:a@x>;tag=1\nTo: <sip:b@x>\nCall-ID: c\nCSeq: 1 INVITE\n");
  EXPECT_EQ(test::parse_ok(empty).top_via().error(), ParseError::bad_via);
  EXPECT_EQ(Message().top_via().error(), ParseError::header_absent);
}

// The top Via is the first non-empty element, whether alone on its line,
// after an empty Via line or first of a list.
TEST(Via, TopViaSkipsEmptyLinesAndElements) {
  const std::string rest = "From: <sip:a@x>;tag=1\nTo: <sip:b@x>\nCall-ID: c\nCSeq: 1 INVITE\n";
  for (const char* vias : {"Via: SIP/2.0/UDP 198.51.100.7;branch=z9hG4bKtop\nVia: SIP/2.0/UDP 198.51.100.8\n",
                           "Via:\nVia:  SIP/2.0/UDP 198.51.100.7;branch=z9hG4bKtop \n",
                           "Via: ,SIP/2.0/UDP 198.51.100.7;branch=z9hG4bKtop, SIP/2.0/UDP 198.51.100.8\n",
                           "Via: SIP/2.0/UDP 198.51.100.7;branch=z9hG4bKtop\n  ;rport, SIP/2.0/UDP 198.51.100.8\n"}) {
    const std::string text = test::with_body(std::string("INVITE sip:x@example.com SIP/2.0\n") + vias + rest);
    const Message m = test::parse_ok(text);
    const auto top = m.top_via();
    ASSERT_TRUE(top) << vias;
    EXPECT_EQ(top->branch, "z9hG4bKtop") << vias;
    EXPECT_EQ(top->ipv4, 0xC6336407u) << vias;
    EXPECT_EQ(top->text, m.values(HeaderId::via).front().text) << vias;
  }
}

}  // namespace
}  // namespace sipedge::sip

namespace sipedge::sip {
namespace {

void expect_same_via(const Via& a, const Via& b, std::string_view what) {
  EXPECT_EQ(a.protocol_name, b.protocol_name) << what;
  EXPECT_EQ(a.protocol_version, b.protocol_version) << what;
  EXPECT_EQ(a.transport_text, b.transport_text) << what;
  EXPECT_EQ(a.transport, b.transport) << what;
  EXPECT_EQ(a.host, b.host) << what;
  EXPECT_EQ(a.host.data(), b.host.data()) << what;
  EXPECT_EQ(a.host_type, b.host_type) << what;
  EXPECT_EQ(a.ipv4, b.ipv4) << what;
  EXPECT_EQ(a.port, b.port) << what;
  EXPECT_EQ(a.has_port, b.has_port) << what;
  EXPECT_EQ(a.branch, b.branch) << what;
  EXPECT_EQ(a.branch.data(), b.branch.data()) << what;
  EXPECT_EQ(a.has_received, b.has_received) << what;
  EXPECT_EQ(a.has_rport, b.has_rport) << what;
  EXPECT_EQ(a.maddr, b.maddr) << what;
  EXPECT_EQ(a.ttl, b.ttl) << what;
  EXPECT_EQ(a.params, b.params) << what;
  EXPECT_EQ(a.params.data(), b.params.data()) << what;
  EXPECT_EQ(a.sent_by, b.sent_by) << what;
  EXPECT_EQ(a.text, b.text) << what;
}

TEST(Via, OwnViaGivesWhatParseViaGives) {
  const OwnViaPrefix own{"SIP/2.0/UDP 203.0.113.1:5060;branch=", 0xCB007101, 5060, 11};
  for (const std::string value : {"SIP/2.0/UDP 203.0.113.1:5060;branch=z9hG4bKse0123456789abcdef",
                                  "SIP/2.0/UDP 203.0.113.1:5060;branch=x", "SIP/2.0/UDP 203.0.113.1:5060;branch=a.b-c!%*_+`'~"}) {
    Via fast;
    ASSERT_TRUE(parse_own_via(value, own, fast)) << value;
    const auto slow = parse_via(value);
    ASSERT_TRUE(slow) << value;
    expect_same_via(fast, *slow, value);
  }
}

TEST(Via, OwnViaLeavesAnythingElseToTheParser) {
  const OwnViaPrefix own{"SIP/2.0/UDP 203.0.113.1:5060;branch=", 0xCB007101, 5060, 11};
  for (const std::string value : {"SIP/2.0/UDP 203.0.113.1:5060;branch=", "SIP/2.0/UDP 203.0.113.1:5060;branch=a;received=1.2.3.4",
                                  "SIP/2.0/UDP 203.0.113.1:5060;branch=a;rport", "SIP/2.0/UDP 203.0.113.1:5060;branch=a, SIP/2.0/UDP b",
                                  "SIP/2.0/UDP 203.0.113.1:5060;branch=a b", "SIP/2.0/UDP 203.0.113.1:5060;branch=\"a\"",
                                  "SIP/2.0/UDP 203.0.113.1:5060;branch=a\r\n ;x", "sip/2.0/udp 203.0.113.1:5060;branch=a",
                                  "SIP/2.0/UDP 203.0.113.10:5060;branch=a", "SIP/2.0/TCP 203.0.113.1:5060;branch=a"}) {
    Via v;
    v.branch = "untouched";
    EXPECT_FALSE(parse_own_via(value, own, v)) << value;
    EXPECT_EQ(v.branch, "untouched") << value;
  }
}

}  // namespace
}  // namespace sipedge::sip
