// Rewriter: every edit, round-tripped through the parser.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "fixtures.h"
#include "sip/rewrite.h"

namespace sipedge::sip {
namespace {

using test::crlf;
using test::with_body;

// Applies the rewriter, checks output_size() and size_bound(), and returns
// the new text.
std::string run(const Rewriter& rw, std::size_t capacity = 4096) {
  std::vector<char> buf(capacity);
  const auto n = rw.apply(buf);
  EXPECT_TRUE(n) << rewrite_error_name(n.error());
  if (!n) return {};
  EXPECT_EQ(*n, rw.output_size());
  EXPECT_GE(rw.size_bound(), *n);
  return std::string(buf.data(), *n);
}

// Re-parses a rewrite output (which must be valid SIP).
Message reparse(const std::string& out) {
  Message m;
  const ParseError e = m.parse(out);
  EXPECT_EQ(e, ParseError::ok) << parse_error_name(e) << "\n" << out;
  return m;
}

std::vector<std::string> values_of(const Message& m, HeaderId id) {
  std::vector<std::string> v;
  for (const HeaderValue& x : m.values(id)) v.emplace_back(x.text);
  return v;
}

TEST(Rewrite, NoEditsCopiesTheWireBytes) {
  const std::string text = test::invite() + "TRAILING JUNK";
  const Message m = test::parse_ok(text);
  Rewriter rw(m);
  EXPECT_EQ(rw.edit_count(), 0u);
  EXPECT_EQ(run(rw), test::invite());
}

TEST(Rewrite, DataplaneRequestPath) {
  const std::string text = test::invite();
  const Message m = test::parse_ok(text);
  Rewriter rw(m);
  constexpr std::string_view kOwnVia = "SIP/2.0/UDP 203.0.113.1:5060;branch=z9hG4bKedge42";
  constexpr std::string_view kRr = "<sip:203.0.113.1;lr>";
  ASSERT_EQ(rw.set_top_via_received(0xC6336407u), RewriteError::ok);
  ASSERT_EQ(rw.set_top_via_rport(40123), RewriteError::ok);
  ASSERT_EQ(rw.insert_header_before(HeaderId::via, HeaderId::via, kOwnVia), RewriteError::ok);
  ASSERT_EQ(rw.insert_header_before(HeaderId::record_route, HeaderId::record_route, kRr), RewriteError::ok);
  ASSERT_EQ(rw.set_max_forwards(m.max_forwards() - 1), RewriteError::ok);
  const std::string out = run(rw);
  const Message r = reparse(out);
  const auto vias = values_of(r, HeaderId::via);
  ASSERT_EQ(vias.size(), 2u);
  EXPECT_EQ(vias[0], kOwnVia);
  EXPECT_EQ(vias[1], "SIP/2.0/UDP 192.168.1.10:5060;branch=z9hG4bK776asdhds;rport=40123;received=198.51.100.7");
  const auto second = parse_via(vias[1]);
  ASSERT_TRUE(second);
  EXPECT_EQ(second->received, "198.51.100.7");
  EXPECT_EQ(second->rport, 40123);
  EXPECT_EQ(values_of(r, HeaderId::record_route), std::vector<std::string>{std::string(kRr)});
  EXPECT_EQ(r.max_forwards(), 69u);
  EXPECT_EQ(r.body(), m.body());
  EXPECT_EQ(r.call_id(), m.call_id());
  // RR absent: before the first header, after the Via inserted there first.
  EXPECT_EQ(r.header(0).id, HeaderId::via);
  EXPECT_EQ(r.header(1).id, HeaderId::record_route);
}

TEST(Rewrite, CallerParsedTopViaGivesTheSameOutput) {
  for (const std::string& text : {test::invite(), test::ok_200()}) {
    const Message m = test::parse_ok(text);
    const auto via = m.top_via();
    ASSERT_TRUE(via);
    auto edit = [&m](Rewriter& rw) {
      ASSERT_EQ(rw.set_top_via_received(0xC6336407u), RewriteError::ok);
      ASSERT_EQ(rw.set_top_via_rport(40123), RewriteError::ok);
      ASSERT_EQ(rw.set_top_via_param("x-edge", "1"), RewriteError::ok);
      ASSERT_EQ(rw.insert_header_before(HeaderId::via, HeaderId::via, "SIP/2.0/UDP 203.0.113.1;branch=z9hG4bK1"),
                RewriteError::ok);
      ASSERT_EQ(rw.set_max_forwards(m.max_forwards() - 1), RewriteError::ok);
    };
    Rewriter own(m);
    edit(own);
    Rewriter given(m, *via);
    edit(given);
    EXPECT_EQ(run(given), run(own));
  }
}

TEST(Rewrite, OutputSizeMatchesApplyForEveryEditKind) {
  // No Content-Length (one is added), edits at the first and last header,
  // removals, and the same with compact names.
  const std::string text = crlf(
      "INVITE sip:bob@example.com SIP/2.0\n"
      "Via: SIP/2.0/UDP 198.51.100.7:5060;branch=z9hG4bK1;rport, SIP/2.0/UDP 10.0.0.1;branch=z9hG4bK0\n"
      "Route: <sip:203.0.113.1;lr>, <sip:198.51.100.1;lr>\n"
      "From: <sip:a@example.com>;tag=1\nTo: <sip:bob@example.com>\nCall-ID: c1\nCSeq: 1 INVITE\n"
      "Contact: <sip:a@198.51.100.7>\n\nbody");
  const Message m = test::parse_ok(text);
  for (bool compact : {false, true}) {
    Rewriter rw(m);
    ASSERT_EQ(rw.set_top_via_rport(5060), RewriteError::ok);
    ASSERT_EQ(rw.prepend_header(HeaderId::via, "SIP/2.0/UDP 203.0.113.1;branch=z9hG4bK2"), RewriteError::ok);
    ASSERT_EQ(rw.remove_first_value(HeaderId::route), RewriteError::ok);
    ASSERT_EQ(rw.insert_header_at(m.find(HeaderId::contact), "X-Edge", "1"), RewriteError::ok);
    ASSERT_EQ(rw.append_header(HeaderId::subject, "hi"), RewriteError::ok);
    ASSERT_EQ(rw.replace_request_uri("sip:bob@198.51.100.21"), RewriteError::ok);
    ASSERT_EQ(rw.set_max_forwards(69), RewriteError::ok);
    rw.use_compact_names(compact);
    const std::string out = run(rw);  // checks output_size() == apply()
    EXPECT_EQ(reparse(out).body(), "body");
  }
}

TEST(Rewrite, ReceivedAndRportAppendedWhenAbsent) {
  const std::string text = with_body(
      "OPTIONS sip:x@example.com SIP/2.0\nVia: SIP/2.0/UDP 10.0.0.1:5062;branch=z9hG4bK1 , SIP/2.0/UDP p;branch=2\n"
      "From: <sip:a@x>;tag=1\nTo: <sip:b@x>\nCall-ID: c\nCSeq: 1 OPTIONS\n");
  const Message m = test::parse_ok(text);
  Rewriter rw(m);
  ASSERT_EQ(rw.set_top_via_received("198.51.100.7"), RewriteError::ok);
  ASSERT_EQ(rw.set_top_via_rport(5062), RewriteError::ok);
  const std::string out_r = run(rw);
  const Message r = reparse(out_r);
  const auto vias = values_of(r, HeaderId::via);
  ASSERT_EQ(vias.size(), 2u);
  EXPECT_EQ(vias[0], "SIP/2.0/UDP 10.0.0.1:5062;branch=z9hG4bK1;received=198.51.100.7;rport=5062");
  EXPECT_EQ(vias[1], "SIP/2.0/UDP p;branch=2");
}

TEST(Rewrite, ExistingReceivedAndRportValuesAreReplaced) {
  const std::string text = with_body(
      "OPTIONS sip:x@example.com SIP/2.0\nVia: SIP/2.0/UDP h;received=1.1.1.1;rport=1;branch=z9hG4bK1\n"
      "From: <sip:a@x>;tag=1\nTo: <sip:b@x>\nCall-ID: c\nCSeq: 1 OPTIONS\n");
  const Message m = test::parse_ok(text);
  Rewriter rw(m);
  ASSERT_EQ(rw.set_top_via_received(0x0A000001u), RewriteError::ok);
  ASSERT_EQ(rw.set_top_via_rport(65535), RewriteError::ok);
  const std::string out_r = run(rw);
  const Message r = reparse(out_r);
  EXPECT_EQ(r.value(HeaderId::via), "SIP/2.0/UDP h;received=10.0.0.1;rport=65535;branch=z9hG4bK1");
}

TEST(Rewrite, ValuelessParamAddedOnlyWhenAbsent) {
  const std::string text = with_body(
      "OPTIONS sip:x@example.com SIP/2.0\nVia: SIP/2.0/UDP h;branch=z9hG4bK1;x=1\n"
      "From: <sip:a@x>;tag=1\nTo: <sip:b@x>\nCall-ID: c\nCSeq: 1 OPTIONS\n");
  const Message m = test::parse_ok(text);
  Rewriter rw(m);
  ASSERT_EQ(rw.set_top_via_param("rport", {}, false), RewriteError::ok);
  ASSERT_EQ(rw.set_top_via_param("x", {}, false), RewriteError::ok);  // present: left alone
  const std::string out_r = run(rw);
  const Message r = reparse(out_r);
  EXPECT_EQ(r.value(HeaderId::via), "SIP/2.0/UDP h;branch=z9hG4bK1;x=1;rport");
  EXPECT_EQ(rw.edit_count(), 1u);
}

TEST(Rewrite, FoldedTopVia) {
  const std::string text = with_body(
      "OPTIONS sip:x@example.com SIP/2.0\nVia: SIP/2.0/UDP h\n ;branch=z9hG4bK1 ;rport\n\t, SIP/2.0/UDP k\n"
      "From: <sip:a@x>;tag=1\nTo: <sip:b@x>\nCall-ID: c\nCSeq: 1 OPTIONS\n");
  const Message m = test::parse_ok(text);
  Rewriter rw(m);
  ASSERT_EQ(rw.set_top_via_rport(7), RewriteError::ok);
  ASSERT_EQ(rw.set_top_via_received(0x01020304u), RewriteError::ok);
  const std::string out_r = run(rw);
  const Message r = reparse(out_r);
  const auto top = r.top_via();
  ASSERT_TRUE(top);
  EXPECT_EQ(top->rport, 7);
  EXPECT_EQ(top->received, "1.2.3.4");
  EXPECT_EQ(values_of(r, HeaderId::via).size(), 2u);
}

TEST(Rewrite, ResponsePopsOwnViaFromACommaList) {
  const std::string text = test::ok_200();
  const Message m = test::parse_ok(text);
  Rewriter rw(m);
  ASSERT_EQ(rw.remove_first_value(HeaderId::via), RewriteError::ok);
  const std::string out = run(rw);
  const Message r = reparse(out);
  const auto top = r.top_via();
  ASSERT_TRUE(top);
  EXPECT_EQ(top->branch, "z9hG4bK776");
  EXPECT_EQ(values_of(r, HeaderId::via).size(), 1u);
  EXPECT_EQ(r.header(0).line,
            "Via: SIP/2.0/UDP 198.51.100.7:5060;branch=z9hG4bK776;received=198.51.100.7;rport=5060\r\n");
  EXPECT_EQ(r.body(), m.body());
}

TEST(Rewrite, RemoveValuesInEveryPosition) {
  const std::string text = with_body(
      "OPTIONS sip:x@example.com SIP/2.0\nVia: SIP/2.0/UDP a, SIP/2.0/UDP b ,SIP/2.0/UDP c\nVia: SIP/2.0/UDP d\n"
      "From: <sip:a@x>;tag=1\nTo: <sip:b@x>\nCall-ID: c\nCSeq: 1 OPTIONS\n");
  const Message m = test::parse_ok(text);
  std::vector<HeaderValue> vals;
  for (const HeaderValue& v : m.values(HeaderId::via)) vals.push_back(v);
  ASSERT_EQ(vals.size(), 4u);
  const std::vector<std::vector<std::string>> want = {
      {"SIP/2.0/UDP b", "SIP/2.0/UDP c", "SIP/2.0/UDP d"},
      {"SIP/2.0/UDP a", "SIP/2.0/UDP c", "SIP/2.0/UDP d"},
      {"SIP/2.0/UDP a", "SIP/2.0/UDP b", "SIP/2.0/UDP d"},
      {"SIP/2.0/UDP a", "SIP/2.0/UDP b", "SIP/2.0/UDP c"},
  };
  for (std::size_t i = 0; i < vals.size(); ++i) {
    Rewriter rw(m);
    ASSERT_EQ(rw.remove_value(vals[i]), RewriteError::ok);
    const std::string out = run(rw);
    EXPECT_EQ(values_of(reparse(out), HeaderId::via), want[i]) << i;
  }
  // The only value of a line removes the line.
  Rewriter rw(m);
  ASSERT_EQ(rw.remove_value(vals[3]), RewriteError::ok);
  const std::string out = run(rw);
  EXPECT_EQ(reparse(out).count(HeaderId::via), 1u);
}

TEST(Rewrite, RemoveConsecutiveValuesOfOneLine) {
  const std::string text = with_body(
      "SIP/2.0 200 OK\nVia: SIP/2.0/UDP 198.51.100.1;branch=z9hG4bKa, SIP/2.0/UDP 198.51.100.1;branch=z9hG4bKb, "
      "SIP/2.0/UDP 203.0.113.7;branch=z9hG4bKc, SIP/2.0/UDP 203.0.113.8;branch=z9hG4bKd\n"
      "From: <sip:a@b>;tag=1\nTo: <sip:c@d>;tag=2\nCall-ID: x\nCSeq: 1 REGISTER");
  const Message m = test::parse_ok(text);
  std::vector<HeaderValue> v;
  for (const HeaderValue& x : m.values(HeaderId::via)) v.push_back(x);
  ASSERT_EQ(v.size(), 4u);
  auto remaining = [&](std::size_t a, std::size_t b) {
    Rewriter rw(m);
    EXPECT_EQ(rw.remove_values(v[a], v[b]), RewriteError::ok);
    return values_of(reparse(run(rw)), HeaderId::via);
  };
  EXPECT_EQ(remaining(0, 1), (std::vector<std::string>{"SIP/2.0/UDP 203.0.113.7;branch=z9hG4bKc",
                                                       "SIP/2.0/UDP 203.0.113.8;branch=z9hG4bKd"}));
  EXPECT_EQ(remaining(1, 2), (std::vector<std::string>{"SIP/2.0/UDP 198.51.100.1;branch=z9hG4bKa",
                                                       "SIP/2.0/UDP 203.0.113.8;branch=z9hG4bKd"}));
  EXPECT_EQ(remaining(2, 3), (std::vector<std::string>{"SIP/2.0/UDP 198.51.100.1;branch=z9hG4bKa",
                                                       "SIP/2.0/UDP 198.51.100.1;branch=z9hG4bKb"}));
  EXPECT_EQ(remaining(0, 0).size(), 3u);
  Rewriter all(m);
  ASSERT_EQ(all.remove_values(v[0], v[3]), RewriteError::ok);
  EXPECT_EQ(run(all).find("Via"), std::string::npos) << "the whole line (a response needs a Via to parse again)";
  Rewriter backwards(m);
  EXPECT_EQ(backwards.remove_values(v[2], v[1]), RewriteError::no_such_header);
}

TEST(Rewrite, RemoveValueOfNonListHeaderRemovesLine) {
  const std::string text = test::invite();
  const Message m = test::parse_ok(text);
  Rewriter rw(m);
  ASSERT_EQ(rw.remove_value(m.values(HeaderId::content_type).front()), RewriteError::ok);
  const std::string out_r = run(rw);
  const Message r = reparse(out_r);
  EXPECT_FALSE(r.has(HeaderId::content_type));
}

TEST(Rewrite, RemoveHeaderLinesIncludingFolds) {
  const std::string text = with_body(
      "OPTIONS sip:x@example.com SIP/2.0\nVia: SIP/2.0/UDP a\nX-Folded: one\n two\n\tthree\nRoute: <sip:p;lr>\n"
      "From: <sip:a@x>;tag=1\nTo: <sip:b@x>\nCall-ID: c\nCSeq: 1 OPTIONS\n");
  const Message m = test::parse_ok(text);
  Rewriter rw(m);
  ASSERT_EQ(rw.remove_header(m.find("x-folded")), RewriteError::ok);
  ASSERT_EQ(rw.remove_first_value(HeaderId::route), RewriteError::ok);
  const std::string out_r = run(rw);
  const Message r = reparse(out_r);
  EXPECT_EQ(r.find("x-folded"), kNoHeader);
  EXPECT_FALSE(r.has(HeaderId::route));
  EXPECT_EQ(r.header_count(), m.header_count() - 2);
}

TEST(Rewrite, ReplaceRequestUri) {
  const std::string text = test::invite();
  const Message m = test::parse_ok(text);
  Rewriter rw(m);
  ASSERT_EQ(rw.replace_request_uri("sip:bob@198.51.100.50:5070;transport=udp"), RewriteError::ok);
  const std::string out_r = run(rw);
  const Message r = reparse(out_r);
  EXPECT_EQ(r.request_uri(), "sip:bob@198.51.100.50:5070;transport=udp");
  EXPECT_EQ(r.method(), Method::invite);

  const std::string resp = test::ok_200();
  const Message mr = test::parse_ok(resp);
  Rewriter rr(mr);
  EXPECT_EQ(rr.replace_request_uri("sip:x"), RewriteError::not_a_request);
}

TEST(Rewrite, MaxForwardsReplacedOrAdded) {
  const std::string text = test::invite();
  const Message m = test::parse_ok(text);
  Rewriter rw(m);
  ASSERT_EQ(rw.set_max_forwards(0), RewriteError::ok);
  const std::string out_r = run(rw);
  const Message r = reparse(out_r);
  EXPECT_EQ(r.max_forwards(), 0u);
  EXPECT_EQ(r.count(HeaderId::max_forwards), 1u);

  const std::string none = with_body(
      "OPTIONS sip:x@example.com SIP/2.0\nVia: SIP/2.0/UDP a\nFrom: <sip:a@x>;tag=1\nTo: <sip:b@x>\nCall-ID: c\n"
      "CSeq: 1 OPTIONS\n");
  const Message mn = test::parse_ok(none);
  Rewriter rn(mn);
  ASSERT_EQ(rn.set_max_forwards(69), RewriteError::ok);
  const std::string out_rn2 = run(rn);
  const Message rn2 = reparse(out_rn2);
  EXPECT_TRUE(rn2.has_max_forwards());
  EXPECT_EQ(rn2.max_forwards(), 69u);
}

TEST(Rewrite, InsertBeforeExistingAnchorAndAtIndexAndAppend) {
  const std::string text = with_body(
      "INVITE sip:x@example.com SIP/2.0\nVia: SIP/2.0/UDP a\nFrom: <sip:a@x>;tag=1\nRecord-Route: <sip:old;lr>\n"
      "To: <sip:b@x>\nCall-ID: c\nCSeq: 1 INVITE\n");
  const Message m = test::parse_ok(text);
  Rewriter rw(m);
  ASSERT_EQ(rw.insert_header_before(HeaderId::record_route, HeaderId::record_route, "<sip:new;lr>"), RewriteError::ok);
  ASSERT_EQ(rw.insert_header_at(m.find(HeaderId::to), "X-Before-To", "1"), RewriteError::ok);
  ASSERT_EQ(rw.append_header(HeaderId::user_agent, "sipedge"), RewriteError::ok);
  const std::string out = run(rw);
  const Message r = reparse(out);
  EXPECT_EQ(values_of(r, HeaderId::record_route), (std::vector<std::string>{"<sip:new;lr>", "<sip:old;lr>"}));
  const std::size_t x = r.find("x-before-to");
  ASSERT_NE(x, kNoHeader);
  EXPECT_EQ(r.header(x + 1).id, HeaderId::to);
  EXPECT_EQ(r.value(HeaderId::user_agent), "sipedge");
  EXPECT_EQ(r.header(r.header_count() - 1).id, HeaderId::user_agent);
}

TEST(Rewrite, InsertsAtOneOffsetKeepCallOrderAndEditsAnyOrder) {
  const std::string text = test::invite();
  const Message m = test::parse_ok(text);
  Rewriter rw(m);
  ASSERT_EQ(rw.set_max_forwards(10), RewriteError::ok);  // later position first
  ASSERT_EQ(rw.prepend_header(HeaderId::via, "SIP/2.0/UDP first"), RewriteError::ok);
  ASSERT_EQ(rw.prepend_header(HeaderId::via, "SIP/2.0/UDP second"), RewriteError::ok);
  ASSERT_EQ(rw.replace_request_uri("sip:z@example.com"), RewriteError::ok);
  const std::string out_r = run(rw);
  const Message r = reparse(out_r);
  const auto vias = values_of(r, HeaderId::via);
  ASSERT_EQ(vias.size(), 3u);
  EXPECT_EQ(vias[0], "SIP/2.0/UDP first");
  EXPECT_EQ(vias[1], "SIP/2.0/UDP second");
  EXPECT_EQ(r.max_forwards(), 10u);
  EXPECT_EQ(r.request_uri(), "sip:z@example.com");
}

TEST(Rewrite, CompactNames) {
  const std::string text = with_body(std::string(test::kInviteHead) + "Supported: timer\nX-Custom: keep\nSubject: s\n",
                                     test::kSdpPrivate);
  const Message m = test::parse_ok(text);
  Rewriter rw(m);
  ASSERT_EQ(rw.insert_header_before(HeaderId::via, HeaderId::via, "SIP/2.0/UDP 203.0.113.1;branch=z9hG4bKe"),
            RewriteError::ok);
  ASSERT_EQ(rw.remove_header(m.find(HeaderId::content_type)), RewriteError::ok);
  const std::size_t long_size = rw.output_size();
  rw.use_compact_names(true);
  const std::string out = run(rw);
  EXPECT_LT(out.size(), long_size);
  const Message r = reparse(out);
  for (std::size_t i = 0; i < r.header_count(); ++i) {
    const Header h = r.header(i);
    const std::string_view compact = header_compact_name(h.id);
    if (!compact.empty()) {
      EXPECT_EQ(h.name, compact) << header_name(h.id);
    }
  }
  EXPECT_EQ(r.header(0).line, "v: SIP/2.0/UDP 203.0.113.1;branch=z9hG4bKe\r\n");
  EXPECT_EQ(r.header(r.find("x-custom")).name, "X-Custom");
  EXPECT_EQ(r.header(r.find(HeaderId::cseq)).name, "CSeq");
  EXPECT_FALSE(r.has(HeaderId::content_type));
  EXPECT_EQ(r.call_id(), m.call_id());
  EXPECT_EQ(values_of(r, HeaderId::via).size(), 2u);
  EXPECT_EQ(r.value(HeaderId::supported), "timer");
  EXPECT_EQ(r.value(HeaderId::subject), "s");
  EXPECT_EQ(r.body(), m.body());
  EXPECT_EQ(r.content_length(), m.content_length());
}

TEST(Rewrite, CompactNamesWithEditInsideLine) {
  const std::string text = test::invite();
  const Message m = test::parse_ok(text);
  Rewriter rw(m);
  rw.use_compact_names(true);
  ASSERT_EQ(rw.set_top_via_received(0x01020304u), RewriteError::ok);
  ASSERT_EQ(rw.set_max_forwards(5), RewriteError::ok);
  const std::string out_r = run(rw);
  const Message r = reparse(out_r);
  EXPECT_EQ(r.header(0).name, "v");
  EXPECT_EQ(r.top_via()->received, "1.2.3.4");
  EXPECT_EQ(r.max_forwards(), 5u);
}

// size_bound() is what the fast path compares with the MTU before asking
// for output_size(): never below it, and exact for pure inserts.
TEST(Rewrite, SizeBoundIsNeverBelowTheOutput) {
  const std::string text = crlf(
      "INVITE sip:bob@example.com SIP/2.0\nVia: SIP/2.0/UDP 198.51.100.7;branch=z9hG4bK1;rport\n"
      "Route: <sip:203.0.113.1;lr>\nFrom: <sip:a@x>;tag=1\nTo: <sip:b@x>\nCall-ID: c\nCSeq: 1 INVITE\n"
      "Max-Forwards: 70\nContent-Length: 0\n\n");
  const Message m = test::parse_ok(text);
  Rewriter rw(m);
  EXPECT_EQ(rw.size_bound(), m.wire_length());
  ASSERT_EQ(rw.insert_header_before(HeaderId::via, HeaderId::via, "SIP/2.0/UDP 203.0.113.1;branch=", "z9hG4bKx"),
            RewriteError::ok);
  ASSERT_EQ(rw.set_top_via_rport(5060), RewriteError::ok);
  EXPECT_EQ(rw.size_bound(), rw.output_size());
  EXPECT_EQ(rw.size_bound(), m.wire_length() + std::string_view("Via: SIP/2.0/UDP 203.0.113.1;branch=z9hG4bKx\r\n").size() +
                                 std::string_view("=5060").size());
  ASSERT_EQ(rw.remove_first_value(HeaderId::route), RewriteError::ok);
  ASSERT_EQ(rw.set_max_forwards(69), RewriteError::ok);
  EXPECT_GT(rw.size_bound(), rw.output_size());
  const std::string out = run(rw);
  EXPECT_NE(out.find("Via: SIP/2.0/UDP 203.0.113.1;branch=z9hG4bKx\r\nVia: SIP/2.0/UDP 198.51.100.7;branch=z9hG4bK1;rport=5060\r\n"),
            std::string::npos) << out;
  rw.clear();
  EXPECT_EQ(rw.size_bound(), m.wire_length());
}

TEST(Rewrite, ContentLengthAddedWhenAbsentAndExtraBytesDropped) {
  const std::string head = crlf(
      "MESSAGE sip:x@example.com SIP/2.0\nVia: SIP/2.0/UDP a\nFrom: <sip:a@x>;tag=1\nTo: <sip:b@x>\nCall-ID: c\n"
      "CSeq: 1 MESSAGE\n\n");
  const std::string text = head + "body bytes";
  const Message m = test::parse_ok(text);
  Rewriter rw(m);
  const std::string out = run(rw);
  const Message r = reparse(out);
  EXPECT_TRUE(r.has_content_length());
  EXPECT_EQ(r.value(HeaderId::content_length), "10");
  EXPECT_EQ(r.body(), "body bytes");
  rw.use_compact_names(true);
  const std::string compact = run(rw);
  EXPECT_NE(compact.find("\r\nl: 10\r\n\r\nbody bytes"), std::string::npos) << compact;

  const std::string with_cl = crlf(
      "MESSAGE sip:x@example.com SIP/2.0\nVia: SIP/2.0/UDP a\nFrom: <sip:a@x>;tag=1\nTo: <sip:b@x>\nCall-ID: c\n"
      "CSeq: 1 MESSAGE\nContent-Length: 4\n\n") + "bodyEXTRA";
  const Message m2 = test::parse_ok(with_cl);
  Rewriter rw2(m2);
  const std::string out2 = run(rw2);
  EXPECT_EQ(out2.substr(out2.size() - 8), "\r\n\r\nbody");
  EXPECT_EQ(reparse(out2).body(), "body");
}

TEST(Rewrite, LeadingCrlfsAreNotCopied) {
  const std::string text = "\r\n" + test::invite();
  const Message m = test::parse_ok(text);
  Rewriter rw(m);
  EXPECT_EQ(run(rw), test::invite());
}

TEST(Rewrite, DoesNotFitNeverWritesPastTheBuffer) {
  const std::string text = test::invite();
  const Message m = test::parse_ok(text);
  Rewriter rw(m);
  ASSERT_EQ(rw.insert_header_before(HeaderId::via, HeaderId::via, "SIP/2.0/UDP 203.0.113.1;branch=z9hG4bKe"),
            RewriteError::ok);
  ASSERT_EQ(rw.set_top_via_rport(5060), RewriteError::ok);
  const std::size_t need = rw.output_size();
  ASSERT_GT(need, text.size());
  std::vector<char> buf(need + 16);
  for (std::size_t cap = 0; cap < need; ++cap) {
    std::fill(buf.begin(), buf.end(), '#');
    const auto r = rw.apply(std::span<char>(buf.data(), cap));
    ASSERT_FALSE(r) << cap;
    EXPECT_EQ(r.error(), RewriteError::does_not_fit);
    for (std::size_t i = cap; i < buf.size(); ++i) ASSERT_EQ(buf[i], '#') << "cap " << cap << " wrote at " << i;
  }
  const auto ok = rw.apply(std::span<char>(buf.data(), need));
  ASSERT_TRUE(ok);
  EXPECT_EQ(*ok, need);
  EXPECT_EQ(buf[need], '#');
}

TEST(Rewrite, OverlappingEditsAreRefused) {
  const std::string text = test::ok_200();
  const Message m = test::parse_ok(text);
  Rewriter rw(m);
  ASSERT_EQ(rw.remove_header(0), RewriteError::ok);
  ASSERT_EQ(rw.set_top_via_received(0x01020304u), RewriteError::ok);  // inside the removed line
  EXPECT_EQ(rw.output_size(), 0u);
  std::vector<char> buf(4096);
  EXPECT_EQ(rw.apply(buf).error(), RewriteError::overlapping_edits);
  rw.clear();
  EXPECT_EQ(rw.edit_count(), 0u);
  EXPECT_TRUE(rw.apply(buf));

  Rewriter twice(m);
  ASSERT_EQ(twice.remove_header(1), RewriteError::ok);
  ASSERT_EQ(twice.remove_header(1), RewriteError::ok);
  EXPECT_EQ(twice.apply(buf).error(), RewriteError::overlapping_edits);
}

TEST(Rewrite, TooManyEditsAndScratchFull) {
  const std::string text = test::invite();
  const Message m = test::parse_ok(text);
  Rewriter rw(m);
  for (std::size_t i = 0; i < Rewriter::kMaxEdits; ++i)
    ASSERT_EQ(rw.append_header(HeaderId::other, "x"), RewriteError::ok);
  EXPECT_EQ(rw.append_header(HeaderId::subject, "x"), RewriteError::too_many_edits);
  EXPECT_EQ(rw.edit_count(), Rewriter::kMaxEdits);

  Rewriter scratch(m);
  const std::string name(100, 'p');
  RewriteError e = RewriteError::ok;
  for (int i = 0; i < 10 && e == RewriteError::ok; ++i) e = scratch.set_top_via_param(name, "v");
  EXPECT_EQ(e, RewriteError::scratch_full);
}

// output_size() and apply() share the sorted edit order: an edit made after
// output_size() must be in what apply() writes.
TEST(Rewrite, EditsAfterOutputSizeAreApplied) {
  const std::string text = test::invite();
  const Message m = test::parse_ok(text);
  Rewriter rw(m);
  ASSERT_EQ(rw.set_max_forwards(69), RewriteError::ok);
  const std::size_t before = rw.output_size();
  ASSERT_EQ(rw.insert_header_before(HeaderId::via, HeaderId::via, "SIP/2.0/UDP 198.51.100.1;branch=z9hG4bKx"),
            RewriteError::ok);
  EXPECT_GT(rw.output_size(), before);
  const std::string text_out = run(rw);  // run() checks apply() == output_size()
  const Message out = reparse(text_out);
  EXPECT_EQ(out.max_forwards(), 69u);
  ASSERT_TRUE(out.top_via());
  EXPECT_EQ(out.top_via()->branch, "z9hG4bKx");
  rw.clear();
  EXPECT_EQ(run(rw), std::string(m.wire()));
}

// A line with a single element: only that element (by position) removes it.
TEST(Rewrite, RemoveValueOfASingleElementLineMustNameTheElement) {
  const std::string text = test::invite();
  const Message m = test::parse_ok(text);
  const HeaderValue via = m.values(HeaderId::via).front();
  ASSERT_EQ(std::string_view(m.header(via.header_index).value).find(','), std::string_view::npos);
  Rewriter rw(m);
  EXPECT_EQ(rw.remove_value(HeaderValue{via.text.substr(1), via.header_index}), RewriteError::no_such_header);
  EXPECT_EQ(rw.edit_count(), 0u);
  ASSERT_EQ(rw.remove_value(via), RewriteError::ok);
  std::string want(m.wire());
  const std::string_view line = m.header(via.header_index).line;
  want.erase(m.offset_of(line) - m.offset_of(m.wire()), line.size());
  EXPECT_EQ(run(rw), want);
}

// remove_first_value() takes the first non-empty element: a whole line when
// it is alone there, else just the element.
TEST(Rewrite, RemoveFirstValueSkipsAnEmptyLine) {
  const std::string head = "SIP/2.0 200 OK\n";
  const std::string rest = "From: <sip:a@x>;tag=1\nTo: <sip:b@x>;tag=2\nCall-ID: c\nCSeq: 1 INVITE\n";
  struct Case {
    const char* vias;
    const char* want;
  };
  for (const Case& c : {Case{"Via: SIP/2.0/UDP a\nVia: SIP/2.0/UDP b\n", "Via: SIP/2.0/UDP b\n"},
                        Case{"Via:\nVia: SIP/2.0/UDP a, SIP/2.0/UDP b\n", "Via:\nVia: SIP/2.0/UDP b\n"},
                        Case{"Via: SIP/2.0/UDP a, SIP/2.0/UDP b\n", "Via: SIP/2.0/UDP b\n"}}) {
    const std::string text = with_body(head + c.vias + rest);
    const Message m = test::parse_ok(text);
    Rewriter rw(m);
    ASSERT_EQ(rw.remove_first_value(HeaderId::via), RewriteError::ok) << c.vias;
    EXPECT_EQ(run(rw), with_body(head + c.want + rest)) << c.vias;
  }
}

TEST(Rewrite, NoSuchHeader) {
  const std::string text = test::invite();
  const Message m = test::parse_ok(text);
  Rewriter rw(m);
  EXPECT_EQ(rw.remove_header(m.header_count()), RewriteError::no_such_header);
  EXPECT_EQ(rw.insert_header_at(99, "X", "y"), RewriteError::no_such_header);
  EXPECT_EQ(rw.remove_first_value(HeaderId::route), RewriteError::no_such_header);
  EXPECT_EQ(rw.remove_value(HeaderValue{"x", 999}), RewriteError::no_such_header);
  EXPECT_EQ(rw.remove_value(HeaderValue{"not in the message", 0}), RewriteError::no_such_header);
  EXPECT_EQ(rw.edit_count(), 0u);

  const std::string bad_via = with_body(
      "OPTIONS sip:x@example.com SIP/2.0\nVia: garbage\nFrom: <sip:a@x>;tag=1\nTo: <sip:b@x>\nCall-ID: c\n"
      "CSeq: 1 OPTIONS\n");
  const Message mb = test::parse_ok(bad_via);
  Rewriter rb(mb);
  EXPECT_EQ(rb.set_top_via_rport(1), RewriteError::no_such_header);
  EXPECT_EQ(rb.set_top_via_received(1u), RewriteError::no_such_header);

  const Message invalid;
  Rewriter ri(invalid);
  std::vector<char> buf(64);
  EXPECT_FALSE(ri.apply(buf));
}

TEST(Rewrite, Ipv6TopVia) {
  const std::string text = with_body(
      "OPTIONS sip:x@example.com SIP/2.0\nVia: SIP/2.0/UDP [2001:db8::1]:5060;branch=z9hG4bK1;rport\n"
      "From: <sip:a@x>;tag=1\nTo: <sip:b@x>\nCall-ID: c\nCSeq: 1 OPTIONS\n");
  const Message m = test::parse_ok(text);
  Rewriter rw(m);
  ASSERT_EQ(rw.set_top_via_received("2001:db8::99"), RewriteError::ok);
  ASSERT_EQ(rw.set_top_via_rport(5099), RewriteError::ok);
  const std::string out_r = run(rw);
  const Message r = reparse(out_r);
  const auto v = r.top_via();
  ASSERT_TRUE(v);
  EXPECT_EQ(v->host, "2001:db8::1");
  EXPECT_EQ(v->received, "2001:db8::99");
  EXPECT_EQ(v->rport, 5099);
}

}  // namespace
}  // namespace sipedge::sip
