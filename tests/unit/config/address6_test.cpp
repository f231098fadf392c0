// IPv6 literals, prefixes and interface addresses in the config.
#include <gtest/gtest.h>

#include "config/address.h"
#include "config/config.h"
#include "config_testing.h"

namespace sipedge::config {
namespace {

using testing::dump;
using testing::has_error;
using testing::load_with_base;

template <class T>
T ok(const Parsed<T>& parsed) {
  EXPECT_TRUE(std::holds_alternative<T>(parsed)) << std::get<std::string>(parsed);
  return std::holds_alternative<T>(parsed) ? std::get<T>(parsed) : T{};
}

template <class T>
std::string refused(const Parsed<T>& parsed) {
  EXPECT_TRUE(std::holds_alternative<std::string>(parsed));
  return std::holds_alternative<std::string>(parsed) ? std::get<std::string>(parsed) : "";
}

Ipv6 db8(std::uint8_t last) {
  Ipv6 a{0x20, 0x01, 0x0d, 0xb8};
  a[15] = last;
  return a;
}

TEST(Ipv6Text, Parses) {
  EXPECT_EQ(ok(parse_ipv6("2001:db8::2")), db8(2));
  EXPECT_EQ(ok(parse_ipv6("2001:0DB8:0:0:0:0:0:2")), db8(2));
  EXPECT_EQ(ok(parse_ipv6("::")), Ipv6{});
  const Ipv6 mapped{0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 198, 51, 100, 1};
  EXPECT_EQ(ok(parse_ipv6("::ffff:198.51.100.1")), mapped);
  EXPECT_EQ(format_ipv6(db8(2)), "2001:db8::2");
}

TEST(Ipv6Text, Refuses) {
  for (const char* text : {"2001:db8::1::2", "2001:db8:::1", "2001:db8::g", "1:2:3:4:5:6:7:8:9", "2001:db8::1 ", ":",
                           "12345::1"})
    EXPECT_NE(refused(parse_ipv6(text)).find("is not an IPv6 address"), std::string::npos) << text;
  EXPECT_NE(refused(parse_ipv6("198.51.100.1")).find("is not an IPv6 address"), std::string::npos);
  EXPECT_NE(refused(parse_ipv6("[2001:db8::1]")).find("without brackets"), std::string::npos);
  EXPECT_NE(refused(parse_ipv6("fe80::1%eth0")).find("zone"), std::string::npos);
}

TEST(Ipv6Text, Prefixes) {
  const auto p = ok(parse_ipv6_prefix("2001:db8::/32"));
  EXPECT_EQ(p.length, 32);
  EXPECT_TRUE(p.contains(db8(7)));
  Ipv6 outside = db8(7);
  outside[3] = 0xb9;
  EXPECT_FALSE(p.contains(outside));
  EXPECT_EQ(format_prefix(p), "2001:db8::/32");
  EXPECT_NE(refused(parse_ipv6_prefix("2001:db8::1/64")).find("host bits set (the network is 2001:db8::/64)"),
            std::string::npos);
  EXPECT_NE(refused(parse_ipv6_prefix("2001:db8::/129")).find("0..128"), std::string::npos);
  EXPECT_NE(refused(parse_ipv6_prefix("2001:db8::/064")).find("0..128"), std::string::npos);
  EXPECT_NE(refused(parse_ipv6_prefix("2001:db8::")).find("no prefix length"), std::string::npos);
}

TEST(Ipv6Text, Interfaces) {
  const auto i = ok(parse_ipv6_interface("2001:db8::2/64"));
  EXPECT_EQ(i.address, db8(2));
  EXPECT_EQ(format_prefix(i.subnet), "2001:db8::/64");
  EXPECT_EQ(ok(parse_ipv6_interface("2001:db8::/127")).address, db8(0));  // RFC 6164 point-to-point
  EXPECT_NE(refused(parse_ipv6_interface("2001:db8::/64")).find("Subnet-Router anycast"), std::string::npos);
  EXPECT_NE(refused(parse_ipv6_interface("ff02::1/64")).find("not a unicast"), std::string::npos);
  EXPECT_NE(refused(parse_ipv6_interface("::1/128")).find("not a unicast"), std::string::npos);
}

// Port keys, appended to kBase's [[port]] p0 (line 8 is its address):
// kBase ends with [sip], so the appended text re-opens the port table.
std::string port_keys(std::string_view keys) {
  return std::string("[[port]]\nname = \"p1\"\ndevice = \"net_null1\"\naddress = \"198.51.100.10/24\"\nrole = \"inside\"\n") +
         std::string(keys);
}

TEST(Ipv6Config, PortAddressGatewayVlanAndNeighbour) {
  const auto result = load_with_base(port_keys(
      "address6 = \"2001:db8::2/64\"\ngateway6 = \"2001:db8::1\"\nvlan = 100\n"
      "[[neighbour]]\naddress = \"2001:db8::21\"\nmac = \"02:00:5e:00:00:21\"\nport = \"p1\"\n"
      "[[neighbour]]\naddress = \"fe80::21\"\nmac = \"02:00:5e:00:00:22\"\nport = \"p1\"\n"));
  ASSERT_TRUE(result.config) << dump(result);
  const auto& p = result.config->ports[1];
  ASSERT_TRUE(p.address6);
  EXPECT_EQ(p.address6->address, db8(2));
  EXPECT_EQ(p.gateway6, db8(1));
  EXPECT_EQ(p.vlan, 100);
  EXPECT_EQ(result.config->ports[0].vlan, 0);
  EXPECT_FALSE(result.config->ports[0].address6);
  ASSERT_EQ(result.config->neighbours.size(), 2u);
  EXPECT_EQ(result.config->neighbours[0].address6, db8(0x21));
  EXPECT_EQ(result.config->neighbours[0].port_index, 1u);
  EXPECT_EQ(result.config->neighbours[0].address, 0u);
}

TEST(Ipv6Config, Errors) {
  // Appended text starts at line 11; port_keys adds 5 lines, so its keys start at line 16.
  EXPECT_TRUE(has_error(load_with_base(port_keys("address6 = \"2001:db8::zz/64\"\n")), "t.toml:16:12: port[1].address6: ",
                        "is not an IPv6 address"));
  EXPECT_TRUE(has_error(load_with_base(port_keys("vlan = 4095\n")), "t.toml:16:8: port[1].vlan: ", "4094"));
  EXPECT_TRUE(has_error(load_with_base(port_keys("vlan = 0\n")), "t.toml:16:8: port[1].vlan: ", ""));
  EXPECT_TRUE(has_error(load_with_base(port_keys("gateway6 = \"2001:db8::1\"\n")), "t.toml:16:12: port[1].gateway6: ",
                        "needs address6"));
  EXPECT_TRUE(has_error(load_with_base(port_keys("address6 = \"2001:db8::2/64\"\ngateway6 = \"2001:db9::1\"\n")),
                        "t.toml:17:12: port[1].gateway6: ", "not inside the port's subnet 2001:db8::/64"));
  EXPECT_TRUE(has_error(load_with_base(port_keys("address6 = \"2001:db8::2/64\"\ngateway6 = \"2001:db8::2\"\n")),
                        "t.toml:17:12: port[1].gateway6: ", "own address"));
  EXPECT_TRUE(has_error(
      load_with_base(port_keys("[[neighbour]]\naddress = \"2001:db8::21\"\nmac = \"02:00:5e:00:00:21\"\nport = \"p1\"\n")),
      "t.toml:17:11: neighbour[0].address: ", "has no address6"));
  EXPECT_TRUE(has_error(load_with_base(port_keys("address6 = \"2001:db8::2/64\"\n[[neighbour]]\naddress = "
                                                 "\"2001:db9::21\"\nmac = \"02:00:5e:00:00:21\"\nport = \"p1\"\n")),
                        "t.toml:18:11: neighbour[0].address: ", "not inside port \"p1\"'s subnet"));
}

}  // namespace
}  // namespace sipedge::config
