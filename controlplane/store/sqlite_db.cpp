#include "store/sqlite_db.h"

#include <sqlite3.h>

#include <charconv>
#include <stdexcept>

namespace sipedge::store {

namespace {

// v1 schema. WITHOUT ROWID: rows are found by their primary key only.
constexpr const char* kSchemaV1 = R"sql(
CREATE TABLE IF NOT EXISTS binding (
  aor             TEXT    NOT NULL,
  contact         TEXT    NOT NULL,
  received_ip     INTEGER NOT NULL,
  received_port   INTEGER NOT NULL,
  local_ip        INTEGER NOT NULL,
  local_port      INTEGER NOT NULL,
  path            TEXT    NOT NULL DEFAULT '',
  expires_at      INTEGER NOT NULL,
  registered_at   INTEGER NOT NULL,
  last_refresh_ms INTEGER NOT NULL,
  q               INTEGER NOT NULL,
  has_q           INTEGER NOT NULL,
  call_id         TEXT    NOT NULL,
  cseq            INTEGER NOT NULL,
  user_agent      TEXT    NOT NULL DEFAULT '',
  nat             INTEGER NOT NULL,
  nat_bits        INTEGER NOT NULL,
  instance_id     TEXT    NOT NULL DEFAULT '',
  reg_id          INTEGER NOT NULL DEFAULT 0,
  owner           INTEGER NOT NULL DEFAULT 0,
  PRIMARY KEY (aor, contact)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS subscriber (
  username   TEXT NOT NULL,
  realm      TEXT NOT NULL,
  password   TEXT NOT NULL DEFAULT '',
  ha1_md5    TEXT NOT NULL DEFAULT '',
  ha1_sha256 TEXT NOT NULL DEFAULT '',
  PRIMARY KEY (username, realm)
) WITHOUT ROWID;
)sql";

// v2: the probes' last verdict and the operator's override per dispatcher
// destination, keyed like a reload keys them (set name and URI).
constexpr const char* kSchemaV2 = R"sql(
CREATE TABLE IF NOT EXISTS destination_state (
  set_name   TEXT    NOT NULL,
  uri        TEXT    NOT NULL,
  probe_up   INTEGER NOT NULL,
  admin_down INTEGER NOT NULL,
  updated_ms INTEGER NOT NULL,
  PRIMARY KEY (set_name, uri)
) WITHOUT ROWID;
)sql";

// v3: IPv6 bindings. The address columns of v1 stay what they were (IPv4,
// host order as an integer); a v6 address goes here as RFC 5952 text with
// the IPv4 column 0. ADD COLUMN with a constant default rewrites nothing:
// existing rows read '' and stay IPv4.
constexpr const char* kSchemaV3 = R"sql(
ALTER TABLE binding ADD COLUMN received_ip6 TEXT NOT NULL DEFAULT '';
ALTER TABLE binding ADD COLUMN local_ip6    TEXT NOT NULL DEFAULT '';
)sql";

}  // namespace

SqliteStatement::~SqliteStatement() { sqlite3_finalize(stmt_); }

SqliteStatement& SqliteStatement::operator=(SqliteStatement&& other) noexcept {
  if (this != &other) {
    sqlite3_finalize(stmt_);
    stmt_ = other.stmt_;
    other.stmt_ = nullptr;
  }
  return *this;
}

void SqliteStatement::bind(int index, std::string_view text) {
  sqlite3_bind_text(stmt_, index, text.data(), static_cast<int>(text.size()), SQLITE_STATIC);
}

void SqliteStatement::bind(int index, std::int64_t value) { sqlite3_bind_int64(stmt_, index, value); }

int SqliteStatement::step() { return sqlite3_step(stmt_); }

void SqliteStatement::reset() {
  sqlite3_reset(stmt_);
  sqlite3_clear_bindings(stmt_);
}

std::int64_t SqliteStatement::column_int(int index) const { return sqlite3_column_int64(stmt_, index); }

std::string SqliteStatement::column_text(int index) const {
  const auto* text = sqlite3_column_text(stmt_, index);
  const int size = sqlite3_column_bytes(stmt_, index);
  if (text == nullptr || size <= 0) return {};
  return std::string(reinterpret_cast<const char*>(text), static_cast<std::size_t>(size));
}

SqliteDb::SqliteDb(const std::string& path, int busy_timeout_ms) : path_(path) {
  const int rc = sqlite3_open_v2(path.c_str(), &db_, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX,
                                 nullptr);
  if (rc != SQLITE_OK) {
    std::string message = db_ != nullptr ? sqlite3_errmsg(db_) : sqlite3_errstr(rc);
    sqlite3_close(db_);
    db_ = nullptr;
    throw std::runtime_error("sqlite: cannot open " + path + ": " + message);
  }
  sqlite3_extended_result_codes(db_, 1);
  sqlite3_busy_timeout(db_, busy_timeout_ms);
}

SqliteDb::~SqliteDb() { sqlite3_close(db_); }

void SqliteDb::set_busy_timeout(int ms) { sqlite3_busy_timeout(db_, ms); }

std::string SqliteDb::error_message() const { return db_ != nullptr ? sqlite3_errmsg(db_) : "not open"; }

bool SqliteDb::exec(const char* sql, std::string& error) {
  char* message = nullptr;
  if (sqlite3_exec(db_, sql, nullptr, nullptr, &message) == SQLITE_OK) return true;
  error = message != nullptr ? message : error_message();
  sqlite3_free(message);
  return false;
}

SqliteStatement SqliteDb::prepare(const char* sql) {
  sqlite3_stmt* stmt = nullptr;
  if (sqlite3_prepare_v3(db_, sql, -1, SQLITE_PREPARE_PERSISTENT, &stmt, nullptr) != SQLITE_OK)
    throw std::runtime_error("sqlite: " + path_ + ": cannot prepare statement: " + error_message());
  return SqliteStatement(stmt);
}

void SqliteDb::configure(bool synchronous_full) {
  std::string error;
  // journal_mode answers with the mode in effect; anything but "wal" (e.g.
  // a filesystem without shared memory) would silently lose the batching.
  {
    SqliteStatement mode = prepare("PRAGMA journal_mode=WAL");
    if (mode.step() != SQLITE_ROW || mode.column_text(0) != "wal")
      throw std::runtime_error("sqlite: " + path_ + ": cannot enable WAL journal mode: " + error_message());
  }
  if (!exec(synchronous_full ? "PRAGMA synchronous=FULL" : "PRAGMA synchronous=NORMAL", error))
    throw std::runtime_error("sqlite: " + path_ + ": " + error);
  if (!exec("BEGIN IMMEDIATE", error)) throw std::runtime_error("sqlite: " + path_ + ": " + error);
  int version = 0;
  {
    SqliteStatement v = prepare("PRAGMA user_version");
    if (v.step() == SQLITE_ROW) version = static_cast<int>(v.column_int(0));
  }
  if (version > kSchemaVersion) {
    exec("ROLLBACK", error);
    throw std::runtime_error("sqlite: " + path_ + ": schema version " + std::to_string(version) +
                             " is newer than this build's (" + std::to_string(kSchemaVersion) + ")");
  }
  // Each step runs once, in order, inside this one transaction: a crash or
  // a failure half way leaves the file at its old version, untouched.
  const std::string set_version = "PRAGMA user_version=" + std::to_string(kSchemaVersion);
  const bool created = (version >= 1 || exec(kSchemaV1, error)) && (version >= 2 || exec(kSchemaV2, error)) &&
                       (version >= 3 || exec(kSchemaV3, error)) &&
                       (version == kSchemaVersion || exec(set_version.c_str(), error));
  if (!created) {
    std::string ignored;
    exec("ROLLBACK", ignored);
    throw std::runtime_error("sqlite: " + path_ + ": cannot create schema: " + error);
  }
  if (!exec("COMMIT", error)) throw std::runtime_error("sqlite: " + path_ + ": " + error);
}

std::string encode_path(const std::vector<std::string>& path) {
  std::string out;
  for (const std::string& hop : path) {
    out += std::to_string(hop.size());
    out += ':';
    out += hop;
    out += ',';
  }
  return out;
}

bool decode_path(std::string_view text, std::vector<std::string>& out) {
  out.clear();
  while (!text.empty()) {
    std::size_t length = 0;
    const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), length);
    if (ec != std::errc{} || end == text.data()) return false;
    const auto digits = static_cast<std::size_t>(end - text.data());
    if (digits >= text.size() || text[digits] != ':') return false;
    text.remove_prefix(digits + 1);
    if (text.size() < length + 1 || text[length] != ',') return false;
    out.emplace_back(text.substr(0, length));
    text.remove_prefix(length + 1);
  }
  return true;
}

}  // namespace sipedge::store
