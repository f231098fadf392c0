#pragma once
// Far-end NAT detection: which signs of a NAT between the sender and us does
// a message show? Each test is one bit, enabled per test by a mask (config).
// An address of the other family or a hostname where an address is
// compared counts as "differs". An IPv6 source gets the comparisons
// (via-received, via-port, contact-ip, contact-port) and no "private"
// test: RFC 1918 has no IPv6 counterpart a NAT would betray.
#include <cstdint>
#include <optional>
#include <string_view>

#include "sip/message.h"

namespace sipedge::sip {

// clang-format off
// X(enumerator, config/JSON name)
#define SIPEDGE_SIP_NAT_TESTS(X)                                                       \
  X(contact_private, "contact-private") /* some Contact host is a private IPv4 */      \
  X(via_received,    "via-received")    /* top Via sent-by host != source IP */       \
  X(via_private,     "via-private")     /* top Via sent-by host is a private IPv4 */  \
  X(sdp_private,     "sdp-private")     /* an SDP c= line has a private IPv4 */       \
  X(via_port,        "via-port")        /* source port != top Via port (5060/5061 when absent) */ \
  X(contact_ip,      "contact-ip")      /* some Contact host != source IP */          \
  X(contact_port,    "contact-port")    /* some Contact port != source port (5060/5061 when absent) */
// clang-format on

enum class NatTest : std::uint8_t {
#define SIPEDGE_X(id, name) id,
  SIPEDGE_SIP_NAT_TESTS(SIPEDGE_X)
#undef SIPEDGE_X
};

inline constexpr std::string_view kNatTestNames[] = {
#define SIPEDGE_X(id, name) std::string_view{name},
    SIPEDGE_SIP_NAT_TESTS(SIPEDGE_X)
#undef SIPEDGE_X
};
inline constexpr std::size_t kNatTestCount = std::size(kNatTestNames);

using NatMask = std::uint32_t;
constexpr NatMask nat_bit(NatTest t) noexcept { return NatMask{1} << static_cast<unsigned>(t); }
inline constexpr NatMask kAllNatTests = (NatMask{1} << kNatTestCount) - 1;

constexpr std::string_view nat_test_name(NatTest t) noexcept { return kNatTestNames[static_cast<std::size_t>(t)]; }
// "via-received" -> NatTest::via_received (exact, lower-case); nullopt when unknown.
std::optional<NatTest> nat_test_from_name(std::string_view name) noexcept;
// Same, as a mask bit (0 when unknown), for config parsing.
NatMask nat_bit_from_name(std::string_view name) noexcept;

// Runs the enabled tests on a parsed message received from src_ip:src_port
// (host order). Returns the bits that fired (a subset of `enabled`).
// Tests on a header that is absent or malformed do not fire, except that a
// malformed top Via makes via_received/via_port fire (its address cannot be
// trusted). Contact "*" never fires. Thread-safe; no allocation.
NatMask nat_test(const Message& msg, std::uint32_t src_ip, std::uint16_t src_port, NatMask enabled) noexcept;
// The same with the top Via the caller has already parsed (msg.top_via()
// succeeded and gave `top_via`), so it is not parsed a second time.
NatMask nat_test(const Message& msg, const Via& top_via, std::uint32_t src_ip, std::uint16_t src_port,
                 NatMask enabled) noexcept;
// For an IPv6 source: contact_private, via_private and sdp_private never fire.
NatMask nat_test(const Message& msg, const Via& top_via, const Ipv6Address& src_ip, std::uint16_t src_port,
                 NatMask enabled) noexcept;

}  // namespace sipedge::sip
