// Digest authentication of REGISTERs (RFC 3261 22.4, RFC 8760).
#include <gtest/gtest.h>

#include "registrar/digest.h"
#include "registrar_fixture.h"

namespace sipedge::registrar::test {
namespace {

constexpr std::string_view kAor = "alice@example.com";

class AuthTest : public RegistrarFixture {
 protected:
  AuthTest() {
    config_.auth = true;
    config_.realm = "example.com";
    options_.nonce_secret = "test-secret";
    std::string error;
    subscribers_.put({"alice", "example.com", "secret", "", ""}, error);
    // Provisioned with HA1 only (MD5 only).
    subscribers_.put({"bob", "example.com", "", digest_ha1(DigestAlgorithm::md5, "bob", "example.com", "pw"), ""},
                     error);
  }

  // The WWW-Authenticate values of the last response.
  std::vector<std::string> challenges() const {
    std::vector<std::string> out;
    for (std::size_t i = last_->msg.find(sip::HeaderId::www_authenticate); i != sip::kNoHeader;
         i = last_->msg.find_next(i))
      out.emplace_back(last_->msg.header(i).value);
    return out;
  }

  // An Authorization header line answering `nonce` as `user` with `password`.
  static std::string authorization(DigestAlgorithm algorithm, std::string_view user, std::string_view password,
                                   const std::string& nonce, std::uint32_t nc, std::string_view realm = "example.com") {
    char nc_text[9];
    std::snprintf(nc_text, sizeof nc_text, "%08x", nc);
    Credentials c;
    c.username = user;
    c.realm = realm;
    c.nonce = nonce;
    c.uri = "sip:example.com";
    c.cnonce = "0a4f113b";
    c.nc_text = nc_text;
    c.nc = nc;
    c.qop = "auth";
    c.has_qop = true;
    c.algorithm = algorithm;
    const std::string ha1 = digest_ha1(algorithm, user, realm, password);
    const std::string response = digest_response(algorithm, ha1, "REGISTER", c);
    return "Authorization: Digest username=\"" + std::string(user) + "\", realm=\"" + std::string(realm) +
           "\", nonce=\"" + nonce + "\", uri=\"sip:example.com\", response=\"" + response +
           "\", algorithm=" + std::string(algorithm_name(algorithm)) + ", cnonce=\"0a4f113b\", qop=auth, nc=" +
           nc_text;
  }

  // Sends an unauthenticated REGISTER and returns the nonce of its 401.
  std::string fresh_nonce(std::uint32_t cseq = 1, std::int64_t now_ms = kNowMs) {
    const Response r = send({.cseq = cseq}, now_ms);
    EXPECT_EQ(r.status, 401);
    return param_of(challenges().at(0), "nonce");
  }
};

TEST_F(AuthTest, NoCredentialsGetsBothChallengesSha256First) {
  const Response r = send({});
  EXPECT_EQ(r.status, 401);
  EXPECT_EQ(r.outcome, Outcome::auth_challenge);
  const auto c = challenges();
  ASSERT_EQ(c.size(), 2u);
  EXPECT_EQ(param_of(c[0], "algorithm"), "SHA-256");
  EXPECT_EQ(param_of(c[1], "algorithm"), "MD5");
  EXPECT_EQ(param_of(c[0], "realm"), "example.com");
  EXPECT_EQ(param_of(c[0], "qop"), "auth");
  EXPECT_EQ(param_of(c[0], "stale"), "");
  EXPECT_EQ(param_of(c[0], "nonce").size(), 48u);
  EXPECT_EQ(store_.binding_count(), 0u);
}

TEST_F(AuthTest, Md5Succeeds) {
  const std::string nonce = fresh_nonce();
  const Response r = send({.cseq = 2, .extra = {authorization(DigestAlgorithm::md5, "alice", "secret", nonce, 1)}});
  EXPECT_EQ(r.status, 200) << r.text;
  EXPECT_NE(store_.find(kAor, "sip:alice@192.168.1.20:5060"), nullptr);
}

TEST_F(AuthTest, Sha256Succeeds) {
  const std::string nonce = fresh_nonce();
  const Response r =
      send({.cseq = 2, .extra = {authorization(DigestAlgorithm::sha256, "alice", "secret", nonce, 1)}});
  EXPECT_EQ(r.status, 200) << r.text;
}

TEST_F(AuthTest, Ha1OnlySubscriberAuthenticatesWithMd5Only) {
  const std::string nonce = fresh_nonce(1);
  auto bob = [](std::uint32_t cseq, std::string auth) {
    return RegisterSpec{.to = "sip:bob@example.com", .contacts = {"<sip:bob@10.0.0.5>"}, .cseq = cseq,
                        .extra = {std::move(auth)}};
  };
  EXPECT_EQ(send(bob(2, authorization(DigestAlgorithm::sha256, "bob", "pw", nonce, 1))).status, 401);
  EXPECT_EQ(send(bob(3, authorization(DigestAlgorithm::md5, "bob", "pw", nonce, 2))).status, 200);
}

TEST_F(AuthTest, WrongPasswordOrUnknownUserIs401) {
  const std::string nonce = fresh_nonce();
  Response r = send({.cseq = 2, .extra = {authorization(DigestAlgorithm::sha256, "alice", "guess", nonce, 1)}});
  EXPECT_EQ(r.status, 401);
  EXPECT_EQ(r.outcome, Outcome::auth_failed);
  EXPECT_EQ(param_of(challenges().at(0), "stale"), "");
  r = send({.to = "sip:mallory@example.com",
            .cseq = 3,
            .extra = {authorization(DigestAlgorithm::md5, "mallory", "x", nonce, 2)}});
  EXPECT_EQ(r.outcome, Outcome::auth_failed);
  EXPECT_EQ(store_.binding_count(), 0u);
}

TEST_F(AuthTest, StaleNonceIs401WithStaleTrueThenANewNonceWorks) {
  const std::string nonce = fresh_nonce();
  const std::int64_t later = kNowMs + 301'000;  // past the 300 s lifetime
  Response r = send({.cseq = 2, .extra = {authorization(DigestAlgorithm::md5, "alice", "secret", nonce, 1)}}, later);
  EXPECT_EQ(r.status, 401);
  EXPECT_EQ(r.outcome, Outcome::auth_stale);
  ASSERT_EQ(challenges().size(), 2u);
  EXPECT_EQ(param_of(challenges()[0], "stale"), "true");
  const std::string renewed = param_of(challenges()[0], "nonce");
  EXPECT_NE(renewed, nonce);
  r = send({.cseq = 3, .extra = {authorization(DigestAlgorithm::md5, "alice", "secret", renewed, 1)}}, later);
  EXPECT_EQ(r.status, 200);
}

TEST_F(AuthTest, StaleWithAWrongPasswordIsNotStale) {
  const std::string nonce = fresh_nonce();
  const Response r = send({.cseq = 2, .extra = {authorization(DigestAlgorithm::md5, "alice", "guess", nonce, 1)}},
                          kNowMs + 301'000);
  EXPECT_EQ(r.outcome, Outcome::auth_failed);
  EXPECT_EQ(param_of(challenges().at(0), "stale"), "");
}

TEST_F(AuthTest, ReplayedNonceCountIsRefused) {
  const std::string nonce = fresh_nonce();
  const std::string auth = authorization(DigestAlgorithm::sha256, "alice", "secret", nonce, 1);
  EXPECT_EQ(send({.cseq = 2, .extra = {auth}}).status, 200);
  // The same request again (a captured REGISTER replayed with a new CSeq
  // would fail the digest; the identical one must fail on nc).
  const Response r = send({.cseq = 3, .extra = {auth}});
  EXPECT_EQ(r.status, 401);
  EXPECT_EQ(r.outcome, Outcome::auth_replay);
  // The UA's next use of the nonce with nc=2 is fine.
  EXPECT_EQ(send({.cseq = 4, .extra = {authorization(DigestAlgorithm::sha256, "alice", "secret", nonce, 2)}}).status,
            200);
}

TEST_F(AuthTest, ForgedNonceIs401) {
  const std::string forged(48, 'a');
  const Response r =
      send({.cseq = 2, .extra = {authorization(DigestAlgorithm::md5, "alice", "secret", forged, 1)}});
  EXPECT_EQ(r.outcome, Outcome::auth_failed);
}

TEST_F(AuthTest, CredentialsForAnotherRealmAreIgnored) {
  const std::string nonce = fresh_nonce();
  const Response r = send(
      {.cseq = 2, .extra = {authorization(DigestAlgorithm::md5, "alice", "secret", nonce, 1, "other.example")}});
  EXPECT_EQ(r.outcome, Outcome::auth_challenge);
}

TEST_F(AuthTest, AuthenticatedUserMustOwnTheAor) {
  const std::string nonce = fresh_nonce();
  const Response r = send({.to = "sip:carol@example.com",
                           .cseq = 2,
                           .extra = {authorization(DigestAlgorithm::md5, "alice", "secret", nonce, 1)}});
  EXPECT_EQ(r.status, 403);
  EXPECT_EQ(r.outcome, Outcome::forbidden);
  EXPECT_EQ(store_.binding_count(), 0u);
}

TEST_F(AuthTest, MalformedAuthorizationIs400) {
  const Response r = send({.extra = {"Authorization: Digest username=\"alice\", realm=\"example.com\""}});
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(last_->msg.reason(), "Malformed Authorization");
}

TEST_F(AuthTest, UnsupportedAlgorithmIsChallengedAgain) {
  const Response r = send({.extra = {"Authorization: Digest username=\"alice\", realm=\"example.com\", nonce=\"n\", "
                                     "uri=\"sip:example.com\", response=\"r\", algorithm=MD5-sess"}});
  EXPECT_EQ(r.status, 401);
  EXPECT_EQ(r.outcome, Outcome::auth_challenge);
}

}  // namespace
}  // namespace sipedge::registrar::test
