#include "sip/contact_alias.h"

#include "sip/ipv4.h"

namespace sipedge::sip {

ContactAlias make_contact_alias(std::uint32_t source_ip, std::uint16_t source_port) noexcept {
  ContactAlias a;
  auto put = [&a](std::string_view s) {
    for (char c : s) a.text[a.size++] = c;
  };
  put(";alias=");
  put(ipv4_text(source_ip).view());
  put("~");
  char digits[5];
  std::size_t d = sizeof digits;
  std::uint32_t port = source_port;
  do {
    digits[--d] = static_cast<char>('0' + port % 10);
    port /= 10;
  } while (port != 0);
  put({digits + d, sizeof digits - d});
  put("~1");
  return a;
}

ContactAliasResult add_contact_alias(const Message& msg, Rewriter& rw, const ContactAlias& alias) noexcept {
  ContactAliasResult result;
  for (const HeaderValue& v : msg.values(HeaderId::contact)) {
    const auto na = parse_name_addr(v.text, true);
    if (!na || na->star) continue;
    if (na->uri.scheme != UriScheme::sip && na->uri.scheme != UriScheme::sips) continue;
    if (!na->uri.alias().empty()) continue;  // fixed already (by us or a NAT helper nearer the UA)
    result.error = rw.append_uri_param(*na, alias.view());
    if (result.error != RewriteError::ok) return result;
    ++result.aliased;
  }
  return result;
}

}  // namespace sipedge::sip
