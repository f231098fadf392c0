#include "config/address.h"

#include <gtest/gtest.h>

namespace sipedge::config {
namespace {

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

TEST(Ipv4, ParsesDottedQuadInHostOrder) {
  EXPECT_EQ(ok(parse_ipv4("198.51.100.1")), 0xC6336401u);
  EXPECT_EQ(ok(parse_ipv4("0.0.0.0")), 0u);
  EXPECT_EQ(ok(parse_ipv4("255.255.255.255")), 0xFFFFFFFFu);
}

TEST(Ipv4, RefusesMalformed) {
  for (const char* text : {"", "1.2.3", "1.2.3.4.5", "1.2.3.256", "01.2.3.4", "1.2.3.4 ", " 1.2.3.4", "1..3.4",
                           "1.2.3.", "a.b.c.d", "1.2.3.4/32", "1.2.3.4:5060", "-1.2.3.4", "1.2.3.0004"})
    EXPECT_NE(refused(parse_ipv4(text)).find("is not an IPv4 address"), std::string::npos) << text;
}

TEST(Ipv4, RefusesIpv6WithItsOwnMessage) {
  EXPECT_EQ(refused(parse_ipv4("2001:db8::1")), "\"2001:db8::1\": IPv6 not supported yet");
  EXPECT_NE(refused(parse_ipv4("[::1]")).find("IPv6 not supported yet"), std::string::npos);
  EXPECT_NE(refused(parse_ipv4_prefix("2001:db8::/32")).find("IPv6 not supported yet"), std::string::npos);
}

TEST(Ipv4Prefix, ParsesAndMatches) {
  const auto prefix = ok(parse_ipv4_prefix("198.51.100.0/24"));
  EXPECT_EQ(prefix.address, 0xC6336400u);
  EXPECT_EQ(prefix.length, 24);
  EXPECT_EQ(prefix.mask(), 0xFFFFFF00u);
  EXPECT_TRUE(prefix.contains(0xC63364FFu));
  EXPECT_FALSE(prefix.contains(0xC6336500u));
  const auto any = ok(parse_ipv4_prefix("0.0.0.0/0"));
  EXPECT_EQ(any.mask(), 0u);
  EXPECT_TRUE(any.contains(0x01020304u));
}

TEST(Ipv4Prefix, BareAddressIsAHostRoute) {
  const auto prefix = ok(parse_ipv4_prefix("203.0.113.7"));
  EXPECT_EQ(prefix.length, 32);
  EXPECT_TRUE(prefix.contains(0xCB007107u));
  EXPECT_FALSE(prefix.contains(0xCB007106u));
}

TEST(Ipv4Prefix, RefusesHostBitsNamingTheNetwork) {
  EXPECT_EQ(refused(parse_ipv4_prefix("198.51.100.1/24")),
            "\"198.51.100.1/24\" has host bits set (the network is 198.51.100.0/24)");
}

TEST(Ipv4Prefix, RefusesBadLength) {
  for (const char* text : {"10.0.0.0/33", "10.0.0.0/", "10.0.0.0/08", "10.0.0.0/x", "10.0.0.0/-1", "/8"})
    EXPECT_NE(refused(parse_ipv4_prefix(text)).find("is not an IPv4 prefix"), std::string::npos) << text;
}

TEST(Ipv4Interface, KeepsHostAndSubnet) {
  const auto interface = ok(parse_ipv4_interface("203.0.113.10/24"));
  EXPECT_EQ(interface.address, 0xCB00710Au);
  EXPECT_EQ(interface.subnet, (Ipv4Prefix{0xCB007100u, 24}));
}

TEST(Ipv4Interface, RefusesNetworkAndBroadcastButNotOnPointToPoint) {
  EXPECT_NE(refused(parse_ipv4_interface("203.0.113.0/24")).find("network address"), std::string::npos);
  EXPECT_NE(refused(parse_ipv4_interface("203.0.113.255/24")).find("broadcast address"), std::string::npos);
  EXPECT_EQ(ok(parse_ipv4_interface("203.0.113.0/31")).address, 0xCB007100u);
  EXPECT_EQ(ok(parse_ipv4_interface("203.0.113.9/32")).subnet.length, 32);
}

TEST(Ipv4Interface, RequiresALength) {
  EXPECT_NE(refused(parse_ipv4_interface("203.0.113.10")).find("a.b.c.d/1..32"), std::string::npos);
  EXPECT_NE(refused(parse_ipv4_interface("203.0.113.10/0")).find("a.b.c.d/1..32"), std::string::npos);
}

TEST(Endpoint, ParsesAddressAndPort) {
  EXPECT_EQ(ok(parse_ipv4_endpoint("127.0.0.1:9090")), (Ipv4Endpoint{0x7F000001u, 9090}));
  for (const char* text : {"127.0.0.1", "127.0.0.1:", "127.0.0.1:0", "127.0.0.1:65536", "localhost:80", ":80"})
    EXPECT_NE(refused(parse_ipv4_endpoint(text)).find("is not an IPv4 address and port"), std::string::npos) << text;
}

TEST(HostPort, AcceptsNamesAndAddresses) {
  EXPECT_EQ(ok(parse_host_port("redis.example.net:6379")), (HostPort{"redis.example.net", 6379}));
  EXPECT_EQ(ok(parse_host_port("198.51.100.5:26379")), (HostPort{"198.51.100.5", 26379}));
  for (const char* text : {"redis", "redis:", "1.2.3.999:6379", "bad_name:1", "-x:1", "host:99999"})
    EXPECT_NE(refused(parse_host_port(text)).find("is not a host and port"), std::string::npos) << text;
}

TEST(Mac, ParsesColonOrDashSeparated) {
  const MacAddress expected{0x02, 0x00, 0x5e, 0x10, 0xAB, 0xcd};
  EXPECT_EQ(ok(parse_mac("02:00:5e:10:AB:cd")), expected);
  EXPECT_EQ(ok(parse_mac("02-00-5e-10-ab-CD")), expected);
  EXPECT_EQ(format_mac(expected), "02:00:5e:10:ab:cd");
}

TEST(Mac, RefusesMalformed) {
  for (const char* text : {"", "02:00:5e:10:ab", "02:00:5e:10:ab:cd:ef", "02:00-5e:10:ab:cd", "0g:00:5e:10:ab:cd",
                           "2:00:5e:10:ab:cd0", "02.00.5e.10.ab.cd"})
    EXPECT_NE(refused(parse_mac(text)).find("is not a MAC address"), std::string::npos) << text;
}

TEST(DestinationUri, TakesHostPortAndDefaultPort) {
  EXPECT_EQ(ok(parse_destination_uri("sip:198.51.100.20:5080", 5060)), (Ipv4Endpoint{0xC6336414u, 5080}));
  EXPECT_EQ(ok(parse_destination_uri("sip:198.51.100.20", 5060)), (Ipv4Endpoint{0xC6336414u, 5060}));
  EXPECT_EQ(ok(parse_destination_uri("SIP:198.51.100.20;transport=UDP", 5060)), (Ipv4Endpoint{0xC6336414u, 5060}));
}

TEST(DestinationUri, RefusesWhatTheDataplaneCannotSendTo) {
  const std::pair<const char*, const char*> cases[] = {
      {"sips:198.51.100.20", "sips: is not supported"},
      {"http://198.51.100.20", "must be a sip: URI"},
      {"198.51.100.20:5060", "must be a sip: URI"},
      {"sip:pbx.example.net", "the host must be an IPv4 address"},
      {"sip:alice@198.51.100.20", "no user part"},
      {"sip:198.51.100.20?x=y", "no headers"},
      {"sip:198.51.100.20;transport=tcp", "only transport=udp"},
      {"sip:198.51.100.20;lr", "unsupported URI parameter \"lr\""},
      {"sip:198.51.100.20:0", "the port must be 1..65535"},
      {"sip:198.51.100.20:", "the port must be 1..65535"},
      {"sip:[2001:db8::1]:5060", "an IPv4 destination is needed here"},
  };
  for (const auto& [uri, fragment] : cases)
    EXPECT_NE(refused(parse_destination_uri(uri, 5060)).find(fragment), std::string::npos) << uri;
}

TEST(DestinationUri, Ipv6HostInBrackets) {
  const auto d = std::get<DestinationAddress>(parse_destination("sip:[2001:db8::20]:5080", 5060));
  ASSERT_TRUE(d.address6);
  EXPECT_EQ(format_ipv6(*d.address6), "2001:db8::20");
  EXPECT_EQ(d.port, 5080);
  EXPECT_EQ(std::get<DestinationAddress>(parse_destination("sip:[2001:db8::20];transport=udp", 5060)).port, 5060);
  const std::pair<const char*, const char*> cases[] = {
      {"sip:2001:db8::20", "an IPv6 host is written in brackets"},
      {"sip:[2001:db8::20", "closing ']'"},
      {"sip:[2001:db8::20]5060", "only ':port' may follow"},
      {"sip:[2001:db8::20]:0", "the port must be 1..65535"},
      {"sip:[ff02::1]", "unicast"},
      {"sip:[::1]", "unicast"},
  };
  for (const auto& [uri, fragment] : cases) {
    const auto r = parse_destination(uri, 5060);
    ASSERT_TRUE(std::holds_alternative<std::string>(r)) << uri;
    EXPECT_NE(std::get<std::string>(r).find(fragment), std::string::npos) << uri << ": " << std::get<std::string>(r);
  }
}

TEST(DnsName, FollowsLabelRules) {
  EXPECT_TRUE(is_dns_name("example.net"));
  EXPECT_TRUE(is_dns_name("a-1.b"));
  EXPECT_TRUE(is_dns_name("203.0.113.1"));
  EXPECT_FALSE(is_dns_name(""));
  EXPECT_FALSE(is_dns_name("-a.net"));
  EXPECT_FALSE(is_dns_name("a-.net"));
  EXPECT_FALSE(is_dns_name("a..net"));
  EXPECT_FALSE(is_dns_name("a.net."));
  EXPECT_FALSE(is_dns_name("a_b.net"));
  EXPECT_FALSE(is_dns_name(std::string(64, 'a')));
  EXPECT_TRUE(is_dns_name(std::string(63, 'a')));
}

TEST(Format, RoundTrips) {
  EXPECT_EQ(format_ipv4(0xC6336401u), "198.51.100.1");
  EXPECT_EQ(format_prefix(Ipv4Prefix{0xC6336400u, 24}), "198.51.100.0/24");
}

}  // namespace
}  // namespace sipedge::config
