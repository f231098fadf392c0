// Numbers, CSeq, Digest username, Expires, SDP addresses.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "fixtures.h"
#include "sip/fields.h"
#include "sip/sdp.h"

namespace sipedge::sip {
namespace {

TEST(Fields, ParseUint) {
  EXPECT_EQ(parse_uint("0"), 0u);
  EXPECT_EQ(parse_uint("  42 "), 42u);
  EXPECT_EQ(parse_uint("4294967295"), 4294967295u);
  EXPECT_FALSE(parse_uint("4294967296"));
  EXPECT_FALSE(parse_uint("256", 255));
  EXPECT_EQ(parse_uint("255", 255), 255u);
  EXPECT_FALSE(parse_uint(""));
  EXPECT_FALSE(parse_uint("   "));
  EXPECT_FALSE(parse_uint("1 2"));
  EXPECT_FALSE(parse_uint("+1"));
  EXPECT_FALSE(parse_uint("0x10"));
  EXPECT_FALSE(parse_uint("99999999999999999999999"));
}

TEST(Fields, CSeq) {
  auto c = parse_cseq("4711 INVITE");
  ASSERT_TRUE(c);
  EXPECT_EQ(c->number, 4711u);
  EXPECT_EQ(c->method, Method::invite);
  EXPECT_EQ(c->method_text, "INVITE");
  c = parse_cseq(" 0\t\r\n FOO ");
  ASSERT_TRUE(c);
  EXPECT_EQ(c->number, 0u);
  EXPECT_EQ(c->method, Method::other);
  EXPECT_EQ(c->method_text, "FOO");
  c = parse_cseq("2147483647 ACK");
  ASSERT_TRUE(c);
  EXPECT_EQ(c->number, 2147483647u);
  for (std::string_view bad : {"", "INVITE", "1", "1 ", "x INVITE", "2147483648 ACK", "1 IN VITE", "1 <INVITE>"})
    EXPECT_EQ(parse_cseq(bad).error(), ParseError::bad_cseq) << bad;
}

TEST(Fields, DigestUsername) {
  const std::pair<std::string_view, std::string_view> ok[] = {
      {"Digest username=\"bob\", realm=\"x\"", "bob"},
      {"digest realm=\"a,b\", USERNAME = \"al ice\", nonce=\"n\"", "al ice"},
      {"Digest username=\"\"", ""},
      {"Digest realm=\"x\",\r\n username=\"folded\"", "folded"},
      {"Digest username=\"with \\\"quote\\\"\"", "with \\\"quote\\\""},
  };
  for (const auto& [text, user] : ok) {
    const auto r = digest_username(text);
    ASSERT_TRUE(r) << text;
    EXPECT_EQ(*r, user) << text;
  }
  for (std::string_view bad : {"", "Basic Ym9iOnB3", "Digest", "Digestusername=\"x\"", "Digest realm=\"x\"",
                               "Digest username=bob", "Digest username=\"open", "Digest username", "Digest username=\"a\"b"})
    EXPECT_EQ(digest_username(bad).error(), ParseError::bad_auth) << bad;
}

std::string request_with(std::string_view extra) {
  return test::with_body("REGISTER sip:example.com SIP/2.0\nVia: SIP/2.0/UDP h;branch=z9hG4bK1\nFrom: <sip:b@x>;tag=2\n"
                         "To: <sip:b@x>\nCall-ID: c\nCSeq: 2 REGISTER\n" +
                         std::string(extra));
}

TEST(Fields, MessageAuthUsername) {
  const std::string reg = test::register_();
  EXPECT_EQ(*test::parse_ok(reg).auth_username(), "bob");
  const std::string proxy = request_with("Proxy-Authorization: Digest username=\"carol\", realm=\"r\"\n");
  EXPECT_EQ(*test::parse_ok(proxy).auth_username(), "carol");
  const std::string both = request_with(
      "Authorization: Bearer abc\nProxy-Authorization: Digest username=\"dave\"\n");
  EXPECT_EQ(*test::parse_ok(both).auth_username(), "dave");
  const std::string basic = request_with("Authorization: Basic abc\n");
  EXPECT_EQ(test::parse_ok(basic).auth_username().error(), ParseError::bad_auth);
  const std::string none = request_with("");
  EXPECT_EQ(test::parse_ok(none).auth_username().error(), ParseError::header_absent);
}

TEST(Fields, MessageExpires) {
  const std::string reg = test::register_();
  EXPECT_EQ(*test::parse_ok(reg).expires(), 7200u);
  const std::string bad = request_with("Expires: soon\n");
  EXPECT_EQ(test::parse_ok(bad).expires().error(), ParseError::bad_number);
  const std::string none = request_with("");
  EXPECT_EQ(test::parse_ok(none).expires().error(), ParseError::header_absent);
}

TEST(Fields, HasSdp) {
  for (std::string_view ct : {"application/sdp", "Application/SDP", "application/sdp ; charset=utf-8", " application/sdp"}) {
    const std::string text = request_with("Content-Type: " + std::string(ct) + "\n");
    EXPECT_TRUE(test::parse_ok(text).has_sdp()) << ct;
  }
  for (std::string_view ct : {"text/plain", "application/sdpx", "multipart/mixed;boundary=x"}) {
    const std::string text = request_with("Content-Type: " + std::string(ct) + "\n");
    EXPECT_FALSE(test::parse_ok(text).has_sdp()) << ct;
  }
  const std::string none = request_with("");
  EXPECT_FALSE(test::parse_ok(none).has_sdp());
}

std::vector<SdpAddress> all_addresses(std::string_view body) {
  std::vector<SdpAddress> out;
  SdpAddressIterator it(body);
  SdpAddress a;
  while (it.next(a)) out.push_back(a);
  return out;
}

TEST(Sdp, OriginAndConnections) {
  const auto a = all_addresses(
      "v=0\r\no=- 1 2 IN IP4 192.168.1.10\r\ns=-\r\nc=IN IP4 198.51.100.1/127\r\nt=0 0\r\n"
      "m=audio 1 RTP/AVP 0\r\nc=IN IP6 2001:db8::1\r\nm=video 2 RTP/AVP 31\nc=IN IP4 10.1.2.3/127/2\n");
  ASSERT_EQ(a.size(), 4u);
  EXPECT_EQ(a[0].line, SdpLine::origin);
  EXPECT_EQ(a[0].type, SdpAddrType::ip4);
  EXPECT_EQ(a[0].address, "192.168.1.10");
  EXPECT_TRUE(a[0].valid);
  EXPECT_EQ(a[1].line, SdpLine::connection);
  EXPECT_EQ(a[1].address, "198.51.100.1");
  EXPECT_EQ(a[2].type, SdpAddrType::ip6);
  EXPECT_EQ(a[2].address, "2001:db8::1");
  EXPECT_EQ(a[3].address, "10.1.2.3");  // bare LF line ends are fine in SDP
  EXPECT_TRUE(a[3].valid);
}

TEST(Sdp, InvalidLines) {
  const auto a = all_addresses("c=IN IP5 1.2.3.4\r\nc=ATM IP4 1.2.3.4\r\nc=IN IP4\r\nc=IN IP4 1.2.3.4 extra\r\no=short\r\n"
                               "x=ignored\r\nc\r\n");
  ASSERT_EQ(a.size(), 5u);
  for (const auto& x : a) EXPECT_FALSE(x.valid) << x.address;
  EXPECT_EQ(a[0].type, SdpAddrType::other);
}

TEST(Sdp, PrivateDetection) {
  EXPECT_TRUE(sdp_has_private_address(test::kSdpPrivate));
  EXPECT_FALSE(sdp_has_private_address(test::kSdpPublic));
  // only c= counts, not o=
  EXPECT_FALSE(sdp_has_private_address("o=- 1 1 IN IP4 10.0.0.1\r\nc=IN IP4 198.51.100.1\r\n"));
  EXPECT_TRUE(sdp_has_private_address("c=IN IP4 198.51.100.1\r\nm=audio 1 RTP/AVP 0\r\nc=IN IP4 100.64.0.9\r\n"));
  EXPECT_FALSE(sdp_has_private_address("c=IN IP6 fd00::1\r\n"));
  EXPECT_FALSE(sdp_has_private_address("c=IN IP4 host.example.com\r\n"));
  EXPECT_FALSE(sdp_has_private_address(""));
}

}  // namespace
}  // namespace sipedge::sip
