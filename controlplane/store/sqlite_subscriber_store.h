#pragma once
// sipedge::store::SqliteSubscriberStore — the `subscriber` table of the
// location database (same file as SqliteStore, its own connection):
//
//   CREATE TABLE subscriber (username TEXT NOT NULL, realm TEXT NOT NULL,
//     password TEXT NOT NULL DEFAULT '', ha1_md5 TEXT NOT NULL DEFAULT '',
//     ha1_sha256 TEXT NOT NULL DEFAULT '', PRIMARY KEY (username, realm));
//
// sipedge-cp writes rows through put()/erase() (sipedgectl subscriber, POST
// /api/subscribers); operators may also provision rows with the sqlite3 shell,
// which reload() (sipedgectl reload) picks up. find() reads the in-memory copy
// only. put()/erase()/reload() touch the file and wait at most
// `busy_timeout_ms` for a lock held by another connection: small local
// writes, acceptable on sipedge-cp's cold path.
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
  // Opens (creating when missing) the database and loads the table, waiting
  // up to SqliteDb::kStartupBusyTimeoutMs for locks; later calls wait up to
  // `busy_timeout_ms`.
  explicit SqliteSubscriberStore(const std::string& path, int busy_timeout_ms = 1000);
  ~SqliteSubscriberStore() override;

  // Re-reads the table. False with `error` (memory copy unchanged) on failure.
  bool reload(std::string& error) override;
  bool put(const Subscriber& subscriber, std::string& error) override;
  bool erase(std::string_view username, std::string_view realm, std::string& error) override;

 private:
  std::unique_ptr<SqliteDb> db_;
};

}  // namespace sipedge::store
