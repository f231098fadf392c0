#pragma once
// sipedge::cp — how sipedge-cp writes every JSON document it serves: an
// nlohmann::ordered_json (insertion order, so documents keep the field order
// the README shows), dumped compact. AORs, contacts and user agents come from
// the network and may hold any byte: invalid UTF-8 is replaced by U+FFFD
// instead of throwing, so a hostile User-Agent cannot take the API down.
//
// Thread-safety: none needed (pure functions). Cold path: allocates.
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

namespace sipedge::cp {

using Json = nlohmann::ordered_json;

// Compact text of `doc`, without a trailing newline.
std::string dump_json(const Json& doc);

}  // namespace sipedge::cp
