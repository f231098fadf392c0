#include "config/config.h"

namespace sipedge::config {

std::string Error::to_string() const {
  std::string text = file;
  if (line != 0) {
    text += ':';
    text += std::to_string(line);
    text += ':';
    text += std::to_string(column);
  }
  text += ": ";
  text += message;
  return text;
}

std::optional<std::size_t> Config::find_port(std::string_view name) const {
  for (std::size_t i = 0; i < ports.size(); ++i)
    if (ports[i].name == name) return i;
  return std::nullopt;
}

std::optional<std::size_t> Config::find_set(std::string_view name) const {
  for (std::size_t i = 0; i < sets.size(); ++i)
    if (sets[i].name == name) return i;
  return std::nullopt;
}

std::string nat_test_names(std::uint32_t tests) {
  std::string names;
  for (const auto& entry : kNatTestNames) {
    if ((tests & entry.value) == 0) continue;
    if (!names.empty()) names += ',';
    names += entry.name;
  }
  return names;
}

}  // namespace sipedge::config
