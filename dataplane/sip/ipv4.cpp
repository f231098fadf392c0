#include "sip/ipv4.h"


namespace sipedge::sip {

std::optional<std::uint32_t> parse_ipv4(std::string_view t) noexcept {
  if (t.size() < 7 || t.size() > kIpv4TextMax) return std::nullopt;
  const char* p = t.data();
  const char* const end = p + t.size();
  auto digit = [&p, end](unsigned& d) {
    if (p == end) return false;
    d = static_cast<unsigned>(static_cast<unsigned char>(*p)) - '0';
    return d <= 9;
  };
  std::uint32_t addr = 0;
  for (int part = 0; part < 4; ++part) {
    if (part != 0) {
      if (p == end || *p != '.') return std::nullopt;
      ++p;
    }
    unsigned v;
    if (!digit(v)) return std::nullopt;
    ++p;
    unsigned d;
    if (digit(d)) {  // 1*3DIGIT, unrolled
      v = v * 10 + d;
      ++p;
      if (digit(d)) {
        v = v * 10 + d;
        ++p;
      }
    }
    if (v > 255) return std::nullopt;
    addr = (addr << 8) | v;
  }
  if (p != end) return std::nullopt;
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
