#pragma once
// sipedge::store — what a provisioned subscriber's fields may hold, checked
// both by sipedgectl (before it sends anything) and by sipedge-cp's
// /api/subscribers (which never trusts its client). Header-only so the CLI
// needs no library of the control plane.
//
// username: the RFC 3261 `user` characters without escapes (unreserved /
// user-unreserved), 1..64 bytes: what a phone puts in the Digest username
// without quoting trouble. realm: what registrar.realm accepts (no quotes,
// backslashes or control characters), 1..253 bytes. HA1 values: hex, 32 digits for MD5, 64 for
// SHA-256 (either case; stored lower-case). Passwords: 1..128 bytes, no
// control characters.
//
// Thread-safety: pure functions. Errors: a problem is returned as a message
// ("" when the value is fine); nothing throws or allocates.
#include <cstddef>
#include <string_view>

namespace sipedge::store {

inline constexpr std::size_t kMaxSubscriberUsername = 64;
inline constexpr std::size_t kMaxSubscriberRealm = 253;
inline constexpr std::size_t kMaxSubscriberPassword = 128;
inline constexpr std::size_t kHa1Md5Digits = 32;
inline constexpr std::size_t kHa1Sha256Digits = 64;

namespace detail {
constexpr bool is_alnum(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'); }
constexpr bool is_hex(char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'); }
}  // namespace detail

// RFC 3261 25.1: user = 1*( unreserved / escaped / user-unreserved ).
constexpr std::string_view username_problem(std::string_view username) {
  if (username.empty()) return "the username is empty";
  if (username.size() > kMaxSubscriberUsername) return "the username is longer than 64 characters";
  for (char c : username)
    if (!detail::is_alnum(c) && std::string_view("-_.!~*'()&=+$,;?/").find(c) == std::string_view::npos)
      return "the username may hold letters, digits and -_.!~*'()&=+$,;?/ only";
  return {};
}

constexpr std::string_view realm_problem(std::string_view realm) {
  if (realm.empty()) return "the realm is empty";
  if (realm.size() > kMaxSubscriberRealm) return "the realm is longer than 253 characters";
  // The same rule as registrar.realm in the config (dataplane/config).
  for (char c : realm)
    if (c == '"' || c == '\\' || static_cast<unsigned char>(c) < 0x20 || c == 0x7F)
      return "the realm must not contain quotes, backslashes or control characters";
  return {};
}

constexpr std::string_view password_problem(std::string_view password) {
  if (password.empty()) return "the password is empty";
  if (password.size() > kMaxSubscriberPassword) return "the password is longer than 128 characters";
  for (char c : password)
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7F) return "the password holds a control character";
  return {};
}

// `digits`: kHa1Md5Digits or kHa1Sha256Digits.
constexpr std::string_view ha1_problem(std::string_view ha1, std::size_t digits) {
  if (ha1.size() != digits)
    return digits == kHa1Md5Digits ? "an MD5 HA1 is 32 hex digits" : "a SHA-256 HA1 is 64 hex digits";
  for (char c : ha1)
    if (!detail::is_hex(c)) return "an HA1 holds hex digits only";
  return {};
}

}  // namespace sipedge::store
