#include "sip/sdp.h"

#include "sip/ipv4.h"
#include "sip/lex.h"

namespace sipedge::sip {
namespace {

// Next field of an SDP line; fields are separated by SP (tolerating runs of SP/HT).
std::string_view next_field(std::string_view& s) {
  std::size_t i = 0;
  while (i < s.size() && (s[i] == ' ' || s[i] == '\t')) ++i;
  std::size_t j = i;
  while (j < s.size() && s[j] != ' ' && s[j] != '\t') ++j;
  const std::string_view f = s.substr(i, j - i);
  s = s.substr(j);
  return f;
}

}  // namespace

bool SdpAddressIterator::next(SdpAddress& out) noexcept {
  while (!rest_.empty()) {
    const std::size_t nl = rest_.find('\n');
    std::string_view line = rest_.substr(0, nl);
    rest_ = nl == std::string_view::npos ? std::string_view{} : rest_.substr(nl + 1);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (line.size() < 2 || line[1] != '=' || (line[0] != 'o' && line[0] != 'c')) continue;

    out = SdpAddress{};
    out.line = line[0] == 'o' ? SdpLine::origin : SdpLine::connection;
    std::string_view s = line.substr(2);
    if (out.line == SdpLine::origin) {
      for (int k = 0; k < 3; ++k) next_field(s);  // username sess-id sess-version
    }
    const std::string_view nettype = next_field(s);
    const std::string_view addrtype = next_field(s);
    std::string_view address = next_field(s);
    const bool trailing = !next_field(s).empty();
    if (out.line == SdpLine::connection) address = address.substr(0, address.find('/'));
    if (lex::iequals(addrtype, "IP4")) {
      out.type = SdpAddrType::ip4;
    } else if (lex::iequals(addrtype, "IP6")) {
      out.type = SdpAddrType::ip6;
    }
    out.address = address;
    out.valid = nettype == "IN" && out.type != SdpAddrType::other && !address.empty() && !trailing;
    return true;
  }
  return false;
}

bool sdp_has_private_address(std::string_view body) noexcept {
  // Fast path for the per-packet NAT test: jump between "c=IN IP4 " lines
  // (RFC 4566 fixes single SP separators) instead of walking every line.
  constexpr std::string_view kPrefix = "c=IN IP4 ";
  std::size_t pos = 0;
  while ((pos = body.find(kPrefix, pos)) != std::string_view::npos) {
    const bool line_start = pos == 0 || body[pos - 1] == '\n';
    pos += kPrefix.size();
    if (!line_start) continue;
    std::size_t end = pos;
    while (end < body.size() && body[end] != '/' && body[end] != '\r' && body[end] != '\n' && body[end] != ' ') ++end;
    if (is_private_ipv4_text(body.substr(pos, end - pos))) return true;
  }
  return false;
}

}  // namespace sipedge::sip
