#pragma once
// IPv6 text helpers for the fast path (RFC 4291 2.2 to read, RFC 5952 to
// write): no allocation, no NUL terminator. Addresses are 16 bytes in network
// byte order. SIP writes them as an IPv6reference ("[2001:db8::1]") in hosts
// and bare in Via `received` (RFC 3261 25.1, RFC 5118 4.5).
#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string_view>

namespace sipedge::sip {

struct Ipv6Address {
  std::array<std::uint8_t, 16> bytes{};
  friend constexpr bool operator==(const Ipv6Address&, const Ipv6Address&) = default;
};

//   IPv6address = hexpart [ ":" IPv4address ]
//   hexpart     = hexseq / hexseq "::" [ hexseq ] / "::" [ hexseq ]
//   hexseq      = hex4 *( ":" hex4 ) ; hex4 = 1*4HEXDIG            (RFC 3261 25.1)
// Exactly 128 bits, at most one "::" (which stands for at least one zero
// group, RFC 5952 4.2.2 is for writers only: "::" for one group is read).
// No brackets, no zone ("%eth0"), nothing around it.
std::optional<Ipv6Address> parse_ipv6(std::string_view text) noexcept;

// The same for an IPv6reference, "[" IPv6address "]".
std::optional<Ipv6Address> parse_ipv6_reference(std::string_view text) noexcept;

// RFC 5952 text: lower-case hex, no leading zeros, the longest run of two or
// more zero groups (the first of equal runs) as "::". At most 39 characters.
inline constexpr std::size_t kIpv6TextMax = 39;
struct Ipv6Text {
  char buf[kIpv6TextMax];
  std::uint8_t len = 0;
  std::string_view view() const noexcept { return {buf, len}; }
};
Ipv6Text ipv6_text(const Ipv6Address& addr) noexcept;

// "[" RFC 5952 text "]", at most 41 characters: a host of a URI or sent-by.
inline constexpr std::size_t kIpv6ReferenceMax = kIpv6TextMax + 2;
struct Ipv6Reference {
  char buf[kIpv6ReferenceMax];
  std::uint8_t len = 0;
  std::string_view view() const noexcept { return {buf, len}; }
};
Ipv6Reference ipv6_reference(const Ipv6Address& addr) noexcept;

}  // namespace sipedge::sip
