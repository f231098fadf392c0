// ICMPv6 (RFC 4443): message types the edge handles and the echo reply,
// so operators can ping the v6 addresses. Neighbour Discovery is net/nd.h.
//
// Allocation-free and noexcept; safe to call concurrently on distinct buffers.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

#include "net/classify.h"
#include "net/reply.h"

namespace sipedge::net {

inline constexpr std::size_t kIcmpv6HeaderLength = 4;  // type, code, checksum
inline constexpr std::size_t kIcmpv6EchoHeaderLength = 8;
inline constexpr std::uint8_t kIcmpv6EchoRequest = 128;
inline constexpr std::uint8_t kIcmpv6EchoReply = 129;
inline constexpr std::uint8_t kIcmpv6NeighbourSolicit = 135;
inline constexpr std::uint8_t kIcmpv6NeighbourAdvert = 136;
inline constexpr std::uint8_t kDefaultHopLimit = 64;

// Turns a frame classified as Icmpv6Echo into the echo reply, in place:
// MACs and addresses swapped, extension headers dropped (the new Ethernet
// and IPv6 headers end where the ICMPv6 message starts, so no data moves),
// hop limit `hop_limit`; type 129, checksum updated incrementally (the
// pseudo-header sum does not change when the addresses swap). Returns where
// the reply lies in `frame`; !ok() when rx does not describe it.
[[nodiscard]] FrameSlice icmpv6_echo_reply_in_place(std::span<std::uint8_t> frame, const ClassifyResult& rx,
                                                    std::uint8_t hop_limit = kDefaultHopLimit) noexcept;

}  // namespace sipedge::net
