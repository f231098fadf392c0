#include "store/sqlite_destination_states.h"

#include <sqlite3.h>

#include <stdexcept>

#include "store/sqlite_db.h"

namespace sipedge::store {

SqliteDestinationStates::SqliteDestinationStates(const std::string& path, int busy_timeout_ms)
    : db_(std::make_unique<SqliteDb>(path, SqliteDb::kStartupBusyTimeoutMs)) {
  db_->configure(false);
  db_->set_busy_timeout(busy_timeout_ms);
}

SqliteDestinationStates::~SqliteDestinationStates() = default;

bool SqliteDestinationStates::load(std::vector<DestinationState>& out, std::string& error) try {
  out.clear();
  SqliteStatement q = db_->prepare("SELECT set_name, uri, probe_up, admin_down FROM destination_state");
  int rc = SQLITE_ROW;
  while ((rc = q.step()) == SQLITE_ROW)
    out.push_back({q.column_text(0), q.column_text(1), q.column_int(2) != 0, q.column_int(3) != 0});
  if (rc == SQLITE_DONE) return true;
  error = db_->error_message();
  return false;
} catch (const std::exception& e) {
  error = e.what();
  return false;
}

bool SqliteDestinationStates::replace_all(const std::vector<DestinationState>& states, std::int64_t now_unix_ms,
                                          std::string& error) try {
  if (!db_->exec("BEGIN IMMEDIATE", error)) return false;
  const auto fail = [&] {
    error = db_->error_message();
    std::string ignored;
    db_->exec("ROLLBACK", ignored);
    return false;
  };
  std::string exec_error;
  if (!db_->exec("DELETE FROM destination_state", exec_error)) return fail();
  SqliteStatement insert = db_->prepare(
      "INSERT OR REPLACE INTO destination_state (set_name, uri, probe_up, admin_down, updated_ms) "
      "VALUES (?1, ?2, ?3, ?4, ?5)");
  for (const DestinationState& s : states) {
    insert.bind(1, std::string_view(s.set_name));
    insert.bind(2, std::string_view(s.uri));
    insert.bind(3, std::int64_t{s.probe_up});
    insert.bind(4, std::int64_t{s.admin_down});
    insert.bind(5, now_unix_ms);
    if (insert.step() != SQLITE_DONE) return fail();
    insert.reset();
  }
  if (!db_->exec("COMMIT", error)) return fail();
  return true;
} catch (const std::exception& e) {
  error = e.what();
  std::string ignored;
  db_->exec("ROLLBACK", ignored);
  return false;
}

}  // namespace sipedge::store
