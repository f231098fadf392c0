#pragma once
// What the lcores of sipedge-dp share, and what each worker owns.
//
//   Runtime   built by main() before any lcore starts, torn down after they
//             all stopped. Read-mostly: ports, neighbour tables (single
//             writer: the main lcore), the published snapshot (swapped by
//             the main lcore under RCU), the stop and control-plane flags.
//   Worker    one per worker lcore, cache-aligned, written only by its lcore
//             (counters are single-writer atomics others may read).
//
// Rings (all bounded; overflow is dropped and counted, never waited on):
//   worker -> main  `punt`   mbufs holding a punt header (punt::kHeaderSize) + SIP bytes
//   worker -> main  `events` ARP messages to learn, next hops to resolve
//   main -> worker  `inbox`  finished frames (mbuf->port = egress port) that
//                            the main lcore wants sent: TX/DISPATCH results,
//                            ARP requests, the kernel's exception frames.
//                            Workers own the TX queues.
//   worker -> main  `exception.ring` host traffic for the kernel (dp/exception.h)
#include <rte_ip_frag.h>
#include <rte_mbuf.h>
#include <rte_rcu_qsbr.h>
#include <rte_ring.h>

#include <atomic>
#include <cstdint>
#include <memory>
#include <span>
#include <vector>

#include "config/config.h"
#include "dp/counters.h"
#include "dp/exception.h"
#include "dp/neighbours.h"
#include "dp/neighbours6.h"
#include "limit/cps_limiter.h"
#include "net/local_addrs.h"
#include "proxy/snapshot.h"
#include "proxy/worker.h"

namespace sipedge::dp {

struct Port {
  std::uint16_t id = 0;  // ethdev port id
  std::string name;
  config::PortRole role = config::PortRole::kBoth;
  net::LocalAddrs local;
  std::uint32_t address = 0;  // own unicast address
  std::uint32_t network = 0;
  std::uint32_t mask = 0;
  std::uint32_t gateway = 0;  // 0: none
  std::uint16_t mtu = 1500;
  std::uint16_t rx_queues = 1;
  std::uint16_t tx_queues = 1;
  bool rx_ip_checksum = false;  // offload results are trustworthy
  bool rx_l4_checksum = false;
  bool tx_checksum_offload = false;  // the NIC fills IPv4 and UDP checksums
  std::unique_ptr<NeighbourTable> neighbours;
  int exception_id = -1;  // ethdev id of the kernel interface (net_tap); -1: none
  int host_index = -1;    // local.ipv4 entry of `address`, the kernel's
  int host6_index = -1;   // local.ipv6 entry of `address6`, the kernel's too
  std::uint16_t vlan = 0;  // 802.1Q id of every frame on the port; 0: untagged
  bool has_address6 = false;
  net::Ipv6Addr address6;  // own unicast IPv6 address (has_address6)
  bool has_gateway6 = false;
  net::Ipv6Addr gateway6;  // kept resolved by the main lcore's NS (has_gateway6)
  std::unique_ptr<NeighbourTable6> neighbours6;
  bool on_link(std::uint32_t ip) const noexcept { return (ip & mask) == network; }
};

// One generation of what the fast path reads: the snapshot and the CPS
// limiters built for it. Workers load the pointer once per burst.
struct Published {
  std::shared_ptr<const proxy::Snapshot> snapshot;
  // Shared with the next generation when only a destination's state
  // changed, so a state change does not refill the CPS buckets.
  std::shared_ptr<limit::CpsLimits> limits;
  std::vector<std::shared_ptr<limit::WorkerCpsLimiter>> cps;  // per worker, then the main lcore
};

// Events from a worker to the main lcore.
struct Event {
  enum Kind : std::uint8_t { kArpLearn = 1, kArpRefresh = 2, kResolve = 3 };
  std::uint32_t ip = 0;
  std::uint8_t kind = 0;
  std::uint8_t port = 0;  // index into Runtime::ports
  std::uint8_t mac[6] = {};
};
static_assert(sizeof(Event) == 12);

// The IPv6 counterpart of Event: an NA's target and link-layer address.
struct Event6 {
  enum Kind : std::uint8_t { kNdLearn = 1 };
  std::array<std::uint8_t, 16> ip{};
  std::uint8_t kind = 0;
  std::uint8_t port = 0;
  std::uint8_t mac[6] = {};
};
static_assert(sizeof(Event6) == 24);

inline constexpr std::size_t kTxBurst = 32;
inline constexpr std::size_t kMaxFrame = 14 + 65535;

struct TxBuffer {
  std::uint16_t count = 0;
  rte_mbuf* mbufs[kTxBurst];
};

struct Runtime;

struct alignas(RTE_CACHE_LINE_SIZE) Worker {
  Worker(Runtime& rt, std::size_t index, unsigned lcore);
  ~Worker();
  Worker(const Worker&) = delete;
  Worker& operator=(const Worker&) = delete;

  Runtime& rt;
  std::size_t index;
  unsigned lcore;
  proxy::Worker sip;
  DpCounters counters;
  rte_ip_frag_tbl* frag_table = nullptr;
  rte_ip_frag_death_row death_row{};
  rte_ring* punt = nullptr;
  rte_ring* events = nullptr;
  rte_ring* events6 = nullptr;  // Event6: NAs learnt, to the main lcore
  rte_ring* inbox = nullptr;
  ExceptionGate exception;
  std::uint16_t ip_id = 0;
  const Published* published = nullptr;
  std::vector<TxBuffer> tx;  // per port
  // Flat copies of multi-segment frames, and the rewriter's output.
  std::unique_ptr<std::uint8_t[]> flat;
  std::unique_ptr<char[]> out;
};

struct Runtime {
  std::shared_ptr<const config::Config> config;
  std::vector<Port> ports;
  rte_mempool* pool = nullptr;
  rte_rcu_qsbr* qsbr = nullptr;
  std::atomic<const Published*> published{nullptr};
  std::atomic<bool> stop{false};
  std::atomic<bool> control_plane_up{false};
  std::vector<std::unique_ptr<Worker>> workers;
  std::uint64_t tsc_hz = 0;
  std::uint32_t burst = 32;
  std::uint32_t idle_sleep_us = 0;
  std::uint64_t tx_flush_cycles = 0;
  // bench/pipeline's I/O ceiling: workers only turn frames around (MACs
  // swapped, same port), no classification, no SIP. Never set by sipedge-dp.
  bool io_only = false;

  std::uint64_t now_ns() const noexcept;
  // Index of the port that reaches `ip` (on-link first, then a gateway on
  // the side `ip` belongs to) and the next hop; -1 when none does.
  int route(const proxy::Snapshot& snap, std::uint32_t ip, std::uint32_t& next_hop) const noexcept;
  int port_index(std::uint16_t port_id) const noexcept;
};

// Where a frame should go: a port and an L2 destination.
struct Egress {
  int port = -1;
  net::MacAddr dst_mac;
};

// Builds the Ethernet/IPv4/UDP frame(s) for `payload` from `from` to `to`
// (fragments when over the egress MTU) in mbufs from the pool; `reuse`, if
// not null, is a single-segment mbuf the caller no longer needs (freed if
// not used). Returns the number of mbufs written to `frames` (0: dropped,
// counted in `counters`; with no neighbour yet an Event::kResolve is put in
// `resolve`).
std::size_t build_udp_frames(Runtime& rt, const Egress& egress, proxy::Endpoint from, proxy::Endpoint to,
                             std::span<const char> payload, std::uint16_t& ip_id, rte_mbuf* reuse,
                             std::span<rte_mbuf*> frames, DpCounters& counters) noexcept;

// Resolves the egress of a frame to `to`: the port and neighbour MAC. On
// a missing neighbour returns port >= 0 with `resolved` false.
bool resolve_egress(const Runtime& rt, const proxy::Snapshot& snap, std::uint32_t to, Egress& egress,
                    std::uint32_t& next_hop, DpCounters& counters) noexcept;

int worker_main(void* worker);

}  // namespace sipedge::dp

namespace sipedge::dp {

// Cold: the mempool, RCU, ports and workers of a config whose EAL is up
// (and whose ring or vdev ports exist). Throws std::runtime_error.
void init_runtime(Runtime& rt, std::shared_ptr<const config::Config> config);
// After the workers stopped: frees what init_runtime made.
void teardown_runtime(Runtime& rt);

}  // namespace sipedge::dp
