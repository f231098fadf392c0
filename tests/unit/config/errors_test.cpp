// Refused configs: each error class reports file:line:col, the dotted key and
// the rule. Text appended to kBase starts at line 11.
#include <gtest/gtest.h>

#include "config/config.h"
#include "config_testing.h"

namespace sipedge::config {
namespace {

using testing::dump;
using testing::has_error;
using testing::kBase;
using testing::load;
using testing::load_with_base;

// Appended after kBase when a test needs a set.
constexpr std::string_view kOneSet = R"(default_set = "pool"
[[set]]
name = "pool"
id = 1
[[set.destination]]
uri = "sip:198.51.100.20"
)";  // lines 11..16

TEST(Syntax, TomlErrorIsReportedAtItsPosition) {
  const LoadResult result = load("[node]\nid = = 1\n");
  ASSERT_EQ(result.errors.size(), 1u) << dump(result);
  EXPECT_TRUE(has_error(result, "t.toml:2:6: ", "")) << dump(result);
  EXPECT_FALSE(result.config);
}

TEST(Syntax, DuplicateKeyIsASyntaxError) {
  EXPECT_TRUE(has_error(load("[node]\nid = 1\nid = 2\n"), "t.toml:3:6: ", "cannot redefine existing integer 'id'"));
}

TEST(UnknownKey, TopLevel) {
  EXPECT_TRUE(has_error(load_with_base("[nodes]\nname = \"x\"\n"), "t.toml:11:2: nodes: ", "unknown key"));
  EXPECT_TRUE(has_error(load_with_base("[sip2]\n"), "t.toml:11:2: sip2: ", "unknown key"));
}

TEST(UnknownKey, NestedWithSuggestion) {
  EXPECT_TRUE(has_error(load_with_base("max_forward = 10\n"),
                        "t.toml:11:1: sip.max_forward: ", "unknown key (did you mean \"max_forwards\"?)"));
}

TEST(UnknownKey, InsideArraysOfTables) {
  const LoadResult result = load_with_base(std::string(kOneSet) + "  wieght = 2\n");
  EXPECT_TRUE(
      has_error(result, "t.toml:17:3: set[0].destination[0].wieght: ", "unknown key (did you mean \"weight\"?)"));
}

TEST(UnknownKey, InSubTables) {
  EXPECT_TRUE(has_error(load_with_base("[sip.keepalive_answer]\ncrfl = true\n"),
                        "t.toml:12:1: sip.keepalive_answer.crfl: ", "unknown key"));
  EXPECT_TRUE(
      has_error(load_with_base("[store.redis]\nhost = \"x\"\n"), "t.toml:12:1: store.redis.host: ", "unknown key"));
}

TEST(SipTable, ProxyRequireSupportedHoldsOptionTags) {
  const LoadResult ok = load_with_base("proxy_require_supported = [\"Sec-Agree\", \"x.y\"]\n");
  ASSERT_TRUE(ok.config) << dump(ok);
  EXPECT_EQ(ok.config->sip.proxy_require_supported, (std::vector<std::string>{"sec-agree", "x.y"}));
  EXPECT_TRUE(has_error(load_with_base("proxy_require_supported = [\"sec agree\"]\n"),
                        "t.toml:11:28: sip.proxy_require_supported[0]: ",
                        "\"sec agree\" is not a SIP option tag (RFC 3261 token)"));
  EXPECT_TRUE(has_error(load_with_base("proxy_require_supported = [\"\"]\n"), "t.toml:11:28: ", "is not a SIP option tag"));
  EXPECT_TRUE(has_error(load_with_base("proxy_require_supported = [\"a\", \"A\"]\n"), "t.toml:11:33: ", "option tag"));
}

TEST(WrongType, NamesExpectedAndActual) {
  EXPECT_TRUE(has_error(load_with_base("record_route = \"yes\"\n"),
                        "t.toml:11:16: sip.record_route: ", "must be a boolean (true or false), got a string"));
  EXPECT_TRUE(has_error(load_with_base("max_forwards = 7.5\n"),
                        "t.toml:11:16: sip.max_forwards: ", "must be an integer 1..255, got a float"));
  EXPECT_TRUE(has_error(load_with_base("vips2 = 1\n[[port]]\nname = 5\n"),
                        "t.toml:13:8: port[1].name: ", "must be a string, got an integer"));
  EXPECT_TRUE(has_error(load_with_base("inside_prefixes = \"198.51.100.0/24\"\n"),
                        "t.toml:11:19: sip.inside_prefixes: ", "must be an array, got a string"));
}

TEST(WrongType, SectionThatIsNotATable) {
  const LoadResult result = load("node = 1\n[dataplane]\nworker_lcores = [1]\n");
  EXPECT_TRUE(has_error(result, "t.toml:1:8: node: ", "must be a table, got an integer"));
}

TEST(WrongType, ArrayOfTablesWrittenAsATable) {
  const LoadResult result = load_with_base("[set]\nname = \"x\"\n");
  EXPECT_TRUE(has_error(result, "t.toml:11:", "set: must be an array of tables ([[set]]), got a table"));
}

TEST(WrongType, NestedArrayOfTablesHeaderHasNoIndices) {
  const LoadResult result = load_with_base("[[set]]\nname = \"s\"\nid = 1\ndestination = \"sip:198.51.100.2\"\n");
  EXPECT_TRUE(has_error(
      result, "t.toml:14:15: set[0].destination: ", "must be an array of tables ([[set.destination]]), got a string"));
}

TEST(BadIpv4, InVipsAndNeighbours) {
  EXPECT_TRUE(has_error(load("[sip]\nvips = [\"203.0.113.1\", \"203.0.113.300\"]\n"),
                        "t.toml:2:24: sip.vips[1]: ", "\"203.0.113.300\" is not an IPv4 address"));
  EXPECT_TRUE(
      has_error(load_with_base("[[neighbour]]\naddress = \"203.0.113\"\nmac = \"02:00:00:00:00:01\"\nport = \"p0\"\n"),
                "t.toml:12:11: neighbour[0].address: ", "is not an IPv4 address"));
}

TEST(BadIpv6, Ipv6OnlyVipsAreRefusedClearly) {
  EXPECT_TRUE(has_error(load("[sip]\nvips = [\"2001:db8::1\"]\n"), "t.toml:2:8: sip.vips: ",
                        "needs an IPv4 VIP as well: IPv6-only VIPs are not supported yet"));
}

TEST(BadIpv6, InVipsPrefixesAndDestinations) {
  EXPECT_TRUE(has_error(load("[sip]\nvips = [\"203.0.113.1\", \"2001:db8::zz\"]\n"), "t.toml:2:24: sip.vips[1]: ",
                        "is not an IPv6 address"));
  EXPECT_TRUE(has_error(load("[sip]\nvips = [\"203.0.113.1\", \"ff02::1\"]\n"), "t.toml:2:24: sip.vips[1]: ",
                        "is not a unicast address"));
  EXPECT_TRUE(has_error(load("[sip]\nvips = [\"203.0.113.1\", \"2001:db8::1\", \"2001:db8:0::1\"]\n"),
                        "t.toml:2:39: sip.vips[2]: ", "duplicate VIP \"2001:db8::1\""));
  EXPECT_TRUE(has_error(load_with_base("inside_prefixes = [\"2001:db8::1/64\"]\n"), "t.toml:11:20: sip.inside_prefixes[0]: ",
                        "host bits"));
  const std::string set = "default_set = \"pool\"\n[[set]]\nname = \"pool\"\nid = 1\n[[set.destination]]\nuri = ";
  EXPECT_TRUE(has_error(load_with_base(set + "\"sip:2001:db8::20\"\n"), "t.toml:16:7: set[0].destination[0].uri: ",
                        "an IPv6 host is written in brackets"));
  EXPECT_TRUE(has_error(load_with_base(set + "\"sip:[2001:db8::20\"\n"), "t.toml:16:7: set[0].destination[0].uri: ",
                        "closing ']'"));
  EXPECT_TRUE(has_error(load_with_base(set + "\"sip:[2001:db8::2x]:5060\"\n"), "t.toml:16:7: set[0].destination[0].uri: ",
                        "is not an IPv6 address"));
  EXPECT_TRUE(has_error(
      load_with_base(set + "\"sip:[2001:db8::20]\"\n[[set.destination]]\nuri = \"sip:[2001:db8:0::20]:5060\"\n"),
      "t.toml:18:7: set[0].destination[1].uri: ", "[2001:db8::20]:5060 is already set[0].destination[0]"));
}

TEST(BadIpv6, V6DestinationNeedsAV6AddressToSendFrom) {
  const std::string set = "default_set = \"pool\"\n[[set]]\nname = \"pool\"\nid = 1\n[[set.destination]]\nuri = ";
  EXPECT_TRUE(has_error(load_with_base(set + "\"sip:[2001:db8::20]\"\n"), "t.toml:16:7: set[0].destination[0].uri: ",
                        "an IPv6 destination needs an IPv6 address to send from"));
  // With an IPv6 VIP it loads.
  std::string base(kBase);
  base.replace(base.find("vips = [\"203.0.113.1\"]"), 22, "vips = [\"203.0.113.1\", \"2001:db8::1\"]");
  const LoadResult ok = load(base + set + "\"sip:[2001:db8::20]\"\n");
  EXPECT_TRUE(ok.ok()) << dump(ok);
}

TEST(BadIpv6, WhatIsNotBuiltYetIsRefused) {
  // NAT rules and CPS prefix rules are IPv4 tables (rte_lpm) for now.
  EXPECT_TRUE(has_error(load_with_base("[[nat.rule]]\nprefix = \"2001:db8::/32\"\naction = \"never\"\n"),
                        "t.toml:12:10: nat.rule[0].prefix: ", "IPv6 not supported yet"));
}

TEST(BadIpv4, VipMustBeUnicast) {
  EXPECT_TRUE(
      has_error(load("[sip]\nvips = [\"224.0.0.1\"]\n"), "t.toml:2:9: sip.vips[0]: ", "is not a unicast address"));
}

TEST(BadPrefix, LengthOutOfRange) {
  EXPECT_TRUE(has_error(load_with_base("inside_prefixes = [\"198.51.100.0/33\"]\n"),
                        "t.toml:11:20: sip.inside_prefixes[0]: ", "is not an IPv4 prefix"));
}

TEST(BadPrefix, HostBitsSet) {
  EXPECT_TRUE(has_error(load_with_base("inside_prefixes = [\"198.51.100.1/24\"]\n"),
                        "t.toml:11:20: sip.inside_prefixes[0]: ",
                        "\"198.51.100.1/24\" has host bits set (the network is 198.51.100.0/24)"));
  EXPECT_TRUE(has_error(load_with_base("[[cps.rule]]\nprefix = \"10.1.2.3/8\"\nexempt = true\n"),
                        "t.toml:12:10: cps.rule[0].prefix: ", "has host bits set"));
}

TEST(BadPrefix, PortAddressMustBeAHost) {
  EXPECT_TRUE(has_error(load("[[port]]\naddress = \"203.0.113.0/24\"\n"),
                        "t.toml:2:11: port[0].address: ", "is the subnet's network address"));
}

TEST(BadValue, ExceptionInterfaceName) {
  EXPECT_TRUE(has_error(load("[[port]]\nexception = \"\"\n"), "t.toml:2:13: port[0].exception: ",
                        "must be an interface name of 1..15 bytes"));
  EXPECT_TRUE(has_error(load("[[port]]\nexception = \"sipedge-exception0\"\n"), "t.toml:2:13: port[0].exception: ",
                        "1..15 bytes, got \"sipedge-exception0\""));
  for (const char* bad : {"a/b", "a:1", "a b", ".."})
    EXPECT_TRUE(has_error(load(std::string("[[port]]\nexception = \"") + bad + "\"\n"),
                          "t.toml:2:13: port[0].exception: ", "interface name"))
        << bad;
  EXPECT_TRUE(has_error(load("[[port]]\nexception = 7\n"), "t.toml:2:13: port[0].exception: ", "must be a string"));
  EXPECT_TRUE(has_error(load_with_base("[[port]]\nexception = \"se0\"\n[[port]]\nexception = \"se0\"\n"),
                        "t.toml:14:13: port[2].exception: ", "duplicate exception interface \"se0\" (first at line 12)"));
}

TEST(BadValue, ExceptionInterfaceOnAVipAddress) {
  EXPECT_TRUE(has_error(load("[[port]]\naddress = \"203.0.113.1/24\"\nexception = \"se0\"\n[sip]\nvips = [\"203.0.113.1\"]\n"),
                        "t.toml:3:13: port[0].exception: ", "the port's address 203.0.113.1 is a VIP"));
}

TEST(OutOfRange, ExceptionRate) {
  EXPECT_TRUE(has_error(load("[dataplane]\nexception_pps = 0\n"), "t.toml:2:17: dataplane.exception_pps: ",
                        "must be an integer 1..10000000, got 0"));
}

TEST(OutOfRange, IntegersNameTheirRange) {
  const LoadResult result = load_with_base(std::string(kOneSet) + "weight = 0\npriority = 256\n");
  EXPECT_TRUE(has_error(result, "t.toml:17:10: set[0].destination[0].weight: ", "must be an integer 1..65535, got 0"));
  EXPECT_TRUE(
      has_error(result, "t.toml:18:12: set[0].destination[0].priority: ", "must be an integer 0..255, got 256"));
  EXPECT_TRUE(has_error(load("[node]\nid = 0\n"), "t.toml:2:6: node.id: ", "must be an integer 1..255, got 0"));
  EXPECT_TRUE(has_error(load_with_base("[[port]]\nmtu = 9001\n"), "t.toml:12:7: port[1].mtu: ", "576..9000, got 9001"));
}

TEST(OutOfRange, PowerOfTwoAndPrime) {
  EXPECT_TRUE(has_error(load("[dataplane]\npunt_ring_size = 1000\n"),
                        "t.toml:2:18: dataplane.punt_ring_size: ", "must be a power of two 64..1048576, got 1000"));
  EXPECT_TRUE(has_error(load_with_base(std::string(kOneSet) + "[[set]]\ntable_size = 65536\n"),
                        "t.toml:18:14: set[1].table_size: ", "must be a prime number"));
}

TEST(OutOfRange, MempoolCacheTooLargeForThePool) {
  EXPECT_TRUE(has_error(load("[dataplane]\nmbufs = 600\nmbuf_cache = 401\n"), "t.toml:3:14: dataplane.mbuf_cache: ",
                        "must be at most mbufs / 1.5 (400 for mbufs = 600), got 401"));
  EXPECT_FALSE(
      has_error(load("[dataplane]\nmbufs = 600\nmbuf_cache = 400\n"), "t.toml:3:14: dataplane.mbuf_cache: ", ""));
}

TEST(OutOfRange, DependentLimits) {
  EXPECT_TRUE(has_error(load_with_base("max_message_bytes = 1024\nmax_line_bytes = 2048\n"),
                        "t.toml:12:18: sip.max_line_bytes: ", "must not exceed max_message_bytes (1024)"));
  EXPECT_TRUE(has_error(load_with_base("[probe]\ninterval = 2\ntimeout_ms = 2000\n"),
                        "t.toml:13:14: probe.timeout_ms: ", "must be shorter than the interval (2 s)"));
  EXPECT_TRUE(
      has_error(load_with_base("[registrar]\ndefault_expires = 30\n"),
                "t.toml:12:19: registrar.default_expires: ", "must be within min_expires..max_expires (60..3600)"));
}

TEST(BadEnum, ListsTheChoices) {
  EXPECT_TRUE(has_error(load_with_base("relay_reject = \"404\"\n"),
                        "t.toml:11:16: sip.relay_reject: ", "must be one of \"403\", \"drop\", got \"404\""));
  EXPECT_TRUE(has_error(load_with_base("[[set]]\nalgorithm = \"hash-callid2\"\n"),
                        "t.toml:12:13: set[0].algorithm: ", "must be one of \"hash-callid\", \"hash-from\""));
  EXPECT_TRUE(has_error(load_with_base("[keepalive]\nmethod = \"ping\"\n"),
                        "t.toml:12:10: keepalive.method: ", "\"options\", \"crlf\", \"null\", \"off\""));
}

TEST(BadEnum, NatTestNames) {
  EXPECT_TRUE(has_error(load_with_base("[nat]\ntests = [\"via-port\", \"via-prot\"]\n"),
                        "t.toml:12:22: nat.tests[1]: ", "unknown NAT test \"via-prot\""));
  EXPECT_TRUE(has_error(load_with_base("[nat]\ntests = [\"via-port\", \"via-port\"]\n"),
                        "t.toml:12:22: nat.tests[1]: ", "listed twice"));
}

TEST(BadEnum, CpsMethods) {
  EXPECT_TRUE(has_error(load_with_base("[cps]\nmethods = [\"invite\"]\n"),
                        "t.toml:12:12: cps.methods[0]: ", "\"invite\" is not a SIP method"));
  EXPECT_TRUE(has_error(load_with_base("[cps]\nmethods = [\"INVITE\", \"ACK\"]\n"),
                        "t.toml:12:22: cps.methods[1]: ", "cannot be limited"));
}

TEST(BadValue, DeviceMacAndUri) {
  EXPECT_TRUE(has_error(load("[[port]]\ndevice = \"eth0\"\n"),
                        "t.toml:2:10: port[0].device: ", "\"eth0\" is neither a PCI address"));
  EXPECT_TRUE(has_error(load("[[port]]\ndevice = \"net_pcap0,rx_pcap\"\n"),
                        "t.toml:2:10: port[0].device: ", "is neither a PCI address"));
  EXPECT_TRUE(has_error(load("[[port]]\nmac = \"01:00:5e:00:00:01\"\n"),
                        "t.toml:2:7: port[0].mac: ", "01:00:5e:00:00:01 is a multicast address"));
  EXPECT_TRUE(has_error(load("[[set]]\n[[set.destination]]\nuri = \"sip:pbx.example.net\"\n"),
                        "t.toml:3:7: set[0].destination[0].uri: ", "the host must be an IPv4 address"));
  EXPECT_TRUE(has_error(load("[eal]\nargs = [\"-l\", \"0-3\"]\n"),
                        "t.toml:2:9: eal.args[0]: ", "lcores come from eal.main_lcore and dataplane.worker_lcores"));
}

TEST(Unresolved, SetReferences) {
  EXPECT_TRUE(has_error(load_with_base(std::string(kOneSet) + "[[route]]\nset = \"poool\"\ndomain = \"a.example\"\n"),
                        "t.toml:18:7: route[0].set: ", "no [[set]] named \"poool\""));
  EXPECT_TRUE(has_error(load_with_base("default_set = \"none\"\n"),
                        "t.toml:11:15: sip.default_set: ", "no [[set]] named \"none\""));
  EXPECT_TRUE(has_error(load_with_base(std::string(kOneSet) + "[registrar]\nmode = \"proxy\"\nset = \"regs\"\n"),
                        "t.toml:19:7: registrar.set: ", "no [[set]] named \"regs\""));
}

TEST(Unresolved, NeighbourPortAndSubnet) {
  EXPECT_TRUE(has_error(
      load_with_base("[[neighbour]]\naddress = \"203.0.113.5\"\nmac = \"02:00:00:00:00:05\"\nport = \"p9\"\n"),
      "t.toml:14:8: neighbour[0].port: ", "no [[port]] named \"p9\""));
  EXPECT_TRUE(has_error(
      load_with_base("[[neighbour]]\naddress = \"198.51.100.5\"\nmac = \"02:00:00:00:00:05\"\nport = \"p0\"\n"),
      "t.toml:12:11: neighbour[0].address: ", "198.51.100.5 is not inside port \"p0\"'s subnet 203.0.113.0/24"));
}

TEST(Duplicates, NamesIdsLcoresAndDestinations) {
  EXPECT_TRUE(has_error(load_with_base("[[port]]\nname = \"p0\"\n"),
                        "t.toml:12:8: port[1].name: ", "duplicate port name \"p0\" (first at line 6)"));
  EXPECT_TRUE(has_error(load_with_base("[[port]]\ndevice = \"net_null0\"\n"),
                        "t.toml:12:10: port[1].device: ", "duplicate device \"net_null0\" (first at line 7)"));
  const std::string two_sets = std::string(kOneSet) + "[[set]]\nname = \"pool\"\nid = 1\n";
  EXPECT_TRUE(has_error(load_with_base(two_sets),
                        "t.toml:18:8: set[1].name: ", "duplicate set name \"pool\" (first at line 13)"));
  EXPECT_TRUE(has_error(load_with_base(two_sets), "t.toml:19:6: set[1].id: ", "duplicate set id 1 (first at line 14)"));
  EXPECT_TRUE(
      has_error(load_with_base(std::string(kOneSet) + "[[set.destination]]\nuri = \"sip:198.51.100.20:5060\"\n"),
                "t.toml:18:7: set[0].destination[1].uri: ", "198.51.100.20:5060 is already set[0].destination[0]"));
  EXPECT_TRUE(has_error(load("[dataplane]\nworker_lcores = [1, 2, 1]\n"),
                        "t.toml:2:24: dataplane.worker_lcores[2]: ", "lcore 1 is listed twice"));
  EXPECT_TRUE(has_error(load("[dataplane]\nworker_lcores = [0]\n"),
                        "t.toml:2:18: dataplane.worker_lcores[0]: ", "lcore 0 is eal.main_lcore"));
}

TEST(Missing, RequiredKeysAtTheirTable) {
  const LoadResult result = load("[node]\nname = \"x\"\n[[port]]\nname = \"p0\"\n");
  EXPECT_TRUE(has_error(result, "t.toml:1:1: node.id: ", "is required"));
  EXPECT_TRUE(has_error(result, "t.toml:3:1: port[0].device: ", "is required"));
  EXPECT_TRUE(has_error(result, "t.toml:3:1: port[0].address: ", "is required"));
  EXPECT_TRUE(has_error(result, "t.toml:1:1: dataplane.worker_lcores: ", "is required"));
  EXPECT_TRUE(has_error(result, "t.toml:1:1: sip.vips: ", "is required"));
}

TEST(Missing, AtLeastOnePortAndVip) {
  EXPECT_TRUE(has_error(load("[node]\nid = 1\n"), "t.toml:1:1: port: ", "at least one [[port]] is required"));
  EXPECT_TRUE(has_error(load("[sip]\nvips = []\n"), "t.toml:2:8: sip.vips: ", "must list at least one address"));
  EXPECT_TRUE(has_error(load_with_base("ports = []\n"), "t.toml:11:9: sip.ports: ", "must list at least one UDP port"));
}

TEST(Missing, DefaultSetWhenSetsExist) {
  const std::string sets_without_default(kOneSet.substr(kOneSet.find('\n') + 1));
  EXPECT_TRUE(has_error(load_with_base(sets_without_default),
                        "t.toml:9:1: sip.default_set: ", "is required when [[set]] exists"));
}

TEST(Missing, SetNeedsDestinations) {
  EXPECT_TRUE(has_error(load_with_base("[[set]]\nname = \"s\"\nid = 1\n"),
                        "t.toml:11:1: set[0].destination: ", "at least one [[set.destination]] is required"));
}

TEST(Missing, ProxyRegistrarNeedsASet) {
  EXPECT_TRUE(has_error(load_with_base("[registrar]\nmode = \"proxy\"\n"),
                        "t.toml:11:1: registrar.set: ", "is required when mode = \"proxy\""));
  EXPECT_TRUE(has_error(load_with_base(std::string(kOneSet) + "[registrar]\nset = \"pool\"\n"),
                        "t.toml:18:7: registrar.set: ", "is only used with mode = \"proxy\""));
}

TEST(Exclusive, RuleActions) {
  EXPECT_TRUE(has_error(load_with_base("[[cps.rule]]\nprefix = \"10.0.0.0/8\"\ncps = 5\nexempt = true\n"),
                        "t.toml:11:1: cps.rule[0]: ", "give either cps or exempt = true, not both"));
  EXPECT_TRUE(has_error(load_with_base("[[cps.rule]]\nprefix = \"10.0.0.0/8\"\n"),
                        "t.toml:11:1: cps.rule[0]: ", "needs cps = N or exempt = true"));
  EXPECT_TRUE(
      has_error(load_with_base("[[nat.rule]]\nprefix = \"10.0.0.0/8\"\nforce = true\nnever = true\n"),
                "t.toml:11:1: nat.rule[0]: ", "needs exactly one of tests = [...], force = true, never = true"));
  EXPECT_TRUE(has_error(load_with_base("[[route]]\nset = \"x\"\n"),
                        "t.toml:11:1: route[0]: ", "needs at least one of domain, user_prefix, source"));
}

TEST(CrossSection, ClusterNeedsRedis) {
  EXPECT_TRUE(has_error(load_with_base("[cluster]\nmode = \"cluster\"\n"),
                        "t.toml:12:8: cluster.mode: ", "needs store.backend = \"redis\""));
  EXPECT_TRUE(has_error(load_with_base("[cluster]\nshare_with = [\"edge-2\"]\n"),
                        "t.toml:12:14: cluster.share_with: ", "is only used with mode = \"array\""));
}

TEST(CrossSection, PortsMustCoverBothSides) {
  const LoadResult outside_only = load(R"([node]
id = 1
[dataplane]
worker_lcores = [1]
[[port]]
name = "p0"
device = "net_null0"
address = "203.0.113.10/24"
role = "outside"
[sip]
vips = ["203.0.113.1"]
)");
  EXPECT_TRUE(has_error(outside_only, "t.toml:5:1: port: ", "no port has role = \"inside\" or \"both\""));
}

TEST(Multiple, AllErrorsAreReportedInFileOrder) {
  // The unknown top-level key is found last (when the root is finished) but
  // is reported first, at its line.
  const LoadResult result = load(R"(title = "edge"
[node]
id = 0
colour = "blue"
[dataplane]
worker_lcores = [1]
[[port]]
name = "p0"
device = "net_null0"
address = "203.0.113.10/33"
mtu = 100
[sip]
vips = ["203.0.113.1"]
relay_reject = "maybe"
)");
  ASSERT_FALSE(result.config);
  ASSERT_EQ(result.errors.size(), 6u) << dump(result);
  EXPECT_EQ(result.errors[0].to_string(), "t.toml:1:1: title: unknown key");
  EXPECT_EQ(result.errors[1].to_string(), "t.toml:3:6: node.id: must be an integer 1..255, got 0");
  EXPECT_EQ(result.errors[2].to_string(), "t.toml:4:1: node.colour: unknown key");
  EXPECT_EQ(result.errors[3].to_string(),
            "t.toml:10:11: port[0].address: \"203.0.113.10/33\" is not an interface address (a.b.c.d/1..32)");
  EXPECT_EQ(result.errors[4].to_string(), "t.toml:11:7: port[0].mtu: must be an integer 576..9000, got 100");
  EXPECT_EQ(result.errors[5].to_string(),
            "t.toml:14:16: sip.relay_reject: must be one of \"403\", \"drop\", got \"maybe\"");
}

TEST(Multiple, ErrorsCarryTheFileName) {
  const LoadResult result = load_string("[node]\nid = 0\n", "conf/x.toml");
  ASSERT_FALSE(result.errors.empty());
  for (const auto& error : result.errors) EXPECT_EQ(error.file, "conf/x.toml");
  EXPECT_TRUE(has_error(result, "conf/x.toml:2:6: node.id: ", "must be an integer 1..255"));
}

struct RuleCase {
  const char* extra;     // appended to kBase (line 11 on)
  const char* where;     // "t.toml:line:col: path: "
  const char* fragment;  // part of the rule's message
};

// The remaining checks, one case each, all on top of the minimal config.
constexpr RuleCase kRuleCases[] = {
    {"[[port]]\ngateway = \"10.0.0.1\"\naddress = \"198.51.100.10/24\"\n",
     "t.toml:12:11: port[1].gateway: ", "10.0.0.1 is not inside the port's subnet 198.51.100.0/24"},
    {"[[port]]\naddress = \"198.51.100.10/24\"\ngateway = \"198.51.100.10\"\n",
     "t.toml:13:11: port[1].gateway: ", "is the port's own address"},
    {"[[port]]\naddress = \"203.0.113.10/24\"\n",
     "t.toml:12:11: port[1].address: ", "duplicate port address \"203.0.113.10\" (first at line 8)"},
    {"[[port]]\nmac = \"00:00:00:00:00:00\"\n", "t.toml:12:7: port[1].mac: ", "all zeros"},
    {"[[port]]\nmac = \"02:00:00:00:00\"\n", "t.toml:12:7: port[1].mac: ", "is not a MAC address"},
    {"[[port]]\nrx_desc = 16\n", "t.toml:12:11: port[1].rx_desc: ", "must be an integer 32..16384, got 16"},
    {"[[port]]\nname = \"bad name\"\n", "t.toml:12:8: port[1].name: ", "must be 1..63 letters, digits"},
    {"[[neighbour]]\naddress = \"203.0.113.10\"\nmac = \"02:00:00:00:00:05\"\nport = \"p0\"\n",
     "t.toml:12:11: neighbour[0].address: ", "is port \"p0\"'s own address"},
    {"[[neighbour]]\naddress = \"203.0.113.5\"\nmac = \"02:00:00:00:00:05\"\nport = \"p0\"\n"
     "[[neighbour]]\naddress = \"203.0.113.5\"\nmac = \"02:00:00:00:00:06\"\nport = \"p0\"\n",
     "t.toml:16:11: neighbour[1].address: ", "duplicate neighbour \"p0 203.0.113.5\" (first at line 12)"},
    {"ports = [5060, 5060]\n", "t.toml:11:16: sip.ports[1]: ", "port 5060 is listed twice"},
    {"ports = [0]\n", "t.toml:11:10: sip.ports[0]: ", "must be an integer 1..65535, got 0"},
    {"inside_prefixes = [\"10.0.0.0/8\", \"10.0.0.0/8\"]\n",
     "t.toml:11:34: sip.inside_prefixes[1]: ", "duplicate prefix \"10.0.0.0/8\""},
    {"max_line_bytes = 512\nmax_uri_bytes = 1024\n",
     "t.toml:12:17: sip.max_uri_bytes: ", "must not exceed max_line_bytes (512)"},
    {"[eal]\nmain_lcore = 128\n", "t.toml:12:14: eal.main_lcore: ", "must be an integer 0..127, got 128"},
    {"[eal]\nargs = [\"--lcores=1-3\"]\n", "t.toml:12:9: eal.args[0]: ", "lcores come from"},
    {"[eal]\nargs = [\"\"]\n", "t.toml:12:9: eal.args[0]: ", "must not be empty"},
    {"[[set]]\nname = \"s\"\nid = 1\ntable_size = 7\n[[set.destination]]\nuri = \"sip:198.51.100.1\"\n"
     "[[set.destination]]\nuri = \"sip:198.51.100.2\"\n[[set.destination]]\nuri = \"sip:198.51.100.3\"\n"
     "[[set.destination]]\nuri = \"sip:198.51.100.4\"\n[[set.destination]]\nuri = \"sip:198.51.100.5\"\n"
     "[[set.destination]]\nuri = \"sip:198.51.100.6\"\n[[set.destination]]\nuri = \"sip:198.51.100.7\"\n",
     "t.toml:14:14: set[0].table_size: ", "must be larger than the number of destinations (7)"},
    {"[[set]]\nid = 70000\n", "t.toml:12:6: set[0].id: ", "must be an integer 1..65535, got 70000"},
    {"[[set]]\n[[set.destination]]\nuri = \"sip:198.51.100.1\"\nenabled = 1\n",
     "t.toml:14:11: set[0].destination[0].enabled: ", "must be a boolean"},
    {"[[route]]\nset = \"x\"\ndomain = \"bad domain\"\n",
     "t.toml:13:10: route[0].domain: ", "\"bad domain\" is not a domain name or IPv4 address"},
    {"[[route]]\nset = \"x\"\nuser_prefix = \"a@b\"\n",
     "t.toml:13:15: route[0].user_prefix: ", "\"a@b\" is not a SIP URI user part"},
    {"[[route]]\nset = \"x\"\nsource = \"10.0.0.1/8\"\n", "t.toml:13:10: route[0].source: ", "has host bits set"},
    {"[cps]\nmethods = [\"INVITE\", \"INVITE\"]\n", "t.toml:12:22: cps.methods[1]: ", "\"INVITE\" is listed twice"},
    {"[cps]\nburst = 0\n", "t.toml:12:9: cps.burst: ", "must be an integer 1..60, got 0"},
    {"[cps]\nbreach_action = \"reject\"\n",
     "t.toml:12:17: cps.breach_action: ", "must be one of \"reply503\", \"drop\", got \"reject\""},
    {"[[cps.rule]]\nprefix = \"10.0.0.0/8\"\nexempt = true\n[[cps.rule]]\nprefix = \"10.0.0.0/8\"\ncps = 5\n",
     "t.toml:15:10: cps.rule[1].prefix: ", "duplicate prefix \"10.0.0.0/8\" (first at line 12)"},
    {"[[cps.rule]]\nprefix = \"10.0.0.0/8\"\ncps = 0\n",
     "t.toml:13:7: cps.rule[0].cps: ", "must be an integer 1..10000000, got 0"},
    {"[[nat.rule]]\nprefix = \"10.0.0.0/8\"\ntests = []\n",
     "t.toml:13:9: nat.rule[0].tests: ", "must list at least one test"},
    {"[[nat.rule]]\nprefix = \"10.0.0.0/8\"\nforce = false\n",
     "t.toml:11:1: nat.rule[0]: ", "needs exactly one of tests = [...], force = true, never = true"},
    {"[keepalive]\ninterval = 4\n", "t.toml:12:12: keepalive.interval: ", "must be an integer 5..3600, got 4"},
    {"[keepalive]\nfrom_user = \"a b\"\n", "t.toml:12:13: keepalive.from_user: ", "is not a SIP URI user part"},
    {"[probe]\nmethod = \"INVITE\"\n", "t.toml:12:10: probe.method: ", "must be one of \"OPTIONS\", \"INFO\""},
    {"[registrar]\nmin_expires = 4000\n",
     "t.toml:12:15: registrar.min_expires: ", "must not exceed max_expires (3600)"},
    {"[registrar]\nauth = true\n",
     "t.toml:11:1: registrar.realm: ", "is required when auth = true and no domains are listed"},
    {"[registrar]\nrealm = \"a\\\"b\"\n", "t.toml:12:9: registrar.realm: ", "must not contain quotes"},
    {"[registrar]\ndomains = [\"example.net\", \"EXAMPLE.net\"]\n",
     "t.toml:12:27: registrar.domains[1]: ", "duplicate domain \"example.net\""},
    {"[registrar]\nmode = \"remote\"\n", "t.toml:12:8: registrar.mode: ", "must be one of \"local\", \"proxy\""},
    {"[store]\nbackend = \"mysql\"\n", "t.toml:12:11: store.backend: ", "must be one of \"sqlite\", \"redis\""},
    {"[store.sqlite]\npath = \"\"\n", "t.toml:12:8: store.sqlite.path: ", "must not be empty"},
    {"[store.redis]\naddress = \"redis\"\n", "t.toml:12:11: store.redis.address: ", "is not a host and port"},
    {"[store.redis]\nsentinels = [\"198.51.100.5:26379\"]\n",
     "t.toml:11:1: store.redis.master_name: ", "is required when sentinels are listed"},
    {"[store.redis]\nkey_prefix = \"se:*\"\n", "t.toml:12:14: store.redis.key_prefix: ", "must be 1..32 letters"},
    {"[store.redis]\nkey_prefix = \"\"\n", "t.toml:12:14: store.redis.key_prefix: ", "must be 1..32 letters"},
    {"[store.redis]\nwait_replicas = 17\n", "t.toml:12:17: store.redis.wait_replicas: ", "16"},
    {"[store.redis]\nwait_timeout_ms = 0\n", "t.toml:12:19: store.redis.wait_timeout_ms: ", "10000"},
    {"[metrics]\nlisten = \"localhost:9090\"\n", "t.toml:12:10: metrics.listen: ", "is not an address and port"},
    {"[store]\nbackend = \"redis\"\n[cluster]\nmode = \"array\"\n",
     "t.toml:13:1: cluster.share_with: ", "is required when mode = \"array\""},
    {"[store]\nbackend = \"redis\"\n[cluster]\nmode = \"array\"\nshare_with = []\n",
     "t.toml:15:14: cluster.share_with: ", "must name at least one peer node"},
    {"[store]\nbackend = \"redis\"\n[cluster]\nmode = \"array\"\nshare_with = [\"sipedge\"]\n",
     "t.toml:15:15: cluster.share_with[0]: ", "\"sipedge\" is this node (node.name)"},
    {"[dataplane2]\n", "t.toml:11:2: dataplane2: ", "unknown key (did you mean \"dataplane\"?)"},
    {"[[neighbor]]\n", "t.toml:11:3: neighbor: ", "unknown key (did you mean \"neighbour\"?)"},
};

TEST(Rules, EachCheckHasACase) {
  for (const auto& rule : kRuleCases) {
    SCOPED_TRACE(rule.extra);
    EXPECT_TRUE(has_error(load_with_base(rule.extra), rule.where, rule.fragment));
  }
}

TEST(Rules, DuplicateVip) {
  EXPECT_TRUE(has_error(load("[sip]\nvips = [\"203.0.113.1\", \"203.0.113.1\"]\n"),
                        "t.toml:2:24: sip.vips[1]: ", "duplicate VIP \"203.0.113.1\" (first at line 2)"));
}

TEST(Rules, LongPuntSocketPathIsRefused) {
  const std::string doc = "[dataplane]\npunt_socket = \"/" + std::string(107, 'x') + "\"\n";
  EXPECT_TRUE(has_error(load(doc), "t.toml:2:15: dataplane.punt_socket: ", "must be at most 107 bytes"));
  const std::string fits = "[dataplane]\npunt_socket = \"/" + std::string(106, 'x') + "\"\n";
  EXPECT_FALSE(has_error(load(fits), "t.toml:2:15: dataplane.punt_socket: ", ""));
}

TEST(Rules, TooManyPorts) {
  std::string doc(kBase);
  for (int i = 1; i <= 32; ++i)
    doc += "[[port]]\nname = \"p" + std::to_string(i) + "\"\ndevice = \"net_null" + std::to_string(i) +
           "\"\naddress = \"10." + std::to_string(i) + ".0.1/24\"\n";
  EXPECT_TRUE(has_error(load(doc), "t.toml:5:1: port: ", "at most 32 ports are supported"));
}

}  // namespace
}  // namespace sipedge::config
