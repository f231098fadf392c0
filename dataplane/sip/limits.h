#pragma once
// Sanity limits applied by Message::parse. Every breach has its own ParseError.
#include <cstddef>

namespace sipedge::sip {

// Hard capacity of the header index (Message keeps a fixed array of this size).
inline constexpr std::size_t kMaxHeaders = 64;
// Offsets are 16-bit: a UDP payload never exceeds 65507 bytes anyway.
inline constexpr std::size_t kMaxMessageSize = 65535;

struct Limits {
  static constexpr std::size_t kDefaultMaxMessageSize = kMaxMessageSize;
  static constexpr std::size_t kDefaultMaxHeaders = kMaxHeaders;
  static constexpr std::size_t kDefaultMaxLineLength = 4096;
  static constexpr std::size_t kDefaultMaxUriLength = 1024;
  static constexpr std::size_t kDefaultMaxViaValues = 32;
  static constexpr std::size_t kDefaultMaxContactValues = 32;
  static constexpr std::size_t kDefaultMaxRouteValues = 32;

  std::size_t max_message_size = kDefaultMaxMessageSize;  // -> message_too_large (clamped to kMaxMessageSize)
  std::size_t max_headers = kDefaultMaxHeaders;           // -> too_many_headers (clamped to kMaxHeaders)
  std::size_t max_line_length = kDefaultMaxLineLength;    // start line or one header incl. folds -> line_too_long
  std::size_t max_uri_length = kDefaultMaxUriLength;      // the R-URI -> uri_too_long
  std::size_t max_via_values = kDefaultMaxViaValues;      // all Via values -> too_many_vias
  std::size_t max_contact_values = kDefaultMaxContactValues;  // -> too_many_contacts
  std::size_t max_route_values = kDefaultMaxRouteValues;  // Route, and Record-Route, each -> too_many_routes
};

}  // namespace sipedge::sip
