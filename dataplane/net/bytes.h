// Big-endian loads and stores on packet bytes.
//
// Packet headers are not aligned for their fields (an IPv4 header behind a
// 14-byte Ethernet header sits at offset 14), so fields are never read through
// casted struct pointers. Composing bytes is alignment-free and strict-alias
// safe; g++ and clang fold these into one load/store plus a byte swap.
//
// Callers check bounds before calling: these take raw pointers so the hot
// paths do one length check per header, not one per field.
#pragma once

#include <cstdint>

namespace sipedge::net {

[[nodiscard]] constexpr std::uint16_t load_be16(const std::uint8_t* p) noexcept {
  return static_cast<std::uint16_t>((p[0] << 8) | p[1]);
}

[[nodiscard]] constexpr std::uint32_t load_be32(const std::uint8_t* p) noexcept {
  return (std::uint32_t{p[0]} << 24) | (std::uint32_t{p[1]} << 16) |
         (std::uint32_t{p[2]} << 8) | std::uint32_t{p[3]};
}

constexpr void store_be16(std::uint8_t* p, std::uint16_t v) noexcept {
  p[0] = static_cast<std::uint8_t>(v >> 8);
  p[1] = static_cast<std::uint8_t>(v);
}

constexpr void store_be32(std::uint8_t* p, std::uint32_t v) noexcept {
  p[0] = static_cast<std::uint8_t>(v >> 24);
  p[1] = static_cast<std::uint8_t>(v >> 16);
  p[2] = static_cast<std::uint8_t>(v >> 8);
  p[3] = static_cast<std::uint8_t>(v);
}

}  // namespace sipedge::net
