// parse_http_request and the form/percent decoding behind sipedge-cp's local
// HTTP API: good requests, bodies, and the bad ones it must refuse.
#include "cp/http_request.h"
#include "cp/api_auth.h"

#include <gtest/gtest.h>

#include <string>

namespace sipedge::cp {
namespace {

// The verdict only: the request's views would outlive `text`.
HttpParse parse(const std::string& text) {
  HttpRequest r;
  return parse_http_request(text, r);
}

TEST(HttpRequest, GetWithQuery) {
  const std::string text = "GET /api/stats?format=text&x=1 HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n";
  HttpRequest r;
  ASSERT_EQ(parse_http_request(text, r), HttpParse::ok);
  EXPECT_EQ(r.method, "GET");
  EXPECT_EQ(r.path, "/api/stats");
  EXPECT_EQ(r.query, "format=text&x=1");
  EXPECT_EQ(r.body, "");
  EXPECT_EQ(form_value(r.query, "format"), "text");
  EXPECT_EQ(form_value(r.query, "x"), "1");
  EXPECT_FALSE(form_value(r.query, "missing"));
}

TEST(HttpRequest, PostBodyByContentLength) {
  const std::string text = "POST /api/unregister HTTP/1.1\r\ncontent-LENGTH:  25 \r\n\r\naor=alice%40example.com&z";
  HttpRequest r;
  ASSERT_EQ(parse_http_request(text, r), HttpParse::ok);
  EXPECT_EQ(r.method, "POST");
  EXPECT_EQ(r.body, "aor=alice%40example.com&z");
  EXPECT_EQ(form_value(r.body, "aor"), "alice@example.com");
}

TEST(HttpRequest, IncompleteUntilHeadAndBodyArrive) {
  EXPECT_EQ(parse("GET / HTTP/1.1\r\nHost: x\r\n"), HttpParse::incomplete);
  EXPECT_EQ(parse("POST /api/reload HTTP/1.1\r\nContent-Length: 4\r\n\r\nab"), HttpParse::incomplete);
  EXPECT_EQ(parse("POST /api/reload HTTP/1.1\r\nContent-Length: 4\r\n\r\nabcd"), HttpParse::ok);
}

TEST(HttpRequest, RefusesMalformedRequests) {
  for (const char* bad : {
           "GET\r\n\r\n",                                       // no target
           "GET /\r\n\r\n",                                     // no version
           "GET / HTTP/1.1 extra\r\n\r\n",                      // too many parts
           "GET  / HTTP/1.1\r\n\r\n",                           // empty method field
           "G(T / HTTP/1.1\r\n\r\n",                            // method not a token
           "GET api/stats HTTP/1.1\r\n\r\n",                    // target not absolute path
           "GET / SIP/2.0\r\n\r\n",                             // not HTTP
           "GET / HTTP/1.1\r\nno colon here\r\n\r\n",           // header without ':'
           "GET / HTTP/1.1\r\n: empty name\r\n\r\n",            // empty header name
           "GET / HTTP/1.1\r\nHost : x\r\n\r\n",                // space before ':'
           "POST / HTTP/1.1\r\nContent-Length: -1\r\n\r\n",     // negative length
           "POST / HTTP/1.1\r\nContent-Length: 12x\r\n\r\n",    // junk after digits
           "POST / HTTP/1.1\r\nContent-Length:\r\n\r\n",        // empty length
           "POST / HTTP/1.1\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\nab",  // conflicting
           "GET /\x01 HTTP/1.1\r\n\r\n",                        // control byte in target
       })
    EXPECT_EQ(parse(bad), HttpParse::bad_request) << bad;
}

TEST(HttpRequest, RefusesOversizedAndChunked) {
  EXPECT_EQ(parse("GET /" + std::string(kMaxHttpHead, 'a')), HttpParse::too_large) << "no end of head in sight";
  EXPECT_EQ(parse("GET /" + std::string(kMaxHttpHead, 'a') + " HTTP/1.1\r\n\r\n"), HttpParse::too_large);
  EXPECT_EQ(parse("POST / HTTP/1.1\r\nContent-Length: " + std::to_string(kMaxHttpBody + 1) + "\r\n\r\n"),
            HttpParse::too_large);
  EXPECT_EQ(parse("POST / HTTP/1.1\r\nContent-Length: 99999999999999999999999\r\n\r\n"), HttpParse::bad_request);
  EXPECT_EQ(parse("POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n"), HttpParse::not_implemented);
}

TEST(HttpRequest, CrossOriginActionsAreRecognised) {
  // The request's views point into its text: each text outlives its checks.
  const std::string plain = "POST /api/reload HTTP/1.1\r\nHost: 127.0.0.1:9090\r\n\r\n";
  const std::string own = "POST /api/reload HTTP/1.1\r\nHost: 127.0.0.1:9090\r\nOrigin: http://127.0.0.1:9090\r\n\r\n";
  const std::string foreign = "POST /api/reload HTTP/1.1\r\nHost: 127.0.0.1:9090\r\norigin: https://evil.example\r\n\r\n";
  const std::string opaque = "POST /api/reload HTTP/1.1\r\nOrigin: null\r\n\r\n";
  HttpRequest r;
  ASSERT_EQ(parse_http_request(plain, r), HttpParse::ok);
  EXPECT_EQ(r.host, "127.0.0.1:9090");
  EXPECT_TRUE(same_origin(r)) << "no Origin: sipedgectl, curl";
  ASSERT_EQ(parse_http_request(own, r), HttpParse::ok);
  EXPECT_TRUE(same_origin(r)) << "the dashboard itself";
  ASSERT_EQ(parse_http_request(foreign, r), HttpParse::ok);
  EXPECT_EQ(r.origin, "https://evil.example");
  EXPECT_FALSE(same_origin(r));
  ASSERT_EQ(parse_http_request(opaque, r), HttpParse::ok);
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
  const std::string text =
      "POST /api/reload HTTP/1.1\r\nHost: x\r\nAuthorization:  Bearer  s3cret-token-0123456789 \r\n\r\n";
  HttpRequest r;
  ASSERT_EQ(parse_http_request(text, r), HttpParse::ok);
  EXPECT_EQ(r.authorization, "Bearer  s3cret-token-0123456789");
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
