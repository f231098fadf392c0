// RFC 4475 torture cases (sections 3.1.1, 3.1.2, 3.3) by their RFC name, each
// written from the RFC's description (not its text), asserting what
// Message::parse decides and, for a request that parses, what
// check_request_strictness then refuses (answered 400 by the dataplane).
// dataplane/sip/CONFORMANCE.md lists the same cases
// with the dataplane's outcome and counter; keep the two in step.
#include <gtest/gtest.h>

#include <string>

#include "fixtures.h"
#include "sip/message.h"
#include "sip/strict.h"

namespace sipedge::sip {
namespace {

struct TortureCase {
  const char* rfc_name;
  std::string text;  // LF line ends; with_body turns them into CRLF
  ParseError want;
  ParseError strict = ParseError::ok;  // check_request_strictness on a request that parsed
};

const std::string kVia = "Via: SIP/2.0/UDP 198.51.100.1;branch=z9hG4bKtort\n";
const std::string kDialog = "From: <sip:alice@example.com>;tag=t1\nTo: <sip:bob@example.com>\nCall-ID: torture1\n";

std::string req(const std::string& start, const std::string& cseq_method, const std::string& extra = {}) {
  return test::with_body(start + "\n" + kVia + kDialog + "CSeq: 1 " + cseq_method + "\n" + extra);
}

// A request whose Content-Length line is given as is, with a short body.
std::string req_with_length(const std::string& content_length_line) {
  return test::crlf("INVITE sip:bob@example.com SIP/2.0\n" + kVia + kDialog + "CSeq: 1 INVITE\n" + content_length_line +
                    "\n\nv=0\n");
}

std::string resp(const std::string& status_line, const std::string& extra = {}) {
  return test::with_body(status_line + "\n" + kVia + kDialog + "CSeq: 1 INVITE\n" + extra);
}

TEST(Rfc4475, EachCaseHasTheDocumentedOutcome) {
  const TortureCase cases[] = {
      // 3.1.1 valid messages: all must parse.
      {"wsinv", req("INVITE sip:bob@example.com SIP/2.0", "INVITE",
                    "Subject  :  folded\n   over lines\nX-Empty:\nMax-Forwards:\t 68\n"),
       ParseError::ok},
      {"intmeth", req("!interesting-Method0123456789_*+`.%indeed'~ sip:bob@example.com SIP/2.0",
                      "!interesting-Method0123456789_*+`.%indeed'~"),
       ParseError::ok},
      {"esc01", req("INVITE sip:sips%3Auser%40example.com@example.net SIP/2.0", "INVITE"), ParseError::ok},
      {"escnull", req("REGISTER sip:example.com SIP/2.0", "REGISTER", "Contact: <sip:%00@198.51.100.9>\n"),
       ParseError::ok},
      {"lwsdisp", test::with_body("OPTIONS sip:bob@example.com SIP/2.0\n" + kVia +
                                  "From: caller<sip:alice@example.com>;tag=t1\nTo: \"callee\"  \t<sip:bob@example.com>\n"
                                  "Call-ID: torture1\nCSeq: 1 OPTIONS\n"),
       ParseError::ok},
      {"semiuri", req("OPTIONS sip:user;par=u%40example.net@example.com SIP/2.0", "OPTIONS"), ParseError::ok},
      {"transports", req("OPTIONS sip:bob@example.com SIP/2.0", "OPTIONS",
                         "Via: SIP/2.0/SCTP 198.51.100.2;branch=z9hG4bKs\nVia: SIP/2.0/TLS 198.51.100.3;branch=z9hG4bKt\n"),
       ParseError::ok},
      {"noreason", resp("SIP/2.0 100 "), ParseError::ok},
      {"unreason", resp("SIP/2.0 200 = 2**3 * 5**2 \xd0\xbd\xd0\xbe"), ParseError::ok},
      {"esc02", test::with_body("RE%47IST%45R sip:registrar.example.com SIP/2.0\n" + kVia +
                                "From: <sip:%61lice@example.com>;tag=t1\nTo: \"%Z%45\" <sip:resource@example.com>\n"
                                "Contact: <sip:%6Fwner@198.51.100.7>\nCall-ID: torture1\nCSeq: 1 RE%47IST%45R\n"),
       ParseError::ok},
      {"mpart01", test::with_body("MESSAGE sip:bob@example.com SIP/2.0\n" + kVia + kDialog +
                                  "CSeq: 1 MESSAGE\nContent-Type: multipart/mixed;boundary=7a9cbec02ceef655\n"
                                  "MIME-Version: 1.0\n",
                                  test::crlf("--7a9cbec02ceef655\nContent-Type: text/plain\n\nhello\n"
                                             "--7a9cbec02ceef655\n\nworld\n--7a9cbec02ceef655--\n")),
       ParseError::ok},
      // 3.2 transaction layer: a branch without the magic cookie (RFC 2543 peers).
      {"badbranch", test::with_body("OPTIONS sip:bob@example.com SIP/2.0\nVia: SIP/2.0/UDP 198.51.100.1;branch=1234\n" +
                                    kDialog + "CSeq: 1 OPTIONS\n"),
       ParseError::ok},
      // 3.1.2 invalid messages.
      {"clerr", req_with_length("Content-Length: 9999"),
       ParseError::content_length_mismatch},
      {"ncl", req_with_length("Content-Length: -999"),
       ParseError::bad_content_length},
      {"scalar02", req("REGISTER sip:example.com SIP/2.0", "REGISTER", "Max-Forwards: 300\n"),
       ParseError::bad_max_forwards},
      {"scalarlg", test::with_body("SIP/2.0 503 Service Unavailable\n" + kVia + kDialog +
                                   "CSeq: 36893488147419103232 INVITE\n"),
       ParseError::bad_cseq},
      {"lwsruri", req("INVITE sip:bob@example.com; lr SIP/2.0", "INVITE"), ParseError::bad_request_uri},
      {"lwsstart", req("INVITE  sip:bob@example.com  SIP/2.0", "INVITE"), ParseError::request_line_whitespace},
      {"trws", req("OPTIONS sip:bob@example.com SIP/2.0 ", "OPTIONS"), ParseError::request_line_whitespace},
      {"ltgtruri", req("INVITE <sip:bob@example.com> SIP/2.0", "INVITE"), ParseError::bad_request_uri},
      {"badvers", req("OPTIONS sip:bob@example.com SIP/7.0", "OPTIONS"), ParseError::bad_sip_version},
      {"mismatch01", req("OPTIONS sip:bob@example.com SIP/2.0", "INVITE"), ParseError::cseq_method_mismatch},
      {"mismatch02", req("NEWMETHOD sip:bob@example.com SIP/2.0", "INVITE"), ParseError::cseq_method_mismatch},
      {"bigcode", resp("SIP/2.0 4294967301 better not break the receiver"), ParseError::bad_status_code},
      // 3.1.2 cases that parse but break RFC 3261 25 in a header the edge
      // reads: refused by the strictness check, answered 400.
      {"badinv01", req("OPTIONS sip:bob@example.com SIP/2.0", "OPTIONS", "Contact: <sip:a@198.51.100.4>;;,;,,\n"),
       ParseError::ok, ParseError::empty_separator},
      {"quotbal", test::with_body("INVITE sip:bob@example.com SIP/2.0\n" + kVia +
                                  "From: \"Bob <sip:alice@example.com>;tag=t1\nTo: <sip:bob@example.com>\n"
                                  "Call-ID: torture1\nCSeq: 1 INVITE\n"),
       ParseError::ok, ParseError::unterminated_quoted_string},
      {"regbadct", req("REGISTER sip:example.com SIP/2.0", "REGISTER", "Contact: sip:user@example.com?Route=sip:x\n"),
       ParseError::ok, ParseError::contact_headers_unbracketed},
      {"baddn", test::with_body("OPTIONS sip:bob@example.com SIP/2.0\n" + kVia +
                                "From: Bell, Alexander <sip:a.g.bell@example.com>;tag=t1\n"
                                "To: Watson, Thomas <sip:t.watson@example.org>\nCall-ID: torture1\nCSeq: 1 OPTIONS\n"),
       ParseError::ok, ParseError::bad_display_name},
      {"badaspec", test::with_body("OPTIONS sip:bob@example.com SIP/2.0\n" + kVia +
                                   "From: <sip:alice@example.com>;tag=t1\n"
                                   "To: \"Watson, Thomas\" < sip:t.watson@example.org >\nCall-ID: torture1\n"
                                   "CSeq: 1 OPTIONS\n"),
       ParseError::ok, ParseError::addr_spec_whitespace},
      // 3.1.2 cases sipedge forwards on purpose (RFC 4475 allows a proxy to
      // be liberal in what it does not need): the fast path never parses
      // these fields and copies them as bytes. The next hop's parser
      // answers them.
      {"baddate", req("INVITE sip:bob@example.com SIP/2.0", "INVITE", "Date: Fri, 01 Jan 2010 16:00:00 EST\n"),
       ParseError::ok},
      {"escruri", req("INVITE sip:user@example.com?Route=%3Csip:example.com%3E SIP/2.0", "INVITE"), ParseError::ok},
      // 3.3 valid in syntax; what a proxy does with them is its own
      // decision (416, 420, 483, dropped responses: worker_test).
      {"unkscm", req("OPTIONS nobodyknowsthisscheme:totallyopaquecontent SIP/2.0", "OPTIONS"), ParseError::ok},
      {"novelsc", req("OPTIONS soap.beep://198.51.100.103:3002 SIP/2.0", "OPTIONS"), ParseError::ok},
      {"unksm2", test::with_body("REGISTER sip:example.com SIP/2.0\n" + kVia +
                                 "From: <http://www.example.com>;tag=t1\nTo: isbn:2983792873\nCall-ID: torture1\n"
                                 "CSeq: 1 REGISTER\nContact: <name:John_Smith>\n"),
       ParseError::ok},
      {"bext01", req("OPTIONS sip:bob@example.com SIP/2.0", "OPTIONS",
                     "Require: nothingSupportsThis, nothingSupportsThisEither\n"
                     "Proxy-Require: noProxiesSupportThis, norDoAnyProxiesSupportThis\n"),
       ParseError::ok},
      {"invut", req("INVITE sip:bob@example.com SIP/2.0", "INVITE", "Content-Type: application/unknownformat\n"),
       ParseError::ok},
      {"regaut01", req("REGISTER sip:example.com SIP/2.0", "REGISTER",
                       "Contact: <sip:alice@198.51.100.7>\nAuthorization: NoOneKnowsThisScheme opaque-data=here\n"),
       ParseError::ok},
      {"bcast", resp("SIP/2.0 200 OK", "Via: SIP/2.0/UDP 255.255.255.255;branch=z9hG4bK1saber23\n"), ParseError::ok},
      {"zeromf", req("OPTIONS sip:bob@example.com SIP/2.0", "OPTIONS", "Max-Forwards: 0\n"), ParseError::ok},
      {"cparam01", req("REGISTER sip:example.com SIP/2.0", "REGISTER", "Contact: sip:+19725552222@gw1.example.net;unknownparam\n"),
       ParseError::ok},
      {"cparam02", req("REGISTER sip:example.com SIP/2.0", "REGISTER",
                       "Contact: <sip:+19725552222@gw1.example.net;unknownparam>\n"),
       ParseError::ok},
      {"regescrt", req("REGISTER sip:example.com SIP/2.0", "REGISTER",
                       "Contact: <sip:alice@198.51.100.7?Route=%3Csip:sip.example.com%3E>\n"),
       ParseError::ok},
      {"sdp01", req("INVITE sip:bob@example.com SIP/2.0", "INVITE", "Accept: text/nobodyKnowsThis\n"), ParseError::ok},
      // 3.4 an RFC 2543 INVITE: no branch, no From tag, no Max-Forwards.
      {"inv2543", test::with_body("INVITE sip:UserB@example.com SIP/2.0\nVia: SIP/2.0/UDP 198.51.100.15\n"
                                  "From: <sip:UserA@example.com>\nTo: <sip:UserB@example.com>\nCall-ID: torture2543\n"
                                  "CSeq: 1 INVITE\nContact: <sip:UserA@198.51.100.15>\n"),
       ParseError::ok},
      // 3.3 messages valid in syntax but missing what a proxy needs.
      {"insuf", test::with_body("INVITE sip:bob@example.com SIP/2.0\n" + kVia + "CSeq: 1 INVITE\n"),
       ParseError::missing_from},
      {"mcl01", req("OPTIONS sip:bob@example.com SIP/2.0", "OPTIONS", "Content-Length: 0\nContent-Length: 2\n"),
       ParseError::duplicate_single_header},
      {"multi01", req("INVITE sip:bob@example.com SIP/2.0", "INVITE", "To: <sip:carol@example.com>\n"),
       ParseError::duplicate_single_header},
  };
  for (const TortureCase& c : cases) {
    Message m;
    EXPECT_EQ(parse_error_name(m.parse(c.text)), parse_error_name(c.want)) << c.rfc_name << "\n" << c.text;
    if (c.want == ParseError::ok) {
      EXPECT_EQ(parse_error_name(check_request_strictness(m)), parse_error_name(c.strict)) << c.rfc_name;
    }
  }
}

// 3.1.1.8 dblreq: a REGISTER with Content-Length 0 whose datagram goes on
// with what looks like an INVITE. RFC 3261 18.3: the extra bytes are noise
// and are discarded; the message is the REGISTER alone.
TEST(Rfc4475, DblreqExtraBytesAfterTheBodyAreNotPartOfTheMessage) {
  const std::string registration = test::crlf("REGISTER sip:example.com SIP/2.0\n" + kVia + kDialog +
                                               "CSeq: 1 REGISTER\nContact: <sip:alice@198.51.100.7>\nContent-Length: 0\n\n");
  const std::string datagram = registration + test::with_body("INVITE sip:bob@example.com SIP/2.0\n" + kVia + kDialog +
                                                              "CSeq: 1 INVITE\n");
  Message m;
  ASSERT_EQ(m.parse(datagram), ParseError::ok);
  EXPECT_EQ(m.method(), Method::register_);
  EXPECT_TRUE(m.body().empty());
  EXPECT_EQ(m.head().size() + m.body().size(), registration.size());
}

// 3.1.1.7 longreq: long values everywhere a proxy reads, under the limits.
TEST(Rfc4475, LongreqLongValuesUnderTheLimitsParse) {
  const std::string name(600, 'x');
  std::string vias;
  for (int i = 0; i < 12; ++i) vias += "Via: SIP/2.0/UDP 198.51.100." + std::to_string(i + 1) + ";branch=z9hG4bK" + name.substr(0, 60) + "\n";
  const std::string text = test::with_body("INVITE sip:" + name.substr(0, 200) + "@example.com SIP/2.0\n" + vias +
                                           "From: \"" + name + "\" <sip:alice@example.com>;tag=" + name.substr(0, 300) +
                                           "\nTo: <sip:bob@example.com>\nCall-ID: " + name.substr(0, 400) +
                                           "\nCSeq: 1 INVITE\nX-Long: " + name + name + "\n");
  Message m;
  ASSERT_EQ(m.parse(text), ParseError::ok);
  EXPECT_EQ(m.count(HeaderId::via), 12u);
  EXPECT_EQ(m.call_id().size(), 400u);
  EXPECT_EQ(check_request_strictness(m), ParseError::ok);
}

}  // namespace
}  // namespace sipedge::sip
