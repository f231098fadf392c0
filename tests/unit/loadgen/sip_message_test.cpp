#include "sip_message.h"

#include <gtest/gtest.h>

#include <string>

namespace sipedge::loadgen {
namespace {

// A 200 OK as it comes back through two stateless proxies: two Vias on one
// line and one on its own, Record-Route both comma-separated and repeated,
// compact forms, a display name with a comma in quotes.
const std::string kOk =
    "SIP/2.0 200 OK\r\n"
    "Via: SIP/2.0/UDP 198.51.100.1;branch=z9hG4bKa, SIP/2.0/UDP 10.0.0.1;branch=z9hG4bKb\r\n"
    "v: SIP/2.0/UDP 203.0.113.50:5060;branch=z9hG4bK-1.0.i;received=203.0.113.50\r\n"
    "Record-Route: <sip:198.51.100.1;lr>, \"Edge, inside\" <sip:203.0.113.1;lr;r2=on>\r\n"
    "Record-Route: <sip:10.0.0.1;lr>\r\n"
    "f: <sip:loadgen@203.0.113.50:5060>;tag=1x0\r\n"
    "t: <sip:service@203.0.113.1:5060>;tag=abc123\r\n"
    "i: 1-0-5@203.0.113.50\r\n"
    "CSeq: 1 INVITE\r\n"
    "m: <sip:198.51.100.21:5060;transport=udp>;expires=60\r\n"
    "l: 4\r\n"
    "\r\n"
    "v=0\r\n";

TEST(SipMessage, ParsesAResponseWithCompactFormsAndRouteLists) {
  SipMessage m;
  ASSERT_EQ(parse_message(kOk, m), ParseError::kNone);
  EXPECT_TRUE(m.is_response);
  EXPECT_EQ(m.status, 200);
  EXPECT_EQ(m.reason, "OK");
  EXPECT_EQ(m.call_id, "1-0-5@203.0.113.50");
  EXPECT_EQ(m.cseq, 1u);
  EXPECT_EQ(m.cseq_method, "INVITE");
  EXPECT_EQ(m.to_tag, "abc123");
  EXPECT_EQ(m.contact_uri, "sip:198.51.100.21:5060;transport=udp");
  ASSERT_EQ(m.vias.count, 2u);
  EXPECT_EQ(m.vias[1], "SIP/2.0/UDP 203.0.113.50:5060;branch=z9hG4bK-1.0.i;received=203.0.113.50");
  ASSERT_EQ(m.record_routes.count, 3u);
  EXPECT_EQ(m.record_routes[0], "<sip:198.51.100.1;lr>");
  EXPECT_EQ(m.record_routes[1], "\"Edge, inside\" <sip:203.0.113.1;lr;r2=on>");
  EXPECT_EQ(m.record_routes[2], "<sip:10.0.0.1;lr>");
  EXPECT_EQ(m.body, "v=0\r");  // Content-Length 4 of "v=0\r\n"
}

TEST(SipMessage, ParsesARequestAndCountsRoutes) {
  const std::string bye =
      "BYE sip:198.51.100.21:5060 SIP/2.0\n"  // bare LF line ends are accepted
      "Via: SIP/2.0/UDP 198.51.100.1;branch=z9hG4bKx\n"
      "Route: <sip:a;lr>, <sip:b;lr>\n"
      "Route: <sip:c;lr>\n"
      "From: <sip:a@b>;tag=1\n"
      "To: <sip:c@d>;tag=2\n"
      "Call-ID: x\n"
      "CSeq: 2 BYE\n"
      "\n";
  SipMessage m;
  ASSERT_EQ(parse_message(bye, m), ParseError::kNone);
  EXPECT_FALSE(m.is_response);
  EXPECT_EQ(m.method, "BYE");
  EXPECT_EQ(m.request_uri, "sip:198.51.100.21:5060");
  EXPECT_EQ(m.routes, 3u);
  EXPECT_TRUE(m.body.empty());
}

TEST(SipMessage, RefusesMalformedMessages) {
  const std::string headers = "Via: SIP/2.0/UDP h;branch=z9hG4bK1\r\nFrom: <sip:a@b>;tag=1\r\nTo: <sip:c@d>\r\n"
                              "Call-ID: x\r\n";
  SipMessage m;
  EXPECT_EQ(parse_message("", m), ParseError::kBadStartLine);
  EXPECT_EQ(parse_message("INVITE sip:x SIP/3.0\r\n" + headers + "CSeq: 1 INVITE\r\n\r\n", m), ParseError::kBadStartLine);
  EXPECT_EQ(parse_message("SIP/2.0 2000 OK\r\n" + headers + "CSeq: 1 INVITE\r\n\r\n", m), ParseError::kBadStartLine);
  EXPECT_EQ(parse_message("INVITE sip:x SIP/2.0\r\n" + headers + "\r\n", m), ParseError::kMissingHeader);
  EXPECT_EQ(parse_message("INVITE sip:x SIP/2.0\r\n" + headers + "CSeq: one INVITE\r\n\r\n", m), ParseError::kBadCSeq);
  EXPECT_EQ(parse_message("INVITE sip:x SIP/2.0\r\n" + headers + "CSeq: 1\r\n\r\n", m), ParseError::kBadCSeq);
  EXPECT_EQ(parse_message("INVITE sip:x SIP/2.0\r\n" + headers + "CSeq: 1 INVITE\r\nno colon\r\n\r\n", m),
            ParseError::kBadHeader);
  EXPECT_EQ(parse_message("INVITE sip:x SIP/2.0\r\n" + headers + "CSeq: 1 INVITE\r\nContent-Length: 9\r\n\r\nabc", m),
            ParseError::kBadContentLength);
  std::string many = "INVITE sip:x SIP/2.0\r\n" + headers + "CSeq: 1 INVITE\r\n";
  for (std::size_t i = 0; i < kMaxVias; ++i) many += "Via: SIP/2.0/UDP h;branch=z9hG4bK2\r\n";
  EXPECT_EQ(parse_message(many + "\r\n", m), ParseError::kTooManyHeaders);
  EXPECT_EQ(parse_message("INVITE sip:x SIP/2.0\r\n" + headers + "CSeq: 1 INVITE\r\n\r\n", m), ParseError::kNone);
}

TEST(SipMessage, HeaderParamsComeAfterTheNameAddr) {
  // A ";tag=" inside the URI is a URI parameter, not the header's.
  EXPECT_EQ(header_param("<sip:a@b;tag=uri>;tag=hdr", "tag"), "hdr");
  EXPECT_EQ(header_param("<sip:a@b;tag=uri>", "tag"), "");
  EXPECT_EQ(header_param("sip:a@b;TAG=x;lr", "tag"), "x");
  EXPECT_EQ(header_param("SIP/2.0/UDP h:5060;rport;branch=z9hG4bKq", "branch"), "z9hG4bKq");
}

TEST(SipMessage, EveryPrefixAndByteFlipEndsCleanly) {
  // Under ASan this is the overread check: datagrams arrive cut anywhere.
  SipMessage m;
  for (std::size_t n = 0; n <= kOk.size(); ++n) {
    const std::string prefix = kOk.substr(0, n);
    const ParseError error = parse_message(prefix, m);
    if (error == ParseError::kNone) {
      EXPECT_LE(m.body.size(), prefix.size());
    }
  }
  std::string flipped = kOk;
  for (std::size_t i = 0; i < flipped.size(); ++i) {
    for (const char c : {'\0', ',', '<', '>', '"', ';', '\n', ':'}) {
      const char was = flipped[i];
      flipped[i] = c;
      if (parse_message(flipped, m) == ParseError::kNone) {
        EXPECT_LE(m.record_routes.count, kMaxRecordRoutes);
        EXPECT_FALSE(m.call_id.empty());
      }
      flipped[i] = was;
    }
  }
  EXPECT_EQ(parse_message(flipped, m), ParseError::kNone);  // restored
}

}  // namespace
}  // namespace sipedge::loadgen
