#include "net/fragment.h"

#include <cstring>

#include "net/bytes.h"
#include "net/checksum.h"

namespace sipedge::net {

std::size_t write_fragment(std::span<std::uint8_t> out, std::span<const std::uint8_t> packet,
                           const Fragment& f) noexcept {
  const std::size_t need = kIpv4HeaderLength + f.length;
  if (packet.size() < kIpv4HeaderLength || packet[kIpv4VersionIhlOffset] != 0x45 ||
      out.size() < need || kIpv4HeaderLength + std::size_t{f.offset} + f.length > packet.size()) {
    return 0;
  }
  const std::uint16_t orig = load_be16(packet.data() + kIpv4FragmentOffset);
  if ((orig & kIpv4FlagDf) != 0 || (f.more && f.length % 8 != 0) || f.offset % 8 != 0) return 0;
  const std::size_t units = (orig & kIpv4FragOffsetMask) + f.offset / 8u;
  if (units > kIpv4FragOffsetMask) return 0;

  std::uint8_t* p = out.data();
  std::memcpy(p, packet.data(), kIpv4HeaderLength);
  std::memcpy(p + kIpv4HeaderLength, packet.data() + kIpv4HeaderLength + f.offset, f.length);
  store_be16(p + kIpv4TotalLengthOffset, static_cast<std::uint16_t>(need));
  const bool more = f.more || (orig & kIpv4FlagMf) != 0;
  store_be16(p + kIpv4FragmentOffset,
             static_cast<std::uint16_t>(units | (more ? kIpv4FlagMf : 0u)));
  store_be16(p + kIpv4ChecksumOffset, ipv4_header_checksum({p, kIpv4HeaderLength}));
  return need;
}

}  // namespace sipedge::net
