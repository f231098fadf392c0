// check_request_strictness: each RFC 3261 section 25 rule the parse is
// liberal about, on messages that parse, and the valid shapes next to each
// that must pass (quotes holding separators, <> holding ",,", escapes).
#include "sip/strict.h"

#include <gtest/gtest.h>

#include <string>

#include "fixtures.h"

namespace sipedge::sip {
namespace {

using test::with_body;

std::string request(std::string_view from, std::string_view extra = {}, std::string_view via_params = ";branch=z9hG4bKs1") {
  return with_body("INVITE sip:bob@198.51.100.20 SIP/2.0\nVia: SIP/2.0/UDP 203.0.113.7:5060" + std::string(via_params) +
                   "\nFrom: " + std::string(from) + "\nTo: <sip:bob@example.com>\nCall-ID: st-1\nCSeq: 1 INVITE\n" +
                   std::string(extra));
}

struct Case {
  const char* name;
  std::string text;
  ParseError want;
};

TEST(Strictness, EachRuleAndTheValidShapeBesideIt) {
  const Case cases[] = {
      {"plain", request("<sip:alice@example.com>;tag=1"), ParseError::ok},
      {"quoted display name", request("\"Alice\" <sip:alice@example.com>;tag=1"), ParseError::ok},
      {"escaped quote inside", request("\"Al \\\"x\\\" ice\" <sip:alice@example.com>;tag=1"), ParseError::ok},
      {"separators inside quotes", request("\"a;;b,,c\" <sip:alice@example.com>;tag=1"), ParseError::ok},
      {"unterminated quote", request("\"Alice <sip:alice@example.com>;tag=1"), ParseError::unterminated_quoted_string},
      {"escaped closing quote", request("\"Alice\\\" <sip:alice@example.com>;tag=1"), ParseError::unterminated_quoted_string},
      {";; in From", request("<sip:alice@example.com>;;tag=1"), ParseError::empty_separator},
      {"; ; in From", request("<sip:alice@example.com>; ;tag=1"), ParseError::empty_separator},
      {"trailing ; in From", request("<sip:alice@example.com>;tag=1;"), ParseError::empty_separator},
      {"<> may hold ,,", request("<sip:a,,b@example.com>;tag=1"), ParseError::ok},
      {",, in Contact", request("<sip:a@x>;tag=1", "Contact: <sip:a@203.0.113.7>,,<sip:b@203.0.113.7>\n"),
       ParseError::empty_separator},
      {"leading , in Contact", request("<sip:a@x>;tag=1", "Contact: ,<sip:a@203.0.113.7>\n"), ParseError::empty_separator},
      {"trailing , in Route", request("<sip:a@x>;tag=1", "Route: <sip:198.51.100.1;lr>,\n"), ParseError::empty_separator},
      {"Record-Route list", request("<sip:a@x>;tag=1", "Record-Route: <sip:198.51.100.1;lr>, <sip:198.51.100.2;lr>\n"),
       ParseError::ok},
      {";; in a second Via", request("<sip:a@x>;tag=1", "Via: SIP/2.0/UDP 198.51.100.9;;branch=z9hG4bKs0\n"),
       ParseError::empty_separator},
      {"Contact ?headers in <>", request("<sip:a@x>;tag=1", "Contact: <sip:a@203.0.113.7?Subject=hi>\n"), ParseError::ok},
      {"Contact ?headers bare", request("<sip:a@x>;tag=1", "Contact: sip:a@203.0.113.7?Subject=hi\n"),
       ParseError::contact_headers_unbracketed},
      {"token display name", request("Alice Liddell <sip:alice@example.com>;tag=1"), ParseError::ok},
      {"token characters", request("a.b-c!d%e*f_g+h`i'j~k <sip:alice@example.com>;tag=1"), ParseError::ok},
      {"UTF-8 display name unquoted", request("Jos\xc3\xa9 <sip:alice@example.com>;tag=1"), ParseError::ok},
      {"quoted display name holding <", request("\"Bob <x>\" <sip:alice@example.com>;tag=1"), ParseError::ok},
      {"comma in unquoted display name", request("Bell, Alexander <sip:alice@example.com>;tag=1"),
       ParseError::bad_display_name},
      {"@ in unquoted display name", request("alice@home <sip:alice@example.com>;tag=1"), ParseError::bad_display_name},
      {"SP after <", request("< sip:alice@example.com>;tag=1"), ParseError::addr_spec_whitespace},
      {"SP before >", request("\"A\" <sip:alice@example.com >;tag=1"), ParseError::addr_spec_whitespace},
      {"SP around <> is LWS", request("\"A\"   <sip:alice@example.com>  ;tag=1"), ParseError::ok},
      {"Contact star", with_body("REGISTER sip:example.com SIP/2.0\nVia: SIP/2.0/UDP 203.0.113.7;branch=z9hG4bKr\n"
                                 "From: <sip:a@example.com>;tag=1\nTo: <sip:a@example.com>\nCall-ID: st-2\n"
                                 "CSeq: 2 REGISTER\nContact: *\nExpires: 0\n"),
       ParseError::ok},
  };
  for (const Case& c : cases) {
    Message m;
    ASSERT_EQ(m.parse(c.text), ParseError::ok) << c.name;
    EXPECT_EQ(check_request_strictness(m), c.want) << c.name << "\n" << c.text;
  }
}

TEST(Strictness, ResponsesAreNotJudged) {
  Message m;
  ASSERT_EQ(m.parse(with_body("SIP/2.0 200 OK\nVia: SIP/2.0/UDP 203.0.113.7;branch=z9hG4bKr\n"
                              "From: \"unterminated <sip:a@example.com>;tag=1\nTo: <sip:a@example.com>;tag=2\n"
                              "Call-ID: st-3\nCSeq: 2 INVITE\n")),
            ParseError::ok);
  EXPECT_EQ(check_request_strictness(m), ParseError::ok);
}

TEST(Strictness, EveryReasonHasItsOwnWarning) {
  for (const ParseError e : {ParseError::unterminated_quoted_string, ParseError::contact_headers_unbracketed,
                             ParseError::empty_separator}) {
    EXPECT_NE(strictness_warning(e), strictness_warning(ParseError::bad_via)) << parse_error_name(e);
    EXPECT_EQ(strictness_warning(e).find('"'), std::string_view::npos) << "must fit a quoted-string";
  }
}

}  // namespace
}  // namespace sipedge::sip
