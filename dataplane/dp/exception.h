#pragma once
// The exception path (design.md, "Anycast, host traffic, dual stack"): the
// node's own traffic on a port (BGP, BFD, SSH, the kernel's ICMP and ARP)
// goes to a kernel interface, and what the kernel sends there goes down
// the port.
//
//   worker     net::for_host() says a frame is the kernel's: a token bucket
//              (dataplane.exception_pps, split over the workers) sheds the
//              excess, then a bounded single-producer ring to the main
//              lcore; both count what they drop, neither waits.
//   main lcore the only user of the kernel interfaces: ring -> interface,
//              interface -> worker 0's inbox -> the port (worker 0 owns TX
//              queue 0 of every port).
//
// The kernel interface is a net_tap device created here at start (this
// machine class has no /dev/vhost-net for virtio-user), named by the
// port's `exception` key, carrying the port's MAC: the kernel answers for
// the node's own address, the dataplane for the VIPs.
#include <rte_mbuf.h>
#include <rte_ring.h>

#include <cstddef>
#include <string>

#include "dp/counters.h"
#include "limit/token_bucket.h"

namespace sipedge::dp {

struct Runtime;

inline constexpr unsigned kExceptionRingSize = 1024;

// One worker's side of the path; written only by that worker.
struct ExceptionGate {
  rte_ring* ring = nullptr;  // null: no port has an exception interface
  limit::BucketConfig rate;  // in nanoseconds
  limit::BucketState credit;
};

// The net_tap device name for port `index` (what rte_eth_dev_get_port_by_name finds).
std::string exception_device_name(std::size_t index);

// Cold: creates and starts the kernel interface of every port that names
// one (Port::exception_id), after start_ports. Throws std::runtime_error.
void start_exception_ports(Runtime& rt);
void stop_exception_ports(Runtime& rt);

// Cold: the gate of worker `index` of `workers` (ring created when needed).
void init_exception_gate(const Runtime& rt, std::size_t index, ExceptionGate& gate);
void free_exception_gate(ExceptionGate& gate);

// Worker, per frame: hands `m` (received on port index `p`) to the main
// lcore, or frees and counts it. No allocation, lock or system call.
inline void to_exception(ExceptionGate& gate, std::uint16_t port_id, rte_mbuf* m, std::uint64_t now_ns,
                         DpCounters& counters) noexcept {
  if (!limit::try_take(gate.rate, gate.credit, now_ns)) {
    counters.add(DpCounter::exception_dropped_rate);
    rte_pktmbuf_free(m);
    return;
  }
  m->port = port_id;
  if (rte_ring_sp_enqueue(gate.ring, m) != 0) {
    counters.add(DpCounter::exception_dropped_ring);
    rte_pktmbuf_free(m);
  }
}

// Main lcore, each turn: workers' rings to the kernel interfaces, kernel
// interfaces to worker 0's inbox; bounded per turn. Returns whether any
// frame moved.
bool move_exception_frames(Runtime& rt, DpCounters& counters) noexcept;

}  // namespace sipedge::dp
