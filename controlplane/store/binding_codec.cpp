#include "store/binding_codec.h"

#include <charconv>
#include <cstdint>
#include <limits>

namespace sipedge::store {

namespace {

// Upper bound for one field: nothing in a REGISTER is near it, and it keeps a
// corrupt length from making us believe in a huge value.
constexpr std::size_t kMaxFieldBytes = 1 << 20;
constexpr std::size_t kMaxPathHops = 64;

void append_int(std::string& out, std::int64_t value) {
  char digits[24];
  const auto [end, ec] = std::to_chars(digits, digits + sizeof digits, value);
  append_netstring(out, std::string_view(digits, static_cast<std::size_t>(end - digits)));
}

template <typename Int>
bool take_int(std::string_view& text, Int& out) {
  std::string_view field;
  if (!take_netstring(text, field) || field.empty()) return false;
  std::int64_t value = 0;
  const auto [end, ec] = std::from_chars(field.data(), field.data() + field.size(), value);
  if (ec != std::errc{} || end != field.data() + field.size()) return false;
  if (value < static_cast<std::int64_t>(std::numeric_limits<Int>::min())) return false;
  if (value > 0 && static_cast<std::uint64_t>(value) > static_cast<std::uint64_t>(std::numeric_limits<Int>::max()))
    return false;
  out = static_cast<Int>(value);
  return true;
}

bool take_string(std::string_view& text, std::string& out) {
  std::string_view field;
  if (!take_netstring(text, field)) return false;
  out.assign(field);
  return true;
}

// Version 2's trailing address: text for IPv6, "" when IPv4.
bool take_ip6(std::string_view& text, Endpoint& endpoint) {
  std::string_view field;
  if (!take_netstring(text, field)) return false;
  if (field.empty()) return true;
  if (endpoint.ip != 0) return false;  // a v6 endpoint carries 0 in the v4 field
  const auto parsed = parse_address(field, endpoint.port);
  if (!parsed || !parsed->v6) return false;
  endpoint = *parsed;
  return true;
}

}  // namespace

void append_netstring(std::string& out, std::string_view value) {
  out += std::to_string(value.size());
  out += ':';
  out += value;
  out += ',';
}

bool take_netstring(std::string_view& text, std::string_view& value) {
  std::size_t length = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), length);
  if (ec != std::errc{} || end == text.data() || length > kMaxFieldBytes) return false;
  const auto digits = static_cast<std::size_t>(end - text.data());
  if (digits >= text.size() || text[digits] != ':') return false;
  const std::string_view rest = text.substr(digits + 1);
  if (rest.size() < length + 1 || rest[length] != ',') return false;
  value = rest.substr(0, length);
  text = rest.substr(length + 1);
  return true;
}

void encode_binding(const Binding& b, std::string& out) {
  const bool v6 = b.received.v6 || b.local.v6;
  append_netstring(out, v6 ? kBindingCodecVersionV6 : kBindingCodecVersion);
  append_netstring(out, b.aor);
  append_netstring(out, b.contact);
  append_int(out, b.received.ip);
  append_int(out, b.received.port);
  append_int(out, b.local.ip);
  append_int(out, b.local.port);
  append_int(out, static_cast<std::int64_t>(b.path.size()));
  for (const std::string& hop : b.path) append_netstring(out, hop);
  append_int(out, b.expires_at);
  append_int(out, b.registered_at);
  append_int(out, b.last_refresh_ms);
  append_int(out, b.q);
  append_int(out, b.has_q ? 1 : 0);
  append_netstring(out, b.call_id);
  append_int(out, b.cseq);
  append_netstring(out, b.user_agent);
  append_int(out, b.nat ? 1 : 0);
  append_int(out, b.nat_bits);
  append_netstring(out, b.instance_id);
  append_int(out, b.reg_id);
  append_int(out, b.owner);
  if (v6) {
    append_netstring(out, b.received.v6 ? address_text(b.received) : std::string());
    append_netstring(out, b.local.v6 ? address_text(b.local) : std::string());
  }
}

bool decode_binding(std::string_view text, Binding& out) {
  Binding b;
  std::string_view version;
  if (!take_netstring(text, version) || (version != kBindingCodecVersion && version != kBindingCodecVersionV6))
    return false;
  std::uint32_t hops = 0;
  if (!take_string(text, b.aor) || b.aor.empty() || !take_string(text, b.contact) || b.contact.empty() ||
      !take_int(text, b.received.ip) || !take_int(text, b.received.port) || !take_int(text, b.local.ip) ||
      !take_int(text, b.local.port) || !take_int(text, hops) || hops > kMaxPathHops)
    return false;
  b.path.resize(hops);
  for (std::string& hop : b.path)
    if (!take_string(text, hop)) return false;
  std::uint8_t has_q = 0;
  std::uint8_t nat = 0;
  if (!take_int(text, b.expires_at) || !take_int(text, b.registered_at) || !take_int(text, b.last_refresh_ms) ||
      !take_int(text, b.q) || b.q > kMaxQ || !take_int(text, has_q) || has_q > 1 || !take_string(text, b.call_id) ||
      !take_int(text, b.cseq) || !take_string(text, b.user_agent) || !take_int(text, nat) || nat > 1 ||
      !take_int(text, b.nat_bits) || !take_string(text, b.instance_id) || !take_int(text, b.reg_id) ||
      !take_int(text, b.owner))
    return false;
  if (version == kBindingCodecVersionV6 && (!take_ip6(text, b.received) || !take_ip6(text, b.local))) return false;
  if (!text.empty()) return false;
  b.has_q = has_q != 0;
  b.nat = nat != 0;
  out = std::move(b);
  return true;
}

}  // namespace sipedge::store
