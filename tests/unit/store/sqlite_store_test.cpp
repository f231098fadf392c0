// Durability with a real SQLite file: write, flush, close, reopen.
#include <gtest/gtest.h>

#include <sqlite3.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <stdexcept>
#include <vector>

#include "fixtures/temp_dir.h"
#include "store/sqlite_db.h"
#include "store/sqlite_destination_states.h"
#include "store/sqlite_store.h"
#include "store/sqlite_subscriber_store.h"

namespace sipedge::store {
namespace {

constexpr std::int64_t kNow = 1'700'000'000;

class SqliteStoreTest : public ::testing::Test {
 protected:
  SqliteStoreTest() : dir_(temp_.path()), path_((dir_ / "location.db").string()) {}

  SqliteOptions options() const { return {.path = path_, .synchronous_full = false, .busy_timeout_ms = 10}; }

  // Runs a query on a separate connection and returns the first column of
  // the first row as an integer.
  std::int64_t query_int(const char* sql) const {
    sqlite3* db = nullptr;
    EXPECT_EQ(sqlite3_open(path_.c_str(), &db), SQLITE_OK);
    sqlite3_stmt* stmt = nullptr;
    EXPECT_EQ(sqlite3_prepare_v2(db, sql, -1, &stmt, nullptr), SQLITE_OK) << sqlite3_errmsg(db);
    std::int64_t v = -1;
    if (sqlite3_step(stmt) == SQLITE_ROW) v = sqlite3_column_int64(stmt, 0);
    sqlite3_finalize(stmt);
    sqlite3_close(db);
    return v;
  }

  static Binding full_binding() {
    Binding b;
    b.aor = "alice@example.com";
    b.contact = "sip:alice@192.168.1.20:5060;ob";
    b.received = {0xC6336407, 40000};
    b.local = {0xCB00710A, 5060};
    b.path = {"<sip:p1.example.net;lr>", "<sip:a,b@p2:5060;lr>"};  // a comma and a colon inside a value
    b.expires_at = kNow + 600;
    b.registered_at = kNow;
    b.last_refresh_ms = kNow * 1000 + 123;
    b.q = 500;
    b.has_q = true;
    b.call_id = "call-1@phone";
    b.cseq = 42;
    b.user_agent = "phone/1.0";
    b.nat = true;
    b.nat_bits = 0x41;
    b.instance_id = "<urn:uuid:1>";
    b.reg_id = 2;
    b.owner = 3;
    return b;
  }

  fixtures::TempDir temp_{"sipedge-store"};
  const std::filesystem::path dir_;
  const std::string path_;
};

TEST_F(SqliteStoreTest, BindingsSurviveARestartWithTheirRemainingExpiry) {
  {
    SqliteStore s(options());
    ASSERT_TRUE(s.load_all(kNow).ok);
    s.upsert(full_binding());
    Binding other = full_binding();
    other.contact = "sip:alice@10.0.0.2";
    other.path.clear();
    other.expires_at = kNow + 60;
    s.upsert(other);
    ASSERT_TRUE(s.flush().ok);
  }  // the process goes away
  SqliteStore s(options());
  const LoadResult r = s.load_all(kNow + 30);
  ASSERT_TRUE(r.ok) << r.error;
  EXPECT_EQ(r.loaded, 2u);
  const Binding* b = s.find("alice@example.com", "sip:alice@192.168.1.20:5060;ob");
  ASSERT_NE(b, nullptr);
  EXPECT_TRUE(b->same_persistent(full_binding()));
  EXPECT_EQ(b->remaining(kNow + 30), 570u);
  EXPECT_EQ(s.find("alice@example.com", "sip:alice@10.0.0.2")->remaining(kNow + 30), 30u);
  EXPECT_TRUE(s.find("alice@example.com", "sip:alice@10.0.0.2")->path.empty());
}

TEST_F(SqliteStoreTest, ExpiredRowsAreDroppedAtLoadAndDeleted) {
  {
    SqliteStore s(options());
    Binding short_lived = full_binding();
    short_lived.expires_at = kNow + 10;
    s.upsert(short_lived);
    Binding long_lived = full_binding();
    long_lived.contact = "sip:alice@10.0.0.2";
    s.upsert(long_lived);
    ASSERT_TRUE(s.flush().ok);
  }
  {
    SqliteStore s(options());
    const LoadResult r = s.load_all(kNow + 10);
    EXPECT_EQ(r.loaded, 1u);
    EXPECT_EQ(r.dropped, 1u);
    EXPECT_EQ(s.lookup("alice@example.com").size(), 1u);
    ASSERT_TRUE(s.flush().ok);
  }
  EXPECT_EQ(query_int("SELECT COUNT(*) FROM binding"), 1);
}

TEST_F(SqliteStoreTest, FlushIsTheDurabilityPoint) {
  {
    SqliteStore s(options());
    s.upsert(full_binding());
    ASSERT_TRUE(s.flush().ok);
    Binding unflushed = full_binding();
    unflushed.contact = "sip:alice@10.0.0.2";
    s.upsert(unflushed);
    s.remove("alice@example.com", "sip:alice@192.168.1.20:5060;ob");
  }  // gone before the flush: neither write reached the file
  SqliteStore s(options());
  ASSERT_TRUE(s.load_all(kNow).ok);
  EXPECT_NE(s.find("alice@example.com", "sip:alice@192.168.1.20:5060;ob"), nullptr);
  EXPECT_EQ(s.find("alice@example.com", "sip:alice@10.0.0.2"), nullptr);
}

TEST_F(SqliteStoreTest, RemovalsAndUpdatesPersist) {
  {
    SqliteStore s(options());
    s.upsert(full_binding());
    Binding second = full_binding();
    second.contact = "sip:alice@10.0.0.2";
    s.upsert(second);
    ASSERT_TRUE(s.flush().ok);
    s.remove("alice@example.com", "sip:alice@10.0.0.2");
    Binding refreshed = full_binding();
    refreshed.cseq = 43;
    refreshed.expires_at = kNow + 900;
    s.upsert(refreshed);
    const FlushResult f = s.flush();
    ASSERT_TRUE(f.ok) << f.error;
    EXPECT_EQ(f.written, 2u);
  }
  SqliteStore s(options());
  ASSERT_TRUE(s.load_all(kNow).ok);
  EXPECT_EQ(s.binding_count(), 1u);
  EXPECT_EQ(s.find("alice@example.com", "sip:alice@192.168.1.20:5060;ob")->cseq, 43u);
  EXPECT_EQ(s.find("alice@example.com", "sip:alice@192.168.1.20:5060;ob")->expires_at, kNow + 900);
}

TEST_F(SqliteStoreTest, LockedDatabaseFailsTheFlushAndTheRetrySucceeds) {
  SqliteStore s(options());
  sqlite3* other = nullptr;
  ASSERT_EQ(sqlite3_open(path_.c_str(), &other), SQLITE_OK);
  ASSERT_EQ(sqlite3_exec(other, "BEGIN IMMEDIATE", nullptr, nullptr, nullptr), SQLITE_OK);
  const Sequence seq = s.upsert(full_binding());
  FlushResult f = s.flush();
  EXPECT_FALSE(f.ok);
  EXPECT_FALSE(f.error.empty());
  EXPECT_EQ(f.consecutive_failures, 1u);
  EXPECT_LT(s.durable_sequence(), seq);
  EXPECT_EQ(s.pending(), 1u);
  EXPECT_EQ(s.stats().flush_failures, 1u);
  ASSERT_EQ(sqlite3_exec(other, "ROLLBACK", nullptr, nullptr, nullptr), SQLITE_OK);
  sqlite3_close(other);
  f = s.flush();
  ASSERT_TRUE(f.ok) << f.error;
  EXPECT_GE(s.durable_sequence(), seq);
  EXPECT_EQ(s.stats().retried_rows, 1u);
  EXPECT_EQ(query_int("SELECT COUNT(*) FROM binding"), 1);
}

TEST_F(SqliteStoreTest, WalModeAndSchemaVersion) {
  { SqliteStore s(options()); }
  EXPECT_EQ(query_int("PRAGMA user_version"), kSchemaVersion);
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(path_.c_str(), &db), SQLITE_OK);
  sqlite3_stmt* stmt = nullptr;
  ASSERT_EQ(sqlite3_prepare_v2(db, "PRAGMA journal_mode", -1, &stmt, nullptr), SQLITE_OK);
  ASSERT_EQ(sqlite3_step(stmt), SQLITE_ROW);
  EXPECT_STREQ(reinterpret_cast<const char*>(sqlite3_column_text(stmt, 0)), "wal");
  sqlite3_finalize(stmt);
  sqlite3_close(db);
}

// A file written by a version-1 build (bindings, subscribers, no
// destination_state) is upgraded in place, its rows kept.
TEST_F(SqliteStoreTest, Version1FileIsUpgradedKeepingItsRows) {
  {
    SqliteStore s(options());
    s.upsert(full_binding());
    ASSERT_TRUE(s.flush().ok);
  }
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(path_.c_str(), &db), SQLITE_OK);
  ASSERT_EQ(sqlite3_exec(db, "DROP TABLE destination_state; ALTER TABLE binding DROP COLUMN received_ip6; "
                             "ALTER TABLE binding DROP COLUMN local_ip6; PRAGMA user_version=1", nullptr, nullptr, nullptr), SQLITE_OK);
  sqlite3_close(db);

  SqliteDestinationStates states(path_);
  EXPECT_EQ(query_int("PRAGMA user_version"), kSchemaVersion);
  EXPECT_EQ(query_int("SELECT COUNT(*) FROM binding"), 1);
  std::string error;
  ASSERT_TRUE(states.replace_all({{"pool", "sip:198.51.100.21:5060", false, true}}, 1, error)) << error;
  std::vector<DestinationState> rows;
  ASSERT_TRUE(states.load(rows, error)) << error;
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0], (DestinationState{"pool", "sip:198.51.100.21:5060", false, true}));
  ASSERT_TRUE(states.replace_all({}, 2, error)) << error;
  ASSERT_TRUE(states.load(rows, error)) << error;
  EXPECT_TRUE(rows.empty()) << "replace_all replaces, rows not listed go";
}

// IPv6 received and local addresses persist (schema 3) next to IPv4 ones.
TEST_F(SqliteStoreTest, Ipv6BindingsSurviveARestart) {
  Binding v6 = full_binding();
  v6.contact = "sip:alice@[2001:db8::7]:5060";
  net::Ipv6Addr src{};
  src.bytes = {0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x07};
  net::Ipv6Addr vip{};
  vip.bytes = {0x20, 0x01, 0x0d, 0xb8, 0, 0x05, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x0a};
  v6.received = Endpoint::ipv6(src, 40000);
  v6.local = Endpoint::ipv6(vip, 5060);
  {
    SqliteStore s(options());
    ASSERT_TRUE(s.load_all(kNow).ok);
    s.upsert(full_binding());
    s.upsert(v6);
    ASSERT_TRUE(s.flush().ok);
  }
  SqliteStore s(options());
  const LoadResult r = s.load_all(kNow);
  ASSERT_TRUE(r.ok) << r.error;
  EXPECT_EQ(r.loaded, 2u);
  const Binding* b = s.find(v6.aor, v6.contact);
  ASSERT_NE(b, nullptr);
  EXPECT_TRUE(b->same_persistent(v6));
  EXPECT_EQ(to_string(b->received), "[2001:db8::7]:40000");
  EXPECT_TRUE(s.find(v6.aor, full_binding().contact)->same_persistent(full_binding()));
}

// A location.db exactly as the previous release (schema 2) created it, with
// one IPv4 binding and a subscriber: opening it migrates to schema 3 in
// place, the binding loads unchanged, and a v6 binding written next to it
// survives another restart along with it.
TEST_F(SqliteStoreTest, Version2FileFromThePreviousReleaseIsMigrated) {
  {
    sqlite3* db = nullptr;
    ASSERT_EQ(sqlite3_open(path_.c_str(), &db), SQLITE_OK);
    const char* previous_release = R"sql(
PRAGMA journal_mode=WAL;
CREATE TABLE binding (
  aor TEXT NOT NULL, contact TEXT NOT NULL, received_ip INTEGER NOT NULL, received_port INTEGER NOT NULL,
  local_ip INTEGER NOT NULL, local_port INTEGER NOT NULL, path TEXT NOT NULL DEFAULT '',
  expires_at INTEGER NOT NULL, registered_at INTEGER NOT NULL, last_refresh_ms INTEGER NOT NULL,
  q INTEGER NOT NULL, has_q INTEGER NOT NULL, call_id TEXT NOT NULL, cseq INTEGER NOT NULL,
  user_agent TEXT NOT NULL DEFAULT '', nat INTEGER NOT NULL, nat_bits INTEGER NOT NULL,
  instance_id TEXT NOT NULL DEFAULT '', reg_id INTEGER NOT NULL DEFAULT 0, owner INTEGER NOT NULL DEFAULT 0,
  PRIMARY KEY (aor, contact)) WITHOUT ROWID;
CREATE TABLE subscriber (username TEXT NOT NULL, realm TEXT NOT NULL, password TEXT NOT NULL DEFAULT '',
  ha1_md5 TEXT NOT NULL DEFAULT '', ha1_sha256 TEXT NOT NULL DEFAULT '', PRIMARY KEY (username, realm)) WITHOUT ROWID;
CREATE TABLE destination_state (set_name TEXT NOT NULL, uri TEXT NOT NULL, probe_up INTEGER NOT NULL,
  admin_down INTEGER NOT NULL, updated_ms INTEGER NOT NULL, PRIMARY KEY (set_name, uri)) WITHOUT ROWID;
INSERT INTO binding VALUES ('bob@example.com', 'sip:bob@192.168.1.30:5060', 3325256711, 40001, 3405803786, 5060,
  '23:<sip:p1.example.net;lr>,', 1700000600, 1700000000, 1700000000123, 1000, 0, 'call-2@phone', 7,
  'phone/2.0', 1, 65, '', 0, 0);
INSERT INTO subscriber VALUES ('bob', 'example.com', 'secret', '', '');
PRAGMA user_version=2;
)sql";
    ASSERT_EQ(sqlite3_exec(db, previous_release, nullptr, nullptr, nullptr), SQLITE_OK) << sqlite3_errmsg(db);
    sqlite3_close(db);
  }
  Binding v6;
  {
    SqliteStore s(options());
    EXPECT_EQ(query_int("PRAGMA user_version"), kSchemaVersion);
    const LoadResult r = s.load_all(kNow);
    ASSERT_TRUE(r.ok) << r.error;
    ASSERT_EQ(r.loaded, 1u);
    const Binding* bob = s.find("bob@example.com", "sip:bob@192.168.1.30:5060");
    ASSERT_NE(bob, nullptr);
    EXPECT_EQ(to_string(bob->received), "198.51.100.7:40001");
    EXPECT_EQ(to_string(bob->local), "203.0.113.10:5060");
    EXPECT_EQ(bob->path, std::vector<std::string>{"<sip:p1.example.net;lr>"});
    EXPECT_EQ(bob->call_id, "call-2@phone");
    EXPECT_EQ(bob->nat_bits, 65u);
    v6 = *bob;
    v6.contact = "sip:bob@[2001:db8::7]:5060";
    net::Ipv6Addr src{};
    src.bytes = {0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x07};
    v6.received = Endpoint::ipv6(src, 40002);
    s.upsert(v6);
    ASSERT_TRUE(s.flush().ok);
  }
  EXPECT_EQ(query_int("SELECT COUNT(*) FROM subscriber"), 1);
  SqliteStore s(options());
  const LoadResult r = s.load_all(kNow);
  ASSERT_TRUE(r.ok) << r.error;
  EXPECT_EQ(r.loaded, 2u);
  ASSERT_NE(s.find("bob@example.com", "sip:bob@192.168.1.30:5060"), nullptr);
  const Binding* back = s.find(v6.aor, v6.contact);
  ASSERT_NE(back, nullptr);
  EXPECT_TRUE(back->same_persistent(v6));
}

TEST_F(SqliteStoreTest, MalformedIpv6ColumnFailsTheLoad) {
  {
    SqliteStore s(options());
    s.upsert(full_binding());
    ASSERT_TRUE(s.flush().ok);
  }
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(path_.c_str(), &db), SQLITE_OK);
  ASSERT_EQ(sqlite3_exec(db, "UPDATE binding SET received_ip6 = 'nonsense'", nullptr, nullptr, nullptr), SQLITE_OK);
  sqlite3_close(db);
  SqliteStore s(options());
  const LoadResult r = s.load_all(kNow);
  EXPECT_FALSE(r.ok);
  EXPECT_NE(r.error.find("received_ip6"), std::string::npos) << r.error;
}

TEST_F(SqliteStoreTest, NewerSchemaIsRefused) {
  { SqliteStore s(options()); }
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(path_.c_str(), &db), SQLITE_OK);
  ASSERT_EQ(sqlite3_exec(db, "PRAGMA user_version=99", nullptr, nullptr, nullptr), SQLITE_OK);
  sqlite3_close(db);
  EXPECT_THROW(SqliteStore s(options()), std::runtime_error);
}

TEST_F(SqliteStoreTest, UnopenablePathThrows) {
  EXPECT_THROW(SqliteStore s({.path = (dir_ / "missing-dir" / "x.db").string()}), std::runtime_error);
  EXPECT_THROW(SqliteStore s({.path = dir_.string()}), std::runtime_error);  // a directory
}

TEST_F(SqliteStoreTest, SynchronousFullOpensAndWrites) {
  SqliteStore s({.path = path_, .synchronous_full = true, .busy_timeout_ms = 10});
  s.upsert(full_binding());
  EXPECT_TRUE(s.flush().ok);
  EXPECT_EQ(query_int("SELECT COUNT(*) FROM binding"), 1);
}

TEST(PathColumn, RoundTripAndRejects) {
  const std::vector<std::string> path = {"<sip:a;lr>", "", "<sip:b,c:1;lr>"};
  std::vector<std::string> back;
  ASSERT_TRUE(decode_path(encode_path(path), back));
  EXPECT_EQ(back, path);
  EXPECT_TRUE(decode_path("", back));
  EXPECT_TRUE(back.empty());
  EXPECT_FALSE(decode_path("5:abc,", back));   // too short
  EXPECT_FALSE(decode_path("3:abc", back));    // no terminator
  EXPECT_FALSE(decode_path("x:abc,", back));   // no length
  EXPECT_FALSE(decode_path("3abc,", back));    // no colon
}

TEST_F(SqliteStoreTest, SubscribersPersistAndReload) {
  {
    SqliteSubscriberStore subs(path_);
    std::string error;
    ASSERT_TRUE(subs.put({"alice", "example.com", "secret", "", ""}, error)) << error;
    ASSERT_NE(subs.find("alice", "example.com"), nullptr);
    EXPECT_EQ(subs.find("alice", "other.com"), nullptr);
  }
  // Provisioned by an operator with the sqlite3 shell while we run.
  SqliteSubscriberStore subs(path_);
  EXPECT_EQ(subs.size(), 1u);
  EXPECT_EQ(subs.find("alice", "example.com")->password, "secret");
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(path_.c_str(), &db), SQLITE_OK);
  ASSERT_EQ(sqlite3_exec(db,
                         "INSERT INTO subscriber (username, realm, ha1_md5) VALUES "
                         "('bob', 'example.com', '0123456789abcdef0123456789abcdef')",
                         nullptr, nullptr, nullptr),
            SQLITE_OK);
  sqlite3_close(db);
  EXPECT_EQ(subs.find("bob", "example.com"), nullptr);  // memory copy until reload
  std::string error;
  ASSERT_TRUE(subs.reload(error)) << error;
  ASSERT_NE(subs.find("bob", "example.com"), nullptr);
  EXPECT_EQ(subs.find("bob", "example.com")->ha1_md5, "0123456789abcdef0123456789abcdef");
  ASSERT_TRUE(subs.erase("alice", "example.com", error));
  EXPECT_EQ(subs.find("alice", "example.com"), nullptr);
  EXPECT_EQ(query_int("SELECT COUNT(*) FROM subscriber"), 1);
}

TEST_F(SqliteStoreTest, LocationAndSubscribersShareTheFile) {
  SqliteStore s(options());
  SqliteSubscriberStore subs(path_);
  s.upsert(full_binding());
  EXPECT_TRUE(s.flush().ok);
  std::string error;
  EXPECT_TRUE(subs.put({"alice", "example.com", "pw", "", ""}, error)) << error;
  EXPECT_EQ(query_int("SELECT COUNT(*) FROM binding"), 1);
  EXPECT_EQ(query_int("SELECT COUNT(*) FROM subscriber"), 1);
}

// What /api/subscribers lists: every row, in (username, realm) order.
TEST_F(SqliteStoreTest, SubscribersForEachInOrder) {
  SqliteSubscriberStore subs(path_);
  std::string error;
  ASSERT_TRUE(subs.put({"bob", "example.com", "", "0123456789abcdef0123456789abcdef", ""}, error)) << error;
  ASSERT_TRUE(subs.put({"alice", "other.org", "pw", "", ""}, error)) << error;
  ASSERT_TRUE(subs.put({"alice", "example.com", "pw", "", ""}, error)) << error;
  std::vector<std::string> seen;
  subs.for_each([&](const Subscriber& s) { seen.push_back(s.username + "@" + s.realm); });
  EXPECT_EQ(seen, (std::vector<std::string>{"alice@example.com", "alice@other.org", "bob@example.com"}));
}

// A write while another connection (the sqlite3 shell) holds the write lock
// waits only the busy timeout the control plane gave, then fails, leaving
// the memory copy as it was.
TEST_F(SqliteStoreTest, SubscriberWriteUnderALockIsBoundedAndFails) {
  SqliteSubscriberStore subs(path_, 30);
  sqlite3* other = nullptr;
  ASSERT_EQ(sqlite3_open(path_.c_str(), &other), SQLITE_OK);
  ASSERT_EQ(sqlite3_exec(other, "BEGIN IMMEDIATE", nullptr, nullptr, nullptr), SQLITE_OK);
  std::string error;
  const auto t0 = std::chrono::steady_clock::now();
  EXPECT_FALSE(subs.put({"alice", "example.com", "pw", "", ""}, error));
  const auto waited = std::chrono::steady_clock::now() - t0;
  EXPECT_LT(waited, std::chrono::milliseconds(500)) << "bounded by the busy timeout";
  EXPECT_FALSE(error.empty());
  EXPECT_EQ(subs.find("alice", "example.com"), nullptr) << "memory copy unchanged";
  sqlite3_exec(other, "ROLLBACK", nullptr, nullptr, nullptr);
  sqlite3_close(other);
  EXPECT_TRUE(subs.put({"alice", "example.com", "pw", "", ""}, error)) << error;
}

}  // namespace
}  // namespace sipedge::store
