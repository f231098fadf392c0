// ICMP echo (RFC 792): the only ICMP the edge answers, so operators can
// ping the VIP and the unicast addresses.
//
// Allocation-free and noexcept; safe to call concurrently on distinct buffers.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

#include "net/classify.h"
#include "net/ipv4.h"
#include "net/reply.h"

namespace sipedge::net {

inline constexpr std::size_t kIcmpHeaderLength = 8;
inline constexpr std::uint8_t kIcmpEchoReply = 0;
inline constexpr std::uint8_t kIcmpEchoRequest = 8;

// Turns a frame classified as IcmpEcho into the echo reply, in place:
// MACs and addresses swapped, IP options dropped (see reply.h), TTL `ttl`,
// identification kept, no fragment flags, fresh IPv4 header checksum; ICMP
// type 0, checksum updated incrementally (RFC 1624 eqn. 3), identifier,
// sequence and data untouched. Ethernet padding is not part of the reply.
// Returns where the reply lies in `frame`; !ok() when rx is not an IcmpEcho
// result for a frame of this size.
[[nodiscard]] FrameSlice icmp_echo_reply_in_place(std::span<std::uint8_t> frame,
                                                  const ClassifyResult& rx,
                                                  std::uint8_t ttl = kDefaultTtl) noexcept;

}  // namespace sipedge::net
