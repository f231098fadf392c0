#include "net/checksum.h"

#include <bit>
#include <cstring>

namespace sipedge::net {

std::uint32_t checksum_add(std::span<const std::uint8_t> bytes, std::uint32_t acc) noexcept {
  // Sum 32-bit native-order halves of 8-byte loads into 64-bit accumulators:
  // no carry chain between steps, and two independent accumulators keep both
  // add ports busy. Native order is fine: one's complement sums are byte-order
  // independent up to one final swap (RFC 1071 section 2(B)).
  const std::uint8_t* p = bytes.data();
  std::size_t n = bytes.size();
  std::uint64_t s0 = 0;
  std::uint64_t s1 = 0;
  while (n >= 16) {
    std::uint64_t a;
    std::uint64_t b;
    std::memcpy(&a, p, 8);
    std::memcpy(&b, p + 8, 8);
    s0 += (a & 0xffffffff) + (a >> 32);
    s1 += (b & 0xffffffff) + (b >> 32);
    p += 16;
    n -= 16;
  }
  if (n >= 8) {
    std::uint64_t a;
    std::memcpy(&a, p, 8);
    s0 += (a & 0xffffffff) + (a >> 32);
    p += 8;
    n -= 8;
  }
  if (n > 0) {
    // The tail keeps its position within the 8-byte word, zero-padded; an
    // odd final byte thus lands in the high half of a big-endian word.
    std::uint64_t a = 0;
    std::memcpy(&a, p, n);
    s1 += (a & 0xffffffff) + (a >> 32);
  }
  // 2^16 == 1 (mod 0xffff), so folding 64 -> 16 bits with end-around carries
  // keeps the one's complement sum.
  std::uint64_t s = s0 + s1;  // each below 2^62 for any span a packet can hold
  s = (s & 0xffffffff) + (s >> 32);
  s = (s & 0xffffffff) + (s >> 32);
  s = (s & 0xffff) + (s >> 16);
  s = (s & 0xffff) + (s >> 16);
  auto word = static_cast<std::uint16_t>(s);
  if constexpr (std::endian::native == std::endian::little) {
    word = static_cast<std::uint16_t>((word << 8) | (word >> 8));
  }
  return acc + word;
}

std::uint16_t ipv4_header_checksum(std::span<const std::uint8_t> header) noexcept {
  // Skip the checksum field (bytes 10..11); both ranges have even offsets.
  std::uint32_t acc = checksum_add(header.first(10));
  acc = checksum_add(header.subspan(12), acc);
  return checksum_finish(acc);
}

bool ipv4_header_checksum_ok(std::span<const std::uint8_t> header) noexcept {
  return checksum_fold(checksum_add(header)) == 0xffff;
}

std::uint16_t udp_checksum(std::uint32_t src, std::uint32_t dst,
                           std::span<const std::uint8_t> udp) noexcept {
  if (udp.size() < 8) return 0;
  std::uint32_t acc =
      ipv4_pseudo_header_sum(src, dst, 17, static_cast<std::uint16_t>(udp.size()));
  acc = checksum_add(udp.first(6), acc);
  acc = checksum_add(udp.subspan(8), acc);
  const std::uint16_t sum = checksum_finish(acc);
  return sum == 0 ? std::uint16_t{0xffff} : sum;
}

bool udp_checksum_ok(std::uint32_t src, std::uint32_t dst,
                     std::span<const std::uint8_t> udp) noexcept {
  std::uint32_t acc =
      ipv4_pseudo_header_sum(src, dst, 17, static_cast<std::uint16_t>(udp.size()));
  return checksum_fold(checksum_add(udp, acc)) == 0xffff;
}

}  // namespace sipedge::net
