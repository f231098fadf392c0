// CRC-32 as in ISO 3309 / ITU-T V.42 / Ethernet / zlib (reflected polynomial
// 0xEDB88320, initial and final XOR 0xFFFFFFFF): the CRC that STUN's
// FINGERPRINT attribute uses (RFC 5389 section 15.5).
#pragma once

#include <cstdint>
#include <span>

namespace sipedge::net {

// Pure, table-driven (the table is built at compile time).
[[nodiscard]] std::uint32_t crc32(std::span<const std::uint8_t> bytes) noexcept;

}  // namespace sipedge::net
