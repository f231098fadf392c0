#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>

namespace sipedge::punt {

// The punt channel: one Unix SOCK_SEQPACKET socket between sipedge-dp
// (listens) and sipedge-cp (connects). One datagram is one message: a fixed
// 72-byte header, little-endian, then the body. Both sides link this code,
// so there is one definition of the format.
//
// Version 2 added the IPv6 addresses (offsets 40-71, kFlagIpv6) after the
// version 1 fields, which kept their offsets: a version 1 peer's datagram
// still shows its magic and version, so each side can say which release the
// other runs instead of counting garbage (peer_version()).
//
//  off size field
//    0    4 magic           kMagic ("SPNT" on the wire)
//    4    1 version         kVersion; a peer refuses any other
//    5    1 type            MessageType
//    6    2 flags           kFlag* bits; unknown bits are ignored
//    8    4 nat_bits        NAT test results for the source (PUNT, DISPATCH)
//   12    2 port_id         ingress port (PUNT), egress port or kAnyPort (TX)
//   14    2 worker_id       worker lcore that punted (PUNT); echoed otherwise
//   16    4 src_ipv4        packet source (PUNT, DISPATCH); local address to
//                           send from, 0 = the VIP (TX)
//   20    4 dst_ipv4        packet destination (PUNT, DISPATCH); target (TX)
//   24    2 src_port        as src_ipv4; 0 with a zero src_ipv4 = the VIP's SIP port
//   26    2 dst_port        as dst_ipv4
//   28    4 payload_length  body bytes; must equal the datagram remainder
//   32    8 cookie          sequence number or request id; replies echo it
//   40   16 src_ipv6        as src_ipv4 when kFlagIpv6 is set (network order);
//                           zero otherwise
//   56   16 dst_ipv6        as dst_ipv4 when kFlagIpv6 is set (network order)
//   72      body
//
// Bodies by type:
//   PUNT     dp->cp  the SIP datagram as received (non-empty)
//   TX       cp->dp  bytes to send as one UDP datagram (non-empty): SIP,
//                    CRLF keepalives, 4-byte nulls
//   DISPATCH cp->dp  a request to run through the fast path (non-empty), as
//                    if received from src on port_id
//   STATE    cp->dp  StateBody (see body.h)
//   STATS    either  StatEntry list (see body.h); empty = a request
//   HELLO    either  peer identification text, at most kMaxHelloLength
//   RELOAD   either  empty; the cookie carries the config generation

inline constexpr std::uint32_t kMagic = 0x544E5053;
inline constexpr std::uint8_t kVersion = 2;
inline constexpr std::size_t kHeaderSize = 72;
inline constexpr std::size_t kMaxPayload = 65535;
inline constexpr std::size_t kMaxMessageSize = kHeaderSize + kMaxPayload;
inline constexpr std::size_t kMaxHelloLength = 256;
inline constexpr std::uint16_t kAnyPort = 0xFFFF;

// Flags. A reply sets kFlagReply and echoes the request's cookie.
inline constexpr std::uint16_t kFlagOutside = 1U << 0;         // from (PUNT) or to (TX) the outside side
inline constexpr std::uint16_t kFlagKeepaliveReply = 1U << 1;  // PUNT: answer to our NAT keepalive
inline constexpr std::uint16_t kFlagProbeReply = 1U << 2;      // PUNT: answer to a destination probe
inline constexpr std::uint16_t kFlagLocalLookup = 1U << 3;     // PUNT: R-URI may be a local AOR
inline constexpr std::uint16_t kFlagIpv6 = 1U << 4;            // src/dst are the *_ipv6 fields, *_ipv4 are zero
inline constexpr std::uint16_t kFlagFailed = 1U << 14;         // reply: the request failed
inline constexpr std::uint16_t kFlagReply = 1U << 15;

#define SIPEDGE_PUNT_TYPES(X) \
  X(Punt, 1, "punt")          \
  X(Tx, 2, "tx")              \
  X(Dispatch, 3, "dispatch")  \
  X(State, 4, "state")        \
  X(Stats, 5, "stats")        \
  X(Hello, 6, "hello")        \
  X(Reload, 7, "reload")

enum class MessageType : std::uint8_t {
#define SIPEDGE_X(id, value, text) id = value,
  SIPEDGE_PUNT_TYPES(SIPEDGE_X)
#undef SIPEDGE_X
};

[[nodiscard]] constexpr bool is_known(MessageType type) noexcept {
  switch (type) {
#define SIPEDGE_X(id, value, text) case MessageType::id:
    SIPEDGE_PUNT_TYPES(SIPEDGE_X)
#undef SIPEDGE_X
    return true;
  }
  return false;
}

[[nodiscard]] constexpr std::string_view name(MessageType type) noexcept {
  switch (type) {
#define SIPEDGE_X(id, value, text) \
  case MessageType::id:            \
    return text;
    SIPEDGE_PUNT_TYPES(SIPEDGE_X)
#undef SIPEDGE_X
  }
  return "unknown";
}

#define SIPEDGE_PUNT_ERRORS(X)                                         \
  X(Ok, "ok")                                                          \
  X(TooShort, "shorter than the header")                               \
  X(BadMagic, "bad magic")                                             \
  X(BadVersion, "unsupported version")                                 \
  X(BadType, "unknown message type")                                   \
  X(TooLong, "payload longer than kMaxPayload")                        \
  X(LengthMismatch, "payload length differs from the datagram size")   \
  X(BadBody, "body does not fit the message type")                     \
  X(BufferTooSmall, "output buffer too small")

enum class PuntError : std::uint8_t {
#define SIPEDGE_X(id, text) id,
  SIPEDGE_PUNT_ERRORS(SIPEDGE_X)
#undef SIPEDGE_X
};

inline constexpr std::size_t kPuntErrorCount = 0
#define SIPEDGE_X(id, text) +1
    SIPEDGE_PUNT_ERRORS(SIPEDGE_X)
#undef SIPEDGE_X
    ;

inline constexpr std::array<std::string_view, kPuntErrorCount> kPuntErrorNames = {
#define SIPEDGE_X(id, text) std::string_view{text},
    SIPEDGE_PUNT_ERRORS(SIPEDGE_X)
#undef SIPEDGE_X
};

[[nodiscard]] constexpr std::string_view name(PuntError error) noexcept {
  const auto i = static_cast<std::size_t>(error);
  return i < kPuntErrorCount ? kPuntErrorNames[i] : std::string_view{"unknown"};
}

using Ipv6Address = std::array<std::uint8_t, 16>;

struct Header {
  MessageType type = MessageType::Punt;
  std::uint16_t flags = 0;
  std::uint32_t nat_bits = 0;
  std::uint16_t port_id = 0;
  std::uint16_t worker_id = 0;
  std::uint32_t src_ipv4 = 0;  // host order, like every field here
  std::uint32_t dst_ipv4 = 0;
  std::uint16_t src_port = 0;
  std::uint16_t dst_port = 0;
  std::uint32_t payload_length = 0;  // set by encode, checked by decode
  std::uint64_t cookie = 0;
  Ipv6Address src_ipv6{};  // network order; meaningful with kFlagIpv6
  Ipv6Address dst_ipv6{};

  [[nodiscard]] bool is_ipv6() const noexcept { return (flags & kFlagIpv6) != 0; }

  friend bool operator==(const Header&, const Header&) = default;
};

struct Message {
  Header header;
  std::span<const std::uint8_t> payload;  // view into the decoded datagram
};

// All functions below are noexcept, allocate nothing and never read or write
// outside the given spans; safe on the per-packet path and on hostile input.

// Whether `payload` is a valid body for `type` (non-empty SIP for PUNT, TX
// and DISPATCH; exact STATE size; whole STATS entries; bounded HELLO;
// empty RELOAD).
[[nodiscard]] PuntError check_body(MessageType type, std::span<const std::uint8_t> payload) noexcept;

// Validates magic, version, type, lengths and body, then fills `out` with the
// header and a view of the body.
[[nodiscard]] PuntError decode(std::span<const std::uint8_t> datagram, Message& out) noexcept;

// Writes header (payload_length taken from payload.size()) and body to `out`;
// `written` gets the datagram size.
[[nodiscard]] PuntError encode(const Header& header, std::span<const std::uint8_t> payload,
                               std::span<std::uint8_t> out, std::size_t& written) noexcept;

// Header only, for scatter-gather sends (sendmsg with the header and the
// packet bytes as two iovecs, no copy of the packet). Checks the type and the
// length but not the body; the caller sends exactly payload_length bytes.
[[nodiscard]] PuntError encode_header(const Header& header, std::size_t payload_length,
                                      std::span<std::uint8_t, kHeaderSize> out) noexcept;

// The version byte of a datagram that starts with the magic (any version, any
// length past the first 5 bytes), or 0: lets a side name the release of a
// peer that decode() refused with BadVersion.
[[nodiscard]] std::uint8_t peer_version(std::span<const std::uint8_t> datagram) noexcept;

[[nodiscard]] inline std::span<const std::uint8_t> as_bytes(std::string_view text) noexcept {
  return {reinterpret_cast<const std::uint8_t*>(text.data()), text.size()};
}

}  // namespace sipedge::punt
