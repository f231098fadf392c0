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
      // 3.1.2 cases sipedge forwards on purpose (RFC 4475 allows a proxy to
      // be liberal in what it does not need): the fast path never parses
      // these fields and copies them as bytes. The next hop's parser
      // answers them.
      {"baddate", req("INVITE sip:bob@example.com SIP/2.0", "INVITE", "Date: Fri, 01 Jan 2010 16:00:00 EST\n"),
       ParseError::ok},
      {"escruri", req("INVITE sip:user@example.com?Route=%3Csip:example.com%3E SIP/2.0", "INVITE"), ParseError::ok},
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

}  // namespace
}  // namespace sipedge::sip
