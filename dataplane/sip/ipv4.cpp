#include "sip/ipv4.h"

#include <array>
#include <cstring>


namespace sipedge::sip {

std::optional<std::uint32_t> parse_ipv4(std::string_view t) noexcept {
  const std::size_t n = t.size();
  if (n < 7 || n > kIpv4TextMax) return std::nullopt;
  const char* const p = t.data();
  std::uint32_t addr = 0;
  std::size_t i = 0;
  for (int part = 0; part < 4; ++part) {
    if (part != 0) {
      if (i == n || p[i] != '.') return std::nullopt;
      ++i;
    }
    // 1*3DIGIT: a fourth digit is left for the '.' check to refuse.
    const std::size_t first = i;
    unsigned v = 0;
    for (; i < n && i - first < 3; ++i) {
      const unsigned d = static_cast<unsigned>(static_cast<unsigned char>(p[i])) - '0';
      if (d > 9) break;
      v = v * 10 + d;
    }
    if (i == first || v > 255) return std::nullopt;
    addr = (addr << 8) | v;
  }
  if (i != n) return std::nullopt;
  return addr;
}

namespace {

// "d." / "dd." / "ddd." for every octet value, and the digit count: an octet
// is one 4-byte copy instead of divisions.
struct OctetText {
  char text[4];
  std::uint8_t digits;
};
constexpr std::array<OctetText, 256> make_octets() {
  std::array<OctetText, 256> t{};
  for (unsigned v = 0; v < 256; ++v) {
    OctetText& o = t[v];
    std::uint8_t n = 0;
    if (v >= 100) o.text[n++] = static_cast<char>('0' + v / 100);
    if (v >= 10) o.text[n++] = static_cast<char>('0' + (v / 10) % 10);
    o.text[n++] = static_cast<char>('0' + v % 10);
    o.text[n] = '.';
    o.digits = n;
  }
  return t;
}
constexpr auto kOctets = make_octets();

}  // namespace

std::size_t format_ipv4(std::uint32_t addr, std::span<char, kIpv4TextMax> out) noexcept {
  // The first three octets with their dot: 4 bytes written at n <= 8, so
  // within the 15; bytes past the dot are overwritten by the next octet.
  std::size_t n = 0;
  for (int shift = 24; shift > 0; shift -= 8) {
    const OctetText& o = kOctets[(addr >> shift) & 0xFF];
    std::memcpy(out.data() + n, o.text, 4);
    n += o.digits + 1u;
  }
  const OctetText& last = kOctets[addr & 0xFF];  // exactly its digits: n + digits <= 15
  for (std::size_t i = 0; i < last.digits; ++i) out[n + i] = last.text[i];
  return n + last.digits;
}

Ipv4Text ipv4_text(std::uint32_t addr) noexcept {
  Ipv4Text t{};
  t.len = static_cast<std::uint8_t>(format_ipv4(addr, std::span<char, kIpv4TextMax>(t.buf)));
  return t;
}

bool is_private_ipv4_text(std::string_view text) noexcept {
  const auto a = parse_ipv4(text);
  return a && is_private(*a);
}

}  // namespace sipedge::sip
