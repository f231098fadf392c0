#include "net/icmp.h"

#include "net/bytes.h"
#include "net/checksum.h"
#include "net/ethernet.h"

namespace sipedge::net {

FrameSlice icmp_echo_reply_in_place(std::span<std::uint8_t> frame, const ClassifyResult& rx,
                                    std::uint8_t ttl) noexcept {
  constexpr std::size_t kHeaders = kEthHeaderLength + kIpv4HeaderLength;
  if (rx.kind != FrameKind::IcmpEcho || frame.size() < rx.frame_length ||
      rx.l4_offset < kHeaders || rx.payload_length < kIcmpHeaderLength ||
      rx.l4_offset + std::size_t{rx.payload_length} > frame.size()) {
    return {};
  }
  std::uint8_t* icmp = frame.data() + rx.l4_offset;
  const std::uint16_t old_word = load_be16(icmp);  // type, code
  icmp[0] = kIcmpEchoReply;
  store_be16(icmp + 2, checksum_update16(load_be16(icmp + 2), old_word, load_be16(icmp)));

  Ipv4Header ip;
  ip.tos = frame[rx.l3_offset + kIpv4TosOffset];
  ip.total_length = static_cast<std::uint16_t>(kIpv4HeaderLength + rx.payload_length);
  ip.id = rx.ip_id;
  ip.ttl = ttl;
  ip.protocol = kIpProtoIcmp;
  ip.src = rx.dst_ip;
  ip.dst = rx.src_ip;
  const std::uint16_t start = write_reply_headers(frame, rx, ip);
  return {start, static_cast<std::uint32_t>(kHeaders + rx.payload_length)};
}

}  // namespace sipedge::net
