// Frames the dataplane originates: the next hop, the neighbour, the
// Ethernet/IPv4/UDP headers, and IPv4 fragments when a datagram is over the
// egress MTU (RFC 791 3.2). Shared by the workers and the main lcore.
#include <rte_cycles.h>

#include <cstring>

#include "dp/port.h"
#include "dp/runtime.h"
#include "net/fragment.h"
#include "net/udp.h"

namespace sipedge::dp {

std::uint64_t Runtime::now_ns() const noexcept {
  const auto tsc = rte_get_tsc_cycles();
  return static_cast<std::uint64_t>(static_cast<unsigned __int128>(tsc) * 1'000'000'000u / tsc_hz);
}

int Runtime::port_index(std::uint16_t port_id) const noexcept {
  for (std::size_t i = 0; i < ports.size(); ++i)
    if (ports[i].id == port_id) return static_cast<int>(i);
  return -1;
}

int Runtime::route(const proxy::Snapshot& snap, std::uint32_t ip, std::uint32_t& next_hop) const noexcept {
  for (std::size_t i = 0; i < ports.size(); ++i) {
    if (ports[i].on_link(ip)) {
      next_hop = ip;
      return static_cast<int>(i);
    }
  }
  // Off-link: the gateway of a port on the side the address belongs to,
  // else any gateway.
  const bool inside = snap.is_inside(ip);
  int any = -1;
  for (std::size_t i = 0; i < ports.size(); ++i) {
    const Port& p = ports[i];
    if (p.gateway == 0) continue;
    const bool side_ok = p.role == config::PortRole::kBoth ||
                         (inside ? p.role == config::PortRole::kInside : p.role == config::PortRole::kOutside);
    if (side_ok) {
      next_hop = p.gateway;
      return static_cast<int>(i);
    }
    if (any < 0) any = static_cast<int>(i);
  }
  if (any >= 0) next_hop = ports[static_cast<std::size_t>(any)].gateway;
  return any;
}

bool resolve_egress(const Runtime& rt, const proxy::Snapshot& snap, std::uint32_t to, Egress& egress,
                    std::uint32_t& next_hop, DpCounters& counters) noexcept {
  egress.port = rt.route(snap, to, next_hop);
  if (egress.port < 0) {
    counters.add(DpCounter::tx_no_route);
    return false;
  }
  const auto mac = rt.ports[static_cast<std::size_t>(egress.port)].neighbours->lookup(next_hop);
  if (!mac) {
    counters.add(DpCounter::tx_no_neighbour);
    return false;
  }
  egress.dst_mac = *mac;
  return true;
}

namespace {

rte_mbuf* fresh_mbuf(Runtime& rt, rte_mbuf*& reuse, DpCounters& counters) noexcept {
  rte_mbuf* m = reuse;
  reuse = nullptr;
  if (m != nullptr) {
    rte_pktmbuf_reset(m);
    return m;
  }
  m = rte_pktmbuf_alloc(rt.pool);
  if (m == nullptr) counters.add(DpCounter::tx_no_mbuf);
  return m;
}

}  // namespace

std::size_t build_udp_frames(Runtime& rt, const Egress& egress, proxy::Endpoint from, proxy::Endpoint to,
                             std::span<const char> payload, std::uint16_t& ip_id, rte_mbuf* reuse,
                             std::span<rte_mbuf*> frames, DpCounters& counters) noexcept {
  const Port& port = rt.ports[static_cast<std::size_t>(egress.port)];
  const net::UdpFlow flow{.src_mac = port.local.mac, .dst_mac = egress.dst_mac, .src_ip = from.ip, .dst_ip = to.ip,
                          .src_port = from.port, .dst_port = to.port};
  const std::size_t frame_length = net::kUdpFrameHeadersLength + payload.size();
  const std::uint16_t id = ip_id++;
  std::size_t n = 0;

  if (payload.size() > net::kUdpMaxPayload) {
    counters.add(DpCounter::tx_too_big);
  } else if (frame_length - 14 <= port.mtu) {
    rte_mbuf* m = fresh_mbuf(rt, reuse, counters);
    if (m != nullptr) {
      auto* data = reinterpret_cast<std::uint8_t*>(rte_pktmbuf_append(m, static_cast<std::uint16_t>(frame_length)));
      if (data == nullptr) {  // larger than the mbuf's room: cannot happen under the port MTU
        rte_pktmbuf_free(m);
        counters.add(DpCounter::tx_too_big);
      } else {
        std::memcpy(data + net::kUdpFrameHeadersLength, payload.data(), payload.size());
        std::span<std::uint8_t> frame(data, frame_length);
        (void)net::build_udp_frame(frame, flow, id,
                                   port.tx_checksum_offload ? net::Checksums::Offload : net::Checksums::Software);
        if (port.tx_checksum_offload) {
          m->l2_len = 14;
          m->l3_len = 20;
          m->ol_flags |= kTxChecksumFlags;
        }
        m->port = port.id;
        frames[n++] = m;
      }
    }
  } else {
    // Build the whole datagram once in a worker-sized scratch (the caller's
    // payload is elsewhere), then cut it into fragments.
    alignas(64) static thread_local std::uint8_t datagram[kMaxFrame];
    std::memcpy(datagram + net::kUdpFrameHeadersLength, payload.data(), payload.size());
    std::span<std::uint8_t> frame(datagram, frame_length);
    (void)net::build_udp_frame(frame, flow, id, net::Checksums::Software);
    const auto ip_packet = frame.subspan(14);
    const auto plan = net::fragment_offsets(static_cast<std::uint16_t>(ip_packet.size() - 20), port.mtu);
    if (plan.count() == 0 || plan.count() > frames.size()) {
      counters.add(DpCounter::tx_too_big);
    } else {
      for (std::uint16_t i = 0; i < plan.count(); ++i) {
        rte_mbuf* m = fresh_mbuf(rt, reuse, counters);
        if (m == nullptr) break;
        const auto f = plan[i];
        const std::size_t len = 14 + 20 + f.length;
        auto* data = reinterpret_cast<std::uint8_t*>(rte_pktmbuf_append(m, static_cast<std::uint16_t>(len)));
        if (data == nullptr) {
          rte_pktmbuf_free(m);
          break;
        }
        std::memcpy(data, datagram, 14);
        if (net::write_fragment(std::span<std::uint8_t>(data + 14, len - 14), ip_packet, f) == 0) {
          rte_pktmbuf_free(m);
          break;
        }
        m->port = port.id;
        frames[n++] = m;
      }
      if (n != plan.count()) {  // all or nothing: half a datagram is useless
        for (std::size_t i = 0; i < n; ++i) rte_pktmbuf_free(frames[i]);
        n = 0;
      } else {
        counters.add(DpCounter::tx_fragmented);
        counters.add(DpCounter::tx_fragments, n);
      }
    }
  }
  if (reuse != nullptr) rte_pktmbuf_free(reuse);
  return n;
}

}  // namespace sipedge::dp
