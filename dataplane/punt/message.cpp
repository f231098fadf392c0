#include "punt/message.h"

#include <algorithm>

#include "punt/body.h"
#include "punt/wire.h"

namespace sipedge::punt {
namespace {

namespace off {
constexpr std::size_t kMagic = 0;
constexpr std::size_t kVersion = 4;
constexpr std::size_t kType = 5;
constexpr std::size_t kFlags = 6;
constexpr std::size_t kNatBits = 8;
constexpr std::size_t kPortId = 12;
constexpr std::size_t kWorkerId = 14;
constexpr std::size_t kSrcIpv4 = 16;
constexpr std::size_t kDstIpv4 = 20;
constexpr std::size_t kSrcPort = 24;
constexpr std::size_t kDstPort = 26;
constexpr std::size_t kPayloadLength = 28;
constexpr std::size_t kCookie = 32;
constexpr std::size_t kSrcIpv6 = 40;
constexpr std::size_t kDstIpv6 = 56;
static_assert(kDstIpv6 + 16 == kHeaderSize);
}  // namespace off

void write_header(const Header& h, std::uint32_t payload_length, std::uint8_t* p) noexcept {
  wire::store_le32(p + off::kMagic, kMagic);
  p[off::kVersion] = kVersion;
  p[off::kType] = static_cast<std::uint8_t>(h.type);
  wire::store_le16(p + off::kFlags, h.flags);
  wire::store_le32(p + off::kNatBits, h.nat_bits);
  wire::store_le16(p + off::kPortId, h.port_id);
  wire::store_le16(p + off::kWorkerId, h.worker_id);
  wire::store_le32(p + off::kSrcIpv4, h.src_ipv4);
  wire::store_le32(p + off::kDstIpv4, h.dst_ipv4);
  wire::store_le16(p + off::kSrcPort, h.src_port);
  wire::store_le16(p + off::kDstPort, h.dst_port);
  wire::store_le32(p + off::kPayloadLength, payload_length);
  wire::store_le64(p + off::kCookie, h.cookie);
  std::copy(h.src_ipv6.begin(), h.src_ipv6.end(), p + off::kSrcIpv6);
  std::copy(h.dst_ipv6.begin(), h.dst_ipv6.end(), p + off::kDstIpv6);
}

Ipv6Address load_ipv6(const std::uint8_t* p) noexcept {
  Ipv6Address a;
  std::copy(p, p + a.size(), a.begin());
  return a;
}

}  // namespace

PuntError check_body(MessageType type, std::span<const std::uint8_t> payload) noexcept {
  if (payload.size() > kMaxPayload) {
    return PuntError::TooLong;
  }
  switch (type) {
    case MessageType::Punt:
    case MessageType::Tx:
    case MessageType::Dispatch:
      return payload.empty() ? PuntError::BadBody : PuntError::Ok;
    case MessageType::State: {
      StateBody ignored;
      return decode_state(payload, ignored);
    }
    case MessageType::Stats:
      return payload.size() % kStatEntrySize == 0 ? PuntError::Ok : PuntError::BadBody;
    case MessageType::Hello:
      return payload.size() <= kMaxHelloLength ? PuntError::Ok : PuntError::BadBody;
    case MessageType::Reload:
      return payload.empty() ? PuntError::Ok : PuntError::BadBody;
  }
  return PuntError::BadType;
}

std::uint8_t peer_version(std::span<const std::uint8_t> datagram) noexcept {
  if (datagram.size() <= off::kVersion || wire::load_le32(datagram.data() + off::kMagic) != kMagic) return 0;
  return datagram[off::kVersion];
}

PuntError decode(std::span<const std::uint8_t> datagram, Message& out) noexcept {
  // Magic and version first: a version 1 header is shorter than ours, and
  // "unsupported version" says more than "too short".
  const std::uint8_t version = peer_version(datagram);
  if (version != 0 && version != kVersion) {
    return PuntError::BadVersion;
  }
  if (datagram.size() < kHeaderSize) {
    return PuntError::TooShort;
  }
  const std::uint8_t* p = datagram.data();
  if (wire::load_le32(p + off::kMagic) != kMagic) {
    return PuntError::BadMagic;
  }
  if (p[off::kVersion] != kVersion) {
    return PuntError::BadVersion;
  }
  const auto type = static_cast<MessageType>(p[off::kType]);
  if (!is_known(type)) {
    return PuntError::BadType;
  }
  const std::uint32_t payload_length = wire::load_le32(p + off::kPayloadLength);
  if (payload_length > kMaxPayload) {
    return PuntError::TooLong;
  }
  if (payload_length != datagram.size() - kHeaderSize) {
    return PuntError::LengthMismatch;
  }
  const auto payload = datagram.subspan(kHeaderSize);
  if (const auto e = check_body(type, payload); e != PuntError::Ok) {
    return e;
  }
  out.header = Header{
      .type = type,
      .flags = wire::load_le16(p + off::kFlags),
      .nat_bits = wire::load_le32(p + off::kNatBits),
      .port_id = wire::load_le16(p + off::kPortId),
      .worker_id = wire::load_le16(p + off::kWorkerId),
      .src_ipv4 = wire::load_le32(p + off::kSrcIpv4),
      .dst_ipv4 = wire::load_le32(p + off::kDstIpv4),
      .src_port = wire::load_le16(p + off::kSrcPort),
      .dst_port = wire::load_le16(p + off::kDstPort),
      .payload_length = payload_length,
      .cookie = wire::load_le64(p + off::kCookie),
      .src_ipv6 = load_ipv6(p + off::kSrcIpv6),
      .dst_ipv6 = load_ipv6(p + off::kDstIpv6),
  };
  out.payload = payload;
  return PuntError::Ok;
}

PuntError encode(const Header& header, std::span<const std::uint8_t> payload, std::span<std::uint8_t> out,
                 std::size_t& written) noexcept {
  written = 0;
  if (!is_known(header.type)) {
    return PuntError::BadType;
  }
  if (const auto e = check_body(header.type, payload); e != PuntError::Ok) {
    return e;
  }
  if (out.size() < kHeaderSize + payload.size()) {
    return PuntError::BufferTooSmall;
  }
  write_header(header, static_cast<std::uint32_t>(payload.size()), out.data());
  if (!payload.empty()) {
    std::copy(payload.begin(), payload.end(), out.begin() + kHeaderSize);
  }
  written = kHeaderSize + payload.size();
  return PuntError::Ok;
}

PuntError encode_header(const Header& header, std::size_t payload_length,
                        std::span<std::uint8_t, kHeaderSize> out) noexcept {
  if (!is_known(header.type)) {
    return PuntError::BadType;
  }
  if (payload_length > kMaxPayload) {
    return PuntError::TooLong;
  }
  write_header(header, static_cast<std::uint32_t>(payload_length), out.data());
  return PuntError::Ok;
}

}  // namespace sipedge::punt
