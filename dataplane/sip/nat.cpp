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

NatMask nat_test(const Message& msg, std::uint32_t src_ip, std::uint16_t src_port, NatMask enabled) noexcept {
  NatMask fired = 0;
  auto fire = [&](NatTest t, bool cond) {
    if (cond) fired |= nat_bit(t);
  };

  constexpr NatMask kViaTests = nat_bit(NatTest::via_received) | nat_bit(NatTest::via_private) |
                                nat_bit(NatTest::via_port);
  if (enabled & kViaTests) {
    const auto via = msg.top_via();
    if (!via) {
      fired |= enabled & (nat_bit(NatTest::via_received) | nat_bit(NatTest::via_port));
    } else {
      const bool ip4 = via->host_type == HostType::ipv4;
      fire(NatTest::via_received, !(ip4 && via->ipv4 == src_ip));
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
      fire(NatTest::contact_ip, !(ip4 && u.ipv4 == src_ip));
      fire(NatTest::contact_port, u.port_or_default() != src_port);
    }
  }

  if ((enabled & nat_bit(NatTest::sdp_private)) && msg.has_sdp())
    fire(NatTest::sdp_private, sdp_has_private_address(msg.body()));

  return fired & enabled;
}

}  // namespace sipedge::sip
