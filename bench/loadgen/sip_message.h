// The loadgen's view of a received SIP message: only what a UAC and a
// stateless UAS need to answer it (RFC 3261 sections 8.2.6, 12.1, 13.3.1.4),
// as views into the datagram. Cold code next to the dataplane's parser, and
// deliberately separate from it: the generator must not share the bugs of the
// system it measures.
//
// Thread-safety: plain functions over caller-owned values.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <string_view>

namespace sipedge::loadgen {

template <std::size_t N>
struct ValueList {
  std::array<std::string_view, N> items{};
  std::size_t count = 0;

  bool push(std::string_view value) {
    if (count == N) return false;
    items[count++] = value;
    return true;
  }
  std::string_view operator[](std::size_t i) const { return items[i]; }
};

inline constexpr std::size_t kMaxVias = 16;
inline constexpr std::size_t kMaxRecordRoutes = 16;

struct SipMessage {
  bool is_response = false;
  int status = 0;                // responses
  std::string_view reason;       // responses
  std::string_view method;       // requests
  std::string_view request_uri;  // requests
  std::string_view call_id;
  std::uint32_t cseq = 0;
  std::string_view cseq_method;
  std::string_view from;         // whole header values, as received
  std::string_view to;
  std::string_view to_tag;       // empty: the To has no tag
  std::string_view contact_uri;  // the first Contact's URI, without <>
  ValueList<kMaxVias> vias;      // Via header values in order (not comma-split: echoed as is)
  ValueList<kMaxRecordRoutes> record_routes;  // one entry per route, comma-split, in order
  std::size_t routes = 0;        // Route entries present
  std::string_view body;
};

enum class ParseError {
  kNone,
  kBadStartLine,
  kBadHeader,
  kTooManyHeaders,
  kMissingHeader,  // Call-ID, CSeq, From, To or Via
  kBadCSeq,
  kBadContentLength,
};

std::string_view parse_error_name(ParseError error);

// Parses a whole datagram. Line ends are CRLF or LF; header names are matched
// case-insensitively, compact forms included (RFC 3261 7.3.3).
ParseError parse_message(std::string_view bytes, SipMessage& out);

// The value of parameter `name` after the name-addr or addr-spec of a
// From/To/Contact/Via value ("tag", "branch"...); empty if absent.
std::string_view header_param(std::string_view value, std::string_view name);

}  // namespace sipedge::loadgen
