// sipedgectl's JSON reading (json_reply.h): members are found where they are
// members, values come back unescaped, and anything of another shape reads
// as absent.
#include "json_reply.h"

#include <gtest/gtest.h>

#include <string>

namespace sipedge::ctl {
namespace {

TEST(JsonMember, FindsOnlyTopLevelMembers) {
  // The key also appears nested and inside a string before the real member.
  const std::string body = R"({"detail":{"error":"nested"},"note":"\"error\":\"quoted\"","error":"real one"})";
  EXPECT_EQ(json_member(body, "error"), "real one");
  EXPECT_EQ(json_member(R"({"outer":{"removed":7}})", "removed"), "");
}

TEST(JsonMember, RendersEachKindOfValue) {
  const std::string body =
      R"({"aor":"bob@example.com","removed":3,"replaced":true,"rate":1.5,"none":null,"list":[1,"a"],)"
      R"("why":"a \"quoted\" word, caf\u00e9\n"})";
  EXPECT_EQ(json_member(body, "aor"), "bob@example.com");
  EXPECT_EQ(json_member(body, "removed"), "3");
  EXPECT_EQ(json_member(body, "replaced"), "true");
  EXPECT_EQ(json_member(body, "rate"), "1.5");
  EXPECT_EQ(json_member(body, "none"), "");
  EXPECT_EQ(json_member(body, "list"), R"([1,"a"])");
  EXPECT_EQ(json_member(body, "why"), "a \"quoted\" word, caf\xC3\xA9\n");
  EXPECT_EQ(json_member(body, "absent"), "");
}

TEST(JsonMember, NotAnObjectReadsAsAbsent) {
  EXPECT_EQ(json_member("", "error"), "");
  EXPECT_EQ(json_member("Internal Server Error", "error"), "");
  EXPECT_EQ(json_member(R"({"error":"cut off)", "error"), "");
  EXPECT_EQ(json_member(R"(["error"])", "error"), "");
  EXPECT_EQ(json_member(R"({"error":"x"} trailing)", "error"), "");
}

TEST(JsonRows, ReadsAnArrayOfObjects) {
  const auto rows = json_rows(
      R"([{"set":"pool","index":1,"uri":"sip:198.51.100.10:5060","state":"up","rtt_us":-1},)"
      R"( {"set":"pool","index":2,"uri":"sip:198.51.100.11:5060","admin":"down \u0021"}])");
  ASSERT_TRUE(rows);
  ASSERT_EQ(rows->size(), 2u);
  EXPECT_EQ((*rows)[0].at("uri"), "sip:198.51.100.10:5060");
  EXPECT_EQ((*rows)[0].at("rtt_us"), "-1");
  EXPECT_EQ((*rows)[1].at("index"), "2");
  EXPECT_EQ((*rows)[1].at("admin"), "down !");
  EXPECT_FALSE((*rows)[1].contains("state"));
  ASSERT_TRUE(json_rows("[]"));
  EXPECT_TRUE(json_rows("[]")->empty());
}

TEST(JsonRows, RefusesOtherShapes) {
  EXPECT_FALSE(json_rows(R"({"set":"pool"})"));
  EXPECT_FALSE(json_rows(R"([{"set":"pool"}, 3])"));
  EXPECT_FALSE(json_rows(R"([{"set":"pool"})"));
  EXPECT_FALSE(json_rows("not json"));
}

TEST(JsonCounters, KeepsTheOrderSent) {
  const auto counters = json_counters(R"({"/sipedge/stats": {"rx_packets": 10, "dropped": 0, "a_last": 18446744073709551615}})",
                                      "/sipedge/stats");
  ASSERT_TRUE(counters);
  ASSERT_EQ(counters->size(), 3u);
  EXPECT_EQ((*counters)[0], (std::pair<std::string, std::uint64_t>{"rx_packets", 10}));
  EXPECT_EQ((*counters)[1], (std::pair<std::string, std::uint64_t>{"dropped", 0}));
  EXPECT_EQ((*counters)[2].second, 18446744073709551615u);
}

TEST(JsonCounters, RefusesOtherAnswers) {
  EXPECT_FALSE(json_counters(R"({"/other": {"rx": 1}})", "/sipedge/stats"));
  EXPECT_FALSE(json_counters(R"({"/sipedge/stats": {"rx": -1}})", "/sipedge/stats"));
  EXPECT_FALSE(json_counters(R"({"/sipedge/stats": {"rx": 1.5}})", "/sipedge/stats"));
  EXPECT_FALSE(json_counters(R"({"/sipedge/stats": {"rx": "1"}})", "/sipedge/stats"));
  EXPECT_FALSE(json_counters(R"({"/sipedge/stats": [1]})", "/sipedge/stats"));
  EXPECT_FALSE(json_counters(R"({"/sipedge/stats": {"rx": 1})", "/sipedge/stats"));
}

}  // namespace
}  // namespace sipedge::ctl
