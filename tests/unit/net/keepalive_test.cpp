#include "net/keepalive.h"

#include <gtest/gtest.h>

#include "frame_builder.h"

namespace sipedge::net {
namespace {

using test::Bytes;
using test::bytes_of;

PayloadKind kind_of(const Bytes& b) { return classify_payload(b).kind; }

TEST(Keepalive, CrlfPingIsExactlyTwoCrlf) {
  EXPECT_EQ(kind_of(bytes_of("\r\n\r\n")), PayloadKind::crlf_ping);
  EXPECT_EQ(kCrlfPong, "\r\n");
}

TEST(Keepalive, ShortFillerIsIgnored) {
  for (const char* s : {"", "\r\n", "\n", "\r", "\n\n\n\n", "\r\n\r", "\n\r\n\r"}) {
    EXPECT_EQ(kind_of(bytes_of(s)), PayloadKind::null_keepalive) << testing::PrintToString(s);
  }
  for (std::size_t n = 1; n <= 4; ++n) EXPECT_EQ(kind_of(Bytes(n, 0)), PayloadKind::null_keepalive);
  EXPECT_EQ(kind_of(Bytes{0, '\r', '\n', 0}), PayloadKind::null_keepalive);
}

TEST(Keepalive, EverythingElseIsSip) {
  EXPECT_EQ(kind_of(bytes_of("OPTIONS sip:x SIP/2.0\r\n\r\n")), PayloadKind::sip);
  EXPECT_EQ(kind_of(bytes_of("\r\n\r\n\r\n")), PayloadKind::sip);  // longer than a ping
  EXPECT_EQ(kind_of(Bytes(5, 0)), PayloadKind::sip);
  EXPECT_EQ(kind_of(bytes_of("ab")), PayloadKind::sip);
  EXPECT_EQ(kind_of(Bytes{0, 0, 0, 'x'}), PayloadKind::sip);
}

TEST(Keepalive, StunBindingRequest) {
  Bytes req = {0x00, 0x01, 0x00, 0x00, 0x21, 0x12, 0xa4, 0x42};
  for (std::uint8_t i = 0; i < 12; ++i) req.push_back(i);
  const PayloadClass c = classify_payload(req);
  EXPECT_EQ(c.kind, PayloadKind::stun_binding);
  EXPECT_EQ(c.stun, StunParse::binding_request);
  EXPECT_EQ(c.request.transaction_id[11], 11);
}

TEST(Keepalive, OtherStunIsIgnored) {
  Bytes ind = {0x00, 0x11, 0x00, 0x00, 0x21, 0x12, 0xa4, 0x42};
  ind.resize(20, 0);
  const PayloadClass c = classify_payload(ind);
  EXPECT_EQ(c.kind, PayloadKind::stun_ignored);
  EXPECT_EQ(c.stun, StunParse::other_message);
  Bytes bad = {0x00, 0x01, 0x00, 0x04, 0x21, 0x12, 0xa4, 0x42};
  bad.resize(20, 0);
  EXPECT_EQ(classify_payload(bad).stun, StunParse::malformed);
  EXPECT_EQ(classify_payload(bad).kind, PayloadKind::stun_ignored);
}

}  // namespace
}  // namespace sipedge::net
