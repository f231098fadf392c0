// The Internet checksum (RFC 1071) and its incremental update (RFC 1624).
//
// Sums are carried as a uint32_t "accumulator" of 16-bit big-endian word
// values that has not been folded yet, so partial sums over a pseudo-header
// and over separate byte ranges add up with plain `+`. Every range except the
// last one must have an even length (a range ending on an odd byte is padded
// with a zero byte, per RFC 1071, which is only right at the very end).
//
// All functions are pure, thread-safe, allocation-free and noexcept.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

namespace sipedge::net {

// Adds the 16-bit big-endian words of `bytes` to `acc`. Reads 8 bytes per
// step. Each call adds at most 0xffff, so any chain of fewer than 65536
// calls (plus a pseudo-header sum) cannot overflow the accumulator.
[[nodiscard]] std::uint32_t checksum_add(std::span<const std::uint8_t> bytes,
                                         std::uint32_t acc = 0) noexcept;

// Folds the carries back in (end-around carry) to a 16-bit one's complement sum.
[[nodiscard]] constexpr std::uint16_t checksum_fold(std::uint32_t acc) noexcept {
  acc = (acc & 0xffff) + (acc >> 16);
  acc = (acc & 0xffff) + (acc >> 16);
  return static_cast<std::uint16_t>(acc);
}

// The value to put in a checksum field (host order; store it big-endian).
[[nodiscard]] constexpr std::uint16_t checksum_finish(std::uint32_t acc) noexcept {
  return static_cast<std::uint16_t>(~checksum_fold(acc));
}

// Sum of the IPv4 pseudo-header (RFC 768): addresses, protocol, L4 length.
// Addresses in host order.
[[nodiscard]] constexpr std::uint32_t ipv4_pseudo_header_sum(std::uint32_t src, std::uint32_t dst,
                                                             std::uint8_t protocol,
                                                             std::uint16_t l4_length) noexcept {
  return (src >> 16) + (src & 0xffff) + (dst >> 16) + (dst & 0xffff) + protocol + l4_length;
}

// RFC 1624 eqn. 3: HC' = ~(~HC + ~m + m'), for one 16-bit word of the
// covered data changing from `old_word` to `new_word`. Unlike eqn. 2 it never
// yields 0x0000 from a non-zero sum.
[[nodiscard]] constexpr std::uint16_t checksum_update16(std::uint16_t checksum,
                                                        std::uint16_t old_word,
                                                        std::uint16_t new_word) noexcept {
  const std::uint32_t acc = std::uint32_t{static_cast<std::uint16_t>(~checksum)} +
                            std::uint32_t{static_cast<std::uint16_t>(~old_word)} + new_word;
  return checksum_finish(acc);
}

[[nodiscard]] constexpr std::uint16_t checksum_update32(std::uint16_t checksum,
                                                        std::uint32_t old_value,
                                                        std::uint32_t new_value) noexcept {
  const std::uint32_t acc = std::uint32_t{static_cast<std::uint16_t>(~checksum)} +
                            std::uint32_t{static_cast<std::uint16_t>(~(old_value >> 16))} +
                            std::uint32_t{static_cast<std::uint16_t>(~old_value)} +
                            (new_value >> 16) + (new_value & 0xffff);
  return checksum_finish(acc);
}

// Checksum of an IPv4 header of `header.size()` bytes (20..60, even), with
// the checksum field counted as zero whatever it holds.
[[nodiscard]] std::uint16_t ipv4_header_checksum(std::span<const std::uint8_t> header) noexcept;

// True when the header, checksum field included, sums to 0xffff.
[[nodiscard]] bool ipv4_header_checksum_ok(std::span<const std::uint8_t> header) noexcept;

// Checksum of a UDP datagram (header + payload, `udp.size()` bytes, which is
// also the length used in the pseudo-header), with the checksum field
// counted as zero. A computed 0 is returned as 0xffff (RFC 768: 0 means "no
// checksum"). Addresses in host order. Returns 0 for fewer than 8 bytes.
[[nodiscard]] std::uint16_t udp_checksum(std::uint32_t src, std::uint32_t dst,
                                         std::span<const std::uint8_t> udp) noexcept;

// True when the received datagram's checksum field verifies. The caller has
// already skipped the check for a zero field (no checksum sent).
[[nodiscard]] bool udp_checksum_ok(std::uint32_t src, std::uint32_t dst,
                                   std::span<const std::uint8_t> udp) noexcept;

}  // namespace sipedge::net
