#pragma once
// sipedge::store::SqliteDestinationStates — the `destination_state` table of
// the location database (same file as SqliteStore, its own connection): the
// probes' last verdict and the operator's set-state override of each
// dispatcher destination, so a restarted sipedge-cp does not send calls to a
// server that was down or that the operator took out.
//
//   CREATE TABLE destination_state (set_name TEXT NOT NULL, uri TEXT NOT NULL,
//     probe_up INTEGER NOT NULL, admin_down INTEGER NOT NULL,
//     updated_ms INTEGER NOT NULL, PRIMARY KEY (set_name, uri));
//
// A destination is its set's name and its URI, as a reload matches them
// (cp/probe.h): positions and set ids may change between runs.
//
// Errors: the constructor throws std::runtime_error when the file cannot be
// opened or its schema is unusable; load()/replace_all() report errors and
// wait at most `busy_timeout_ms` for a lock another connection holds.
// Thread-safety: none (one owner thread).
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace sipedge::store {

class SqliteDb;

struct DestinationState {
  std::string set_name;
  std::string uri;
  bool probe_up = true;
  bool admin_down = false;
  friend bool operator==(const DestinationState&, const DestinationState&) = default;
};

class SqliteDestinationStates {
 public:
  explicit SqliteDestinationStates(const std::string& path, int busy_timeout_ms = 1000);
  ~SqliteDestinationStates();
  SqliteDestinationStates(const SqliteDestinationStates&) = delete;
  SqliteDestinationStates& operator=(const SqliteDestinationStates&) = delete;

  // Every stored row. False with `error` on failure.
  bool load(std::vector<DestinationState>& out, std::string& error);
  // The table becomes exactly `states` (rows of destinations no longer
  // configured go), in one transaction. False with `error`, table unchanged.
  bool replace_all(const std::vector<DestinationState>& states, std::int64_t now_unix_ms, std::string& error);

 private:
  std::unique_ptr<SqliteDb> db_;
};

}  // namespace sipedge::store
