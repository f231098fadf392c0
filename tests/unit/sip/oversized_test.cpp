// find_oversized_request_fields: what a 513 needs, from the raw head of a
// request the parse refused; compact names, lists, folds and responses.
#include "sip/oversized.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "fixtures.h"

namespace sipedge::sip {
namespace {

TEST(Oversized, FindsTheFieldsByFullAndCompactNames) {
  const std::string text = test::crlf(
      "OPTIONS sip:b@example.com SIP/2.0\nv: SIP/2.0/UDP 203.0.113.7;branch=z9hG4bKo1 , SIP/2.0/UDP 198.51.100.9\n"
      "X-Other: 1\nf: <sip:a@example.com>;tag=1\nt: <sip:b@example.com>\ni: ov-1\nCSeq: 4 OPTIONS\n"
      "Via: SIP/2.0/UDP 198.51.100.10\n\nbody");
  OversizedRequest r;
  ASSERT_TRUE(find_oversized_request_fields(text, r));
  EXPECT_EQ(r.top_via, "SIP/2.0/UDP 203.0.113.7;branch=z9hG4bKo1");
  EXPECT_EQ(r.from, "<sip:a@example.com>;tag=1");
  EXPECT_EQ(r.to, "<sip:b@example.com>");
  EXPECT_EQ(r.call_id, "ov-1");
  EXPECT_EQ(r.cseq, "4 OPTIONS");
  std::vector<std::string> vias;
  for_each_via_line(r.head, [&](std::string_view v) { vias.emplace_back(v); });
  EXPECT_EQ(vias, (std::vector<std::string>{"SIP/2.0/UDP 203.0.113.7;branch=z9hG4bKo1 , SIP/2.0/UDP 198.51.100.9",
                                            "SIP/2.0/UDP 198.51.100.10"}));
}

TEST(Oversized, RefusesWhatCannotBeAnswered) {
  const char* const texts[] = {
      // a response
      "SIP/2.0 200 OK\nVia: SIP/2.0/UDP h;branch=z9hG4bKx\nFrom: <sip:a@x>;tag=1\nTo: <sip:b@x>\nCall-ID: c\n"
      "CSeq: 1 INVITE\n\n",
      // no Call-ID
      "INVITE sip:b@x SIP/2.0\nVia: SIP/2.0/UDP h;branch=z9hG4bKx\nFrom: <sip:a@x>;tag=1\nTo: <sip:b@x>\n"
      "CSeq: 1 INVITE\n\n",
      // a folded From
      "INVITE sip:b@x SIP/2.0\nVia: SIP/2.0/UDP h;branch=z9hG4bKx\nFrom: <sip:a@x>\n ;tag=1\nTo: <sip:b@x>\n"
      "Call-ID: c\nCSeq: 1 INVITE\n\n",
      // the Call-ID only after the empty line
      "INVITE sip:b@x SIP/2.0\nVia: SIP/2.0/UDP h;branch=z9hG4bKx\nFrom: <sip:a@x>;tag=1\nTo: <sip:b@x>\n"
      "CSeq: 1 INVITE\n\nCall-ID: c\n",
      // no line end at all
      "INVITE sip:b@x SIP/2.0",
  };
  for (const char* t : texts) {
    OversizedRequest r;
    EXPECT_FALSE(find_oversized_request_fields(test::crlf(t), r)) << t;
  }
}

}  // namespace
}  // namespace sipedge::sip
