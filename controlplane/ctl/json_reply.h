#pragma once
// sipedge::ctl json_* — what sipedgectl reads from the JSON that sipedge-cp's
// HTTP API and sipedge-dp's telemetry answer, parsed whole with nlohmann-json
// (so a key is found only where it is a member, never inside a string or a
// nested object). Nothing here throws: a body that is not JSON, or not of the
// expected shape, reads as absent.
//
// Thread-safety: none needed (no shared state).
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace sipedge::ctl {

// The value of a top-level member of a JSON object as text: a string
// unquoted and unescaped, a number or boolean as JSON writes it, an array or
// object as its JSON text; "" when the member is absent or null, or the body
// is not a JSON object.
std::string json_member(std::string_view json, std::string_view key);

// An array of objects (e.g. /api/sets) as rows of member -> text (as
// json_member renders each value); nullopt when the body is anything else.
using JsonRow = std::map<std::string, std::string, std::less<>>;
std::optional<std::vector<JsonRow>> json_rows(std::string_view json);

// The telemetry answer {"<command>": {"name": <unsigned>, ...}} as its
// counters in the order they were sent; nullopt when the body is anything
// else (another command, a value that is not an unsigned integer).
using JsonCounters = std::vector<std::pair<std::string, std::uint64_t>>;
std::optional<JsonCounters> json_counters(std::string_view json, std::string_view command);

}  // namespace sipedge::ctl
