#include "net/reply.h"

#include "net/ethernet.h"

namespace sipedge::net {

std::uint16_t write_reply_headers(std::span<std::uint8_t> frame, const ClassifyResult& rx,
                                  const Ipv4Header& ip) noexcept {
  std::uint8_t* p = frame.data();
  // Read before writing: with options the new headers overlap the old ones.
  const MacAddr requester = MacAddr::from(p + kEthSrcOffset);
  const MacAddr us = MacAddr::from(p + kEthDstOffset);
  const auto start = static_cast<std::uint16_t>(rx.l4_offset - kEthHeaderLength - kIpv4HeaderLength);
  write_eth_header(p + start, requester, us, kEtherTypeIpv4);
  write_ipv4_header(p + start + kEthHeaderLength, ip);
  return start;
}

}  // namespace sipedge::net
