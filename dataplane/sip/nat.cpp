#include "sip/nat.h"

#include "sip/ipv4.h"
#include "sip/sdp.h"

namespace sipedge::sip {

std::optional<NatTest> nat_test_from_name(std::string_view name) noexcept {
  for (std::size_t i = 0; i < kNatTestCount; ++i)
    if (kNatTestNames[i] == name) return static_cast<NatTest>(i);
  return std::nullopt;
}

NatMask nat_bit_from_name(std::string_view name) noexcept {
  const auto t = nat_test_from_name(name);
  return t ? nat_bit(*t) : 0;
}

namespace {

constexpr NatMask kViaTests = nat_bit(NatTest::via_received) | nat_bit(NatTest::via_private) |
                              nat_bit(NatTest::via_port);

// The source the tests compare with: IPv4 (every test) or IPv6 (the
// address and port comparisons; nothing is "private" in IPv6 here).
struct Source {
  bool v6 = false;
  std::uint32_t ipv4 = 0;
  Ipv6Address ipv6;
  // Whether a host literal of `type` with these addresses is the source.
  bool same(HostType type, std::uint32_t a4, const Ipv6Address& a6) const noexcept {
    return v6 ? type == HostType::ipv6 && a6 == ipv6 : type == HostType::ipv4 && a4 == ipv4;
  }
};

// `via` is the parsed top Via, or null when it is absent or malformed.
NatMask run_tests(const Message& msg, const Via* via, const Source& src, std::uint16_t src_port,
                  NatMask enabled) noexcept {
  // RFC 1918 and its kin are IPv4 notions: an IPv6 source gets the
  // comparisons only (README, "Far-end NAT over IPv6").
  if (src.v6)
    enabled &= ~(nat_bit(NatTest::contact_private) | nat_bit(NatTest::via_private) | nat_bit(NatTest::sdp_private));
  NatMask fired = 0;
  auto fire = [&](NatTest t, bool cond) {
    if (cond) fired |= nat_bit(t);
  };

  if (enabled & kViaTests) {
    if (via == nullptr) {
      fired |= enabled & (nat_bit(NatTest::via_received) | nat_bit(NatTest::via_port));
    } else {
      const bool ip4 = via->host_type == HostType::ipv4;
      fire(NatTest::via_received, !src.same(via->host_type, via->ipv4, via->ipv6));
      fire(NatTest::via_private, ip4 && is_private(via->ipv4));
      fire(NatTest::via_port, via->port_or_default() != src_port);
    }
  }

  constexpr NatMask kContactTests = nat_bit(NatTest::contact_private) | nat_bit(NatTest::contact_ip) |
                                    nat_bit(NatTest::contact_port);
  if (enabled & kContactTests) {
    for (const HeaderValue& v : msg.values(HeaderId::contact)) {
      const auto na = parse_name_addr(v.text, true);
      if (!na || na->star) continue;
      const Uri& u = na->uri;
      if (u.scheme != UriScheme::sip && u.scheme != UriScheme::sips) continue;
      const bool ip4 = u.host_type == HostType::ipv4;
      fire(NatTest::contact_private, ip4 && is_private(u.ipv4));
      fire(NatTest::contact_ip, !src.same(u.host_type, u.ipv4, u.ipv6));
      fire(NatTest::contact_port, u.port_or_default() != src_port);
      // Bits only accumulate: once every enabled Contact test fired, the
      // remaining Contacts cannot change the result.
      if ((fired & enabled & kContactTests) == (enabled & kContactTests)) break;
    }
  }

  if ((enabled & nat_bit(NatTest::sdp_private)) && msg.has_sdp())
    fire(NatTest::sdp_private, sdp_has_private_address(msg.body()));

  return fired & enabled;
}

}  // namespace

NatMask nat_test(const Message& msg, std::uint32_t src_ip, std::uint16_t src_port, NatMask enabled) noexcept {
  const Source src{.ipv4 = src_ip};
  if ((enabled & kViaTests) == 0) return run_tests(msg, nullptr, src, src_port, enabled);
  const auto via = msg.top_via();
  return run_tests(msg, via ? &*via : nullptr, src, src_port, enabled);
}

NatMask nat_test(const Message& msg, const Via& top_via, std::uint32_t src_ip, std::uint16_t src_port,
                 NatMask enabled) noexcept {
  return run_tests(msg, &top_via, Source{.ipv4 = src_ip}, src_port, enabled);
}

NatMask nat_test(const Message& msg, const Via& top_via, const Ipv6Address& src_ip, std::uint16_t src_port,
                 NatMask enabled) noexcept {
  return run_tests(msg, &top_via, Source{.v6 = true, .ipv6 = src_ip}, src_port, enabled);
}

}  // namespace sipedge::sip
