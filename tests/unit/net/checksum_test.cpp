#include "net/checksum.h"

#include <gtest/gtest.h>

#include <random>

#include "frame_builder.h"

namespace sipedge::net {
namespace {

using test::Bytes;

Bytes random_bytes(std::size_t n, std::uint32_t seed) {
  std::mt19937 rng(seed);
  Bytes b(n);
  for (auto& x : b) x = static_cast<std::uint8_t>(rng());
  return b;
}

TEST(Checksum, Rfc1071WorkedExample) {
  // RFC 1071 section 3: words 0001 f203 f4f5 f6f7 sum to ddf2 after folding.
  const Bytes b = {0x00, 0x01, 0xf2, 0x03, 0xf4, 0xf5, 0xf6, 0xf7};
  EXPECT_EQ(checksum_fold(checksum_add(b)), 0xddf2);
  EXPECT_EQ(checksum_finish(checksum_add(b)), static_cast<std::uint16_t>(~0xddf2));
}

TEST(Checksum, KnownIpv4Header) {
  // 192.168.0.1 -> 192.168.0.199, UDP, TTL 64, DF: checksum 0xb861.
  Bytes h = {0x45, 0x00, 0x00, 0x73, 0x00, 0x00, 0x40, 0x00, 0x40, 0x11,
             0xb8, 0x61, 0xc0, 0xa8, 0x00, 0x01, 0xc0, 0xa8, 0x00, 0xc7};
  EXPECT_EQ(ipv4_header_checksum(h), 0xb861);
  EXPECT_TRUE(ipv4_header_checksum_ok(h));
  // Whatever the field holds, it counts as zero.
  h[10] = 0x12;
  h[11] = 0x34;
  EXPECT_EQ(ipv4_header_checksum(h), 0xb861);
  EXPECT_FALSE(ipv4_header_checksum_ok(h));
}

TEST(Checksum, MatchesReferenceForEveryLengthAndAlignment) {
  const Bytes data = random_bytes(300, 1);
  for (std::size_t start = 0; start < 16; ++start) {
    for (std::size_t len = 0; start + len <= data.size(); ++len) {
      const std::span<const std::uint8_t> s(data.data() + start, len);
      ASSERT_EQ(checksum_finish(checksum_add(s)), test::slow_checksum(s))
          << "start " << start << " len " << len;
    }
  }
}

TEST(Checksum, LargestDatagramMatchesReference) {
  const Bytes data = random_bytes(65535, 2);
  EXPECT_EQ(checksum_finish(checksum_add(data)), test::slow_checksum(data));
  const Bytes ones(65535, 0xff);
  EXPECT_EQ(checksum_finish(checksum_add(ones)), test::slow_checksum(ones));
}

TEST(Checksum, EvenRangesChain) {
  const Bytes data = random_bytes(101, 3);
  const std::span<const std::uint8_t> all(data);
  for (std::size_t cut = 0; cut <= data.size(); cut += 2) {
    const std::uint32_t acc = checksum_add(all.subspan(cut), checksum_add(all.first(cut), 7));
    ASSERT_EQ(checksum_fold(acc), checksum_fold(test::slow_sum(all, 7))) << cut;
  }
}

TEST(Checksum, AllZeroAndNegativeZero) {
  const Bytes zeros(10, 0);
  EXPECT_EQ(checksum_fold(checksum_add(zeros)), 0x0000);
  // 0x8000 + 0x7fff is one's complement -0: it must stay 0xffff, not become 0.
  const Bytes neg_zero = {0x80, 0x00, 0x7f, 0xff};
  EXPECT_EQ(checksum_fold(checksum_add(neg_zero)), 0xffff);
}

TEST(Checksum, FoldCarriesTwice) {
  EXPECT_EQ(checksum_fold(0xffffffffu), 0xffff);
  EXPECT_EQ(checksum_fold(0x0001fffeu), 0xffff);
  EXPECT_EQ(checksum_fold(0x00010000u), 0x0001);
}

TEST(Checksum, IncrementalUpdateAgreesWithRecompute) {
  std::mt19937 rng(4);
  for (int round = 0; round < 2000; ++round) {
    Bytes data = random_bytes(40, static_cast<std::uint32_t>(round) + 100);
    data[0] = static_cast<std::uint8_t>(round);  // hit small and large words
    const std::uint16_t before = test::slow_checksum(data);
    const std::size_t at = (rng() % 20) * 2;
    const auto old_word = test::be16(data, at);
    const auto new_word = static_cast<std::uint16_t>(round % 3 == 0 ? 0 : rng());
    data[at] = static_cast<std::uint8_t>(new_word >> 8);
    data[at + 1] = static_cast<std::uint8_t>(new_word);
    const std::uint16_t updated = checksum_update16(before, old_word, new_word);
    // Equal as one's complement numbers: data plus checksum sums to -0.
    Bytes with_sum = data;
    with_sum.push_back(static_cast<std::uint8_t>(updated >> 8));
    with_sum.push_back(static_cast<std::uint8_t>(updated));
    ASSERT_EQ(test::slow_checksum(with_sum), 0) << round;
    // Eqn. 3 never yields 0xffff, so it matches a full recompute exactly.
    ASSERT_EQ(updated, test::slow_checksum(data)) << round;
  }
}

TEST(Checksum, Rfc1624Example) {
  // RFC 1624 section 4: HC 0xDD2F, m 0x5555 -> m' 0x3285 gives 0x0000
  // with eqn. 3 (eqn. 2 would give the wrong 0xFFFF).
  EXPECT_EQ(checksum_update16(0xDD2F, 0x5555, 0x3285), 0x0000);
}

TEST(Checksum, IncrementalUpdate32) {
  Bytes data = random_bytes(20, 5);
  const std::uint16_t before = test::slow_checksum(data);
  const std::uint32_t old_value = test::be32(data, 12);
  const std::uint32_t new_value = 0xCB007132;
  for (int i = 0; i < 4; ++i) data[12 + i] = static_cast<std::uint8_t>(new_value >> (24 - 8 * i));
  EXPECT_EQ(checksum_update32(before, old_value, new_value), test::slow_checksum(data));
}

TEST(Checksum, PseudoHeaderSum) {
  // Reference: the 12-byte pseudo-header summed word by word.
  const Bytes pseudo = {0xcb, 0x00, 0x71, 0x32, 0xcb, 0x00, 0x71, 0x01, 0x00, 0x11, 0x01, 0x2c};
  EXPECT_EQ(checksum_fold(ipv4_pseudo_header_sum(test::kPeerIp, test::kUsIp, 17, 300)),
            checksum_fold(test::slow_sum(pseudo)));
}

TEST(Checksum, UdpChecksumMatchesReference) {
  for (std::size_t n = 0; n < 64; ++n) {
    const Bytes payload = random_bytes(n, static_cast<std::uint32_t>(n) + 7);
    const Bytes d = test::udp(test::kPeerIp, test::kUsIp, 5060, 5080, payload);
    ASSERT_EQ(udp_checksum(test::kPeerIp, test::kUsIp, d), test::be16(d, 6)) << n;
    ASSERT_TRUE(udp_checksum_ok(test::kPeerIp, test::kUsIp, d)) << n;
    const Bytes bad = test::udp(test::kPeerIp, test::kUsIp, 5060, 5080, payload, test::UdpSum::corrupt);
    ASSERT_FALSE(udp_checksum_ok(test::kPeerIp, test::kUsIp, bad)) << n;
    // The address is covered by the pseudo-header.
    ASSERT_FALSE(udp_checksum_ok(test::kPeerIp, test::kVipIp, d)) << n;
  }
}

TEST(Checksum, UdpComputedZeroIsSentAsAllOnes) {
  Bytes payload = {'a', 'b', 0, 0};
  Bytes d = test::udp(test::kPeerIp, test::kUsIp, 5060, 5060, payload, test::UdpSum::zero);
  // Make the payload cancel the rest of the sum: the complement becomes 0.
  const std::uint16_t c = test::slow_checksum(
      d, test::slow_sum(Bytes{0xcb, 0x00, 0x71, 0x32, 0xcb, 0x00, 0x71, 0x01, 0x00, 0x11, 0x00,
                              static_cast<std::uint8_t>(d.size())}));
  d[10] = static_cast<std::uint8_t>(c >> 8);
  d[11] = static_cast<std::uint8_t>(c);
  EXPECT_EQ(udp_checksum(test::kPeerIp, test::kUsIp, d), 0xffff);
}

TEST(Checksum, UdpShorterThanHeaderIsZero) {
  const Bytes d = {1, 2, 3};
  EXPECT_EQ(udp_checksum(1, 2, d), 0);
}

}  // namespace
}  // namespace sipedge::net
