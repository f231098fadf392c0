#include "net/fragment.h"

#include <gtest/gtest.h>

#include "frame_builder.h"
#include "net/classify.h"

namespace sipedge::net {
namespace {

using namespace test;

void expect_fragment(const Fragment& f, std::uint16_t offset, std::uint16_t length, bool more) {
  EXPECT_EQ(f.offset, offset);
  EXPECT_EQ(f.length, length);
  EXPECT_EQ(f.more, more);
}

TEST(FragmentPlan, SplitsAt8ByteMultiples) {
  constexpr FragmentPlan p = fragment_offsets(3000, 1500);
  static_assert(p.count() == 3);
  EXPECT_TRUE(p.fragmented());
  expect_fragment(p[0], 0, 1480, true);
  expect_fragment(p[1], 1480, 1480, true);
  expect_fragment(p[2], 2960, 40, false);
}

TEST(FragmentPlan, MtuNotAMultipleOf8) {
  const FragmentPlan p = fragment_offsets(3000, 1499);
  ASSERT_EQ(p.count(), 3);
  expect_fragment(p[0], 0, 1472, true);
  expect_fragment(p[1], 1472, 1472, true);
  expect_fragment(p[2], 2944, 56, false);
}

TEST(FragmentPlan, FitsWithoutFragmenting) {
  const FragmentPlan p = fragment_offsets(1480, 1500);
  ASSERT_EQ(p.count(), 1);
  EXPECT_FALSE(p.fragmented());
  expect_fragment(p[0], 0, 1480, false);
  const FragmentPlan empty = fragment_offsets(0, 1500);
  ASSERT_EQ(empty.count(), 1);
  expect_fragment(empty[0], 0, 0, false);
}

TEST(FragmentPlan, OneByteOver) {
  const FragmentPlan p = fragment_offsets(1481, 1500);
  ASSERT_EQ(p.count(), 2);
  expect_fragment(p[1], 1480, 1, false);
}

TEST(FragmentPlan, SmallMtus) {
  EXPECT_EQ(fragment_offsets(100, 27).count(), 0);
  const FragmentPlan tiny = fragment_offsets(20, 28);
  ASSERT_EQ(tiny.count(), 3);
  expect_fragment(tiny[2], 16, 4, false);
  const FragmentPlan min = fragment_offsets(65507, 68);  // RFC 791 minimum MTU
  ASSERT_EQ(min.count(), 1365);
  expect_fragment(min[1364], 65472, 35, false);
}

Bytes datagram(std::size_t payload, std::uint16_t flags_fragment = 0) {
  Bytes data(payload);
  for (std::size_t i = 0; i < payload; ++i) data[i] = static_cast<std::uint8_t>(i * 13);
  Ipv4Spec s;
  s.id = 0x4444;
  s.flags_fragment = flags_fragment;
  return ipv4(s, udp(kPeerIp, kUsIp, 5060, 5060, data));
}

TEST(WriteFragment, FragmentsReassembleToTheOriginal) {
  const Bytes packet = datagram(3000);
  const std::size_t ip_payload = packet.size() - 20;
  const FragmentPlan plan = fragment_offsets(static_cast<std::uint16_t>(ip_payload), 1500);
  ASSERT_EQ(plan.count(), 3);
  Bytes reassembled(ip_payload, 0);
  for (std::uint16_t i = 0; i < plan.count(); ++i) {
    const Fragment f = plan[i];
    Bytes out(1500, 0xee);
    const std::size_t n = write_fragment(out, packet, f);
    ASSERT_EQ(n, 20u + f.length);
    out.resize(n);
    EXPECT_EQ(slow_checksum(std::span(out).first(20)), 0) << i;
    EXPECT_EQ(be16(out, 2), n);
    EXPECT_EQ(be16(out, 4), 0x4444);
    EXPECT_EQ(be16(out, 6), (f.more ? 0x2000 : 0) | (f.offset / 8));
    std::copy(out.begin() + 20, out.end(), reassembled.begin() + f.offset);

    const ClassifyResult r = classify_frame(eth(kUsMac, kPeerMac, 0x0800, out), local_addrs());
    ASSERT_EQ(r.kind, FrameKind::Ipv4Fragment) << drop_reason_name(r.reason);
    EXPECT_EQ(r.fragment_offset, f.offset);
    EXPECT_EQ(r.more_fragments, f.more);
    EXPECT_EQ(r.payload_length, f.length);
  }
  EXPECT_EQ(reassembled, Bytes(packet.begin() + 20, packet.end()));
}

TEST(WriteFragment, RefragmentingKeepsOffsetAndMf) {
  // A non-last fragment at offset 800 cut again: every piece keeps MF.
  const Bytes packet = datagram(100, 0x2000 | 100);
  Bytes out(200, 0);
  ASSERT_EQ(write_fragment(out, packet, Fragment{16, 24, false}), 44u);
  EXPECT_EQ(be16(out, 6), 0x2000 | 102);
  EXPECT_EQ(slow_checksum(std::span(out).first(20)), 0);
}

TEST(WriteFragment, Refusals) {
  const Bytes packet = datagram(100);
  Bytes out(200, 0);
  EXPECT_EQ(write_fragment(std::span(out).first(47), packet, Fragment{0, 28, false}), 0u);
  EXPECT_EQ(write_fragment(out, packet, Fragment{0, 12, true}), 0u);   // MF needs 8-aligned length
  EXPECT_EQ(write_fragment(out, packet, Fragment{4, 8, true}), 0u);    // offset not 8-aligned
  EXPECT_EQ(write_fragment(out, packet, Fragment{104, 8, false}), 0u); // beyond the payload
  EXPECT_EQ(write_fragment(out, datagram(100, 0x4000), Fragment{0, 8, true}), 0u);  // DF
  Ipv4Spec with_opts;
  with_opts.options = {1, 1, 1, 0};
  EXPECT_EQ(write_fragment(out, ipv4(with_opts, Bytes(40, 0)), Fragment{0, 8, true}), 0u);
  EXPECT_EQ(write_fragment(out, Bytes(19, 0x45), Fragment{0, 0, false}), 0u);
  const Bytes near_end = datagram(100, 8190);  // offset 65520: +16 overflows the field
  EXPECT_EQ(write_fragment(out, near_end, Fragment{16, 8, false}), 0u);
}

}  // namespace
}  // namespace sipedge::net
