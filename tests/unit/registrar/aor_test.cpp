#include <gtest/gtest.h>

#include "registrar/aor.h"

namespace sipedge::registrar {
namespace {

TEST(Aor, Normalises) {
  EXPECT_EQ(normalize_aor("sip:alice@Example.COM"), "alice@example.com");
  EXPECT_EQ(normalize_aor("sips:alice@example.com:5061;transport=tls"), "alice@example.com");
  EXPECT_EQ(normalize_aor("sip:al%69ce@example.com"), "alice@example.com");
  EXPECT_EQ(normalize_aor("sip:Alice@example.com"), "Alice@example.com");  // user is case-sensitive
  EXPECT_EQ(normalize_aor("sip:+15551234@example.com;user=phone"), "+15551234@example.com");
  EXPECT_EQ(normalize_aor("sip:bob@[2001:DB8::1]"), "bob@[2001:db8::1]");
}

TEST(Aor, Refuses) {
  EXPECT_FALSE(normalize_aor("sip:example.com"));      // no user
  EXPECT_FALSE(normalize_aor("tel:+15551234"));        // not sip
  EXPECT_FALSE(normalize_aor("sip:al%zzce@example.com"));  // bad escape
  EXPECT_FALSE(normalize_aor("not a uri"));
}

TEST(Aor, Parts) {
  EXPECT_EQ(aor_domain("alice@example.com"), "example.com");
  EXPECT_EQ(aor_user("alice@example.com"), "alice");
  EXPECT_EQ(aor_user("example.com"), "");
}

TEST(Contact, Rfc3261Equivalence) {
  EXPECT_TRUE(same_contact("sip:alice@10.0.0.1:5060", "sip:alice@10.0.0.1:5060"));
  EXPECT_TRUE(same_contact("SIP:alice@Host.Example:5060", "sip:alice@host.example:5060"));
  EXPECT_TRUE(same_contact("sip:%61lice@h", "sip:alice@h"));
  EXPECT_TRUE(same_contact("sip:alice@h;ob", "sip:alice@h"));  // other params ignored
  EXPECT_TRUE(same_contact("sip:alice@h;transport=UDP", "sip:alice@h;transport=udp"));
  EXPECT_FALSE(same_contact("sip:Alice@h", "sip:alice@h"));
  EXPECT_FALSE(same_contact("sip:alice@h", "sip:alice@h:5060"));  // absent port != 5060
  EXPECT_FALSE(same_contact("sip:alice@h", "sips:alice@h"));
  EXPECT_FALSE(same_contact("sip:alice@h;transport=tcp", "sip:alice@h"));
  EXPECT_FALSE(same_contact("sip:alice@h:5060", "sip:alice@h:5062"));
}

}  // namespace
}  // namespace sipedge::registrar
