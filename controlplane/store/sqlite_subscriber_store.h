#pragma once
// sipedge::store::SqliteSubscriberStore — the `subscriber` table of the
// location database (same file as SqliteStore, its own connection):
//
//   CREATE TABLE subscriber (username TEXT NOT NULL, realm TEXT NOT NULL,
//     password TEXT NOT NULL DEFAULT '', ha1_md5 TEXT NOT NULL DEFAULT '',
//     ha1_sha256 TEXT NOT NULL DEFAULT '', PRIMARY KEY (username, realm));
//
// Operators may provision rows with the sqlite3 shell; reload() (sipedgectl
// reload) picks them up. find() reads the in-memory copy only.
//
// Errors: the constructor throws std::runtime_error when the file cannot be
// opened or its schema is unusable; reload()/put()/erase() report errors.
#include <memory>
#include <string>

#include "store/subscriber.h"

namespace sipedge::store {

class SqliteDb;

class SqliteSubscriberStore final : public MemorySubscriberStore {
 public:
  // Opens (creating when missing) the database and loads the table.
  explicit SqliteSubscriberStore(const std::string& path, int busy_timeout_ms = 1000);
  ~SqliteSubscriberStore() override;

  // Re-reads the table. False with `error` (memory copy unchanged) on failure.
  bool reload(std::string& error);
  bool put(const Subscriber& subscriber, std::string& error) override;
  bool erase(std::string_view username, std::string_view realm, std::string& error) override;

 private:
  std::unique_ptr<SqliteDb> db_;
};

}  // namespace sipedge::store
