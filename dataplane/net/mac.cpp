#include "net/mac.h"

namespace sipedge::net {
namespace {

int hex_value(char c) noexcept {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

}  // namespace

std::optional<MacAddr> parse_mac(std::string_view text) noexcept {
  // "xx:" * 5 + "xx"
  if (text.size() != 17) return std::nullopt;
  MacAddr mac;
  for (std::size_t i = 0; i < 6; ++i) {
    const std::size_t at = i * 3;
    const int hi = hex_value(text[at]);
    const int lo = hex_value(text[at + 1]);
    if (hi < 0 || lo < 0) return std::nullopt;
    if (i < 5 && text[at + 2] != ':') return std::nullopt;
    mac.bytes[i] = static_cast<std::uint8_t>((hi << 4) | lo);
  }
  return mac;
}

std::string format_mac(const MacAddr& mac) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out(17, ':');
  for (std::size_t i = 0; i < 6; ++i) {
    out[i * 3] = kHex[mac.bytes[i] >> 4];
    out[i * 3 + 1] = kHex[mac.bytes[i] & 0x0f];
  }
  return out;
}

}  // namespace sipedge::net
