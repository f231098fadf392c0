#include "sip/hash.h"

#include <array>
#include <cstring>

namespace sipedge::sip {
namespace {

// Reflected CRC32C polynomial (iSCSI / SSE4.2 crc32 instruction).
constexpr std::uint32_t kPoly = 0x82F63B78u;

constexpr std::array<std::uint32_t, 256> make_table() {
  std::array<std::uint32_t, 256> t{};
  for (std::uint32_t i = 0; i < 256; ++i) {
    std::uint32_t c = i;
    for (int k = 0; k < 8; ++k) c = (c & 1) ? (c >> 1) ^ kPoly : c >> 1;
    t[i] = c;
  }
  return t;
}
constexpr auto kTable = make_table();

std::uint32_t crc32c_table(std::uint32_t crc, const char* p, std::size_t n) noexcept {
  while (n-- > 0) crc = kTable[(crc ^ static_cast<unsigned char>(*p++)) & 0xFF] ^ (crc >> 8);
  return crc;
}

#if defined(__x86_64__)
// The crc32 instruction (SSE4.2), 8 bytes per step. Built for SSE4.2 whatever
// the build's -march, and used only when the CPU has it.
__attribute__((target("sse4.2"))) std::uint32_t crc32c_sse42(std::uint32_t crc, const char* p,
                                                              std::size_t n) noexcept {
  std::uint64_t c = crc;
  while (n >= 8) {
    std::uint64_t word;
    std::memcpy(&word, p, 8);
    c = __builtin_ia32_crc32di(c, word);
    p += 8;
    n -= 8;
  }
  auto c32 = static_cast<std::uint32_t>(c);
  while (n-- > 0) c32 = __builtin_ia32_crc32qi(c32, static_cast<unsigned char>(*p++));
  return c32;
}

#if defined(__SSE4_2__)
constexpr bool kUseSse42 = true;
#else
// Decided once at start-up (before any worker runs); a plain load afterwards.
const bool kUseSse42 = [] {
  __builtin_cpu_init();
  return __builtin_cpu_supports("sse4.2") != 0;
}();
#endif

std::uint32_t crc32c(std::uint32_t crc, const char* p, std::size_t n) noexcept {
  return kUseSse42 ? crc32c_sse42(crc, p, n) : crc32c_table(crc, p, n);
}
#else
std::uint32_t crc32c(std::uint32_t crc, const char* p, std::size_t n) noexcept { return crc32c_table(crc, p, n); }
#endif

}  // namespace

std::uint32_t hash_bytes(std::string_view bytes, std::uint32_t seed) noexcept {
  return ~crc32c(~seed, bytes.data(), bytes.size());
}

std::uint32_t hash_bytes_portable(std::string_view bytes, std::uint32_t seed) noexcept {
  return ~crc32c_table(~seed, bytes.data(), bytes.size());
}

}  // namespace sipedge::sip
