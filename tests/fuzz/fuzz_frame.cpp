// libFuzzer target for the whole per-packet path of a worker, DPDK aside: an
// Ethernet frame goes through classify_frame and, by its kind, the in-place
// ARP / ICMP answers or the SIP fast path (proxy::Worker::process) of a
// two-armed node, exactly as dataplane/dp/worker.cpp calls them.
//
// Oracles beyond "no crash, no out-of-bounds read" (ASan):
//   - a verdict never claims more bytes than the output buffer holds;
//   - every SIP message the edge would send (forward or its own reply)
//     parses again with the same parser;
//   - an in-place reply stays inside the received frame;
//   - the exception path (net::for_host, port address as the host's) never
//     takes what the fast path answers or anything sent to a VIP.
//   - a VLAN port accepts only frames with exactly its tag; the untagged
//     frame that follows is classified like any other;
//   - IPv6: an echo reply stays inside the frame and its ICMPv6 checksum
//     verifies; an NS is answered with an NA whose checksum verifies; an
//     NA's learnt link-layer address is unicast; fragment offsets lie in
//     the frame.
// Input: byte 0 picks the ingress port (bit 0), whether a control plane
// is connected (bit 1) and whether the port is on VLAN 100 (bit 2); the
// rest is the frame.
//
//   ./fuzz_frame tests/fuzz/corpus/frame
#include <cctype>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "config/config.h"
#include "fixtures/node_toml.h"
#include "limit/cps_limiter.h"
#include "net/arp.h"
#include "net/classify.h"
#include "net/icmp.h"
#include "net/icmpv6.h"
#include "net/nd.h"
#include "net/vlan.h"
#include "proxy/snapshot.h"
#include "proxy/worker.h"
#include "sip/message.h"

namespace {

using namespace sipedge;

// An outside MTU of 576 so that compaction runs; a weighted set, limits and
// a registrar domain so that those paths are reached too.
std::string node_config() {
  auto node = fixtures::NodeToml{.set_algorithm = "wrr", .extra = "[cps]\nglobal = 1000\nper_source = 50\n[registrar]\ndomains = [\"example.com\"]\n"};
  node.ports[0].mtu = 576;
  node.destinations[1].weight = 3;
  // Dual stack, so that requests reach IPv6 destinations, v6 Vias and the
  // double Record-Route of a call that crosses families.
  node.vips.push_back("2001:db8::1");
  node.ports[1].address6 = "2001:db8:1::1/64";
  node.inside_prefixes.push_back("2001:db8:1::/64");
  node.destinations.push_back({"sip:[2001:db8:1::21]:5060", {}});
  return fixtures::node_toml(node);
}

void check(bool cond) {
  if (!cond) std::abort();
}

struct Node {
  std::shared_ptr<const proxy::Snapshot> snap;
  std::unique_ptr<limit::CpsLimits> limits;
  std::unique_ptr<limit::WorkerCpsLimiter> cps;
  std::unique_ptr<proxy::Worker> worker;
  net::LocalAddrs local[2];
  std::uint64_t now_ns = 1'000'000'000;
};

Node& node() {
  static Node* n = [] {
    auto* node = new Node;
    auto loaded = config::load_string(node_config(), "fuzz.toml");
    check(loaded.ok());
    const auto& config = *loaded.config;
    node->snap = proxy::build_snapshot(config, 1);
    check(limit::CpsLimits::create(proxy::cps_spec(config), 1, 1'000'000'000, node->now_ns, node->limits) ==
          limit::LimitError::Ok);
    check(limit::WorkerCpsLimiter::create(*node->limits, 0, 7, node->cps) == limit::LimitError::Ok);
    node->worker = std::make_unique<proxy::Worker>(proxy::WorkerOptions{0, 7}, node->cps.get());
    for (int p = 0; p < 2; ++p) {
      node->local[p].mac = net::MacAddr{{0x02, 0, 0, 0, static_cast<std::uint8_t>(p), 0x01}};
      node->local[p].add_ipv4(config.ports[static_cast<std::size_t>(p)].address);
      if (p == 0) node->local[p].add_ipv4(config.sip.vips[0]);
      node->local[p].add_udp_port(5060);
      net::Ipv6Addr v6;
      v6.bytes = {0x20, 0x01, 0x0d, 0xb8, 0, static_cast<std::uint8_t>(p), 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x02};
      node->local[p].add_ipv6(v6);
    }
    return node;
  }();
  return *n;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 1) return 0;
  Node& n = node();
  const int port = data[0] & 1;
  n.worker->set_control_plane_up((data[0] & 2) != 0);
  // An exact-size heap copy, so ASan flags any read past the frame.
  std::vector<std::uint8_t> frame(data + 1, data + size);
  if ((data[0] & 4) != 0) {
    constexpr std::uint16_t kVlan = 100;
    if (net::check_vlan(frame, kVlan) != net::DropReason::none) return 0;
    check(frame.size() >= net::kEthHeaderLength + net::kVlanTagLength);
    check((net::load_be16(frame.data() + 14) & net::kVlanIdMask) == kVlan);
    net::strip_vlan_tag(frame.data());
    frame.erase(frame.begin(), frame.begin() + net::kVlanTagLength);
    check(!net::is_vlan_ether_type(net::load_be16(frame.data() + net::kEthTypeOffset)));
  }
  const auto cls = net::classify_frame(frame, n.local[port]);
  if (net::for_host(cls, 0, 0)) {
    if (cls.kind == net::FrameKind::Arp)
      check(!(cls.arp.op == net::kArpOpRequest && cls.local_index >= 0));
    else if (cls.kind == net::FrameKind::NeighbourAdvert)
      check(cls.is_ipv6);
    else if (cls.is_ipv6)
      check(cls.kind == net::FrameKind::Drop && cls.dst_ip6 == n.local[port].ipv6[0] && cls.local_index == 0);
    else
      check(cls.kind == net::FrameKind::Drop && cls.dst_ip == n.local[port].ipv4[0] && cls.local_index == 0);
  }
  switch (cls.kind) {
    case net::FrameKind::Drop:
    case net::FrameKind::Ipv4Fragment: break;
    case net::FrameKind::Ipv6Fragment:
      check(cls.fragment_header_offset == 54 && cls.l4_offset == 62 && cls.frame_length <= frame.size());
      check(cls.payload_length > 0 && cls.l4_offset + std::size_t{cls.payload_length} <= frame.size());
      break;
    case net::FrameKind::Icmpv6Echo: {
      const auto slice = net::icmpv6_echo_reply_in_place(frame, cls);
      check(slice.ok() && slice.offset + slice.length <= frame.size());
      const std::span<const std::uint8_t> reply(frame.data() + slice.offset, slice.length);
      check(net::ipv6_l4_checksum_ok(cls.dst_ip6, cls.src_ip6, net::kIpProtoIcmpv6, reply.subspan(54)));
      break;
    }
    case net::FrameKind::NeighbourSolicit: {
      check(cls.local_index >= 0 && n.local[port].ipv6[static_cast<std::size_t>(cls.local_index)] == cls.nd_target);
      std::vector<std::uint8_t> room(frame);
      if (room.size() < net::kNdFrameLength) room.resize(net::kNdFrameLength);
      check(net::nd_advert_in_place(room, cls, n.local[port].mac) == net::kNdFrameLength);
      const auto src = net::Ipv6Addr::from(room.data() + 22);
      const auto dst = net::Ipv6Addr::from(room.data() + 38);
      check(src == cls.nd_target);
      check(net::ipv6_l4_checksum_ok(src, dst, net::kIpProtoIcmpv6,
                                     std::span<const std::uint8_t>(room.data() + 54, net::kNdFrameLength - 54)));
      break;
    }
    case net::FrameKind::NeighbourAdvert:
      check(cls.hop_limit == net::kNdHopLimit);
      check(!cls.nd_has_lladdr || (!cls.nd_lladdr.is_multicast() && !cls.nd_lladdr.is_zero()));
      break;
    case net::FrameKind::Arp:
      if (cls.arp.op == net::kArpOpRequest && cls.local_index >= 0)
        check(net::arp_reply_in_place(frame, cls.arp, n.local[port].mac) <= frame.size());
      break;
    case net::FrameKind::IcmpEcho: {
      const auto slice = net::icmp_echo_reply_in_place(frame, cls);
      check(!slice.ok() || slice.offset + slice.length <= frame.size());
      break;
    }
    case net::FrameKind::Udp: {
      check(cls.payload_offset + cls.payload_length <= frame.size());
      const proxy::Inbound in{
          .payload = std::string_view(reinterpret_cast<const char*>(frame.data()) + cls.payload_offset,
                                      cls.payload_length),
          .source = {cls.src_ip, cls.src_port},
          .destination = {cls.dst_ip, cls.dst_port},
          .ingress_port = static_cast<std::uint16_t>(port)};
      static std::vector<char> out(65535);
      n.now_ns += 1'000'000;  // 1 ms a packet: CPS buckets refill over a run
      n.limits->refill(n.now_ns);
      const auto v = n.worker->process(*n.snap, in, out, n.now_ns);
      check(v.length <= out.size());
      if (v.action == proxy::Action::Send && v.length > 0 && std::isalpha(static_cast<unsigned char>(out[0]))) {
        // The edge's own output is SIP it can read back.
        std::vector<char> copy(out.begin(), out.begin() + static_cast<std::ptrdiff_t>(v.length));
        sip::Message m;
        check(m.parse(std::string_view(copy.data(), copy.size())) == sip::ParseError::ok);
      }
      break;
    }
  }
  return 0;
}
