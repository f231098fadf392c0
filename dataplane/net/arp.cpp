#include "net/arp.h"

#include <algorithm>

#include "net/bytes.h"
#include "net/ethernet.h"
#include "net/ipv4.h"

namespace sipedge::net {
namespace {

// Offsets inside the ARP body.
constexpr std::size_t kHtype = 0;
constexpr std::size_t kPtype = 2;
constexpr std::size_t kHlen = 4;
constexpr std::size_t kPlen = 5;
constexpr std::size_t kOp = 6;
constexpr std::size_t kSha = 8;
constexpr std::size_t kSpa = 14;
constexpr std::size_t kTha = 18;
constexpr std::size_t kTpa = 24;

constexpr std::uint16_t kHtypeEthernet = 1;

void write_arp_body(std::uint8_t* a, std::uint16_t op, const MacAddr& sha, std::uint32_t spa,
                    const MacAddr& tha, std::uint32_t tpa) noexcept {
  store_be16(a + kHtype, kHtypeEthernet);
  store_be16(a + kPtype, kEtherTypeIpv4);
  a[kHlen] = 6;
  a[kPlen] = 4;
  store_be16(a + kOp, op);
  sha.store(a + kSha);
  store_be32(a + kSpa, spa);
  tha.store(a + kTha);
  store_be32(a + kTpa, tpa);
}

}  // namespace

DropReason parse_arp(std::span<const std::uint8_t> frame, ArpMessage& out) noexcept {
  if (frame.size() < kArpFrameLength) return DropReason::arp_malformed;
  const std::uint8_t* a = frame.data() + kEthHeaderLength;
  if (load_be16(a + kHtype) != kHtypeEthernet || load_be16(a + kPtype) != kEtherTypeIpv4 ||
      a[kHlen] != 6 || a[kPlen] != 4) {
    return DropReason::arp_unsupported;
  }
  const std::uint16_t op = load_be16(a + kOp);
  if (op != kArpOpRequest && op != kArpOpReply) return DropReason::arp_unsupported;
  out.op = op;
  out.sender_mac = MacAddr::from(a + kSha);
  out.sender_ip = load_be32(a + kSpa);
  out.target_mac = MacAddr::from(a + kTha);
  out.target_ip = load_be32(a + kTpa);
  // Answering to a group or null address would flood or blackhole.
  if (out.sender_mac.is_multicast() || out.sender_mac.is_zero()) return DropReason::arp_malformed;
  return DropReason::none;
}

bool arp_should_learn(const ArpMessage& m) noexcept {
  return !is_martian_source(m.sender_ip) && !m.sender_mac.is_multicast() &&
         !m.sender_mac.is_zero();
}

std::size_t arp_reply_in_place(std::span<std::uint8_t> frame, const ArpMessage& request,
                               const MacAddr& our_mac) noexcept {
  if (frame.size() < kArpFrameLength) return 0;
  std::uint8_t* p = frame.data();
  write_eth_header(p, request.sender_mac, our_mac, kEtherTypeArp);
  write_arp_body(p + kEthHeaderLength, kArpOpReply, our_mac, request.target_ip,
                 request.sender_mac, request.sender_ip);
  if (frame.size() < kEthMinFrameLength) return kArpFrameLength;
  std::fill(p + kArpFrameLength, p + kEthMinFrameLength, std::uint8_t{0});
  return kEthMinFrameLength;
}

std::size_t build_arp_request(std::span<std::uint8_t> out, const MacAddr& our_mac,
                              std::uint32_t our_ip, std::uint32_t target_ip,
                              const MacAddr& dst_mac) noexcept {
  if (out.size() < kEthMinFrameLength) return 0;
  std::uint8_t* p = out.data();
  write_eth_header(p, dst_mac, our_mac, kEtherTypeArp);
  // RFC 826 leaves the target hardware address unspecified in a request;
  // zero is what everyone sends.
  write_arp_body(p + kEthHeaderLength, kArpOpRequest, our_mac, our_ip, MacAddr{}, target_ip);
  std::fill(p + kArpFrameLength, p + kEthMinFrameLength, std::uint8_t{0});
  return kEthMinFrameLength;
}

}  // namespace sipedge::net
