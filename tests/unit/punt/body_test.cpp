#include "punt/body.h"

#include <gtest/gtest.h>

#include <array>
#include <vector>

namespace sipedge::punt {
namespace {

std::array<std::uint8_t, kStateBodySize> encoded(const StateBody& body) {
  std::array<std::uint8_t, kStateBodySize> out{};
  encode_state(body, out);
  return out;
}

TEST(StateBody, LayoutAndRoundTrip) {
  const StateBody body{.set_id = 0x0102, .destination_index = 0x0304, .up = true, .generation = 0x1122334455667788ULL};
  const auto bytes = encoded(body);
  const std::array<std::uint8_t, kStateBodySize> expected = {0x02, 0x01, 0x04, 0x03, 1, 0, 0, 0,
                                                             0x88, 0x77, 0x66, 0x55, 0x44, 0x33, 0x22, 0x11};
  EXPECT_EQ(bytes, expected);
  StateBody back;
  ASSERT_EQ(decode_state(bytes, back), PuntError::Ok);
  EXPECT_EQ(back, body);

  const StateBody down{.set_id = 7, .destination_index = 0, .up = false, .generation = 0};
  ASSERT_EQ(decode_state(encoded(down), back), PuntError::Ok);
  EXPECT_EQ(back, down);
}

TEST(StateBody, RejectsBadSizesUpValuesAndReservedBytes) {
  StateBody out;
  std::vector<std::uint8_t> bytes(kStateBodySize - 1);
  EXPECT_EQ(decode_state(bytes, out), PuntError::BadBody);
  bytes.assign(kStateBodySize + 1, 0);
  EXPECT_EQ(decode_state(bytes, out), PuntError::BadBody);
  auto good = encoded(StateBody{.set_id = 1, .destination_index = 2, .up = true, .generation = 3});
  auto bad = good;
  bad[4] = 2;
  EXPECT_EQ(decode_state(bad, out), PuntError::BadBody);
  for (std::size_t i = 5; i < 8; ++i) {
    bad = good;
    bad[i] = 1;
    EXPECT_EQ(decode_state(bad, out), PuntError::BadBody) << i;
  }
}

TEST(StatsBody, RoundTripThroughTheView) {
  const std::vector<StatEntry> entries = {{.id = 0, .value = 0}, {.id = 17, .value = 123456789}, {.id = 0xFFFF, .value = ~std::uint64_t{0}}};
  std::vector<std::uint8_t> out(entries.size() * kStatEntrySize);
  std::size_t written = 0;
  ASSERT_EQ(encode_stats(entries, out, written), PuntError::Ok);
  ASSERT_EQ(written, 30U);
  EXPECT_EQ(out[10], 17);  // second entry's id, little-endian
  EXPECT_EQ(out[11], 0);
  const StatsView view(std::span<const std::uint8_t>(out.data(), written));
  ASSERT_EQ(view.size(), 3U);
  for (std::size_t i = 0; i < 3; ++i) {
    EXPECT_EQ(view[i], entries[i]);
  }
}

TEST(StatsBody, EncodeRejectsSmallBuffersAndTooManyEntries) {
  const std::vector<StatEntry> two = {{.id = 1, .value = 1}, {.id = 2, .value = 2}};
  std::vector<std::uint8_t> out(19);
  std::size_t written = 5;
  EXPECT_EQ(encode_stats(two, out, written), PuntError::BufferTooSmall);
  EXPECT_EQ(written, 0U);
  const std::vector<StatEntry> many(kMaxStatEntries + 1);
  std::vector<std::uint8_t> big((kMaxStatEntries + 1) * kStatEntrySize);
  EXPECT_EQ(encode_stats(many, big, written), PuntError::TooLong);
  const std::vector<StatEntry> most(kMaxStatEntries);
  EXPECT_EQ(encode_stats(most, big, written), PuntError::Ok);
  EXPECT_LE(written, kMaxPayload);
}

TEST(StatsBody, EmptyIsARequest) {
  std::size_t written = 5;
  std::vector<std::uint8_t> out;
  EXPECT_EQ(encode_stats({}, out, written), PuntError::Ok);
  EXPECT_EQ(written, 0U);
  EXPECT_EQ(StatsView({}).size(), 0U);
  EXPECT_EQ(check_body(MessageType::Stats, {}), PuntError::Ok);
}

}  // namespace
}  // namespace sipedge::punt
