// Ethernet MAC addresses: a 6-byte value type, plus text parse/format for
// configuration and tools ("02:00:00:00:00:01").
#pragma once

#include <array>
#include <cstdint>
#include <cstring>
#include <optional>
#include <string>
#include <string_view>

namespace sipedge::net {

struct MacAddr {
  std::array<std::uint8_t, 6> bytes{};

  static MacAddr from(const std::uint8_t* p) noexcept {
    MacAddr m;
    std::memcpy(m.bytes.data(), p, 6);
    return m;
  }
  void store(std::uint8_t* p) const noexcept { std::memcpy(p, bytes.data(), 6); }

  // The I/G bit: set for multicast and for broadcast.
  [[nodiscard]] constexpr bool is_multicast() const noexcept { return (bytes[0] & 0x01) != 0; }
  [[nodiscard]] constexpr bool is_broadcast() const noexcept {
    for (auto b : bytes) {
      if (b != 0xff) return false;
    }
    return true;
  }
  [[nodiscard]] constexpr bool is_zero() const noexcept {
    for (auto b : bytes) {
      if (b != 0) return false;
    }
    return true;
  }

  friend constexpr bool operator==(const MacAddr&, const MacAddr&) = default;
};

inline constexpr MacAddr kBroadcastMac{{0xff, 0xff, 0xff, 0xff, 0xff, 0xff}};

// Exactly six colon-separated pairs of hex digits, either case. Anything else
// (dashes, single digits, trailing bytes) is rejected so typos in a config
// fail loudly instead of becoming a different address.
[[nodiscard]] std::optional<MacAddr> parse_mac(std::string_view text) noexcept;

// Lower-case "xx:xx:xx:xx:xx:xx". Cold path (allocates).
[[nodiscard]] std::string format_mac(const MacAddr& mac);

}  // namespace sipedge::net
