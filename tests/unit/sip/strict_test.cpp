// check_request_strictness: each RFC 3261 section 25 rule the parse is
// liberal about, on messages that parse, and the valid shapes next to each
// that must pass (quotes holding separators, <> holding ",,", escapes).
#include "sip/strict.h"

#include <gtest/gtest.h>

#include <random>
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
    for (const auto& variant : strict_detail::separator_variants())
      EXPECT_EQ(variant.check_message(m), strict_detail::check_message_separators_reference(m)) << variant.name << ": " << c.name;
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

// The SIMD pass settles most values itself; each shape it must hand on (or
// refuse itself) at every offset around its 16-byte blocks, against the
// reference walk.
TEST(Strictness, SimdPassAgreesWithReferenceAtEveryOffset) {
  using strict_detail::check_separators;
  using strict_detail::check_separators_reference;
  const std::string_view shapes[] = {";;", "; ;", ";,", ",;", ",,", ", ,", ";\r\n ;", "\"", "\"a\"", "\"a\";",
                                     "\"a\\\"b\"", "\"\"\"", "<a;;b>", ";", ",", " ", "a;b", "a,b", "\"a,;b\" x"};
  for (const std::string_view shape : shapes) {
    for (std::size_t len = shape.size(); len <= 70; ++len) {
      for (std::size_t at = 0; at + shape.size() <= len; ++at) {
        std::string v(len, 'a');
        v.replace(at, shape.size(), shape);
        for (const bool list : {false, true}) {
          const ParseError want = check_separators_reference(v, list);
          ASSERT_EQ(check_separators(v, list), want) << "list " << list << " value [" << v << "]";
          for (const auto& variant : strict_detail::separator_variants())
            ASSERT_EQ(variant.check(v, list), want) << variant.name << " list " << list << " value [" << v << "]";
        }
      }
    }
  }
}

TEST(Strictness, SimdPassAgreesWithReferenceOnRandomValues) {
  std::mt19937 rng(1425);
  const char alphabet[] = {'a', 'b', ';', ',', ' ', '\t', '\r', '\n', '"', '\\', '<', '>', '=', ':'};
  for (int round = 0; round < 200000; ++round) {
    std::string v(rng() % 80, 'a');
    // Mostly plain bytes, so that values the SIMD pass settles itself occur.
    for (char& c : v) c = rng() % 4 == 0 ? alphabet[rng() % sizeof alphabet] : 'a';
    for (const bool list : {false, true}) {
      const ParseError want = strict_detail::check_separators_reference(v, list);
      for (const auto& variant : strict_detail::separator_variants())
        ASSERT_EQ(variant.check(v, list), want) << variant.name << " list " << list << " value [" << v << "]";
    }
  }
}

// What the SIMD pass decides alone: a value of two or more blocks with no
// suspect byte passes; one separator followed by nothing, a lone quote, or
// a separator after the closing quote is refused, wherever it sits.
TEST(Strictness, SimdPassVerdictsOnLongValues) {
 for (const auto& variant : strict_detail::separator_variants()) {
  SCOPED_TRACE(variant.name);
  const auto check_separators = variant.check;
  const std::string via = "SIP/2.0/UDP 203.0.113.50:5060;branch=z9hG4bK-524287-1---abc;rport";
  EXPECT_EQ(check_separators(via, true), ParseError::ok);
  EXPECT_EQ(check_separators(via + ";", true), ParseError::empty_separator);
  EXPECT_EQ(check_separators("SIP/2.0/UDP 203.0.113.50:5060;;branch=z9hG4bK-1", true), ParseError::empty_separator);
  EXPECT_EQ(check_separators("SIP/2.0/UDP 203.0.113.50:5060;branch=z9hG4bK-1,, x", true), ParseError::empty_separator);
  const std::string from = "\"Alice\" <sip:alice@example.com>;tag=9fxced76sl";
  EXPECT_EQ(check_separators(from, false), ParseError::ok);
  EXPECT_EQ(check_separators("\"Alice <sip:alice@example.com>;tag=9fxced76sl", false),
            ParseError::unterminated_quoted_string);
  EXPECT_EQ(check_separators("\"Alice\";tag=9fxced76sl <sip:alice@example.com>", false), ParseError::empty_separator);
  EXPECT_EQ(check_separators("<sip:alice@example.com>;tag=1; ;x=yyyyyyyyy", false), ParseError::empty_separator);
  EXPECT_EQ(check_separators("<sip:alice@example.com>, <sip:b@example.com>", false), ParseError::ok);  // ',' no separator
 }
}

// Whole requests: every pass, forced, over every From, To, Via, Contact,
// Route and Record-Route line (several lines of one header included) gives
// the reference's verdict, first error first.
TEST(Strictness, SimdPassesAgreeWithReferenceOnRandomRequests) {
  std::mt19937 rng(1426);
  const char alphabet[] = {';', ',', ' ', '"', '\\', '<', '>', '\t'};
  auto value = [&](std::string_view base) {
    std::string v(base);
    v += std::string(rng() % 40, 'x');
    for (char& c : v)
      if (rng() % 12 == 0) c = alphabet[rng() % sizeof alphabet];
    return v;
  };
  int parsed = 0, refused = 0;
  for (int round = 0; round < 20000; ++round) {
    std::string extra;
    if (rng() % 2) extra += "Contact: " + value("<sip:a@203.0.113.7:5060;transport=udp>") + "\n";
    if (rng() % 2) extra += "Route: " + value("<sip:198.51.100.1;lr>, <sip:198.51.100.2;lr>") + "\n";
    if (rng() % 3 == 0) extra += "Record-Route: " + value("<sip:198.51.100.3;lr>") + "\n";
    if (rng() % 3 == 0) extra += "Via: " + value("SIP/2.0/UDP 198.51.100.9;branch=z9hG4bKs0") + "\n";
    Message m;
    const std::string text = with_body("INVITE sip:bob@198.51.100.20 SIP/2.0\nVia: SIP/2.0/UDP 203.0.113.7:5060;branch=z9hG4bK" +
                                       value(";rport") + "\nFrom: " + value("\"Alice\" <sip:alice@example.com>;tag=1") +
                                       "\nTo: " + value("<sip:bob@example.com>") + "\nCall-ID: st-r\nCSeq: 1 INVITE\n" + extra);
    if (m.parse(text) != ParseError::ok) continue;
    ++parsed;
    const ParseError want = strict_detail::check_message_separators_reference(m);
    refused += want != ParseError::ok;
    for (const auto& variant : strict_detail::separator_variants())
      ASSERT_EQ(variant.check_message(m), want) << variant.name << "\n" << text;
  }
  // Both verdicts occur often enough to mean something.
  EXPECT_GT(parsed, 2000);
  EXPECT_GT(refused, 200);
  EXPECT_GT(parsed - refused, 200);
}

// x86-64 always has the SSE2 pass; check_separators() uses the widest one.
TEST(Strictness, SimdPassDispatchUsesTheWidestVariant) {
  const auto variants = strict_detail::separator_variants();
#if defined(__x86_64__)
  ASSERT_FALSE(variants.empty());
  EXPECT_EQ(variants.front().name, "sse2");
#endif
  if (!variants.empty()) {
    EXPECT_EQ(strict_detail::separator_variant_name(), variants.back().name);
  }
}

}  // namespace
}  // namespace sipedge::sip
