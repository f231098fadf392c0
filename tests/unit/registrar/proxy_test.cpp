#include <gtest/gtest.h>

#include "registrar/proxy.h"
#include "sip_text.h"
#include "store/memory_store.h"

namespace sipedge::registrar {
namespace {

using test::make_register;
using test::parse;
using test::RegisterSpec;

constexpr std::int64_t kNowMs = 1'700'000'000'000;
constexpr std::int64_t kNow = kNowMs / 1000;

std::string ok_text(const std::string& contacts, const std::string& extra = "") {
  return "SIP/2.0 200 OK\r\n"
         "Via: SIP/2.0/UDP 192.168.1.20:5060;branch=z9hG4bK-1;received=198.51.100.7;rport=40000\r\n"
         "From: <sip:alice@example.com>;tag=from1\r\n"
         "To: <sip:alice@example.com>;tag=reg1\r\n"
         "Call-ID: call-1@phone\r\n"
         "CSeq: 1 REGISTER\r\n" +
         contacts + extra + "Content-Length: 0\r\n\r\n";
}

TEST(Upstream, ExtractsContactsAndExpiries) {
  auto ok = parse(ok_text(
      "Contact: <sip:alice@192.168.1.20:5060>;expires=600;q=0.5\r\n"
      "Contact: <sip:alice@10.0.0.9>;+sip.instance=\"<urn:uuid:1>\";reg-id=2\r\n",
      "Expires: 300\r\n"));
  ASSERT_EQ(ok->error, sip::ParseError::ok);
  UpstreamBindings out;
  ASSERT_EQ(extract_bindings(ok->msg, 3600, out), UpstreamError::ok);
  EXPECT_EQ(out.aor, "alice@example.com");
  ASSERT_EQ(out.bindings.size(), 2u);
  EXPECT_EQ(out.bindings[0].contact, "sip:alice@192.168.1.20:5060");
  EXPECT_EQ(out.bindings[0].expires, 600u);
  EXPECT_EQ(out.bindings[0].q, 500);
  EXPECT_TRUE(out.bindings[0].has_q);
  EXPECT_EQ(out.bindings[1].expires, 300u);  // from Expires
  EXPECT_EQ(out.bindings[1].instance_id, "<urn:uuid:1>");
  EXPECT_EQ(out.bindings[1].reg_id, 2u);
}

TEST(Upstream, DefaultExpiryAndErrors) {
  UpstreamBindings out;
  auto ok = parse(ok_text("Contact: <sip:alice@192.168.1.20>\r\n"));
  ASSERT_EQ(extract_bindings(ok->msg, 1234, out), UpstreamError::ok);
  EXPECT_EQ(out.bindings.at(0).expires, 1234u);

  auto busy = parse(
      "SIP/2.0 486 Busy Here\r\nVia: SIP/2.0/UDP h;branch=z9hG4bK1\r\nFrom: <sip:a@b>;tag=1\r\nTo: <sip:a@b>\r\n"
      "Call-ID: x\r\nCSeq: 1 REGISTER\r\nContent-Length: 0\r\n\r\n");
  EXPECT_EQ(extract_bindings(busy->msg, 60, out), UpstreamError::not_success);
  auto invite = parse(
      "SIP/2.0 200 OK\r\nVia: SIP/2.0/UDP h;branch=z9hG4bK1\r\nFrom: <sip:a@b>;tag=1\r\nTo: <sip:a@b>\r\n"
      "Call-ID: x\r\nCSeq: 1 INVITE\r\nContent-Length: 0\r\n\r\n");
  EXPECT_EQ(extract_bindings(invite->msg, 60, out), UpstreamError::not_register);
  auto bad_expires = parse(ok_text("Contact: <sip:alice@h>;expires=soon\r\n"));
  EXPECT_EQ(extract_bindings(bad_expires->msg, 60, out), UpstreamError::bad_expires);
  auto bad_contact = parse(ok_text("Contact: <sip:alice@h\r\n"));
  EXPECT_EQ(extract_bindings(bad_contact->msg, 60, out), UpstreamError::bad_contact);
}

store::Binding upstream_binding(std::int64_t registered_at, std::uint32_t lifetime) {
  store::Binding b;
  b.aor = "alice@example.com";
  b.contact = "sip:alice@192.168.1.20:5060";
  b.received = {0xC6336407, 40000};
  b.call_id = "call-1@phone";
  b.cseq = 1;
  b.registered_at = registered_at;
  b.expires_at = registered_at + lifetime;
  return b;
}

TEST(Refresh, DecisionPerBinding) {
  const store::Binding stored = upstream_binding(kNow - 100, 3600);
  const std::vector<std::string> no_path;
  RefreshContact c{"sip:alice@192.168.1.20:5060", {0xC6336407, 40000}, &no_path, "call-1@phone", 60};
  EXPECT_EQ(decide_refresh(&stored, c, kNow), RefreshReason::absorbed);
  EXPECT_EQ(decide_refresh(nullptr, c, kNow), RefreshReason::new_binding);
  RefreshContact removal = c;
  removal.expires = 0;
  EXPECT_EQ(decide_refresh(&stored, removal, kNow), RefreshReason::removal);
  RefreshContact moved = c;
  moved.received.port = 40001;
  EXPECT_EQ(decide_refresh(&stored, moved, kNow), RefreshReason::changed_received);
  const std::vector<std::string> path = {"<sip:p.example;lr>"};
  RefreshContact with_path = c;
  with_path.path = &path;
  EXPECT_EQ(decide_refresh(&stored, with_path, kNow), RefreshReason::changed_path);
  RefreshContact rebooted = c;
  rebooted.call_id = "call-2@phone";
  EXPECT_EQ(decide_refresh(&stored, rebooted, kNow), RefreshReason::changed_call_id);
  // Half the upstream lifetime gone: forward once to renew upstream.
  const store::Binding aging = upstream_binding(kNow - 1800, 3600);
  EXPECT_EQ(decide_refresh(&aging, c, kNow), RefreshReason::upstream_refresh);
  const store::Binding young = upstream_binding(kNow - 1799, 3600);
  EXPECT_EQ(decide_refresh(&young, c, kNow), RefreshReason::absorbed);
  // Expired at the edge: like unknown.
  const store::Binding dead = upstream_binding(kNow - 3600, 3600);
  EXPECT_EQ(decide_refresh(&dead, c, kNow), RefreshReason::new_binding);
}

class AbsorberTest : public ::testing::Test {
 protected:
  AbsorberTest() {
    config_.mode = config::RegistrarMode::kProxy;
    config_.absorb_refreshes = true;
  }
  store::MemoryStore store_;
  config::RegistrarConfig config_;
  Source source_{{0xC6336407, 40000}, {0xCB00710A, 5060}, 1, true};
};

TEST_F(AbsorberTest, LearnsFromUpstreamThenAbsorbsUnchangedRefreshes) {
  RefreshAbsorber absorber(config_, store_);
  auto reg = make_register({.expires = 60});
  Response response;
  // Unknown binding: forwarded.
  EXPECT_EQ(absorber.handle(reg->msg, source_, kNowMs, response), RefreshReason::new_binding);
  EXPECT_TRUE(response.text.empty());
  // The upstream 200 teaches the edge (granted 3600 s).
  auto ok = parse(ok_text("Contact: <sip:alice@192.168.1.20:5060>;expires=3600\r\n"));
  UpstreamBindings up;
  ASSERT_EQ(extract_bindings(ok->msg, 3600, up), UpstreamError::ok);
  store_.upsert(make_upstream_binding(up, up.bindings[0], source_, {}, reg->msg.call_id(), 1, "test", 0, kNowMs));
  store_.flush();
  // A refresh 30 s later with the next CSeq: answered at the edge.
  auto refresh = make_register({.expires = 60, .cseq = 2});
  EXPECT_EQ(absorber.handle(refresh->msg, source_, kNowMs + 30'000, response), RefreshReason::absorbed);
  EXPECT_EQ(response.status, 200);
  EXPECT_EQ(response.outcome, Outcome::absorbed);
  auto parsed = parse(response.text);
  ASSERT_EQ(parsed->error, sip::ParseError::ok) << response.text;
  EXPECT_EQ(parsed->msg.status_code(), 200);
  // The phone gets what it asked for (60), not the upstream's remaining 3570.
  EXPECT_NE(response.text.find("Contact: <sip:alice@192.168.1.20:5060>;expires=60\r\n"), std::string::npos)
      << response.text;
  const store::Binding* b = store_.find("alice@example.com", "sip:alice@192.168.1.20:5060");
  ASSERT_NE(b, nullptr);
  EXPECT_EQ(b->cseq, 2u);
  EXPECT_EQ(b->last_refresh_ms, kNowMs + 30'000);
  EXPECT_EQ(b->expires_at, kNow + 3600);  // upstream expiry untouched
  EXPECT_GT(response.durable_after, 0u);  // the refresh is a store write

  // Removal, fetch and NAT rebinding go upstream.
  auto removal = make_register({.expires = 0, .cseq = 3});
  EXPECT_EQ(absorber.handle(removal->msg, source_, kNowMs + 31'000, response), RefreshReason::removal);
  auto fetch = make_register({.contacts = {}, .cseq = 4});
  EXPECT_EQ(absorber.handle(fetch->msg, source_, kNowMs + 31'000, response), RefreshReason::not_absorbable);
  Source moved = source_;
  moved.remote.port = 40002;
  auto again = make_register({.expires = 60, .cseq = 5});
  EXPECT_EQ(absorber.handle(again->msg, moved, kNowMs + 32'000, response), RefreshReason::changed_received);
  // Past half the upstream lifetime: forwarded once.
  EXPECT_EQ(absorber.handle(again->msg, source_, kNowMs + 1'801'000, response), RefreshReason::upstream_refresh);

  const RefreshStats& st = absorber.stats();
  EXPECT_EQ(st.absorbed, 1u);
  EXPECT_EQ(st.forwarded, 5u);
  EXPECT_EQ(st.by_reason[static_cast<std::size_t>(RefreshReason::new_binding)], 1u);
  EXPECT_EQ(st.by_reason[static_cast<std::size_t>(RefreshReason::upstream_refresh)], 1u);
}

TEST_F(AbsorberTest, DisabledForwardsEverything) {
  config_.absorb_refreshes = false;
  RefreshAbsorber absorber(config_, store_);
  store::Binding b = upstream_binding(kNow, 3600);
  store_.upsert(b);
  auto reg = make_register({.expires = 60, .cseq = 2});
  Response response;
  EXPECT_EQ(absorber.handle(reg->msg, source_, kNowMs, response), RefreshReason::disabled);
  EXPECT_EQ(absorber.stats().forwarded, 1u);
}

TEST_F(AbsorberTest, OneChangedContactForwardsTheWholeRequest) {
  RefreshAbsorber absorber(config_, store_);
  store_.upsert(upstream_binding(kNow, 3600));
  auto reg = make_register({.contacts = {"<sip:alice@192.168.1.20:5060>", "<sip:alice@192.168.1.21:5060>"},
                            .expires = 60,
                            .cseq = 2});
  Response response;
  EXPECT_EQ(absorber.handle(reg->msg, source_, kNowMs, response), RefreshReason::new_binding);
}

}  // namespace
}  // namespace sipedge::registrar
