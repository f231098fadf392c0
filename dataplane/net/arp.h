// ARP for Ethernet/IPv4 (RFC 826): parse, answer in place, build requests.
//
// The neighbour table lives in the dataplane; this file only says what a
// message teaches. RFC 826's merge rule, which the table applies:
//   - target is one of our addresses: add or update sender (ip -> mac);
//   - otherwise (e.g. gratuitous ARP after a router failover): update the
//     sender's entry only if it already exists, never create one.
//
// Allocation-free and noexcept; safe to call concurrently on distinct buffers.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

#include "net/drop_reason.h"
#include "net/mac.h"

namespace sipedge::net {

inline constexpr std::size_t kArpLength = 28;  // Ethernet/IPv4 body
inline constexpr std::size_t kArpFrameLength = 14 + kArpLength;

inline constexpr std::uint16_t kArpOpRequest = 1;
inline constexpr std::uint16_t kArpOpReply = 2;

struct ArpMessage {
  std::uint16_t op = 0;
  MacAddr sender_mac;
  std::uint32_t sender_ip = 0;  // host order
  MacAddr target_mac;
  std::uint32_t target_ip = 0;  // host order
};

// Parses the ARP body of an Ethernet frame (EtherType already checked by the
// caller). Returns DropReason::none on success; arp_malformed when truncated
// or the sender MAC is multicast/zero; arp_unsupported for other hardware or
// protocol types and for operations other than request/reply.
[[nodiscard]] DropReason parse_arp(std::span<const std::uint8_t> frame, ArpMessage& out) noexcept;

// A sender worth remembering: a unicast IPv4 address (not 0.0.0.0, which is
// an RFC 5227 probe) with a unicast, non-zero MAC.
[[nodiscard]] bool arp_should_learn(const ArpMessage& m) noexcept;

// Rewrites a parsed ARP request, in the frame it came from, into our reply:
// Ethernet to the requester from `our_mac`, op 2, sender = (our_mac, the
// requested address), target = the requester. The caller has checked that
// the requested address is ours. The reply is 42 bytes, zero-padded up to
// the 60-byte Ethernet minimum when the frame is that long (as received
// requests are). Returns the reply length, or 0 when the frame is shorter
// than an ARP frame.
[[nodiscard]] std::size_t arp_reply_in_place(std::span<std::uint8_t> frame,
                                             const ArpMessage& request,
                                             const MacAddr& our_mac) noexcept;

// Writes a request "who has target_ip? tell our_ip" into `out`, broadcast
// unless `dst_mac` is given (RFC 1122 2.3.2.1 unicast re-validation of a
// cached entry). Zero-pads to 60 bytes. Returns the frame length, or 0 when
// `out` is shorter than 60 bytes.
[[nodiscard]] std::size_t build_arp_request(std::span<std::uint8_t> out, const MacAddr& our_mac,
                                            std::uint32_t our_ip, std::uint32_t target_ip,
                                            const MacAddr& dst_mac = kBroadcastMac) noexcept;

}  // namespace sipedge::net
