#include "call_key.h"

#include <gtest/gtest.h>

#include <array>

namespace sipedge::loadgen {
namespace {

TEST(CallKey, RoundTripsThroughTheCallId) {
  std::array<char, 128> buffer{};
  TextWriter w(buffer);
  write_call_id(w, {0x1234, 7}, 0xbeef, "203.0.113.50");
  ASSERT_TRUE(w.ok());
  EXPECT_EQ(w.text(), "1234-7-beef@203.0.113.50");
  const auto key = parse_call_id(w.text(), 0xbeef);
  ASSERT_TRUE(key.has_value());
  EXPECT_EQ(*key, (CallKey{0x1234, 7}));
}

TEST(CallKey, RefusesOtherSessionsAndMalformedIds) {
  EXPECT_FALSE(parse_call_id("1234-7-beef@h", 0xbeee).has_value());
  EXPECT_FALSE(parse_call_id("1234-7@h", 0xbeef).has_value());
  EXPECT_FALSE(parse_call_id("-7-beef@h", 0xbeef).has_value());
  EXPECT_FALSE(parse_call_id("12z4-7-beef@h", 0xbeef).has_value());
  EXPECT_FALSE(parse_call_id("123456789-7-beef@h", 0xbeef).has_value());  // over 32 bits
  EXPECT_FALSE(parse_call_id("a84d1c2e@sipp", 0xbeef).has_value());
}

TEST(TextWriter, FailsWhenFullAndStaysFailed) {
  std::array<char, 8> buffer{};
  TextWriter w(buffer);
  w << "12345" << std::uint64_t{678};
  EXPECT_TRUE(w.ok());
  EXPECT_EQ(w.text(), "12345678");
  w << "9";
  EXPECT_FALSE(w.ok());
  EXPECT_EQ(w.size(), 8u);
}

}  // namespace
}  // namespace sipedge::loadgen
