#include "net/arp.h"

#include <gtest/gtest.h>

#include "frame_builder.h"
#include "net/classify.h"

namespace sipedge::net {
namespace {

using namespace test;

Bytes padded(Bytes b, std::size_t to, std::uint8_t fill) {
  b.resize(to, fill);
  return b;
}

TEST(Arp, ReplyInPlace) {
  // Received requests are padded to 60 bytes; the padding may hold junk.
  Bytes f = padded(eth(kBroadcastMac, kPeerMac, 0x0806, arp(1, kPeerMac, kPeerIp, MacAddr{}, kVipIp)),
                   60, 0xee);
  const ClassifyResult r = classify_frame(f, local_addrs());
  ASSERT_EQ(r.kind, FrameKind::Arp);
  ASSERT_EQ(arp_reply_in_place(f, r.arp, kUsMac), 60u);
  const Bytes want =
      padded(eth(kPeerMac, kUsMac, 0x0806, arp(2, kUsMac, kVipIp, kPeerMac, kPeerIp)), 60, 0);
  EXPECT_EQ(f, want);
}

TEST(Arp, ReplyToUnpaddedRequestIs42Bytes) {
  Bytes f = eth(kUsMac, kPeerMac, 0x0806, arp(1, kPeerMac, kPeerIp, MacAddr{}, kUsIp));
  ArpMessage m;
  ASSERT_EQ(parse_arp(f, m), DropReason::none);
  EXPECT_EQ(arp_reply_in_place(f, m, kUsMac), 42u);
  EXPECT_EQ(f, eth(kPeerMac, kUsMac, 0x0806, arp(2, kUsMac, kUsIp, kPeerMac, kPeerIp)));
}

TEST(Arp, ReplyNeedsAFullFrame) {
  Bytes f(41, 0);
  EXPECT_EQ(arp_reply_in_place(f, ArpMessage{}, kUsMac), 0u);
  EXPECT_EQ(f, Bytes(41, 0));
}

TEST(Arp, BuildRequest) {
  Bytes out(64, 0xaa);
  ASSERT_EQ(build_arp_request(out, kUsMac, kUsIp, kPeerIp), 60u);
  out.resize(60);
  EXPECT_EQ(out, padded(eth(kBroadcastMac, kUsMac, 0x0806, arp(1, kUsMac, kUsIp, MacAddr{}, kPeerIp)),
                        60, 0));
  ArpMessage m;
  EXPECT_EQ(parse_arp(out, m), DropReason::none);
  EXPECT_EQ(m.op, kArpOpRequest);
  EXPECT_EQ(m.target_ip, kPeerIp);
}

TEST(Arp, BuildUnicastRequest) {
  Bytes out(60, 0);
  ASSERT_EQ(build_arp_request(out, kUsMac, kUsIp, kPeerIp, kPeerMac), 60u);
  EXPECT_EQ(MacAddr::from(out.data()), kPeerMac);
}

TEST(Arp, BuildRequestNeedsRoom) {
  Bytes out(59, 0);
  EXPECT_EQ(build_arp_request(out, kUsMac, kUsIp, kPeerIp), 0u);
  EXPECT_EQ(out, Bytes(59, 0));
}

TEST(Arp, WhatToLearn) {
  ArpMessage m;
  m.sender_mac = kPeerMac;
  m.sender_ip = kPeerIp;
  EXPECT_TRUE(arp_should_learn(m));
  m.sender_ip = 0;  // RFC 5227 probe
  EXPECT_FALSE(arp_should_learn(m));
  m.sender_ip = 0xe0000001;
  EXPECT_FALSE(arp_should_learn(m));
  m.sender_ip = kPeerIp;
  m.sender_mac = MacAddr{{0x01, 0, 0x5e, 0, 0, 1}};
  EXPECT_FALSE(arp_should_learn(m));
  m.sender_mac = MacAddr{};
  EXPECT_FALSE(arp_should_learn(m));
}

TEST(Arp, ParseFields) {
  const Bytes f = eth(kUsMac, kPeerMac, 0x0806, arp(2, kPeerMac, kPeerIp, kUsMac, kUsIp));
  ArpMessage m;
  ASSERT_EQ(parse_arp(f, m), DropReason::none);
  EXPECT_EQ(m.op, kArpOpReply);
  EXPECT_EQ(m.sender_mac, kPeerMac);
  EXPECT_EQ(m.sender_ip, kPeerIp);
  EXPECT_EQ(m.target_mac, kUsMac);
  EXPECT_EQ(m.target_ip, kUsIp);
}

}  // namespace
}  // namespace sipedge::net
