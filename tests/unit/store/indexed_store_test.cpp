// The memory half shared by every backend (exercised through MemoryStore).
#include <gtest/gtest.h>

#include <set>
#include <string>
#include <vector>

#include "store/memory_store.h"

namespace sipedge::store {
namespace {

Binding make(std::string aor, std::string contact, std::int64_t expires_at, std::uint32_t ip = 1) {
  Binding b;
  b.aor = std::move(aor);
  b.contact = std::move(contact);
  b.expires_at = expires_at;
  b.received = {ip, 5060};
  return b;
}

TEST(IndexedStore, UpsertLookupFindRemove) {
  MemoryStore s;
  EXPECT_TRUE(s.lookup("a@x").empty());
  s.upsert(make("a@x", "sip:1", 100));
  s.upsert(make("a@x", "sip:2", 100));
  s.upsert(make("b@x", "sip:3", 100));
  EXPECT_EQ(s.lookup("a@x").size(), 2u);
  EXPECT_EQ(s.binding_count(), 3u);
  EXPECT_EQ(s.aor_count(), 2u);
  ASSERT_NE(s.find("a@x", "sip:2"), nullptr);
  EXPECT_EQ(s.find("a@x", "sip:3"), nullptr);
  s.upsert(make("a@x", "sip:2", 200));  // replace, not add
  EXPECT_EQ(s.binding_count(), 3u);
  EXPECT_EQ(s.find("a@x", "sip:2")->expires_at, 200);
  EXPECT_EQ(s.remove("a@x", "sip:9"), 0u);
  EXPECT_GT(s.remove("a@x", "sip:1"), 0u);
  EXPECT_EQ(s.remove_all("nobody@x"), 0u);
  EXPECT_GT(s.remove_all("a@x"), 0u);
  EXPECT_EQ(s.aor_count(), 1u);
  EXPECT_EQ(s.binding_count(), 1u);
  std::size_t visited = 0;
  s.for_each([&](const Binding& b) {
    EXPECT_EQ(b.aor, "b@x");
    ++visited;
  });
  EXPECT_EQ(visited, 1u);
}

TEST(IndexedStore, SequencesAndDurability) {
  MemoryStore s;
  EXPECT_EQ(s.last_sequence(), 0u);
  const Sequence a = s.upsert(make("a@x", "sip:1", 100));
  const Sequence b = s.upsert(make("a@x", "sip:2", 100));
  EXPECT_GT(b, a);
  EXPECT_EQ(s.last_sequence(), b);
  EXPECT_EQ(s.durable_sequence(), 0u);
  EXPECT_EQ(s.pending(), 2u);
  const FlushResult f = s.flush();
  EXPECT_TRUE(f.ok);
  EXPECT_EQ(f.written, 2u);
  EXPECT_EQ(f.durable, b);
  EXPECT_EQ(s.durable_sequence(), b);
  EXPECT_EQ(s.pending(), 0u);
  // Nothing queued: flush writes nothing and changes nothing.
  EXPECT_EQ(s.flush().written, 0u);
  EXPECT_EQ(s.stats().flushes, 1u);
}

TEST(IndexedStore, WritesToOneBindingCollapseBeforeAFlush) {
  MemoryStore s;
  for (int i = 0; i < 10; ++i) s.upsert(make("a@x", "sip:1", 100 + i));
  EXPECT_EQ(s.pending(), 1u);
  EXPECT_EQ(s.flush().written, 1u);
  // Added then removed before a flush: one delete, and nothing persisted.
  s.upsert(make("a@x", "sip:2", 100));
  s.remove("a@x", "sip:2");
  EXPECT_EQ(s.flush().written, 1u);
  EXPECT_EQ(s.persisted_rows(), 1u);
}

TEST(IndexedStore, KeepaliveStateIsKeptOnRefreshFromTheSameAddress) {
  MemoryStore s;
  s.upsert(make("a@x", "sip:1", 100, 7));
  const KeepaliveState k{.last_rtt_us = 1500, .consecutive_failures = 1, .last_ok_ms = 42};
  EXPECT_TRUE(s.set_keepalive("a@x", "sip:1", k));
  EXPECT_FALSE(s.set_keepalive("a@x", "sip:none", k));
  EXPECT_EQ(s.pending(), 1u);  // keepalive state is not a durable write
  s.upsert(make("a@x", "sip:1", 200, 7));
  EXPECT_EQ(s.find("a@x", "sip:1")->keepalive.last_rtt_us, 1500u);
  s.upsert(make("a@x", "sip:1", 300, 8));  // NAT rebinding: new address, new state
  EXPECT_EQ(s.find("a@x", "sip:1")->keepalive.last_rtt_us, 0u);
  EXPECT_EQ(s.find("a@x", "sip:1")->keepalive.consecutive_failures, 0u);
}

TEST(IndexedStore, ExpireRemovesOnlyDueBindings) {
  MemoryStore s;
  s.upsert(make("a@x", "sip:1", 100));
  s.upsert(make("a@x", "sip:2", 300));
  s.upsert(make("b@x", "sip:3", 200));
  s.upsert(make("c@x", "sip:4", 100));
  s.flush();
  std::vector<std::string> expired;
  s.subscribe([&](const Change& c) {
    EXPECT_EQ(c.kind, ChangeKind::expired);
    expired.push_back(c.binding.contact);
  });
  EXPECT_EQ(s.expire(99), 0u);
  EXPECT_EQ(s.expire(100), 2u);  // expires_at <= now
  EXPECT_EQ(s.binding_count(), 2u);
  EXPECT_EQ(s.aor_count(), 2u);
  EXPECT_EQ(s.pending(), 2u);  // deletions queued
  EXPECT_EQ(s.expire(250), 1u);
  EXPECT_EQ(s.expire(1000), 1u);
  EXPECT_EQ(s.binding_count(), 0u);
  EXPECT_EQ(s.aor_count(), 0u);
  EXPECT_EQ(expired.size(), 4u);
  EXPECT_EQ(s.stats().expired, 4u);
  s.flush();
  EXPECT_EQ(s.persisted_rows(), 0u);
}

TEST(IndexedStore, ExpiryFollowsRefreshes) {
  MemoryStore s;
  s.upsert(make("a@x", "sip:1", 100));
  s.upsert(make("a@x", "sip:1", 500));  // refreshed before it expired
  EXPECT_EQ(s.expire(100), 0u);
  s.upsert(make("a@x", "sip:1", 50));  // shortened
  EXPECT_EQ(s.expire(60), 1u);
}

TEST(IndexedStore, ChangeNotifications) {
  MemoryStore s;
  std::vector<std::pair<ChangeKind, std::string>> seen;
  const SubscriptionId id = s.subscribe([&](const Change& c) {
    EXPECT_EQ(c.origin, ChangeOrigin::local);
    seen.emplace_back(c.kind, c.binding.contact + "@" + std::to_string(c.binding.expires_at));
  });
  s.upsert(make("a@x", "sip:1", 100));
  s.upsert(make("a@x", "sip:1", 200));
  s.upsert(make("a@x", "sip:2", 300));
  s.remove("a@x", "sip:1");
  s.remove_all("a@x");
  const std::vector<std::pair<ChangeKind, std::string>> expected = {{ChangeKind::added, "sip:1@100"},
                                                                    {ChangeKind::updated, "sip:1@200"},
                                                                    {ChangeKind::added, "sip:2@300"},
                                                                    {ChangeKind::removed, "sip:1@200"},
                                                                    {ChangeKind::removed, "sip:2@300"}};
  EXPECT_EQ(seen, expected);
  s.unsubscribe(id);
  s.upsert(make("a@x", "sip:3", 100));
  EXPECT_EQ(seen.size(), expected.size());
}

TEST(IndexedStore, FailedFlushKeepsEverythingQueued) {
  MemoryStore s;
  const Sequence a = s.upsert(make("a@x", "sip:1", 100));
  s.fail_next_flushes(1);
  FlushResult f = s.flush();
  EXPECT_FALSE(f.ok);
  EXPECT_EQ(f.durable, 0u);
  EXPECT_EQ(s.durable_sequence(), 0u);
  EXPECT_EQ(s.pending(), 1u);
  const Sequence b = s.upsert(make("a@x", "sip:2", 100));  // more work while failing
  f = s.flush();
  EXPECT_TRUE(f.ok);
  EXPECT_EQ(f.written, 2u);
  EXPECT_GE(f.durable, b);
  EXPECT_GT(b, a);
  EXPECT_EQ(s.stats().retried_rows, 1u);
  EXPECT_EQ(s.persisted_rows(), 2u);
}

TEST(IndexedStore, LoadAllDropsExpiredAndQueuesTheirDeletion) {
  MemoryStore s;
  s.upsert(make("a@x", "sip:1", 100));
  s.upsert(make("a@x", "sip:2", 500));
  s.flush();
  s.set_keepalive("a@x", "sip:2", {.last_rtt_us = 9, .consecutive_failures = 2, .last_ok_ms = 1});
  const LoadResult r = s.load_all(200);
  ASSERT_TRUE(r.ok);
  EXPECT_EQ(r.loaded, 1u);
  EXPECT_EQ(r.dropped, 1u);
  EXPECT_EQ(s.find("a@x", "sip:1"), nullptr);
  ASSERT_NE(s.find("a@x", "sip:2"), nullptr);
  EXPECT_EQ(s.find("a@x", "sip:2")->keepalive.consecutive_failures, 0u);  // memory-only state starts over
  EXPECT_EQ(s.pending(), 1u);
  s.flush();
  EXPECT_EQ(s.persisted_rows(), 1u);
  // The loaded binding still expires on time.
  EXPECT_EQ(s.expire(500), 1u);
}

TEST(Binding, RemainingAndEndpointText) {
  Binding b;
  b.expires_at = 100;
  EXPECT_EQ(b.remaining(40), 60u);
  EXPECT_EQ(b.remaining(100), 0u);
  EXPECT_EQ(b.remaining(200), 0u);
  EXPECT_TRUE(b.expired(100));
  EXPECT_EQ(to_string(Endpoint{0xC6336407, 5060}), "198.51.100.7:5060");
}

// Built with += (GCC 12 warns falsely on "u" + std::to_string(i) at -O3).
std::string numbered(int i) {
  std::string aor = "u";
  aor += std::to_string(i);
  aor += "@x";
  return aor;
}

TEST(IndexedStore, ASlicedWalkVisitsEveryBindingEvenWhenTheStoreGrowsBetweenSlices) {
  MemoryStore s;
  for (int i = 0; i < 3000; ++i) s.upsert(make(numbered(i), "sip:1", 100));
  std::set<std::string> visited;
  IndexedStore::WalkCursor cursor;
  int slices = 0;
  bool done = false;
  while (!done && slices < 100000) {
    done = s.for_each_slice(cursor, 64, [&](const Binding& b) { visited.insert(b.aor); });
    ++slices;
    // Growing past the bucket count rehashes: the walk must start over, not skip.
    if (slices == 3)
      for (int i = 3000; i < 20000; ++i) s.upsert(make(numbered(i), "sip:1", 100));
    if (slices == 5) s.remove_all("u1@x");
  }
  ASSERT_TRUE(done);
  EXPECT_GT(slices, 20000 / 64);  // sliced, not one walk
  for (int i = 0; i < 20000; ++i)
    if (i != 1) {
      EXPECT_TRUE(visited.contains(numbered(i))) << i;
    }
  // A finished walk of an unchanged store stays finished; a fresh cursor walks again.
  EXPECT_TRUE(s.for_each_slice(cursor, 64, [](const Binding&) {}));
  IndexedStore::WalkCursor fresh;
  std::size_t again = 0;
  while (!s.for_each_slice(fresh, 1 << 20, [&](const Binding&) { ++again; })) {
  }
  EXPECT_EQ(again, s.binding_count());
}

}  // namespace
}  // namespace sipedge::store
