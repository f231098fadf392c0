// store::Endpoint: both families print as a SIP host:port ("[v6]:port") and
// parse back; v4 aggregate initialisation still means IPv4.
#include <gtest/gtest.h>

#include "store/binding.h"

namespace sipedge::store {
namespace {

net::Ipv6Addr v6(std::initializer_list<std::uint8_t> head, std::uint8_t last) {
  net::Ipv6Addr a;
  std::size_t i = 0;
  for (std::uint8_t b : head) a.bytes[i++] = b;
  a.bytes[15] = last;
  return a;
}

TEST(Endpoint, Ipv4PrintsDottedQuadAndPort) {
  const Endpoint e{0xC6336407, 5060};
  EXPECT_FALSE(e.v6);
  EXPECT_EQ(to_string(e), "198.51.100.7:5060");
  EXPECT_EQ(host_text(e), "198.51.100.7");
  EXPECT_EQ(e, Endpoint::ipv4(0xC6336407, 5060));
}

TEST(Endpoint, Ipv6PrintsInBracketsWithThePort) {
  const Endpoint e = Endpoint::ipv6(v6({0x20, 0x01, 0x0d, 0xb8}, 7), 5060);
  EXPECT_EQ(to_string(e), "[2001:db8::7]:5060");
  EXPECT_EQ(host_text(e), "[2001:db8::7]");
  EXPECT_EQ(address_text(e), "2001:db8::7");
  EXPECT_EQ(e.ip, 0u);
}

TEST(Endpoint, FamiliesNeverCompareEqual) {
  // ::198.51.100.7 holds the v4 address's bytes, yet is another endpoint.
  net::Ipv6Addr compat{};
  compat.bytes[12] = 198;
  compat.bytes[13] = 51;
  compat.bytes[14] = 100;
  compat.bytes[15] = 7;
  EXPECT_NE(Endpoint::ipv6(compat, 5060), (Endpoint{0xC6336407, 5060}));
  EXPECT_NE(Endpoint::ipv6({}, 5060), (Endpoint{0, 5060}));
}

TEST(Endpoint, HasAddressAndLoopbackPerFamily) {
  EXPECT_FALSE(Endpoint{}.has_address());
  EXPECT_FALSE(Endpoint::ipv6({}, 5060).has_address());
  EXPECT_TRUE(Endpoint::ipv6(v6({0x20, 0x01, 0x0d, 0xb8}, 1), 0).has_address());
  EXPECT_TRUE(Endpoint::ipv6(v6({}, 1), 0).is_loopback());
  EXPECT_FALSE(Endpoint::ipv6(v6({0x20, 0x01, 0x0d, 0xb8}, 1), 0).is_loopback());
  EXPECT_TRUE((Endpoint{0x7F000001, 0}).is_loopback());
}

TEST(Endpoint, TextRoundTrips) {
  for (const Endpoint& e : {Endpoint{0xC6336407, 5060}, Endpoint{0, 0},
                            Endpoint::ipv6(v6({0x20, 0x01, 0x0d, 0xb8}, 7), 5060),
                            Endpoint::ipv6(v6({}, 1), 65535)}) {
    const auto back = parse_endpoint(to_string(e));
    ASSERT_TRUE(back.has_value()) << to_string(e);
    EXPECT_EQ(*back, e) << to_string(e);
  }
}

TEST(Endpoint, ParseRefusesAmbiguousOrBadText) {
  for (const char* text : {"2001:db8::7:5060", "[198.51.100.7]:5060", "[2001:db8::7]", "[2001:db8::7]5060",
                           "198.51.100.7", "198.51.100.7:65536", "198.51.100.7:", "[2001:db8::g]:5060",
                           "example.com:5060", ""}) {
    EXPECT_FALSE(parse_endpoint(text).has_value()) << text;
  }
}

}  // namespace
}  // namespace sipedge::store
