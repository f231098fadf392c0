// pcap_tool's spec builder, pcap file I/O and dump, in-process: build a
// capture from a spec, write it, read it back, dump it.
#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>
#include <stdexcept>
#include <string>

#include "frame_builder.h"
#include "frame_dump.h"
#include "frame_spec.h"
#include "net/classify.h"
#include "pcap_file.h"

namespace sipedge::pcap_tool {
namespace {

using net::test::Bytes;

std::string temp_path(const std::string& name) {
  return testing::TempDir() + "sipedge_pcap_tool_" + name;
}

std::vector<Frame> build(std::string_view spec, SpecOptions options = {},
                         const std::string& dir = "") {
  return build_frames(spec, "spec", dir, options);
}

std::string payload_of(const Frame& f) {
  const net::ClassifyResult r = net::classify_frame(f, net::test::local_addrs());
  EXPECT_EQ(r.kind, net::FrameKind::Udp) << net::drop_reason_name(r.reason);
  return std::string(f.begin() + r.payload_offset, f.begin() + r.payload_offset + r.payload_length);
}

std::string dump_all(const std::vector<Frame>& frames, bool payload = false) {
  std::string out;
  for (std::size_t i = 0; i < frames.size(); ++i) out += dump_frame(i + 1, frames[i], {payload});
  return out;
}

constexpr std::string_view kUdpLine = "udp src=203.0.113.50:5060 dst=203.0.113.1:5060\n";

TEST(PcapTool, RoundTripThroughAFile) {
  const auto frames = build(std::string(kUdpLine) + "payload hello\n" +
                            "arp-request src=203.0.113.50 dst=203.0.113.1\n");
  ASSERT_EQ(frames.size(), 2u);
  const std::string path = temp_path("roundtrip.pcap");
  {
    PcapWriter w(path);
    w.write(frames[0], 1700000000, 0);
    w.write(frames[1], 1700000000, 1000);
    w.close();
  }
  const PcapFile file = read_pcap(path);
  std::remove(path.c_str());
  EXPECT_FALSE(file.nanosecond);
  EXPECT_EQ(file.link_type, 1u);
  ASSERT_EQ(file.records.size(), 2u);
  EXPECT_EQ(file.records[0].data, frames[0]);
  EXPECT_EQ(file.records[1].data, frames[1]);
  EXPECT_EQ(file.records[1].ts_frac, 1000u);
  EXPECT_EQ(file.records[1].original_len, frames[1].size());
  EXPECT_EQ(dump_frame(1, file.records[0].data, {}),
            "#1 eth 02:00:00:00:00:02>02:00:00:00:00:01 ipv4 | ipv4 203.0.113.50>203.0.113.1 "
            "ttl=64 id=1 frag=0 | udp 5060>5060 len=13 | hello\n");
  EXPECT_EQ(dump_frame(2, file.records[1].data, {}),
            "#2 eth 02:00:00:00:00:02>ff:ff:ff:ff:ff:ff arp | arp request who-has 203.0.113.1 "
            "tell 203.0.113.50 (02:00:00:00:00:02) pad=18\n");
}

TEST(PcapTool, ReadsNanosecondAndSwappedFiles) {
  // Big-endian nanosecond header and one 14-byte record, written by hand.
  const Bytes be = {0xa1, 0xb2, 0x3c, 0x4d, 0, 2, 0, 4, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff,
                    0, 0, 0, 1, 0, 0, 0, 5, 0, 0, 0, 9, 0, 0, 0, 14, 0, 0, 0, 60,
                    1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 0x08, 0x00};
  const std::string path = temp_path("be.pcap");
  {
    std::ofstream out(path, std::ios::binary);
    out.write(reinterpret_cast<const char*>(be.data()), static_cast<std::streamsize>(be.size()));
  }
  const PcapFile file = read_pcap(path);
  std::remove(path.c_str());
  EXPECT_TRUE(file.nanosecond);
  ASSERT_EQ(file.records.size(), 1u);
  EXPECT_EQ(file.records[0].ts_sec, 5u);
  EXPECT_EQ(file.records[0].ts_frac, 9u);
  EXPECT_EQ(file.records[0].original_len, 60u);
  EXPECT_EQ(file.records[0].data.size(), 14u);
}

TEST(PcapTool, RejectsBadFiles) {
  const std::string path = temp_path("bad.pcap");
  {
    std::ofstream out(path, std::ios::binary);
    out << "this is not a pcap file at all";
  }
  EXPECT_THROW(read_pcap(path), std::runtime_error);
  {
    PcapWriter w(path);
    w.write(Bytes(20, 0), 0, 0);
    w.close();
    std::ofstream out(path, std::ios::binary | std::ios::app);
    out.write("\x01\x02", 2);  // a torn record header
  }
  EXPECT_THROW(read_pcap(path), std::runtime_error);
  std::remove(path.c_str());
  EXPECT_THROW(read_pcap(temp_path("missing.pcap")), std::runtime_error);
}

TEST(PcapToolSpec, HeredocLinesGetCrlf) {
  const auto frames = build(std::string(kUdpLine) + "<<END\nOPTIONS sip:x SIP/2.0\nl: 0\n\nEND\n");
  ASSERT_EQ(frames.size(), 1u);
  EXPECT_EQ(payload_of(frames[0]), "OPTIONS sip:x SIP/2.0\r\nl: 0\r\n\r\n");
  SpecOptions raw;
  raw.raw = true;
  const auto kept = build(std::string(kUdpLine) + "<<END\na\nEND\n", raw);
  EXPECT_EQ(payload_of(kept[0]), "a\n");
}

TEST(PcapToolSpec, PayloadFileLfBecomesCrlf) {
  const std::string dir = testing::TempDir();
  const std::string name = "sipedge_pcap_tool_payload.sip";
  {
    std::ofstream out(dir + "/" + name, std::ios::binary);
    out << "MESSAGE sip:x SIP/2.0\nContent-Length: 1\r\n\r\nz";
  }
  const auto frames = build(std::string(kUdpLine) + "payload-file " + name + "\n", {}, dir);
  const auto raw = build(std::string(kUdpLine) + "payload-file-raw " + name + "\n", {}, dir);
  std::remove((dir + "/" + name).c_str());
  EXPECT_EQ(payload_of(frames[0]), "MESSAGE sip:x SIP/2.0\r\nContent-Length: 1\r\n\r\nz");
  EXPECT_EQ(payload_of(raw[0]), "MESSAGE sip:x SIP/2.0\nContent-Length: 1\r\n\r\nz");
}

TEST(PcapToolSpec, InlinePayloadsConcatenate) {
  const auto frames = build(std::string(kUdpLine) + "payload a b\\r\\n\\x00\\\\\npayload-hex 41 42\n");
  EXPECT_EQ(payload_of(frames[0]), std::string("a b\r\n\0\\AB", 9));
}

TEST(PcapToolSpec, FixContentLength) {
  const auto frames = build(std::string(kUdpLine) +
                            "fix-content-length\n<<E\nMESSAGE sip:x SIP/2.0\nContent-Length:  77\n\nhello\nE\n");
  EXPECT_EQ(payload_of(frames[0]), "MESSAGE sip:x SIP/2.0\r\nContent-Length: 7\r\n\r\nhello\r\n");
}

TEST(PcapToolSpec, AddressesPortsDefaultsAndIds) {
  const auto frames = build(
      "defaults smac=02:00:00:00:00:aa ttl=9\n"
      "udp src=198.51.100.7:1234 dst=203.0.113.10:5061\npayload a\n"
      "udp src=198.51.100.7:1234 dst=203.0.113.10:5061 id=500 ttl=3 dmac=02:00:00:00:00:01\npayload b\n");
  ASSERT_EQ(frames.size(), 2u);
  const auto r1 = net::classify_frame(frames[0], net::test::local_addrs());
  ASSERT_EQ(r1.kind, net::FrameKind::Udp);
  EXPECT_EQ(r1.src_ip, 0xC6336407u);
  EXPECT_EQ(r1.dst_ip, net::test::kVipIp);
  EXPECT_EQ(r1.src_port, 1234);
  EXPECT_EQ(r1.dst_port, 5061);
  EXPECT_EQ(r1.ttl, 9);
  EXPECT_EQ(r1.ip_id, 1);
  EXPECT_EQ(net::MacAddr::from(frames[0].data() + 6), (net::MacAddr{{2, 0, 0, 0, 0, 0xaa}}));
  const auto r2 = net::classify_frame(frames[1], net::test::local_addrs());
  EXPECT_EQ(r2.ip_id, 500);
  EXPECT_EQ(r2.ttl, 3);
}

TEST(PcapToolSpec, BrokenFramesAreBrokenAsAsked) {
  const auto local = net::test::local_addrs();
  auto reason = [&](const std::string& mods) {
    const auto f = build(std::string(kUdpLine) + mods + "\npayload abc\n");
    return net::classify_frame(f.at(0), local).reason;
  };
  EXPECT_EQ(reason("bad-ip-checksum"), net::DropReason::ipv4_bad_checksum);
  EXPECT_EQ(reason("bad-udp-checksum"), net::DropReason::udp_bad_checksum);
  EXPECT_EQ(reason("udp-length=7"), net::DropReason::udp_bad_length);
  EXPECT_EQ(reason("vlan=5"), net::DropReason::vlan_unsupported);
  EXPECT_EQ(reason("ttl=0"), net::DropReason::ipv4_ttl_expired);
  EXPECT_EQ(reason("truncate=40"), net::DropReason::ipv4_bad_total_length);
  EXPECT_EQ(reason("ip-options=0710"), net::DropReason::ipv4_bad_options);
  EXPECT_EQ(reason("ip-options=010100"), net::DropReason::none);
  EXPECT_EQ(reason("pad=100"), net::DropReason::none);
  EXPECT_EQ(reason("no-udp-checksum"), net::DropReason::none);
}

TEST(PcapToolSpec, IcmpAndArp) {
  const auto local = net::test::local_addrs();
  const auto frames = build(
      "icmp-echo src=203.0.113.50 dst=203.0.113.1 ident=9 seq=2\n"
      "icmp-echo src=203.0.113.50 dst=203.0.113.1 bad-icmp-checksum\n"
      "icmp-echo src=203.0.113.50 dst=203.0.113.1 type=0\n"
      "arp-request src=203.0.113.50 dst=203.0.113.1\n"
      "arp-reply src=203.0.113.50 dst=203.0.113.1 dmac=02:00:00:00:00:01\n");
  ASSERT_EQ(frames.size(), 5u);
  const auto echo = net::classify_frame(frames[0], local);
  ASSERT_EQ(echo.kind, net::FrameKind::IcmpEcho);
  EXPECT_EQ(echo.payload_length, 8 + 32);
  EXPECT_EQ(net::classify_frame(frames[1], local).reason, net::DropReason::icmp_bad_checksum);
  EXPECT_EQ(net::classify_frame(frames[2], local).reason, net::DropReason::icmp_unsupported);
  const auto req = net::classify_frame(frames[3], local);
  ASSERT_EQ(req.kind, net::FrameKind::Arp);
  EXPECT_EQ(req.arp.op, net::kArpOpRequest);
  EXPECT_EQ(frames[3].size(), 60u);
  const auto rep = net::classify_frame(frames[4], local);
  ASSERT_EQ(rep.kind, net::FrameKind::Arp);
  EXPECT_EQ(rep.arp.op, net::kArpOpReply);
  EXPECT_EQ(rep.arp.sender_ip, 0xCB007132u);
  EXPECT_EQ(rep.arp.sender_mac, (net::MacAddr{{2, 0, 0, 0, 0, 2}}));
  EXPECT_EQ(rep.arp.target_mac, net::test::kUsMac);
}

TEST(PcapToolSpec, FragmentsCoverTheDatagram) {
  const auto frames = build(std::string(kUdpLine) + "fragment mtu=100 reverse id=7\npayload-hex " +
                            std::string(400, 'a') + "\n");
  // 8 + 200 bytes of UDP in 80-byte pieces: 3 fragments, emitted last first.
  ASSERT_EQ(frames.size(), 3u);
  const auto local = net::test::local_addrs();
  const auto last = net::classify_frame(frames[0], local);
  ASSERT_EQ(last.kind, net::FrameKind::Ipv4Fragment);
  EXPECT_EQ(last.fragment_offset, 160);
  EXPECT_FALSE(last.more_fragments);
  EXPECT_EQ(last.payload_length, 48);
  EXPECT_EQ(last.ip_id, 7);
  const auto first = net::classify_frame(frames[2], local);
  EXPECT_EQ(first.fragment_offset, 0);
  EXPECT_TRUE(first.more_fragments);
  EXPECT_EQ(first.payload_length, 80);
}

TEST(PcapToolSpec, RawFrames) {
  const auto frames = build("raw 0200000000 01:02:00:00:00:00:02\nhex 0806 00\n");
  ASSERT_EQ(frames.size(), 1u);
  EXPECT_EQ(frames[0], (Frame{2, 0, 0, 0, 0, 1, 2, 0, 0, 0, 0, 2, 8, 6, 0}));
}

TEST(PcapToolSpec, ErrorsNameTheLine) {
  auto error_of = [](const std::string& spec) -> std::string {
    try {
      build(spec);
    } catch (const std::runtime_error& e) {
      return e.what();
    }
    return "no error";
  };
  EXPECT_EQ(error_of("\n" + std::string(kUdpLine) + "colour=red\n"),
            "spec:3: 'colour' does not apply to udp");
  EXPECT_EQ(error_of("udp dst=203.0.113.1:5060\n"), "spec:1: udp needs src=");
  EXPECT_EQ(error_of(std::string(kUdpLine) + "<<EOF\nabc\n"), "spec:2: heredoc <<EOF is not closed");
  EXPECT_EQ(error_of("payload x\n"), "spec:1: payload outside a frame block");
  EXPECT_EQ(error_of("udp src=1.2.3:5 dst=203.0.113.1:5060\n"),
            "spec:1: src=1.2.3: expected an IPv4 address");
  EXPECT_EQ(error_of("udp src=1.2.3.4:65536 dst=203.0.113.1:5060\n"),
            "spec:1: src=65536: expected a number up to 65535");
  EXPECT_EQ(error_of("raw 0102\n"), "spec:1: raw frame shorter than 14 bytes");
  EXPECT_EQ(error_of("raw 0g\n"), "spec:1: bad hex digit 'g'");
  EXPECT_EQ(error_of(std::string(kUdpLine) + "mtu=500\n"), "spec:1: mtu=/reverse need 'fragment'");
  EXPECT_EQ(error_of(std::string(kUdpLine) + "payload \\q\n"), "spec:2: unknown escape \\q");
}

TEST(PcapToolDump, SummariesAndPayloadLines) {
  const auto frames = build(
      std::string(kUdpLine) + "pad=60\npayload \\r\\n\\r\\n\n" +
      std::string(kUdpLine) + "<<E\nINVITE sip:b SIP/2.0\nl: 3\n\nv=0\nE\n" +
      std::string(kUdpLine) + "payload-hex 0101000c 2112a442 000102030405060708090a0b"
                              " 00200008 0001 a147 e112a643\n" +
      std::string(kUdpLine) + "fragment mtu=40\npayload 0123456789abcdefghij\n" +
      "raw 020000000001 020000000002 86dd 6000\n");
  const std::string want =
      "#1 eth 02:00:00:00:00:02>02:00:00:00:00:01 ipv4 | ipv4 203.0.113.50>203.0.113.1 ttl=64 "
      "id=1 frag=0 pad=14 | udp 5060>5060 len=12 | \"\\r\\n\\r\\n\"\n"
      "  | \n  | \n"
      "#2 eth 02:00:00:00:00:02>02:00:00:00:00:01 ipv4 | ipv4 203.0.113.50>203.0.113.1 ttl=64 "
      "id=2 frag=0 | udp 5060>5060 len=43 | INVITE sip:b SIP/2.0\n"
      "  | INVITE sip:b SIP/2.0\n  | l: 3\n  | \n  | v=0\n"
      "#3 eth 02:00:00:00:00:02>02:00:00:00:00:01 ipv4 | ipv4 203.0.113.50>203.0.113.1 ttl=64 "
      "id=3 frag=0 | udp 5060>5060 len=40 | stun binding-success len=12 "
      "txid=000102030405060708090a0b xor-mapped=192.0.2.1:32853\n"
      "  0000: 01 01 00 0c 21 12 a4 42 00 01 02 03 04 05 06 07\n"
      "  0010: 08 09 0a 0b 00 20 00 08 00 01 a1 47 e1 12 a6 43\n"
      "#4 eth 02:00:00:00:00:02>02:00:00:00:00:01 ipv4 | ipv4 203.0.113.50>203.0.113.1 ttl=64 "
      "id=4 frag=0+ | fragment len=16\n"
      "#5 eth 02:00:00:00:00:02>02:00:00:00:00:01 ipv4 | ipv4 203.0.113.50>203.0.113.1 ttl=64 "
      "id=4 frag=16 | fragment len=12\n"
      "#6 eth 02:00:00:00:00:02>02:00:00:00:00:01 ipv6 truncated len=2\n";
  EXPECT_EQ(dump_all(frames, true), want);
}

TEST(PcapToolDump, FlagsBrokenFields) {
  const auto frames = build(std::string(kUdpLine) +
                            "bad-ip-checksum bad-udp-checksum df tos=96 ip-options=01 vlan=10\n"
                            "payload a\\x01\n" +
                            std::string(kUdpLine) + "no-udp-checksum truncate=45\npayload abcdef\n" +
                            "icmp-echo src=203.0.113.50 dst=203.0.113.1 type=3 code=3\n"
                            "payload-hex 00\n");
  const std::string want =
      "#1 eth 02:00:00:00:00:02>02:00:00:00:00:01 vlan=10 ipv4 | ipv4 203.0.113.50>203.0.113.1 "
      "ttl=64 id=1 frag=0 df tos=96 opts=4 BAD-CHECKSUM | udp 5060>5060 len=10 BAD-CHECKSUM | a\\x01\n"
      "#2 eth 02:00:00:00:00:02>02:00:00:00:00:01 ipv4 | ipv4 203.0.113.50>203.0.113.1 ttl=64 "
      "id=2 frag=0 BAD-TOTAL-LENGTH=34\n"
      "#3 eth 02:00:00:00:00:02>02:00:00:00:00:01 ipv4 | ipv4 203.0.113.50>203.0.113.1 ttl=64 "
      "id=3 frag=0 | icmp type=3 code=3 len=9\n";
  EXPECT_EQ(dump_all(frames), want);
}

}  // namespace
}  // namespace sipedge::pcap_tool
