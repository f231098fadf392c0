#pragma once
// sipedge::store::Binding — one registered contact of an address-of-record
// (RFC 3261 10.3, RFC 3327 Path, RFC 5626 instance-id/reg-id).
//
// A binding is identified within the store by (aor, contact): `aor` is the
// normalised "user@domain" (domain lower-cased, user unescaped and kept
// case-sensitive, see registrar/aor.h) and `contact` the contact URI as the UA
// sent it (no <>, no header parameters). The store compares both byte-wise;
// deciding whether two differently written contact URIs are the same binding
// (RFC 3261 19.1.4) is the registrar's job, not the store's.
//
// Times: `expires_at` and `registered_at` are unix seconds; `last_refresh_ms`
// is unix milliseconds (it orders bindings of one AOR, so it needs more than
// one-second resolution).
//
// Cold path: bindings own std::strings and may allocate.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "net/ipv6.h"

namespace sipedge::store {

// A UDP transport address of either family, as in the punt header: IPv4 in
// host byte order in `ip` (`ip6` all zero), or IPv6 in network byte order in
// `ip6` (`ip` zero) when `v6` is set. `{ip, port}` still builds an IPv4
// endpoint, so v4 call sites read as before.
struct Endpoint {
  std::uint32_t ip = 0;    // IPv4, host order; 0 for IPv6
  std::uint16_t port = 0;
  bool v6 = false;
  net::Ipv6Addr ip6{};     // IPv6, network order; meaningful with v6

  static Endpoint ipv4(std::uint32_t address, std::uint16_t port) noexcept { return {address, port, false, {}}; }
  static Endpoint ipv6(const net::Ipv6Addr& address, std::uint16_t port) noexcept {
    return {0, port, true, address};
  }

  // False for the unset endpoint of its family (0.0.0.0 or ::): "no address,
  // use the default" (the VIP) wherever bindings or options hold one.
  [[nodiscard]] bool has_address() const noexcept { return v6 ? !ip6.is_unspecified() : ip != 0; }
  // Loopback of its family: 127.0.0.0/8 or ::1.
  [[nodiscard]] bool is_loopback() const noexcept { return v6 ? ip6.is_loopback() : (ip >> 24) == 127; }

  friend bool operator==(const Endpoint&, const Endpoint&) = default;
};

// The address alone: "198.51.100.7" or "2001:db8::7" (RFC 5952 form).
std::string address_text(const Endpoint& endpoint);
// The address as a SIP or URI host: "198.51.100.7" or "[2001:db8::7]"
// (RFC 3261 25.1 IPv6reference).
std::string host_text(const Endpoint& endpoint);
// Host and port: "198.51.100.7:5060" or "[2001:db8::7]:5060".
std::string to_string(const Endpoint& endpoint);
// The inverse of address_text: "198.51.100.7" or "2001:db8::7" (no brackets)
// with the given port; nullopt for anything else.
std::optional<Endpoint> parse_address(std::string_view text, std::uint16_t port);
// The inverse of to_string ("a.b.c.d:port" or "[v6]:port", port 0..65535).
std::optional<Endpoint> parse_endpoint(std::string_view text);

// Node that accepted the binding's latest REGISTER. 0 = this node / no
// cluster (the cluster issue stamps config node.id here).
using NodeId = std::uint32_t;

// NAT keepalive bookkeeping. Held in memory only: never persisted, never
// reported as a change, reset to zero by load_all() and by every upsert()
// whose received address differs from the stored one.
struct KeepaliveState {
  std::uint32_t last_rtt_us = 0;          // round-trip time of the last answered keepalive
  std::uint32_t consecutive_failures = 0;  // unanswered keepalives in a row
  std::int64_t last_ok_ms = 0;            // unix ms of the last answered keepalive; 0 = never
};

// q-value (RFC 3261 20.10) scaled by 1000: "q=0.5" is 500. A contact without
// q is stored as kDefaultQ with has_q = false (and its 200 OK shows no q).
inline constexpr std::uint16_t kMaxQ = 1000;
inline constexpr std::uint16_t kDefaultQ = 1000;

struct Binding {
  std::string aor;       // "alice@example.com"
  std::string contact;   // "sip:alice@192.168.1.20:5060;transport=udp" as sent
  Endpoint received;     // real source of the REGISTER (punt header src): where requests go
  Endpoint local;        // our socket / VIP the REGISTER arrived on: where requests leave from
  std::vector<std::string> path;  // RFC 3327 Path values, top first, as sent
  std::int64_t expires_at = 0;    // unix s; the binding is gone at or after this second
  std::int64_t registered_at = 0;  // unix s when expires_at was granted (lifetime = expires_at - registered_at)
  std::int64_t last_refresh_ms = 0;  // unix ms of the latest REGISTER that refreshed it (absorbed ones too)
  std::uint16_t q = kDefaultQ;     // 0..1000
  bool has_q = false;
  std::string call_id;
  std::uint32_t cseq = 0;
  std::string user_agent;          // may be empty
  bool nat = false;                // the source looked NATed (nat_bits != 0 or a forced rule)
  std::uint32_t nat_bits = 0;      // NAT test bits from the punt header (sip::NatMask order)
  std::string instance_id;         // +sip.instance value without the quotes, e.g. "<urn:uuid:...>"; empty = none
  std::uint32_t reg_id = 0;        // RFC 5626 reg-id; 0 = none (valid reg-ids are >= 1)
  NodeId owner = 0;
  KeepaliveState keepalive;        // memory only, see above
  // Memory only: the RedisStore resync that last found this binding in
  // Redis, so its end sweep knows what vanished without a set of every key.
  std::uint32_t sync_epoch = 0;

  // Whole seconds left at `now` (unix s), 0 when expired.
  std::uint32_t remaining(std::int64_t now) const noexcept {
    return expires_at > now ? static_cast<std::uint32_t>(expires_at - now) : 0;
  }
  bool expired(std::int64_t now) const noexcept { return expires_at <= now; }

  // Persistent fields equal (keepalive state ignored).
  bool same_persistent(const Binding& other) const noexcept;
};

}  // namespace sipedge::store
