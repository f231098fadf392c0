#pragma once
// Fast 32-bit hash for dispatch keys (Call-ID, From/To URI, R-URI, auth user).
// CRC32C (Castagnoli): the SSE4.2 crc32 instruction when the CPU has it
// (checked once at start-up, or assumed when the build targets SSE4.2), a
// table otherwise; both give the same value, so all nodes agree.
#include <cstdint>
#include <string_view>

namespace sipedge::sip {

// Standard CRC32C of the bytes when seed == 0 ("123456789" -> 0xE3069283).
// A non-zero seed chains/perturbs the hash.
std::uint32_t hash_bytes(std::string_view bytes, std::uint32_t seed = 0) noexcept;
// The same, always through the table (slow; for tests and cross-checks).
std::uint32_t hash_bytes_portable(std::string_view bytes, std::uint32_t seed = 0) noexcept;

}  // namespace sipedge::sip
