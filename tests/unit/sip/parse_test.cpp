// Message::parse: start line, header index, folding, compact forms, body,
// mandatory headers and every rejection reason.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "fixtures.h"
#include "sip/message.h"

namespace sipedge::sip {
namespace {

using test::crlf;
using test::parse_ok;
using test::with_body;

constexpr std::string_view kMandatory =
    "Via: SIP/2.0/UDP 198.51.100.1;branch=z9hG4bK1\n"
    "From: <sip:a@example.com>;tag=1\n"
    "To: <sip:b@example.com>\n"
    "Call-ID: c1\n";

std::string request(std::string_view start, std::string_view extra = {}, std::string_view cseq = "CSeq: 1 INVITE\n") {
  return with_body(std::string(start) + "\n" + std::string(kMandatory) + std::string(cseq) + std::string(extra));
}

TEST(Parse, TypicalInvite) {
  const std::string text = test::invite();
  const Message m = parse_ok(text);
  EXPECT_TRUE(m.valid());
  EXPECT_TRUE(m.is_request());
  EXPECT_FALSE(m.is_response());
  EXPECT_EQ(m.method(), Method::invite);
  EXPECT_EQ(m.method_text(), "INVITE");
  EXPECT_EQ(m.request_uri(), "sip:bob@biloxi.example.com");
  EXPECT_EQ(m.version(), "SIP/2.0");
  EXPECT_EQ(m.header_count(), 9u);
  EXPECT_EQ(m.call_id(), "a84b4c76e66710@pc33.atlanta.example.com");
  EXPECT_EQ(m.cseq().number, 314159u);
  EXPECT_EQ(m.cseq().method, Method::invite);
  EXPECT_TRUE(m.has_max_forwards());
  EXPECT_EQ(m.max_forwards(), 70u);
  EXPECT_TRUE(m.has_content_length());
  EXPECT_EQ(m.content_length(), test::kSdpPrivate.size());
  EXPECT_EQ(m.body(), test::kSdpPrivate);
  EXPECT_EQ(m.wire_length(), text.size());
  EXPECT_EQ(m.wire(), text);
  EXPECT_EQ(m.start_line(), "INVITE sip:bob@biloxi.example.com SIP/2.0");
  EXPECT_TRUE(m.has_sdp());
  EXPECT_TRUE(m.is_initial_request());
  EXPECT_EQ(m.head().size() + m.body().size(), text.size());
  EXPECT_EQ(m.head().substr(m.head().size() - 4), "\r\n\r\n");
}

// The request line's version is its last word, the elements are separated by
// exactly one SP (RFC 3261 25), and the CSeq number is 1*DIGIT up to 2^31-1 (the fast paths of both).
TEST(Parse, RequestLineVersionAndCSeqNumberEdges) {
  const std::string rest = "Via: SIP/2.0/UDP h;branch=z9hG4bK1\nFrom: <sip:b@x>;tag=2\nTo: <sip:a@x>\nCall-ID: c\n";
  struct Case {
    std::string start;
    std::string cseq;
    ParseError want;
  };
  const Case cases[] = {
      {"INVITE sip:a@x SIP/2.0", "1 INVITE", ParseError::ok},
      {"INVITE sip:a@x\tSIP/2.0", "1 INVITE", ParseError::request_line_whitespace},
      {"INVITE sip:a@x   SIP/2.0  ", "1 INVITE", ParseError::request_line_whitespace},
      {"INVITE sip:a@x sip/2.0", "1 INVITE", ParseError::ok},
      {"INVITE sip:a@x XSIP/2.0", "1 INVITE", ParseError::not_sip},
      {"INVITE sip:a@x SIP/2.00", "1 INVITE", ParseError::bad_sip_version},
      {"INVITE sip:a@x ;lr SIP/2.0", "1 INVITE", ParseError::bad_request_uri},
      {"INVITE SIP/2.0", "1 INVITE", ParseError::truncated_request_line},
      {"INVITE sip:a@x SIP/2.0", "2147483647 INVITE", ParseError::ok},
      {"INVITE sip:a@x SIP/2.0", "2147483648 INVITE", ParseError::bad_cseq},
      {"INVITE sip:a@x SIP/2.0", "0000000000000000001 INVITE", ParseError::ok},
      {"INVITE sip:a@x SIP/2.0", "00000000000000000001 INVITE", ParseError::bad_cseq},
      {"INVITE sip:a@x SIP/2.0", "99999999999999999999999 INVITE", ParseError::bad_cseq},
      {"INVITE sip:a@x SIP/2.0", "INVITE", ParseError::bad_cseq},
      {"INVITE sip:a@x SIP/2.0", "1INVITE", ParseError::bad_cseq},
  };
  for (const auto& c : cases) {
    const std::string text = test::with_body(c.start + "\n" + rest + "CSeq: " + c.cseq + "\n");
    Message m;
    EXPECT_EQ(m.parse(text), c.want) << c.start << " / " << c.cseq;
    if (c.want == ParseError::ok) {
      EXPECT_EQ(m.request_uri(), "sip:a@x") << c.start;
      EXPECT_EQ(m.cseq().method, Method::invite);
    }
  }
}

TEST(Parse, Response) {
  const std::string text = test::ok_200();
  const Message m = parse_ok(text);
  EXPECT_TRUE(m.is_response());
  EXPECT_EQ(m.status_code(), 200);
  EXPECT_EQ(m.reason(), "OK");
  EXPECT_EQ(m.cseq().method, Method::invite);
  EXPECT_FALSE(m.has_max_forwards());
  EXPECT_EQ(m.max_forwards(), kDefaultMaxForwards);
  EXPECT_FALSE(m.is_initial_request());
  EXPECT_EQ(m.to_tag(), "a6c85cf");
}

TEST(Parse, ResponseReasonWithSpacesAndEmpty) {
  const std::string head = std::string(kMandatory) + "CSeq: 1 INVITE\n";
  std::string text = with_body("SIP/2.0 183 Session   Progress here\n" + head);
  EXPECT_EQ(parse_ok(text).reason(), "Session   Progress here");
  text = with_body("SIP/2.0 100\n" + head);
  const Message m = parse_ok(text);
  EXPECT_EQ(m.status_code(), 100);
  EXPECT_EQ(m.reason(), "");
}

TEST(Parse, ResponseCSeqMethodNeedNotMatchAnything) {
  const std::string text = with_body("SIP/2.0 404 Not Found\n" + std::string(kMandatory) + "CSeq: 7 FOOBAR\n");
  const Message m = parse_ok(text);
  EXPECT_EQ(m.cseq().method, Method::other);
  EXPECT_EQ(m.cseq().method_text, "FOOBAR");
}

TEST(Parse, AllMethods) {
  const std::pair<std::string_view, Method> methods[] = {
      {"INVITE", Method::invite},   {"ACK", Method::ack},          {"BYE", Method::bye},
      {"CANCEL", Method::cancel},   {"REGISTER", Method::register_}, {"OPTIONS", Method::options},
      {"INFO", Method::info},       {"UPDATE", Method::update},    {"PRACK", Method::prack},
      {"SUBSCRIBE", Method::subscribe}, {"NOTIFY", Method::notify}, {"MESSAGE", Method::message},
      {"REFER", Method::refer},     {"PUBLISH", Method::publish},  {"NEWMETHOD", Method::other},
      {"invite", Method::other},
  };
  for (const auto& [name, method] : methods) {
    const std::string text =
        request(std::string(name) + " sip:x@example.com SIP/2.0", {}, "CSeq: 1 " + std::string(name) + "\n");
    const Message m = parse_ok(text);
    EXPECT_EQ(m.method(), method) << name;
    EXPECT_EQ(m.method_text(), name);
    EXPECT_EQ(m.cseq().method, method);
    if (method != Method::other) {
      EXPECT_EQ(method_name(method), name);
    }
  }
  EXPECT_EQ(method_name(Method::other), "OTHER");
}

TEST(Parse, UnknownMethodWithOddTokenChars) {
  // RFC 4475 3.1.1.12 ("unknown method"): any token is a method.
  const std::string text = request("NEW.METH-OD!%*_+`'~ sip:x@example.com SIP/2.0", {}, "CSeq: 8 NEW.METH-OD!%*_+`'~\n");
  const Message m = parse_ok(text);
  EXPECT_EQ(m.method(), Method::other);
  EXPECT_EQ(m.method_text(), "NEW.METH-OD!%*_+`'~");
}

TEST(Parse, RequestLineVersionIsCaseInsensitive) {
  // RFC 3261 7.1: the SIP-Version string is case-insensitive.
  const std::string text = request("INVITE sip:x@example.com sip/2.0");
  const Message m = parse_ok(text);
  EXPECT_EQ(m.request_uri(), "sip:x@example.com");
  EXPECT_EQ(m.method(), Method::invite);
}

TEST(Parse, RequestLineExtraWhitespaceIsRefused) {
  // RFC 3261 25: exactly one SP between elements, nothing after the version
  // (RFC 4475 3.1.2.9 lwsstart, 3.1.2.10 trws).
  for (std::string_view line : {"INVITE  sip:x@example.com SIP/2.0", "INVITE sip:x@example.com  SIP/2.0",
                                "INVITE\tsip:x@example.com SIP/2.0", "INVITE sip:x@example.com\tSIP/2.0",
                                "INVITE sip:x@example.com SIP/2.0 ", "INVITE sip:x@example.com SIP/2.0\t",
                                "INVITE sip:x@example.com sip/2.0  "}) {
    Message m;
    EXPECT_EQ(m.parse(request(line)), ParseError::request_line_whitespace) << line;
    EXPECT_FALSE(m.valid());
  }
}

TEST(Parse, LeadingCrlfsAreIgnored) {
  const std::string text = "\r\n\r\n" + test::invite();
  const Message m = parse_ok(text);
  EXPECT_EQ(m.wire_length(), text.size() - 4);
  EXPECT_EQ(m.wire(), test::invite());
  EXPECT_EQ(m.offset_of(m.start_line()), 4u);
}

TEST(Parse, HeaderIndexAndLookups) {
  const std::string text = request("OPTIONS sip:x@example.com SIP/2.0",
                                   "X-Custom: one\n"
                                   "Supported: timer, 100rel\n"
                                   "x-custom: two\n"
                                   "Subject:\n",
                                   "CSeq: 1 OPTIONS\n");
  const Message m = parse_ok(text);
  ASSERT_EQ(m.header_count(), 10u);
  const Header h0 = m.header(0);
  EXPECT_EQ(h0.id, HeaderId::via);
  EXPECT_EQ(h0.name, "Via");
  EXPECT_EQ(h0.value, "SIP/2.0/UDP 198.51.100.1;branch=z9hG4bK1");
  EXPECT_EQ(h0.line, "Via: SIP/2.0/UDP 198.51.100.1;branch=z9hG4bK1\r\n");
  EXPECT_EQ(h0.index, 0u);

  const std::size_t x1 = m.find("X-CUSTOM");
  ASSERT_NE(x1, kNoHeader);
  EXPECT_EQ(m.header(x1).value, "one");
  EXPECT_EQ(m.header(x1).id, HeaderId::other);
  EXPECT_EQ(m.find("x-absent"), kNoHeader);
  EXPECT_EQ(m.find("call-id"), m.find(HeaderId::call_id));
  EXPECT_EQ(m.count(HeaderId::other), 2u);
  EXPECT_EQ(m.header(m.find_next(x1)).value, "two");
  EXPECT_EQ(m.find_next(m.find_next(x1)), kNoHeader);
  EXPECT_EQ(m.find_next(999), kNoHeader);
  EXPECT_EQ(m.count(HeaderId::supported), 1u);
  EXPECT_EQ(m.count(HeaderId::route), 0u);
  EXPECT_FALSE(m.has(HeaderId::route));
  EXPECT_EQ(m.value(HeaderId::route), "");
  EXPECT_TRUE(m.has(HeaderId::subject));
  EXPECT_EQ(m.value(HeaderId::subject), "");
}

TEST(Parse, HeaderNamesAreCaseInsensitiveAndColonMayFollowWhitespace) {
  const std::string text = with_body(
      "INVITE sip:x@example.com SIP/2.0\n"
      "VIA   : SIP/2.0/UDP 198.51.100.1;branch=z9hG4bK1\n"
      "fRoM:<sip:a@example.com>;tag=1\n"
      "tO\t:  <sip:b@example.com>\n"
      "call-id:c1\n"
      "cseq: 1 INVITE\n"
      "max-FORWARDS: 9\n");
  const Message m = parse_ok(text);
  EXPECT_EQ(m.value(HeaderId::via), "SIP/2.0/UDP 198.51.100.1;branch=z9hG4bK1");
  EXPECT_EQ(m.value(HeaderId::from), "<sip:a@example.com>;tag=1");
  EXPECT_EQ(m.value(HeaderId::to), "<sip:b@example.com>");
  EXPECT_EQ(m.call_id(), "c1");
  EXPECT_EQ(m.max_forwards(), 9u);
}

TEST(Parse, CompactFormsMixedCase) {
  // RFC 4475 3.1.1.1 style: compact names in either case.
  const std::string text = with_body(
      "INVITE sip:x@example.com SIP/2.0\n"
      "v: SIP/2.0/UDP 198.51.100.1;branch=z9hG4bK1\n"
      "F: <sip:a@example.com>;tag=1\n"
      "t: <sip:b@example.com>\n"
      "I: c1\n"
      "CSeq: 1 INVITE\n"
      "M: <sip:a@198.51.100.1>\n"
      "c: application/sdp\n"
      "K: timer\n"
      "s: hello\n"
      "e: gzip\n"
      "o: presence\n"
      "u: presence\n"
      "r: <sip:c@example.com>\n"
      "b: <sip:d@example.com>\n"
      "x: 1800\n"
      "j: *;audio\n"
      "a: *;video\n"
      "d: proxy\n"
      "y: abc\n"
      "n: <https://example.com/cert>\n"
      "q: not-a-compact-form\n");
  const Message m = parse_ok(text);
  const std::pair<HeaderId, std::string_view> expect[] = {
      {HeaderId::via, "SIP/2.0/UDP 198.51.100.1;branch=z9hG4bK1"},
      {HeaderId::from, "<sip:a@example.com>;tag=1"},
      {HeaderId::to, "<sip:b@example.com>"},
      {HeaderId::call_id, "c1"},
      {HeaderId::contact, "<sip:a@198.51.100.1>"},
      {HeaderId::content_type, "application/sdp"},
      {HeaderId::supported, "timer"},
      {HeaderId::subject, "hello"},
      {HeaderId::content_encoding, "gzip"},
      {HeaderId::event, "presence"},
      {HeaderId::allow_events, "presence"},
      {HeaderId::refer_to, "<sip:c@example.com>"},
      {HeaderId::referred_by, "<sip:d@example.com>"},
      {HeaderId::session_expires, "1800"},
      {HeaderId::reject_contact, "*;audio"},
      {HeaderId::accept_contact, "*;video"},
      {HeaderId::request_disposition, "proxy"},
      {HeaderId::identity, "abc"},
      {HeaderId::identity_info, "<https://example.com/cert>"},
  };
  for (const auto& [id, value] : expect) EXPECT_EQ(m.value(id), value) << header_name(id);
  EXPECT_EQ(m.header(m.find("q")).id, HeaderId::other);
}

TEST(Parse, FoldedHeaders) {
  // RFC 4475 3.1.1.1: continuation lines belong to the previous header.
  const std::string text = crlf(
      "INVITE sip:x@example.com SIP/2.0\n"
      "Via: SIP/2.0/UDP 198.51.100.1\n"
      "  ;branch=z9hG4bK1\n"
      "From: \"Alice\n"
      "\t Smith\" <sip:a@example.com>\n"
      " ;tag=1\n"
      "To:\n"
      "   <sip:b@example.com>\n"
      "Call-ID: c1\n"
      "CSeq: 1\n"
      "   INVITE\n"
      "Subject: line one\n"
      " line two\n"
      "Content-Length: 0\n"
      "\n");
  const Message m = parse_ok(text);
  EXPECT_EQ(m.header_count(), 7u);
  EXPECT_EQ(m.value(HeaderId::via), "SIP/2.0/UDP 198.51.100.1\r\n  ;branch=z9hG4bK1");
  EXPECT_EQ(m.header(0).line, "Via: SIP/2.0/UDP 198.51.100.1\r\n  ;branch=z9hG4bK1\r\n");
  EXPECT_EQ(m.value(HeaderId::to), "<sip:b@example.com>");
  EXPECT_EQ(m.value(HeaderId::subject), "line one\r\n line two");
  EXPECT_EQ(m.cseq().number, 1u);
  EXPECT_EQ(m.cseq().method, Method::invite);
  const auto via = m.top_via();
  ASSERT_TRUE(via) << parse_error_name(via.error());
  EXPECT_EQ(via->branch, "z9hG4bK1");
  const auto from = m.from();
  ASSERT_TRUE(from) << parse_error_name(from.error());
  EXPECT_EQ(from->tag, "1");
  EXPECT_EQ(from->display_name, "Alice\r\n\t Smith");
  EXPECT_EQ(from->uri.user, "a");
}

TEST(Parse, BytesBeyondContentLengthAreDropped) {
  const std::string head = crlf("MESSAGE sip:x@example.com SIP/2.0\n" + std::string(kMandatory) +
                                "CSeq: 1 MESSAGE\nContent-Length: 5\n\n");
  const std::string text = head + "helloEXTRA BYTES";
  const Message m = parse_ok(text);
  EXPECT_EQ(m.body(), "hello");
  EXPECT_EQ(m.content_length(), 5u);
  EXPECT_EQ(m.wire_length(), head.size() + 5);
  EXPECT_EQ(m.wire(), head + "hello");
  EXPECT_EQ(m.datagram().size(), text.size());
}

TEST(Parse, MissingContentLengthMeansRestOfDatagram) {
  // RFC 3261 18.3: on UDP the body runs to the end of the datagram.
  const std::string head = crlf("MESSAGE sip:x@example.com SIP/2.0\n" + std::string(kMandatory) + "CSeq: 1 MESSAGE\n\n");
  const std::string text = head + "all of this";
  const Message m = parse_ok(text);
  EXPECT_FALSE(m.has_content_length());
  EXPECT_EQ(m.body(), "all of this");
  EXPECT_EQ(m.content_length(), 11u);
  EXPECT_EQ(m.wire_length(), text.size());
}

TEST(Parse, ContentLengthZeroWithTrailingBytes) {
  const std::string head = crlf("OPTIONS sip:x@example.com SIP/2.0\n" + std::string(kMandatory) +
                                "CSeq: 1 OPTIONS\nl: 0\n\n");
  const std::string text = head + "\r\n\r\n";
  const Message m = parse_ok(text);
  EXPECT_EQ(m.body(), "");
  EXPECT_EQ(m.wire_length(), head.size());
}

TEST(Parse, ContentLengthWithLeadingZerosAndWhitespace) {
  const std::string head = crlf("MESSAGE sip:x@example.com SIP/2.0\n" + std::string(kMandatory) +
                                "CSeq: 1 MESSAGE\nContent-Length:   003  \n\n");
  const std::string text = head + "abc";
  const Message m = parse_ok(text);
  EXPECT_EQ(m.body(), "abc");
}

TEST(Parse, IdenticalDuplicatesOfSingleHeadersAreAccepted) {
  const std::string text = request("INVITE sip:x@example.com SIP/2.0", "Call-ID: c1\nMax-Forwards: 5\nMax-Forwards: 5\n");
  const Message m = parse_ok(text);
  EXPECT_EQ(m.count(HeaderId::call_id), 2u);
  EXPECT_EQ(m.max_forwards(), 5u);
}

TEST(Parse, MaxForwardsAbsentDefaultsTo70) {
  const std::string text = request("INVITE sip:x@example.com SIP/2.0");
  const Message m = parse_ok(text);
  EXPECT_FALSE(m.has_max_forwards());
  EXPECT_EQ(m.max_forwards(), 70u);
}

TEST(Parse, SpanOverloadAndReparse) {
  const std::string a = test::invite();
  const std::string b = test::ok_200();
  Message m;
  EXPECT_EQ(m.parse(std::span<const std::uint8_t>(reinterpret_cast<const std::uint8_t*>(a.data()), a.size())),
            ParseError::ok);
  EXPECT_TRUE(m.is_request());
  EXPECT_EQ(m.parse(b), ParseError::ok);
  EXPECT_TRUE(m.is_response());
  EXPECT_FALSE(m.has(HeaderId::max_forwards));  // nothing left over from the INVITE
  EXPECT_EQ(m.parse(std::string_view("junk")), ParseError::truncated_request_line);
  EXPECT_FALSE(m.valid());
  EXPECT_EQ(m.kind(), MessageKind::none);
}

TEST(Parse, DefaultMessageIsInvalid) {
  const Message m;
  EXPECT_FALSE(m.valid());
  EXPECT_FALSE(m.has(HeaderId::via));
  EXPECT_EQ(m.header_count(), 0u);
}

// ---- rejections: one case per reason (and RFC 4475 torture categories) ----

struct Bad {
  const char* name;
  std::string text;
  ParseError error;
};

std::string big(std::size_t n, char c = 'a') { return std::string(n, c); }

std::vector<Bad> bad_cases() {
  const std::string m = std::string(kMandatory);
  const std::string inv = "INVITE sip:x@example.com SIP/2.0\n";
  std::vector<Bad> v = {
      {"empty", "", ParseError::empty},
      {"only_crlfs", "\r\n\r\n", ParseError::empty},
      {"http_request", with_body("GET / HTTP/1.1\nHost: x\n"), ParseError::not_sip},
      {"binary", std::string("\x01\x02\x03\r\n\r\n", 7), ParseError::not_sip},
      {"space_first", crlf(" INVITE sip:x@example.com SIP/2.0\n\n"), ParseError::not_sip},
      {"no_line_end_request", "INVITE sip:x@example.com SIP/2.0", ParseError::truncated_request_line},
      {"no_line_end_response", "SIP/2.0 200 OK", ParseError::truncated_status_line},
      {"no_line_end_junk", "\x7f\x7f", ParseError::not_sip},
      {"bare_lf_start_line", "INVITE sip:x@example.com SIP/2.0\nVia: x\n\n", ParseError::bad_line_ending},
      {"bare_lf_header", crlf(inv) + "Via: SIP/2.0/UDP h\n\r\n", ParseError::bad_line_ending},
      {"bare_lf_end", crlf(inv + m + "CSeq: 1 INVITE\n") + "\n", ParseError::bad_line_ending},
      {"bare_cr_end", crlf(inv + m + "CSeq: 1 INVITE\n") + "\rX", ParseError::bad_line_ending},
      {"method_only", with_body("INVITE\n" + m + "CSeq: 1 INVITE\n"), ParseError::truncated_request_line},
      {"no_version", with_body("INVITE sip:x@example.com\n" + m + "CSeq: 1 INVITE\n"),
       ParseError::truncated_request_line},
      {"bad_method_char", with_body("INV@TE sip:x@example.com SIP/2.0\n" + m + "CSeq: 1 INVITE\n"),
       ParseError::bad_method},
      {"lws_in_ruri", with_body("INVITE sip:x@example.com; lr SIP/2.0\n" + m + "CSeq: 1 INVITE\n"),
       ParseError::bad_request_uri},
      {"ruri_no_scheme", with_body("INVITE x.example.com SIP/2.0\n" + m + "CSeq: 1 INVITE\n"),
       ParseError::bad_request_uri},
      {"ruri_angle", with_body("INVITE <sip:x@example.com> SIP/2.0\n" + m + "CSeq: 1 INVITE\n"),
       ParseError::bad_request_uri},
      {"ruri_scheme_only", with_body("INVITE sip: SIP/2.0\n" + m + "CSeq: 1 INVITE\n"),
       ParseError::bad_request_uri},
      {"version_7", with_body("INVITE sip:x@example.com SIP/7.0\n" + m + "CSeq: 1 INVITE\n"),
       ParseError::bad_sip_version},
      {"response_version", with_body("SIP/2.1 200 OK\n" + m + "CSeq: 1 INVITE\n"), ParseError::bad_sip_version},
      {"response_no_code", with_body("SIP/2.0\n" + m + "CSeq: 1 INVITE\n"), ParseError::truncated_status_line},
      {"code_two_digits", with_body("SIP/2.0 20 OK\n" + m + "CSeq: 1 INVITE\n"), ParseError::bad_status_code},
      {"code_four_digits", with_body("SIP/2.0 2000 OK\n" + m + "CSeq: 1 INVITE\n"), ParseError::bad_status_code},
      {"code_099", with_body("SIP/2.0 099 Low\n" + m + "CSeq: 1 INVITE\n"), ParseError::bad_status_code},
      {"code_700", with_body("SIP/2.0 700 High\n" + m + "CSeq: 1 INVITE\n"), ParseError::bad_status_code},
      {"code_letters", with_body("SIP/2.0 2OO OK\n" + m + "CSeq: 1 INVITE\n"), ParseError::bad_status_code},
      {"header_no_colon", with_body(inv + m + "CSeq: 1 INVITE\nNoColonHere\n"), ParseError::bad_header_name},
      {"header_empty_name", with_body(inv + m + "CSeq: 1 INVITE\n: value\n"), ParseError::bad_header_name},
      {"header_space_in_name", with_body(inv + m + "CSeq: 1 INVITE\nX Y: value\n"), ParseError::bad_header_name},
      {"header_bad_char", with_body(inv + m + "CSeq: 1 INVITE\nX(Y): value\n"), ParseError::bad_header_name},
      {"header_cr_in_known_name", with_body(inv + m + "CSeq: 1 INVITE\nMax\rForwards: 1\n"),
       ParseError::bad_header_name},
      {"header_folded_before_colon", with_body(inv + m + "CSeq: 1 INVITE\nSubject\n : x\n"),
       ParseError::bad_header_name},
      {"header_utf8_name", with_body(inv + m + "CSeq: 1 INVITE\nX-\xc3\xa9: x\n"), ParseError::bad_header_name},
      {"continuation_first", with_body(inv + " folded: x\n" + m + "CSeq: 1 INVITE\n"),
       ParseError::continuation_without_header},
      {"no_blank_line", crlf(inv + m + "CSeq: 1 INVITE\n"), ParseError::truncated_headers},
      {"cut_mid_header", crlf(inv + m) + "CSeq: 1 INV", ParseError::truncated_headers},
      {"cut_after_cr", crlf(inv + m + "CSeq: 1 INVITE\n") + "\r", ParseError::truncated_headers},
      {"cut_in_fold", crlf(inv + m + "CSeq: 1 INVITE\nSubject: a\n") + " b", ParseError::truncated_headers},
      {"start_line_only", crlf(inv), ParseError::truncated_headers},
      {"two_call_ids", with_body(inv + m + "CSeq: 1 INVITE\nCall-ID: other\n"), ParseError::duplicate_single_header},
      {"two_call_ids_compact", with_body(inv + m + "CSeq: 1 INVITE\ni: other\n"),
       ParseError::duplicate_single_header},
      {"two_content_lengths", crlf(inv + m + "CSeq: 1 INVITE\nContent-Length: 0\nl: 4\n\n") + "abcd",
       ParseError::duplicate_single_header},
      {"two_froms", with_body(inv + m + "CSeq: 1 INVITE\nFrom: <sip:z@example.com>;tag=2\n"),
       ParseError::duplicate_single_header},
      {"two_tos", with_body(inv + m + "CSeq: 1 INVITE\nt: <sip:z@example.com>\n"), ParseError::duplicate_single_header},
      {"two_cseqs", with_body(inv + m + "CSeq: 1 INVITE\nCSeq: 2 INVITE\n"), ParseError::duplicate_single_header},
      {"two_max_forwards", with_body(inv + m + "CSeq: 1 INVITE\nMax-Forwards: 1\nMax-Forwards: 2\n"),
       ParseError::duplicate_single_header},
      {"no_via", with_body(inv + "From: <sip:a@x>;tag=1\nTo: <sip:b@x>\nCall-ID: c\nCSeq: 1 INVITE\n"),
       ParseError::missing_via},
      {"no_from", with_body(inv + "Via: SIP/2.0/UDP h\nTo: <sip:b@x>\nCall-ID: c\nCSeq: 1 INVITE\n"),
       ParseError::missing_from},
      {"no_to", with_body(inv + "Via: SIP/2.0/UDP h\nFrom: <sip:a@x>;tag=1\nCall-ID: c\nCSeq: 1 INVITE\n"),
       ParseError::missing_to},
      {"no_call_id", with_body(inv + "Via: SIP/2.0/UDP h\nFrom: <sip:a@x>;tag=1\nTo: <sip:b@x>\nCSeq: 1 INVITE\n"),
       ParseError::missing_call_id},
      {"no_cseq", with_body(inv + m), ParseError::missing_cseq},
      {"response_no_via", with_body("SIP/2.0 200 OK\nFrom: <sip:a@x>;tag=1\nTo: <sip:b@x>\nCall-ID: c\nCSeq: 1 INVITE\n"),
       ParseError::missing_via},
      {"response_no_cseq", with_body("SIP/2.0 200 OK\n" + m), ParseError::missing_cseq},
      {"empty_call_id",
       with_body(inv + "Via: SIP/2.0/UDP h\nFrom: <sip:a@x>;tag=1\nTo: <sip:b@x>\nCall-ID:\nCSeq: 1 INVITE\n"),
       ParseError::bad_call_id},
      {"cseq_no_method", with_body(inv + m + "CSeq: 1\n"), ParseError::bad_cseq},
      {"cseq_no_number", with_body(inv + m + "CSeq: INVITE\n"), ParseError::bad_cseq},
      {"cseq_negative", with_body(inv + m + "CSeq: -1 INVITE\n"), ParseError::bad_cseq},
      {"cseq_2_31", with_body(inv + m + "CSeq: 2147483648 INVITE\n"), ParseError::bad_cseq},
      {"cseq_huge", with_body(inv + m + "CSeq: 99999999999999999999999 INVITE\n"), ParseError::bad_cseq},
      {"cseq_trailing", with_body(inv + m + "CSeq: 1 INVITE x\n"), ParseError::bad_cseq},
      {"cseq_glued", with_body(inv + m + "CSeq: 1INVITE\n"), ParseError::bad_cseq},
      {"cseq_mismatch", with_body(inv + m + "CSeq: 1 ACK\n"), ParseError::cseq_method_mismatch},
      {"cseq_case_mismatch", with_body(inv + m + "CSeq: 1 invite\n"), ParseError::cseq_method_mismatch},
      {"max_forwards_text", with_body(inv + m + "CSeq: 1 INVITE\nMax-Forwards: many\n"),
       ParseError::bad_max_forwards},
      {"max_forwards_256", with_body(inv + m + "CSeq: 1 INVITE\nMax-Forwards: 256\n"), ParseError::bad_max_forwards},
      {"max_forwards_empty", with_body(inv + m + "CSeq: 1 INVITE\nMax-Forwards:\n"), ParseError::bad_max_forwards},
      {"content_length_text", crlf(inv + m + "CSeq: 1 INVITE\nContent-Length: ten\n\n"),
       ParseError::bad_content_length},
      {"content_length_negative", crlf(inv + m + "CSeq: 1 INVITE\nContent-Length: -4\n\n"),
       ParseError::bad_content_length},
      {"content_length_huge", crlf(inv + m + "CSeq: 1 INVITE\nContent-Length: 99999999999999999999\n\n"),
       ParseError::bad_content_length},
      // RFC 4475 3.1.2.x: Content-Length larger than the datagram.
      {"content_length_longer", crlf(inv + m + "CSeq: 1 INVITE\nContent-Length: 10\n\n") + "short",
       ParseError::content_length_mismatch},
      {"content_length_much_longer", crlf(inv + m + "CSeq: 1 INVITE\nContent-Length: 9999999\n\n") + "short",
       ParseError::content_length_mismatch},
  };
  return v;
}

TEST(ParseRejects, EveryReason) {
  for (const Bad& c : bad_cases()) {
    Message msg;
    const ParseError e = msg.parse(c.text);
    EXPECT_EQ(parse_error_name(e), parse_error_name(c.error)) << c.name;
    EXPECT_FALSE(msg.valid()) << c.name;
  }
}

TEST(ParseRejects, ErrorNamesAreStable) {
  EXPECT_EQ(parse_error_name(ParseError::ok), "ok");
  EXPECT_EQ(parse_error_name(ParseError::truncated_request_line), "truncated_request_line");
  EXPECT_EQ(parse_error_name(ParseError::too_many_headers), "too_many_headers");
  EXPECT_EQ(parse_error_name(ParseError::duplicate_single_header), "duplicate_single_header");
  EXPECT_EQ(parse_error_name(ParseError::bad_sdp), "bad_sdp");
  EXPECT_EQ(parse_error_name(static_cast<ParseError>(250)), "unknown");
  EXPECT_EQ(parse_error_name(ParseError::request_line_whitespace), "request_line_whitespace");
  EXPECT_EQ(parse_error_name(ParseError::empty_separator), "empty_separator");
  EXPECT_EQ(parse_error_name(ParseError::addr_spec_whitespace), "addr_spec_whitespace");
  EXPECT_EQ(static_cast<std::size_t>(ParseError::bad_ipv6_reference), static_cast<std::size_t>(ParseError::addr_spec_whitespace) + 1);
  EXPECT_EQ(parse_error_name(ParseError::bad_ipv6_reference), "bad_ipv6_reference");
  EXPECT_EQ(kParseErrorNames.size(), static_cast<std::size_t>(ParseError::bad_ipv6_reference) + 1);
  EXPECT_EQ(rewrite_error_name(RewriteError::does_not_fit), "does_not_fit");
  EXPECT_EQ(rewrite_error_name(static_cast<RewriteError>(200)), "unknown");
}

// ---- limits ----

TEST(Limits, MessageSize) {
  const std::string text = test::invite();
  Limits l;
  l.max_message_size = text.size();
  EXPECT_EQ(Message().parse(text, l), ParseError::ok);
  l.max_message_size = text.size() - 1;
  EXPECT_EQ(Message().parse(text, l), ParseError::message_too_large);
  // The hard cap applies whatever the configured limit.
  l.max_message_size = 1 << 20;
  const std::string huge = text + big(kMaxMessageSize);
  EXPECT_EQ(Message().parse(huge, l), ParseError::message_too_large);
}

TEST(Limits, HeaderCount) {
  std::string extra;
  for (int i = 0; i < 10; ++i) extra += "X-H" + std::to_string(i) + ": v\n";
  const std::string text = request("INVITE sip:x@example.com SIP/2.0", extra);  // 5 + 10 + CL = 16 headers
  Limits l;
  l.max_headers = 16;
  EXPECT_EQ(Message().parse(text, l), ParseError::ok);
  l.max_headers = 15;
  EXPECT_EQ(Message().parse(text, l), ParseError::too_many_headers);
}

TEST(Limits, HeaderCountHardCapacity) {
  std::string extra;
  for (std::size_t i = 0; i < kMaxHeaders; ++i) extra += "X: v\n";
  Limits l;
  l.max_headers = 1000;  // clamped to kMaxHeaders
  EXPECT_EQ(Message().parse(request("INVITE sip:x@example.com SIP/2.0", extra), l), ParseError::too_many_headers);
  std::string fits;
  for (std::size_t i = 0; i + 7 < kMaxHeaders; ++i) fits += "X: v\n";
  const std::string text = request("INVITE sip:x@example.com SIP/2.0", fits);
  const Message m = parse_ok(text);
  EXPECT_EQ(m.header_count(), kMaxHeaders - 1);
}

TEST(Limits, LineLength) {
  const std::string value = big(300);
  const std::string text = request("INVITE sip:x@example.com SIP/2.0", "Subject: " + value + "\n");
  Limits l;
  l.max_line_length = 9 + 300;
  EXPECT_EQ(Message().parse(text, l), ParseError::ok);
  l.max_line_length = 9 + 299;
  EXPECT_EQ(Message().parse(text, l), ParseError::line_too_long);
}

TEST(Limits, LineLengthCountsFolds) {
  const std::string a = big(20, 'a');
  const std::string text = request("INVITE sip:x@example.com SIP/2.0", "Subject: " + a + "\n " + a + "\n " + a + "\n");
  Limits l;
  l.max_line_length = 75;  // "Subject: " + 20 + CRLF SP + 20 + CRLF SP + 20
  EXPECT_EQ(Message().parse(text, l), ParseError::ok);
  l.max_line_length = 74;
  EXPECT_EQ(Message().parse(text, l), ParseError::line_too_long);
}

TEST(Limits, StartLineLength) {
  const std::string line = "INVITE sip:" + big(100) + "@example.com SIP/2.0";
  const std::string text = request(line);
  Limits l;
  l.max_line_length = line.size();
  EXPECT_EQ(Message().parse(text, l), ParseError::ok);
  l.max_line_length = line.size() - 1;
  EXPECT_EQ(Message().parse(text, l), ParseError::line_too_long);
}

TEST(Limits, UriLength) {
  const std::string uri = "sip:" + big(200) + "@example.com";
  const std::string text = request("INVITE " + uri + " SIP/2.0");
  Limits l;
  l.max_uri_length = uri.size();
  EXPECT_EQ(Message().parse(text, l), ParseError::ok);
  l.max_uri_length = uri.size() - 1;
  EXPECT_EQ(Message().parse(text, l), ParseError::uri_too_long);
}

TEST(Limits, ViaValuesAcrossLines) {
  const std::string text = request("INVITE sip:x@example.com SIP/2.0",
                                   "Via: SIP/2.0/UDP a;branch=z9hG4bK2, SIP/2.0/UDP b;branch=\"q,q\"\n"
                                   "v: SIP/2.0/UDP c, ,SIP/2.0/UDP d\n");
  Limits l;
  l.max_via_values = 5;
  EXPECT_EQ(Message().parse(text, l), ParseError::ok);
  l.max_via_values = 4;
  EXPECT_EQ(Message().parse(text, l), ParseError::too_many_vias);
}

TEST(Limits, ContactValues) {
  const std::string text = request("REGISTER sip:example.com SIP/2.0",
                                   "Contact: <sip:a@h1>, \"x, y\" <sip:b@h2>\nm: <sip:c@h3;p=a,b>\n",
                                   "CSeq: 1 REGISTER\n");
  Limits l;
  l.max_contact_values = 3;
  EXPECT_EQ(Message().parse(text, l), ParseError::ok);
  l.max_contact_values = 2;
  EXPECT_EQ(Message().parse(text, l), ParseError::too_many_contacts);
}

TEST(Limits, RouteAndRecordRouteValues) {
  const std::string route = request("INVITE sip:x@example.com SIP/2.0", "Route: <sip:p1;lr>, <sip:p2;lr>\n");
  const std::string rr = request("INVITE sip:x@example.com SIP/2.0", "Record-Route: <sip:p1;lr>, <sip:p2;lr>\n");
  Limits l;
  l.max_route_values = 2;
  EXPECT_EQ(Message().parse(route, l), ParseError::ok);
  EXPECT_EQ(Message().parse(rr, l), ParseError::ok);
  l.max_route_values = 1;
  EXPECT_EQ(Message().parse(route, l), ParseError::too_many_routes);
  EXPECT_EQ(Message().parse(rr, l), ParseError::too_many_routes);
}

TEST(Limits, DenseListsAtTheLimit) {
  // The shortest elements a list can hold ("a,b,c"), where the length bound
  // that skips the split is tight: each one still counts.
  const std::string text =
      request("INVITE sip:x@example.com SIP/2.0", "Contact: a,b\nm: c\nRoute: a,b,c\nRecord-Route: a,,b\n");
  Limits l;
  l.max_contact_values = 3;
  l.max_route_values = 3;
  EXPECT_EQ(Message().parse(text, l), ParseError::ok);
  l.max_contact_values = 2;
  EXPECT_EQ(Message().parse(text, l), ParseError::too_many_contacts);
  l.max_contact_values = 3;
  l.max_route_values = 2;
  EXPECT_EQ(Message().parse(text, l), ParseError::too_many_routes);
}

TEST(Limits, DefaultsAreNamed) {
  const Limits l;
  EXPECT_EQ(l.max_message_size, Limits::kDefaultMaxMessageSize);
  EXPECT_EQ(l.max_headers, kMaxHeaders);
  EXPECT_EQ(l.max_line_length, Limits::kDefaultMaxLineLength);
  EXPECT_EQ(l.max_uri_length, Limits::kDefaultMaxUriLength);
  EXPECT_EQ(l.max_via_values, Limits::kDefaultMaxViaValues);
}

// ---- RFC 4475 flavoured acceptance cases ----

TEST(Torture, HugeHeaderValueWithinLimits) {
  // 3.1.1.x "long values": a 3000-byte header is fine under the default limit.
  const std::string text = request("INVITE sip:x@example.com SIP/2.0", "X-Long: " + big(3000, 'z') + "\n");
  const Message m = parse_ok(text);
  EXPECT_EQ(m.header(m.find("x-long")).value.size(), 3000u);
}

TEST(Torture, SemicolonsAndCommasInQuotedStrings) {
  const std::string text = request("INVITE sip:x@example.com SIP/2.0",
                                   "Contact: \"semi;colon, comma <not a uri>\" <sip:a@198.51.100.2>;q=0.5\n");
  const Message m = parse_ok(text);
  std::size_t n = 0;
  for (const HeaderValue& v : m.values(HeaderId::contact)) {
    ++n;
    EXPECT_EQ(v.text, "\"semi;colon, comma <not a uri>\" <sip:a@198.51.100.2>;q=0.5");
  }
  EXPECT_EQ(n, 1u);
}

TEST(Torture, EscapedQuoteInDisplayName) {
  const std::string text = request("INVITE sip:x@example.com SIP/2.0", "Contact: \"a \\\"quoted, name\\\"\" <sip:a@h>\n");
  const Message m = parse_ok(text);
  const auto vals = m.values(HeaderId::contact);
  ASSERT_FALSE(vals.empty());
  const auto na = parse_name_addr(vals.front().text);
  ASSERT_TRUE(na);
  EXPECT_EQ(na->display_name, "a \\\"quoted, name\\\"");
}

TEST(Torture, UnknownHeadersAndEmptyValues) {
  const std::string text = request("INVITE sip:x@example.com SIP/2.0", "X-Empty:\nX-Spaces:    \nUnknown-Header: ok\n");
  const Message m = parse_ok(text);
  EXPECT_EQ(m.header(m.find("x-empty")).value, "");
  EXPECT_EQ(m.header(m.find("x-spaces")).value, "");
}

TEST(Torture, EscapedRequestUri) {
  const std::string text = request("INVITE sip:%61lice@example.com;%6C%72 SIP/2.0");
  const Message m = parse_ok(text);
  const auto uri = m.parsed_request_uri();
  ASSERT_TRUE(uri);
  EXPECT_EQ(uri->user, "%61lice");
}

TEST(Torture, UnusualSchemeInRequestUri) {
  const std::string text = request("OPTIONS soap.beep://192.0.2.103:3002 SIP/2.0", {}, "CSeq: 1 OPTIONS\n");
  const Message m = parse_ok(text);
  const auto uri = m.parsed_request_uri();
  ASSERT_TRUE(uri);
  EXPECT_EQ(uri->scheme, UriScheme::other);
  EXPECT_EQ(uri->scheme_text, "soap.beep");
}

TEST(Torture, IPv6RequestUri) {
  const std::string text = request("REGISTER sip:[2001:db8::10]:5070 SIP/2.0", {}, "CSeq: 1 REGISTER\n");
  const Message m = parse_ok(text);
  const auto uri = m.parsed_request_uri();
  ASSERT_TRUE(uri);
  EXPECT_EQ(uri->host, "2001:db8::10");
  EXPECT_EQ(uri->port, 5070);
}

}  // namespace
}  // namespace sipedge::sip
