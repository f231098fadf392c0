// STUN Binding (RFC 5389) as used for NAT keepalives on a SIP port
// (RFC 5626 section 4.4.2): recognise a Binding request and answer it with
// the source transport address it came from.
//
// STUN shares the port with SIP; a SIP message starts with an ASCII letter
// (top bits 01), a STUN message with two zero bits and the magic cookie at
// bytes 4..7 (RFC 5389 section 6), so the two never collide.
//
// Allocation-free and noexcept; safe to call concurrently on distinct buffers.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string_view>

namespace sipedge::net {

inline constexpr std::size_t kStunHeaderLength = 20;
inline constexpr std::uint32_t kStunMagicCookie = 0x2112A442;
inline constexpr std::uint16_t kStunBindingRequest = 0x0001;
inline constexpr std::uint16_t kStunBindingSuccess = 0x0101;
inline constexpr std::uint16_t kStunAttrMappedAddress = 0x0001;
inline constexpr std::uint16_t kStunAttrUsername = 0x0006;
inline constexpr std::uint16_t kStunAttrMessageIntegrity = 0x0008;
inline constexpr std::uint16_t kStunAttrXorMappedAddress = 0x0020;
inline constexpr std::uint16_t kStunAttrSoftware = 0x8022;
inline constexpr std::uint16_t kStunAttrFingerprint = 0x8028;
inline constexpr std::uint32_t kStunFingerprintXor = 0x5354554e;
// RFC 5389 15.10: fewer than 128 characters; we count bytes.
inline constexpr std::size_t kStunMaxSoftware = 127;
// Header + XOR-MAPPED-ADDRESS + SOFTWARE (padded) + FINGERPRINT.
inline constexpr std::size_t kStunMaxResponseLength = 20 + 12 + 4 + 128 + 8;

struct StunBindingRequest {
  std::array<std::uint8_t, 12> transaction_id{};
  bool has_fingerprint = false;  // answer with one too (RFC 5389 7.3)
};

enum class StunParse : std::uint8_t {
  not_stun,         // no STUN header: treat the payload as SIP
  binding_request,  // answer with build_stun_binding_response()
  other_message,    // valid STUN, but not a Binding request: ignore
  malformed,        // STUN header, but length, attributes or FINGERPRINT wrong
  unsupported,      // carries MESSAGE-INTEGRITY/USERNAME (credentials we do
                    // not have) or an unknown comprehension-required
                    // attribute; not answered
};

// Checks `payload` (one whole UDP payload) for a STUN message. Fills `out`
// only for binding_request. Never reads past `payload`.
[[nodiscard]] StunParse parse_stun(std::span<const std::uint8_t> payload,
                                   StunBindingRequest& out) noexcept;

// Writes the Binding success response into `out`: same transaction ID,
// XOR-MAPPED-ADDRESS of `src_ip`:`src_port` (host order), SOFTWARE when
// `software` is non-empty (cut to kStunMaxSoftware bytes), FINGERPRINT when
// the request had one. `out` may overlap the request's bytes. Returns the
// length, or 0 when `out` is too small.
[[nodiscard]] std::size_t build_stun_binding_response(std::span<std::uint8_t> out,
                                                      const StunBindingRequest& request,
                                                      std::uint32_t src_ip,
                                                      std::uint16_t src_port,
                                                      std::string_view software = {}) noexcept;

struct StunAddress {
  std::uint32_t ip = 0;  // host order
  std::uint16_t port = 0;
};

// The IPv4 XOR-MAPPED-ADDRESS of a STUN message (for tools and the control
// plane's own probes); nullopt when absent or not IPv4.
[[nodiscard]] std::optional<StunAddress> stun_xor_mapped_address(
    std::span<const std::uint8_t> message) noexcept;

}  // namespace sipedge::net
