#include "net/udp.h"

#include "net/bytes.h"
#include "net/checksum.h"
#include "net/ethernet.h"
#include "net/reply.h"

namespace sipedge::net {
namespace {

constexpr std::size_t kIpAt = kEthHeaderLength;
constexpr std::size_t kUdpAt = kEthHeaderLength + kIpv4HeaderLength;

}  // namespace

bool write_udp_headers(std::span<std::uint8_t> out, const UdpFlow& flow, std::uint16_t ip_id,
                       std::uint8_t ttl) noexcept {
  if (out.size() < kUdpFrameHeadersLength) return false;
  std::uint8_t* p = out.data();
  write_eth_header(p, flow.dst_mac, flow.src_mac, kEtherTypeIpv4);
  Ipv4Header ip;
  ip.tos = flow.tos;
  ip.id = ip_id;
  ip.ttl = ttl;
  ip.protocol = kIpProtoUdp;
  ip.src = flow.src_ip;
  ip.dst = flow.dst_ip;
  write_ipv4_header(p + kIpAt, ip);
  std::uint8_t* udp = p + kUdpAt;
  store_be16(udp + kUdpSrcPortOffset, flow.src_port);
  store_be16(udp + kUdpDstPortOffset, flow.dst_port);
  store_be16(udp + kUdpLengthOffset, 0);
  store_be16(udp + kUdpChecksumOffset, 0);
  return true;
}

bool finish_udp_frame(std::span<std::uint8_t> frame, Checksums mode) noexcept {
  if (frame.size() < kUdpFrameHeadersLength ||
      frame.size() - kIpAt > kIpv4MaxTotalLength ||
      frame[kIpAt + kIpv4VersionIhlOffset] != 0x45) {
    return false;
  }
  std::uint8_t* ip = frame.data() + kIpAt;
  std::uint8_t* udp = frame.data() + kUdpAt;
  const auto udp_len = static_cast<std::uint16_t>(frame.size() - kUdpAt);
  store_be16(ip + kIpv4TotalLengthOffset, static_cast<std::uint16_t>(frame.size() - kIpAt));
  store_be16(udp + kUdpLengthOffset, udp_len);
  store_be16(ip + kIpv4ChecksumOffset, 0);
  store_be16(udp + kUdpChecksumOffset, 0);
  if (mode == Checksums::Offload) {
    store_be16(udp + kUdpChecksumOffset,
               udp_pseudo_header_checksum(load_be32(ip + kIpv4SrcOffset),
                                          load_be32(ip + kIpv4DstOffset), udp_len));
    return true;
  }
  store_be16(ip + kIpv4ChecksumOffset, ipv4_header_checksum({ip, kIpv4HeaderLength}));
  if (mode == Checksums::Software) {
    store_be16(udp + kUdpChecksumOffset,
               udp_checksum(load_be32(ip + kIpv4SrcOffset), load_be32(ip + kIpv4DstOffset),
                            {udp, udp_len}));
  }
  return true;
}

bool build_udp_frame(std::span<std::uint8_t> frame, const UdpFlow& flow, std::uint16_t ip_id,
                     Checksums mode, std::uint8_t ttl) noexcept {
  return write_udp_headers(frame, flow, ip_id, ttl) && finish_udp_frame(frame, mode);
}

std::uint16_t udp_pseudo_header_checksum(std::uint32_t src, std::uint32_t dst,
                                         std::uint16_t udp_length) noexcept {
  return checksum_fold(ipv4_pseudo_header_sum(src, dst, kIpProtoUdp, udp_length));
}

std::optional<std::uint16_t> udp_reply_headers_in_place(std::span<std::uint8_t> frame,
                                                        const ClassifyResult& rx,
                                                        std::uint16_t ip_id,
                                                        std::uint8_t ttl) noexcept {
  if (rx.kind != FrameKind::Udp || frame.size() < rx.frame_length ||
      rx.l4_offset < kUdpAt || rx.payload_offset != rx.l4_offset + kUdpHeaderLength) {
    return std::nullopt;
  }
  Ipv4Header ip;
  ip.tos = frame[rx.l3_offset + kIpv4TosOffset];
  ip.id = ip_id;
  ip.ttl = ttl;
  ip.protocol = kIpProtoUdp;
  ip.src = rx.dst_ip;
  ip.dst = rx.src_ip;
  const std::uint16_t start = write_reply_headers(frame, rx, ip);
  std::uint8_t* udp = frame.data() + rx.l4_offset;
  store_be16(udp + kUdpSrcPortOffset, rx.dst_port);
  store_be16(udp + kUdpDstPortOffset, rx.src_port);
  store_be16(udp + kUdpChecksumOffset, 0);
  return start;
}

}  // namespace sipedge::net
