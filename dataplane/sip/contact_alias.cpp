#include "sip/contact_alias.h"

#include "sip/ipv4.h"
#include "sip/fields.h"

namespace sipedge::sip {

namespace {

ContactAlias make_alias(std::string_view host, std::uint16_t source_port) noexcept {
  ContactAlias a;
  auto put = [&a](std::string_view s) {
    for (char c : s) a.text[a.size++] = c;
  };
  put(";alias=");
  put(host);
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

}  // namespace

ContactAlias make_contact_alias(std::uint32_t source_ip, std::uint16_t source_port) noexcept {
  return make_alias(ipv4_text(source_ip).view(), source_port);
}

ContactAlias make_contact_alias(const Ipv6Address& source_ip, std::uint16_t source_port) noexcept {
  return make_alias(ipv6_reference(source_ip).view(), source_port);
}

AliasTarget parse_alias(std::string_view alias) noexcept {
  AliasTarget t;
  const auto tilde = alias.find('~');
  if (tilde == std::string_view::npos) return t;
  const ViaAddress host = parse_received(alias.substr(0, tilde));
  const std::string_view rest = alias.substr(tilde + 1);
  const auto port = parse_uint(rest.substr(0, rest.find('~')), 65535);
  if (host.type == HostType::none || !port || *port == 0) return t;
  t.address = host;
  t.port = static_cast<std::uint16_t>(*port);
  return t;
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
