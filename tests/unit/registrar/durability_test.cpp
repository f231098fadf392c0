// A REGISTER is answered 200 only once its binding is durable.
#include <gtest/gtest.h>
#include <sqlite3.h>
#include <unistd.h>

#include "fixtures/temp_dir.h"
#include "registrar/hold.h"
#include "registrar_fixture.h"
#include "store/sqlite_store.h"

namespace sipedge::registrar::test {
namespace {

using DurabilityTest = RegistrarFixture;

TEST_F(DurabilityTest, OkIsHeldUntilTheFlush) {
  auto request = make_register({});
  Response r = registrar().handle(request->msg, source_, kNowMs);
  ASSERT_EQ(r.status, 200);
  ASSERT_GT(r.durable_after, store_.durable_sequence());  // not durable yet
  DurabilityHold<Response> hold;
  hold.hold(r.durable_after, std::move(r));
  std::vector<Response> sent;
  auto send = [&](Response&& x) { sent.push_back(std::move(x)); };
  EXPECT_EQ(hold.release(store_.durable_sequence(), send), 0u);
  const store::FlushResult flushed = store_.flush();
  ASSERT_TRUE(flushed.ok);
  EXPECT_EQ(hold.release(flushed.durable, send), 1u);
  ASSERT_EQ(sent.size(), 1u);
  EXPECT_EQ(sent[0].status, 200);
  EXPECT_EQ(store_.persisted_rows(), 1u);
}

TEST_F(DurabilityTest, RejectionsAreNotHeld) {
  auto request = make_register({.expires = 10});
  const Response r = registrar().handle(request->msg, source_, kNowMs);
  EXPECT_EQ(r.status, 423);
  EXPECT_EQ(r.durable_after, 0u);
  EXPECT_TRUE(r.failure_text.empty());
}

TEST_F(DurabilityTest, AnswerReflectingPendingStateWaitsToo) {
  // Another phone's write is pending: a fetch reporting it must wait.
  auto first = make_register({.contacts = {"<sip:alice@10.0.0.1>"}});
  const Response a = registrar().handle(first->msg, source_, kNowMs);
  auto fetch = make_register({.contacts = {}, .call_id = "fetcher"});
  const Response b = registrar().handle(fetch->msg, source_, kNowMs);
  EXPECT_EQ(b.outcome, Outcome::queried);
  EXPECT_EQ(b.durable_after, a.durable_after);
}

TEST_F(DurabilityTest, FailedFlushKeepsTheOkHeldAndRetries) {
  store_.fail_next_flushes(2);
  auto request = make_register({});
  Response r = registrar().handle(request->msg, source_, kNowMs);
  DurabilityHold<Response> hold;
  hold.hold(r.durable_after, std::move(r));
  std::size_t sent = 0;
  auto send = [&](Response&&) { ++sent; };

  store::FlushResult f = store_.flush();
  EXPECT_FALSE(f.ok);
  EXPECT_EQ(f.error, "injected failure");
  EXPECT_EQ(f.consecutive_failures, 1u);
  EXPECT_EQ(hold.release(f.durable, send), 0u);
  EXPECT_EQ(store_.pending(), 1u);  // the write stays queued
  f = store_.flush();
  EXPECT_EQ(f.consecutive_failures, 2u);
  EXPECT_EQ(hold.release(f.durable, send), 0u);
  EXPECT_EQ(store_.stats().flush_failures, 2u);

  f = store_.flush();  // the backend is back
  ASSERT_TRUE(f.ok);
  EXPECT_EQ(hold.release(f.durable, send), 1u);
  EXPECT_EQ(store_.persisted_rows(), 1u);
  EXPECT_EQ(store_.stats().retried_rows, 1u);
}

TEST_F(DurabilityTest, GivingUpAnswers500FromTheFailureText) {
  store_.fail_next_flushes(100);
  auto request = make_register({});
  Response r = registrar().handle(request->msg, source_, kNowMs);
  DurabilityHold<Response> hold;
  hold.hold(r.durable_after, std::move(r));
  store::FlushResult f;
  for (int i = 0; i < 3; ++i) f = store_.flush();
  ASSERT_EQ(f.consecutive_failures, 3u);
  std::vector<std::string> failed;
  EXPECT_EQ(hold.fail_all([&](Response&& x) { failed.push_back(x.failure_text); }), 1u);
  registrar().count_store_failures(failed.size());
  auto parsed = parse(failed.at(0));
  ASSERT_EQ(parsed->error, sip::ParseError::ok) << failed[0];
  EXPECT_EQ(parsed->msg.status_code(), 500);
  EXPECT_EQ(parsed->msg.value(sip::HeaderId::retry_after), "30");
  EXPECT_EQ(parsed->msg.call_id(), "call-1@phone");
  EXPECT_EQ(registrar().stats().outcomes[static_cast<std::size_t>(Outcome::store_failure)], 1u);
}

// The same with a real SQLite file whose write lock another process holds
// (sipedgectl, a backup, an operator's sqlite3 shell).
TEST(SqliteDurability, LockedDatabaseHoldsTheOkUntilReleased) {
  const fixtures::TempDir dir("sipedge-reg-durability");
  const std::string path = dir.file("location.db");
  config::RegistrarConfig config;
  config.domains = {"example.com"};
  const Source source{{kPhoneIp, 40000}, {kVip, 5060}, 0, false};
  {
    store::SqliteStore store({.path = path, .synchronous_full = false, .busy_timeout_ms = 10});
    Registrar registrar(config, store, nullptr);

    sqlite3* other = nullptr;
    ASSERT_EQ(sqlite3_open(path.c_str(), &other), SQLITE_OK);
    ASSERT_EQ(sqlite3_exec(other, "BEGIN IMMEDIATE", nullptr, nullptr, nullptr), SQLITE_OK);

    auto request = make_register({});
    Response r = registrar.handle(request->msg, source, kNowMs);
    DurabilityHold<Response> hold;
    hold.hold(r.durable_after, std::move(r));
    std::size_t sent = 0;
    auto send = [&](Response&&) { ++sent; };

    store::FlushResult f = store.flush();
    EXPECT_FALSE(f.ok);
    EXPECT_NE(f.error.find("locked"), std::string::npos) << f.error;
    EXPECT_EQ(hold.release(f.durable, send), 0u);
    EXPECT_EQ(store.pending(), 1u);

    ASSERT_EQ(sqlite3_exec(other, "COMMIT", nullptr, nullptr, nullptr), SQLITE_OK);
    sqlite3_close(other);
    f = store.flush();
    ASSERT_TRUE(f.ok) << f.error;
    EXPECT_EQ(hold.release(f.durable, send), 1u);
  }
  store::SqliteStore reopened({.path = path});
  ASSERT_TRUE(reopened.load_all(kNow).ok);
  EXPECT_NE(reopened.find("alice@example.com", "sip:alice@192.168.1.20:5060"), nullptr);
}

}  // namespace
}  // namespace sipedge::registrar::test
