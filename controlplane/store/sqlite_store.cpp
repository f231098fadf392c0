#include "store/sqlite_store.h"

#include <sqlite3.h>

#include "store/sqlite_db.h"

namespace sipedge::store {

namespace {

constexpr const char* kUpsert = R"sql(
INSERT INTO binding (aor, contact, received_ip, received_port, local_ip, local_port, path, expires_at,
                     registered_at, last_refresh_ms, q, has_q, call_id, cseq, user_agent, nat, nat_bits,
                     instance_id, reg_id, owner, received_ip6, local_ip6)
VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19, ?20, ?21, ?22)
ON CONFLICT (aor, contact) DO UPDATE SET
  received_ip = excluded.received_ip, received_port = excluded.received_port,
  local_ip = excluded.local_ip, local_port = excluded.local_port, path = excluded.path,
  expires_at = excluded.expires_at, registered_at = excluded.registered_at,
  last_refresh_ms = excluded.last_refresh_ms, q = excluded.q, has_q = excluded.has_q,
  call_id = excluded.call_id, cseq = excluded.cseq, user_agent = excluded.user_agent, nat = excluded.nat,
  nat_bits = excluded.nat_bits, instance_id = excluded.instance_id, reg_id = excluded.reg_id,
  owner = excluded.owner, received_ip6 = excluded.received_ip6, local_ip6 = excluded.local_ip6
)sql";

constexpr const char* kDelete = "DELETE FROM binding WHERE aor = ?1 AND contact = ?2";

constexpr const char* kSelectAll = R"sql(
SELECT aor, contact, received_ip, received_port, local_ip, local_port, path, expires_at, registered_at,
       last_refresh_ms, q, has_q, call_id, cseq, user_agent, nat, nat_bits, instance_id, reg_id, owner,
       received_ip6, local_ip6
FROM binding
)sql";

// The v3 IPv6 column of an endpoint: its text, or '' for IPv4.
std::string ip6_column(const Endpoint& e) { return e.v6 ? address_text(e) : std::string(); }

// An endpoint from its columns: IPv4 when the v6 text is empty (every row
// written before schema version 3).
bool endpoint_from_columns(std::int64_t ip, std::int64_t port, const std::string& ip6, Endpoint& out) {
  if (ip6.empty()) {
    out = Endpoint::ipv4(static_cast<std::uint32_t>(ip), static_cast<std::uint16_t>(port));
    return true;
  }
  const auto parsed = parse_address(ip6, static_cast<std::uint16_t>(port));
  if (!parsed || !parsed->v6) return false;
  out = *parsed;
  return true;
}

}  // namespace

struct SqliteStore::Statements {
  SqliteStatement begin;
  SqliteStatement commit;
  SqliteStatement rollback;
  SqliteStatement upsert;
  SqliteStatement erase;
  SqliteStatement select_all;
};

SqliteStore::SqliteStore(const SqliteOptions& options)
    : path_(options.path), db_(std::make_unique<SqliteDb>(options.path, SqliteDb::kStartupBusyTimeoutMs)) {
  db_->configure(options.synchronous_full);
  db_->set_busy_timeout(options.busy_timeout_ms);
  statements_ = std::make_unique<Statements>(Statements{
      db_->prepare("BEGIN IMMEDIATE"),
      db_->prepare("COMMIT"),
      db_->prepare("ROLLBACK"),
      db_->prepare(kUpsert),
      db_->prepare(kDelete),
      db_->prepare(kSelectAll),
  });
}

SqliteStore::~SqliteStore() {
  statements_.reset();  // finalize before the connection closes
}

bool SqliteStore::persist(std::span<const PersistRow> rows, std::string& error) {
  Statements& s = *statements_;
  // BEGIN IMMEDIATE takes the write lock up front: a busy database fails here,
  // before any row, rather than at COMMIT.
  const int begun = s.begin.step();
  s.begin.reset();
  if (begun != SQLITE_DONE) {
    error = "begin: " + db_->error_message();
    return false;
  }
  for (const PersistRow& row : rows) {
    int rc = SQLITE_DONE;
    if (row.binding != nullptr) {
      const Binding& b = *row.binding;
      const std::string path = encode_path(b.path);
      const std::string received_ip6 = ip6_column(b.received);
      const std::string local_ip6 = ip6_column(b.local);
      SqliteStatement& u = s.upsert;
      u.bind(1, std::string_view(b.aor));
      u.bind(2, std::string_view(b.contact));
      u.bind(3, std::int64_t{b.received.ip});
      u.bind(4, std::int64_t{b.received.port});
      u.bind(5, std::int64_t{b.local.ip});
      u.bind(6, std::int64_t{b.local.port});
      u.bind(7, std::string_view(path));
      u.bind(8, b.expires_at);
      u.bind(9, b.registered_at);
      u.bind(10, b.last_refresh_ms);
      u.bind(11, std::int64_t{b.q});
      u.bind(12, std::int64_t{b.has_q ? 1 : 0});
      u.bind(13, std::string_view(b.call_id));
      u.bind(14, std::int64_t{b.cseq});
      u.bind(15, std::string_view(b.user_agent));
      u.bind(16, std::int64_t{b.nat ? 1 : 0});
      u.bind(17, std::int64_t{b.nat_bits});
      u.bind(18, std::string_view(b.instance_id));
      u.bind(19, std::int64_t{b.reg_id});
      u.bind(20, std::int64_t{b.owner});
      u.bind(21, std::string_view(received_ip6));
      u.bind(22, std::string_view(local_ip6));
      rc = u.step();
      u.reset();
    } else {
      s.erase.bind(1, row.aor);
      s.erase.bind(2, row.contact);
      rc = s.erase.step();
      s.erase.reset();
    }
    if (rc != SQLITE_DONE) {
      error = (row.binding != nullptr ? "upsert: " : "delete: ") + db_->error_message();
      s.rollback.step();
      s.rollback.reset();
      return false;
    }
  }
  const int committed = s.commit.step();
  s.commit.reset();
  if (committed != SQLITE_DONE) {
    error = "commit: " + db_->error_message();
    // A failed COMMIT may leave the transaction open (SQLITE_BUSY); undo it
    // so the next flush starts clean and rewrites every row.
    if (sqlite3_get_autocommit(db_->handle()) == 0) {
      s.rollback.step();
      s.rollback.reset();
    }
    return false;
  }
  return true;
}

bool SqliteStore::load_rows(std::vector<Binding>& out, std::string& error) {
  out.clear();
  SqliteStatement& q = statements_->select_all;
  int rc = SQLITE_ROW;
  while ((rc = q.step()) == SQLITE_ROW) {
    Binding b;
    b.aor = q.column_text(0);
    b.contact = q.column_text(1);
    if (!endpoint_from_columns(q.column_int(2), q.column_int(3), q.column_text(20), b.received) ||
        !endpoint_from_columns(q.column_int(4), q.column_int(5), q.column_text(21), b.local)) {
      error = "binding " + b.aor + " " + b.contact + ": malformed received_ip6 or local_ip6 column";
      q.reset();
      return false;
    }
    if (!decode_path(q.column_text(6), b.path)) {
      error = "binding " + b.aor + " " + b.contact + ": malformed path column";
      q.reset();
      return false;
    }
    b.expires_at = q.column_int(7);
    b.registered_at = q.column_int(8);
    b.last_refresh_ms = q.column_int(9);
    b.q = static_cast<std::uint16_t>(q.column_int(10));
    b.has_q = q.column_int(11) != 0;
    b.call_id = q.column_text(12);
    b.cseq = static_cast<std::uint32_t>(q.column_int(13));
    b.user_agent = q.column_text(14);
    b.nat = q.column_int(15) != 0;
    b.nat_bits = static_cast<std::uint32_t>(q.column_int(16));
    b.instance_id = q.column_text(17);
    b.reg_id = static_cast<std::uint32_t>(q.column_int(18));
    b.owner = static_cast<NodeId>(q.column_int(19));
    out.push_back(std::move(b));
  }
  q.reset();
  if (rc != SQLITE_DONE) {
    error = "load: " + db_->error_message();
    return false;
  }
  return true;
}

}  // namespace sipedge::store
