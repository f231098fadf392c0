#include "net/icmp.h"

#include <gtest/gtest.h>

#include "frame_builder.h"

namespace sipedge::net {
namespace {

using namespace test;

Bytes echo_frame(const Ipv4Spec& spec, const Bytes& data) {
  return eth(kUsMac, kPeerMac, 0x0800, ipv4(spec, icmp(8, 0, 0x4242, 7, data)));
}

Ipv4Spec icmp_spec() {
  Ipv4Spec s;
  s.protocol = 1;
  s.ttl = 3;
  s.tos = 0x10;
  s.id = 0x5151;
  s.flags_fragment = 0x4000;
  return s;
}

void expect_reply(const Bytes& reply, const Bytes& data) {
  // The reply as an independent builder would write it.
  Ipv4Spec s;
  s.protocol = 1;
  s.ttl = 64;
  s.tos = 0x10;
  s.id = 0x5151;
  s.src = kUsIp;
  s.dst = kPeerIp;
  EXPECT_EQ(reply, eth(kPeerMac, kUsMac, 0x0800, ipv4(s, icmp(0, 0, 0x4242, 7, data))));
  // And both checksums verify when recomputed from scratch.
  EXPECT_EQ(slow_checksum(std::span(reply).subspan(14, 20)), 0);
  EXPECT_EQ(slow_checksum(std::span(reply).subspan(34)), 0);
}

TEST(IcmpEcho, ReplyInPlace) {
  const Bytes data = bytes_of("0123456789abcdefghijklmnopqrstuv");
  Bytes f = echo_frame(icmp_spec(), data);
  const ClassifyResult r = classify_frame(f, local_addrs());
  ASSERT_EQ(r.kind, FrameKind::IcmpEcho) << drop_reason_name(r.reason);
  const FrameSlice s = icmp_echo_reply_in_place(f, r);
  ASSERT_TRUE(s.ok());
  EXPECT_EQ(s.offset, 0);
  EXPECT_EQ(s.length, f.size());
  expect_reply(f, data);
}

TEST(IcmpEcho, OddLengthData) {
  const Bytes data = bytes_of("abc");
  Bytes f = echo_frame(icmp_spec(), data);
  const ClassifyResult r = classify_frame(f, local_addrs());
  ASSERT_EQ(r.kind, FrameKind::IcmpEcho);
  ASSERT_TRUE(icmp_echo_reply_in_place(f, r).ok());
  expect_reply(f, data);
}

TEST(IcmpEcho, ManyPayloadsKeepAValidChecksum) {
  // The incremental update has edge cases (sums near 0 / 0xffff): sweep.
  for (int i = 0; i < 512; ++i) {
    const Bytes data = {static_cast<std::uint8_t>(i), static_cast<std::uint8_t>(i >> 1),
                        static_cast<std::uint8_t>(0xf7 - i)};
    Bytes f = echo_frame(icmp_spec(), data);
    const ClassifyResult r = classify_frame(f, local_addrs());
    ASSERT_EQ(r.kind, FrameKind::IcmpEcho) << i;
    ASSERT_TRUE(icmp_echo_reply_in_place(f, r).ok());
    ASSERT_EQ(slow_checksum(std::span(f).subspan(34)), 0) << i;
  }
}

TEST(IcmpEcho, OptionsAreDroppedAndPaddingTrimmed) {
  const Bytes data = bytes_of("ping");
  Ipv4Spec spec = icmp_spec();
  spec.options = {0x07, 0x07, 0x04, 0, 0, 0, 0, 0};  // record route, one slot
  Bytes f = echo_frame(spec, data);
  f.resize(f.size() + 6, 0);  // Ethernet padding
  const ClassifyResult r = classify_frame(f, local_addrs());
  ASSERT_EQ(r.kind, FrameKind::IcmpEcho) << drop_reason_name(r.reason);
  ASSERT_TRUE(r.has_ip_options);
  const FrameSlice s = icmp_echo_reply_in_place(f, r, 64);
  ASSERT_TRUE(s.ok());
  EXPECT_EQ(s.offset, 8);
  EXPECT_EQ(s.length, 14 + 20 + 8 + data.size());
  expect_reply(Bytes(f.begin() + s.offset, f.begin() + s.offset + s.length), data);
}

TEST(IcmpEcho, LargestEcho) {
  const Bytes data(65535 - 28, 'd');
  Bytes f = echo_frame(icmp_spec(), data);
  const ClassifyResult r = classify_frame(f, local_addrs());
  ASSERT_EQ(r.kind, FrameKind::IcmpEcho) << drop_reason_name(r.reason);
  const FrameSlice s = icmp_echo_reply_in_place(f, r);
  ASSERT_TRUE(s.ok());
  EXPECT_EQ(s.length, 14u + 65535);
  expect_reply(f, data);
}

TEST(IcmpEcho, CustomTtl) {
  Bytes f = echo_frame(icmp_spec(), {});
  const ClassifyResult r = classify_frame(f, local_addrs());
  ASSERT_TRUE(icmp_echo_reply_in_place(f, r, 255).ok());
  EXPECT_EQ(f[14 + 8], 255);
  EXPECT_EQ(slow_checksum(std::span(f).subspan(14, 20)), 0);
}

TEST(IcmpEcho, RefusesOtherResults) {
  Bytes f = echo_frame(icmp_spec(), {});
  const Bytes before = f;
  ClassifyResult r = classify_frame(f, local_addrs());
  ClassifyResult not_echo = r;
  not_echo.kind = FrameKind::Udp;
  EXPECT_FALSE(icmp_echo_reply_in_place(f, not_echo).ok());
  // A shorter buffer than the one classified.
  EXPECT_FALSE(icmp_echo_reply_in_place(std::span(f).first(f.size() - 1), r).ok());
  EXPECT_EQ(f, before);
}

}  // namespace
}  // namespace sipedge::net
