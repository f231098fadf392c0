// Registrar proxy mode through ControlPlane: REGISTER sent on (DISPATCH) with
// our Via, Path and the NAT fix; the registrar's answer (as the dataplane
// punts it) learnt and relayed; unchanged refreshes absorbed; removals,
// changes and one refresh per half upstream lifetime forwarded.
#include <gtest/gtest.h>

#include "cp_fixture.h"
#include "sip/message.h"

namespace sipedge::cp::test {
namespace {

using registrar::test::header_values;
using registrar::test::parse;

constexpr std::string_view kAliasedContact = "sip:alice@192.168.1.20:5060;alias=203.0.113.7~40000~1";

// The registrar's answer to `forwarded` (the cp's DISPATCH payload) after the
// dataplane added its own Via on top, as the dataplane punts it.
// With `one_line`, the Vias come back as one comma list (as sipp's [last_Via:]).
std::string registrar_answer(const std::string& forwarded, std::string_view status, std::string_view contact_lines,
                             bool one_line = false) {
  auto req = parse(forwarded);
  EXPECT_EQ(req->error, sip::ParseError::ok) << forwarded;
  std::string t = "SIP/2.0 " + std::string(status) + "\r\n";
  t += "Via: SIP/2.0/UDP 198.51.100.1:5060;branch=z9hG4bKse01aaaabbbbccccdddd;received=198.51.100.1";
  t += one_line ? ", " : "\r\n";
  bool first = true;
  for (const auto& v : req->msg.values(sip::HeaderId::via)) {
    if (!one_line) t.append("Via: ");
    if (one_line && !first) t.append(", ");
    t.append(v.text);
    if (!one_line) t.append("\r\n");
    first = false;
  }
  if (one_line) t.append("\r\n");
  t.append("From: ").append(req->msg.value(sip::HeaderId::from)).append("\r\n");
  t.append("To: ").append(req->msg.value(sip::HeaderId::to)).append(";tag=reg1\r\n");
  t.append("Call-ID: ").append(req->msg.call_id()).append("\r\n");
  t.append("CSeq: ").append(req->msg.value(sip::HeaderId::cseq)).append("\r\n");
  t.append(contact_lines);
  t += "Content-Length: 0\r\n\r\n";
  return t;
}

punt::Header from_registrar() {
  return {.type = punt::MessageType::Punt,
          .port_id = 1,
          .src_ipv4 = kServerIp,
          .dst_ipv4 = kInside,
          .src_port = 5060,
          .dst_port = 5060};
}

class RegisterProxyTest : public CpFixture {
 protected:
  void SetUp() override {
    config_.registrar.mode = config::RegistrarMode::kProxy;
    config_.registrar.set = "registrars";
    config_.registrar.set_index = 0;
    start();
  }

  // A REGISTER from the phone; returns what the cp sent for it.
  std::vector<Sent> send_register(std::uint32_t cseq, std::optional<std::uint32_t> expires = 300,
                                  std::string contact = "<sip:alice@192.168.1.20:5060>") {
    RegisterSpec spec;
    spec.cseq = cseq;
    spec.expires = expires;
    spec.contacts = {std::move(contact)};
    punt(from_phone(), register_text(spec));
    cp_->end_turn(now());
    return outbox_.take();
  }

  // REGISTER forwarded, answered 200 by the registrar with `contacts`.
  void register_through(std::uint32_t cseq, std::string_view contacts,
                        std::optional<std::uint32_t> expires = 300) {
    auto sent = send_register(cseq, expires);
    ASSERT_EQ(sent.size(), 1u);
    ASSERT_EQ(sent[0].header.type, punt::MessageType::Dispatch);
    punt(from_registrar(), registrar_answer(sent[0].payload, "200 OK", contacts));
    cp_->end_turn(now());
    auto relayed = outbox_.take();
    ASSERT_EQ(relayed.size(), 1u);
    ASSERT_EQ(relayed[0].header.type, punt::MessageType::Tx);
  }

  std::uint64_t counter(Counter c) const { return cp_->counters().get(c); }
};

TEST_F(RegisterProxyTest, RegisterGoesOnWithOurViaPathAndTheNatFix) {
  const auto sent = send_register(1);
  ASSERT_EQ(sent.size(), 1u);
  EXPECT_EQ(sent[0].header.type, punt::MessageType::Dispatch) << "to the fast path, which picks registrar.set";
  EXPECT_EQ(sent[0].header.src_ipv4, kPhoneIp);
  EXPECT_EQ(sent[0].header.src_port, kPhonePort);
  EXPECT_EQ(sent[0].header.flags, punt::kFlagOutside);
  auto out = parse(sent[0].payload);
  ASSERT_EQ(out->error, sip::ParseError::ok) << sent[0].payload;
  const auto vias = header_values(out->msg, sip::HeaderId::via);
  ASSERT_EQ(vias.size(), 2u);
  EXPECT_TRUE(vias[0].starts_with("SIP/2.0/UDP 198.51.100.1:5060;branch=z9hG4bKsr01")) << vias[0];
  EXPECT_EQ(vias[1], "SIP/2.0/UDP 192.168.1.20:5060;branch=z9hG4bK-1;rport=40000;received=203.0.113.7");
  EXPECT_EQ(header_values(out->msg, sip::HeaderId::path), std::vector<std::string>{"<sip:198.51.100.1:5060;lr>"});
  EXPECT_GT(out->msg.find(sip::HeaderId::path), out->msg.find(sip::HeaderId::via) + 1)
      << "Path does not split the Vias:\n" << sent[0].payload;
  EXPECT_EQ(header_values(out->msg, sip::HeaderId::contact),
            std::vector<std::string>{"<" + std::string(kAliasedContact) + ">"});
  EXPECT_EQ(counter(Counter::register_forwarded), 1u);
  EXPECT_EQ(cp_->register_proxy().pending(), 1u);
  EXPECT_EQ(store_->binding_count(), 0u) << "nothing is learnt before the registrar answers";

  // A retransmission gets the same branch: one pending entry.
  const auto again = send_register(1);
  ASSERT_EQ(again.size(), 1u);
  auto out2 = parse(again[0].payload);
  EXPECT_EQ(header_values(out2->msg, sip::HeaderId::via)[0], vias[0]);
  EXPECT_EQ(cp_->register_proxy().pending(), 1u);
}

TEST_F(RegisterProxyTest, RegistrarAnswerIsLearntAndRelayedToTheUa) {
  const auto sent = send_register(1);
  ASSERT_EQ(sent.size(), 1u);
  const std::string contacts = "Contact: <" + std::string(kAliasedContact) + ">;expires=300\r\n" +
                               "Contact: <sip:alice@198.51.100.77:5060>;expires=100\r\n";  // registered elsewhere
  punt(from_registrar(), registrar_answer(sent[0].payload, "200 OK", contacts));
  cp_->end_turn(now());
  const auto relayed = outbox_.take();
  ASSERT_EQ(relayed.size(), 1u);
  EXPECT_EQ(relayed[0].header.type, punt::MessageType::Tx);
  EXPECT_EQ(relayed[0].header.dst_ipv4, kPhoneIp);
  EXPECT_EQ(relayed[0].header.dst_port, kPhonePort);
  EXPECT_EQ(relayed[0].header.src_ipv4, kVip) << "from the VIP the REGISTER reached";
  auto answer = parse(relayed[0].payload);
  ASSERT_EQ(answer->error, sip::ParseError::ok) << relayed[0].payload;
  EXPECT_EQ(answer->msg.status_code(), 200);
  EXPECT_EQ(header_values(answer->msg, sip::HeaderId::via),
            std::vector<std::string>{"SIP/2.0/UDP 192.168.1.20:5060;branch=z9hG4bK-1;rport=40000;received=203.0.113.7"})
      << "the edge's two Vias are gone";
  EXPECT_EQ(header_values(answer->msg, sip::HeaderId::contact).size(), 2u);

  // Only the binding this REGISTER asked for is the edge's to keep alive.
  ASSERT_EQ(store_->binding_count(), 1u);
  const store::Binding* b = store_->find("alice@example.com", kAliasedContact);
  ASSERT_NE(b, nullptr);
  EXPECT_EQ(b->received, (store::Endpoint{kPhoneIp, kPhonePort}));
  EXPECT_EQ(b->local, (store::Endpoint{kVip, 5060}));
  EXPECT_TRUE(b->nat);
  EXPECT_EQ(b->expires_at - b->registered_at, 300);
  EXPECT_EQ(b->call_id, "call-1@phone");
  EXPECT_EQ(cp_->keepalive().size(), 1u) << "kept alive like a local binding";
  EXPECT_EQ(cp_->register_proxy().pending(), 0u);
  EXPECT_EQ(counter(Counter::register_upstream_relayed), 1u);

  // A call to the user goes to the learnt binding.
  std::string invite = "INVITE sip:alice@example.com SIP/2.0\r\nVia: SIP/2.0/UDP 198.51.100.20:5060;branch=z9hG4bK-i\r\n"
                       "Max-Forwards: 70\r\nFrom: <sip:bob@example.com>;tag=b\r\nTo: <sip:alice@example.com>\r\n"
                       "Call-ID: i@s\r\nCSeq: 1 INVITE\r\nContent-Length: 0\r\n\r\n";
  punt::Header lookup = from_registrar();
  lookup.flags = punt::kFlagLocalLookup;
  punt(lookup, invite);
  const auto call = outbox_.take();
  ASSERT_EQ(call.size(), 1u);
  EXPECT_EQ(call[0].header.dst_ipv4, kPhoneIp);
  EXPECT_EQ(parse(call[0].payload)->msg.request_uri(), kAliasedContact);
}

TEST_F(RegisterProxyTest, AnswerWithItsViasOnOneLineIsRelayedToo) {
  const auto sent = send_register(1);
  ASSERT_EQ(sent.size(), 1u);
  punt(from_registrar(),
       registrar_answer(sent[0].payload, "200 OK", "Contact: <" + std::string(kAliasedContact) + ">;expires=300\r\n", true));
  const auto relayed = outbox_.take();
  ASSERT_EQ(relayed.size(), 1u);
  auto answer = parse(relayed[0].payload);
  ASSERT_EQ(answer->error, sip::ParseError::ok) << relayed[0].payload;
  EXPECT_EQ(header_values(answer->msg, sip::HeaderId::via),
            std::vector<std::string>{"SIP/2.0/UDP 192.168.1.20:5060;branch=z9hG4bK-1;rport=40000;received=203.0.113.7"});
  EXPECT_EQ(counter(Counter::register_upstream_relayed), 1u);
  EXPECT_EQ(store_->binding_count(), 1u);
}

TEST_F(RegisterProxyTest, UnchangedRefreshesAreAbsorbedUntilHalfTheUpstreamLifetime) {
  register_through(1, "Contact: <" + std::string(kAliasedContact) + ">;expires=300\r\n");
  ASSERT_EQ(store_->binding_count(), 1u);
  // A phone refreshing every 30 s as its NAT keepalive: answered by the edge.
  for (std::uint32_t cseq = 2; cseq <= 5; ++cseq) {
    advance_clock_only(30'000);
    const auto sent = send_register(cseq);
    ASSERT_EQ(sent.size(), 1u) << cseq;
    EXPECT_EQ(sent[0].header.type, punt::MessageType::Tx) << "answered, not forwarded";
    EXPECT_EQ(sent[0].header.dst_ipv4, kPhoneIp);
    auto answer = parse(sent[0].payload);
    ASSERT_EQ(answer->error, sip::ParseError::ok);
    EXPECT_EQ(answer->msg.status_code(), 200);
  }
  EXPECT_EQ(counter(Counter::register_absorbed), 4u);
  EXPECT_EQ(counter(Counter::register_forwarded), 1u);
  // 150 s in: half the upstream lifetime is gone, this one renews it.
  advance_clock_only(30'000);
  auto sent = send_register(6);
  ASSERT_EQ(sent.size(), 1u);
  EXPECT_EQ(sent[0].header.type, punt::MessageType::Dispatch);
  EXPECT_EQ(counter(Counter::register_forwarded), 2u);
  const auto& reasons = cp_->register_proxy().absorber().stats().by_reason;
  EXPECT_EQ(reasons[static_cast<std::size_t>(registrar::RefreshReason::upstream_refresh)], 1u);
  EXPECT_NE(cp_->metrics_text().find("sipedge_registrar_refresh_total{reason=\"absorbed\"} 4"), std::string::npos);
  EXPECT_NE(cp_->metrics_text().find("sipedge_cp_register_forwarded_total 2"), std::string::npos);
}

TEST_F(RegisterProxyTest, ChangesAndRemovalsAreForwardedAndUnlearnt) {
  register_through(1, "Contact: <" + std::string(kAliasedContact) + ">;expires=300\r\n");
  // A new contact: forwarded.
  auto sent = send_register(2, 300, "<sip:alice@192.168.1.21:5060>");
  ASSERT_EQ(sent.size(), 1u);
  EXPECT_EQ(sent[0].header.type, punt::MessageType::Dispatch);
  // Removal (expires 0): forwarded; the registrar's 200 lists nothing, so the
  // edge forgets the binding and stops its keepalives.
  sent = send_register(3, 0);
  ASSERT_EQ(sent.size(), 1u);
  ASSERT_EQ(sent[0].header.type, punt::MessageType::Dispatch);
  punt(from_registrar(), registrar_answer(sent[0].payload, "200 OK", ""));
  cp_->end_turn(now());
  EXPECT_EQ(outbox_.take().size(), 1u);
  EXPECT_EQ(store_->binding_count(), 0u);
  EXPECT_EQ(cp_->keepalive().size(), 0u);
  EXPECT_EQ(cp_->register_proxy().stats().unlearned, 1u);
}

TEST_F(RegisterProxyTest, FailuresAreRelayedStrayAndProvisionalAnswersAreNot) {
  auto sent = send_register(1);
  ASSERT_EQ(sent.size(), 1u);
  const std::string forwarded = sent[0].payload;
  punt(from_registrar(), registrar_answer(forwarded, "100 Trying", ""));
  EXPECT_TRUE(outbox_.take().empty()) << "100 is hop by hop";
  punt(from_registrar(), registrar_answer(forwarded, "401 Unauthorized", "WWW-Authenticate: Digest realm=\"x\", nonce=\"n\"\r\n"));
  const auto relayed = outbox_.take();
  ASSERT_EQ(relayed.size(), 1u);
  EXPECT_EQ(parse(relayed[0].payload)->msg.status_code(), 401);
  EXPECT_EQ(store_->binding_count(), 0u);
  EXPECT_EQ(cp_->register_proxy().pending(), 0u);
  // The same answer again: its REGISTER is done, it matches nothing.
  punt(from_registrar(), registrar_answer(forwarded, "401 Unauthorized", ""));
  EXPECT_TRUE(outbox_.take().empty());
  EXPECT_EQ(counter(Counter::register_upstream_unmatched), 1u);
}

TEST_F(RegisterProxyTest, UnansweredRegistersAreForgotten) {
  ASSERT_EQ(send_register(1).size(), 1u);
  EXPECT_EQ(cp_->register_proxy().pending(), 1u);
  advance(kPendingRegisterLifetimeMs + 1000);
  EXPECT_EQ(cp_->register_proxy().pending(), 0u);
  EXPECT_EQ(cp_->register_proxy().stats().pending_expired, 1u);
}

}  // namespace
}  // namespace sipedge::cp::test
