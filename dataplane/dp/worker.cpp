// The burst loop of one worker lcore (style: l3fwd's main loop): receive a
// burst per queue, classify each frame (L2-L4), answer ARP and ICMP echo in
// place, reassemble fragments, run UDP on SIP ports through the fast path,
// buffer TX per port and flush when full or on a short deadline. Nothing
// here allocates from the heap, locks, logs or makes a system call, except
// the short sleep of an idle worker when dataplane.idle_sleep_us asks.
#include <rte_cycles.h>
#include <rte_ethdev.h>
#include <rte_ip.h>
#include <rte_lcore.h>

#include <cstring>
#include <string>
#include <utility>

#include "dp/runtime.h"
#include "net/arp.h"
#include "net/classify.h"
#include "net/icmp.h"
#include "net/icmpv6.h"
#include "net/nd.h"
#include "net/vlan.h"
#include "punt/message.h"

namespace sipedge::dp {
namespace {

constexpr std::size_t kOutBytes = 65535;
constexpr unsigned kIdlePollsBeforeSleep = 64;
constexpr unsigned kMaxFragments = RTE_LIBRTE_IP_FRAG_MAX_FRAG;

std::string ring_name(const char* what, std::size_t index) { return std::string("se_") + what + std::to_string(index); }

rte_ring* make_ring(const char* what, std::size_t index, unsigned size, unsigned flags, unsigned esize = 0) {
  const auto name = ring_name(what, index);
  rte_ring* r = esize ? rte_ring_create_elem(name.c_str(), esize, size, static_cast<int>(rte_socket_id()), flags)
                      : rte_ring_create(name.c_str(), size, static_cast<int>(rte_socket_id()), flags);
  if (r == nullptr) throw std::runtime_error("cannot create ring " + name + ": " + rte_strerror(rte_errno));
  return r;
}

class Loop {
 public:
  explicit Loop(Worker& w) : w_(w), rt_(w.rt) {}

  int run() {
    if (rte_rcu_qsbr_thread_register(rt_.qsbr, static_cast<unsigned>(w_.index)) != 0) return -1;
    rte_rcu_qsbr_thread_online(rt_.qsbr, static_cast<unsigned>(w_.index));
    unsigned idle_polls = 0;
    std::uint64_t last_flush = rte_rdtsc();
    std::uint64_t loop_start = last_flush;
    while (!rt_.stop.load(std::memory_order_relaxed)) {
      refresh_snapshot();
      const std::uint64_t start = rte_rdtsc();
      bool busy = false;
      for (std::size_t p = 0; p < rt_.ports.size(); ++p) busy |= poll_port(p);
      busy |= drain_inbox();
      const std::uint64_t end = rte_rdtsc();
      if (busy) {
        w_.counters.add(DpCounter::busy_cycles, end - start);
        idle_polls = 0;
      }
      if (busy ? end - last_flush >= rt_.tx_flush_cycles : true) {
        flush_all();
        last_flush = end;
      }
      rte_ip_frag_free_death_row(&w_.death_row, 3);
      w_.counters.add(DpCounter::poll_cycles, end - loop_start);
      loop_start = end;
      rte_rcu_qsbr_quiescent(rt_.qsbr, static_cast<unsigned>(w_.index));
      if (!busy && rt_.idle_sleep_us != 0 && ++idle_polls >= kIdlePollsBeforeSleep) {
        rte_rcu_qsbr_thread_offline(rt_.qsbr, static_cast<unsigned>(w_.index));
        rte_delay_us_sleep(rt_.idle_sleep_us);
        rte_rcu_qsbr_thread_online(rt_.qsbr, static_cast<unsigned>(w_.index));
      }
    }
    flush_all();
    rte_rcu_qsbr_thread_offline(rt_.qsbr, static_cast<unsigned>(w_.index));
    rte_rcu_qsbr_thread_unregister(rt_.qsbr, static_cast<unsigned>(w_.index));
    return 0;
  }

 private:
  void refresh_snapshot() noexcept {
    const Published* p = rt_.published.load(std::memory_order_acquire);
    if (p != w_.published) {
      w_.published = p;
      w_.sip.set_cps(p->cps[w_.index].get());
    }
    w_.sip.set_control_plane_up(rt_.control_plane_up.load(std::memory_order_relaxed));
    snap_ = w_.published->snapshot.get();
  }

  bool poll_port(std::size_t p) noexcept {
    rte_mbuf* burst[kMaxBurst];
    const auto n = rte_eth_rx_burst(rt_.ports[p].id, static_cast<std::uint16_t>(w_.index), burst,
                                    static_cast<std::uint16_t>(rt_.burst));
    if (n == 0) return false;
    now_ns_ = rt_.now_ns();
    if (rt_.io_only) {
      turn_around(p, burst, n);
      return true;
    }
    for (std::uint16_t i = 0; i < n; ++i) {
      if (i + 1 < n) rte_prefetch0(rte_pktmbuf_mtod(burst[i + 1], void*));
      receive(p, burst[i]);
    }
    return true;
  }

  void turn_around(std::size_t p, rte_mbuf** burst, std::uint16_t n) noexcept {
    for (std::uint16_t i = 0; i < n; ++i) {
      auto* eth = rte_pktmbuf_mtod(burst[i], rte_ether_hdr*);
      std::swap(eth->src_addr, eth->dst_addr);
      w_.counters.add(DpCounter::rx_packets);
      buffer_tx(p, burst[i]);
    }
  }

  bool drain_inbox() noexcept {
    rte_mbuf* frames[kTxBurst];
    const unsigned n = rte_ring_sc_dequeue_burst(w_.inbox, reinterpret_cast<void**>(frames), kTxBurst, nullptr);
    for (unsigned i = 0; i < n; ++i) {
      const int p = rt_.port_index(frames[i]->port);
      if (p < 0) {
        rte_pktmbuf_free(frames[i]);
        continue;
      }
      enqueue_tx(static_cast<std::size_t>(p), frames[i]);
    }
    return n != 0;
  }

  // A VLAN port's frames lose their tag here, so that everything after
  // (replies, the fast path, the kernel interface) handles untagged frames;
  // enqueue_tx puts it back.
  bool untag(const Port& port, rte_mbuf* m) noexcept {
    const auto* head = rte_pktmbuf_mtod(m, std::uint8_t*);
    const auto why = net::check_vlan(std::span<const std::uint8_t>(head, m->data_len), port.vlan);
    if (why != net::DropReason::none) {
      w_.counters.drop(why);
      rte_pktmbuf_free(m);
      return false;
    }
    net::strip_vlan_tag(rte_pktmbuf_mtod(m, std::uint8_t*));
    rte_pktmbuf_adj(m, static_cast<std::uint16_t>(net::kVlanTagLength));
    return true;
  }

  void receive(std::size_t p, rte_mbuf* m) noexcept {
    w_.counters.add(DpCounter::rx_packets);
    w_.counters.add(DpCounter::rx_bytes, m->pkt_len);
    if (rt_.ports[p].vlan != 0 && !untag(rt_.ports[p], m)) return;
    const std::uint8_t* data = rte_pktmbuf_mtod(m, const std::uint8_t*);
    if (m->nb_segs > 1) {
      w_.counters.add(DpCounter::rx_multi_segment);
      data = static_cast<const std::uint8_t*>(rte_pktmbuf_read(m, 0, m->pkt_len, w_.flat.get()));
    }
    const Port& port = rt_.ports[p];
    const net::RxChecks checks{
        .ipv4_checksum_good = port.rx_ip_checksum &&
                              (m->ol_flags & RTE_MBUF_F_RX_IP_CKSUM_MASK) == RTE_MBUF_F_RX_IP_CKSUM_GOOD,
        .l4_checksum_good = port.rx_l4_checksum &&
                            (m->ol_flags & RTE_MBUF_F_RX_L4_CKSUM_MASK) == RTE_MBUF_F_RX_L4_CKSUM_GOOD};
    const auto cls = net::classify_frame(std::span<const std::uint8_t>(data, m->pkt_len), port.local, checks);
    switch (cls.kind) {
      case net::FrameKind::Drop:
        if (port.exception_id >= 0 && net::for_host(cls, port.host_index, port.host6_index))
          return to_exception(w_.exception, port.id, m, now_ns_, w_.counters);
        w_.counters.drop(cls.reason);
        rte_pktmbuf_free(m);
        return;
      case net::FrameKind::Arp: return arp(p, m, cls);
      case net::FrameKind::IcmpEcho: return icmp(p, m, cls);
      case net::FrameKind::Ipv4Fragment: return fragment(p, m, cls);
      case net::FrameKind::Udp: return udp(p, m, data, cls);
      case net::FrameKind::Icmpv6Echo: return icmpv6(p, m, cls);
      case net::FrameKind::NeighbourSolicit: return neighbour_solicit(p, m, cls);
      case net::FrameKind::NeighbourAdvert: return neighbour_advert(p, m, cls);
      case net::FrameKind::Ipv6Fragment: return fragment6(p, m, cls);
    }
    rte_pktmbuf_free(m);
  }

  void event(Event::Kind kind, std::size_t p, std::uint32_t ip, const net::MacAddr* mac) noexcept {
    Event e{.ip = ip, .kind = kind, .port = static_cast<std::uint8_t>(p)};
    if (mac) mac->store(e.mac);
    if (rte_ring_sp_enqueue_elem(w_.events, &e, sizeof(e)) != 0) {
      w_.counters.add(DpCounter::arp_events_full);
      return;
    }
    if (kind != Event::kResolve) w_.counters.add(DpCounter::arp_to_main);
  }

  void arp(std::size_t p, rte_mbuf* m, const net::ClassifyResult& cls) noexcept {
    const auto& msg = cls.arp;
    if (net::arp_should_learn(msg))
      event(cls.local_index >= 0 ? Event::kArpLearn : Event::kArpRefresh, p, msg.sender_ip, &msg.sender_mac);
    if (msg.op != net::kArpOpRequest || cls.local_index < 0 || m->nb_segs != 1) {
      // The kernel resolves its own next hops: replies reach it too.
      if (rt_.ports[p].exception_id >= 0 && net::for_host(cls, rt_.ports[p].host_index))
        return to_exception(w_.exception, rt_.ports[p].id, m, now_ns_, w_.counters);
      rte_pktmbuf_free(m);
      return;
    }
    auto* frame = rte_pktmbuf_mtod(m, std::uint8_t*);
    const auto len = net::arp_reply_in_place(std::span<std::uint8_t>(frame, m->data_len), msg, rt_.ports[p].local.mac);
    if (len == 0) {
      rte_pktmbuf_free(m);
      return;
    }
    rte_pktmbuf_trim(m, static_cast<std::uint16_t>(m->data_len - len));
    w_.counters.add(DpCounter::arp_replied);
    enqueue_tx(p, m);
  }

  void icmp(std::size_t p, rte_mbuf* m, const net::ClassifyResult& cls) noexcept {
    if (m->nb_segs != 1) {
      rte_pktmbuf_free(m);
      return;
    }
    auto* frame = rte_pktmbuf_mtod(m, std::uint8_t*);
    const auto slice = net::icmp_echo_reply_in_place(std::span<std::uint8_t>(frame, m->data_len), cls);
    if (!slice.ok()) {
      rte_pktmbuf_free(m);
      return;
    }
    rte_pktmbuf_adj(m, static_cast<std::uint16_t>(slice.offset));
    rte_pktmbuf_trim(m, static_cast<std::uint16_t>(m->data_len - slice.length));
    w_.counters.add(DpCounter::icmp_echo_replied);
    enqueue_tx(p, m);
  }

  void icmpv6(std::size_t p, rte_mbuf* m, const net::ClassifyResult& cls) noexcept {
    if (m->nb_segs != 1) {
      rte_pktmbuf_free(m);
      return;
    }
    auto* frame = rte_pktmbuf_mtod(m, std::uint8_t*);
    const auto slice = net::icmpv6_echo_reply_in_place(std::span<std::uint8_t>(frame, m->data_len), cls);
    if (!slice.ok()) {
      rte_pktmbuf_free(m);
      return;
    }
    rte_pktmbuf_adj(m, static_cast<std::uint16_t>(slice.offset));
    rte_pktmbuf_trim(m, static_cast<std::uint16_t>(m->data_len - slice.length));
    w_.counters.add(DpCounter::icmpv6_echo_replied);
    enqueue_tx(p, m);
  }

  void neighbour_solicit(std::size_t p, rte_mbuf* m, const net::ClassifyResult& cls) noexcept {
    if (m->nb_segs != 1) {
      rte_pktmbuf_free(m);
      return;
    }
    auto* frame = rte_pktmbuf_mtod(m, std::uint8_t*);
    const std::size_t room = std::size_t{m->data_len} + rte_pktmbuf_tailroom(m);
    const std::size_t len = net::nd_advert_in_place(std::span<std::uint8_t>(frame, room), cls, rt_.ports[p].local.mac);
    if (len == 0) {
      rte_pktmbuf_free(m);
      return;
    }
    if (len > m->data_len) {
      (void)rte_pktmbuf_append(m, static_cast<std::uint16_t>(len - m->data_len));
    } else {
      rte_pktmbuf_trim(m, static_cast<std::uint16_t>(m->data_len - len));
    }
    w_.counters.add(DpCounter::nd_advert_sent);
    enqueue_tx(p, m);
  }

  void neighbour_advert(std::size_t p, rte_mbuf* m, const net::ClassifyResult& cls) noexcept {
    w_.counters.add(DpCounter::nd_advert_received);
    if (cls.nd_has_lladdr) event6(p, cls.nd_target, cls.nd_lladdr);
    // The kernel resolves its own next hops: advertisements reach it too.
    const Port& port = rt_.ports[p];
    if (port.exception_id >= 0 && net::for_host(cls, port.host_index, port.host6_index))
      return to_exception(w_.exception, port.id, m, now_ns_, w_.counters);
    rte_pktmbuf_free(m);
  }

  void event6(std::size_t p, const net::Ipv6Addr& ip, const net::MacAddr& mac) noexcept {
    Event6 e{.ip = ip.bytes, .kind = Event6::kNdLearn, .port = static_cast<std::uint8_t>(p)};
    mac.store(e.mac);
    if (rte_ring_sp_enqueue_elem(w_.events6, &e, sizeof(e)) != 0) {
      w_.counters.add(DpCounter::arp_events_full);
      return;
    }
    w_.counters.add(DpCounter::arp_to_main);
  }

  void fragment6(std::size_t p, rte_mbuf* m, const net::ClassifyResult& cls) noexcept {
    w_.counters.add(DpCounter::rx_fragments6);
    if (m->nb_segs != 1) {
      w_.counters.drop(net::DropReason::ipv6_bad_fragment);
      rte_pktmbuf_free(m);
      return;
    }
    if (m->pkt_len > cls.frame_length) rte_pktmbuf_trim(m, static_cast<std::uint16_t>(m->pkt_len - cls.frame_length));
    // rte_ip_frag takes the fragment header right behind the fixed header
    // (classify refuses any other layout).
    m->l2_len = cls.l3_offset;
    m->l3_len = static_cast<std::uint16_t>(net::kIpv6HeaderLength + net::kIpv6FragmentHeaderLength);
    auto* ip = rte_pktmbuf_mtod_offset(m, rte_ipv6_hdr*, cls.l3_offset);
    auto* fh = rte_pktmbuf_mtod_offset(m, rte_ipv6_fragment_ext*, cls.fragment_header_offset);
    rte_mbuf* whole = rte_ipv6_frag_reassemble_packet(w_.frag_table, &w_.death_row, m, rte_rdtsc(), ip, fh);
    if (whole == nullptr) return;
    if (whole->pkt_len > kMaxFrame) {
      w_.counters.add(DpCounter::rx_reassembly_failed);
      rte_pktmbuf_free(whole);
      return;
    }
    const auto* flat = static_cast<const std::uint8_t*>(rte_pktmbuf_read(whole, 0, whole->pkt_len, w_.flat.get()));
    const auto again = net::classify_frame(std::span<const std::uint8_t>(flat, whole->pkt_len), rt_.ports[p].local,
                                           {.ipv4_checksum_good = true, .l4_checksum_good = false});
    // Reassembled IPv6 serves UDP only, which the SIP layer does not take
    // over IPv6 yet: the verdict (ipv6_sip_unsupported, a checksum error,
    // ...) is counted either way.
    if (again.kind == net::FrameKind::Drop && again.reason == net::DropReason::ipv6_sip_unsupported) {
      w_.counters.add(DpCounter::rx_reassembled6);
    } else {
      w_.counters.add(DpCounter::rx_reassembly_failed);
    }
    if (again.kind == net::FrameKind::Drop) w_.counters.drop(again.reason);
    rte_pktmbuf_free(whole);
  }

  void fragment(std::size_t p, rte_mbuf* m, const net::ClassifyResult& cls) noexcept {
    w_.counters.add(DpCounter::rx_fragments);
    if (m->nb_segs != 1) {
      w_.counters.drop(net::DropReason::ipv4_bad_fragment);
      rte_pktmbuf_free(m);
      return;
    }
    // Ethernet padding would be taken for fragment data.
    if (m->pkt_len > cls.frame_length) rte_pktmbuf_trim(m, static_cast<std::uint16_t>(m->pkt_len - cls.frame_length));
    m->l2_len = cls.l3_offset;
    m->l3_len = static_cast<std::uint16_t>(cls.l4_offset - cls.l3_offset);
    auto* ip = rte_pktmbuf_mtod_offset(m, rte_ipv4_hdr*, cls.l3_offset);
    rte_mbuf* whole = rte_ipv4_frag_reassemble_packet(w_.frag_table, &w_.death_row, m, rte_rdtsc(), ip);
    if (whole == nullptr) return;  // kept for later, or freed through the death row
    if (whole->pkt_len > kMaxFrame) {
      w_.counters.add(DpCounter::rx_reassembly_failed);
      rte_pktmbuf_free(whole);
      return;
    }
    const auto* flat = static_cast<const std::uint8_t*>(rte_pktmbuf_read(whole, 0, whole->pkt_len, w_.flat.get()));
    const Port& port = rt_.ports[p];
    // Each fragment's header checksum was verified on arrival; reassembly
    // rewrote the length and offset without refreshing it. The UDP checksum
    // covers the whole datagram and is checked now.
    const auto again = net::classify_frame(std::span<const std::uint8_t>(flat, whole->pkt_len), port.local,
                                           {.ipv4_checksum_good = true, .l4_checksum_good = false});
    if (again.kind != net::FrameKind::Udp) {
      w_.counters.add(DpCounter::rx_reassembly_failed);
      if (again.kind == net::FrameKind::Drop) w_.counters.drop(again.reason);
      rte_pktmbuf_free(whole);
      return;
    }
    w_.counters.add(DpCounter::rx_reassembled);
    udp(p, whole, flat, again);
  }

  void udp(std::size_t p, rte_mbuf* m, const std::uint8_t* data, const net::ClassifyResult& cls) noexcept {
    const proxy::Inbound in{
        .payload = std::string_view(reinterpret_cast<const char*>(data) + cls.payload_offset, cls.payload_length),
        .source = {cls.src_ip, cls.src_port},
        .destination = {cls.dst_ip, cls.dst_port},
        .ingress_port = static_cast<std::uint16_t>(p)};
    const auto v = w_.sip.process(*snap_, in, std::span<char>(w_.out.get(), kOutBytes), now_ns_);
    switch (v.action) {
      case proxy::Action::Drop: rte_pktmbuf_free(m); return;
      case proxy::Action::Punt: return punt(p, m, cls, in, v);
      case proxy::Action::Send: return send(p, m, data, in, v);
    }
    rte_pktmbuf_free(m);
  }

  void punt(std::size_t p, rte_mbuf* m, const net::ClassifyResult& cls, const proxy::Inbound& in,
            const proxy::Verdict& v) noexcept {
    punt::Header h{.type = punt::MessageType::Punt,
                   .flags = static_cast<std::uint16_t>(snap_->is_inside(in.source.ip) ? 0 : punt::kFlagOutside),
                   .nat_bits = v.nat_bits,
                   .port_id = static_cast<std::uint16_t>(p),
                   .worker_id = static_cast<std::uint16_t>(w_.index),
                   .src_ipv4 = in.source.ip,
                   .dst_ipv4 = in.destination.ip,
                   .src_port = in.source.port,
                   .dst_port = in.destination.port};
    if (v.outcome == proxy::Outcome::punted_location) h.flags |= punt::kFlagLocalLookup;
    if (v.reply_kind == proxy::ReplyKind::keepalive) h.flags |= punt::kFlagKeepaliveReply;
    if (v.reply_kind == proxy::ReplyKind::probe) h.flags |= punt::kFlagProbeReply;
    // The mbuf becomes the message: headers trimmed off the front, padding
    // off the back, the punt header prepended into the headroom.
    const std::uint32_t tail = m->pkt_len - cls.payload_offset - cls.payload_length;
    char* head = nullptr;
    if (rte_pktmbuf_adj(m, cls.payload_offset) == nullptr || (tail && rte_pktmbuf_trim(m, static_cast<std::uint16_t>(tail)) != 0) ||
        (head = rte_pktmbuf_prepend(m, punt::kHeaderSize)) == nullptr) {
      w_.counters.add(DpCounter::punt_no_headroom);
      rte_pktmbuf_free(m);
      return;
    }
    (void)punt::encode_header(h, cls.payload_length,
                              std::span<std::uint8_t, punt::kHeaderSize>(reinterpret_cast<std::uint8_t*>(head), punt::kHeaderSize));
    if (rte_ring_sp_enqueue(w_.punt, m) != 0) {
      w_.counters.add(DpCounter::punt_ring_full);
      rte_pktmbuf_free(m);
      return;
    }
    w_.counters.add(DpCounter::punted);
  }

  void send(std::size_t p, rte_mbuf* m, const std::uint8_t* data, const proxy::Inbound& in,
            const proxy::Verdict& v) noexcept {
    // The proxy library routes IPv6 now, the frame builder does not yet:
    // a v4 request towards an IPv6 server (or its answer) stops here,
    // counted, instead of going out as IPv4 to 0.0.0.0.
    if (v.to.v6 || v.from.v6) {
      w_.counters.add(DpCounter::tx_ipv6_unsupported);
      rte_pktmbuf_free(m);
      return;
    }
    if (v.compacted) w_.counters.add(DpCounter::tx_compacted);
    Egress egress;
    if (v.to.ip == in.source.ip) {
      // Back to the sender: straight to the MAC it came from, no ARP needed.
      egress.port = static_cast<int>(p);
      egress.dst_mac = net::MacAddr::from(data + 6);
    } else {
      std::uint32_t next_hop = 0;
      if (!resolve_egress(rt_, *snap_, v.to.ip, egress, next_hop, w_.counters)) {
        if (egress.port >= 0) event(Event::kResolve, static_cast<std::size_t>(egress.port), next_hop, nullptr);
        rte_pktmbuf_free(m);
        return;
      }
    }
    rte_mbuf* reuse = m;
    if (m->nb_segs != 1) {
      rte_pktmbuf_free(m);
      reuse = nullptr;
    }
    rte_mbuf* frames[kMaxFragments];
    const auto n = build_udp_frames(rt_, egress, v.from, v.to, std::span<const char>(w_.out.get(), v.length), w_.ip_id,
                                    reuse, frames, w_.counters);
    for (std::size_t i = 0; i < n; ++i) enqueue_tx(static_cast<std::size_t>(egress.port), frames[i]);
  }

  // Everything sent on a VLAN port gets its tag here: replies, the fast
  // path, punt TX and the kernel's frames all pass through.
  void enqueue_tx(std::size_t p, rte_mbuf* m) noexcept {
    const std::uint16_t vlan = rt_.ports[p].vlan;
    if (vlan != 0) {
      auto* head = reinterpret_cast<std::uint8_t*>(rte_pktmbuf_prepend(m, static_cast<std::uint16_t>(net::kVlanTagLength)));
      if (head == nullptr || m->data_len < net::kEthHeaderLength + net::kVlanTagLength) {
        w_.counters.add(DpCounter::vlan_no_headroom);
        rte_pktmbuf_free(m);
        return;
      }
      net::insert_vlan_tag(head, vlan);
      m->l2_len = static_cast<std::uint16_t>(m->l2_len + net::kVlanTagLength);
    }
    buffer_tx(p, m);
  }

  void buffer_tx(std::size_t p, rte_mbuf* m) noexcept {
    TxBuffer& b = w_.tx[p];
    b.mbufs[b.count++] = m;
    if (b.count == kTxBurst) flush(p);
  }

  void flush(std::size_t p) noexcept {
    TxBuffer& b = w_.tx[p];
    if (b.count == 0) return;
    std::uint64_t bytes = 0;
    for (std::uint16_t i = 0; i < b.count; ++i) bytes += b.mbufs[i]->pkt_len;
    const auto sent = rte_eth_tx_burst(rt_.ports[p].id, static_cast<std::uint16_t>(w_.index), b.mbufs, b.count);
    for (std::uint16_t i = sent; i < b.count; ++i) {
      bytes -= b.mbufs[i]->pkt_len;
      rte_pktmbuf_free(b.mbufs[i]);
    }
    w_.counters.add(DpCounter::tx_packets, sent);
    w_.counters.add(DpCounter::tx_bytes, bytes);
    if (sent < b.count) w_.counters.add(DpCounter::tx_refused, b.count - sent);
    b.count = 0;
  }

  void flush_all() noexcept {
    for (std::size_t p = 0; p < w_.tx.size(); ++p) flush(p);
  }

  static constexpr std::size_t kMaxBurst = config::kMaxBurst;
  Worker& w_;
  Runtime& rt_;
  const proxy::Snapshot* snap_ = nullptr;
  std::uint64_t now_ns_ = 0;
};

}  // namespace

Worker::Worker(Runtime& runtime, std::size_t worker_index, unsigned lcore_id)
    : rt(runtime),
      index(worker_index),
      lcore(lcore_id),
      sip(proxy::WorkerOptions{static_cast<uint32_t>(worker_index), rte_rdtsc() ^ (worker_index * 0x9E3779B97F4A7C15ull)},
          nullptr),
      tx(runtime.ports.size()),
      flat(new std::uint8_t[kMaxFrame]),
      out(new char[kOutBytes]) {
  const auto& dp = runtime.config->dataplane;
  const unsigned ring = dp.punt_ring_size;
  punt = make_ring("punt", index, ring, RING_F_SP_ENQ | RING_F_SC_DEQ);
  events = make_ring("ev", index, 1024, RING_F_SP_ENQ | RING_F_SC_DEQ, sizeof(Event));
  events6 = make_ring("ev6_", index, 256, RING_F_SP_ENQ | RING_F_SC_DEQ, sizeof(Event6));
  inbox = make_ring("inbox", index, 1024, RING_F_SP_ENQ | RING_F_SC_DEQ);
  init_exception_gate(runtime, index, exception);
  const std::uint64_t ttl_cycles = runtime.tsc_hz / 1000 * dp.frag_ttl_ms;
  frag_table = rte_ip_frag_table_create(dp.frag_table_size, 16, dp.frag_table_size, ttl_cycles,
                                        static_cast<int>(rte_socket_id()));
  if (frag_table == nullptr) throw std::runtime_error("cannot create the reassembly table: " + std::string(rte_strerror(rte_errno)));
}

Worker::~Worker() {
  free_exception_gate(exception);
  rte_ip_frag_free_death_row(&death_row, 0);
  if (frag_table) rte_ip_frag_table_destroy(frag_table);
  for (rte_ring* r : {punt, inbox}) {
    if (r == nullptr) continue;
    void* m = nullptr;
    while (rte_ring_dequeue(r, &m) == 0) rte_pktmbuf_free(static_cast<rte_mbuf*>(m));
    rte_ring_free(r);
  }
  if (events) rte_ring_free(events);
  if (events6) rte_ring_free(events6);
}

int worker_main(void* arg) {
  Loop loop(*static_cast<Worker*>(arg));
  return loop.run();
}

}  // namespace sipedge::dp
