// ControlPlane against a real SQLite file: REGISTER durability, restart,
// expiry, calls to registered users, punt input hygiene, metrics.
#include <gtest/gtest.h>

#include "cp_fixture.h"
#include "sip/message.h"
#include "registrar/digest.h"
#include "store/indexed_store.h"
#include "store/sqlite_subscriber_store.h"
#include "store/subscriber.h"
#include "cp/subscribers_api.h"

namespace sipedge::cp::test {
namespace {

using registrar::test::parse;

std::string first_line(const std::string& s) { return s.substr(0, s.find("\r\n")); }

std::size_t count_rows(const std::string& path, std::int64_t now_s) {
  store::SqliteStore other({.path = path});
  auto loaded = other.load_all(now_s);
  EXPECT_TRUE(loaded.ok) << loaded.error;
  return other.binding_count();
}

class ControlPlaneTest : public CpFixture {
 protected:
  void SetUp() override { start(); }
};

TEST_F(ControlPlaneTest, RegisterIsAnsweredOnlyOnceTheBindingIsDurable) {
  punt(from_phone(), register_text({}));
  // Handled, but the binding is not in the file yet: no answer before the turn ends.
  EXPECT_TRUE(outbox_.sent.empty());
  EXPECT_EQ(cp_->held(), 1u);
  EXPECT_EQ(count_rows(config_.store.sqlite.path, now().unix_ms / 1000), 0u);

  cp_->end_turn(now());
  auto sent = outbox_.take();
  ASSERT_EQ(sent.size(), 1u);
  EXPECT_EQ(sent[0].header.type, punt::MessageType::Tx);
  EXPECT_EQ(sent[0].header.src_ipv4, 0u) << "from the VIP";
  EXPECT_EQ(sent[0].header.dst_ipv4, kPhoneIp);
  EXPECT_EQ(sent[0].header.dst_port, kPhonePort);
  EXPECT_EQ(first_line(sent[0].payload), "SIP/2.0 200 OK");
  EXPECT_EQ(count_rows(config_.store.sqlite.path, now().unix_ms / 1000), 1u);
}

TEST_F(ControlPlaneTest, RegistersOfOneTurnShareOneTransaction) {
  for (int i = 0; i < 5; ++i) {
    RegisterSpec spec;
    spec.to = "sip:user" + std::to_string(i) + "@example.com";
    spec.call_id = "c" + std::to_string(i);
    punt(from_phone(), register_text(spec));
  }
  cp_->end_turn(now());
  EXPECT_EQ(outbox_.take().size(), 5u);
  EXPECT_EQ(store_->stats().flushes, 1u);
  EXPECT_EQ(store_->stats().rows_written, 5u);
}

// registrar.flood_rate: a source over its REGISTER rate (burst: two
// seconds' worth) is dropped and counted; 0 switches the limit off.
class FloodTest : public CpFixture {
 protected:
  std::size_t answered_of(int registers) {
    for (int i = 0; i < registers; ++i) {
      RegisterSpec spec;
      // Appends, not operator+ chains: GCC 12 -O3 sees a false -Wrestrict in those.
      spec.to = "sip:flood";
      spec.to.append(std::to_string(i)).append("@example.com");
      spec.call_id = "f";
      spec.call_id.append(std::to_string(i));
      punt(from_phone(), register_text(spec));
    }
    cp_->end_turn(now());
    return outbox_.take().size();
  }
};

TEST_F(FloodTest, OneSourceIsLimitedToItsRate) {
  config_.registrar.flood_rate = 3;
  start();
  EXPECT_EQ(answered_of(20), 6u);
}

TEST_F(FloodTest, ZeroRateMeansNoLimit) {
  config_.registrar.flood_rate = 0;
  start();
  EXPECT_EQ(answered_of(100), 100u);
}

TEST_F(ControlPlaneTest, ErrorsAreAnsweredAtOnce) {
  RegisterSpec spec;
  spec.expires = 10;  // below min_expires
  punt(from_phone(), register_text(spec));
  auto sent = outbox_.take();
  ASSERT_EQ(sent.size(), 1u);
  EXPECT_EQ(first_line(sent[0].payload), "SIP/2.0 423 Interval Too Brief");
}

TEST_F(ControlPlaneTest, BindingsSurviveARestart) {
  register_phone();
  ASSERT_EQ(store_->binding_count(), 1u);
  stop();
  advance_clock_only(5000);
  start();
  ASSERT_EQ(store_->binding_count(), 1u);
  const auto b = store_->lookup("alice@example.com");
  ASSERT_EQ(b.size(), 1u);
  EXPECT_EQ(b[0].received, (store::Endpoint{kPhoneIp, kPhonePort}));
  EXPECT_TRUE(b[0].nat);
  EXPECT_EQ(cp_->keepalive().size(), 1u) << "loaded NAT bindings are kept alive again";
  EXPECT_NE(cp_->metrics_text().find("\nsipedge_registrations 1\n"), std::string::npos);
}

TEST_F(ControlPlaneTest, ExpiredBindingsAreRemoved) {
  RegisterSpec spec;
  spec.expires = 60;
  register_phone(spec);
  ASSERT_EQ(store_->binding_count(), 1u);
  advance(59'000);
  EXPECT_EQ(store_->binding_count(), 1u);
  advance(2'000);
  EXPECT_EQ(store_->binding_count(), 0u);
  EXPECT_EQ(cp_->keepalive().size(), 0u);
  EXPECT_EQ(count_rows(config_.store.sqlite.path, now().unix_ms / 1000 - 100), 0u) << "the deletion is durable";
}

punt::Header from_server() {
  return {.type = punt::MessageType::Punt,
          .flags = punt::kFlagLocalLookup,
          .port_id = 1,
          .src_ipv4 = kServerIp,
          .dst_ipv4 = kInside,
          .src_port = 5060,
          .dst_port = 5060};
}

std::string invite_to(std::string_view ruri, int max_forwards = 70) {
  std::string t = "INVITE " + std::string(ruri) + " SIP/2.0\r\n";
  t += "Via: SIP/2.0/UDP 198.51.100.20:5060;branch=z9hG4bK-inv1\r\n";
  t += "Max-Forwards: " + std::to_string(max_forwards) + "\r\n";
  t += "From: <sip:bob@example.com>;tag=b1\r\nTo: <" + std::string(ruri) + ">\r\n";
  t += "Call-ID: inv-1@server\r\nCSeq: 1 INVITE\r\nContact: <sip:bob@198.51.100.20:5060>\r\n";
  t += "Content-Length: 0\r\n\r\n";
  return t;
}

TEST_F(ControlPlaneTest, CallToARegisteredUserGoesToItsBinding) {
  register_phone();
  outbox_.take();
  punt(from_server(), invite_to("sip:alice@example.com"));
  auto sent = outbox_.take();
  ASSERT_EQ(sent.size(), 1u);
  EXPECT_EQ(sent[0].header.type, punt::MessageType::Tx);
  EXPECT_EQ(sent[0].header.dst_ipv4, kPhoneIp) << "the binding's received address, not the Contact";
  EXPECT_EQ(sent[0].header.dst_port, kPhonePort);
  EXPECT_EQ(sent[0].header.src_ipv4, kVip) << "from the VIP the REGISTER reached";
  auto out = parse(sent[0].payload);
  ASSERT_EQ(out->error, sip::ParseError::ok) << sent[0].payload;
  EXPECT_EQ(out->msg.request_uri(), "sip:alice@192.168.1.20:5060");
  auto via = out->msg.top_via();
  ASSERT_TRUE(via);
  EXPECT_TRUE(via->branch.starts_with(kProxyBranchPrefix)) << via->branch;
  EXPECT_EQ(via->host, "203.0.113.10");
  EXPECT_EQ(out->msg.max_forwards(), 69u);
  const auto rr = registrar::test::header_values(out->msg, sip::HeaderId::record_route);
  ASSERT_EQ(rr.size(), 2u);
  EXPECT_EQ(rr[0], "<sip:203.0.113.10:5060;lr>");
  EXPECT_EQ(rr[1], "<sip:198.51.100.1:5060;lr>");
  EXPECT_EQ(cp_->counters().get(Counter::lookup_found), 1u);
}

TEST_F(ControlPlaneTest, BestBindingIsTheHighestQ) {
  RegisterSpec spec;
  spec.contacts = {"<sip:alice@192.168.1.20:5060>;q=0.5", "<sip:alice@192.168.1.21:5060>;q=0.9"};
  register_phone(spec);
  outbox_.take();
  punt(from_server(), invite_to("sip:alice@example.com"));
  auto sent = outbox_.take();
  ASSERT_EQ(sent.size(), 1u);
  auto out = parse(sent[0].payload);
  EXPECT_EQ(out->msg.request_uri(), "sip:alice@192.168.1.21:5060");
}

TEST_F(ControlPlaneTest, CallToAnUnknownUserGets404FromTheEdge) {
  punt(from_server(), invite_to("sip:nobody@example.com"));
  auto sent = outbox_.take();
  ASSERT_EQ(sent.size(), 1u);
  EXPECT_EQ(first_line(sent[0].payload), "SIP/2.0 404 Not Found");
  EXPECT_EQ(sent[0].header.dst_ipv4, kServerIp);
  EXPECT_EQ(sent[0].header.src_ipv4, kInside) << "answered from the address the request reached";
  punt(from_server(), invite_to("sip:alice@foreign.example"));
  sent = outbox_.take();
  ASSERT_EQ(sent.size(), 1u);
  EXPECT_EQ(first_line(sent[0].payload), "SIP/2.0 404 Not Found");
  EXPECT_EQ(cp_->counters().get(Counter::lookup_not_found), 2u);
}

TEST_F(ControlPlaneTest, MaxForwardsZeroGets483) {
  register_phone();
  outbox_.take();
  punt(from_server(), invite_to("sip:alice@example.com", 0));
  auto sent = outbox_.take();
  ASSERT_EQ(sent.size(), 1u);
  EXPECT_EQ(first_line(sent[0].payload), "SIP/2.0 483 Too Many Hops");
}

// An INVITE from the phone behind its NAT: private Via and Contact.
std::string invite_from_phone(std::string_view contact = "<sip:alice@192.168.1.20:5060>") {
  std::string t = "INVITE sip:carol@example.com SIP/2.0\r\n";
  t += "Via: SIP/2.0/UDP 192.168.1.20:5060;branch=z9hG4bK-nat1;rport\r\n";
  t += "Max-Forwards: 70\r\n";
  t += "From: <sip:alice@example.com>;tag=a1\r\nTo: <sip:carol@example.com>\r\n";
  t += "Call-ID: nat-1@phone\r\nCSeq: 1 INVITE\r\n";
  t += "Contact: " + std::string(contact) + "\r\n";
  t += "Content-Length: 0\r\n\r\n";
  return t;
}

TEST_F(ControlPlaneTest, NatFlaggedRequestsGoBackFixed) {
  punt(from_phone(), invite_from_phone());
  auto sent = outbox_.take();
  ASSERT_EQ(sent.size(), 1u);
  EXPECT_EQ(sent[0].header.type, punt::MessageType::Dispatch);
  EXPECT_EQ(sent[0].header.src_ipv4, kPhoneIp) << "the fast path judges the source as it came";
  EXPECT_EQ(sent[0].header.src_port, kPhonePort);
  EXPECT_EQ(sent[0].header.nat_bits, 0x3u);
  EXPECT_EQ(sent[0].header.flags, punt::kFlagOutside);
  auto out = parse(sent[0].payload);
  ASSERT_EQ(out->error, sip::ParseError::ok) << sent[0].payload;
  const auto via = out->msg.top_via();
  ASSERT_TRUE(via);
  EXPECT_EQ(via->received, "203.0.113.7");
  EXPECT_EQ(via->rport, kPhonePort);
  EXPECT_EQ(registrar::test::header_values(out->msg, sip::HeaderId::contact),
            std::vector<std::string>{"<sip:alice@192.168.1.20:5060;alias=203.0.113.7~40000~1>"});
  EXPECT_EQ(out->msg.call_id(), "nat-1@phone");
  EXPECT_EQ(cp_->counters().get(Counter::nat_fixed), 1u);
  EXPECT_EQ(cp_->counters().get(Counter::nat_dispatched), 0u);
}

TEST_F(ControlPlaneTest, RequestsNotNatedByTheRulesGoBackUnchanged) {
  // A [[nat.rule]] never for the phone's prefix wins over the dataplane's bits.
  config::NatRule never;
  never.prefix = {kPhoneIp & 0xFFFFFF00u, 24};
  never.action = config::NatRuleAction::kNever;
  config_.nat.rules = {never};
  const std::string invite = invite_from_phone();
  punt(from_phone(), invite);
  auto sent = outbox_.take();
  ASSERT_EQ(sent.size(), 1u);
  EXPECT_EQ(sent[0].header.type, punt::MessageType::Dispatch);
  EXPECT_EQ(sent[0].payload, invite);
  EXPECT_EQ(cp_->counters().get(Counter::nat_dispatched), 1u);

  // And with the fix off, nothing is rewritten either.
  config_.nat.rules.clear();
  config_.nat.fix = false;
  punt(from_phone(), invite);
  sent = outbox_.take();
  ASSERT_EQ(sent.size(), 1u);
  EXPECT_EQ(sent[0].payload, invite);
  EXPECT_EQ(cp_->counters().get(Counter::nat_dispatched), 2u);
  EXPECT_EQ(cp_->counters().get(Counter::nat_fixed), 0u);
}

TEST_F(ControlPlaneTest, ForcedRulesFixEvenWithoutDataplaneBits) {
  config::NatRule force;
  force.prefix = {kPhoneIp & 0xFFFFFF00u, 24};
  force.action = config::NatRuleAction::kForce;
  config_.nat.rules = {force};
  punt(from_phone(0), invite_from_phone("<sip:alice@203.0.113.7:40000>"));
  auto sent = outbox_.take();
  ASSERT_EQ(sent.size(), 1u);
  auto out = parse(sent[0].payload);
  ASSERT_EQ(out->error, sip::ParseError::ok);
  EXPECT_EQ(registrar::test::header_values(out->msg, sip::HeaderId::contact),
            std::vector<std::string>{"<sip:alice@203.0.113.7:40000;alias=203.0.113.7~40000~1>"});
  EXPECT_EQ(cp_->counters().get(Counter::nat_fixed), 1u);
}

TEST_F(ControlPlaneTest, UnfixableRequestsStillGoBackCounted) {
  // More Contacts than the Rewriter has edits for: sent on unchanged, not lost.
  std::string contacts = "<sip:a0@192.168.1.20>";
  for (int i = 1; i < 30; ++i) {
    contacts += ", sip:a";
    contacts += std::to_string(i);
    contacts += "@192.168.1.20";
  }
  const std::string invite = invite_from_phone(contacts);
  punt(from_phone(), invite);
  auto sent = outbox_.take();
  ASSERT_EQ(sent.size(), 1u);
  EXPECT_EQ(sent[0].payload, invite);
  EXPECT_EQ(cp_->counters().get(Counter::nat_fix_failed), 1u);
}

TEST_F(ControlPlaneTest, GarbageIsCountedNeverFatal) {
  const std::uint8_t junk[] = {1, 2, 3};
  cp_->on_message(junk, now());
  punt(from_phone(), "REGISTER nonsense\r\n\r\n");
  auto truncated = punt_datagram(from_phone(), register_text({}));
  // erase, not resize: GCC 12 -O3 with ASan sees a false -Wstringop-overflow in resize.
  truncated.erase(truncated.end() - 10, truncated.end());
  cp_->on_message(truncated, now());
  cp_->end_turn(now());
  EXPECT_TRUE(outbox_.sent.empty());
  EXPECT_EQ(cp_->counters().get(Counter::punts_bad), 3u);
  EXPECT_EQ(store_->binding_count(), 0u);
}

// A dataplane of the previous release (punt version 1, 40-byte header): the
// log names both versions, once, and nothing it sends is acted on.
TEST_F(ControlPlaneTest, AnotherPuntVersionIsNamedOnce) {
  std::vector<std::uint8_t> v1(40 + 5, 0);
  v1[0] = 'S';
  v1[1] = 'P';
  v1[2] = 'N';
  v1[3] = 'T';
  v1[4] = 1;                                                 // version
  v1[5] = static_cast<std::uint8_t>(punt::MessageType::Hello);
  v1[28] = 5;                                                // payload length
  ::testing::internal::CaptureStderr();
  cp_->on_message(v1, now());
  cp_->on_message(v1, now());
  const std::string log = ::testing::internal::GetCapturedStderr();
  const std::string line = "the dataplane speaks punt protocol version 1, this sipedge-cp version 2";
  EXPECT_NE(log.find(line), std::string::npos) << log;
  EXPECT_EQ(log.find(line), log.rfind(line)) << "logged once: " << log;
  EXPECT_EQ(cp_->counters().get(Counter::punts_bad), 2u);
  EXPECT_TRUE(outbox_.sent.empty());
}

TEST_F(ControlPlaneTest, HelloRecordsTheConfigGeneration) {
  punt::Header h{.type = punt::MessageType::Hello, .cookie = 7};
  cp_->on_message(punt_datagram(h, "sipedge-dp node=x"), now());
  EXPECT_EQ(cp_->dataplane_generation(), 7u);
}

TEST_F(ControlPlaneTest, NoAnswerIsLostSilentlyWhenTheDataplaneIsGone) {
  outbox_.up = false;
  register_phone();
  EXPECT_EQ(cp_->counters().get(Counter::tx_dropped), 1u);
}

TEST_F(ControlPlaneTest, MetricsCountPuntsRegistrationsAndStoreWrites) {
  register_phone();
  const std::string m = cp_->metrics_text();
  EXPECT_NE(m.find("\nsipedge_cp_punts_received_total 1\n"), std::string::npos) << m;
  EXPECT_NE(m.find("\nsipedge_registrations 1\n"), std::string::npos);
  EXPECT_NE(m.find("\nsipedge_registrar_requests_total{outcome=\"updated\"} 1\n"), std::string::npos);
  EXPECT_NE(m.find("\nsipedge_store_writes_total 1\n"), std::string::npos);
  EXPECT_NE(m.find("\nsipedge_store_failures_total 0\n"), std::string::npos);
  EXPECT_NE(m.find("# TYPE sipedge_keepalive_rtt_seconds histogram\n"), std::string::npos);
}

}  // namespace
}  // namespace sipedge::cp::test

namespace sipedge::cp::test {
namespace {

// A backend whose writes fail until told otherwise.
class FlakyStore final : public store::IndexedStore {
 public:
  bool failing = true;

 protected:
  bool persist(std::span<const store::PersistRow>, std::string& error) override {
    if (failing) error = "disk on fire";
    return !failing;
  }
  bool load_rows(std::vector<store::Binding>&, std::string&) override { return true; }
};

TEST(ControlPlaneStore, FailedWritesAreRetriedThenAnswered500NeverLost) {
  TempDir dir;
  const config::Config config = test_config(dir.path());
  FlakyStore store;
  CapturingOutbox outbox;
  ControlPlane cp(config, store, nullptr, outbox);
  const Now now{kStartMs, 1'000'000};
  cp.on_message(punt_datagram(from_phone(), register_text({})), now);
  for (std::uint32_t turn = 1; turn < kStoreFailuresBefore500; ++turn) {
    cp.end_turn(now);
    EXPECT_TRUE(outbox.sent.empty()) << "no 200 for a binding that is not durable, turn " << turn;
  }
  cp.end_turn(now);
  auto sent = outbox.take();
  ASSERT_EQ(sent.size(), 1u);
  EXPECT_TRUE(sent[0].payload.starts_with("SIP/2.0 500 ")) << sent[0].payload;
  EXPECT_EQ(cp.counters().get(Counter::register_store_500), 1u);
  EXPECT_NE(cp.metrics_text().find("\nsipedge_store_failures_total 3\n"), std::string::npos);
  // The write itself is kept and retried: it lands once the backend recovers.
  store.failing = false;
  cp.end_turn(now);
  EXPECT_EQ(store.pending(), 0u);
  EXPECT_EQ(store.stats().rows_written, 1u);
}

// Digest authentication through sipedge-cp (the registrar library's own
// tests cover the algorithms, nonces and replays): the 401 goes back to the
// phone, the answered challenge is bound and gets its 200 once
// durable, and a wrong password never binds.
class ControlPlaneAuthTest : public CpFixture {
 protected:
  ControlPlaneAuthTest() {
    config_.registrar.auth = true;
    config_.registrar.realm = "example.com";
    std::string error;
    EXPECT_TRUE(subscribers_table_.put({"alice", "example.com", "secret", "", ""}, error)) << error;
    subscribers_ = &subscribers_table_;
  }

  // The only message sent since the last call, parsed; its status and the MD5 challenge's nonce.
  std::pair<std::uint32_t, std::string> answer() {
    auto sent = outbox_.take();
    EXPECT_EQ(sent.size(), 1u);
    if (sent.size() != 1) return {0, {}};
    EXPECT_EQ(sent[0].header.type, punt::MessageType::Tx);
    EXPECT_EQ(sent[0].header.dst_ipv4, kPhoneIp);
    EXPECT_EQ(sent[0].header.src_ipv4, 0u) << "from the VIP, like every REGISTER answer";
    last_text_ = sent[0].payload;
    auto out = parse(last_text_);
    EXPECT_EQ(out->error, sip::ParseError::ok) << last_text_;
    std::string nonce;
    for (const auto& v : registrar::test::header_values(out->msg, sip::HeaderId::www_authenticate))
      if (registrar::test::param_of(v, "algorithm") == "MD5") nonce = registrar::test::param_of(v, "nonce");
    return {out->msg.status_code(), nonce};
  }

  static std::string authorization(const std::string& nonce, std::string_view password) {
    registrar::Credentials c;
    c.username = "alice";
    c.realm = "example.com";
    c.nonce = nonce;
    c.uri = "sip:example.com";
    c.cnonce = "0a4f113b";
    c.nc_text = "00000001";
    c.nc = 1;
    c.qop = "auth";
    c.has_qop = true;
    c.algorithm = registrar::DigestAlgorithm::md5;
    const std::string ha1 = registrar::digest_ha1(registrar::DigestAlgorithm::md5, "alice", "example.com", password);
    const std::string response = registrar::digest_response(registrar::DigestAlgorithm::md5, ha1, "REGISTER", c);
    return "Authorization: Digest username=\"alice\", realm=\"example.com\", nonce=\"" + nonce +
           "\", uri=\"sip:example.com\", response=\"" + response +
           "\", algorithm=MD5, cnonce=\"0a4f113b\", qop=auth, nc=00000001";
  }

  store::MemorySubscriberStore subscribers_table_;
  std::string last_text_;
};

TEST_F(ControlPlaneAuthTest, ChallengeThenAuthorizedRegisterIsBound) {
  start();
  register_phone({.cseq = 1});
  const auto [status, nonce] = answer();
  ASSERT_EQ(status, 401u) << last_text_;
  ASSERT_FALSE(nonce.empty()) << last_text_;
  EXPECT_TRUE(store_->lookup("alice@example.com").empty());

  register_phone({.cseq = 2, .extra = {authorization(nonce, "secret")}});
  EXPECT_EQ(answer().first, 200u) << last_text_;
  EXPECT_EQ(store_->lookup("alice@example.com").size(), 1u);
}

TEST_F(ControlPlaneAuthTest, WrongPasswordIsNotBound) {
  start();
  register_phone({.cseq = 1});
  const auto [status, nonce] = answer();
  ASSERT_EQ(status, 401u) << last_text_;
  register_phone({.cseq = 2, .extra = {authorization(nonce, "wrong")}});
  const auto second = answer().first;
  EXPECT_TRUE(second == 401u || second == 403u) << last_text_;
  EXPECT_TRUE(store_->lookup("alice@example.com").empty());
}

// Provisioned through the API (what sipedgectl subscriber does) into the
// SQLite subscriber store the running control plane authenticates against:
// the very next REGISTER authenticates, without a restart or a reload, and
// after the removal it is challenged again and never bound.
TEST_F(ControlPlaneAuthTest, ApiProvisioningTakesEffectAtOnce) {
  store::SqliteSubscriberStore sqlite_subscribers(config_.store.sqlite.path);
  subscribers_ = &sqlite_subscribers;
  start();
  register_phone({.cseq = 1});
  auto [status, nonce] = answer();
  ASSERT_EQ(status, 401u) << last_text_;
  register_phone({.cseq = 2, .extra = {authorization(nonce, "secret")}});
  status = answer().first;
  EXPECT_TRUE(status == 401u || status == 403u) << "not provisioned yet: " << last_text_;
  EXPECT_TRUE(store_->lookup("alice@example.com").empty());

  Counters counters;
  ASSERT_EQ(subscriber_add(sqlite_subscribers, "username=alice&realm=example.com&password=secret", counters).status,
            200);
  register_phone({.cseq = 3});
  std::tie(status, nonce) = answer();
  ASSERT_EQ(status, 401u) << last_text_;
  register_phone({.cseq = 4, .extra = {authorization(nonce, "secret")}});
  EXPECT_EQ(answer().first, 200u) << last_text_;
  EXPECT_EQ(store_->lookup("alice@example.com").size(), 1u);

  ASSERT_EQ(subscriber_delete(sqlite_subscribers, "alice@example.com", counters).status, 200);
  register_phone({.cseq = 5});
  std::tie(status, nonce) = answer();
  ASSERT_EQ(status, 401u) << last_text_;
  register_phone({.cseq = 6, .extra = {authorization(nonce, "secret")}});
  status = answer().first;
  EXPECT_TRUE(status == 401u || status == 403u) << "removed: " << last_text_;
  EXPECT_EQ(counters.get(Counter::subscriber_added), 1u);
  EXPECT_EQ(counters.get(Counter::subscriber_removed), 1u);
}

}  // namespace
}  // namespace sipedge::cp::test
