// /api/subscribers: the handlers on their own (validation, what is stored,
// what is never shown, a store that refuses), then through the event loop's
// HTTP routing over a real SQLite subscriber store: POST/GET/DELETE, the
// cross-origin refusal, and POST /api/reload re-reading rows written with
// the sqlite3 shell (and keeping the old copy when that fails).
#include <gtest/gtest.h>
#include <sqlite3.h>
#include <unistd.h>

#include <memory>
#include <thread>

#include "cp/loop.h"
#include "cp/subscribers_api.h"
#include "cp_fixture.h"
#include "fake_dataplane.h"
#include "loop_fixture.h"
#include "registrar/digest.h"
#include "store/memory_store.h"
#include "store/sqlite_subscriber_store.h"

namespace sipedge::cp::test {
namespace {

const std::string kMd5 = "0123456789abcdef0123456789abcdef";
const std::string kSha256 = "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff";

// A subscriber store whose backend refuses every write.
class RefusingStore : public store::MemorySubscriberStore {
 public:
  bool put(const store::Subscriber&, std::string& error) override {
    error = "database is locked";
    return false;
  }
  bool erase(std::string_view, std::string_view, std::string& error) override {
    error = "database is locked";
    return false;
  }
  void seed(const store::Subscriber& s) {
    std::string error;
    MemorySubscriberStore::put(s, error);
  }
};

TEST(SubscribersApi, PasswordIsStoredAsBothHa1sOnly) {
  store::MemorySubscriberStore subs;
  Counters counters;
  const auto reply = subscriber_add(subs, "username=alice&realm=example.com&password=s%26cret", counters);
  ASSERT_EQ(reply.status, 200) << reply.body;
  EXPECT_NE(reply.body.find("\"replaced\":false"), std::string::npos) << reply.body;
  const store::Subscriber* s = subs.find("alice", "example.com");
  ASSERT_NE(s, nullptr);
  EXPECT_TRUE(s->password.empty()) << "no plaintext kept";
  EXPECT_EQ(s->ha1_md5, registrar::digest_ha1(registrar::DigestAlgorithm::md5, "alice", "example.com", "s&cret"));
  EXPECT_EQ(s->ha1_sha256,
            registrar::digest_ha1(registrar::DigestAlgorithm::sha256, "alice", "example.com", "s&cret"));
  EXPECT_EQ(reply.body.find(s->ha1_md5), std::string::npos) << "the HA1 is not echoed";
  EXPECT_EQ(counters.get(Counter::subscriber_added), 1u);
}

TEST(SubscribersApi, Ha1sAreStoredLowerCaseAndReplace) {
  store::MemorySubscriberStore subs;
  Counters counters;
  std::string upper = kMd5;
  for (char& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  ASSERT_EQ(subscriber_add(subs, "username=bob&realm=example.com&ha1_md5=" + upper, counters).status, 200);
  EXPECT_EQ(subs.find("bob", "example.com")->ha1_md5, kMd5);
  EXPECT_TRUE(subs.find("bob", "example.com")->ha1_sha256.empty());
  const auto again =
      subscriber_add(subs, "username=bob&realm=example.com&ha1_md5=" + kMd5 + "&ha1_sha256=" + kSha256, counters);
  ASSERT_EQ(again.status, 200) << again.body;
  EXPECT_NE(again.body.find("\"replaced\":true"), std::string::npos) << again.body;
  EXPECT_EQ(subs.find("bob", "example.com")->ha1_sha256, kSha256);
  EXPECT_EQ(subs.size(), 1u);
}

TEST(SubscribersApi, BadInputIsRefusedAndCounted) {
  store::MemorySubscriberStore subs;
  Counters counters;
  const std::vector<std::string> bad = {
      "",
      "realm=example.com&password=x",                                     // no username
      "username=alice&password=x",                                        // no realm
      "username=alice&realm=example.com",                                 // no credential
      "username=al%22ice&realm=example.com&password=x",                   // quote in the username
      "username=alice&realm=exa%22mple.com&password=x",                   // quote in the realm
      "username=" + std::string(65, 'a') + "&realm=example.com&password=x",
      "username=alice&realm=example.com&password=a%0Ab",                  // control character
      "username=alice&realm=example.com&password=x&ha1_md5=" + kMd5,      // both
      "username=alice&realm=example.com&ha1_md5=abc",                     // short
      "username=alice&realm=example.com&ha1_md5=" + std::string(32, 'z'),  // not hex
      "username=alice&realm=example.com&ha1_sha256=" + kSha256,           // SHA-256 alone
      "username=alice&realm=example.com&ha1_md5=" + kMd5 + "&ha1_sha256=" + kMd5,
      "username=alice&realm=example.com&password=%zz",                    // broken escape
  };
  for (const auto& form : bad) {
    const auto reply = subscriber_add(subs, form, counters);
    EXPECT_EQ(reply.status, 400) << form;
    EXPECT_NE(reply.body.find("\"error\":"), std::string::npos) << form;
  }
  EXPECT_EQ(subs.size(), 0u);
  EXPECT_EQ(counters.get(Counter::subscriber_refused), bad.size());
  EXPECT_EQ(counters.get(Counter::subscriber_added), 0u);
}

TEST(SubscribersApi, DeleteKnownUnknownAndMalformed) {
  store::MemorySubscriberStore subs;
  Counters counters;
  ASSERT_EQ(subscriber_add(subs, "username=alice&realm=example.com&password=x", counters).status, 200);
  EXPECT_EQ(subscriber_delete(subs, "alice@other.com", counters).status, 404);
  EXPECT_EQ(subscriber_delete(subs, "alice", counters).status, 400);
  EXPECT_EQ(subscriber_delete_form(subs, "username=alice", counters).status, 400);
  const auto reply = subscriber_delete_form(subs, "username=alice&realm=example.com", counters);
  EXPECT_EQ(reply.status, 200) << reply.body;
  EXPECT_NE(reply.body.find("\"username\":\"alice\",\"realm\":\"example.com\",\"removed\":1"), std::string::npos)
      << reply.body;
  EXPECT_EQ(subs.find("alice", "example.com"), nullptr);
  EXPECT_EQ(subscriber_delete(subs, "alice@example.com", counters).status, 404);
  EXPECT_EQ(counters.get(Counter::subscriber_removed), 1u);
  EXPECT_EQ(counters.get(Counter::subscriber_refused), 4u);
}

TEST(SubscribersApi, ListShowsWhichCredentialsAreSetNeverTheirValues) {
  store::MemorySubscriberStore subs;
  std::string error;
  subs.put({"alice", "example.com", "plain-secret", "", ""}, error);
  subs.put({"bob", "example.com", "", kMd5, kSha256}, error);
  subs.put({"carol", "other.org", "", kMd5, ""}, error);
  const std::string json = subscribers_list(subs, std::nullopt, false);
  EXPECT_EQ(json,
            "[{\"username\":\"alice\",\"realm\":\"example.com\",\"password\":true,\"ha1_md5\":false,\"ha1_sha256\":false},"
            "{\"username\":\"bob\",\"realm\":\"example.com\",\"password\":false,\"ha1_md5\":true,\"ha1_sha256\":true},"
            "{\"username\":\"carol\",\"realm\":\"other.org\",\"password\":false,\"ha1_md5\":true,\"ha1_sha256\":false}]\n");
  EXPECT_EQ(json.find("plain-secret"), std::string::npos);
  EXPECT_EQ(json.find(kMd5), std::string::npos);
  const std::string other = subscribers_list(subs, std::string("other.org"), false);
  EXPECT_EQ(other.find("alice"), std::string::npos);
  EXPECT_NE(other.find("carol"), std::string::npos);
  const std::string text = subscribers_list(subs, std::nullopt, true);
  EXPECT_NE(text.find("bob"), std::string::npos) << text;
  EXPECT_NE(text.find("ha1-md5,ha1-sha256\n"), std::string::npos) << text;
  EXPECT_TRUE(text.ends_with("3 subscribers\n")) << text;
  EXPECT_EQ(text.find(kMd5), std::string::npos);
  EXPECT_EQ(subscribers_list(store::MemorySubscriberStore{}, std::nullopt, false), "[]\n");
}

TEST(SubscribersApi, StoreFailureIs500AndCounted) {
  RefusingStore subs;
  subs.seed({"alice", "example.com", "", kMd5, ""});
  Counters counters;
  const auto add = subscriber_add(subs, "username=bob&realm=example.com&password=x", counters);
  EXPECT_EQ(add.status, 500);
  EXPECT_NE(add.body.find("database is locked"), std::string::npos) << add.body;
  EXPECT_EQ(subs.find("bob", "example.com"), nullptr);
  EXPECT_EQ(subscriber_delete(subs, "alice@example.com", counters).status, 500);
  EXPECT_NE(subs.find("alice", "example.com"), nullptr);
  EXPECT_EQ(counters.get(Counter::subscriber_store_failed), 2u);
  EXPECT_EQ(counters.get(Counter::subscriber_added), 0u);
}

// The event loop over a real SQLite subscriber store, a fake dataplane connected.
class LoopSubscribers : public LoopFixture {
 protected:
  void SetUp() override {
    subscribers_ = std::make_unique<store::SqliteSubscriberStore>(config_.store.sqlite.path, kSubscriberBusyTimeoutMs);
    start_loop(subscribers_.get());
  }
  static std::string post(std::string_view path, std::string_view body, std::string_view extra = {}) {
    std::string r = "POST ";
    r.append(path).append(" HTTP/1.1\r\nHost: 127.0.0.1\r\n").append(extra);
    r.append("Content-Length: ").append(std::to_string(body.size())).append("\r\n\r\n").append(body);
    return r;
  }
  // Runs SQL on the file through a connection of its own (the sqlite3 shell).
  void shell(const char* sql) {
    sqlite3* db = nullptr;
    ASSERT_EQ(sqlite3_open(config_.store.sqlite.path.c_str(), &db), SQLITE_OK);
    ASSERT_EQ(sqlite3_exec(db, sql, nullptr, nullptr, nullptr), SQLITE_OK) << sqlite3_errmsg(db);
    sqlite3_close(db);
  }
  int rows() {
    sqlite3* db = nullptr;
    sqlite3_open(config_.store.sqlite.path.c_str(), &db);
    sqlite3_stmt* q = nullptr;
    sqlite3_prepare_v2(db, "SELECT COUNT(*) FROM subscriber", -1, &q, nullptr);
    const int n = sqlite3_step(q) == SQLITE_ROW ? sqlite3_column_int(q, 0) : -1;
    sqlite3_finalize(q);
    sqlite3_close(db);
    return n;
  }
  // POST /api/reload answered by the fake dataplane with generation `cookie`.
  std::string reload(std::uint64_t cookie) { return reload_answered_by_dataplane(post("/api/reload", ""), punt::kFlagReply, cookie); }

  std::unique_ptr<store::SqliteSubscriberStore> subscribers_;
};

TEST_F(LoopSubscribers, AddListDeleteOverHttp) {
  std::string r = http_raw(port(), post("/api/subscribers", "username=alice&realm=example.com&password=secret"));
  EXPECT_TRUE(r.starts_with("HTTP/1.1 200 OK")) << r;
  EXPECT_EQ(rows(), 1) << "written to the file";
  r = http_raw(port(), post("/api/subscribers?username=bob&realm=example.com&ha1_md5=" + kMd5, ""));
  EXPECT_TRUE(r.starts_with("HTTP/1.1 200 OK")) << "parameters in the query work too: " << r;

  const std::string list = http_get(port(), "/api/subscribers");
  EXPECT_TRUE(list.starts_with("HTTP/1.1 200 OK\r\n")) << list;
  EXPECT_NE(list.find("\r\nContent-Type: application/json\r\n"), std::string::npos) << list;
  EXPECT_NE(list.find("{\"username\":\"alice\",\"realm\":\"example.com\",\"password\":false,\"ha1_md5\":true,"
                      "\"ha1_sha256\":true}"),
            std::string::npos)
      << list;
  EXPECT_EQ(list.find("secret"), std::string::npos);
  EXPECT_EQ(list.find(kMd5), std::string::npos);
  EXPECT_NE(http_get(port(), "/api/subscribers?format=text").find("2 subscribers\n"), std::string::npos);
  EXPECT_NE(http_get(port(), "/api/subscribers?realm=other.org&format=text").find("0 subscribers\n"),
            std::string::npos);

  r = http_raw(port(), "DELETE /api/subscribers/alice%40example.com HTTP/1.1\r\n\r\n");
  EXPECT_TRUE(r.starts_with("HTTP/1.1 200 OK")) << r;
  EXPECT_EQ(subscribers_->find("alice", "example.com"), nullptr);
  r = http_raw(port(), "DELETE /api/subscribers/alice@example.com HTTP/1.1\r\n\r\n");
  EXPECT_TRUE(r.starts_with("HTTP/1.1 404")) << r;
  r = http_raw(port(), post("/api/subscribers/del", "username=bob&realm=example.com"));
  EXPECT_TRUE(r.starts_with("HTTP/1.1 200 OK")) << r;
  EXPECT_EQ(rows(), 0);

  EXPECT_TRUE(http_raw(port(), post("/api/subscribers", "username=alice&realm=example.com")).starts_with("HTTP/1.1 400"));
  EXPECT_TRUE(http_raw(port(), "PUT /api/subscribers HTTP/1.1\r\n\r\n").starts_with("HTTP/1.1 405"));
  EXPECT_TRUE(http_raw(port(), "GET /api/subscribers/alice@example.com HTTP/1.1\r\n\r\n").starts_with("HTTP/1.1 405"));
  EXPECT_TRUE(http_raw(port(), "DELETE /api/subscribers/a%zz HTTP/1.1\r\n\r\n").starts_with("HTTP/1.1 400"));
  const std::string metrics = http_get(port(), "/metrics");
  EXPECT_NE(metrics.find("\nsipedge_cp_subscriber_added_total 2\n"), std::string::npos) << metrics;
  EXPECT_NE(metrics.find("\nsipedge_cp_subscriber_removed_total 2\n"), std::string::npos);
}

TEST_F(LoopSubscribers, CrossOriginWritesAreRefused) {
  const std::string evil = "Origin: http://evil.example\r\n";
  std::string r = http_raw(port(), post("/api/subscribers", "username=mallory&realm=example.com&password=x", evil));
  EXPECT_TRUE(r.starts_with("HTTP/1.1 403")) << r;
  EXPECT_EQ(subscribers_->find("mallory", "example.com"), nullptr);
  EXPECT_EQ(rows(), 0);
  std::string error;
  ASSERT_TRUE(subscribers_->put({"alice", "example.com", "", kMd5, ""}, error)) << error;
  r = http_raw(port(), "DELETE /api/subscribers/alice@example.com HTTP/1.1\r\nHost: 127.0.0.1\r\n" + evil + "\r\n");
  EXPECT_TRUE(r.starts_with("HTTP/1.1 403")) << r;
  EXPECT_NE(subscribers_->find("alice", "example.com"), nullptr);
  // The dashboard's own origin is fine.
  r = http_raw(port(), post("/api/subscribers/del", "username=alice&realm=example.com", "Origin: http://127.0.0.1\r\n"));
  EXPECT_TRUE(r.starts_with("HTTP/1.1 200 OK")) << r;
}

TEST_F(LoopSubscribers, ReloadRereadsRowsWrittenWithTheShell) {
  shell("INSERT INTO subscriber (username, realm, password) VALUES ('carol', 'example.com', 'pw')");
  EXPECT_EQ(subscribers_->find("carol", "example.com"), nullptr) << "memory copy until the reload";
  const std::string r = reload(5);
  EXPECT_TRUE(r.starts_with("HTTP/1.1 200 OK")) << r;
  EXPECT_NE(r.find("{\"ok\":true,\"generation\":5,\"subscribers\":1}"), std::string::npos) << r;
  ASSERT_NE(subscribers_->find("carol", "example.com"), nullptr);
  EXPECT_NE(http_get(port(), "/metrics").find("\nsipedge_cp_subscriber_reloads_total 1\n"), std::string::npos);
}

TEST_F(LoopSubscribers, FailedRereadKeepsTheOldCopyAndIsReported) {
  std::string error;
  ASSERT_TRUE(subscribers_->put({"alice", "example.com", "", kMd5, ""}, error)) << error;
  shell("DROP TABLE subscriber");
  const std::string r = reload(6);
  EXPECT_TRUE(r.starts_with("HTTP/1.1 500")) << r;
  EXPECT_NE(r.find("\"ok\":false"), std::string::npos) << r;
  EXPECT_NE(r.find("subscriber table was not re-read"), std::string::npos) << r;
  EXPECT_NE(subscribers_->find("alice", "example.com"), nullptr) << "the old copy stays";
  EXPECT_NE(http_get(port(), "/metrics").find("\nsipedge_cp_subscriber_reload_failed_total 1\n"), std::string::npos);
}

}  // namespace
}  // namespace sipedge::cp::test
