// What a UDP payload on a SIP port is, before any SIP parsing: a keepalive
// to answer, one to ignore, a STUN Binding request, or (anything else) SIP.
//
// RFC 5626 3.5.1: a client pings with a double CRLF ("\r\n\r\n") and the
// server pongs with a single CRLF. Others keep NAT bindings open with a few
// zero bytes or a stray CRLF; those need no answer, and feeding them to the
// SIP parser would only count them as malformed.
//
// Allocation-free and noexcept; safe to call concurrently on distinct buffers.
#pragma once

#include <cstdint>
#include <span>
#include <string_view>

#include "net/stun.h"

namespace sipedge::net {

inline constexpr std::string_view kCrlfPing = "\r\n\r\n";
inline constexpr std::string_view kCrlfPong = "\r\n";

enum class PayloadKind : std::uint8_t {
  sip,             // everything else: hand to the SIP parser
  crlf_ping,       // exactly "\r\n\r\n": answer kCrlfPong
  null_keepalive,  // 0..4 bytes, all NUL/CR/LF (but not a ping): ignore
  stun_binding,    // STUN Binding request: answer (see stun.h)
  stun_ignored,    // other or unanswerable STUN (StunParse says why)
};

struct PayloadClass {
  PayloadKind kind = PayloadKind::sip;
  StunParse stun = StunParse::not_stun;
  StunBindingRequest request;  // kind == stun_binding only
};

[[nodiscard]] PayloadClass classify_payload(std::span<const std::uint8_t> payload) noexcept;

}  // namespace sipedge::net
