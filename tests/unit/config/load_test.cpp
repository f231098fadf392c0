// Accepted configs: the shipped example, defaults, and how values are stored.
#include <gtest/gtest.h>

#include <cstdlib>
#include <string>

#include "config/config.h"
#include "config_testing.h"

namespace sipedge::config {
namespace {

using testing::dump;
using testing::kBase;
using testing::load;
using testing::load_with_base;

std::string source_root() {
  const char* root = std::getenv("SIPEDGE_SOURCE_ROOT");
  return root ? root : SIPEDGE_SOURCE_ROOT;
}

TEST(ExampleConfig, LoadsWithTheDocumentedValues) {
  const std::string path = source_root() + "/conf/sipedge.toml";
  const LoadResult result = load_file(path);
  ASSERT_TRUE(result.ok()) << dump(result);
  const Config& config = *result.config;
  EXPECT_EQ(config.source, path);
  EXPECT_EQ(config.node.name, "sipedge");
  EXPECT_EQ(config.node.id, 1u);
  ASSERT_EQ(config.ports.size(), 2u);
  EXPECT_EQ(config.ports[0].role, PortRole::kOutside);
  EXPECT_EQ(config.ports[0].device_kind, DeviceKind::kPci);
  EXPECT_EQ(config.ports[0].address, 0xCB00710Au);  // 203.0.113.10
  EXPECT_EQ(config.ports[0].subnet, (Ipv4Prefix{0xCB007100u, 24}));
  EXPECT_EQ(config.ports[0].gateway, 0xCB0071FEu);
  EXPECT_EQ(config.ports[1].role, PortRole::kInside);
  ASSERT_EQ(config.neighbours.size(), 2u);
  EXPECT_EQ(config.neighbours[0].port_index, 1u);
  // The dual-stack example: v6 on both ports, a gateway6 and a static v6 neighbour.
  ASSERT_TRUE(config.ports[0].address6);
  EXPECT_EQ(format_prefix(config.ports[0].address6->subnet), "2001:db8:10::/64");
  ASSERT_TRUE(config.ports[0].gateway6);
  EXPECT_EQ(format_ipv6(*config.ports[0].gateway6), "2001:db8:10::1");
  EXPECT_EQ(config.ports[0].vlan, 0);
  ASSERT_TRUE(config.neighbours[1].address6);
  EXPECT_EQ(format_ipv6(*config.neighbours[1].address6), "2001:db8:20::20");
  EXPECT_EQ(config.neighbours[1].port_index, 1u);
  EXPECT_EQ(config.sip.vips, std::vector<Ipv4>{0xCB007101u});
  // Dual stack: an IPv6 VIP, an IPv6 inside prefix and an IPv6 server.
  ASSERT_EQ(config.sip.vips6.size(), 1u);
  EXPECT_EQ(format_ipv6(config.sip.vips6[0]), "2001:db8:10::100");
  ASSERT_EQ(config.sip.inside_prefixes6.size(), 1u);
  EXPECT_EQ(format_prefix(config.sip.inside_prefixes6[0]), "2001:db8:20::/64");
  ASSERT_EQ(config.sets[0].destinations.size(), 3u);
  ASSERT_TRUE(config.sets[0].destinations[2].address6);
  EXPECT_EQ(format_ipv6(*config.sets[0].destinations[2].address6), "2001:db8:20::22");
  EXPECT_FALSE(config.sets[0].destinations[0].address6);
  EXPECT_EQ(config.sip.default_set_index, 0u);
  ASSERT_EQ(config.sets.size(), 2u);
  EXPECT_EQ(config.sets[1].algorithm, Algorithm::kWeightedRoundRobin);
  ASSERT_EQ(config.sets[1].destinations.size(), 2u);
  EXPECT_EQ(config.sets[1].destinations[0].port, 5080);
  EXPECT_EQ(config.sets[1].destinations[0].weight, 3u);
  EXPECT_EQ(config.sets[1].destinations[0].priority, 10u);
  ASSERT_EQ(config.routes.size(), 2u);
  EXPECT_EQ(config.routes[0].set_index, 1u);
  EXPECT_EQ(config.routes[0].domain, "trunk.example.net");
  EXPECT_EQ(config.routes[1].source, (Ipv4Prefix{0xCB007180u, 25}));
  EXPECT_EQ(config.nat.tests, kNatContactPrivate | kNatViaReceived | kNatViaPort);
  ASSERT_EQ(config.cps.rules.size(), 1u);
  EXPECT_TRUE(config.cps.rules[0].exempt);
  ASSERT_EQ(config.nat.rules.size(), 1u);
  EXPECT_EQ(config.nat.rules[0].action, NatRuleAction::kNever);
  EXPECT_EQ(config.registrar.realm, "example.net");
}

TEST(ExampleConfig, DevConfigLoads) {
  const LoadResult result = load_file(source_root() + "/conf/sipedge-dev.toml");
  ASSERT_TRUE(result.ok()) << dump(result);
  EXPECT_EQ(result.config->ports.at(0).device_kind, DeviceKind::kVdev);
  EXPECT_EQ(result.config->eal.args.at(0), "--no-huge");
}

TEST(Ipv6, VipsPrefixesAndDestinationsOfBothFamilies) {
  const LoadResult result = load(R"toml([node]
id = 1
[dataplane]
worker_lcores = [1]
[[port]]
name = "p0"
device = "net_null0"
address = "203.0.113.10/24"
[sip]
vips = ["203.0.113.1", "2001:db8::1", "2001:DB8::2"]
inside_prefixes = ["2001:db8:1::/48", "198.51.100.0/24"]
default_set = "pool"
[[set]]
name = "pool"
id = 1
[[set.destination]]
uri = "sip:[2001:db8:1::21]"
[[set.destination]]
uri = "sip:[2001:db8:1::21]:5080;transport=udp"
[[set.destination]]
uri = "sip:198.51.100.21"
)toml");
  ASSERT_TRUE(result.ok()) << dump(result);
  const Config& c = *result.config;
  EXPECT_EQ(c.sip.vips, std::vector<Ipv4>{0xCB007101u});
  ASSERT_EQ(c.sip.vips6.size(), 2u);
  EXPECT_EQ(format_ipv6(c.sip.vips6[1]), "2001:db8::2");
  EXPECT_EQ(c.sip.inside_prefixes.size(), 1u);
  ASSERT_EQ(c.sip.inside_prefixes6.size(), 1u);
  EXPECT_EQ(format_prefix(c.sip.inside_prefixes6[0]), "2001:db8:1::/48");
  const auto& d = c.sets[0].destinations;
  ASSERT_EQ(d.size(), 3u);
  ASSERT_TRUE(d[0].address6);
  EXPECT_EQ(format_ipv6(*d[0].address6), "2001:db8:1::21");
  EXPECT_EQ(d[0].port, 5060);
  EXPECT_EQ(d[1].port, 5080);
  EXPECT_FALSE(d[2].address6);
  EXPECT_EQ(d[2].address, 0xC6336415u);
}

TEST(Defaults, AppliedWhenKeysAreOmitted) {
  const LoadResult result = load(kBase);
  ASSERT_TRUE(result.ok()) << dump(result);
  const Config& c = *result.config;
  EXPECT_EQ(c.node.name, kDefaultNodeName);
  EXPECT_TRUE(c.eal.args.empty());
  EXPECT_EQ(c.eal.main_lcore, kDefaultMainLcore);
  EXPECT_EQ(c.dataplane.burst, kDefaultBurst);
  EXPECT_EQ(c.dataplane.mbufs, kDefaultMbufs);
  EXPECT_EQ(c.dataplane.mbuf_cache, kDefaultMbufCache);
  EXPECT_EQ(c.dataplane.idle_sleep_us, kDefaultIdleSleepUs);
  EXPECT_EQ(c.dataplane.punt_socket, kDefaultPuntSocket);
  EXPECT_EQ(c.dataplane.punt_ring_size, kDefaultPuntRingSize);
  EXPECT_EQ(c.dataplane.frag_table_size, kDefaultFragTableSize);
  EXPECT_EQ(c.dataplane.exception_pps, kDefaultExceptionPps);
  EXPECT_TRUE(c.ports[0].exception.empty());
  EXPECT_EQ(c.dataplane.frag_ttl_ms, kDefaultFragTtlMs);
  EXPECT_EQ(c.dataplane.tx_flush_us, kDefaultTxFlushUs);
  const PortConfig& port = c.ports.at(0);
  EXPECT_EQ(port.role, kDefaultPortRole);
  EXPECT_EQ(port.device_kind, DeviceKind::kVdev);
  EXPECT_EQ(port.mtu, kDefaultMtu);
  EXPECT_EQ(port.rx_desc, kDefaultRxDesc);
  EXPECT_EQ(port.tx_desc, kDefaultTxDesc);
  EXPECT_EQ(port.rss, kDefaultRss);
  EXPECT_FALSE(port.gateway);
  EXPECT_FALSE(port.mac);
  EXPECT_EQ(c.sip.ports, std::vector<std::uint16_t>{kDefaultSipPort});
  EXPECT_TRUE(c.sip.inside_prefixes.empty());
  EXPECT_EQ(c.sip.record_route, kDefaultRecordRoute);
  EXPECT_EQ(c.sip.max_forwards, kDefaultMaxForwards);
  EXPECT_EQ(c.sip.limits.max_message_bytes, kDefaultMaxMessageBytes);
  EXPECT_EQ(c.sip.limits.max_headers, kDefaultMaxHeaders);
  EXPECT_EQ(c.sip.limits.max_line_bytes, kDefaultMaxLineBytes);
  EXPECT_EQ(c.sip.limits.max_uri_bytes, kDefaultMaxUriBytes);
  EXPECT_EQ(c.sip.keepalive_answer.crlf, kDefaultAnswerCrlf);
  EXPECT_EQ(c.sip.keepalive_answer.stun, kDefaultAnswerStun);
  EXPECT_EQ(c.sip.relay_reject, kDefaultRelayReject);
  EXPECT_EQ(c.sip.punt_fallback, kDefaultPuntFallback);
  EXPECT_EQ(c.sip.compact_headers_over_mtu, kDefaultCompactHeadersOverMtu);
  EXPECT_TRUE(c.sip.proxy_require_supported.empty());
  EXPECT_FALSE(c.sip.default_set_index);
  EXPECT_TRUE(c.sets.empty());
  EXPECT_EQ(c.cps.methods, std::vector<std::string>{"INVITE"});
  EXPECT_EQ(c.cps.global, 0u);
  EXPECT_EQ(c.cps.per_source, 0u);
  EXPECT_EQ(c.cps.burst, kDefaultCpsBurstSeconds);
  EXPECT_EQ(c.cps.breach_action, kDefaultBreachAction);
  EXPECT_EQ(c.cps.retry_after, kDefaultRetryAfter);
  EXPECT_EQ(c.nat.tests, kDefaultNatTests);
  EXPECT_EQ(c.nat.fix, kDefaultNatFix);
  EXPECT_EQ(c.keepalive.method, kDefaultKeepaliveMethod);
  EXPECT_EQ(c.keepalive.interval_s, kDefaultKeepaliveInterval);
  EXPECT_EQ(c.keepalive.failures, kDefaultKeepaliveFailures);
  EXPECT_EQ(c.keepalive.from_user, kDefaultFromUser);
  EXPECT_EQ(c.probe.enabled, kDefaultProbeEnabled);
  EXPECT_EQ(c.probe.interval_s, kDefaultProbeInterval);
  EXPECT_EQ(c.probe.timeout_ms, kDefaultProbeTimeoutMs);
  EXPECT_EQ(c.probe.failures_down, kDefaultProbeFailuresDown);
  EXPECT_EQ(c.probe.successes_up, kDefaultProbeSuccessesUp);
  EXPECT_EQ(c.probe.method, kDefaultProbeMethod);
  EXPECT_EQ(c.registrar.mode, kDefaultRegistrarMode);
  EXPECT_EQ(c.registrar.min_expires, kDefaultMinExpires);
  EXPECT_EQ(c.registrar.max_expires, kDefaultMaxExpires);
  EXPECT_EQ(c.registrar.default_expires, kDefaultDefaultExpires);
  EXPECT_FALSE(c.registrar.auth);
  EXPECT_EQ(c.registrar.absorb_refreshes, kDefaultAbsorbRefreshes);
  EXPECT_EQ(c.store.backend, kDefaultStoreBackend);
  EXPECT_EQ(c.store.sqlite.path, kDefaultSqlitePath);
  EXPECT_EQ(c.store.redis.address, (HostPort{std::string(kDefaultRedisHost), kDefaultRedisPort}));
  EXPECT_EQ(c.store.redis.key_prefix, kDefaultRedisKeyPrefix);
  EXPECT_EQ(c.store.redis.wait_replicas, 0u);
  EXPECT_EQ(c.store.redis.wait_timeout_ms, kDefaultRedisWaitTimeoutMs);
  EXPECT_EQ(c.metrics.listen, kDefaultMetricsListen);
  EXPECT_EQ(c.metrics.dashboard, kDefaultDashboard);
  EXPECT_EQ(c.cluster.mode, kDefaultClusterMode);
}

TEST(Defaults, DestinationAndSetDefaults) {
  const LoadResult result = load_with_base(R"(default_set = "s"
[[set]]
name = "s"
id = 7
[[set.destination]]
uri = "sip:198.51.100.20"
)");
  ASSERT_TRUE(result.ok()) << dump(result);
  const SetConfig& set = result.config->sets.at(0);
  EXPECT_EQ(set.algorithm, kDefaultAlgorithm);
  EXPECT_EQ(set.table_size, kDefaultTableSize);
  const DestinationConfig& destination = set.destinations.at(0);
  EXPECT_EQ(destination.port, kDefaultSipPort);
  EXPECT_EQ(destination.weight, kDefaultWeight);
  EXPECT_EQ(destination.priority, kDefaultPriority);
  EXPECT_TRUE(destination.enabled);
  EXPECT_EQ(destination.uri, "sip:198.51.100.20");
  EXPECT_EQ(result.config->sip.default_set_index, 0u);
}

TEST(Values, ListsReplaceTheirDefaults) {
  const LoadResult result = load_with_base(R"(ports = [5060, 5080]
[cps]
methods = ["INVITE", "MESSAGE"]
[nat]
tests = ["sdp-private", "contact-port"]
)");
  ASSERT_TRUE(result.ok()) << dump(result);
  EXPECT_EQ(result.config->sip.ports, (std::vector<std::uint16_t>{5060, 5080}));
  EXPECT_EQ(result.config->cps.methods, (std::vector<std::string>{"INVITE", "MESSAGE"}));
  EXPECT_EQ(result.config->nat.tests, kNatSdpPrivate | kNatContactPort);
}

TEST(Values, NatTestBitsFollowTheSipLibraryOrder) {
  EXPECT_EQ(kNatContactPrivate, 1u << 0);
  EXPECT_EQ(kNatViaReceived, 1u << 1);
  EXPECT_EQ(kNatViaPrivate, 1u << 2);
  EXPECT_EQ(kNatSdpPrivate, 1u << 3);
  EXPECT_EQ(kNatViaPort, 1u << 4);
  EXPECT_EQ(kNatContactIp, 1u << 5);
  EXPECT_EQ(kNatContactPort, 1u << 6);
  EXPECT_EQ(nat_test_names(kNatViaPort | kNatContactPrivate), "contact-private,via-port");
  EXPECT_EQ(nat_test_names(0), "");
}

TEST(Values, NatRulesKeepTheirAction) {
  const LoadResult result = load_with_base(R"([[nat.rule]]
prefix = "203.0.113.0/25"
tests = ["via-private"]
[[nat.rule]]
prefix = "203.0.113.128/26"
force = true
[[nat.rule]]
prefix = "203.0.113.192/26"
never = true
)");
  ASSERT_TRUE(result.ok()) << dump(result);
  const auto& rules = result.config->nat.rules;
  ASSERT_EQ(rules.size(), 3u);
  EXPECT_EQ(rules[0].action, NatRuleAction::kTests);
  EXPECT_EQ(rules[0].tests, kNatViaPrivate);
  EXPECT_EQ(rules[1].action, NatRuleAction::kForce);
  EXPECT_EQ(rules[2].action, NatRuleAction::kNever);
}

TEST(Values, ExceptionInterfaceAndRate) {
  const LoadResult result = load(R"([node]
id = 1
[dataplane]
worker_lcores = [1]
exception_pps = 250
[[port]]
name = "p0"
device = "net_null0"
address = "203.0.113.10/24"
exception = "se-host0"
[sip]
vips = ["203.0.113.1"]
)");
  ASSERT_TRUE(result.ok()) << dump(result);
  EXPECT_EQ(result.config->ports[0].exception, "se-host0");
  EXPECT_EQ(result.config->dataplane.exception_pps, 250u);
}

TEST(Values, PortOptionsAndNeighbours) {
  const LoadResult result = load(R"([node]
id = 9
name = "edge-1"
[eal]
args = ["--no-huge", "-m", "512"]
main_lcore = 2
[dataplane]
worker_lcores = [0, 1]
[[port]]
name = "p0"
device = "0000:03:00.0"
address = "203.0.113.10/24"
gateway = "203.0.113.1"
mac = "02:00:5e:00:00:01"
role = "outside"
rss = false
[[port]]
name = "p1"
device = "03:00.1"
address = "198.51.100.10/24"
role = "inside"
[[neighbour]]
address = "198.51.100.20"
mac = "02:00:5e:00:00:20"
port = "p1"
[sip]
vips = ["203.0.113.1"]
)");
  ASSERT_TRUE(result.ok()) << dump(result);
  const Config& c = *result.config;
  EXPECT_EQ(c.node.name, "edge-1");
  EXPECT_EQ(c.eal.args, (std::vector<std::string>{"--no-huge", "-m", "512"}));
  EXPECT_EQ(c.eal.main_lcore, 2u);
  EXPECT_EQ(c.dataplane.worker_lcores, (std::vector<std::uint32_t>{0, 1}));
  EXPECT_EQ(c.ports[0].mac, (MacAddress{0x02, 0, 0x5e, 0, 0, 1}));
  EXPECT_FALSE(c.ports[0].rss);
  EXPECT_EQ(c.ports[1].device_kind, DeviceKind::kPci);
  EXPECT_EQ(c.neighbours.at(0).port, "p1");
  EXPECT_EQ(c.neighbours.at(0).port_index, 1u);
  EXPECT_EQ(c.neighbours.at(0).address, 0xC6336414u);
  EXPECT_EQ(c.find_port("p1"), 1u);
  EXPECT_FALSE(c.find_port("p2"));
}

TEST(Values, RegistrarRealmDefaultsToTheFirstDomainAndDomainsAreLowerCased) {
  const LoadResult result = load_with_base(R"([registrar]
domains = ["Example.NET", "other.example"]
auth = true
)");
  ASSERT_TRUE(result.ok()) << dump(result);
  EXPECT_EQ(result.config->registrar.domains, (std::vector<std::string>{"example.net", "other.example"}));
  EXPECT_EQ(result.config->registrar.realm, "example.net");
}

TEST(Values, ProxyRegistrarResolvesItsSet) {
  const LoadResult result = load_with_base(R"(default_set = "a"
[[set]]
name = "a"
id = 1
[[set.destination]]
uri = "sip:198.51.100.20"
[[set]]
name = "registrars"
id = 2
[[set.destination]]
uri = "sip:198.51.100.40"
[registrar]
mode = "proxy"
set = "registrars"
)");
  ASSERT_TRUE(result.ok()) << dump(result);
  EXPECT_EQ(result.config->registrar.set_index, 1u);
  EXPECT_EQ(result.config->find_set("registrars"), 1u);
}

TEST(Values, RouteDomainIsLowerCased) {
  const LoadResult result = load_with_base(R"(default_set = "a"
[[set]]
name = "a"
id = 1
[[set.destination]]
uri = "sip:198.51.100.20"
[[route]]
set = "a"
domain = "Trunk.Example.NET"
)");
  ASSERT_TRUE(result.ok()) << dump(result);
  EXPECT_EQ(result.config->routes.at(0).domain, "trunk.example.net");
  EXPECT_FALSE(result.config->routes.at(0).user_prefix);
}

TEST(Values, ClusterWithRedisSentinels) {
  const LoadResult result = load_with_base(R"([store]
backend = "redis"
[store.redis]
sentinels = ["198.51.100.5:26379", "sentinel.example.net:26379"]
master_name = "sipedge"
key_prefix = "edge.pop-1"
wait_replicas = 1
wait_timeout_ms = 150
[cluster]
mode = "array"
share_with = ["edge-2"]
)");
  ASSERT_TRUE(result.ok()) << dump(result);
  EXPECT_EQ(result.config->store.redis.sentinels.size(), 2u);
  EXPECT_EQ(result.config->store.redis.key_prefix, "edge.pop-1");
  EXPECT_EQ(result.config->store.redis.wait_replicas, 1u);
  EXPECT_EQ(result.config->store.redis.wait_timeout_ms, 150u);
  EXPECT_EQ(result.config->cluster.share_with, std::vector<std::string>{"edge-2"});
}

TEST(ErrorFormat, WithAndWithoutPosition) {
  EXPECT_EQ((Error{"a.toml", 12, 9, "x.y: bad"}).to_string(), "a.toml:12:9: x.y: bad");
  EXPECT_EQ((Error{"a.toml", 0, 0, "cannot read: No such file or directory"}).to_string(),
            "a.toml: cannot read: No such file or directory");
}

TEST(LoadFile, UnreadableFileIsOneErrorWithoutPosition) {
  const LoadResult result = load_file("/nonexistent/sipedge.toml");
  EXPECT_FALSE(result.ok());
  ASSERT_EQ(result.errors.size(), 1u);
  EXPECT_EQ(result.errors[0].to_string(), "/nonexistent/sipedge.toml: cannot read: No such file or directory");
}

TEST(LoadFile, DirectoryIsRefused) {
  const LoadResult result = load_file(source_root() + "/conf");
  ASSERT_EQ(result.errors.size(), 1u);
  EXPECT_NE(result.errors[0].message.find("Is a directory"), std::string::npos);
}

}  // namespace
}  // namespace sipedge::config
