#include "net/udp.h"

#include <gtest/gtest.h>

#include <cstring>

#include "frame_builder.h"
#include "net/checksum.h"

namespace sipedge::net {
namespace {

using namespace test;

UdpFlow us_to_peer() {
  UdpFlow f;
  f.src_mac = kUsMac;
  f.dst_mac = kPeerMac;
  f.src_ip = kUsIp;
  f.dst_ip = kPeerIp;
  f.src_port = 5060;
  f.dst_port = 40000;
  f.tos = 0x60;
  return f;
}

Bytes expected_frame(const Bytes& payload, std::uint16_t id, std::uint8_t ttl, UdpSum sum) {
  Ipv4Spec s;
  s.src = kUsIp;
  s.dst = kPeerIp;
  s.id = id;
  s.ttl = ttl;
  s.tos = 0x60;
  return eth(kPeerMac, kUsMac, 0x0800, ipv4(s, udp(kUsIp, kPeerIp, 5060, 40000, payload, sum)));
}

Bytes with_payload(const Bytes& payload) {
  Bytes f(kUdpFrameHeadersLength + payload.size(), 0xcc);
  std::copy(payload.begin(), payload.end(), f.begin() + kUdpFrameHeadersLength);
  return f;
}

TEST(UdpBuild, SoftwareChecksumsMatchReference) {
  for (std::size_t n : {0u, 1u, 2u, 7u, 8u, 9u, 300u, 1472u, 4000u}) {
    Bytes payload(n);
    for (std::size_t i = 0; i < n; ++i) payload[i] = static_cast<std::uint8_t>(i * 7 + n);
    Bytes f = with_payload(payload);
    ASSERT_TRUE(build_udp_frame(f, us_to_peer(), 0x0102, Checksums::Software, 64));
    ASSERT_EQ(f, expected_frame(payload, 0x0102, 64, UdpSum::correct)) << n;
  }
}

TEST(UdpBuild, TwoStepsWithPayloadWrittenBetween) {
  const Bytes payload = bytes_of("SIP/2.0 200 OK\r\n\r\n");
  Bytes f(kUdpFrameHeadersLength + payload.size(), 0);
  ASSERT_TRUE(write_udp_headers(f, us_to_peer(), 9, 32));
  std::memcpy(f.data() + kUdpFrameHeadersLength, payload.data(), payload.size());
  ASSERT_TRUE(finish_udp_frame(f, Checksums::Software));
  EXPECT_EQ(f, expected_frame(payload, 9, 32, UdpSum::correct));
}

TEST(UdpBuild, IpOnlyLeavesUdpChecksumZero) {
  const Bytes payload = bytes_of("x");
  Bytes f = with_payload(payload);
  ASSERT_TRUE(build_udp_frame(f, us_to_peer(), 1, Checksums::IpOnly));
  EXPECT_EQ(f, expected_frame(payload, 1, 64, UdpSum::zero));
}

TEST(UdpBuild, OffloadLeavesPseudoHeaderSum) {
  const Bytes payload = bytes_of("REGISTER");
  Bytes f = with_payload(payload);
  ASSERT_TRUE(build_udp_frame(f, us_to_peer(), 1, Checksums::Offload));
  EXPECT_EQ(be16(f, 24), 0);  // IP checksum left to the NIC
  const auto udp_len = static_cast<std::uint16_t>(8 + payload.size());
  const Bytes pseudo = {0xcb, 0x00, 0x71, 0x01, 0xcb, 0x00, 0x71, 0x32, 0x00, 0x11,
                        static_cast<std::uint8_t>(udp_len >> 8), static_cast<std::uint8_t>(udp_len)};
  const std::uint16_t folded = static_cast<std::uint16_t>(~slow_checksum(pseudo));
  EXPECT_EQ(be16(f, 40), folded);
  EXPECT_EQ(udp_pseudo_header_checksum(kUsIp, kPeerIp, udp_len), folded);
  EXPECT_EQ(be16(f, 16), 20 + udp_len);
  EXPECT_EQ(be16(f, 38), udp_len);
}

TEST(UdpBuild, RefusesWhatItCannotFrame) {
  Bytes small(41, 0);
  EXPECT_FALSE(write_udp_headers(small, us_to_peer(), 1));
  EXPECT_FALSE(finish_udp_frame(small, Checksums::Software));
  Bytes f = with_payload({});
  ASSERT_TRUE(write_udp_headers(f, us_to_peer(), 1));
  f[14] = 0x46;  // options: our frames never have them
  EXPECT_FALSE(finish_udp_frame(f, Checksums::Software));
  Bytes huge(14 + 65536, 0);
  ASSERT_TRUE(write_udp_headers(huge, us_to_peer(), 1));
  EXPECT_FALSE(finish_udp_frame(huge, Checksums::Software));
  EXPECT_TRUE(finish_udp_frame(std::span(huge).first(14 + 65535), Checksums::Software));
}

TEST(UdpBuild, PeerClassifiesWhatWeBuild) {
  const Bytes payload = bytes_of("OPTIONS sip:peer SIP/2.0\r\n\r\n");
  Bytes f = with_payload(payload);
  ASSERT_TRUE(build_udp_frame(f, us_to_peer(), 77, Checksums::Software));
  LocalAddrs peer;
  peer.mac = kPeerMac;
  peer.add_ipv4(kPeerIp);
  peer.add_udp_port(40000);
  const ClassifyResult r = classify_frame(f, peer);
  ASSERT_EQ(r.kind, FrameKind::Udp) << drop_reason_name(r.reason);
  EXPECT_EQ(r.payload_length, payload.size());
  EXPECT_EQ(r.ip_id, 77);
}

TEST(UdpReply, SwapsAndTakesANewPayload) {
  Ipv4Spec s;
  s.tos = 0x60;
  Bytes f = eth(kUsMac, kPeerMac, 0x0800,
                ipv4(s, udp(kPeerIp, kUsIp, 40000, 5060, bytes_of("\r\n\r\n"))));
  f.resize(60, 0);  // padded on the wire
  const ClassifyResult r = classify_frame(f, local_addrs());
  ASSERT_EQ(r.kind, FrameKind::Udp) << drop_reason_name(r.reason);
  const auto start = udp_reply_headers_in_place(f, r, 0x0102, 64);
  ASSERT_TRUE(start);
  EXPECT_EQ(*start, 0);
  const Bytes pong = bytes_of("\r\n");
  std::memcpy(f.data() + r.payload_offset, pong.data(), pong.size());
  const std::span reply = std::span(f).subspan(*start, r.payload_offset + pong.size() - *start);
  ASSERT_TRUE(finish_udp_frame(reply, Checksums::Software));
  EXPECT_EQ(Bytes(reply.begin(), reply.end()), expected_frame(pong, 0x0102, 64, UdpSum::correct));
}

TEST(UdpReply, OptionsAreDroppedPayloadStays) {
  Ipv4Spec s;
  s.tos = 0x60;
  s.options = {0x01, 0x01, 0x01, 0x00};
  const Bytes ping = bytes_of("\r\n\r\n");
  Bytes f = eth(kUsMac, kPeerMac, 0x0800, ipv4(s, udp(kPeerIp, kUsIp, 40000, 5060, ping)));
  const ClassifyResult r = classify_frame(f, local_addrs());
  ASSERT_EQ(r.kind, FrameKind::Udp) << drop_reason_name(r.reason);
  const auto start = udp_reply_headers_in_place(f, r, 5);
  ASSERT_TRUE(start);
  EXPECT_EQ(*start, 4);
  EXPECT_EQ(Bytes(f.begin() + r.payload_offset, f.end()), ping);
  const std::span reply = std::span(f).subspan(*start);
  ASSERT_TRUE(finish_udp_frame(reply, Checksums::Software));
  EXPECT_EQ(Bytes(reply.begin(), reply.end()), expected_frame(ping, 5, 64, UdpSum::correct));
}

TEST(UdpReply, RefusesOtherResults) {
  Bytes f = udp_frame(bytes_of("x"));
  const Bytes before = f;
  ClassifyResult r = classify_frame(f, local_addrs());
  ASSERT_EQ(r.kind, FrameKind::Udp);
  ClassifyResult wrong = r;
  wrong.kind = FrameKind::IcmpEcho;
  EXPECT_FALSE(udp_reply_headers_in_place(f, wrong, 1));
  EXPECT_FALSE(udp_reply_headers_in_place(std::span(f).first(f.size() - 1), r, 1));
  EXPECT_EQ(f, before);
}

}  // namespace
}  // namespace sipedge::net
