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
