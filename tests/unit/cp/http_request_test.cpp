// The form/percent decoding, the same-origin rule and the bearer check behind
// sipedge-cp's local HTTP API (parsing itself is libmicrohttpd's: loop_test).
#include "cp/http_request.h"
#include "cp/api_auth.h"

#include <gtest/gtest.h>

#include <string>

namespace sipedge::cp {
namespace {

TEST(HttpRequest, FormValues) {
  EXPECT_EQ(form_value("format=text&x=1", "format"), "text");
  EXPECT_EQ(form_value("format=text&x=1", "x"), "1");
  EXPECT_FALSE(form_value("format=text&x=1", "missing"));
  EXPECT_EQ(form_value("aor=alice%40example.com", "aor"), "alice@example.com");
  EXPECT_EQ(form_value("flag", "flag"), "") << "a key without a value";
}

TEST(HttpRequest, CrossOriginActionsAreRecognised) {
  HttpRequest r;
  r.host = "127.0.0.1:9090";
  EXPECT_TRUE(same_origin(r)) << "no Origin: sipedgectl, curl";
  r.origin = "http://127.0.0.1:9090";
  EXPECT_TRUE(same_origin(r)) << "the dashboard itself";
  r.origin = "https://evil.example";
  EXPECT_FALSE(same_origin(r));
  r.origin = "http://127.0.0.1:9091";
  EXPECT_FALSE(same_origin(r));
  r = {};
  r.origin = "null";
  EXPECT_FALSE(same_origin(r)) << "sandboxed or file: pages send Origin: null";
}

TEST(HttpRequest, PercentDecoding) {
  EXPECT_EQ(percent_decode("sip%3Aalice%40example.com"), "sip:alice@example.com");
  EXPECT_EQ(percent_decode("a+b"), "a+b");
  EXPECT_EQ(percent_decode("a+b", true), "a b");
  EXPECT_FALSE(percent_decode("bad%4"));
  EXPECT_FALSE(percent_decode("bad%"));
  EXPECT_FALSE(percent_decode("bad%zz"));
  EXPECT_FALSE(percent_decode("nul%00byte"));
  EXPECT_FALSE(form_value("aor=%G1", "aor"));
}

}  // namespace
}  // namespace sipedge::cp

namespace sipedge::cp {
namespace {

TEST(ApiAuth, BearerTokenDecides) {
  HttpRequest r;
  r.authorization = "Bearer  s3cret-token-0123456789";  // as libmicrohttpd hands it: outer blanks trimmed
  EXPECT_EQ(authorize(r, "s3cret-token-0123456789"), ApiAuth::allowed);
  EXPECT_EQ(authorize(r, "s3cret-token-0123456780"), ApiAuth::wrong);
  EXPECT_EQ(authorize(r, "s3cret-token-012345678"), ApiAuth::wrong);
  EXPECT_EQ(authorize(r, "s3cret-token-01234567890"), ApiAuth::wrong);
  EXPECT_EQ(authorize(r, ""), ApiAuth::allowed) << "no token configured";
  r.authorization = "Basic czNjcmV0";
  EXPECT_EQ(authorize(r, "s3cret-token-0123456789"), ApiAuth::missing);
  r.authorization = "Bearer";
  EXPECT_EQ(authorize(r, "s3cret-token-0123456789"), ApiAuth::missing);
  r.authorization = {};
  EXPECT_EQ(authorize(r, "s3cret-token-0123456789"), ApiAuth::missing);
}

TEST(ApiAuth, OnlyReadsAreOpen) {
  EXPECT_FALSE(changes_state("GET"));
  EXPECT_FALSE(changes_state("HEAD"));
  for (const char* m : {"POST", "DELETE", "PUT", "PATCH", "get", "OPTIONS"}) EXPECT_TRUE(changes_state(m)) << m;
}

TEST(ApiAuth, ConstantTimeEqual) {
  EXPECT_TRUE(constant_time_equal("abc", "abc"));
  EXPECT_TRUE(constant_time_equal("", ""));
  EXPECT_FALSE(constant_time_equal("abc", "abd"));
  EXPECT_FALSE(constant_time_equal("abcabc", "abc")) << "a repetition is not the token";
  EXPECT_FALSE(constant_time_equal("ab", "abc"));
  EXPECT_FALSE(constant_time_equal("", "abc"));
  EXPECT_FALSE(constant_time_equal("abc", ""));
}

}  // namespace
}  // namespace sipedge::cp
