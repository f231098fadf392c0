// Neighbour Discovery (RFC 4861) for the edge's own addresses: parsing
// solicitations and advertisements, answering a solicitation with an
// advertisement, and the solicitation the main lcore sends to resolve a
// next hop. The IPv6 counterpart of net/arp.h.
//
// Allocation-free and noexcept; safe to call concurrently on distinct buffers.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

#include "net/classify.h"
#include "net/drop_reason.h"
#include "net/ipv6.h"
#include "net/mac.h"

namespace sipedge::net {

inline constexpr std::uint8_t kNdHopLimit = 255;         // RFC 4861 7.1.1: off-link ND is refused
inline constexpr std::size_t kNdMessageLength = 24;      // type .. target
inline constexpr std::size_t kNdTargetOffset = 8;
inline constexpr std::uint8_t kNdOptSourceLinkAddr = 1;
inline constexpr std::uint8_t kNdOptTargetLinkAddr = 2;
inline constexpr std::uint32_t kNdFlagRouter = 0x80000000u;
inline constexpr std::uint32_t kNdFlagSolicited = 0x40000000u;
inline constexpr std::uint32_t kNdFlagOverride = 0x20000000u;
// An NS or NA with one link-layer address option, on the wire.
inline constexpr std::size_t kNdFrameLength = 14 + 40 + kNdMessageLength + 8;

// Validates an NS or NA (RFC 4861 7.1.1 / 7.1.2) whose ICMPv6 message is
// `msg` (checksum already verified) and fills the nd_* fields of `r`
// (src_ip6, dst_ip6 and hop_limit are set). Options must each have a
// non-zero length and fit; the link-layer option of the message's kind is
// taken when it is 6 bytes of address. DropReason::none when valid.
//   NS: hop limit 255, code 0, >= 24 bytes, target not multicast; from ::
//     (DAD) only to a solicited-node group and without a source option.
//   NA: hop limit 255, code 0, >= 24 bytes, target not multicast; to a
//     group only without the S flag.
[[nodiscard]] DropReason parse_nd(std::span<const std::uint8_t> msg, std::uint8_t type, ClassifyResult& r) noexcept;

// Answers a frame classified as NeighbourSolicit with the advertisement, in
// place from offset 0 (`frame` is the buffer, its size the room there is,
// at least kNdFrameLength): to the solicitor's MAC and address, or for DAD
// to ff02::1 and 33:33:00:00:00:01; from `our_mac` and the target; S set
// unless DAD, O set, the target link-layer option. Returns the length
// written (kNdFrameLength), 0 when `rx` is not an NS or the room too small.
[[nodiscard]] std::size_t nd_advert_in_place(std::span<std::uint8_t> frame, const ClassifyResult& rx,
                                             const MacAddr& our_mac) noexcept;

// Writes the solicitation that resolves `target` from `source` (one of
// ours): to its solicited-node group and multicast MAC, hop limit 255, with
// the source link-layer option. Returns kNdFrameLength, 0 when `out` is
// too small.
[[nodiscard]] std::size_t build_neighbour_solicit(std::span<std::uint8_t> out, const MacAddr& our_mac,
                                                  const Ipv6Addr& source, const Ipv6Addr& target) noexcept;

}  // namespace sipedge::net
