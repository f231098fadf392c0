#pragma once
// The node configuration: one TOML file read by sipedge-dp and sipedge-cp at
// start-up and on reload. load_file() parses and validates everything once and
// returns either a complete Config or every error found (never a partial
// config, never an exit); downstream code trusts the values it gets.
//
// This header is the single source of defaults: each field's default is a named
// constant below, and conf/sipedge.toml documents every key.
//
// Thread-safety: a Config is an immutable value once returned; share it by
// const reference or std::shared_ptr<const Config>. load_*() are reentrant.
// Cost: cold path (allocates, uses exceptions internally, never throws out).
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "config/address.h"
#include "config/listen.h"

namespace sipedge::config {

// ---------------------------------------------------------------------------
// Named defaults and limits.

inline constexpr std::string_view kDefaultNodeName = "sipedge";
inline constexpr std::uint32_t kMaxNodeId = 255;

inline constexpr std::uint32_t kDefaultMainLcore = 0;
// DPDK 22.11 as packaged by Debian is built with RTE_MAX_LCORE = 128.
inline constexpr std::uint32_t kMaxLcore = 127;

inline constexpr std::uint32_t kDefaultBurst = 32;
inline constexpr std::uint32_t kMaxBurst = 512;
// 2^n - 1 elements is the mempool's most memory-efficient size.
inline constexpr std::uint32_t kDefaultMbufs = 8191;
inline constexpr std::uint32_t kDefaultMbufCache = 256;
// RTE_MEMPOOL_CACHE_MAX_SIZE; the pool also needs mbufs >= 1.5 * cache.
inline constexpr std::uint32_t kMaxMbufCache = 512;
inline constexpr std::uint32_t kDefaultIdleSleepUs = 0;  // 0: busy poll
inline constexpr std::string_view kDefaultPuntSocket = "/run/sipedge/punt.sock";
inline constexpr std::size_t kMaxUnixPathBytes = 107;         // sun_path[108] with its NUL
inline constexpr std::uint32_t kDefaultPuntRingSize = 4096;   // power of two
inline constexpr std::uint32_t kDefaultFragTableSize = 4096;  // flows per worker, power of two
inline constexpr std::uint32_t kDefaultFragTtlMs = 2000;
inline constexpr std::uint32_t kDefaultTxFlushUs = 100;
// Host traffic (BGP, BFD, SSH, ICMP) of a whole node fits well below this;
// a flood beyond it is shed before it reaches the kernel.
inline constexpr std::uint32_t kDefaultExceptionPps = 10000;
inline constexpr std::uint32_t kMaxExceptionPps = 10'000'000;
inline constexpr std::size_t kMaxIfnameBytes = 15;  // IFNAMSIZ - 1

inline constexpr std::size_t kMaxPorts = 32;  // RTE_MAX_ETHPORTS
inline constexpr std::uint32_t kDefaultMtu = 1500;
inline constexpr std::uint32_t kMinMtu = 576;
inline constexpr std::uint32_t kMaxMtu = 9000;
inline constexpr std::uint32_t kDefaultRxDesc = 1024;
inline constexpr std::uint32_t kDefaultTxDesc = 1024;
inline constexpr std::uint32_t kMinDesc = 32;
inline constexpr std::uint32_t kMaxDesc = 16384;
inline constexpr bool kDefaultRss = true;

inline constexpr std::uint16_t kDefaultSipPort = 5060;
inline constexpr bool kDefaultRecordRoute = true;
inline constexpr std::uint32_t kDefaultMaxForwards = 70;
inline constexpr std::uint32_t kDefaultMaxMessageBytes = 8192;
inline constexpr std::uint32_t kMaxMessageBytes = 65507;  // largest UDP payload over IPv4
inline constexpr std::uint32_t kDefaultMaxHeaders = 64;
inline constexpr std::uint32_t kDefaultMaxLineBytes = 2048;
inline constexpr std::uint32_t kDefaultMaxUriBytes = 1024;
inline constexpr bool kDefaultAnswerCrlf = true;
inline constexpr bool kDefaultAnswerStun = true;
inline constexpr bool kDefaultCompactHeadersOverMtu = true;

inline constexpr std::uint32_t kDefaultTableSize = 65537;  // prime (Maglev)
inline constexpr std::uint32_t kMaxTableSize = 16777213;   // largest prime below 2^24
inline constexpr std::uint32_t kMaxSetId = 65535;
inline constexpr std::uint32_t kDefaultWeight = 1;
inline constexpr std::uint32_t kDefaultPriority = 0;

inline constexpr std::uint32_t kDefaultCpsBurstSeconds = 1;
inline constexpr std::uint32_t kDefaultRetryAfter = 5;

inline constexpr bool kDefaultNatFix = true;

inline constexpr std::uint32_t kDefaultKeepaliveInterval = 30;
inline constexpr std::uint32_t kDefaultKeepaliveFailures = 3;
inline constexpr std::string_view kDefaultFromUser = "sipedge";

inline constexpr bool kDefaultProbeEnabled = true;
inline constexpr std::uint32_t kDefaultProbeInterval = 10;
inline constexpr std::uint32_t kDefaultProbeTimeoutMs = 2000;
inline constexpr std::uint32_t kDefaultProbeFailuresDown = 3;
inline constexpr std::uint32_t kDefaultProbeSuccessesUp = 2;
inline constexpr std::string_view kDefaultProbeMethod = "OPTIONS";

inline constexpr std::uint32_t kDefaultMinExpires = 60;
inline constexpr std::uint32_t kDefaultMaxExpires = 3600;
inline constexpr std::uint32_t kDefaultDefaultExpires = 3600;
inline constexpr std::uint32_t kMaxExpires = 604800;  // one week
inline constexpr bool kDefaultAbsorbRefreshes = true;
inline constexpr std::uint32_t kDefaultRegisterFloodRate = 20;  // REGISTERs/s per source address
inline constexpr std::uint32_t kMaxRegisterFloodRate = 1000000;

inline constexpr std::string_view kDefaultSqlitePath = "/var/lib/sipedge/location.db";
inline constexpr std::string_view kDefaultRedisHost = "127.0.0.1";
inline constexpr std::uint16_t kDefaultRedisPort = 6379;
inline constexpr std::string_view kDefaultRedisKeyPrefix = "sipedge";
inline constexpr std::uint32_t kMaxRedisWaitReplicas = 16;
inline constexpr std::uint32_t kDefaultRedisWaitTimeoutMs = 200;
inline constexpr std::uint32_t kMaxRedisWaitTimeoutMs = 10'000;

inline constexpr ListenAddress kDefaultMetricsListen{0x7F000001u, 9090, false, {}};  // 127.0.0.1:9090
inline constexpr bool kDefaultDashboard = true;

inline constexpr std::string_view kDefaultBirdSocket = "/run/bird/bird.ctl";
inline constexpr std::string_view kDefaultAnnounceProtocol = "sipedge_vip";
inline constexpr std::uint32_t kDefaultAnnounceMinUp = 1;
inline constexpr std::uint32_t kDefaultAnnounceHoldDown = 10;            // seconds
inline constexpr std::uint32_t kDefaultAnnounceHeartbeatTimeoutMs = 2500;  // > the 1 s STATS poll
inline constexpr std::uint32_t kDefaultAnnounceGuardTimeoutMs = 500;
inline constexpr std::uint32_t kDefaultDrainGrace = 30;  // seconds

// ---------------------------------------------------------------------------
// Enumerations. Each has a constexpr table of its TOML spellings; name() gives
// the spelling back (for logs, check-config and the API).

template <class E>
struct EnumName {
  std::string_view name;
  E value;
};

template <class E, std::size_t N>
constexpr std::string_view enum_name(const EnumName<E> (&table)[N], E value) {
  for (const auto& entry : table)
    if (entry.value == value) return entry.name;
  return "?";
}

enum class PortRole : std::uint8_t { kOutside, kInside, kBoth };
inline constexpr EnumName<PortRole> kPortRoleNames[] = {
    {"outside", PortRole::kOutside}, {"inside", PortRole::kInside}, {"both", PortRole::kBoth}};
inline constexpr PortRole kDefaultPortRole = PortRole::kBoth;

enum class DeviceKind : std::uint8_t { kPci, kVdev };

enum class RelayReject : std::uint8_t { kReply403, kDrop };
inline constexpr EnumName<RelayReject> kRelayRejectNames[] = {{"403", RelayReject::kReply403},
                                                              {"drop", RelayReject::kDrop}};
inline constexpr RelayReject kDefaultRelayReject = RelayReject::kReply403;

// What the dataplane does with a packet it would punt while no control plane
// is connected.
enum class PuntFallback : std::uint8_t { kReply503, kDrop };
inline constexpr EnumName<PuntFallback> kPuntFallbackNames[] = {{"reply503", PuntFallback::kReply503},
                                                                {"drop", PuntFallback::kDrop}};
inline constexpr PuntFallback kDefaultPuntFallback = PuntFallback::kReply503;

enum class Algorithm : std::uint8_t {
  kHashCallId,
  kHashFrom,
  kHashTo,
  kHashRuri,
  kHashAuthUser,  // falls back to weighted round-robin without credentials
  kWeightedRoundRobin,
  kRandom,
  kFirst,
};
inline constexpr EnumName<Algorithm> kAlgorithmNames[] = {{"hash-callid", Algorithm::kHashCallId},
                                                          {"hash-from", Algorithm::kHashFrom},
                                                          {"hash-to", Algorithm::kHashTo},
                                                          {"hash-ruri", Algorithm::kHashRuri},
                                                          {"hash-authuser", Algorithm::kHashAuthUser},
                                                          {"wrr", Algorithm::kWeightedRoundRobin},
                                                          {"random", Algorithm::kRandom},
                                                          {"first", Algorithm::kFirst}};
inline constexpr Algorithm kDefaultAlgorithm = Algorithm::kHashCallId;

enum class BreachAction : std::uint8_t { kReply503, kDrop };
inline constexpr EnumName<BreachAction> kBreachActionNames[] = {{"reply503", BreachAction::kReply503},
                                                                {"drop", BreachAction::kDrop}};
inline constexpr BreachAction kDefaultBreachAction = BreachAction::kReply503;

// NAT test bits; the SIP library's NAT tests use the same bit order.
enum NatTest : std::uint32_t {
  kNatContactPrivate = 1u << 0,  // Contact host is an RFC 1918 / RFC 6598 address
  kNatViaReceived = 1u << 1,     // top Via sent-by differs from the source address
  kNatViaPrivate = 1u << 2,      // top Via host is a private address
  kNatSdpPrivate = 1u << 3,      // SDP c= line is a private address
  kNatViaPort = 1u << 4,         // top Via port differs from the source port
  kNatContactIp = 1u << 5,       // Contact host differs from the source address
  kNatContactPort = 1u << 6,     // Contact port differs from the source port
};
inline constexpr EnumName<std::uint32_t> kNatTestNames[] = {
    {"contact-private", kNatContactPrivate}, {"via-received", kNatViaReceived}, {"via-private", kNatViaPrivate},
    {"sdp-private", kNatSdpPrivate},         {"via-port", kNatViaPort},         {"contact-ip", kNatContactIp},
    {"contact-port", kNatContactPort}};
inline constexpr std::uint32_t kDefaultNatTests = kNatContactPrivate | kNatViaReceived | kNatViaPort;

enum class NatRuleAction : std::uint8_t {
  kTests,  // run the rule's own test set instead of [nat] tests
  kForce,  // always treat the source as behind NAT
  kNever,  // never treat the source as behind NAT
};

enum class KeepaliveMethod : std::uint8_t { kOptions, kCrlf, kNull, kOff };
inline constexpr EnumName<KeepaliveMethod> kKeepaliveMethodNames[] = {{"options", KeepaliveMethod::kOptions},
                                                                      {"crlf", KeepaliveMethod::kCrlf},
                                                                      {"null", KeepaliveMethod::kNull},
                                                                      {"off", KeepaliveMethod::kOff}};
inline constexpr KeepaliveMethod kDefaultKeepaliveMethod = KeepaliveMethod::kOptions;

enum class RegistrarMode : std::uint8_t { kLocal, kProxy };
inline constexpr EnumName<RegistrarMode> kRegistrarModeNames[] = {{"local", RegistrarMode::kLocal},
                                                                  {"proxy", RegistrarMode::kProxy}};
inline constexpr RegistrarMode kDefaultRegistrarMode = RegistrarMode::kLocal;

enum class StoreBackend : std::uint8_t { kSqlite, kRedis };
inline constexpr EnumName<StoreBackend> kStoreBackendNames[] = {{"sqlite", StoreBackend::kSqlite},
                                                                {"redis", StoreBackend::kRedis}};
inline constexpr StoreBackend kDefaultStoreBackend = StoreBackend::kSqlite;

enum class ClusterMode : std::uint8_t {
  kOff,
  kCluster,  // all nodes share one registration store (redis)
  kArray,    // this node exposes its registrations to the share_with peers
};
inline constexpr EnumName<ClusterMode> kClusterModeNames[] = {
    {"off", ClusterMode::kOff}, {"cluster", ClusterMode::kCluster}, {"array", ClusterMode::kArray}};
inline constexpr ClusterMode kDefaultClusterMode = ClusterMode::kOff;

// ---------------------------------------------------------------------------
// Sections. Field comments name the TOML key when it differs from the field.

struct NodeConfig {
  std::string name{kDefaultNodeName};  // letters, digits, '-', '_', '.'; 1..63
  std::uint32_t id = 0;                // required, 1..255: stamped into branches and ownership
};

struct EalConfig {
  std::vector<std::string> args;  // extra EAL arguments; lcore options are derived, not given here
  std::uint32_t main_lcore = kDefaultMainLcore;
};

struct DataplaneConfig {
  std::vector<std::uint32_t> worker_lcores;  // required, unique, none equal to eal.main_lcore
  std::uint32_t burst = kDefaultBurst;       // 1..512
  std::uint32_t mbufs = kDefaultMbufs;
  std::uint32_t mbuf_cache = kDefaultMbufCache;  // <= 512 and mbufs >= 1.5 * mbuf_cache
  std::uint32_t idle_sleep_us = kDefaultIdleSleepUs;
  std::string punt_socket{kDefaultPuntSocket};
  std::uint32_t punt_ring_size = kDefaultPuntRingSize;    // power of two
  std::uint32_t frag_table_size = kDefaultFragTableSize;  // power of two
  std::uint32_t frag_ttl_ms = kDefaultFragTtlMs;
  std::uint32_t tx_flush_us = kDefaultTxFlushUs;
  std::uint32_t exception_pps = kDefaultExceptionPps;  // 1..10M, over all workers
};

inline constexpr std::uint32_t kMinVlan = 1;     // 802.1Q: 0 means priority-tagged only
inline constexpr std::uint32_t kMaxVlan = 4094;  // 4095 is reserved

struct PortConfig {
  std::string name;    // required, unique
  std::string device;  // required, unique: PCI address or vdev string, as written
  DeviceKind device_kind = DeviceKind::kPci;
  PortRole role = kDefaultPortRole;
  Ipv4 address = 0;                 // TOML "address" = "203.0.113.10/24": own unicast address...
  Ipv4Prefix subnet;                // ...and its subnet
  std::optional<Ipv4> gateway;      // inside subnet, not the own address
  std::uint32_t mtu = kDefaultMtu;  // 576..9000
  std::optional<MacAddress> mac;    // unicast override of the NIC's address
  std::uint32_t rx_desc = kDefaultRxDesc;
  std::uint32_t tx_desc = kDefaultTxDesc;
  bool rss = kDefaultRss;
  std::string exception;  // kernel interface for host traffic (Linux ifname, unique); empty: none
  std::optional<Ipv6Interface> address6;  // TOML "address6" = "2001:db8::2/64": own IPv6 address and subnet
  std::optional<Ipv6> gateway6;           // needs address6; on its subnet or link-local, not the own address
  std::uint16_t vlan = 0;                 // 802.1Q VLAN id 1..4094 of every frame on the port; 0: untagged
};

// A static ARP or ND entry. TOML [[neighbour]].
struct NeighbourConfig {
  Ipv4 address = 0;  // inside its port's subnet; 0 when address6 is set
  std::optional<Ipv6> address6;  // "address" written as an IPv6 literal: on the port's v6 subnet
  MacAddress mac{};
  std::string port;            // names a port...
  std::size_t port_index = 0;  // ...resolved: index into Config::ports
};

struct SipLimits {
  std::uint32_t max_message_bytes = kDefaultMaxMessageBytes;  // TOML sip.max_message_bytes
  std::uint32_t max_headers = kDefaultMaxHeaders;             // TOML sip.max_headers
  std::uint32_t max_line_bytes = kDefaultMaxLineBytes;        // <= max_message_bytes
  std::uint32_t max_uri_bytes = kDefaultMaxUriBytes;          // <= max_line_bytes
};

struct KeepaliveAnswer {           // TOML [sip.keepalive_answer]
  bool crlf = kDefaultAnswerCrlf;  // CRLFCRLF ping -> CRLF pong (RFC 5626)
  bool stun = kDefaultAnswerStun;  // STUN Binding request -> success (RFC 5389)
};

struct SipConfig {
  std::vector<Ipv4> vips;                             // required, non-empty, unique (the IPv4 ones of TOML sip.vips)
  std::vector<Ipv6> vips6;                            // the IPv6 literals of TOML sip.vips, unique
  std::vector<std::uint16_t> ports{kDefaultSipPort};  // non-empty, unique
  std::vector<Ipv4Prefix> inside_prefixes;            // sources that are "inside"
  std::vector<Ipv6Prefix> inside_prefixes6;           // ... the IPv6 prefixes of the same list
  bool record_route = kDefaultRecordRoute;
  std::uint32_t max_forwards = kDefaultMaxForwards;  // 1..255
  SipLimits limits;
  KeepaliveAnswer keepalive_answer;
  RelayReject relay_reject = kDefaultRelayReject;
  PuntFallback punt_fallback = kDefaultPuntFallback;
  bool compact_headers_over_mtu = kDefaultCompactHeadersOverMtu;
  std::vector<std::string> proxy_require_supported;  // option tags passed in Proxy-Require; others get 420
  std::string default_set;                       // required when sets exist
  std::optional<std::size_t> default_set_index;  // resolved: index into Config::sets
};

struct DestinationConfig {
  std::string uri;                            // required, as written: "sip:198.51.100.20:5060"
  Ipv4 address = 0;                           // from the URI host (IPv4 literal); 0 when address6
  std::optional<Ipv6> address6;               // from the URI host written "[2001:db8::20]"
  std::uint16_t port = kDefaultSipPort;       // from the URI, default 5060
  std::uint32_t weight = kDefaultWeight;      // 1..65535
  std::uint32_t priority = kDefaultPriority;  // 0..255, higher wins
  bool enabled = true;
  std::string description;
};

struct SetConfig {       // TOML [[set]] with [[set.destination]]
  std::string name;      // required, unique
  std::uint32_t id = 0;  // required, unique, 1..65535
  Algorithm algorithm = kDefaultAlgorithm;
  std::uint32_t table_size = kDefaultTableSize;  // prime, > number of destinations
  std::vector<DestinationConfig> destinations;   // non-empty, no address:port twice
};

// First match wins; a route matches when every condition it has matches.
struct RouteConfig {
  std::string set;                         // names a set...
  std::size_t set_index = 0;               // ...resolved: index into Config::sets
  std::optional<std::string> domain;       // R-URI host, lower-cased
  std::optional<std::string> user_prefix;  // R-URI user starts with this
  std::optional<Ipv4Prefix> source;        // source address inside this prefix
};

struct CpsRule {  // TOML [[cps.rule]]; exactly one of cps > 0 or exempt = true
  Ipv4Prefix prefix;
  std::uint32_t cps = 0;
  bool exempt = false;
};

struct CpsConfig {
  std::vector<std::string> methods{"INVITE"};     // upper-case SIP methods
  std::uint32_t global = 0;                       // calls per second over the node; 0 = unlimited
  std::uint32_t per_source = 0;                   // calls per second per source address; 0 = unlimited
  std::uint32_t burst = kDefaultCpsBurstSeconds;  // bucket depth in seconds of rate
  BreachAction breach_action = kDefaultBreachAction;
  std::uint32_t retry_after = kDefaultRetryAfter;  // seconds; 0 = no Retry-After
  std::vector<CpsRule> rules;
};

struct NatRule {  // TOML [[nat.rule]]; exactly one of tests, force = true, never = true
  Ipv4Prefix prefix;
  NatRuleAction action = NatRuleAction::kTests;
  std::uint32_t tests = 0;  // NatTest bits, when action == kTests
};

struct NatConfig {
  std::uint32_t tests = kDefaultNatTests;  // NatTest bits
  bool fix = kDefaultNatFix;               // rewrite Contact / add received+rport when NATed
  std::vector<NatRule> rules;
};

struct KeepaliveConfig {
  KeepaliveMethod method = kDefaultKeepaliveMethod;
  std::uint32_t interval_s = kDefaultKeepaliveInterval;  // TOML "interval", 5..3600
  std::uint32_t failures = kDefaultKeepaliveFailures;    // consecutive, then the binding goes
  std::string from_user{kDefaultFromUser};
};

struct ProbeConfig {
  bool enabled = kDefaultProbeEnabled;
  std::uint32_t interval_s = kDefaultProbeInterval;   // TOML "interval", 1..3600
  std::uint32_t timeout_ms = kDefaultProbeTimeoutMs;  // < interval
  std::uint32_t failures_down = kDefaultProbeFailuresDown;
  std::uint32_t successes_up = kDefaultProbeSuccessesUp;
  std::string method{kDefaultProbeMethod};  // "OPTIONS" or "INFO"
};

struct RegistrarConfig {
  RegistrarMode mode = kDefaultRegistrarMode;
  std::vector<std::string> domains;                // lower-cased; empty = any domain
  std::uint32_t min_expires = kDefaultMinExpires;  // min <= default <= max
  std::uint32_t max_expires = kDefaultMaxExpires;
  std::uint32_t default_expires = kDefaultDefaultExpires;
  bool auth = false;
  std::string realm;                                // when auth: given, else domains[0]
  std::string set;                                  // proxy mode only, required there...
  std::optional<std::size_t> set_index;             // ...resolved: index into Config::sets
  bool absorb_refreshes = kDefaultAbsorbRefreshes;  // proxy mode: answer refreshes at the edge
  // REGISTERs per second from one source address (burst: two seconds'
  // worth); beyond it they are dropped and counted. 0 = no limit.
  std::uint32_t flood_rate = kDefaultRegisterFloodRate;
};

struct SqliteConfig {
  std::string path{kDefaultSqlitePath};
};

struct RedisConfig {
  HostPort address{std::string(kDefaultRedisHost), kDefaultRedisPort};
  std::vector<HostPort> sentinels;  // when set, address is ignored and master_name is required
  std::string master_name;
  std::string password;
  std::uint32_t db = 0;
  std::string key_prefix{kDefaultRedisKeyPrefix};  // keys P:b:{aor}:contact, channel P:changes; [A-Za-z0-9_.-]
  std::uint32_t wait_replicas = 0;  // > 0: a 200 OK waits until this many replicas have the binding (WAIT)
  std::uint32_t wait_timeout_ms = kDefaultRedisWaitTimeoutMs;
};

struct StoreConfig {
  StoreBackend backend = kDefaultStoreBackend;
  SqliteConfig sqlite;
  RedisConfig redis;
};

struct MetricsConfig {
  ListenAddress listen = kDefaultMetricsListen;  // "a.b.c.d:port" or "[v6]:port"; not loopback (127/8, ::1): token_file is required
  bool dashboard = kDefaultDashboard;
  // Bearer token for the API's state-changing requests (every POST and
  // DELETE); empty: no token, allowed only on loopback. Read from
  // token_file at load (config/token_file.h has the rules).
  std::string token_file;
  std::string token;
  // Client source prefixes the HTTP server answers at all (403 to others);
  // empty: every client that can reach `listen`.
  std::vector<Ipv4Prefix> allow;
};

struct ClusterConfig {
  ClusterMode mode = kDefaultClusterMode;  // cluster and array need store.backend = "redis"
  std::vector<std::string> share_with;     // node names; array mode only, required there
};

// [announce]: the VIP route in BIRD follows sipedge-cp's health verdict
// (controlplane/cp/announce.h).
struct AnnounceConfig {
  bool enabled = false;
  std::string bird_socket{kDefaultBirdSocket};  // BIRD's control socket (bird -s)
  std::string protocol{kDefaultAnnounceProtocol};  // the BIRD protocol holding the VIP route
  std::vector<std::string> sets;                   // set names; empty = every set
  std::vector<std::size_t> set_indexes;            // ...resolved: indexes into Config::sets
  std::uint32_t min_up = kDefaultAnnounceMinUp;    // destinations up in each of those sets
  std::uint32_t hold_down_s = kDefaultAnnounceHoldDown;  // TOML "hold_down": healthy this long before announcing
  std::uint32_t heartbeat_timeout_ms = kDefaultAnnounceHeartbeatTimeoutMs;  // a worker silent this long: unhealthy
  std::uint32_t guard_timeout_ms = kDefaultAnnounceGuardTimeoutMs;  // sipedge-cp silent this long: the guardian withdraws
  std::uint32_t drain_grace_s = kDefaultDrainGrace;                 // TOML "drain_grace": sipedgectl drain's default
};

struct Config {
  std::string source;  // the file (or name) it was loaded from
  NodeConfig node;
  EalConfig eal;
  DataplaneConfig dataplane;
  std::vector<PortConfig> ports;  // at least one
  std::vector<NeighbourConfig> neighbours;
  SipConfig sip;
  std::vector<SetConfig> sets;
  std::vector<RouteConfig> routes;
  CpsConfig cps;
  NatConfig nat;
  KeepaliveConfig keepalive;
  ProbeConfig probe;
  RegistrarConfig registrar;
  StoreConfig store;
  MetricsConfig metrics;
  ClusterConfig cluster;
  AnnounceConfig announce;

  // Index of the named port / set, if any.
  std::optional<std::size_t> find_port(std::string_view name) const;
  std::optional<std::size_t> find_set(std::string_view name) const;
};

// ---------------------------------------------------------------------------
// Loading.

struct Error {
  std::string file;
  std::uint32_t line = 0;    // 1-based; 0 when the error has no position (file unreadable)
  std::uint32_t column = 0;  // 1-based
  std::string message;       // "<dotted.key[i].path>: what is wrong"

  // "file:line:col: message" ("file: message" without a position).
  std::string to_string() const;
};

// Exactly one of: config set and errors empty, or config empty and errors
// non-empty (sorted by position).
struct LoadResult {
  std::optional<Config> config;
  std::vector<Error> errors;

  bool ok() const { return config.has_value(); }
};

// Reads and validates a file. An unreadable file is one error without a position.
LoadResult load_file(const std::string& path);
// Validates TOML text; `name` is used as the file name in errors and Config::source.
LoadResult load_string(std::string_view toml, std::string_view name);

// Names of NatTest bits set in `tests`, in bit order ("contact-private,via-port").
std::string nat_test_names(std::uint32_t tests);

}  // namespace sipedge::config
