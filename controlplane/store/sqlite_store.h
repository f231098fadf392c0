#pragma once
// sipedge::store::SqliteStore — the embedded default backend: one SQLite file.
//
// Durability choice: journal_mode=WAL with synchronous=NORMAL. A committed
// transaction is in the WAL file as soon as flush() returns, so a crash or
// kill of sipedge-cp loses nothing (the carrier's expectation: registrations
// survive a restart of sipedge-cp). NORMAL does not fsync the WAL on every
// commit, so a power cut or kernel panic can lose the last transactions
// (phones then re-register within their refresh interval). Set
// SqliteOptions::synchronous_full to fsync on every commit (about one fsync
// per event-loop turn) when a 200 OK must survive power loss.
//
// Batching: flush() writes all dirty bindings in ONE transaction with
// prepared statements (an INSERT ... ON CONFLICT DO UPDATE per upsert, a
// DELETE per removal). Reads never touch the file (the memory index of
// IndexedStore); the file is only read by load_all() at start-up.
//
// Schema: table `binding`, one row per (aor, contact) (the Path list is one
// column of netstrings, "12:<sip:a.b;lr>,"), versioned with PRAGMA
// user_version (kSchemaVersion in sqlite_db.h);
// the subscriber table lives in the same file (sqlite_subscriber_store.h).
//
// Errors: the constructor throws std::runtime_error when the file cannot be
// opened or the schema cannot be created / is newer than this build. Later
// errors are reported by flush() / load_all() and never throw.
// Thread-safety: as LocationStore (one thread).
#include <memory>
#include <string>

#include "store/indexed_store.h"

namespace sipedge::store {

class SqliteDb;

struct SqliteOptions {
  std::string path;               // database file; created when missing (not its directory)
  bool synchronous_full = false;  // fsync every commit (see above)
  // How long flush() waits for the write lock when another process holds it
  // (sipedgectl, an operator's sqlite3 shell, a backup). The event loop is
  // blocked meanwhile, so keep it short: on timeout the flush fails and is
  // retried next turn.
  int busy_timeout_ms = 5;
};

class SqliteStore final : public IndexedStore {
 public:
  explicit SqliteStore(const SqliteOptions& options);
  ~SqliteStore() override;

  const std::string& path() const { return path_; }

 protected:
  bool persist(std::span<const PersistRow> rows, std::string& error) override;
  bool load_rows(std::vector<Binding>& out, std::string& error) override;

 private:
  struct Statements;
  std::string path_;
  std::unique_ptr<SqliteDb> db_;
  std::unique_ptr<Statements> statements_;
};

}  // namespace sipedge::store
