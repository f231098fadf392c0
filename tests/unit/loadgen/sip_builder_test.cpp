#include "sip_builder.h"

#include <gtest/gtest.h>

#include <array>
#include <string>

namespace sipedge::loadgen {
namespace {

const UacParty kUac{"203.0.113.50", 5060, "203.0.113.1:5060", "service", 0xabc, "v=0\r\n"};
const UasParty kUas{"sip:198.51.100.21:5060", "v=0\r\ns=-\r\n"};

struct Built {
  std::array<char, 2048> buffer{};
  std::string text;
  SipMessage message;
};

template <typename Build>
void build(Built& out, Build&& fn) {
  TextWriter w(out.buffer);
  ASSERT_TRUE(fn(w));
  out.text = std::string(w.text());
  ASSERT_EQ(parse_message(out.text, out.message), ParseError::kNone) << out.text;
}

// What a stateless edge does to the INVITE on its way to the UAS: its own
// Via on top, received on the UAC's, a Record-Route.
std::string as_forwarded(const std::string& invite) {
  std::string out = invite;
  const std::size_t via = out.find("Via: ");
  out.insert(via, "Via: SIP/2.0/UDP 198.51.100.1:5060;branch=z9hG4bK-edge\r\n"
                  "Record-Route: <sip:198.51.100.1;lr>, <sip:203.0.113.1;lr>\r\n");
  const std::size_t eol = out.find("\r\n", out.find(";branch=z9hG4bK-", out.find("203.0.113.50")));
  out.insert(eol, ";received=203.0.113.50");
  return out;
}

TEST(SipBuilder, InviteCarriesTheCallKeyAndItsBody) {
  Built invite;
  build(invite, [](TextWriter& w) { return build_invite(w, kUac, {5, 2}); });
  const SipMessage& m = invite.message;
  EXPECT_EQ(m.method, "INVITE");
  EXPECT_EQ(m.request_uri, "sip:service@203.0.113.1:5060");
  EXPECT_EQ(m.call_id, "5-2-abc@203.0.113.50");
  EXPECT_EQ(parse_call_id(m.call_id, 0xabc), (CallKey{5, 2}));
  EXPECT_EQ(m.cseq, 1u);
  EXPECT_EQ(m.cseq_method, "INVITE");
  EXPECT_EQ(header_param(m.from, "tag"), "5x2");
  EXPECT_TRUE(m.to_tag.empty());
  EXPECT_EQ(header_param(m.vias[0], "branch"), "z9hG4bK-5.2.i");
  EXPECT_EQ(m.contact_uri, "sip:loadgen@203.0.113.50:5060");
  EXPECT_EQ(m.body, "v=0\r\n");
}

TEST(SipBuilder, UasResponsesEchoTheRequestAndTagTheTo) {
  Built invite;
  build(invite, [](TextWriter& w) { return build_invite(w, kUac, {5, 2}); });
  const std::string forwarded = as_forwarded(invite.text);
  SipMessage request;
  ASSERT_EQ(parse_message(forwarded, request), ParseError::kNone);

  Built trying;
  build(trying, [&](TextWriter& w) { return build_response(w, request, 100, "Trying", {}, kUas); });
  EXPECT_EQ(trying.message.status, 100);
  EXPECT_TRUE(trying.message.to_tag.empty());
  EXPECT_EQ(trying.message.record_routes.count, 0u);  // not dialog-forming
  EXPECT_TRUE(trying.message.contact_uri.empty());

  Built ok;
  build(ok, [&](TextWriter& w) { return build_response(w, request, 200, "OK", "t1", kUas); });
  const SipMessage& m = ok.message;
  EXPECT_EQ(m.status, 200);
  ASSERT_EQ(m.vias.count, 2u);  // both, in order, the edge's first
  EXPECT_EQ(header_param(m.vias[0], "branch"), "z9hG4bK-edge");
  EXPECT_EQ(header_param(m.vias[1], "received"), "203.0.113.50");
  ASSERT_EQ(m.record_routes.count, 2u);
  EXPECT_EQ(m.record_routes[0], "<sip:198.51.100.1;lr>");
  EXPECT_EQ(m.record_routes[1], "<sip:203.0.113.1;lr>");
  EXPECT_EQ(m.to_tag, "t1");
  EXPECT_EQ(m.from, request.from);
  EXPECT_EQ(m.call_id, request.call_id);
  EXPECT_EQ(m.cseq_method, "INVITE");
  EXPECT_EQ(m.contact_uri, "sip:198.51.100.21:5060");
  EXPECT_EQ(m.body, kUas.sdp);
}

TEST(SipBuilder, AckAndByeFollowTheRouteSetReversedToTheContact) {
  Built invite;
  build(invite, [](TextWriter& w) { return build_invite(w, kUac, {9, 0}); });
  SipMessage request;
  const std::string forwarded = as_forwarded(invite.text);
  ASSERT_EQ(parse_message(forwarded, request), ParseError::kNone);
  Built ok;
  build(ok, [&](TextWriter& w) { return build_response(w, request, 200, "OK", "t9", kUas); });

  Built ack;
  build(ack, [&](TextWriter& w) { return build_ack_for_2xx(w, kUac, {9, 0}, ok.message); });
  EXPECT_EQ(ack.message.method, "ACK");
  EXPECT_EQ(ack.message.request_uri, "sip:198.51.100.21:5060");
  EXPECT_EQ(ack.message.to_tag, "t9");
  EXPECT_EQ(ack.message.cseq, 1u);
  EXPECT_EQ(ack.message.cseq_method, "ACK");
  EXPECT_NE(ack.text.find("Route: <sip:203.0.113.1;lr>, <sip:198.51.100.1;lr>\r\n"), std::string::npos) << ack.text;
  EXPECT_EQ(header_param(ack.message.vias[0], "branch"), "z9hG4bK-9.0.a");  // a new transaction

  Built bye;
  build(bye, [&](TextWriter& w) { return build_bye(w, kUac, {9, 0}, ok.message); });
  EXPECT_EQ(bye.message.method, "BYE");
  EXPECT_EQ(bye.message.request_uri, "sip:198.51.100.21:5060");
  EXPECT_EQ(bye.message.cseq, 2u);
  EXPECT_EQ(bye.message.routes, 2u);
  EXPECT_EQ(bye.message.call_id, invite.message.call_id);
  EXPECT_EQ(header_param(bye.message.vias[0], "branch"), "z9hG4bK-9.0.b");
}

TEST(SipBuilder, InDialogRequestsNeedContactAndToTag) {
  SipMessage ok;
  ok.to = "<sip:x@y>;tag=1";
  ok.to_tag = "1";
  std::array<char, 2048> buffer{};
  TextWriter w(buffer);
  EXPECT_FALSE(build_bye(w, kUac, {1, 0}, ok));  // no Contact
  ok.contact_uri = "sip:198.51.100.21";
  ok.to_tag = {};
  TextWriter w2(buffer);
  EXPECT_FALSE(build_ack_for_2xx(w2, kUac, {1, 0}, ok));  // no To tag
}

TEST(SipBuilder, AckForAFailureReusesTheInviteBranchAndUri) {
  Built invite;
  build(invite, [](TextWriter& w) { return build_invite(w, kUac, {3, 1}); });
  SipMessage busy = invite.message;
  busy.is_response = true;
  busy.status = 503;
  busy.to = "<sip:service@203.0.113.1:5060>;tag=lb";
  Built ack;
  build(ack, [&](TextWriter& w) { return build_ack_for_failure(w, kUac, {3, 1}, busy); });
  EXPECT_EQ(ack.message.request_uri, invite.message.request_uri);
  EXPECT_EQ(header_param(ack.message.vias[0], "branch"), header_param(invite.message.vias[0], "branch"));
  EXPECT_EQ(ack.message.to_tag, "lb");
  EXPECT_EQ(ack.message.routes, 0u);
}

TEST(SipBuilder, RefusesWhatDoesNotFit) {
  std::array<char, 64> small{};
  TextWriter w(small);
  EXPECT_FALSE(build_invite(w, kUac, {1, 0}));
}

}  // namespace
}  // namespace sipedge::loadgen
