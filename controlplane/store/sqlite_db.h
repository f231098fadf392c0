#pragma once
// Internal: a thin RAII layer over sqlite3 shared by the SQLite location and
// subscriber stores, and the schema they share. Not part of the public API.
//
// Errors: the constructor, prepare() and ensure_schema() throw
// std::runtime_error (start-up); the rest return false / an SQLite code.
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

struct sqlite3;
struct sqlite3_stmt;

namespace sipedge::store {

// PRAGMA user_version of the schema this build writes. Version history:
//   1: tables binding and subscriber.
//   2: table destination_state (store/sqlite_destination_states.h).
//   3: binding.received_ip6 and binding.local_ip6 (IPv6 text, '' = the
//      address is the IPv4 *_ip column), added with defaults so version 1
//      and 2 rows load unchanged.
inline constexpr int kSchemaVersion = 3;

class SqliteStatement {
 public:
  SqliteStatement() = default;
  explicit SqliteStatement(sqlite3_stmt* stmt) : stmt_(stmt) {}
  ~SqliteStatement();
  SqliteStatement(SqliteStatement&& other) noexcept : stmt_(other.stmt_) { other.stmt_ = nullptr; }
  SqliteStatement& operator=(SqliteStatement&& other) noexcept;
  SqliteStatement(const SqliteStatement&) = delete;
  SqliteStatement& operator=(const SqliteStatement&) = delete;

  // Parameters are 1-based. Text is not copied: it must stay valid until
  // reset().
  void bind(int index, std::string_view text);
  void bind(int index, std::int64_t value);
  // SQLITE_ROW, SQLITE_DONE or an error code.
  int step();
  void reset();  // also clears the bindings

  std::int64_t column_int(int index) const;
  std::string column_text(int index) const;

 private:
  sqlite3_stmt* stmt_ = nullptr;
};

class SqliteDb {
 public:
  SqliteDb(const std::string& path, int busy_timeout_ms);
  // Start-up (opening, schema) waits up to this long for a lock.
  static constexpr int kStartupBusyTimeoutMs = 2000;
  ~SqliteDb();
  SqliteDb(const SqliteDb&) = delete;
  SqliteDb& operator=(const SqliteDb&) = delete;

  sqlite3* handle() { return db_; }
  void set_busy_timeout(int ms);
  std::string error_message() const;
  // Runs SQL without results; false with `error` set on failure.
  bool exec(const char* sql, std::string& error);
  SqliteStatement prepare(const char* sql);
  // WAL mode, synchronous level, schema created/checked (one transaction).
  void configure(bool synchronous_full);

 private:
  sqlite3* db_ = nullptr;
  std::string path_;
};

// Path list <-> one column: netstrings "<len>:<bytes>," back to back.
std::string encode_path(const std::vector<std::string>& path);
bool decode_path(std::string_view text, std::vector<std::string>& out);

}  // namespace sipedge::store
