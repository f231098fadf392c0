// The fast path, message by message (design.md table): one test per row, on
// plain buffers, through the same Worker the dataplane runs.
#include "proxy/worker.h"

#include <algorithm>

#include <gtest/gtest.h>

#include "sip/strict.h"

#include <map>
#include <string>
#include <vector>

#include "config/config.h"
#include "fixtures/node_toml.h"
#include "fixtures/sip_text.h"
#include "proxy/branch.h"
#include "sip/ipv4.h"
#include "sip/message.h"

namespace sipedge::proxy {
namespace {

uint32_t addr(std::string_view text) { return *sip::parse_ipv4(text); }

const Endpoint kUac{0xCB007132, 5060};     // 203.0.113.50:5060
const Endpoint kVip{0xCB007101, 5060};     // 203.0.113.1:5060
const Endpoint kInside{0xC6336401, 5060};  // 198.51.100.1:5060
const Endpoint kUas1{0xC6336415, 5060};    // 198.51.100.21:5060
const Endpoint kUas2{0xC6336416, 5060};    // 198.51.100.22:5060

// Node "test" id 7 (the id is in every branch the edge writes).
fixtures::NodeToml test_node(std::string_view algorithm, std::string_view extra = "") {
  return {.name = "test", .id = 7, .set_algorithm = std::string(algorithm), .extra = std::string(extra)};
}

std::string base_config(std::string_view algorithm, std::string_view extra = "") {
  return fixtures::node_toml(test_node(algorithm, extra));
}

using fixtures::crlf;

std::string invite(std::string_view call_id, std::string_view extra_headers = "", std::string_view branch = "z9hG4bK-1",
                   std::string_view ruri = "sip:+15551234@203.0.113.1", std::string_view method = "INVITE",
                   std::string_view contact = "<sip:alice@203.0.113.50:5060>") {
  std::string m = std::string(method) + " " + std::string(ruri) + " SIP/2.0\n";
  m += "Via: SIP/2.0/UDP 203.0.113.50:5060;branch=" + std::string(branch) + ";rport\n";
  m += "Max-Forwards: 70\n";
  m += "From: <sip:alice@example.com>;tag=a1\n";
  m += "To: <sip:+15551234@example.com>\n";
  m += "Call-ID: " + std::string(call_id) + "\n";
  m += "CSeq: 1 " + std::string(method) + "\n";
  m += "Contact: " + std::string(contact) + "\n";
  m += extra_headers;
  m += "Content-Length: 0\n\n";
  return crlf(m);
}

class WorkerTest : public ::testing::Test {
 protected:
  void load(const std::string& toml) {
    auto r = config::load_string(toml, "test.toml");
    ASSERT_TRUE(r.ok()) << (r.errors.empty() ? "" : r.errors.front().to_string());
    config_ = std::move(*r.config);
    snap_ = build_snapshot(config_, 1);
    ASSERT_EQ(limit::CpsLimits::create(cps_spec(config_), 1, 1'000'000'000, now_ns_, limits_), limit::LimitError::Ok);
    ASSERT_EQ(limit::WorkerCpsLimiter::create(*limits_, 0, 42, cps_), limit::LimitError::Ok);
    limits_->refill(now_ns_);
    worker_ = std::make_unique<Worker>(WorkerOptions{0, 42}, cps_.get());
    worker_->set_control_plane_up(cp_up_);
  }
  Verdict run(const std::string& payload, Endpoint source = kUac, Endpoint destination = kVip, bool from_cp = false) {
    in_ = payload;
    out_.assign(4096, '\0');
    Inbound in{.payload = in_, .source = source, .destination = destination, .from_control_plane = from_cp};
    return worker_->process(*snap_, in, out_, now_ns_);
  }
  std::string sent(const Verdict& v) const { return out_.substr(0, v.length); }
  uint64_t count(Outcome o) const { return worker_->counters().outcomes[static_cast<std::size_t>(o)].get(); }

  config::Config config_;
  std::shared_ptr<const Snapshot> snap_;
  std::unique_ptr<limit::CpsLimits> limits_;
  std::unique_ptr<limit::WorkerCpsLimiter> cps_;
  std::unique_ptr<Worker> worker_;
  bool cp_up_ = false;
  std::string in_;
  std::string out_;
  uint64_t now_ns_ = 1'000'000'000;
};

TEST_F(WorkerTest, CrlfPingIsAnsweredWithCrlf) {
  load(base_config("hash-callid"));
  const auto v = run("\r\n\r\n");
  EXPECT_EQ(v.action, Action::Send);
  EXPECT_EQ(v.outcome, Outcome::answered_crlf);
  EXPECT_EQ(sent(v), "\r\n");
  EXPECT_EQ(v.to, kUac);
  EXPECT_EQ(v.from, kVip);
}

TEST_F(WorkerTest, NullKeepaliveIsIgnored) {
  load(base_config("hash-callid"));
  const auto v = run(std::string(4, '\0'));
  EXPECT_EQ(v.action, Action::Drop);
  EXPECT_EQ(v.outcome, Outcome::ignored_null_keepalive);
}

TEST_F(WorkerTest, StunBindingRequestIsAnsweredWithMappedAddress) {
  load(base_config("hash-callid"));
  std::string req = {0x00, 0x01, 0x00, 0x00, 0x21, 0x12, static_cast<char>(0xA4), 0x42};
  req += "0123456789ab";  // transaction id
  const auto v = run(req);
  ASSERT_EQ(v.outcome, Outcome::answered_stun);
  const std::string r = sent(v);
  ASSERT_GE(r.size(), 32u);
  EXPECT_EQ(static_cast<uint8_t>(r[0]), 0x01);
  EXPECT_EQ(static_cast<uint8_t>(r[1]), 0x01);
  EXPECT_EQ(r.substr(8, 12), "0123456789ab");
  // XOR-MAPPED-ADDRESS port = 5060 ^ 0x2112
  const auto at = r.find(std::string("\x00\x20", 2), 20);
  ASSERT_NE(at, std::string::npos);
  const uint16_t xport = static_cast<uint16_t>((static_cast<uint8_t>(r[at + 6]) << 8) | static_cast<uint8_t>(r[at + 7]));
  EXPECT_EQ(xport ^ 0x2112, 5060);
}

TEST_F(WorkerTest, GarbageIsDroppedWithAParseReason) {
  load(base_config("hash-callid"));
  const auto v = run("hello world, this is not SIP\r\n\r\n");
  EXPECT_EQ(v.action, Action::Drop);
  EXPECT_EQ(v.outcome, Outcome::dropped_parse);
  EXPECT_EQ(worker_->counters().parse_errors[v.parse_error].get(), 1u);
  EXPECT_NE(sip::parse_error_name(static_cast<sip::ParseError>(v.parse_error)), "ok");
}

// RFC 4475 3.1.2.9 lwsstart: two SP before the version. Dropped, counted
// under its own reason rather than forwarded.
TEST_F(WorkerTest, RequestLineWithExtraSpacesIsDroppedAsRequestLineWhitespace) {
  load(base_config("hash-callid"));
  const auto v = run(invite("call-lws@uac", "", "z9hG4bK-1", "sip:+15551234@203.0.113.1 "));
  EXPECT_EQ(v.action, Action::Drop);
  EXPECT_EQ(v.outcome, Outcome::dropped_parse);
  EXPECT_EQ(sip::parse_error_name(static_cast<sip::ParseError>(v.parse_error)), "request_line_whitespace");
  EXPECT_EQ(worker_->counters().parse_errors[static_cast<std::size_t>(sip::ParseError::request_line_whitespace)].get(), 1u);
}

TEST_F(WorkerTest, InitialInviteIsForwardedWithViaRecordRouteAndMaxForwards) {
  load(base_config("hash-callid"));
  const auto v = run(invite("call-1@uac"));
  ASSERT_EQ(v.action, Action::Send) << name(v.outcome);
  EXPECT_EQ(v.outcome, Outcome::forwarded_request);
  EXPECT_TRUE(v.to == kUas1 || v.to == kUas2);
  EXPECT_EQ(v.from, kInside);
  const std::string out = sent(v);
  sip::Message m;
  ASSERT_EQ(m.parse(out), sip::ParseError::ok) << out;
  const auto top = m.top_via();
  ASSERT_TRUE(top);
  EXPECT_EQ(top->host, "198.51.100.1");
  EXPECT_TRUE(top->branch.starts_with(kBranchPrefix));
  auto vias = m.values(sip::HeaderId::via).begin();
  ++vias;
  const auto client = sip::parse_via(vias->text);
  ASSERT_TRUE(client);
  EXPECT_TRUE(client->rport_has_value);
  EXPECT_EQ(client->rport, 5060);
  EXPECT_EQ(m.max_forwards(), 69u);
  // Double Record-Route: the server's side first.
  auto rr = m.values(sip::HeaderId::record_route).begin();
  EXPECT_EQ(rr->text, "<sip:198.51.100.1:5060;lr>");
  ++rr;
  EXPECT_EQ(rr->text, "<sip:203.0.113.1:5060;lr>");
  EXPECT_EQ(worker_->counters().calls.get(), 1u);
}

// Our Via and Record-Route are written once per Snapshot; the widest
// address and port still give the whole branch (a 64-byte buffer once cut
// it off) and the Record-Route of each side.
TEST_F(WorkerTest, OwnViaAndRecordRouteFitTheWidestAddressAndPort) {
  auto node = test_node("hash-callid");
  node.ports[1].address = "198.51.100.254/24";
  node.vips = {"203.0.113.254"};
  node.sip_ports = {65000};
  load(fixtures::node_toml(node));
  const auto v = run(invite("call-wide@uac", "", "z9hG4bK-1", "sip:+15551234@203.0.113.254"), kUac,
                     {addr("203.0.113.254"), 65000});
  ASSERT_EQ(v.action, Action::Send) << name(v.outcome);
  sip::Message m;
  const std::string out = sent(v);
  ASSERT_EQ(m.parse(out), sip::ParseError::ok) << out;
  const auto top = m.top_via();
  ASSERT_TRUE(top);
  EXPECT_EQ(top->sent_by, "198.51.100.254:65000");
  EXPECT_EQ(top->branch.size(), kBranchLength) << top->text;
  EXPECT_TRUE(top->branch.starts_with(kBranchPrefix));
  auto rr = m.values(sip::HeaderId::record_route).begin();
  EXPECT_EQ(rr->text, "<sip:198.51.100.254:65000;lr>");
  ++rr;
  EXPECT_EQ(rr->text, "<sip:203.0.113.254:65000;lr>");
}

// The branch is the wire format replies are matched by: prefix, node id
// and transaction hash in lower-case hex, most significant digit first.
TEST(Branch, TextIsPrefixNodeAndHashInHex) {
  EXPECT_EQ(make_branch(0x07, 0x0123456789abcdefull).view(), "z9hG4bKse070123456789abcdef");
  EXPECT_EQ(make_branch(0xff, 0).view(), "z9hG4bKseff0000000000000000");
  EXPECT_EQ(make_branch(0x00, ~0ull).view(), "z9hG4bKse00ffffffffffffffff");
}

TEST_F(WorkerTest, RetransmissionAndCancelFollowTheInvite) {
  for (const char* algorithm : {"hash-callid", "wrr", "random", "first"}) {
    SCOPED_TRACE(algorithm);
    load(base_config(algorithm));
    for (int call = 0; call < 20; ++call) {
      const std::string id = "call-" + std::to_string(call);
      const std::string branch = "z9hG4bK-" + std::to_string(call);
      const auto first = run(invite(id, "", branch));
      ASSERT_EQ(first.action, Action::Send);
      const std::string first_out = sent(first);
      const auto again = run(invite(id, "", branch));
      EXPECT_EQ(again.to, first.to);
      EXPECT_EQ(sent(again), first_out);
      const auto cancel = run(invite(id, "", branch, "sip:+15551234@203.0.113.1", "CANCEL"));
      ASSERT_EQ(cancel.action, Action::Send);
      EXPECT_EQ(cancel.to, first.to);
      const std::string cancel_out = sent(cancel);  // the parsed view points into it
      sip::Message a, b;
      ASSERT_EQ(a.parse(first_out), sip::ParseError::ok);
      ASSERT_EQ(b.parse(cancel_out), sip::ParseError::ok);
      EXPECT_EQ(a.top_via()->branch, b.top_via()->branch);  // RFC 3261 16.11
    }
  }
}

TEST_F(WorkerTest, WrrSpreadsNewCalls) {
  load(base_config("wrr"));
  std::map<uint32_t, int> seen;
  for (int call = 0; call < 10; ++call) {
    const auto v = run(invite("wrr-" + std::to_string(call), "", "z9hG4bK-w" + std::to_string(call)));
    ASSERT_EQ(v.action, Action::Send);
    ++seen[v.to.ip];
  }
  EXPECT_EQ(seen[kUas1.ip], 5);
  EXPECT_EQ(seen[kUas2.ip], 5);
}

TEST_F(WorkerTest, ResponseIsRoutedByViaWithOurViaRemoved) {
  load(base_config("hash-callid"));
  const auto fwd = run(invite("resp-1"));
  ASSERT_EQ(fwd.action, Action::Send);
  // The server answers the forwarded INVITE: same Vias, plus a To tag.
  sip::Message forwarded;
  const std::string request = sent(fwd);
  ASSERT_EQ(forwarded.parse(request), sip::ParseError::ok);
  std::string response = "SIP/2.0 180 Ringing\r\n";
  for (const auto& via : forwarded.values(sip::HeaderId::via)) response += "Via: " + std::string(via.text) + "\r\n";
  response += "From: <sip:alice@example.com>;tag=a1\r\nTo: <sip:+15551234@example.com>;tag=b2\r\n";
  response += "Call-ID: resp-1\r\nCSeq: 1 INVITE\r\nContent-Length: 0\r\n\r\n";
  const auto v = run(response, fwd.to, kInside);
  ASSERT_EQ(v.action, Action::Send) << name(v.outcome);
  EXPECT_EQ(v.outcome, Outcome::forwarded_response);
  EXPECT_EQ(v.to, kUac);
  EXPECT_EQ(v.from, kVip);
  sip::Message m;
  const std::string sent_text = sent(v);  // the parsed view points into it
  ASSERT_EQ(m.parse(sent_text), sip::ParseError::ok);
  EXPECT_EQ(m.count(sip::HeaderId::via), 1u);
  EXPECT_EQ(m.top_via()->host, "203.0.113.50");
}

TEST_F(WorkerTest, ResponseWithoutOurViaIsDropped) {
  load(base_config("hash-callid"));
  const std::string response = crlf(
      "SIP/2.0 200 OK\nVia: SIP/2.0/UDP 198.51.100.77;branch=z9hG4bKother\nFrom: <sip:a@b>;tag=1\n"
      "To: <sip:c@d>;tag=2\nCall-ID: x\nCSeq: 1 INVITE\nContent-Length: 0\n\n");
  const auto v = run(response, kUas1, kInside);
  EXPECT_EQ(v.outcome, Outcome::dropped_response_not_ours);
}

TEST_F(WorkerTest, KeepaliveReplyIsPuntedWhenTheControlPlaneIsUp) {
  cp_up_ = true;
  load(base_config("hash-callid"));
  const std::string response = crlf(
      "SIP/2.0 200 OK\nVia: SIP/2.0/UDP 203.0.113.1;branch=z9hG4bKsk0012345\nFrom: <sip:sipedge@203.0.113.1>;tag=1\n"
      "To: <sip:alice@203.0.113.50>;tag=2\nCall-ID: ka-1\nCSeq: 1 OPTIONS\nContent-Length: 0\n\n");
  const auto v = run(response);
  EXPECT_EQ(v.action, Action::Punt);
  EXPECT_EQ(v.outcome, Outcome::punted_reply);
  EXPECT_EQ(v.reply_kind, ReplyKind::keepalive);
  std::string probe = response;
  probe.replace(probe.find("z9hG4bKsk"), 9, "z9hG4bKsp");
  EXPECT_EQ(run(probe).reply_kind, ReplyKind::probe);
}

TEST_F(WorkerTest, RegistrarAnswerBelowOurViaIsPuntedToTheControlPlane) {
  // Registrar proxy mode: the cp's Via (kRegisterBranchPrefix, our inside
  // address; received= added when the dataplane forwarded it) under ours.
  const std::string response = crlf(
      "SIP/2.0 200 OK\n"
      "Via: SIP/2.0/UDP 198.51.100.1:5060;branch=z9hG4bKse070123456789abcdef\n"
      "Via: SIP/2.0/UDP 198.51.100.1:5060;branch=z9hG4bKsr010123456789abcdef;received=203.0.113.50\n"
      "Via: SIP/2.0/UDP 10.0.0.2:5060;branch=z9hG4bK-r1;received=203.0.113.50;rport=5060\n"
      "From: <sip:alice@example.com>;tag=1\nTo: <sip:alice@example.com>;tag=2\nCall-ID: reg-1\n"
      "CSeq: 1 REGISTER\nContact: <sip:alice@10.0.0.2:5060>;expires=300\nContent-Length: 0\n\n");
  load(base_config("hash-callid"));
  auto v = run(response, kUas1, kInside);
  EXPECT_EQ(v.action, Action::Drop);
  EXPECT_EQ(v.outcome, Outcome::dropped_no_cp);
  cp_up_ = true;
  load(base_config("hash-callid"));
  v = run(response, kUas1, kInside);
  EXPECT_EQ(v.action, Action::Punt);
  EXPECT_EQ(v.outcome, Outcome::punted_register_reply);
  // From outside it is not a registrar's: never punted, routed like any
  // response (here to the received= address, its private Contact aliased).
  v = run(response, kUac, kVip);
  EXPECT_EQ(v.action, Action::Send) << name(v.outcome);
  EXPECT_EQ(v.outcome, Outcome::forwarded_response_nat) << name(v.outcome);
  // The same branch prefix on a foreign sent-by is not the cp's: routed on.
  std::string foreign = response;
  foreign.replace(foreign.find("198.51.100.1:5060;branch=z9hG4bKsr"), 12, "198.51.100.9");
  v = run(foreign, kUas1, kInside);
  EXPECT_EQ(v.outcome, Outcome::forwarded_response) << name(v.outcome);
}

TEST_F(WorkerTest, InDialogRequestFromOutsideIsLooseRouted) {
  load(base_config("hash-callid"));
  const std::string bye = crlf(
      "BYE sip:bob@198.51.100.21:5060 SIP/2.0\nVia: SIP/2.0/UDP 203.0.113.50:5060;branch=z9hG4bK-bye\n"
      "Route: <sip:203.0.113.1:5060;lr>, <sip:198.51.100.1:5060;lr>\nMax-Forwards: 70\n"
      "From: <sip:alice@example.com>;tag=a1\nTo: <sip:+15551234@example.com>;tag=b2\nCall-ID: dlg-1\n"
      "CSeq: 2 BYE\nContent-Length: 0\n\n");
  const auto v = run(bye);
  ASSERT_EQ(v.action, Action::Send) << name(v.outcome);
  EXPECT_EQ(v.outcome, Outcome::forwarded_in_dialog);
  EXPECT_EQ(v.to, kUas1);
  EXPECT_EQ(v.from, kInside);
  sip::Message m;
  const std::string sent_text = sent(v);  // the parsed view points into it
  ASSERT_EQ(m.parse(sent_text), sip::ParseError::ok);
  EXPECT_FALSE(m.has(sip::HeaderId::route));
  EXPECT_FALSE(m.has(sip::HeaderId::record_route));
  EXPECT_EQ(m.count(sip::HeaderId::via), 2u);  // ours, then the client's
  EXPECT_EQ(m.top_via()->host, "198.51.100.1") << sent(v);
}

// Our Route values go, whatever lines they are on: a line of ours only
// goes whole, a line shared with the next hop keeps the next hop's value.
TEST_F(WorkerTest, OwnRoutesArePoppedFromEveryLineShape) {
  load(base_config("hash-callid"));
  struct Case {
    std::string_view routes;     // Route header lines
    std::string_view remaining;  // the Route lines sent on
  };
  const Case cases[] = {
      {"Route: <sip:203.0.113.1:5060;lr>, <sip:198.51.100.1:5060;lr>\n", ""},
      {"Route: <sip:203.0.113.1:5060;lr>\nRoute: <sip:198.51.100.1:5060;lr>\n", ""},
      {"Route: <sip:203.0.113.1:5060;lr>,<sip:198.51.100.1:5060;lr>, <sip:198.51.100.22;lr>\n",
       "Route: <sip:198.51.100.22;lr>\r\n"},
      {"Route: <sip:203.0.113.1:5060;lr>\nRoute: <sip:198.51.100.1:5060;lr> , <sip:198.51.100.22;lr>\n",
       "Route: <sip:198.51.100.22;lr>\r\n"},
      {"Route: <sip:203.0.113.1:5060;lr>, <sip:198.51.100.22;lr>\nRoute: <sip:198.51.100.21;lr>\n",
       "Route: <sip:198.51.100.22;lr>\r\nRoute: <sip:198.51.100.21;lr>\r\n"},
      {"Route: <sip:203.0.113.1:5060;lr>\nRoute: <sip:198.51.100.22;lr>, <sip:198.51.100.21;lr>\n",
       "Route: <sip:198.51.100.22;lr>, <sip:198.51.100.21;lr>\r\n"},
  };
  for (const auto& c : cases) {
    const std::string bye = crlf("BYE sip:bob@198.51.100.21:5060 SIP/2.0\nVia: SIP/2.0/UDP 203.0.113.50:5060;branch=z9hG4bK-r\n" +
                                 std::string(c.routes) +
                                 "From: <sip:alice@example.com>;tag=a1\nTo: <sip:b@example.com>;tag=b2\nCall-ID: dlg-r\n"
                                 "CSeq: 2 BYE\nContent-Length: 0\n\n");
    const auto v = run(bye);
    ASSERT_EQ(v.outcome, Outcome::forwarded_in_dialog) << c.routes << name(v.outcome);
    const std::string out = sent(v);
    sip::Message m;
    ASSERT_EQ(m.parse(out), sip::ParseError::ok) << out;
    std::string routes;
    for (std::size_t i = m.find(sip::HeaderId::route); i != sip::kNoHeader; i = m.find_next(i))
      routes += std::string(m.header(i).line);
    EXPECT_EQ(routes, c.remaining) << c.routes;
    EXPECT_EQ(v.to, c.remaining.empty() ? kUas1 : kUas2) << c.routes;
  }
}

TEST_F(WorkerTest, InDialogRequestFromInsideReachesTheAliasOfANatedClient) {
  load(base_config("hash-callid"));
  const std::string bye = crlf(
      "BYE sip:alice@10.0.0.2:5060;alias=203.0.113.60~40000~1 SIP/2.0\n"
      "Via: SIP/2.0/UDP 198.51.100.21:5060;branch=z9hG4bK-ibye\n"
      "Route: <sip:198.51.100.1:5060;lr>, <sip:203.0.113.1:5060;lr>\nMax-Forwards: 70\n"
      "From: <sip:+15551234@example.com>;tag=b2\nTo: <sip:alice@example.com>;tag=a1\nCall-ID: dlg-2\n"
      "CSeq: 1 BYE\nContent-Length: 0\n\n");
  const auto v = run(bye, kUas1, kInside);
  ASSERT_EQ(v.action, Action::Send) << name(v.outcome);
  EXPECT_EQ(v.to, (Endpoint{addr("203.0.113.60"), 40000}));
  EXPECT_EQ(v.from, kVip);
}

TEST_F(WorkerTest, MaxForwardsZeroIsAnswered483) {
  load(base_config("hash-callid"));
  std::string m = invite("mf-0");
  m.replace(m.find("Max-Forwards: 70"), 16, "Max-Forwards: 0");
  const auto v = run(m);
  ASSERT_EQ(v.action, Action::Send);
  EXPECT_EQ(v.outcome, Outcome::replied_483);
  EXPECT_EQ(v.to, kUac);
  EXPECT_TRUE(sent(v).starts_with("SIP/2.0 483 "));
  // Refused before anything was spent on it: not a call, no destination.
  EXPECT_EQ(worker_->counters().calls.get(), 0u);
  for (const auto& c : worker_->counters().destination_requests) EXPECT_EQ(c.get(), 0u);
}

// RFC 3261 25 rules the parse is liberal about (sip/strict.h): answered 400
// with a Warning naming the rule, counted by reason, nothing dispatched.
// RFC 3261 16.3 step 2 (RFC 4475 unkscm, novelsc): a scheme the edge cannot
// route is answered 416 before a destination or a CPS token is spent.
TEST_F(WorkerTest, RequestUriOfAnUnroutableSchemeIsAnswered416) {
  load(base_config("hash-callid"));
  for (const std::string_view ruri : {"nobodyknowsthisscheme:totallyopaquecontent", "soap.beep://203.0.113.1:3002"}) {
    const auto v = run(invite("scheme-" + std::string(ruri.substr(0, 4)), "", "z9hG4bK-sc", ruri, "OPTIONS"));
    ASSERT_EQ(v.outcome, Outcome::replied_416) << ruri << " " << name(v.outcome);
    EXPECT_EQ(v.to, kUac);
    EXPECT_TRUE(sent(v).starts_with("SIP/2.0 416 Unsupported URI Scheme\r\n")) << sent(v);
  }
  EXPECT_EQ(count(Outcome::replied_416), 2u);
  EXPECT_EQ(worker_->counters().calls.get(), 0u);
  // The schemes it hands to the pool, in any case: sip, sips, tel, urn.
  for (const std::string_view ruri : {"SIP:+15551234@203.0.113.1", "sips:+15551234@203.0.113.1", "tel:+15551234",
                                      "urn:service:sos"}) {
    const auto v = run(invite("ok-" + std::string(ruri), "", "z9hG4bK-" + std::string(ruri.substr(0, 3)), ruri));
    EXPECT_EQ(v.outcome, Outcome::forwarded_request) << ruri << " " << name(v.outcome);
  }
  // An ACK cannot be answered.
  EXPECT_EQ(run(invite("scheme-ack", "", "z9hG4bK-sa", "isbn:2983792873", "ACK")).outcome, Outcome::dropped_unsupported);
}

// RFC 3261 16.3 step 5 (RFC 4475 bext01): Proxy-Require names what every
// proxy must support; the edge supports only sip.proxy_require_supported.
TEST_F(WorkerTest, ProxyRequireOfAnUnsupportedExtensionIsAnswered420) {
  auto node = test_node("hash-callid");
  node.sip_extra = "proxy_require_supported = [\"sec-agree\"]\n";
  load(fixtures::node_toml(node));
  const auto v = run(invite("pr-1", "Require: nothingSupportsThis\n"
                                    "Proxy-Require: noProxiesSupportThis, sec-agree\nProxy-Require: norDoAnyProxiesSupportThis\n"));
  ASSERT_EQ(v.outcome, Outcome::replied_420) << name(v.outcome);
  EXPECT_EQ(v.to, kUac);
  const std::string out = sent(v);
  EXPECT_TRUE(out.starts_with("SIP/2.0 420 Bad Extension\r\n")) << out;
  EXPECT_NE(out.find("\r\nUnsupported: noProxiesSupportThis, norDoAnyProxiesSupportThis\r\n"), std::string::npos) << out;
  EXPECT_EQ(worker_->counters().calls.get(), 0u);
  // Only supported tags (any case), or Require alone (the UAS's business): forwarded.
  EXPECT_EQ(run(invite("pr-2", "Proxy-Require: Sec-Agree\n", "z9hG4bK-p2")).outcome, Outcome::forwarded_request);
  EXPECT_EQ(run(invite("pr-3", "Require: nothingSupportsThis\n", "z9hG4bK-p3")).outcome, Outcome::forwarded_request);
  // Without the key nothing is supported; an ACK is dropped, not answered.
  load(base_config("hash-callid"));
  EXPECT_EQ(run(invite("pr-4", "Proxy-Require: sec-agree\n", "z9hG4bK-p4")).outcome, Outcome::replied_420);
  EXPECT_EQ(run(invite("pr-5", "Proxy-Require: x\n", "z9hG4bK-p5", "sip:+15551234@203.0.113.1", "ACK")).outcome,
            Outcome::dropped_unsupported);
}

// RFC 4475 bcast: a response whose next Via names a broadcast address (or
// loopback, multicast, 0/8) is not sent there.
TEST_F(WorkerTest, ResponseToABroadcastViaIsDropped) {
  load(base_config("hash-callid"));
  const auto fwd = run(invite("bcast-1"));
  ASSERT_EQ(fwd.action, Action::Send);
  sip::Message forwarded;
  const std::string request = sent(fwd);
  ASSERT_EQ(forwarded.parse(request), sip::ParseError::ok);
  const std::string our_via(forwarded.value(sip::HeaderId::via));
  for (const std::string_view next : {"SIP/2.0/UDP 255.255.255.255;branch=z9hG4bKb1",
                                      "SIP/2.0/UDP 203.0.113.50;branch=z9hG4bKb2;received=255.255.255.255",
                                      "SIP/2.0/UDP 127.0.0.1:5060;branch=z9hG4bKb3", "SIP/2.0/UDP 224.0.1.75;branch=z9hG4bKb4",
                                      "SIP/2.0/UDP 0.0.0.0;branch=z9hG4bKb5"}) {
    const std::string response = "SIP/2.0 200 OK\r\nVia: " + our_via + "\r\nVia: " + std::string(next) +
                                 "\r\nFrom: <sip:alice@example.com>;tag=a1\r\nTo: <sip:+15551234@example.com>;tag=b2\r\n"
                                 "Call-ID: bcast-1\r\nCSeq: 1 INVITE\r\nContent-Length: 0\r\n\r\n";
    EXPECT_EQ(run(response, fwd.to, kInside).outcome, Outcome::dropped_unroutable) << next;
  }
  // The same response to a unicast Via goes out.
  const std::string response = "SIP/2.0 200 OK\r\nVia: " + our_via +
                               "\r\nVia: SIP/2.0/UDP 203.0.113.50;branch=z9hG4bK-1\r\n"
                               "From: <sip:alice@example.com>;tag=a1\r\nTo: <sip:+15551234@example.com>;tag=b2\r\n"
                               "Call-ID: bcast-1\r\nCSeq: 1 INVITE\r\nContent-Length: 0\r\n\r\n";
  EXPECT_EQ(run(response, fwd.to, kInside).outcome, Outcome::forwarded_response);
  // From inside, a request whose R-URI is a broadcast address is not sent either.
  EXPECT_EQ(run(invite("bcast-2", "", "z9hG4bK-b6", "sip:bob@255.255.255.255"), kUas1, kInside).outcome,
            Outcome::dropped_unroutable);
}

// RFC 4475 inv2543 and badbranch: a peer of RFC 2543 sends no branch (or
// one without the magic cookie), no From tag and no Max-Forwards; a
// stateless edge forwards it with its own Via and a Max-Forwards.
TEST_F(WorkerTest, Rfc2543RequestsAreForwarded) {
  load(base_config("hash-callid"));
  const std::string old_invite = crlf(
      "INVITE sip:UserB@203.0.113.1 SIP/2.0\nVia: SIP/2.0/UDP 203.0.113.50\nFrom: <sip:UserA@example.com>\n"
      "To: <sip:UserB@example.com>\nCall-ID: inv2543\nCSeq: 1 INVITE\nContact: <sip:UserA@203.0.113.50>\n"
      "Content-Length: 0\n\n");
  auto v = run(old_invite);
  ASSERT_EQ(v.outcome, Outcome::forwarded_request) << name(v.outcome);
  sip::Message m;
  const std::string out = sent(v);
  ASSERT_EQ(m.parse(out), sip::ParseError::ok) << out;
  EXPECT_EQ(m.count(sip::HeaderId::via), 2u);
  EXPECT_TRUE(m.has(sip::HeaderId::max_forwards)) << out;
  std::string bad_branch = invite("badbranch", "", "1234", "sip:+15551234@203.0.113.1", "OPTIONS");
  EXPECT_EQ(run(bad_branch).outcome, Outcome::forwarded_request);
}

TEST_F(WorkerTest, MalformedRequestsAreAnswered400WithAWarning) {
  load(base_config("hash-callid"));
  struct Case {
    std::string_view find, replace;
    sip::ParseError reason;
    std::string_view warning;
  };
  const Case cases[] = {
      {"From: ", "From: \"Alice <sip:x@example.com> ", sip::ParseError::unterminated_quoted_string, "quoted string"},
      {"Max-Forwards: 70\r\n", "Max-Forwards: 70\r\nContact: sip:alice@203.0.113.50?Route=sip:x\r\n",
       sip::ParseError::contact_headers_unbracketed, "enclosed in <>"},
      {";tag=a1", ";;tag=a1", sip::ParseError::empty_separator, "empty parameter"},
      {"Max-Forwards: 70\r\n", "Max-Forwards: 70\r\nRecord-Route: <sip:198.51.100.30;lr>,\r\n",
       sip::ParseError::empty_separator, "empty parameter"},
      {"Max-Forwards: 70\r\n", "Max-Forwards: 70\r\nContact: ,,<sip:alice@203.0.113.50>\r\n",
       sip::ParseError::empty_separator, "empty parameter"},
      {"From: <", "From: Bell, Alexander <", sip::ParseError::bad_display_name, "must be quoted"},
      {"To: <sip:+15551234@example.com>", "To: < sip:+15551234@example.com >", sip::ParseError::addr_spec_whitespace,
       "white space"},
  };
  std::size_t n = 0;
  for (const auto& c : cases) {
    std::string m = invite("strict-" + std::to_string(n));
    const std::size_t at = m.find(c.find);
    ASSERT_NE(at, std::string::npos) << c.find;
    m.replace(at, c.find.size(), c.replace);
    const auto v = run(m);
    ASSERT_EQ(v.outcome, Outcome::replied_400) << m << name(v.outcome);
    EXPECT_EQ(v.to, kUac);
    const std::string out = sent(v);
    EXPECT_TRUE(out.starts_with("SIP/2.0 400 Bad Request\r\n")) << out;
    EXPECT_NE(out.find("\r\nWarning: 399 sipedge \"" + std::string(sip::strictness_warning(c.reason)) + "\"\r\n"),
              std::string::npos) << out;
    EXPECT_NE(sip::strictness_warning(c.reason).find(c.warning), std::string_view::npos);
    ++n;
    EXPECT_EQ(worker_->counters().parse_errors[static_cast<std::size_t>(c.reason)].get(),
              static_cast<uint64_t>(std::count_if(cases, cases + n, [&](const Case& k) { return k.reason == c.reason; })));
  }
  EXPECT_EQ(worker_->counters().calls.get(), 0u);
  // ";;" in the top Via leaves no Via to answer by: dropped, by its reason.
  std::string bad_via = invite("strict-via");
  bad_via.replace(bad_via.find(";branch="), 8, ";;branch=");
  EXPECT_EQ(run(bad_via).outcome, Outcome::dropped_parse);
  // An ACK cannot be answered: dropped, counted by the same reason.
  std::string ack = invite("strict-ack", "", "z9hG4bK-sa", "sip:bob@example.com", "ACK");
  ack.replace(ack.find("From: "), 6, "From: \"Alice ");
  const auto v = run(ack);
  EXPECT_EQ(v.outcome, Outcome::dropped_parse);
  EXPECT_EQ(v.parse_error, static_cast<uint8_t>(sip::ParseError::unterminated_quoted_string));
}

// A request that passed many proxies (RFC 4475 "longreq"-style Via stacks):
// over a header or Via limit it is answered 513 with the whole Via stack, so
// each proxy on the way can route the answer back; its ACK ends at the edge.
TEST_F(WorkerTest, RequestsOverAHeaderOrViaLimitAreAnswered513) {
  load(base_config("hash-callid"));
  std::string many_lines;  // 70 Via header lines: over the 64-line index
  for (int i = 0; i < 70; ++i)
    many_lines += "Via: SIP/2.0/UDP 198.51.100." + std::to_string(100 + i) + ";branch=z9hG4bK-hop" + std::to_string(i) + "\r\n";
  std::string one_line = "Via: ";  // 40 values on one line: over max_via_values (32)
  for (int i = 0; i < 40; ++i)
    one_line += std::string(i ? ", " : "") + "SIP/2.0/UDP 198.51.100." + std::to_string(100 + i) + ";branch=z9hG4bK-l" + std::to_string(i);
  one_line += "\r\n";
  struct Case {
    std::string vias;
    sip::ParseError reason;
    std::size_t via_lines_out;
  };
  const Case cases[] = {{many_lines, sip::ParseError::too_many_headers, 71},
                        {one_line, sip::ParseError::too_many_vias, 2}};
  for (const auto& c : cases) {
    std::string m = invite("big-" + std::to_string(c.via_lines_out));
    m.insert(m.find("Max-Forwards:"), c.vias);
    const auto v = run(m);
    ASSERT_EQ(v.outcome, Outcome::replied_513) << name(v.outcome);
    EXPECT_EQ(v.to, kUac);
    EXPECT_EQ(v.parse_error, static_cast<uint8_t>(c.reason));
    const std::string out = sent(v);
    ASSERT_TRUE(out.starts_with("SIP/2.0 513 Message Too Large\r\n")) << out;
    // The client's own Via first, with received/rport; then the proxies'.
    EXPECT_NE(out.find("\r\nVia: SIP/2.0/UDP 203.0.113.50:5060;branch=z9hG4bK-1;received=203.0.113.50;rport=5060\r\n"),
              std::string::npos) << out;
    std::size_t via_lines = 0;
    for (std::size_t at = out.find("\r\nVia: "); at != std::string::npos; at = out.find("\r\nVia: ", at + 1)) ++via_lines;
    EXPECT_EQ(via_lines, c.via_lines_out) << out;
    EXPECT_NE(out.find("SIP/2.0/UDP 198.51.100.139;branch=z9hG4bK-"), std::string::npos) << "the last hop kept";
    const std::size_t to = out.find("\r\nTo: <sip:+15551234@example.com>;tag=se");
    ASSERT_NE(to, std::string::npos) << out;
    EXPECT_NE(out.find("\r\nCall-ID: big-"), std::string::npos);
    EXPECT_NE(out.find("\r\nCSeq: 1 INVITE\r\n"), std::string::npos);
    sip::Message reply;
    ASSERT_EQ(reply.parse(out, sip::Limits{.max_headers = sip::kMaxHeaders, .max_via_values = 64}),
              c.reason == sip::ParseError::too_many_headers ? sip::ParseError::too_many_headers : sip::ParseError::ok);
    EXPECT_EQ(worker_->counters().parse_errors[static_cast<std::size_t>(c.reason)].get(), 1u);
    // The ACK for it carries our tag: absorbed, never sent on.
    const std::string tag = out.substr(out.find(";tag=", to) + 5, 10);
    std::string ack = invite("big-" + std::to_string(c.via_lines_out), "", "z9hG4bK-1", "sip:+15551234@203.0.113.1", "ACK");
    ack.replace(ack.find("To: <sip:+15551234@example.com>"), 31, "To: <sip:+15551234@example.com>;tag=" + tag);
    EXPECT_EQ(run(ack).outcome, Outcome::absorbed_ack) << tag;
  }
  EXPECT_EQ(worker_->counters().calls.get(), 0u);

  // A response or an ACK over the limit has nobody to answer: dropped.
  std::string ack = invite("big-ack", "", "z9hG4bK-ba", "sip:+15551234@203.0.113.1", "ACK");
  ack.insert(ack.find("Max-Forwards:"), many_lines);
  EXPECT_EQ(run(ack).outcome, Outcome::dropped_parse);
  std::string response = "SIP/2.0 200 OK\r\n" + many_lines +
                         "From: <sip:a@example.com>;tag=1\r\nTo: <sip:b@example.com>;tag=2\r\nCall-ID: big-r\r\n"
                         "CSeq: 1 INVITE\r\nContent-Length: 0\r\n\r\n";
  EXPECT_EQ(run(response).outcome, Outcome::dropped_parse);
}

TEST_F(WorkerTest, OutsideRequestToAForeignAddressIsRefused) {
  load(base_config("hash-callid"));
  auto v = run(invite("relay-1", "", "z9hG4bK-r1", "sip:bob@198.51.100.99"));
  EXPECT_EQ(v.outcome, Outcome::replied_403_relay);
  EXPECT_TRUE(sent(v).starts_with("SIP/2.0 403 "));
  v = run(invite("relay-2", "Route: <sip:198.18.0.1;lr>\r\n", "z9hG4bK-r2"));
  EXPECT_EQ(v.outcome, Outcome::replied_403_relay);
}

TEST_F(WorkerTest, RegisterIsPuntedOrAnswered503WithoutAControlPlane) {
  load(base_config("hash-callid"));
  auto v = run(invite("reg-1", "Expires: 3600\r\n", "z9hG4bK-reg", "sip:example.com", "REGISTER"));
  EXPECT_EQ(v.outcome, Outcome::replied_503_no_cp);
  EXPECT_TRUE(sent(v).starts_with("SIP/2.0 503 "));
  worker_->set_control_plane_up(true);
  v = run(invite("reg-2", "Expires: 3600\r\n", "z9hG4bK-reg2", "sip:example.com", "REGISTER"));
  EXPECT_EQ(v.action, Action::Punt);
  EXPECT_EQ(v.outcome, Outcome::punted_register);
  EXPECT_EQ(v.nat_bits, 0u);  // public Contact, Via = source
  // Behind a NAT: the registrar needs the bits to keep the binding alive.
  v = run(invite("reg-3", "Expires: 3600\r\n", "z9hG4bK-reg3", "sip:example.com", "REGISTER",
                 "<sip:alice@192.168.1.20:5060>"));
  EXPECT_EQ(v.outcome, Outcome::punted_register);
  EXPECT_NE(v.nat_bits & config::kNatContactPrivate, 0u);
}

TEST_F(WorkerTest, NatedInviteIsPuntedWithItsTestBits) {
  cp_up_ = true;
  load(base_config("hash-callid"));
  const auto v = run(invite("nat-1", "", "z9hG4bK-n1", "sip:+15551234@203.0.113.1", "INVITE", "<sip:alice@10.0.0.2:5060>"));
  EXPECT_EQ(v.action, Action::Punt);
  EXPECT_EQ(v.outcome, Outcome::punted_nat);
  EXPECT_NE(v.nat_bits & config::kNatContactPrivate, 0u);
  // Handed back by the control plane, it is dispatched.
  const auto back = run(invite("nat-1", "", "z9hG4bK-n1", "sip:+15551234@203.0.113.1", "INVITE",
                               "<sip:alice@10.0.0.2:5060;alias=203.0.113.50~5060~1>"),
                        kUac, kVip, true);
  EXPECT_EQ(back.outcome, Outcome::forwarded_request);
}

// A call into a UA behind a NAT (the control plane sent it the INVITE, with
// our Via on top of the server's): the UA's answer, with the Contact it
// believes in.
std::string answer_from_nated_uas(std::string_view status, std::string_view contacts) {
  std::string m = "SIP/2.0 " + std::string(status) + "\n";
  m += "Via: SIP/2.0/UDP 203.0.113.1:5060;branch=" + std::string(kBranchPrefix) + "070123456789abcdef\n";
  m += "Via: SIP/2.0/UDP 198.51.100.21:5060;branch=z9hG4bK-srv1\n";
  m += "Record-Route: <sip:203.0.113.1:5060;lr>, <sip:198.51.100.1:5060;lr>\n";
  m += "From: <sip:bob@example.com>;tag=b1\nTo: <sip:alice@example.com>;tag=a9\n";
  m += "Call-ID: into-nat-1\nCSeq: 1 INVITE\n";
  m += contacts;
  m += "Content-Length: 0\n\n";
  return crlf(m);
}

std::vector<std::string> contacts_of(const std::string& text) {
  sip::Message m;
  EXPECT_EQ(m.parse(text), sip::ParseError::ok) << text;
  std::vector<std::string> out;
  for (const auto& v : m.values(sip::HeaderId::contact)) out.emplace_back(v.text);
  return out;
}

TEST_F(WorkerTest, AnswerFromANatedUaGetsAContactAliasAndTheAckReachesIt) {
  load(base_config("hash-callid"));
  const auto v = run(answer_from_nated_uas("200 OK", "Contact: <sip:alice@10.0.0.2:5060>;expires=30\n"), kUac, kVip);
  ASSERT_EQ(v.action, Action::Send) << name(v.outcome);
  EXPECT_EQ(v.outcome, Outcome::forwarded_response_nat);
  EXPECT_EQ(v.to, kUas1);
  EXPECT_EQ(v.from, kInside);
  const std::string answer = sent(v);
  const auto contacts = contacts_of(answer);
  ASSERT_EQ(contacts.size(), 1u);
  EXPECT_EQ(contacts[0], "<sip:alice@10.0.0.2:5060;alias=203.0.113.50~5060~1>;expires=30");
  EXPECT_EQ(count(Outcome::forwarded_response_nat), 1u);

  // The caller's ACK targets that Contact (RFC 3261 12.1.2) through the
  // Record-Route: it reaches the NAT's public side.
  const std::string ack = crlf(
      "ACK sip:alice@10.0.0.2:5060;alias=203.0.113.50~5060~1 SIP/2.0\n"
      "Via: SIP/2.0/UDP 198.51.100.21:5060;branch=z9hG4bK-ack1\n"
      "Route: <sip:198.51.100.1:5060;lr>, <sip:203.0.113.1:5060;lr>\nMax-Forwards: 70\n"
      "From: <sip:bob@example.com>;tag=b1\nTo: <sip:alice@example.com>;tag=a9\nCall-ID: into-nat-1\n"
      "CSeq: 1 ACK\nContent-Length: 0\n\n");
  const auto a = run(ack, kUas1, kInside);
  ASSERT_EQ(a.action, Action::Send) << name(a.outcome);
  EXPECT_EQ(a.to, kUac);
  EXPECT_EQ(a.from, kVip);
}

TEST_F(WorkerTest, ProvisionalAnswersAreAliasedToo) {
  load(base_config("hash-callid"));
  const auto v = run(answer_from_nated_uas("183 Session Progress", "Contact: sip:alice@192.168.7.7\n"), kUac, kVip);
  EXPECT_EQ(v.outcome, Outcome::forwarded_response_nat);
  EXPECT_EQ(contacts_of(sent(v)), std::vector<std::string>{"<sip:alice@192.168.7.7;alias=203.0.113.50~5060~1>"});
}

TEST_F(WorkerTest, AnswersThatShowNoNatAreNotAliased) {
  load(base_config("hash-callid"));
  // A public Contact: contact-private (the default Contact test) does not fire.
  auto v = run(answer_from_nated_uas("200 OK", "Contact: <sip:alice@203.0.113.50:5060>\n"), kUac, kVip);
  EXPECT_EQ(v.outcome, Outcome::forwarded_response);
  EXPECT_EQ(contacts_of(sent(v)), std::vector<std::string>{"<sip:alice@203.0.113.50:5060>"});
  // From inside: never aliased, whatever the Contact says.
  v = run(answer_from_nated_uas("200 OK", "Contact: <sip:alice@10.0.0.2:5060>\n"), kUas2, kInside);
  EXPECT_EQ(v.outcome, Outcome::forwarded_response);
  // Failures carry no target for the dialog.
  v = run(answer_from_nated_uas("486 Busy Here", "Contact: <sip:alice@10.0.0.2:5060>\n"), kUac, kVip);
  EXPECT_EQ(v.outcome, Outcome::forwarded_response);
  EXPECT_EQ(contacts_of(sent(v)), std::vector<std::string>{"<sip:alice@10.0.0.2:5060>"});
}

TEST_F(WorkerTest, ResponseAliasFollowsTheNatRulesAndTheFixSwitch) {
  // contact-ip as the source's own test set: a public Contact that is not
  // the source is NATed for it.
  load(base_config("hash-callid", "[[nat.rule]]\nprefix = \"203.0.113.0/26\"\ntests = [\"contact-ip\"]\n"));
  auto v = run(answer_from_nated_uas("200 OK", "Contact: <sip:alice@203.0.113.51:5060>\n"), kUac, kVip);
  EXPECT_EQ(v.outcome, Outcome::forwarded_response_nat);
  // Via tests only: meaningless on a response (the top Via is ours), no alias.
  load(base_config("hash-callid", "[[nat.rule]]\nprefix = \"203.0.113.0/26\"\ntests = [\"via-received\"]\n"));
  v = run(answer_from_nated_uas("200 OK", "Contact: <sip:alice@10.0.0.2:5060>\n"), kUac, kVip);
  EXPECT_EQ(v.outcome, Outcome::forwarded_response);
  load(base_config("hash-callid", "[[nat.rule]]\nprefix = \"203.0.113.0/26\"\nnever = true\n"));
  v = run(answer_from_nated_uas("200 OK", "Contact: <sip:alice@10.0.0.2:5060>\n"), kUac, kVip);
  EXPECT_EQ(v.outcome, Outcome::forwarded_response);
  load(base_config("hash-callid", "[[nat.rule]]\nprefix = \"203.0.113.0/26\"\nforce = true\n"));
  v = run(answer_from_nated_uas("200 OK", "Contact: <sip:alice@203.0.113.50:5060>\n"), kUac, kVip);
  EXPECT_EQ(v.outcome, Outcome::forwarded_response_nat);
  EXPECT_EQ(contacts_of(sent(v)), std::vector<std::string>{"<sip:alice@203.0.113.50:5060;alias=203.0.113.50~5060~1>"});
  load(base_config("hash-callid", "[nat]\nfix = false\n"));
  v = run(answer_from_nated_uas("200 OK", "Contact: <sip:alice@10.0.0.2:5060>\n"), kUac, kVip);
  EXPECT_EQ(v.outcome, Outcome::forwarded_response);
}

TEST_F(WorkerTest, AnswerWithTooManyContactsToAliasGoesOnUnfixed) {
  load(base_config("hash-callid"));
  std::string contacts;
  for (int i = 0; i < 30; ++i) {
    contacts += "Contact: sip:c";
    contacts += std::to_string(i);
    contacts += "@10.0.0.2\n";
  }
  const auto v = run(answer_from_nated_uas("200 OK", contacts), kUac, kVip);
  ASSERT_EQ(v.action, Action::Send) << name(v.outcome);
  EXPECT_EQ(v.outcome, Outcome::forwarded_response_unfixed);
  const auto out = contacts_of(sent(v));
  ASSERT_EQ(out.size(), 30u);
  for (const auto& c : out) EXPECT_EQ(c.find("alias"), std::string::npos) << c;
}

TEST_F(WorkerTest, CpsBreachIsAnswered503AndItsAckAbsorbed) {
  load(base_config("hash-callid", "[cps]\nglobal = 2\nretry_after = 7\n"));
  EXPECT_EQ(run(invite("cps-1", "", "z9hG4bK-c1")).outcome, Outcome::forwarded_request);
  EXPECT_EQ(run(invite("cps-2", "", "z9hG4bK-c2")).outcome, Outcome::forwarded_request);
  const auto v = run(invite("cps-3", "", "z9hG4bK-c3"));
  ASSERT_EQ(v.outcome, Outcome::replied_503_cps);
  const std::string reply = sent(v);
  EXPECT_TRUE(reply.starts_with("SIP/2.0 503 "));
  EXPECT_NE(reply.find("Retry-After: 7\r\n"), std::string::npos);
  EXPECT_EQ(worker_->counters().cps_breaches.get(), 1u);
  // The UAC's ACK carries the edge's To tag: absorbed, never forwarded.
  sip::Message r;
  ASSERT_EQ(r.parse(reply), sip::ParseError::ok);
  std::string ack = invite("cps-3", "", "z9hG4bK-c3", "sip:+15551234@203.0.113.1", "ACK");
  ack.replace(ack.find("To: <sip:+15551234@example.com>"), 31, "To: " + std::string(r.value(sip::HeaderId::to)));
  EXPECT_EQ(run(ack).outcome, Outcome::absorbed_ack);
  // A second later the bucket has refilled.
  now_ns_ += 1'000'000'000;
  limits_->refill(now_ns_);
  EXPECT_EQ(run(invite("cps-4", "", "z9hG4bK-c4")).outcome, Outcome::forwarded_request);
}

TEST_F(WorkerTest, CpsBreachCanDrop) {
  // NAT tests off: the second source sends the first one's Via.
  load(base_config("hash-callid", "[cps]\nper_source = 1\nbreach_action = \"drop\"\n[nat]\ntests = []\n"));
  EXPECT_EQ(run(invite("d-1", "", "z9hG4bK-d1")).outcome, Outcome::forwarded_request);
  EXPECT_EQ(run(invite("d-2", "", "z9hG4bK-d2")).outcome, Outcome::dropped_cps);
  // Another source has its own bucket.
  EXPECT_EQ(run(invite("d-3", "", "z9hG4bK-d3"), {addr("203.0.113.51"), 5060}).outcome, Outcome::forwarded_request);
}

TEST_F(WorkerTest, InsideRequestForOurAddressIsPuntedForLocation) {
  cp_up_ = true;
  load(base_config("hash-callid"));
  const std::string m = crlf(
      "INVITE sip:alice@203.0.113.1 SIP/2.0\nVia: SIP/2.0/UDP 198.51.100.21:5060;branch=z9hG4bK-loc\n"
      "Max-Forwards: 70\nFrom: <sip:bob@example.com>;tag=b1\nTo: <sip:alice@example.com>\nCall-ID: loc-1\n"
      "CSeq: 1 INVITE\nContact: <sip:bob@198.51.100.21>\nContent-Length: 0\n\n");
  const auto v = run(m, kUas1, kInside);
  EXPECT_EQ(v.action, Action::Punt);
  EXPECT_EQ(v.outcome, Outcome::punted_location);
}

TEST_F(WorkerTest, DownDestinationIsAvoidedAndAllDownIsAnswered503) {
  load(base_config("hash-callid"));
  snap_ = with_destination_state(*snap_, {0, 0}, false, 2);
  for (int call = 0; call < 20; ++call)
    EXPECT_EQ(run(invite("down-" + std::to_string(call), "", "z9hG4bK-dn" + std::to_string(call))).to, kUas2);
  snap_ = with_destination_state(*snap_, {0, 1}, false, 3);
  EXPECT_EQ(run(invite("down-all", "", "z9hG4bK-dall")).outcome, Outcome::replied_503_no_destination);
}

TEST_F(WorkerTest, OversizedMessageGetsCompactHeaderNames) {
  load(base_config("hash-callid"));
  const std::string padding = "X-Padding: " + std::string(1400, 'p') + "\r\n";
  const auto v = run(invite("big-1", padding));
  ASSERT_EQ(v.action, Action::Send) << name(v.outcome);
  EXPECT_TRUE(v.compacted);
  sip::Message m;
  const std::string sent_text = sent(v);  // the parsed view points into it
  ASSERT_EQ(m.parse(sent_text), sip::ParseError::ok);
  EXPECT_NE(sent(v).find("\r\nv: "), std::string::npos);
}

TEST_F(WorkerTest, CompactionFollowsTheEgressSidesMtu) {
  // Outside MTU 576, inside 1500: a 700-byte INVITE fits the inside as it
  // is; a 700-byte response towards the client does not, and is compacted.
  auto node = test_node("hash-callid");
  node.ports[0].mtu = 576;
  load(fixtures::node_toml(node));
  const std::string padding = "X-Padding: " + std::string(450, 'p') + "\r\n";
  const auto fwd = run(invite("mtu-1", padding));
  ASSERT_EQ(fwd.action, Action::Send) << name(fwd.outcome);
  ASSERT_GT(fwd.length, 576u - 28u);
  EXPECT_FALSE(fwd.compacted);
  EXPECT_NE(sent(fwd).find("\r\nVia: "), std::string::npos);

  sip::Message forwarded;
  const std::string request = sent(fwd);
  ASSERT_EQ(forwarded.parse(request), sip::ParseError::ok);
  std::string response = "SIP/2.0 200 OK\r\n";
  for (const auto& via : forwarded.values(sip::HeaderId::via)) response += "Via: " + std::string(via.text) + "\r\n";
  response += "From: <sip:alice@example.com>;tag=a1\r\nTo: <sip:+15551234@example.com>;tag=b2\r\n";
  response += "Call-ID: mtu-1\r\nCSeq: 1 INVITE\r\n" + padding + "Content-Length: 0\r\n\r\n";
  const auto v = run(response, fwd.to, kInside);
  ASSERT_EQ(v.action, Action::Send) << name(v.outcome);
  EXPECT_EQ(v.to, kUac);
  EXPECT_TRUE(v.compacted);
  EXPECT_NE(sent(v).find("\r\nv: "), std::string::npos);
}

}  // namespace
}  // namespace sipedge::proxy
