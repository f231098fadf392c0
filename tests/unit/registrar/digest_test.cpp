#include <gtest/gtest.h>

#include "registrar/digest.h"

namespace sipedge::registrar {
namespace {

// RFC 2617 3.5: the worked example (MD5, qop=auth).
TEST(Digest, Rfc2617Example) {
  Credentials c;
  ASSERT_EQ(parse_credentials(
                "Digest username=\"Mufasa\",\r\n realm=\"testrealm@host.com\", "
                "nonce=\"dcd98b7102dd2f0e8b11d0f600bfb0c093\", uri=\"/dir/index.html\", qop=auth, nc=00000001, "
                "cnonce=\"0a4f113b\", response=\"6629fae49393a05397450978507c4ef1\", "
                "opaque=\"5ccc069c403ebaf9f0171e9517f40e41\"",
                c),
            DigestError::ok);
  EXPECT_EQ(c.username, "Mufasa");
  EXPECT_EQ(c.realm, "testrealm@host.com");
  EXPECT_EQ(c.uri, "/dir/index.html");
  EXPECT_EQ(c.nc, 1u);
  EXPECT_TRUE(c.has_qop);
  EXPECT_EQ(c.algorithm, DigestAlgorithm::md5);
  const std::string ha1 = digest_ha1(DigestAlgorithm::md5, "Mufasa", "testrealm@host.com", "Circle Of Life");
  EXPECT_EQ(digest_response(DigestAlgorithm::md5, ha1, "GET", c), "6629fae49393a05397450978507c4ef1");
}

// RFC 7616 3.9.1: the same exchange with SHA-256 and with MD5.
TEST(Digest, Rfc7616Sha256Example) {
  const std::string common =
      "username=\"Mufasa\", realm=\"http-auth@example.org\", uri=\"/dir/index.html\", qop=auth, nc=00000001, "
      "cnonce=\"f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ\", "
      "nonce=\"7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v\", response=\"x\", "
      "opaque=\"FQhe/qaU925kfnzjCev0ciny7QMkPqMAFRtzCUYo5tdS\"";
  // Credentials are views: the header text must outlive them.
  const std::string sha_header = "Digest algorithm=SHA-256, " + common;
  const std::string md5_header = "Digest algorithm=MD5, " + common;
  Credentials c;
  ASSERT_EQ(parse_credentials(sha_header, c), DigestError::ok);
  EXPECT_EQ(c.algorithm, DigestAlgorithm::sha256);
  const std::string ha1 = digest_ha1(DigestAlgorithm::sha256, "Mufasa", "http-auth@example.org", "Circle of Life");
  EXPECT_EQ(digest_response(DigestAlgorithm::sha256, ha1, "GET", c),
            "753927fa0e85d155564e2e272a28d1802ca10daf4496794697cf8db5856cb6c1");
  ASSERT_EQ(parse_credentials(md5_header, c), DigestError::ok);
  const std::string ha1_md5 = digest_ha1(DigestAlgorithm::md5, "Mufasa", "http-auth@example.org", "Circle of Life");
  EXPECT_EQ(digest_response(DigestAlgorithm::md5, ha1_md5, "GET", c), "8ca523f5e9506fed4657c9700eebdbec");
}

TEST(Digest, WithoutQopUsesRfc2069Form) {
  Credentials c;
  ASSERT_EQ(parse_credentials("Digest username=\"a\", realm=\"r\", nonce=\"n\", uri=\"sip:r\", response=\"x\"", c),
            DigestError::ok);
  EXPECT_FALSE(c.has_qop);
  // H(HA1:nonce:HA2) differs from the qop=auth form.
  Credentials with_qop = c;
  with_qop.has_qop = true;
  with_qop.qop = "auth";
  with_qop.nc_text = "00000001";
  with_qop.cnonce = "c";
  const std::string ha1 = digest_ha1(DigestAlgorithm::md5, "a", "r", "p");
  EXPECT_NE(digest_response(DigestAlgorithm::md5, ha1, "REGISTER", c),
            digest_response(DigestAlgorithm::md5, ha1, "REGISTER", with_qop));
  EXPECT_EQ(digest_response(DigestAlgorithm::md5, ha1, "REGISTER", c).size(), 32u);
}

TEST(Digest, ParseErrors) {
  Credentials c;
  EXPECT_EQ(parse_credentials("Basic dXNlcjpwYXNz", c), DigestError::not_digest);
  EXPECT_EQ(parse_credentials("Digest username", c), DigestError::syntax);
  EXPECT_EQ(parse_credentials("Digest username=\"unterminated", c), DigestError::syntax);
  EXPECT_EQ(parse_credentials("Digest username=\"a\" realm=\"r\"", c), DigestError::syntax);  // no comma
  EXPECT_EQ(parse_credentials("Digest username=\"a\", realm=\"r\", nonce=\"n\", uri=\"u\"", c),
            DigestError::missing_field);
  const std::string base = "Digest username=\"a\", realm=\"r\", nonce=\"n\", uri=\"u\", response=\"x\"";
  const std::string sha = base + ", qop=auth, nc=0000000a, cnonce=\"c\", algorithm=sha-256";
  EXPECT_EQ(parse_credentials(base + ", algorithm=MD5-sess", c), DigestError::unsupported_algorithm);
  EXPECT_EQ(parse_credentials(base + ", algorithm=SHA-512-256", c), DigestError::unsupported_algorithm);
  EXPECT_EQ(parse_credentials(base + ", qop=auth-int, nc=00000001, cnonce=\"c\"", c), DigestError::unsupported_qop);
  EXPECT_EQ(parse_credentials(base + ", qop=auth, cnonce=\"c\"", c), DigestError::bad_nonce_count);
  EXPECT_EQ(parse_credentials(base + ", qop=auth, nc=1, cnonce=\"c\"", c), DigestError::bad_nonce_count);
  EXPECT_EQ(parse_credentials(base + ", qop=auth, nc=00000001", c), DigestError::bad_nonce_count);
  EXPECT_EQ(parse_credentials(sha, c), DigestError::ok);
  EXPECT_EQ(c.nc, 10u);
  EXPECT_EQ(c.algorithm, DigestAlgorithm::sha256);
}

TEST(Digest, ChallengeText) {
  EXPECT_EQ(digest_challenge(DigestAlgorithm::sha256, "example.com", "abc", false),
            "Digest realm=\"example.com\", nonce=\"abc\", algorithm=SHA-256, qop=\"auth\"");
  EXPECT_EQ(digest_challenge(DigestAlgorithm::md5, "example.com", "abc", true),
            "Digest realm=\"example.com\", nonce=\"abc\", algorithm=MD5, qop=\"auth\", stale=true");
}

}  // namespace
}  // namespace sipedge::registrar
