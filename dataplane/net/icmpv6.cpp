#include "net/icmpv6.h"

#include "net/bytes.h"
#include "net/checksum.h"
#include "net/ethernet.h"
#include "net/ipv6.h"

namespace sipedge::net {

FrameSlice icmpv6_echo_reply_in_place(std::span<std::uint8_t> frame, const ClassifyResult& rx,
                                      std::uint8_t hop_limit) noexcept {
  constexpr std::size_t kHeaders = kEthHeaderLength + kIpv6HeaderLength;
  if (rx.kind != FrameKind::Icmpv6Echo || frame.size() < rx.frame_length || rx.l4_offset < kHeaders ||
      rx.payload_length < kIcmpv6EchoHeaderLength ||
      rx.l4_offset + std::size_t{rx.payload_length} > frame.size()) {
    return {};
  }
  std::uint8_t* p = frame.data();
  std::uint8_t* icmp = p + rx.l4_offset;
  const std::uint16_t old_word = load_be16(icmp);
  icmp[0] = kIcmpv6EchoReply;
  store_be16(icmp + 2, checksum_update16(load_be16(icmp + 2), old_word, load_be16(icmp)));

  const MacAddr requester = MacAddr::from(p + kEthSrcOffset);
  const MacAddr us = MacAddr::from(p + kEthDstOffset);
  const auto start = static_cast<std::uint16_t>(rx.l4_offset - kHeaders);
  write_eth_header(p + start, requester, us, kEtherTypeIpv6);
  write_ipv6_header(p + start + kEthHeaderLength, rx.dst_ip6, rx.src_ip6, kIpProtoIcmpv6, rx.payload_length,
                    hop_limit);
  return {start, static_cast<std::uint32_t>(kHeaders + rx.payload_length)};
}

}  // namespace sipedge::net
