#pragma once
// Stateless responses the edge generates itself (RFC 3261 8.2.6, 16.11):
// 503 on a CPS breach or without a control plane, 483 on Max-Forwards 0,
// 403 for relay attempts.
#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>

#include "proxy/proxy.h"
#include "sip/message.h"
#include "sip/oversized.h"

namespace sipedge::proxy {

struct ReplySpec {
  uint16_t code;
  std::string_view reason;
  uint32_t retry_after = 0;  // seconds; 0 = no Retry-After header
  std::string_view warning{};  // RFC 3261 20.43 text for a "Warning: 399 sipedge"; empty = none
  std::span<const std::string_view> unsupported{};  // option tags for an "Unsupported:" header (420); empty = none
};

// Writes the response to `request` (received from `source`) into `out`: the
// request's Via headers with received/rport filled on the top one, From,
// To with the edge's tag when it had none, Call-ID, CSeq, Content-Length 0.
// Returns the length, or 0 when it does not fit. No allocation.
std::size_t build_reply(const sip::Message& request, const sip::Via& top_via, Endpoint source,
                        const ReplySpec& spec, std::span<char> out) noexcept;

// 513 Message Too Large to a request the parse refused for a size or count
// limit (sip/oversized.h): every Via line of its head (the top one with
// received and rport), From, To with our tag, Call-ID, CSeq. 0 when it does
// not fit or a field does not parse.
std::size_t build_too_large_reply(const sip::OversizedRequest& request, Endpoint source, std::span<char> out) noexcept;

}  // namespace sipedge::proxy
