#pragma once
// The SIP fast path of one worker, DPDK-free: one UDP payload in, one verdict
// (and at most one datagram to send) out. The dataplane wraps it around mbufs;
// unit tests and benches call it on plain buffers.
//
// Thread-safety: a Worker is owned by one lcore. It reads an immutable
// Snapshot (dispatcher sets, routes, limits) that the main lcore swaps under
// RCU; the caller passes the snapshot it read at the top of the burst.

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>

namespace sipedge::proxy {

// An IPv4 or IPv6 UDP endpoint. IPv4 callers keep writing {ip, port}.
struct Endpoint {
  uint32_t ip = 0;  // IPv4, host byte order; 0 when v6
  uint16_t port = 0;
  bool v6 = false;                // ip6 is the address
  std::array<uint8_t, 16> ip6{};  // IPv6, network byte order
  friend bool operator==(const Endpoint&, const Endpoint&) = default;
};
inline Endpoint endpoint6(const std::array<uint8_t, 16>& ip6, uint16_t port) noexcept {
  return {.ip = 0, .port = port, .v6 = true, .ip6 = ip6};
}

// What happened to a datagram; one counter each. Declared once: the enum,
// the names (telemetry, Prometheus, golden tests) and the count come from here.
#define SIPEDGE_PROXY_OUTCOMES(X)                                                      \
  X(forwarded_request)          /* initial request dispatched to a destination */     \
  X(forwarded_in_dialog)        /* loose-routed in-dialog request */                   \
  X(forwarded_response)         /* response routed back by Via */                      \
  X(forwarded_response_nat)     /* ... from a NATed UA, its Contact aliased */         \
  X(forwarded_response_unfixed) /* ... from a NATed UA, too many Contacts to alias */  \
  X(answered_crlf)              /* CRLFCRLF ping answered with CRLF (RFC 5626) */       \
  X(answered_stun)              /* STUN Binding request answered (RFC 5389) */          \
  X(ignored_null_keepalive)     /* 4 zero bytes or bare CRLF: nothing to answer */     \
  X(punted_register)            /* REGISTER to the control plane */                    \
  X(punted_nat)                 /* NAT-flagged initial request to the control plane */ \
  X(punted_reply)               /* keepalive or probe reply to the control plane */    \
  X(punted_register_reply)      /* registrar's answer to a REGISTER the cp sent on */  \
  X(punted_location)            /* inside request for a registered user */             \
  X(replied_503_cps)            /* CPS breach answered 503 + Retry-After */            \
  X(dropped_cps)                /* CPS breach dropped */                               \
  X(replied_503_no_cp)          /* punt needed but no control plane connected */       \
  X(dropped_no_cp)                                                                     \
  X(replied_503_no_destination) /* every destination of the set is down */             \
  X(replied_483)                /* Max-Forwards reached zero */                        \
  X(replied_400)                /* request breaks RFC 3261 25 (sip/strict.h); reason in the parse counters */ \
  X(replied_513)                /* request over a header/Via/Contact/Route limit; reason in the parse counters */ \
  X(replied_416)                /* Request-URI scheme the edge cannot route (sip/proxy_checks.h) */ \
  X(replied_420)                /* Proxy-Require option tag the edge does not support */ \
  X(dropped_unsupported)        /* an ACK that would have been answered 416 or 420 */    \
  X(dropped_unroutable)         /* next hop is 0/8, loopback, multicast or broadcast */ \
  X(dropped_max_forwards)       /* an ACK with Max-Forwards zero */                    \
  X(replied_403_relay)          /* outside request to a foreign next hop */            \
  X(dropped_relay)                                                                     \
  X(absorbed_ack)               /* ACK for a negative reply the edge made itself */    \
  X(dropped_parse)              /* malformed SIP; reason in the parse counters */      \
  X(dropped_response_not_ours)  /* response whose top Via is not ours */               \
  X(dropped_no_next_hop)        /* no usable Via / Route / R-URI target */             \
  X(dropped_loop)               /* next hop is ourselves */                            \
  X(dropped_too_big)            /* rewrite does not fit the output buffer */           \
  X(dropped_not_sip_port)

enum class Outcome : uint8_t {
#define SIPEDGE_X(name) name,
  SIPEDGE_PROXY_OUTCOMES(SIPEDGE_X)
#undef SIPEDGE_X
};
inline constexpr std::size_t kOutcomeCount = 0
#define SIPEDGE_X(name) +1
    SIPEDGE_PROXY_OUTCOMES(SIPEDGE_X)
#undef SIPEDGE_X
    ;
inline constexpr std::string_view kOutcomeNames[] = {
#define SIPEDGE_X(name) #name,
    SIPEDGE_PROXY_OUTCOMES(SIPEDGE_X)
#undef SIPEDGE_X
};
constexpr std::string_view name(Outcome o) { return kOutcomeNames[static_cast<std::size_t>(o)]; }

enum class Action : uint8_t {
  Drop,     // nothing to send
  Send,     // send out[0..length) from `from` to `to`
  Punt,     // hand the original payload to the control plane (punt header fields below)
};

enum class Side : uint8_t { Outside, Inside };

// What a punted reply answers: the control plane's NAT keepalive or its
// destination probe (by the branch prefix of the top Via).
enum class ReplyKind : uint8_t { none, keepalive, probe };

struct Inbound {
  std::string_view payload;  // the UDP payload, bounded
  Endpoint source;
  Endpoint destination;      // the address it was sent to (one of ours)
  uint16_t ingress_port = 0;
  // Handed back by the control plane (DISPATCH): its NAT fix or registrar
  // work is done, so nothing is punted again.
  bool from_control_plane = false;
};

// NAT bit set when a [[nat.rule]] forces a source to count as NATed; the
// tests' own bits are below it (sip::NatTest).
inline constexpr uint32_t kNatForced = 1u << 31;

struct Verdict {
  Action action = Action::Drop;
  Outcome outcome = Outcome::dropped_parse;
  Endpoint from;            // Send: our address to send from
  Endpoint to;              // Send: next hop
  std::size_t length = 0;   // Send: bytes written to the output buffer
  uint32_t nat_bits = 0;    // Punt: NAT test results
  uint8_t parse_error = 0;  // dropped_parse, replied_400, replied_513: sip::ParseError as an integer
  int16_t destination = -1; // Send to a dispatcher destination: its index in the set
  uint16_t set = 0;         // ... and the set's index
  bool compacted = false;   // header names compacted to fit the MTU
  ReplyKind reply_kind = ReplyKind::none;  // Punt of a punted_reply
};

}  // namespace sipedge::proxy
