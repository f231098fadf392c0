#pragma once
// SIP request methods (RFC 3261 and extensions). Method names are
// case-sensitive (RFC 3261 7.1): "invite" is an unknown method, not INVITE.
#include <cstdint>
#include <string_view>

namespace sipedge::sip {

enum class Method : std::uint8_t {
  other,  // any other token: kept as text in Message::method_text()
  invite,
  ack,
  bye,
  cancel,
  register_,  // trailing underscore: `register` is a keyword
  options,
  info,
  update,
  prack,
  subscribe,
  notify,
  message,
  refer,
  publish,
};
inline constexpr std::size_t kMethodCount = 15;

// Exact (case-sensitive) match of a method token; Method::other when unknown.
Method method_from_token(std::string_view token) noexcept;
// "INVITE", ...; "OTHER" for Method::other.
std::string_view method_name(Method m) noexcept;

}  // namespace sipedge::sip
