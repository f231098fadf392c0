#include <gtest/gtest.h>

#include "registrar/nonce.h"

namespace sipedge::registrar {
namespace {

constexpr std::int64_t kT0 = 1'700'000'000'000;  // unix ms

TEST(Nonce, IssuedNonceIsValidForItsRealmOnly) {
  NonceManager m("secret", 300, 16);
  const std::string n = m.issue("example.com", kT0);
  EXPECT_EQ(n.size(), 48u);
  EXPECT_EQ(m.check(n, "example.com", kT0 + 1000), NonceStatus::valid);
  EXPECT_EQ(m.check(n, "other.com", kT0 + 1000), NonceStatus::invalid);
}

TEST(Nonce, EveryIssueIsDifferent) {
  NonceManager m("secret", 300, 16);
  EXPECT_NE(m.issue("r", kT0), m.issue("r", kT0));
}

TEST(Nonce, TamperedOrForeignIsInvalid) {
  NonceManager m("secret", 300, 16);
  NonceManager other("another secret", 300, 16);
  std::string n = m.issue("r", kT0);
  EXPECT_EQ(m.check(other.issue("r", kT0), "r", kT0), NonceStatus::invalid);
  std::string tampered = n;
  tampered[3] = tampered[3] == '0' ? '1' : '0';  // shift the issue time
  EXPECT_EQ(m.check(tampered, "r", kT0), NonceStatus::invalid);
  EXPECT_EQ(m.check(n.substr(1), "r", kT0), NonceStatus::invalid);
  EXPECT_EQ(m.check("zz" + n.substr(2), "r", kT0), NonceStatus::invalid);
}

TEST(Nonce, SameSecretVerifiesAcrossInstances) {
  // A restarted cp with the configured secret still accepts its nonces.
  NonceManager a("shared", 300, 16);
  NonceManager b("shared", 300, 16);
  EXPECT_EQ(b.check(a.issue("r", kT0), "r", kT0), NonceStatus::valid);
}

TEST(Nonce, StaleAfterLifetime) {
  NonceManager m("secret", 300, 16);
  const std::string n = m.issue("r", kT0);
  EXPECT_EQ(m.check(n, "r", kT0 + 300'000), NonceStatus::valid);
  EXPECT_EQ(m.check(n, "r", kT0 + 300'001), NonceStatus::stale);
  // Far in the future relative to now: not ours (no clock goes that wrong).
  EXPECT_EQ(m.check(n, "r", kT0 - 400'000), NonceStatus::invalid);
}

TEST(Nonce, NonceCountMustIncrease) {
  NonceManager m("secret", 300, 16);
  const std::string n = m.issue("r", kT0);
  EXPECT_TRUE(m.accept(n, true, 1));
  EXPECT_FALSE(m.accept(n, true, 1));  // replay
  EXPECT_TRUE(m.accept(n, true, 2));
  EXPECT_TRUE(m.accept(n, true, 5));  // gaps are fine (lost requests)
  EXPECT_FALSE(m.accept(n, true, 4));
  EXPECT_FALSE(m.accept(n, false, 0));  // a qop-less use of a counted nonce
}

TEST(Nonce, ZeroCountIsRefused) {
  NonceManager m("secret", 300, 16);
  EXPECT_FALSE(m.accept(m.issue("r", kT0), true, 0));
}

TEST(Nonce, WithoutQopOnlyOnce) {
  NonceManager m("secret", 300, 16);
  const std::string n = m.issue("r", kT0);
  EXPECT_TRUE(m.accept(n, false, 0));
  EXPECT_FALSE(m.accept(n, false, 0));
  EXPECT_FALSE(m.accept(n, true, 7));
}

TEST(Nonce, EvictionMakesOlderNoncesStale) {
  NonceManager m("secret", 300, 2);
  const std::string a = m.issue("r", kT0);
  const std::string b = m.issue("r", kT0 + 1);
  const std::string c = m.issue("r", kT0 + 2);
  EXPECT_TRUE(m.accept(a, true, 1));
  EXPECT_TRUE(m.accept(b, true, 1));
  EXPECT_TRUE(m.accept(c, true, 1));  // evicts a (least recently used)
  EXPECT_EQ(m.tracked(), 2u);
  // a's history is gone: it must not be replayable, so it is stale.
  EXPECT_EQ(m.check(a, "r", kT0 + 10), NonceStatus::stale);
  // b and c are still tracked and valid; a fresh nonce is valid.
  EXPECT_EQ(m.check(b, "r", kT0 + 10), NonceStatus::valid);
  EXPECT_EQ(m.check(m.issue("r", kT0 + 5), "r", kT0 + 10), NonceStatus::valid);
}

TEST(Nonce, EmptySecretDrawsARandomOne) {
  NonceManager a("", 300, 16);
  NonceManager b("", 300, 16);
  EXPECT_EQ(a.check(a.issue("r", kT0), "r", kT0), NonceStatus::valid);
  EXPECT_EQ(b.check(a.issue("r", kT0), "r", kT0), NonceStatus::invalid);
}

}  // namespace
}  // namespace sipedge::registrar
