#include "sip/header_id.h"

#include <array>
#include <cstring>

#include "sip/header_id_internal.h"
#include "sip/lex.h"

namespace sipedge::sip {
namespace {

using header_detail::kInfo;
constexpr std::string_view kLetters = "abcdefghijklmnopqrstuvwxyz";

}  // namespace

HeaderId header_id_from_name(std::string_view name) noexcept {
  if (lex::token_length(name) != name.size()) return HeaderId::other;
  return header_id_from_token(name);
}

std::string_view header_name(HeaderId id) noexcept { return kInfo[static_cast<std::size_t>(id)].name; }

std::string_view header_compact_name(HeaderId id) noexcept {
  const char c = kInfo[static_cast<std::size_t>(id)].compact;
  return c == 0 ? std::string_view{} : kLetters.substr(static_cast<std::size_t>(c - 'a'), 1);
}

bool is_list_header(HeaderId id) noexcept { return kInfo[static_cast<std::size_t>(id)].list; }

}  // namespace sipedge::sip
