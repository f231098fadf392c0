#pragma once
// Typed, position-aware reading of a parsed TOML tree (internal to the config
// library). Every check records "file:line:col: dotted.path: what is wrong" in
// a Diagnostics and carries on, so one pass reports every error in the file.
//
// Thread-safety: one Diagnostics and its readers belong to one load call.
#include <toml++/toml.h>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "config/address.h"
#include "config/config.h"

namespace sipedge::config::detail {

struct Position {
  std::uint32_t line = 1;
  std::uint32_t column = 1;
};

// Where the node starts; `fallback` when toml++ has no position for it
// (implicitly created tables).
Position position_of(const toml::node& node, Position fallback);

class Diagnostics {
 public:
  explicit Diagnostics(std::string file) : file_(std::move(file)) {}

  void add(Position where, std::string_view path, std::string_view message);
  const std::string& file() const { return file_; }
  bool empty() const { return errors_.empty(); }
  // The errors in file order (stable for errors at the same position).
  std::vector<Error> take_sorted();

 private:
  std::string file_;
  std::vector<Error> errors_;
};

std::string join_path(std::string_view base, std::string_view key);  // "a", "b" -> "a.b"
std::string index_path(std::string_view base, std::size_t index);    // "a", 3 -> "a[3]"
std::string type_phrase(const toml::node& node);                     // "a string", "an integer"
std::string quoted(std::string_view text);                           // "\"text\""

// Checks of one value. Each records an error against `path` and returns
// nullopt when the value does not fit.
class ValueChecker {
 public:
  ValueChecker(Diagnostics& diagnostics, Position fallback) : diagnostics_(diagnostics), fallback_(fallback) {}

  void fail(const toml::node& node, std::string_view path, std::string_view message);
  std::optional<std::int64_t> integer(const toml::node& node, std::string_view path, std::int64_t min,
                                      std::int64_t max);
  std::optional<std::uint32_t> power_of_two(const toml::node& node, std::string_view path, std::uint32_t min,
                                            std::uint32_t max);
  std::optional<bool> boolean(const toml::node& node, std::string_view path);
  std::optional<std::string_view> string(const toml::node& node, std::string_view path);
  std::optional<std::string_view> non_empty_string(const toml::node& node, std::string_view path);

  template <class T>
  std::optional<T> parsed(const toml::node& node, std::string_view path, Parsed<T> (*parse)(std::string_view)) {
    const auto text = string(node, path);
    if (!text) return std::nullopt;
    auto result = parse(*text);
    if (auto* reason = std::get_if<std::string>(&result)) {
      fail(node, path, *reason);
      return std::nullopt;
    }
    return std::get<T>(result);
  }

  template <class E, std::size_t N>
  std::optional<E> enumeration(const toml::node& node, std::string_view path, const EnumName<E> (&names)[N]) {
    const auto text = string(node, path);
    if (!text) return std::nullopt;
    for (const auto& entry : names)
      if (entry.name == *text) return entry.value;
    std::string choices;
    for (const auto& entry : names) choices += (choices.empty() ? "" : ", ") + quoted(entry.name);
    fail(node, path, "must be one of " + choices + ", got " + quoted(*text));
    return std::nullopt;
  }

  Diagnostics& diagnostics() { return diagnostics_; }

 private:
  Diagnostics& diagnostics_;
  Position fallback_;
};

// One TOML table under a dotted path. Keys are looked up by name; finish()
// reports every key the schema never asked for as unknown, with a suggestion
// when one of the known keys is a near miss.
class TableReader {
 public:
  // `table` may be null: an absent optional section reads as empty.
  TableReader(Diagnostics& diagnostics, const toml::table* table, std::string path, Position fallback);
  TableReader(const TableReader&) = delete;
  TableReader& operator=(const TableReader&) = delete;

  const std::string& path() const { return path_; }
  Position position() const { return position_; }
  std::string key_path(std::string_view key) const { return join_path(path_, key); }
  ValueChecker& check() { return check_; }

  // The value under `key` (null when absent); marks the key as part of the schema.
  const toml::node* get(std::string_view key);
  // As get(), and records "<path.key>: is required" when absent.
  const toml::node* require(std::string_view key);
  void fail(std::string_view key, std::string_view message);  // at the table's position
  void fail_here(std::string_view message);                   // the table itself
  void fail_at(const toml::node& node, std::string_view key, std::string_view message);

  // Typed reads: write `out` only when the key is present and valid. They
  // return false when they recorded an error (absent is fine: `out` keeps its
  // default), so callers can skip cross-checks on values that were refused.
  bool read(std::string_view key, std::uint32_t& out, std::uint32_t min, std::uint32_t max);
  bool read_power_of_two(std::string_view key, std::uint32_t& out, std::uint32_t min, std::uint32_t max);
  bool read(std::string_view key, bool& out);
  bool read(std::string_view key, std::string& out);  // any string, empty allowed
  template <class E, std::size_t N>
  bool read(std::string_view key, E& out, const EnumName<E> (&names)[N]) {
    const auto* node = get(key);
    if (!node) return true;
    auto value = check_.enumeration(*node, key_path(key), names);
    if (value) out = *value;
    return value.has_value();
  }

  // A sub-table (inline or not); null, after an error, when it is something else.
  const toml::table* table(std::string_view key);
  // An array; null, after an error, when it is something else.
  const toml::array* array(std::string_view key);
  // An array of tables ([[key]]); null, after an error, when it is something else.
  const toml::array* array_of_tables(std::string_view key);

  void finish();

 private:
  Diagnostics& diagnostics_;
  const toml::table* table_;
  std::string path_;
  Position position_;
  ValueChecker check_;
  std::vector<std::string> known_;
  bool finished_ = false;
};

}  // namespace sipedge::config::detail
