#include "cp/api_auth.h"

namespace sipedge::cp {
namespace {

bool iequals_ascii(std::string_view a, std::string_view b) noexcept {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    const char x = a[i] >= 'A' && a[i] <= 'Z' ? static_cast<char>(a[i] - 'A' + 'a') : a[i];
    const char y = b[i] >= 'A' && b[i] <= 'Z' ? static_cast<char>(b[i] - 'A' + 'a') : b[i];
    if (x != y) return false;
  }
  return true;
}

}  // namespace

bool changes_state(std::string_view method) noexcept { return method != "GET" && method != "HEAD"; }

bool constant_time_equal(std::string_view a, std::string_view b) noexcept {
  // Every byte of `a` is compared (against `b` cycled), so the time does not
  // tell how long a matching prefix is.
  unsigned diff = a.size() == b.size() ? 0u : 1u;
  if (b.empty()) return a.empty();
  for (std::size_t i = 0; i < a.size(); ++i)
    diff |= static_cast<unsigned char>(a[i]) ^ static_cast<unsigned char>(b[i % b.size()]);
  return diff == 0;
}

ApiAuth authorize(const HttpRequest& request, std::string_view token) noexcept {
  if (token.empty()) return ApiAuth::allowed;
  // credentials = auth-scheme 1*SP token68 (RFC 9110 11.4); the scheme is case-insensitive.
  std::string_view credentials = request.authorization;
  const std::size_t space = credentials.find(' ');
  if (space == std::string_view::npos || !iequals_ascii(credentials.substr(0, space), "bearer")) return ApiAuth::missing;
  credentials.remove_prefix(space);
  while (!credentials.empty() && credentials.front() == ' ') credentials.remove_prefix(1);
  return constant_time_equal(credentials, token) ? ApiAuth::allowed : ApiAuth::wrong;
}

}  // namespace sipedge::cp
