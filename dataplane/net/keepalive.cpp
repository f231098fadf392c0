#include "net/keepalive.h"

#include <cstring>

namespace sipedge::net {

PayloadClass classify_payload(std::span<const std::uint8_t> payload) noexcept {
  PayloadClass c;
  if (payload.size() == kCrlfPing.size() &&
      std::memcmp(payload.data(), kCrlfPing.data(), kCrlfPing.size()) == 0) {
    c.kind = PayloadKind::crlf_ping;
    return c;
  }
  if (payload.size() <= 4) {
    bool filler = true;
    for (const std::uint8_t b : payload) filler = filler && (b == 0 || b == '\r' || b == '\n');
    if (filler) {
      c.kind = PayloadKind::null_keepalive;
      return c;
    }
  }
  c.stun = parse_stun(payload, c.request);
  switch (c.stun) {
    case StunParse::not_stun:
      c.kind = PayloadKind::sip;
      break;
    case StunParse::binding_request:
      c.kind = PayloadKind::stun_binding;
      break;
    default:
      c.kind = PayloadKind::stun_ignored;
      break;
  }
  return c;
}

}  // namespace sipedge::net
