#include "store/sqlite_subscriber_store.h"

#include <sqlite3.h>

#include <stdexcept>

#include "store/sqlite_db.h"

namespace sipedge::store {

SqliteSubscriberStore::SqliteSubscriberStore(const std::string& path, int busy_timeout_ms)
    : db_(std::make_unique<SqliteDb>(path, SqliteDb::kStartupBusyTimeoutMs)) {
  db_->configure(false);
  std::string error;
  if (!reload(error)) throw std::runtime_error("sqlite: " + path + ": cannot load subscribers: " + error);
  db_->set_busy_timeout(busy_timeout_ms);
}

SqliteSubscriberStore::~SqliteSubscriberStore() = default;

bool SqliteSubscriberStore::reload(std::string& error) try {
  SqliteStatement q = db_->prepare("SELECT username, realm, password, ha1_md5, ha1_sha256 FROM subscriber");
  std::map<std::pair<std::string, std::string>, Subscriber, std::less<>> table;
  int rc = SQLITE_ROW;
  while ((rc = q.step()) == SQLITE_ROW) {
    Subscriber s{q.column_text(0), q.column_text(1), q.column_text(2), q.column_text(3), q.column_text(4)};
    auto key = std::make_pair(s.username, s.realm);
    table.insert_or_assign(std::move(key), std::move(s));
  }
  if (rc != SQLITE_DONE) {
    error = db_->error_message();
    return false;
  }
  replace_all(std::move(table));
  return true;
} catch (const std::exception& e) {
  error = e.what();
  return false;
}

bool SqliteSubscriberStore::put(const Subscriber& subscriber, std::string& error) try {
  SqliteStatement q = db_->prepare(
      "INSERT INTO subscriber (username, realm, password, ha1_md5, ha1_sha256) VALUES (?1, ?2, ?3, ?4, ?5) "
      "ON CONFLICT (username, realm) DO UPDATE SET password = excluded.password, ha1_md5 = excluded.ha1_md5, "
      "ha1_sha256 = excluded.ha1_sha256");
  q.bind(1, std::string_view(subscriber.username));
  q.bind(2, std::string_view(subscriber.realm));
  q.bind(3, std::string_view(subscriber.password));
  q.bind(4, std::string_view(subscriber.ha1_md5));
  q.bind(5, std::string_view(subscriber.ha1_sha256));
  if (q.step() != SQLITE_DONE) {
    error = db_->error_message();
    return false;
  }
  return MemorySubscriberStore::put(subscriber, error);
} catch (const std::exception& e) {
  error = e.what();
  return false;
}

bool SqliteSubscriberStore::erase(std::string_view username, std::string_view realm, std::string& error) try {
  SqliteStatement q = db_->prepare("DELETE FROM subscriber WHERE username = ?1 AND realm = ?2");
  q.bind(1, username);
  q.bind(2, realm);
  if (q.step() != SQLITE_DONE) {
    error = db_->error_message();
    return false;
  }
  return MemorySubscriberStore::erase(username, realm, error);
} catch (const std::exception& e) {
  error = e.what();
  return false;
}

}  // namespace sipedge::store
