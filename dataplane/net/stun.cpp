#include "net/stun.h"

#include <algorithm>
#include <cstring>

#include "net/bytes.h"
#include "net/crc32.h"

namespace sipedge::net {
namespace {

constexpr std::size_t kAttrHeader = 4;
constexpr std::uint8_t kFamilyIpv4 = 0x01;

constexpr std::size_t pad4(std::size_t n) noexcept { return (n + 3) & ~std::size_t{3}; }

// Comprehension-required attributes (0x0000-0x7FFF) we understand well
// enough to answer a request that carries them. RFC 5389 7.3.1 says an
// unknown one must not be ignored.
constexpr bool known_required(std::uint16_t type) noexcept {
  switch (type) {
    case kStunAttrMappedAddress:
    case kStunAttrXorMappedAddress:
    case 0x0024:  // PRIORITY (RFC 8445): harmless in a keepalive
    case 0x0025:  // USE-CANDIDATE
      return true;
    default:
      return false;
  }
}

std::uint32_t fingerprint(std::span<const std::uint8_t> before) noexcept {
  return crc32(before) ^ kStunFingerprintXor;
}

bool stun_header(std::span<const std::uint8_t> m) noexcept {
  return m.size() >= kStunHeaderLength && (m[0] & 0xc0) == 0 &&
         load_be32(m.data() + 4) == kStunMagicCookie;
}

}  // namespace

StunParse parse_stun(std::span<const std::uint8_t> payload, StunBindingRequest& out) noexcept {
  if (!stun_header(payload)) return StunParse::not_stun;
  const std::uint8_t* m = payload.data();
  const std::size_t body = load_be16(m + 2);
  if (body % 4 != 0 || kStunHeaderLength + body != payload.size()) return StunParse::malformed;

  bool fp = false;
  bool unsupported = false;
  std::size_t at = kStunHeaderLength;
  while (at < payload.size()) {
    if (fp) return StunParse::malformed;  // FINGERPRINT must be last (15.5)
    if (payload.size() - at < kAttrHeader) return StunParse::malformed;
    const std::uint16_t type = load_be16(m + at);
    const std::size_t len = load_be16(m + at + 2);
    const std::size_t next = at + kAttrHeader + pad4(len);
    if (next > payload.size()) return StunParse::malformed;
    if (type == kStunAttrFingerprint) {
      if (len != 4 || load_be32(m + at + kAttrHeader) != fingerprint(payload.first(at))) {
        return StunParse::malformed;
      }
      fp = true;
    } else if (type == kStunAttrMessageIntegrity || type == kStunAttrUsername ||
               (type < 0x8000 && !known_required(type))) {
      unsupported = true;
    }
    at = next;
  }
  if (load_be16(m) != kStunBindingRequest) return StunParse::other_message;
  if (unsupported) return StunParse::unsupported;
  std::memcpy(out.transaction_id.data(), m + 8, out.transaction_id.size());
  out.has_fingerprint = fp;
  return StunParse::binding_request;
}

std::size_t build_stun_binding_response(std::span<std::uint8_t> out,
                                        const StunBindingRequest& request, std::uint32_t src_ip,
                                        std::uint16_t src_port,
                                        std::string_view software) noexcept {
  software = software.substr(0, std::min(software.size(), kStunMaxSoftware));
  const std::size_t length = kStunHeaderLength + kAttrHeader + 8 +
                             (software.empty() ? 0 : kAttrHeader + pad4(software.size())) +
                             (request.has_fingerprint ? kAttrHeader + 4 : 0);
  if (out.size() < length) return 0;
  // Copy first: `out` may be the request's own bytes.
  const auto txid = request.transaction_id;
  std::uint8_t* m = out.data();
  store_be16(m, kStunBindingSuccess);
  store_be16(m + 2, static_cast<std::uint16_t>(length - kStunHeaderLength));
  store_be32(m + 4, kStunMagicCookie);
  std::memcpy(m + 8, txid.data(), txid.size());

  std::uint8_t* a = m + kStunHeaderLength;
  store_be16(a, kStunAttrXorMappedAddress);
  store_be16(a + 2, 8);
  a[4] = 0;
  a[5] = kFamilyIpv4;
  store_be16(a + 6, static_cast<std::uint16_t>(src_port ^ (kStunMagicCookie >> 16)));
  store_be32(a + 8, src_ip ^ kStunMagicCookie);
  a += kAttrHeader + 8;

  if (!software.empty()) {
    store_be16(a, kStunAttrSoftware);
    store_be16(a + 2, static_cast<std::uint16_t>(software.size()));
    std::memcpy(a + kAttrHeader, software.data(), software.size());
    const std::size_t padded = pad4(software.size());
    std::fill(a + kAttrHeader + software.size(), a + kAttrHeader + padded, std::uint8_t{0});
    a += kAttrHeader + padded;
  }
  if (request.has_fingerprint) {
    // The length field already counts the FINGERPRINT attribute (15.5).
    const auto before = static_cast<std::size_t>(a - m);
    store_be16(a, kStunAttrFingerprint);
    store_be16(a + 2, 4);
    store_be32(a + kAttrHeader, fingerprint({m, before}));
  }
  return length;
}

std::optional<StunAddress> stun_xor_mapped_address(
    std::span<const std::uint8_t> message) noexcept {
  if (!stun_header(message)) return std::nullopt;
  const std::uint8_t* m = message.data();
  const std::size_t end = std::min(message.size(), kStunHeaderLength + load_be16(m + 2));
  std::size_t at = kStunHeaderLength;
  while (at < end && end - at >= kAttrHeader) {
    const std::uint16_t type = load_be16(m + at);
    const std::size_t len = load_be16(m + at + 2);
    if (len > end - at - kAttrHeader) return std::nullopt;
    if (type == kStunAttrXorMappedAddress) {
      if (len != 8 || m[at + 5] != kFamilyIpv4) return std::nullopt;
      StunAddress addr;
      addr.port = static_cast<std::uint16_t>(load_be16(m + at + 6) ^ (kStunMagicCookie >> 16));
      addr.ip = load_be32(m + at + 8) ^ kStunMagicCookie;
      return addr;
    }
    at += kAttrHeader + pad4(len);
  }
  return std::nullopt;
}

}  // namespace sipedge::net
