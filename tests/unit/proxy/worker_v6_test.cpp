// SIP over IPv6 through the fast path: a dual-stack node (VIPs 203.0.113.1
// and 2001:db8::1, inside 198.51.100.1 and 2001:db8:1::1), v6 INVITEs to a
// v6 pool, responses by a v6 Via, the double Record-Route of a call that
// crosses families and the BYE of each side routed back by it, malformed
// IPv6 references dropped by reason.
#include <gtest/gtest.h>

#include <string>

#include "config/config.h"
#include "fixtures/node_toml.h"
#include "fixtures/sip_text.h"
#include "proxy/worker.h"
#include "sip/ipv6.h"
#include "sip/message.h"

namespace sipedge::proxy {
namespace {

Endpoint ep6(std::string_view text, uint16_t port = 5060) { return endpoint6(sip::parse_ipv6(text)->bytes, port); }

const Endpoint kUac4{0xCB007132, 5060};  // 203.0.113.50:5060
const Endpoint kVip4{0xCB007101, 5060};  // 203.0.113.1:5060
const Endpoint kUac6 = ep6("2001:db8:2::50");
const Endpoint kVip6 = ep6("2001:db8::1");
const Endpoint kInside6 = ep6("2001:db8:1::1");
const Endpoint kUas6 = ep6("2001:db8:1::21");

using fixtures::crlf;

std::string dual_stack_config() {
  fixtures::NodeToml node{.name = "test", .id = 7};
  node.ports[1].address6 = "2001:db8:1::1/64";
  node.vips = {"203.0.113.1", "2001:db8::1"};
  node.inside_prefixes = {"198.51.100.0/24", "2001:db8:1::/64"};
  node.destinations = {{"sip:[2001:db8:1::21]:5060", {}}};
  // The comparisons an IPv6 source gets, Contact ones included (for the
  // NAT fix on responses).
  node.extra = "[nat]\ntests = [\"via-received\", \"via-port\", \"contact-ip\", \"contact-port\"]\n";
  return fixtures::node_toml(node);
}

std::string invite(std::string_view via_host, std::string_view ruri, std::string_view contact) {
  std::string m = "INVITE " + std::string(ruri) + " SIP/2.0\n";
  m += "Via: SIP/2.0/UDP " + std::string(via_host) + ";branch=z9hG4bK-v6-1;rport\n";
  m += "Max-Forwards: 70\n";
  m += "From: <sip:alice@example.com>;tag=a1\n";
  m += "To: <sip:bob@example.com>\n";
  m += "Call-ID: v6-call-1\n";
  m += "CSeq: 1 INVITE\n";
  m += "Contact: " + std::string(contact) + "\n";
  m += "Content-Length: 0\n\n";
  return crlf(m);
}

class WorkerV6Test : public ::testing::Test {
 protected:
  void SetUp() override {
    auto r = config::load_string(dual_stack_config(), "test.toml");
    ASSERT_TRUE(r.ok()) << (r.errors.empty() ? "" : r.errors.front().to_string());
    config_ = std::move(*r.config);
    snap_ = build_snapshot(config_, 1);
    worker_ = std::make_unique<Worker>(WorkerOptions{0, 42}, nullptr);
  }
  Verdict run(const std::string& payload, Endpoint source, Endpoint destination, bool from_cp = false) {
    in_ = payload;
    out_.assign(4096, '\0');
    Inbound in{.payload = in_, .source = source, .destination = destination, .from_control_plane = from_cp};
    return worker_->process(*snap_, in, out_, 1'000'000'000);
  }
  std::string sent(const Verdict& v) const { return out_.substr(0, v.length); }
  uint64_t parse_errors(sip::ParseError e) const {
    return worker_->counters().parse_errors[static_cast<std::size_t>(e)].get();
  }
  // The forwarded request turned into the UAS's 200 OK: every Via, the
  // Record-Routes, a To tag and its own Contact.
  static std::string answer(const std::string& request, std::string_view contact) {
    sip::Message m;
    EXPECT_EQ(m.parse(request), sip::ParseError::ok);
    std::string r = "SIP/2.0 200 OK\r\n";
    for (const auto& v : m.values(sip::HeaderId::via)) r += "Via: " + std::string(v.text) + "\r\n";
    for (const auto& v : m.values(sip::HeaderId::record_route)) r += "Record-Route: " + std::string(v.text) + "\r\n";
    r += "From: " + std::string(m.value(sip::HeaderId::from)) + "\r\n";
    r += "To: " + std::string(m.value(sip::HeaderId::to)) + ";tag=b1\r\n";
    r += "Call-ID: " + std::string(m.call_id()) + "\r\n";
    r += "CSeq: 1 INVITE\r\nContact: " + std::string(contact) + "\r\nContent-Length: 0\r\n\r\n";
    return r;
  }

  config::Config config_;
  std::shared_ptr<const Snapshot> snap_;
  std::unique_ptr<Worker> worker_;
  std::string in_;
  std::string out_;
};

TEST_F(WorkerV6Test, SnapshotHasTheV6AddressesAndTexts) {
  EXPECT_TRUE(snap_->has_outside6);
  EXPECT_TRUE(snap_->has_inside6);
  EXPECT_EQ(snap_->outside_text6.record_route, "<sip:[2001:db8::1]:5060;lr>");
  EXPECT_EQ(snap_->inside_text6.via_prefix, "SIP/2.0/UDP [2001:db8:1::1]:5060;branch=");
  EXPECT_TRUE(snap_->is_own(kVip6));
  EXPECT_TRUE(snap_->is_inside(kUas6));
  EXPECT_FALSE(snap_->is_inside(kUac6));
}

TEST_F(WorkerV6Test, V6InviteForwardedToV6DestinationAndAnsweredByV6Via) {
  const auto v = run(invite("[2001:db8:2::50]:5060", "sip:bob@[2001:db8::1]", "<sip:alice@[2001:db8:2::50]:5060>"),
                     kUac6, kVip6);
  ASSERT_EQ(v.action, Action::Send) << name(v.outcome);
  EXPECT_EQ(v.outcome, Outcome::forwarded_request);
  EXPECT_EQ(v.to, kUas6);
  EXPECT_EQ(v.from, kInside6);
  const std::string fwd = sent(v);
  sip::Message m;
  ASSERT_EQ(m.parse(fwd), sip::ParseError::ok) << fwd;
  const auto top = m.top_via();
  ASSERT_TRUE(top);
  EXPECT_EQ(top->host_type, sip::HostType::ipv6);
  EXPECT_EQ(top->sent_by, "[2001:db8:1::1]:5060");
  // The client's Via: rport filled, no received (its sent-by is its source).
  EXPECT_NE(fwd.find("Via: SIP/2.0/UDP [2001:db8:2::50]:5060;branch=z9hG4bK-v6-1;rport=5060\r\n"), std::string::npos)
      << fwd;
  // Two of our addresses, one family: the double Record-Route of a v4 call.
  EXPECT_NE(fwd.find("Record-Route: <sip:[2001:db8:1::1]:5060;lr>\r\nRecord-Route: <sip:[2001:db8::1]:5060;lr>\r\n"),
            std::string::npos)
      << fwd;

  const auto r = run(answer(fwd, "<sip:bob@[2001:db8:1::21]:5060>"), kUas6, kInside6);
  ASSERT_EQ(r.action, Action::Send) << name(r.outcome);
  EXPECT_EQ(r.outcome, Outcome::forwarded_response);
  EXPECT_EQ(r.to, kUac6);
  EXPECT_EQ(r.from, kVip6);
  sip::Message back;
  const std::string back_text = sent(r);
  ASSERT_EQ(back.parse(back_text), sip::ParseError::ok);
  EXPECT_EQ(back.count(sip::HeaderId::via), 1u) << back_text;  // ours popped
  EXPECT_EQ(back.top_via()->sent_by, "[2001:db8:2::50]:5060");
}

TEST_F(WorkerV6Test, ReceivedNamesTheV6SourceBareAndRoutesTheResponse) {
  // Sent-by is not the source (a NAT66 or a wrong Via): received=, bare.
  // From outside such a request is NAT-flagged and punted first ...
  const std::string req = invite("[2001:db8:2::77]:5060", "sip:bob@[2001:db8::1]", "<sip:alice@[2001:db8:2::77]>");
  const auto punted = run(req, ep6("2001:db8:2::50", 40000), kVip6);
  EXPECT_EQ(punted.outcome, Outcome::replied_503_no_cp) << name(punted.outcome);  // no cp in this test
  EXPECT_NE(sent(punted).find(";received=2001:db8:2::50;rport=40000\r\n"), std::string::npos) << sent(punted);
  // ... and the control plane hands it back for dispatch.
  const auto v = run(req, ep6("2001:db8:2::50", 40000), kVip6, true);
  ASSERT_EQ(v.action, Action::Send) << name(v.outcome);
  const std::string fwd = sent(v);
  EXPECT_NE(fwd.find(";rport=40000;received=2001:db8:2::50\r\n"), std::string::npos) << fwd;
  const auto r = run(answer(fwd, "<sip:bob@[2001:db8:1::21]>"), kUas6, kInside6);
  ASSERT_EQ(r.action, Action::Send) << name(r.outcome);
  EXPECT_EQ(r.to, ep6("2001:db8:2::50", 40000));

  // A received some stack wrote in brackets (RFC 5118 4.5) routes as well.
  std::string bracketed = answer(fwd, "<sip:bob@[2001:db8:1::21]>");
  bracketed.replace(bracketed.find("received=2001:db8:2::50"), 23, "received=[2001:db8:2::51]");
  const auto b = run(bracketed, kUas6, kInside6);
  ASSERT_EQ(b.action, Action::Send) << name(b.outcome);
  EXPECT_EQ(b.to, ep6("2001:db8:2::51", 40000));
}

TEST_F(WorkerV6Test, V4CallerToV6ServerGetsADoubleRecordRouteAndEachByeGoesBack) {
  const auto v =
      run(invite("203.0.113.50:5060", "sip:bob@203.0.113.1", "<sip:alice@203.0.113.50:5060>"), kUac4, kVip4);
  ASSERT_EQ(v.action, Action::Send) << name(v.outcome);
  EXPECT_EQ(v.to, kUas6);
  EXPECT_EQ(v.from, kInside6);
  const std::string fwd = sent(v);
  // Top: the entry the server's side uses (v6), then the caller's (v4).
  EXPECT_NE(fwd.find("Record-Route: <sip:[2001:db8:1::1]:5060;lr>\r\nRecord-Route: <sip:203.0.113.1:5060;lr>\r\n"),
            std::string::npos)
      << fwd;
  EXPECT_NE(fwd.find("Via: SIP/2.0/UDP [2001:db8:1::1]:5060;branch="), std::string::npos) << fwd;

  // The 200 OK crosses back to the v4 caller from the v4 VIP.
  const auto r = run(answer(fwd, "<sip:bob@[2001:db8:1::21]:5060>"), kUas6, kInside6);
  ASSERT_EQ(r.action, Action::Send) << name(r.outcome);
  EXPECT_EQ(r.to, kUac4);
  EXPECT_EQ(r.from, kVip4);

  // The callee's BYE: its route set is the Record-Route as received.
  const std::string bye_from_callee = crlf(
      "BYE sip:alice@203.0.113.50:5060 SIP/2.0\n"
      "Via: SIP/2.0/UDP [2001:db8:1::21]:5060;branch=z9hG4bK-bye-b\n"
      "Route: <sip:[2001:db8:1::1]:5060;lr>, <sip:203.0.113.1:5060;lr>\n"
      "Max-Forwards: 70\nFrom: <sip:bob@example.com>;tag=b1\nTo: <sip:alice@example.com>;tag=a1\n"
      "Call-ID: v6-call-1\nCSeq: 1 BYE\nContent-Length: 0\n\n");
  const auto b1 = run(bye_from_callee, kUas6, kInside6);
  ASSERT_EQ(b1.action, Action::Send) << name(b1.outcome);
  EXPECT_EQ(b1.outcome, Outcome::forwarded_in_dialog);
  EXPECT_EQ(b1.to, kUac4);
  EXPECT_EQ(b1.from, kVip4);
  EXPECT_EQ(sent(b1).find("Route:"), std::string::npos) << sent(b1);  // both of ours popped
  EXPECT_NE(sent(b1).find("Via: SIP/2.0/UDP 203.0.113.1:5060;branch="), std::string::npos) << sent(b1);

  // The caller's BYE: the route set reversed, the callee's v6 Contact.
  const std::string bye_from_caller = crlf(
      "BYE sip:bob@[2001:db8:1::21]:5060 SIP/2.0\n"
      "Via: SIP/2.0/UDP 203.0.113.50:5060;branch=z9hG4bK-bye-a\n"
      "Route: <sip:203.0.113.1:5060;lr>, <sip:[2001:db8:1::1]:5060;lr>\n"
      "Max-Forwards: 70\nFrom: <sip:alice@example.com>;tag=a1\nTo: <sip:bob@example.com>;tag=b1\n"
      "Call-ID: v6-call-1\nCSeq: 2 BYE\nContent-Length: 0\n\n");
  const auto b2 = run(bye_from_caller, kUac4, kVip4);
  ASSERT_EQ(b2.action, Action::Send) << name(b2.outcome);
  EXPECT_EQ(b2.outcome, Outcome::forwarded_in_dialog);
  EXPECT_EQ(b2.to, kUas6);
  EXPECT_EQ(b2.from, kInside6);
  EXPECT_EQ(sent(b2).find("Route:"), std::string::npos) << sent(b2);
}

TEST_F(WorkerV6Test, NoOpenRelayToAForeignV6Address) {
  const std::string bye = crlf(
      "BYE sip:bob@[2001:db8:99::1]:5060 SIP/2.0\n"
      "Via: SIP/2.0/UDP [2001:db8:2::50]:5060;branch=z9hG4bK-relay\n"
      "Route: <sip:[2001:db8::1]:5060;lr>\n"
      "Max-Forwards: 70\nFrom: <sip:alice@example.com>;tag=a1\nTo: <sip:bob@example.com>;tag=b1\n"
      "Call-ID: relay6\nCSeq: 2 BYE\nContent-Length: 0\n\n");
  const auto v = run(bye, kUac6, kVip6);
  EXPECT_EQ(v.outcome, Outcome::replied_403_relay) << name(v.outcome);
  EXPECT_EQ(v.to, kUac6);
}

TEST_F(WorkerV6Test, MalformedV6ReferencesAreDroppedByReason) {
  auto v = run(invite("[2001:db8:2::zz]:5060", "sip:bob@[2001:db8::1]", "<sip:alice@[2001:db8:2::50]>"), kUac6, kVip6);
  EXPECT_EQ(v.action, Action::Drop);
  EXPECT_EQ(v.outcome, Outcome::dropped_parse);
  EXPECT_EQ(v.parse_error, static_cast<uint8_t>(sip::ParseError::bad_ipv6_reference));
  v = run(invite("[2001:db8:2::50]:5060", "sip:bob@[2001:db8::1", "<sip:alice@[2001:db8:2::50]>"), kUac6, kVip6);
  EXPECT_EQ(v.action, Action::Drop);
  EXPECT_EQ(v.outcome, Outcome::dropped_parse);
  EXPECT_EQ(v.parse_error, static_cast<uint8_t>(sip::ParseError::bad_ipv6_reference));
  EXPECT_EQ(parse_errors(sip::ParseError::bad_ipv6_reference), 2u);
}

TEST_F(WorkerV6Test, NatFixOnAV6ResponseWritesABracketedAlias) {
  // A call into a v6 UA outside whose Contact is not where it sends from.
  const std::string bye_in = crlf(
      "INVITE sip:carol@[2001:db8:2::60]:5060 SIP/2.0\n"
      "Via: SIP/2.0/UDP [2001:db8:1::21]:5060;branch=z9hG4bK-out-1\n"
      "Max-Forwards: 70\nFrom: <sip:bob@example.com>;tag=b1\nTo: <sip:carol@example.com>\n"
      "Call-ID: v6-out-1\nCSeq: 1 INVITE\nContact: <sip:bob@[2001:db8:1::21]>\nContent-Length: 0\n\n");
  const auto v = run(bye_in, kUas6, kInside6);
  ASSERT_EQ(v.action, Action::Send) << name(v.outcome);
  EXPECT_EQ(v.to, ep6("2001:db8:2::60"));
  EXPECT_EQ(v.from, kVip6);
  const auto r = run(answer(sent(v), "<sip:carol@[2001:db8:2::60]:5060>"), ep6("2001:db8:2::61", 41000), kVip6);
  ASSERT_EQ(r.action, Action::Send) << name(r.outcome);
  EXPECT_EQ(r.outcome, Outcome::forwarded_response_nat);
  EXPECT_EQ(r.to, kUas6);
  EXPECT_NE(sent(r).find("<sip:carol@[2001:db8:2::60]:5060;alias=[2001:db8:2::61]~41000~1>"), std::string::npos)
      << sent(r);
}

}  // namespace
}  // namespace sipedge::proxy
