// parse_name_addr, From/To accessors, tags, Contact lists.
#include <gtest/gtest.h>

#include <array>
#include <string>
#include <vector>

#include "fixtures.h"
#include "sip/name_addr.h"
#include "sip/uri.h"
#include "sip/via.h"

namespace sipedge::sip {
namespace {

struct NaCase {
  std::string_view text;
  std::string_view display;
  bool quoted;
  bool bracketed;
  std::string_view uri;
  std::string_view params;
  std::string_view tag;
};

TEST(NameAddr, Table) {
  const NaCase cases[] = {
      {"<sip:a@example.com>", "", false, true, "sip:a@example.com", "", ""},
      {"Bob <sip:bob@biloxi.com>;tag=a6c85cf", "Bob", false, true, "sip:bob@biloxi.com", ";tag=a6c85cf", "a6c85cf"},
      {"Bob  Smith Jr <sip:bob@biloxi.com>", "Bob  Smith Jr", false, true, "sip:bob@biloxi.com", "", ""},
      {"\"Alice Liddell\" <sip:alice@atlanta.com;transport=udp>;tag=88", "Alice Liddell", true, true,
       "sip:alice@atlanta.com;transport=udp", ";tag=88", "88"},
      {"\"\" <sip:anon@x.com>", "", true, true, "sip:anon@x.com", "", ""},
      {"\"a;b,c<d>\" <sip:x@y.com>", "a;b,c<d>", true, true, "sip:x@y.com", "", ""},
      {"\"esc \\\"q\\\" \\\\\" <sip:x@y.com>", "esc \\\"q\\\" \\\\", true, true, "sip:x@y.com", "", ""},
      {"\"Alice\"<sip:a@x.com>", "Alice", true, true, "sip:a@x.com", "", ""},
      {"sip:alice@atlanta.com;tag=1928", "", false, false, "sip:alice@atlanta.com", ";tag=1928", "1928"},
      {"sip:alice@atlanta.com ; tag = 1928 ; x", "", false, false, "sip:alice@atlanta.com", "; tag = 1928 ; x", "1928"},
      {"<sip:a@h>;expires=60;q=0.5;+sip.instance=\"<urn:uuid:1>\"", "", false, true, "sip:a@h",
       ";expires=60;q=0.5;+sip.instance=\"<urn:uuid:1>\"", ""},
      {"<tel:+15551234>;tag=9", "", false, true, "tel:+15551234", ";tag=9", "9"},
      {"<urn:service:sos>", "", false, true, "urn:service:sos", "", ""},
      {"<sip:[2001:db8::1]:5070>", "", false, true, "sip:[2001:db8::1]:5070", "", ""},
      {"  \t<sip:a@h>  ", "", false, true, "sip:a@h", "", ""},
      {"caf\xc3\xa9 <sip:c@h>", "caf\xc3\xa9", false, true, "sip:c@h", "", ""},
      {"<sip:a@h>;tag=", "", false, true, "sip:a@h", ";tag=", ""},
  };
  for (const NaCase& c : cases) {
    const auto r = parse_name_addr(c.text);
    ASSERT_TRUE(r) << c.text << ": " << parse_error_name(r.error());
    EXPECT_EQ(r->display_name, c.display) << c.text;
    EXPECT_EQ(r->display_quoted, c.quoted) << c.text;
    EXPECT_EQ(r->bracketed, c.bracketed) << c.text;
    EXPECT_EQ(r->uri_text, c.uri) << c.text;
    EXPECT_EQ(r->uri.text, c.uri) << c.text;
    EXPECT_EQ(r->params, c.params) << c.text;
    EXPECT_EQ(r->tag, c.tag) << c.text;
    EXPECT_FALSE(r->star);
  }
}

TEST(NameAddr, AddrSpecParamsAreHeaderParams) {
  // RFC 3261 20.10: without <>, ";transport" belongs to the header, not the URI.
  const auto r = parse_name_addr("sip:a@h;transport=tcp");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->uri.params, "");
  Param p;
  ASSERT_TRUE(r->param("transport", p));
  EXPECT_EQ(p.value, "tcp");
}

TEST(NameAddr, TagPresenceDistinguishesEmpty) {
  const auto with_empty = parse_name_addr("<sip:a@h>;tag=");
  ASSERT_TRUE(with_empty);
  EXPECT_TRUE(with_empty->has_tag);
  const auto none = parse_name_addr("<sip:a@h>;tagx=1");
  ASSERT_TRUE(none);
  EXPECT_FALSE(none->has_tag);
}

TEST(NameAddr, Star) {
  const auto r = parse_name_addr(" * ", true);
  ASSERT_TRUE(r);
  EXPECT_TRUE(r->star);
  EXPECT_EQ(parse_name_addr("*").error(), ParseError::bad_name_addr);
}

TEST(NameAddr, Rejections) {
  const std::pair<std::string_view, ParseError> cases[] = {
      {"", ParseError::bad_name_addr},
      {"\"unterminated <sip:a@h>", ParseError::bad_name_addr},
      {"\"quoted\" sip:a@h", ParseError::bad_name_addr},
      {"<sip:a@h", ParseError::bad_name_addr},
      {"<sip:a@h> junk", ParseError::bad_name_addr},
      {"<sip:a@h>, <sip:b@h>", ParseError::bad_name_addr},  // two values in a single-value field
      {"sip:a@h, sip:b@h", ParseError::bad_host},
      {"<>", ParseError::bad_uri},
      {"<sip:a@>", ParseError::bad_host},
      {"<sip:a@h:99999>", ParseError::bad_port},
      {"<sip:a@h>;", ParseError::bad_param},
      {"<sip:a@h>;tag=\"x", ParseError::bad_param},
      {"Bad(name) <sip:a@h>", ParseError::bad_uri},
  };
  for (const auto& [text, error] : cases) {
    const auto r = parse_name_addr(text);
    EXPECT_FALSE(r) << text;
    EXPECT_EQ(parse_error_name(r.error()), parse_error_name(error)) << text;
  }
}

TEST(NameAddr, UnescapeDisplayName) {
  std::array<char, 64> buf{};
  const auto r = parse_name_addr("\"say \\\"hi\\\" \\\\ there\" <sip:a@h>");
  ASSERT_TRUE(r);
  const std::size_t n = unescape_display_name(r->display_name, buf);
  EXPECT_EQ(std::string_view(buf.data(), n), "say \"hi\" \\ there");
  std::array<char, 3> small{};
  EXPECT_EQ(unescape_display_name("abcdef", small), 3u);
}

TEST(NameAddr, MessageFromToAndTags) {
  const std::string text = test::invite();
  const Message m = test::parse_ok(text);
  const auto from = m.from();
  ASSERT_TRUE(from);
  EXPECT_EQ(from->display_name, "Alice");
  EXPECT_EQ(from->uri.user, "alice");
  EXPECT_EQ(m.from_tag(), "1928301774");
  const auto to = m.to();
  ASSERT_TRUE(to);
  EXPECT_EQ(to->uri.host, "biloxi.example.com");
  EXPECT_EQ(m.to_tag(), "");
  EXPECT_FALSE(m.has_to_tag());
  EXPECT_TRUE(m.is_initial_request());
  EXPECT_EQ(Message().from().error(), ParseError::header_absent);
  EXPECT_EQ(Message().to().error(), ParseError::header_absent);
}

TEST(NameAddr, InDialogRequestIsNotInitial) {
  const std::string text = test::with_body(
      "BYE sip:alice@198.51.100.1 SIP/2.0\nVia: SIP/2.0/UDP h;branch=z9hG4bK1\nFrom: <sip:b@x>;tag=22\n"
      "To: <sip:a@x> ; TAG = 11\nCall-ID: c\nCSeq: 2 BYE\n");
  const Message m = test::parse_ok(text);
  EXPECT_TRUE(m.has_to_tag());
  EXPECT_EQ(m.to_tag(), "11");
  EXPECT_FALSE(m.is_initial_request());
}

TEST(NameAddr, MalformedToMeansNoTag) {
  const std::string text = test::with_body(
      "INVITE sip:a@x SIP/2.0\nVia: SIP/2.0/UDP h;branch=z9hG4bK1\nFrom: <sip:b@x>;tag=22\n"
      "To: <sip:a@x;tag=1\nCall-ID: c\nCSeq: 2 INVITE\n");
  const Message m = test::parse_ok(text);
  EXPECT_EQ(m.to().error(), ParseError::bad_name_addr);
  EXPECT_FALSE(m.has_to_tag());
  EXPECT_EQ(m.to_tag(), "");
}

// may_have_tag() lets the fast path skip parsing a To: it must never say
// "no tag" for a value in which parse_name_addr() finds one, and it says
// "no tag" for the plain To of an initial request.
TEST(NameAddr, MayHaveTagNeverMissesATag) {
  const std::string_view values[] = {
      "<sip:a@x>;tag=1", "<sip:a@x>;TAG=1", "<sip:a@x> ; TaG = 1", "sip:a@x;tag=1", "<sip:a@x>;x=1;tag=22",
      "\"T\" <sip:a@x>;tag=1", "<sip:a@x>\r\n ;tag=1", "<sip:a@x>;tag=", "<sip:a@x>;tag", "<sip:a@x>;t=1",
      "<sip:tag@x>", "<sip:a@stage.example.com>", "<sip:a@x>;ta=1", "<sip:a@x>;ag=1", "<sip:a@x>", "sip:a@x",
      "t", "ta", "tag", "<sip:a@x>;tAg=abc", "\"tag\" <sip:a@x>", "<sip:a@x>;xtag=1", "<sip:a@x;tag=1",
  };
  for (std::string_view v : values) {
    const auto na = parse_name_addr(v);
    if (na && na->has_tag) {
      EXPECT_TRUE(may_have_tag(v)) << v;
    }
  }
  EXPECT_FALSE(may_have_tag(""));
  EXPECT_FALSE(may_have_tag("<sip:+15551234@example.com>"));
  EXPECT_FALSE(may_have_tag("\"Alice\" <sip:alice@example.com;transport=udp>"));
  EXPECT_FALSE(may_have_tag("<sip:a@x>;t=1;ta=2;ag=3"));
  EXPECT_TRUE(may_have_tag("<sip:a@x>;tag=1"));
  EXPECT_TRUE(may_have_tag("<sip:a@x>;TAG=1"));
  EXPECT_TRUE(may_have_tag("<sip:a@stage.example.com>"));  // conservative: the parse decides
  // Every cut of a tagged value: the tag param found by the parse (if any)
  // is always noticed, also when it ends the view.
  const std::string tagged = "\"Bob\" <sip:bob@biloxi.com>;x=tTaA;tag=a6c85cf";
  for (std::size_t n = 0; n <= tagged.size(); ++n) {
    const std::string_view v(tagged.data(), n);
    const auto na = parse_name_addr(v);
    if (na && na->has_tag) {
      EXPECT_TRUE(may_have_tag(v)) << v;
    }
  }
}

// The in-place parsers give what the Result-returning ones give: the same
// error, and on success the same fields.
TEST(NameAddr, InPlaceParsersMatchTheResultOnes) {
  for (std::string_view v : {"\"A\" <sip:a@198.51.100.1:5060;lr;alias=1~2~1>;tag=x", "sip:a@h;tag=1", "<sip:a@x",
                             "<sip:a@[::1]>", "*", "<sip:a@h>;=", "", "<http://x>"}) {
    for (bool star : {false, true}) {
      NameAddr na;
      const ParseError e = parse_name_addr_into(v, star, na);
      const auto r = parse_name_addr(v, star);
      EXPECT_EQ(e, r.error()) << v;
      if (!r) continue;
      EXPECT_EQ(na.uri.text, r->uri.text) << v;
      EXPECT_EQ(na.uri.ipv4, r->uri.ipv4) << v;
      EXPECT_EQ(na.uri.alias_param, r->uri.alias_param) << v;
      EXPECT_EQ(na.tag, r->tag) << v;
      EXPECT_EQ(na.star, r->star) << v;
      EXPECT_EQ(na.display_name, r->display_name) << v;
    }
  }
  for (std::string_view v : {"sip:u@203.0.113.1:5060;transport=udp", "sip:", "tel:+1;x=y", "sip:u@h:99999"}) {
    Uri u;
    EXPECT_EQ(parse_uri_into(v, u), parse_uri(v).error()) << v;
  }
  for (std::string_view v : {"SIP/2.0/UDP 203.0.113.50:5060;branch=z9hG4bK1;rport", "SIP/2.0/UDP", "SIP/2.0/TCP h;rport=x"}) {
    Via via;
    const ParseError e = parse_via_into(v, via);
    const auto r = parse_via(v);
    EXPECT_EQ(e, r.error()) << v;
    if (r) {
      EXPECT_EQ(via.branch, r->branch);
      EXPECT_EQ(via.sent_by, r->sent_by);
      EXPECT_EQ(via.has_rport, r->has_rport);
    }
  }
  // A failed parse leaves a default value in the Result.
  EXPECT_TRUE(parse_name_addr("<sip:a@x").value().uri.text.empty());
  EXPECT_TRUE(parse_via("SIP/2.0/UDP h;rport=x").value().host.empty());
}

TEST(NameAddr, ToWithoutTagTextHasNoTag) {
  const std::string text = test::with_body(
      "INVITE sip:a@x SIP/2.0\nVia: SIP/2.0/UDP h;branch=z9hG4bK1\nFrom: <sip:b@x>\n"
      "To: <sip:a@x>;ta=1\nCall-ID: c\nCSeq: 2 INVITE\n");
  const Message m = test::parse_ok(text);
  EXPECT_FALSE(m.has_to_tag());
  EXPECT_EQ(m.to_tag(), "");
  EXPECT_EQ(m.from_tag(), "");
  EXPECT_TRUE(m.is_initial_request());
}

TEST(NameAddr, ResponsesAreNeverInitialRequests) {
  const std::string text = test::with_body(
      "SIP/2.0 100 Trying\nVia: SIP/2.0/UDP h;branch=z9hG4bK1\nFrom: <sip:b@x>;tag=22\nTo: <sip:a@x>\nCall-ID: c\n"
      "CSeq: 2 INVITE\n");
  EXPECT_FALSE(test::parse_ok(text).is_initial_request());
}

TEST(Values, ContactListAcrossLinesWithQuotesAndBrackets) {
  const std::string text = test::with_body(
      "REGISTER sip:example.com SIP/2.0\nVia: SIP/2.0/UDP h;branch=z9hG4bK1\nFrom: <sip:b@x>;tag=22\nTo: <sip:b@x>\n"
      "Call-ID: c\nCSeq: 2 REGISTER\n"
      "Contact: \"A, B\" <sip:a,b@h1>;expires=10 ,, <sip:b@h2>\n"
      "m: sip:c@h3;q=0.1\n");
  const Message m = test::parse_ok(text);
  std::vector<std::string_view> got;
  std::vector<std::size_t> lines;
  for (const HeaderValue& v : m.values(HeaderId::contact)) {
    got.push_back(v.text);
    lines.push_back(v.header_index);
  }
  ASSERT_EQ(got.size(), 3u);
  EXPECT_EQ(got[0], "\"A, B\" <sip:a,b@h1>;expires=10");
  EXPECT_EQ(got[1], "<sip:b@h2>");
  EXPECT_EQ(got[2], "sip:c@h3;q=0.1");
  EXPECT_EQ(lines[0], lines[1]);
  EXPECT_NE(lines[1], lines[2]);
  const auto first = parse_name_addr(got[0]);
  ASSERT_TRUE(first);
  Param p;
  ASSERT_TRUE(first->param("expires", p));
  EXPECT_EQ(p.value, "10");
  EXPECT_EQ(first->uri.user, "a,b");
}

TEST(Values, NonListHeadersAreNotSplit) {
  const std::string text = test::with_body(
      "INVITE sip:a@x SIP/2.0\nVia: SIP/2.0/UDP h;branch=z9hG4bK1\nFrom: <sip:b@x>;tag=22\nTo: <sip:a@x>\n"
      "Call-ID: c\nCSeq: 2 INVITE\nSubject: a, b\nSubject:\nX-Other: 1, 2\n");
  const Message m = test::parse_ok(text);
  std::vector<std::string_view> got;
  for (const HeaderValue& v : m.values(HeaderId::subject)) got.push_back(v.text);
  ASSERT_EQ(got.size(), 2u);
  EXPECT_EQ(got[0], "a, b");
  EXPECT_EQ(got[1], "");
  std::size_t n = 0;
  for (const HeaderValue& v : m.values(HeaderId::other)) {
    EXPECT_EQ(v.text, "1, 2");
    ++n;
  }
  EXPECT_EQ(n, 1u);
  EXPECT_TRUE(m.values(HeaderId::route).empty());
}

TEST(Values, RouteAndRecordRoute) {
  const std::string text = test::with_body(
      "INVITE sip:a@x SIP/2.0\nVia: SIP/2.0/UDP h;branch=z9hG4bK1\nFrom: <sip:b@x>;tag=22\nTo: <sip:a@x>\n"
      "Call-ID: c\nCSeq: 2 INVITE\nRoute: <sip:p1.example.com;lr>,<sip:p2.example.com;lr=on>\n"
      "Route: <sip:198.51.100.3;lr>\nRecord-Route: <sip:rr.example.com;lr>\n");
  const Message m = test::parse_ok(text);
  std::vector<std::string> hosts;
  for (const HeaderValue& v : m.values(HeaderId::route)) {
    const auto na = parse_name_addr(v.text);
    ASSERT_TRUE(na);
    EXPECT_TRUE(na->uri.lr());
    hosts.emplace_back(na->uri.host);
  }
  EXPECT_EQ(hosts, (std::vector<std::string>{"p1.example.com", "p2.example.com", "198.51.100.3"}));
  EXPECT_EQ(m.values(HeaderId::record_route).front().text, "<sip:rr.example.com;lr>");
}

TEST(Values, IteratorPostIncrementAndArrow) {
  const std::string text = test::ok_200();
  const Message m = test::parse_ok(text);
  ValueIterator it = m.values(HeaderId::via).begin();
  EXPECT_EQ(it->header_index, 0u);
  it++;
  EXPECT_FALSE(it == std::default_sentinel);
  ++it;
  EXPECT_TRUE(it == std::default_sentinel);
}

}  // namespace
}  // namespace sipedge::sip
