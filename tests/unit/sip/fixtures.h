#pragma once
// Test messages for the SIP unit tests. Written with bare LF for readability;
// crlf() turns them into wire form.
#include <string>
#include <string_view>

#include <gtest/gtest.h>

#include "sip/message.h"

namespace sipedge::sip::test {

// "\n" -> "\r\n" (the text must not contain CR already).
inline std::string crlf(std::string_view lf_text) {
  std::string out;
  out.reserve(lf_text.size() + 32);
  for (char c : lf_text) {
    if (c == '\n') out.push_back('\r');
    out.push_back(c);
  }
  return out;
}

// Head lines (LF-separated, no trailing blank line) + Content-Length + body.
inline std::string with_body(std::string_view head_lf, std::string_view body = {}) {
  std::string out = crlf(head_lf);
  if (!out.empty() && out.back() != '\n') out += "\r\n";
  out += "Content-Length: " + std::to_string(body.size()) + "\r\n\r\n";
  out.append(body);
  return out;
}

inline constexpr std::string_view kSdpPrivate =
    "v=0\r\n"
    "o=alice 2890844526 2890844526 IN IP4 192.168.1.10\r\n"
    "s=-\r\n"
    "c=IN IP4 192.168.1.10\r\n"
    "t=0 0\r\n"
    "m=audio 49170 RTP/AVP 0\r\n"
    "a=rtpmap:0 PCMU/8000\r\n";

inline constexpr std::string_view kSdpPublic =
    "v=0\r\n"
    "o=alice 2890844526 2890844526 IN IP4 198.51.100.10\r\n"
    "s=-\r\n"
    "c=IN IP4 198.51.100.10\r\n"
    "t=0 0\r\n"
    "m=audio 49170 RTP/AVP 0\r\n";

inline constexpr std::string_view kInviteHead =
    "INVITE sip:bob@biloxi.example.com SIP/2.0\n"
    "Via: SIP/2.0/UDP 192.168.1.10:5060;branch=z9hG4bK776asdhds;rport\n"
    "Max-Forwards: 70\n"
    "To: Bob <sip:bob@biloxi.example.com>\n"
    "From: \"Alice\" <sip:alice@atlanta.example.com>;tag=1928301774\n"
    "Call-ID: a84b4c76e66710@pc33.atlanta.example.com\n"
    "CSeq: 314159 INVITE\n"
    "Contact: <sip:alice@192.168.1.10:5060>\n"
    "Content-Type: application/sdp\n";

inline std::string invite() { return with_body(kInviteHead, kSdpPrivate); }

inline constexpr std::string_view kRegisterHead =
    "REGISTER sip:registrar.biloxi.example.com SIP/2.0\n"
    "Via: SIP/2.0/UDP 10.0.0.5:5062;branch=z9hG4bKnashds7\n"
    "Max-Forwards: 70\n"
    "To: Bob <sip:bob@biloxi.example.com>\n"
    "From: Bob <sip:bob@biloxi.example.com>;tag=456248\n"
    "Call-ID: 843817637684230@998sdasdh09\n"
    "CSeq: 1826 REGISTER\n"
    "Contact: <sip:bob@10.0.0.5:5062>;expires=3600\n"
    "Authorization: Digest username=\"bob\", realm=\"biloxi.example.com\", nonce=\"abc\", "
    "uri=\"sip:registrar.biloxi.example.com\", response=\"0123\"\n"
    "Expires: 7200\n";

inline std::string register_() { return with_body(kRegisterHead); }

inline constexpr std::string_view kOkHead =
    "SIP/2.0 200 OK\n"
    "Via: SIP/2.0/UDP 203.0.113.1:5060;branch=z9hG4bKedge1, SIP/2.0/UDP 198.51.100.7:5060;branch=z9hG4bK776;received=198.51.100.7;rport=5060\n"
    "To: Bob <sip:bob@biloxi.example.com>;tag=a6c85cf\n"
    "From: Alice <sip:alice@atlanta.example.com>;tag=1928301774\n"
    "Call-ID: a84b4c76e66710@pc33.atlanta.example.com\n"
    "CSeq: 314159 INVITE\n"
    "Contact: <sip:bob@198.51.100.20>\n"
    "Content-Type: application/sdp\n";

inline std::string ok_200() { return with_body(kOkHead, kSdpPublic); }

// Parses or fails the test.
inline Message parse_ok(std::string_view text, const Limits& limits = Limits{}) {
  Message m;
  const ParseError e = m.parse(text, limits);
  if (e != ParseError::ok) ADD_FAILURE() << "parse failed: " << parse_error_name(e) << "\n" << text;
  return m;
}

}  // namespace sipedge::sip::test
