// The API's JSON documents are built with nlohmann-json: bytes from the
// network (an AOR, a contact, a User-Agent) carrying quotes, backslashes,
// control characters or invalid UTF-8 still give a valid document whose
// values round-trip, and numbers stay numbers.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "cp/api.h"
#include "cp/json.h"
#include "cp_fixture.h"

namespace sipedge::cp::test {
namespace {

const std::string kHostile = std::string("a\"b\\c\x01\n\t") + "caf\xc3\xa9";

TEST(JsonDocuments, StringRoundTripsQuotesBackslashesAndControls) {
  const auto parsed = nlohmann::json::parse(dump_json(Json{{"error", kHostile}}));
  EXPECT_EQ(parsed.at("error").get<std::string>(), kHostile);
}

TEST(JsonDocuments, InvalidUtf8IsReplacedNotThrownOrPassedRaw) {
  const std::string dumped = dump_json(Json{{"ua", std::string("x\xff\xfey")}});
  const auto parsed = nlohmann::json::parse(dumped);  // throws on raw invalid UTF-8
  EXPECT_EQ(parsed.at("ua").get<std::string>(), "x\xef\xbf\xbd\xef\xbf\xbdy");  // U+FFFD twice
}

class RegistrationsJsonTest : public CpFixture {};

TEST_F(RegistrationsJsonTest, HostileUserAgentAndAorRoundTripAndNumbersStayNumbers) {
  start();
  store::Binding b;
  b.aor = "al\"ice@example.com";
  b.contact = "sip:alice@198.51.100.20:5060";
  b.received = {0xC6336414, 5060};  // 198.51.100.20
  b.expires_at = now().unix_ms / 1000 + 300;
  b.registered_at = now().unix_ms / 1000;
  b.user_agent = kHostile + "\xff";
  b.nat = true;
  b.owner = 3;
  store_->upsert(b);

  const ApiView view{config_, *cp_, *store_, 0, now()};
  const std::string body = registrations_json(view, std::nullopt);
  ASSERT_TRUE(body.ends_with("]\n")) << body;
  const auto doc = nlohmann::json::parse(body);
  ASSERT_EQ(doc.size(), 1u) << body;
  const auto& r = doc[0];
  EXPECT_EQ(r.at("aor").get<std::string>(), b.aor);
  EXPECT_EQ(r.at("user_agent").get<std::string>(), kHostile + "\xef\xbf\xbd");
  EXPECT_EQ(r.at("received").get<std::string>(), "198.51.100.20:5060");
  EXPECT_TRUE(r.at("expires").is_number_integer());
  EXPECT_EQ(r.at("expires").get<std::int64_t>(), 300);
  EXPECT_EQ(r.at("nat"), true);
  EXPECT_EQ(r.at("owner").get<int>(), 3);
  // Field order is the documented one (ordered_json).
  std::vector<std::string> keys;
  const auto ordered = nlohmann::ordered_json::parse(body);
  for (const auto& [key, value] : ordered[0].items()) keys.push_back(key);
  EXPECT_EQ(keys, (std::vector<std::string>{"aor", "contact", "received", "local", "expires", "nat", "owner",
                                            "rtt_us", "keepalive_failures", "user_agent"}));
}

TEST_F(RegistrationsJsonTest, StatsDocumentKeepsItsShape) {
  start();
  const ApiView view{config_, *cp_, *store_, 7, now()};
  const auto doc = nlohmann::json::parse(stats_json(view));
  EXPECT_TRUE(doc.at("time").is_number_integer());
  EXPECT_EQ(doc.at("node").get<std::string>(), config_.node.name);
  EXPECT_FALSE(doc.at("dataplane").at("connected").get<bool>());
  EXPECT_TRUE(doc.at("dataplane").at("stats_age_ms").is_null());
  EXPECT_TRUE(doc.at("cps").is_null());
  EXPECT_EQ(doc.at("history").at("cps").size(), doc.at("history").at("seconds").get<std::size_t>());
  EXPECT_TRUE(doc.at("counters").is_object());
  EXPECT_TRUE(doc.at("drops").is_object());
  EXPECT_TRUE(doc.at("destinations").is_array());
  EXPECT_EQ(doc.at("registrations").at("bindings").get<int>(), 0);
  EXPECT_EQ(doc.at("keepalive").at("rtt_buckets_ms").size() + 1, doc.at("keepalive").at("rtt_counts").size());
  EXPECT_EQ(doc.at("punt_queue").get<int>(), 7);
  EXPECT_TRUE(doc.at("cp").is_object());
  EXPECT_FALSE(doc.contains("announce"));
}

}  // namespace
}  // namespace sipedge::cp::test
