#include "sip/ipv4.h"

#include "sip/lex.h"

namespace sipedge::sip {

std::optional<std::uint32_t> parse_ipv4(std::string_view t) noexcept {
  if (t.size() < 7 || t.size() > kIpv4TextMax) return std::nullopt;
  std::uint32_t addr = 0;
  std::size_t i = 0;
  for (int part = 0; part < 4; ++part) {
    if (part != 0) {
      if (i >= t.size() || t[i] != '.') return std::nullopt;
      ++i;
    }
    std::uint32_t v = 0;
    std::size_t digits = 0;
    while (i < t.size() && digits < 3 && lex::is_digit(t[i])) {
      v = v * 10 + static_cast<std::uint32_t>(t[i] - '0');
      ++i;
      ++digits;
    }
    if (digits == 0 || v > 255) return std::nullopt;
    addr = (addr << 8) | v;
  }
  if (i != t.size()) return std::nullopt;
  return addr;
}

std::size_t format_ipv4(std::uint32_t addr, std::span<char, kIpv4TextMax> out) noexcept {
  std::size_t n = 0;
  for (int shift = 24; shift >= 0; shift -= 8) {
    const unsigned v = (addr >> shift) & 0xFF;
    if (v >= 100) out[n++] = static_cast<char>('0' + v / 100);
    if (v >= 10) out[n++] = static_cast<char>('0' + (v / 10) % 10);
    out[n++] = static_cast<char>('0' + v % 10);
    if (shift != 0) out[n++] = '.';
  }
  return n;
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
