#pragma once
// Small typed header values: numbers, CSeq, Digest username.
#include <cstdint>
#include <optional>
#include <string_view>

#include "sip/error.h"
#include "sip/method.h"

namespace sipedge::sip {

// 1*DIGIT with surrounding LWS allowed; nullopt on anything else or when the
// value exceeds `max`.
std::optional<std::uint32_t> parse_uint(std::string_view text, std::uint32_t max = 0xFFFFFFFFu) noexcept;

//   CSeq = "CSeq" HCOLON 1*DIGIT LWS Method     (number < 2**31, RFC 3261 8.1.1.5)
struct CSeq {
  std::uint32_t number = 0;
  Method method = Method::other;
  std::string_view method_text;
};
Result<CSeq> parse_cseq(std::string_view value) noexcept;

// Authorization / Proxy-Authorization: the Digest username (RFC 3261 25.1
//   credentials = ("Digest" LWS digest-response) / other-response
//   username = "username" EQUAL username-value ; quoted-string
// Returns the text between the quotes (escapes raw). bad_auth otherwise.
Result<std::string_view> digest_username(std::string_view value) noexcept;

}  // namespace sipedge::sip
