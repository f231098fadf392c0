#include "config/reader.h"

#include <algorithm>

namespace sipedge::config::detail {
namespace {

// Small edit distance for "did you mean" on unknown keys.
std::size_t edit_distance(std::string_view a, std::string_view b) {
  std::vector<std::size_t> row(b.size() + 1);
  for (std::size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i) {
    std::size_t diagonal = row[0];
    row[0] = i;
    for (std::size_t j = 1; j <= b.size(); ++j) {
      const std::size_t above = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] == b[j - 1] ? 0 : 1)});
      diagonal = above;
    }
  }
  return row[b.size()];
}

std::string suggestion(std::string_view key, const std::vector<std::string>& known) {
  const std::string* best = nullptr;
  std::size_t best_distance = 3;  // more than two edits is a different word
  for (const auto& candidate : known) {
    const std::size_t distance = edit_distance(key, candidate);
    if (distance < best_distance) {
      best = &candidate;
      best_distance = distance;
    }
  }
  return best ? " (did you mean " + quoted(*best) + "?)" : "";
}

}  // namespace

Position position_of(const toml::node& node, Position fallback) {
  const auto& begin = node.source().begin;
  if (begin.line == 0) return fallback;
  return {begin.line, begin.column};
}

void Diagnostics::add(Position where, std::string_view path, std::string_view message) {
  std::string text;
  if (!path.empty()) {
    text += path;
    text += ": ";
  }
  text += message;
  errors_.push_back(Error{file_, where.line, where.column, std::move(text)});
}

std::vector<Error> Diagnostics::take_sorted() {
  std::stable_sort(errors_.begin(), errors_.end(), [](const Error& a, const Error& b) {
    return a.line != b.line ? a.line < b.line : a.column < b.column;
  });
  return std::move(errors_);
}

std::string join_path(std::string_view base, std::string_view key) {
  std::string path(base);
  if (!path.empty()) path += '.';
  path += key;
  return path;
}

std::string index_path(std::string_view base, std::size_t index) {
  return std::string(base) + "[" + std::to_string(index) + "]";
}

std::string type_phrase(const toml::node& node) {
  switch (node.type()) {
    case toml::node_type::table:
      return "a table";
    case toml::node_type::array:
      return "an array";
    case toml::node_type::string:
      return "a string";
    case toml::node_type::integer:
      return "an integer";
    case toml::node_type::floating_point:
      return "a float";
    case toml::node_type::boolean:
      return "a boolean";
    case toml::node_type::date:
      return "a date";
    case toml::node_type::time:
      return "a time";
    case toml::node_type::date_time:
      return "a date-time";
    case toml::node_type::none:
      break;
  }
  return "nothing";
}

std::string quoted(std::string_view text) {
  std::string out = "\"";
  out += text;
  out += '"';
  return out;
}

void ValueChecker::fail(const toml::node& node, std::string_view path, std::string_view message) {
  diagnostics_.add(position_of(node, fallback_), path, message);
}

std::optional<std::int64_t> ValueChecker::integer(const toml::node& node, std::string_view path, std::int64_t min,
                                                  std::int64_t max) {
  const std::string rule = "must be an integer " + std::to_string(min) + ".." + std::to_string(max);
  const auto* value = node.as_integer();
  if (!value) {
    fail(node, path, rule + ", got " + type_phrase(node));
    return std::nullopt;
  }
  if (value->get() < min || value->get() > max) {
    fail(node, path, rule + ", got " + std::to_string(value->get()));
    return std::nullopt;
  }
  return value->get();
}

std::optional<std::uint32_t> ValueChecker::power_of_two(const toml::node& node, std::string_view path,
                                                        std::uint32_t min, std::uint32_t max) {
  const std::string rule = "must be a power of two " + std::to_string(min) + ".." + std::to_string(max);
  const auto* value = node.as_integer();
  if (!value) {
    fail(node, path, rule + ", got " + type_phrase(node));
    return std::nullopt;
  }
  const std::int64_t n = value->get();
  if (n < min || n > max || (n & (n - 1)) != 0) {
    fail(node, path, rule + ", got " + std::to_string(n));
    return std::nullopt;
  }
  return std::uint32_t(n);
}

std::optional<bool> ValueChecker::boolean(const toml::node& node, std::string_view path) {
  if (const auto* value = node.as_boolean()) return value->get();
  fail(node, path, "must be a boolean (true or false), got " + type_phrase(node));
  return std::nullopt;
}

std::optional<std::string_view> ValueChecker::string(const toml::node& node, std::string_view path) {
  if (const auto* value = node.as_string()) return std::string_view(value->get());
  fail(node, path, "must be a string, got " + type_phrase(node));
  return std::nullopt;
}

std::optional<std::string_view> ValueChecker::non_empty_string(const toml::node& node, std::string_view path) {
  auto text = string(node, path);
  if (text && text->empty()) {
    fail(node, path, "must not be empty");
    return std::nullopt;
  }
  return text;
}

TableReader::TableReader(Diagnostics& diagnostics, const toml::table* table, std::string path, Position fallback)
    : diagnostics_(diagnostics),
      table_(table),
      path_(std::move(path)),
      position_(table ? position_of(*table, fallback) : fallback),
      check_(diagnostics, position_) {}

const toml::node* TableReader::get(std::string_view key) {
  if (std::find(known_.begin(), known_.end(), key) == known_.end()) known_.emplace_back(key);
  return table_ ? table_->get(key) : nullptr;
}

const toml::node* TableReader::require(std::string_view key) {
  const auto* node = get(key);
  if (!node) fail(key, "is required");
  return node;
}

void TableReader::fail(std::string_view key, std::string_view message) {
  diagnostics_.add(position_, key_path(key), message);
}

void TableReader::fail_here(std::string_view message) { diagnostics_.add(position_, path_, message); }

void TableReader::fail_at(const toml::node& node, std::string_view key, std::string_view message) {
  check_.fail(node, key_path(key), message);
}

bool TableReader::read(std::string_view key, std::uint32_t& out, std::uint32_t min, std::uint32_t max) {
  const auto* node = get(key);
  if (!node) return true;
  auto value = check_.integer(*node, key_path(key), min, max);
  if (value) out = std::uint32_t(*value);
  return value.has_value();
}

bool TableReader::read_power_of_two(std::string_view key, std::uint32_t& out, std::uint32_t min, std::uint32_t max) {
  const auto* node = get(key);
  if (!node) return true;
  auto value = check_.power_of_two(*node, key_path(key), min, max);
  if (value) out = *value;
  return value.has_value();
}

bool TableReader::read(std::string_view key, bool& out) {
  const auto* node = get(key);
  if (!node) return true;
  auto value = check_.boolean(*node, key_path(key));
  if (value) out = *value;
  return value.has_value();
}

bool TableReader::read(std::string_view key, std::string& out) {
  const auto* node = get(key);
  if (!node) return true;
  auto value = check_.string(*node, key_path(key));
  if (value) out = std::string(*value);
  return value.has_value();
}

const toml::table* TableReader::table(std::string_view key) {
  const auto* node = get(key);
  if (!node) return nullptr;
  if (const auto* sub = node->as_table()) return sub;
  fail_at(*node, key, "must be a table, got " + type_phrase(*node));
  return nullptr;
}

const toml::array* TableReader::array(std::string_view key) {
  const auto* node = get(key);
  if (!node) return nullptr;
  if (const auto* list = node->as_array()) return list;
  fail_at(*node, key, "must be an array, got " + type_phrase(*node));
  return nullptr;
}

const toml::array* TableReader::array_of_tables(std::string_view key) {
  const auto* node = get(key);
  if (!node) return nullptr;
  const auto* list = node->as_array();
  if (list && (list->empty() || list->is_array_of_tables())) return list;
  // The TOML header has no indices: set[0].destination is [[set.destination]].
  std::string header;
  bool in_index = false;
  for (char c : key_path(key)) {
    if (c == '[')
      in_index = true;
    else if (c == ']')
      in_index = false;
    else if (!in_index)
      header += c;
  }
  fail_at(*node, key, "must be an array of tables ([[" + header + "]]), got " + type_phrase(*node));
  return nullptr;
}

void TableReader::finish() {
  if (finished_ || !table_) return;
  finished_ = true;
  for (auto&& [key, value] : *table_) {
    if (std::find(known_.begin(), known_.end(), key.str()) != known_.end()) continue;
    const auto& begin = key.source().begin;
    const Position where = begin.line == 0 ? position_of(value, position_) : Position{begin.line, begin.column};
    diagnostics_.add(where, key_path(key.str()), "unknown key" + suggestion(key.str(), known_));
  }
}

}  // namespace sipedge::config::detail
