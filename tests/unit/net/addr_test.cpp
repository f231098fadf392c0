#include <gtest/gtest.h>

#include "net/ipv4.h"
#include "net/local_addrs.h"
#include "net/mac.h"

namespace sipedge::net {
namespace {

TEST(Mac, ParsesAndFormats) {
  const auto mac = parse_mac("02:00:5E:0a:ff:01");
  ASSERT_TRUE(mac);
  EXPECT_EQ(mac->bytes, (std::array<std::uint8_t, 6>{0x02, 0x00, 0x5e, 0x0a, 0xff, 0x01}));
  EXPECT_EQ(format_mac(*mac), "02:00:5e:0a:ff:01");
  EXPECT_EQ(format_mac(kBroadcastMac), "ff:ff:ff:ff:ff:ff");
}

TEST(Mac, RejectsNearMisses) {
  for (const char* bad : {"", "02:00:00:00:00", "02:00:00:00:00:01:", "02-00-00-00-00-01",
                          "2:00:00:00:00:01", "02:00:00:00:00:0g", "02:00:00:00:00:001",
                          "02:00:00:00:00 01"}) {
    EXPECT_FALSE(parse_mac(bad)) << bad;
  }
}

TEST(Mac, Predicates) {
  EXPECT_TRUE(kBroadcastMac.is_broadcast());
  EXPECT_TRUE(kBroadcastMac.is_multicast());
  const MacAddr mcast{{0x01, 0x00, 0x5e, 0x00, 0x00, 0x01}};
  EXPECT_TRUE(mcast.is_multicast());
  EXPECT_FALSE(mcast.is_broadcast());
  const MacAddr uni{{0x02, 0, 0, 0, 0, 1}};
  EXPECT_FALSE(uni.is_multicast());
  EXPECT_FALSE(uni.is_zero());
  EXPECT_TRUE(MacAddr{}.is_zero());
}

TEST(Ipv4Addr, ParsesAndFormats) {
  EXPECT_EQ(parse_ipv4("203.0.113.1"), 0xCB007101u);
  EXPECT_EQ(parse_ipv4("0.0.0.0"), 0u);
  EXPECT_EQ(parse_ipv4("255.255.255.255"), 0xffffffffu);
  EXPECT_EQ(format_ipv4(0xCB007101u), "203.0.113.1");
  EXPECT_EQ(format_ipv4(0), "0.0.0.0");
}

TEST(Ipv4Addr, RejectsNearMisses) {
  for (const char* bad : {"", "1.2.3", "1.2.3.4.", "1.2.3.4.5", "256.0.0.1", "01.2.3.4",
                          "1..3.4", "1.2.3.4 ", "a.b.c.d", "1234.1.1.1", "-1.2.3.4"}) {
    EXPECT_FALSE(parse_ipv4(bad)) << bad;
  }
}

TEST(Ipv4Addr, MartianSources) {
  for (const char* m : {"0.0.0.0", "0.1.2.3", "127.0.0.1", "224.0.0.1", "239.255.255.250",
                        "240.0.0.1", "255.255.255.255"}) {
    EXPECT_TRUE(is_martian_source(*parse_ipv4(m))) << m;
  }
  for (const char* ok : {"1.0.0.0", "203.0.113.50", "223.255.255.255", "10.0.0.1"}) {
    EXPECT_FALSE(is_martian_source(*parse_ipv4(ok))) << ok;
  }
}

TEST(LocalAddrs, FindsAndLimits) {
  LocalAddrs l;
  for (std::uint32_t i = 0; i < LocalAddrs::kMaxIpv4; ++i) EXPECT_TRUE(l.add_ipv4(100 + i));
  EXPECT_TRUE(l.add_ipv4(100));  // duplicate: already there
  EXPECT_FALSE(l.add_ipv4(999));
  EXPECT_EQ(l.find_ipv4(103), 3);
  EXPECT_EQ(l.find_ipv4(999), -1);
  for (std::uint16_t i = 0; i < LocalAddrs::kMaxUdpPorts; ++i) EXPECT_TRUE(l.add_udp_port(5060 + i));
  EXPECT_FALSE(l.add_udp_port(1));
  EXPECT_TRUE(l.has_udp_port(5061));
  EXPECT_FALSE(l.has_udp_port(1));
}

}  // namespace
}  // namespace sipedge::net
