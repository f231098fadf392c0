#pragma once
// SDP addresses the NAT tests and the operator tools need (RFC 4566):
//   o=<username> <sess-id> <sess-version> <nettype> <addrtype> <unicast-address>
//   c=<nettype> <addrtype> <connection-address>[/ttl[/count]]
// Lines end with CRLF or a bare LF (RFC 4566 5).
#include <cstdint>
#include <string_view>

namespace sipedge::sip {

enum class SdpLine : std::uint8_t { origin, connection };
enum class SdpAddrType : std::uint8_t { other, ip4, ip6 };

struct SdpAddress {
  SdpLine line = SdpLine::connection;
  SdpAddrType type = SdpAddrType::other;
  std::string_view address;  // without /ttl/count
  bool valid = false;        // the line matched the syntax above (IN IP4|IP6 addr)
};

// Yields every o= and c= line of an SDP body, in order.
class SdpAddressIterator {
 public:
  explicit SdpAddressIterator(std::string_view body) noexcept : rest_(body) {}
  bool next(SdpAddress& out) noexcept;

 private:
  std::string_view rest_;
};

// True when some "c=IN IP4 <addr>" line (session or media level) carries a
// private IPv4. o= lines do not count: they name the session, not the media.
bool sdp_has_private_address(std::string_view body) noexcept;

}  // namespace sipedge::sip
