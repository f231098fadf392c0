#include <gtest/gtest.h>

#include "registrar/lookup.h"
#include "store/memory_store.h"

namespace sipedge::registrar {
namespace {

store::Binding binding(std::string contact, std::uint16_t q, std::int64_t refresh_ms, std::int64_t expires_at = 2000) {
  store::Binding b;
  b.aor = "alice@example.com";
  b.contact = std::move(contact);
  b.q = q;
  b.last_refresh_ms = refresh_ms;
  b.expires_at = expires_at;
  return b;
}

TEST(Lookup, NoBindingIsNotFound) {
  store::MemoryStore s;
  const auto r = best_binding(s, "alice@example.com", 1000);
  EXPECT_EQ(r.status, LookupStatus::not_found);
  EXPECT_EQ(r.sip_status(), 404);
  EXPECT_EQ(r.binding, nullptr);
}

TEST(Lookup, HighestQThenMostRecent) {
  store::MemoryStore s;
  s.upsert(binding("sip:a@1", 500, 900'000));
  s.upsert(binding("sip:b@2", 1000, 100'000));
  s.upsert(binding("sip:c@3", 1000, 200'000));
  const auto r = best_binding(s, "alice@example.com", 1000);
  ASSERT_EQ(r.status, LookupStatus::found);
  EXPECT_EQ(r.binding->contact, "sip:c@3");
  EXPECT_EQ(r.sip_status(), 200);
}

TEST(Lookup, ExpiredBindingsAreIgnored) {
  store::MemoryStore s;
  s.upsert(binding("sip:new@1", 1000, 900'000, /*expires_at=*/1000));  // expired at now
  s.upsert(binding("sip:old@2", 100, 100'000));
  const auto r = best_binding(s, "alice@example.com", 1000);
  ASSERT_EQ(r.status, LookupStatus::found);
  EXPECT_EQ(r.binding->contact, "sip:old@2");
  s.remove("alice@example.com", "sip:old@2");
  EXPECT_EQ(best_binding(s, "alice@example.com", 1000).status, LookupStatus::not_found);
}

TEST(Lookup, FailingKeepalivesSkipThenUnreachable) {
  store::MemoryStore s;
  s.upsert(binding("sip:a@1", 1000, 900'000));
  s.upsert(binding("sip:b@2", 500, 100'000));
  s.set_keepalive("alice@example.com", "sip:a@1", {.last_rtt_us = 0, .consecutive_failures = 1, .last_ok_ms = 0});
  auto r = best_binding(s, "alice@example.com", 1000);
  ASSERT_EQ(r.status, LookupStatus::found);
  EXPECT_EQ(r.binding->contact, "sip:b@2");
  s.set_keepalive("alice@example.com", "sip:b@2", {.last_rtt_us = 0, .consecutive_failures = 2, .last_ok_ms = 0});
  r = best_binding(s, "alice@example.com", 1000);
  EXPECT_EQ(r.status, LookupStatus::unreachable);
  EXPECT_EQ(r.sip_status(), 480);
  // With a higher threshold they still count as reachable.
  EXPECT_EQ(best_binding(s, "alice@example.com", 1000, 3).status, LookupStatus::found);
  EXPECT_EQ(best_binding(s, "alice@example.com", 1000, 0).status, LookupStatus::found);
}

}  // namespace
}  // namespace sipedge::registrar
