#include "sip/proxy_checks.h"

#include "sip/lex.h"

namespace sipedge::sip {

bool is_routable_request_uri_scheme(std::string_view request_uri) noexcept {
  const std::size_t colon = request_uri.find(':');
  if (colon == std::string_view::npos) return false;
  const std::string_view scheme = request_uri.substr(0, colon);
  return lex::iequals(scheme, "sip") || lex::iequals(scheme, "sips") || lex::iequals(scheme, "tel") ||
         lex::iequals(scheme, "urn");
}

UnsupportedTags unsupported_proxy_require(const Message& request, std::span<const std::string> supported) noexcept {
  UnsupportedTags out;
  for (const HeaderValue& value : request.values(HeaderId::proxy_require)) {
    const std::string_view tag = lex::trim(value.text);
    if (tag.empty()) continue;
    bool known = false;
    for (const std::string& s : supported) known = known || lex::iequals(s, tag);
    if (known) continue;
    if (out.count < UnsupportedTags::kMaxUnsupported) out.tags[out.count] = tag;
    ++out.count;
  }
  return out;
}

}  // namespace sipedge::sip
