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
[[maybe_unused]] constexpr auto kTable = make_table();

#if defined(__SSE4_2__) && defined(__x86_64__)
std::uint32_t crc32c(std::uint32_t crc, const char* p, std::size_t n) noexcept {
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
#else
std::uint32_t crc32c(std::uint32_t crc, const char* p, std::size_t n) noexcept {
  while (n-- > 0) crc = kTable[(crc ^ static_cast<unsigned char>(*p++)) & 0xFF] ^ (crc >> 8);
  return crc;
}
#endif

}  // namespace

std::uint32_t hash_bytes(std::string_view bytes, std::uint32_t seed) noexcept {
  return ~crc32c(~seed, bytes.data(), bytes.size());
}

}  // namespace sipedge::sip
