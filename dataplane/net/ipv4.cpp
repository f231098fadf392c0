#include "net/ipv4.h"

#include "net/bytes.h"
#include "net/checksum.h"

namespace sipedge::net {

void write_ipv4_header(std::uint8_t* p, const Ipv4Header& h) noexcept {
  p[kIpv4VersionIhlOffset] = 0x45;
  p[kIpv4TosOffset] = h.tos;
  store_be16(p + kIpv4TotalLengthOffset, h.total_length);
  store_be16(p + kIpv4IdOffset, h.id);
  store_be16(p + kIpv4FragmentOffset, h.flags_fragment);
  p[kIpv4TtlOffset] = h.ttl;
  p[kIpv4ProtocolOffset] = h.protocol;
  store_be16(p + kIpv4ChecksumOffset, 0);
  store_be32(p + kIpv4SrcOffset, h.src);
  store_be32(p + kIpv4DstOffset, h.dst);
  store_be16(p + kIpv4ChecksumOffset,
             ipv4_header_checksum(std::span<const std::uint8_t>(p, kIpv4HeaderLength)));
}

std::optional<std::uint32_t> parse_ipv4(std::string_view text) noexcept {
  std::uint32_t ip = 0;
  std::size_t at = 0;
  for (int part = 0; part < 4; ++part) {
    if (part > 0) {
      if (at >= text.size() || text[at] != '.') return std::nullopt;
      ++at;
    }
    const std::size_t start = at;
    std::uint32_t value = 0;
    while (at < text.size() && text[at] >= '0' && text[at] <= '9' && at - start < 3) {
      value = value * 10 + static_cast<std::uint32_t>(text[at] - '0');
      ++at;
    }
    const std::size_t digits = at - start;
    if (digits == 0 || value > 255 || (digits > 1 && text[start] == '0')) return std::nullopt;
    ip = (ip << 8) | value;
  }
  if (at != text.size()) return std::nullopt;
  return ip;
}

std::string format_ipv4(std::uint32_t ip) {
  std::string out;
  out.reserve(15);
  for (int shift = 24; shift >= 0; shift -= 8) {
    out += std::to_string((ip >> shift) & 0xff);
    if (shift > 0) out += '.';
  }
  return out;
}

}  // namespace sipedge::net
