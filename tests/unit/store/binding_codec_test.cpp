// Binding codec: every field round-trips, any truncation or corruption is refused.
#include <gtest/gtest.h>

#include "store/binding_codec.h"

namespace sipedge::store {
namespace {

Binding full_binding() {
  Binding b;
  b.aor = "alice@example.com";
  b.contact = std::string("sip:alice@198.51.100.20:5060;ob\0x,1:", 36);  // NUL, comma and colon inside
  b.received = {0xC6336407, 40000};
  b.local = {0xCB00710A, 5060};
  b.path = {"<sip:p1.example.net;lr>", "<sip:a,b@p2:5060;lr>"};
  b.expires_at = 1'700'000'600;
  b.registered_at = 1'700'000'000;
  b.last_refresh_ms = 1'700'000'000'123;
  b.q = 500;
  b.has_q = true;
  b.call_id = "call-1@phone";
  b.cseq = 42;
  b.user_agent = "Phone/1.0";
  b.nat = true;
  b.nat_bits = 5;
  b.instance_id = "<urn:uuid:00000000-0000-1000-8000-000A95A0E128>";
  b.reg_id = 1;
  b.owner = 7;
  b.keepalive.last_rtt_us = 1234;  // memory only: not encoded
  return b;
}

TEST(BindingCodec, RoundTripsEveryPersistentField) {
  const Binding b = full_binding();
  std::string text;
  encode_binding(b, text);
  Binding out;
  ASSERT_TRUE(decode_binding(text, out));
  EXPECT_TRUE(out.same_persistent(b));
  EXPECT_EQ(out.contact.size(), 36u);
  EXPECT_EQ(out.owner, 7u);
  EXPECT_EQ(out.keepalive.last_rtt_us, 0u);
}

Binding v6_binding() {
  Binding b = full_binding();
  net::Ipv6Addr received{};
  received.bytes = {0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x07};
  net::Ipv6Addr vip{};
  vip.bytes = {0x20, 0x01, 0x0d, 0xb8, 0, 0x05, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x0a};
  b.received = Endpoint::ipv6(received, 40000);
  b.local = Endpoint::ipv6(vip, 5060);
  return b;
}

TEST(BindingCodec, Ipv6BindingRoundTripsAsVersion2) {
  const Binding b = v6_binding();
  std::string text;
  encode_binding(b, text);
  EXPECT_EQ(text.substr(0, 4), "1:2,");
  EXPECT_NE(text.find("11:2001:db8::7,"), std::string::npos) << text;
  Binding out;
  ASSERT_TRUE(decode_binding(text, out));
  EXPECT_TRUE(out.same_persistent(b));
  EXPECT_EQ(to_string(out.received), "[2001:db8::7]:40000");
  EXPECT_EQ(to_string(out.local), "[2001:db8:5::a]:5060");
  for (std::size_t n = 0; n < text.size(); ++n) EXPECT_FALSE(decode_binding(text.substr(0, n), out)) << n;
}

TEST(BindingCodec, MixedFamiliesRoundTrip) {
  Binding b = v6_binding();
  b.local = {0xCB00710A, 5060};  // v6 source, v4 VIP: only one v6 field set
  std::string text;
  encode_binding(b, text);
  Binding out;
  ASSERT_TRUE(decode_binding(text, out));
  EXPECT_TRUE(out.same_persistent(b));
  EXPECT_FALSE(out.local.v6);
}

// An IPv4 binding is written exactly as the previous release wrote it, and
// that release's bytes still decode: both directions of a rolling upgrade.
TEST(BindingCodec, Ipv4EncodingIsTheVersion1FormatOfThePreviousRelease) {
  const std::string previous_release =
      "1:1,3:a@b,5:sip:x,10:3325256711,5:40000,1:0,1:0,1:0,2:60,1:0,1:0,4:1000,1:0,1:c,1:1,0:,1:0,1:0,0:,1:0,1:0,";
  Binding out;
  ASSERT_TRUE(decode_binding(previous_release, out));
  EXPECT_EQ(to_string(out.received), "198.51.100.7:40000");
  EXPECT_FALSE(out.received.v6);
  EXPECT_EQ(out.expires_at, 60);
  std::string again;
  encode_binding(out, again);
  EXPECT_EQ(again, previous_release);
}

TEST(BindingCodec, Version2RefusesBadIpv6Fields) {
  std::string text;
  encode_binding(v6_binding(), text);
  Binding out;
  std::string bad = text;
  bad.replace(bad.find("11:2001:db8::7,"), 15, "11:2001:db8::g,");
  EXPECT_FALSE(decode_binding(bad, out));
  bad = text;
  bad.replace(bad.find("11:2001:db8::7,"), 15, "12:198.51.100.7,");
  EXPECT_FALSE(decode_binding(bad, out)) << "an IPv4 text in an IPv6 field";
}

TEST(BindingCodec, RefusesEveryTruncation) {
  std::string text;
  encode_binding(full_binding(), text);
  Binding out;
  for (std::size_t n = 0; n < text.size(); ++n) EXPECT_FALSE(decode_binding(text.substr(0, n), out)) << n;
}

TEST(BindingCodec, RefusesTrailingBytesWrongVersionAndOutOfRangeValues) {
  std::string text;
  encode_binding(full_binding(), text);
  Binding out;
  EXPECT_FALSE(decode_binding(text + "0:,", out));
  std::string v2 = text;
  v2[2] = '2';  // "1:1," -> "1:2,"
  EXPECT_FALSE(decode_binding(v2, out));

  Binding big = full_binding();
  std::string with_port;
  encode_binding(big, with_port);
  const std::string port = "5:40000,";
  const auto at = with_port.find(port);
  ASSERT_NE(at, std::string::npos);
  with_port.replace(at, port.size(), "5:70000,");  // > 65535
  EXPECT_FALSE(decode_binding(with_port, out));
  with_port.replace(at, 8, "6:-40000,");
  EXPECT_FALSE(decode_binding(with_port, out));
}

TEST(BindingCodec, SurvivesArbitraryByteFlips) {
  std::string text;
  encode_binding(full_binding(), text);
  Binding out;
  for (std::size_t i = 0; i < text.size(); ++i) {
    std::string bad = text;
    bad[i] = static_cast<char>(bad[i] ^ 0x5A);
    (void)decode_binding(bad, out);  // must not crash or read out of bounds (ASan)
  }
  SUCCEED();
}

}  // namespace
}  // namespace sipedge::store
