#include "registrar/aor.h"

#include <array>

#include "sip/lex.h"

namespace sipedge::registrar {

namespace {

using sip::lex::iequals;
using sip::lex::lower;

std::optional<std::string> unescaped(std::string_view text) {
  std::string out(text.size(), '\0');
  const auto n = sip::unescape(text, std::span<char>(out.data(), out.size()));
  if (!n) return std::nullopt;
  out.resize(*n);
  return out;
}

bool is_sip(const sip::Uri& uri) { return uri.scheme == sip::UriScheme::sip || uri.scheme == sip::UriScheme::sips; }

}  // namespace

std::optional<std::string> normalize_aor(const sip::Uri& uri) {
  if (!is_sip(uri) || !uri.has_user()) return std::nullopt;
  auto user = unescaped(uri.user);
  if (!user || user->empty()) return std::nullopt;
  std::string out = std::move(*user);
  out += '@';
  for (char c : uri.host_with_brackets()) out += lower(c);
  return out;
}

std::optional<std::string> normalize_aor(std::string_view uri_text) {
  const auto uri = sip::parse_uri(uri_text);
  if (!uri) return std::nullopt;
  return normalize_aor(*uri);
}

std::string_view aor_domain(std::string_view aor) noexcept {
  const auto at = aor.rfind('@');
  return at == std::string_view::npos ? aor : aor.substr(at + 1);
}

std::string_view aor_user(std::string_view aor) noexcept {
  const auto at = aor.rfind('@');
  return at == std::string_view::npos ? std::string_view{} : aor.substr(0, at);
}

bool same_contact(std::string_view a, std::string_view b) {
  if (a == b) return true;
  const auto ua = sip::parse_uri(a);
  const auto ub = sip::parse_uri(b);
  if (!ua || !ub) return false;
  if (ua->scheme != ub->scheme) return false;
  if (!is_sip(*ua)) return iequals(a, b);
  if (unescaped(ua->user) != unescaped(ub->user)) return false;
  if (unescaped(ua->password) != unescaped(ub->password)) return false;
  if (!iequals(ua->host, ub->host)) return false;
  if (ua->has_port != ub->has_port || ua->port != ub->port) return false;
  // RFC 3261 19.1.4: these parameters must match when present in either URI.
  static constexpr std::array<std::string_view, 5> kMustMatch = {"transport", "user", "method", "maddr", "ttl"};
  for (std::string_view name : kMustMatch) {
    sip::Param pa;
    sip::Param pb;
    const bool in_a = ua->param(name, pa);
    const bool in_b = ub->param(name, pb);
    if (in_a != in_b) return false;
    if (in_a && !iequals(pa.value, pb.value)) return false;
  }
  return true;
}

}  // namespace sipedge::registrar
