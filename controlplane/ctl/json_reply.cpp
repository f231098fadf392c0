#include "json_reply.h"

#include <nlohmann/json.hpp>

namespace sipedge::ctl {
namespace {

// ordered_json keeps members in the order they were sent (the telemetry's
// counters are printed in the dataplane's order).
using Json = nlohmann::ordered_json;

Json parse(std::string_view text) { return Json::parse(text.begin(), text.end(), nullptr, /*allow_exceptions=*/false); }

std::string text_of(const Json& value) {
  if (value.is_null()) return {};
  if (value.is_string()) return value.get<std::string>();
  // Invalid UTF-8 inside nested strings is replaced rather than thrown.
  return value.dump(-1, ' ', false, Json::error_handler_t::replace);
}

}  // namespace

std::string json_member(std::string_view json, std::string_view key) {
  const Json doc = parse(json);
  if (!doc.is_object()) return {};
  const auto it = doc.find(key);
  return it == doc.end() ? std::string() : text_of(*it);
}

std::optional<std::vector<JsonRow>> json_rows(std::string_view json) {
  const Json doc = parse(json);
  if (!doc.is_array()) return std::nullopt;
  std::vector<JsonRow> rows;
  rows.reserve(doc.size());
  for (const Json& object : doc) {
    if (!object.is_object()) return std::nullopt;
    JsonRow& row = rows.emplace_back();
    for (const auto& [name, value] : object.items()) row.emplace(name, text_of(value));
  }
  return rows;
}

std::optional<JsonCounters> json_counters(std::string_view json, std::string_view command) {
  const Json doc = parse(json);
  if (!doc.is_object()) return std::nullopt;
  const auto it = doc.find(command);
  if (it == doc.end() || !it->is_object()) return std::nullopt;
  JsonCounters out;
  out.reserve(it->size());
  for (const auto& [name, value] : it->items()) {
    if (!value.is_number_unsigned()) return std::nullopt;
    out.emplace_back(name, value.get<std::uint64_t>());
  }
  return out;
}

}  // namespace sipedge::ctl
