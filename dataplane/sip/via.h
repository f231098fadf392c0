#pragma once
// One Via value (RFC 3261 20.42, RFC 3581 rport).
//
//   via-parm      = sent-protocol LWS sent-by *( SEMI via-params )
//   sent-protocol = protocol-name SLASH protocol-version SLASH transport
//   sent-by       = host [ COLON port ]
//   via-params    = via-ttl / via-maddr / via-received / via-branch / via-extension
//   response-port = "rport" [ EQUAL 1*DIGIT ]                       (RFC 3581)
#include <cstdint>
#include <string_view>

#include "sip/error.h"
#include "sip/params.h"
#include "sip/uri.h"

namespace sipedge::sip {

enum class Transport : std::uint8_t { other, udp, tcp, tls, sctp, ws, wss };

struct Via {
  std::string_view protocol_name;     // "SIP"
  std::string_view protocol_version;  // "2.0"
  std::string_view transport_text;    // "UDP"
  Transport transport = Transport::other;
  std::string_view host;              // sent-by host; IPv6 without brackets
  HostType host_type = HostType::none;
  std::uint32_t ipv4 = 0;             // when host_type == ipv4
  Ipv6Address ipv6;                   // when host_type == ipv6
  std::uint16_t port = 0;             // 0 when absent
  bool has_port = false;
  std::string_view branch;            // empty when absent
  std::string_view received;          // empty when absent
  bool has_received = false;
  bool has_rport = false;             // "rport" present, with or without value
  bool rport_has_value = false;
  std::uint16_t rport = 0;            // when rport_has_value
  Param received_param;                // as found, for in-place edits (valid when has_received)
  Param rport_param;                   // (valid when has_rport)
  std::string_view maddr;
  std::string_view ttl;
  std::string_view params;            // ";branch=...;rport" (leading ';' kept)
  std::string_view sent_by;           // "host:port" as written
  std::string_view text;              // the whole value

  // Where a response goes per RFC 3261 18.2.2 / RFC 3581: received (else
  // sent-by host) and rport (else port, else 5060/5061 for TLS).
  std::string_view response_host() const noexcept { return has_received ? received : host; }
  std::uint16_t port_or_default() const noexcept;
  std::uint16_t response_port() const noexcept { return rport_has_value ? rport : port_or_default(); }
  bool param(std::string_view name, Param& out) const noexcept { return find_param(params, name, out); }
};

// The address a Via's `received` names. RFC 3261 25.1 writes it bare
// (via-received = "received" EQUAL (IPv4address / IPv6address)); RFC 5118
// 4.5 notes senders that bracket an IPv6 one and asks receivers to take
// both, so "[2001:db8::1]" reads as 2001:db8::1 here. HostType::none for
// anything else (a hostname, a malformed address).
struct ViaAddress {
  HostType type = HostType::none;
  std::uint32_t ipv4 = 0;
  Ipv6Address ipv6;
};
ViaAddress parse_received(std::string_view received) noexcept;
// Where a response to this Via goes (RFC 3261 18.2.2): `received` when
// present (none when it does not parse), else the sent-by host when it is
// an address literal.
ViaAddress response_address(const Via& via) noexcept;

// Parses one via-parm (one element of a Via list, LWS/folds allowed where the
// ABNF allows). Errors: bad_via, bad_host, bad_ipv6_reference, bad_port,
// bad_param.
Result<Via> parse_via(std::string_view value) noexcept;
// The Via that parse_via() would give, without a parse, when `value` is our
// own Via as we wrote it: "SIP/2.0/UDP a.b.c.d:port;branch=" (`own`, whose
// address, port and host length the caller knows) followed by a branch
// that is one unquoted parameter value to the end. False, `out` untouched,
// for anything else, which then takes parse_via().
struct OwnViaPrefix {
  std::string_view text;  // "SIP/2.0/UDP a.b.c.d:port;branch=" or "SIP/2.0/UDP [v6]:port;branch="
  std::uint32_t ipv4 = 0;
  std::uint16_t port = 0;
  std::size_t host_length = 0;  // of "a.b.c.d", or of "[v6]" brackets included
  bool v6 = false;              // an IPv6 Via: ipv6 is its address
  Ipv6Address ipv6;
};
bool parse_own_via(std::string_view value, const OwnViaPrefix& own, Via& out) noexcept;
// parse_via() into `out`, which must be a default-constructed Via (no copy
// of the large Via on return). `out` is unspecified unless it returns ok.
ParseError parse_via_into(std::string_view value, Via& out) noexcept;

Transport transport_from_text(std::string_view text) noexcept;  // case-insensitive

}  // namespace sipedge::sip
