#include "call_key.h"

#include <charconv>

namespace sipedge::loadgen {

namespace {

bool take_hex(std::string_view& text, char end, std::uint32_t& out) {
  const std::size_t stop = text.find(end);
  if (stop == std::string_view::npos || stop == 0 || stop > 8) return false;
  const auto [ptr, ec] = std::from_chars(text.data(), text.data() + stop, out, 16);
  if (ec != std::errc{} || ptr != text.data() + stop) return false;
  text.remove_prefix(stop + 1);
  return true;
}

}  // namespace

std::optional<CallKey> parse_call_id(std::string_view call_id, std::uint32_t session) {
  CallKey key;
  std::uint32_t their_session = 0;
  if (!take_hex(call_id, '-', key.slot) || !take_hex(call_id, '-', key.generation) ||
      !take_hex(call_id, '@', their_session) || their_session != session) {
    return std::nullopt;
  }
  return key;
}

}  // namespace sipedge::loadgen
