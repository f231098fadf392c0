// A UAC call's identity: its slot in the call table and the slot's generation.
// Both are written into the Call-ID, the From tag and the branches, so a
// response finds its call without a lookup table and a late response for a
// call whose slot was reused is recognised as stale.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

#include "text_writer.h"

namespace sipedge::loadgen {

struct CallKey {
  std::uint32_t slot = 0;
  std::uint32_t generation = 0;
  bool operator==(const CallKey&) const = default;
};

// Call-ID = "<slot hex>-<generation hex>-<session hex>@<host>". The session
// (random per run) keeps runs apart at a peer that still holds dialogs.
inline void write_call_id(TextWriter& w, CallKey key, std::uint32_t session, std::string_view host) {
  w.hex(key.slot) << '-';
  w.hex(key.generation) << '-';
  w.hex(session) << '@' << host;
}

// The key of one of our Call-IDs, or nothing if it is not ours (another
// session's, malformed).
std::optional<CallKey> parse_call_id(std::string_view call_id, std::uint32_t session);

}  // namespace sipedge::loadgen
