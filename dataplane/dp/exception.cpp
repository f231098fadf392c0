#include "dp/exception.h"

#include <rte_dev.h>
#include <rte_errno.h>
#include <rte_ethdev.h>
#include <rte_lcore.h>

#include <algorithm>
#include <cstdio>
#include <stdexcept>

#include "dp/runtime.h"

namespace sipedge::dp {
namespace {

constexpr unsigned kExceptionBurst = 64;
constexpr std::uint16_t kTapDescriptors = 512;

[[noreturn]] void fail(const Port& port, const std::string& iface, const std::string& what) {
  throw std::runtime_error("port " + port.name + ": exception interface " + iface + ": " + what);
}

void check(int rc, const Port& port, const std::string& iface, const char* what) {
  if (rc < 0) fail(port, iface, std::string(what) + ": " + rte_strerror(-rc));
}

std::string mac_text(const net::MacAddr& mac) {
  std::uint8_t b[6];
  mac.store(b);
  char text[18];
  std::snprintf(text, sizeof(text), "%02x:%02x:%02x:%02x:%02x:%02x", b[0], b[1], b[2], b[3], b[4], b[5]);
  return text;
}

// Ring -> kernel. net_tap writes one frame per writev() anyway, so frames
// go one by one and a refusal costs only that frame.
bool up(Runtime& rt, Worker& w, DpCounters& counters) noexcept {
  rte_mbuf* burst[kExceptionBurst];
  const unsigned n = rte_ring_sc_dequeue_burst(w.exception.ring, reinterpret_cast<void**>(burst), kExceptionBurst, nullptr);
  for (unsigned i = 0; i < n; ++i) {
    rte_mbuf* m = burst[i];
    const int p = rt.port_index(m->port);
    if (p < 0 || rt.ports[static_cast<std::size_t>(p)].exception_id < 0 ||
        rte_eth_tx_burst(static_cast<std::uint16_t>(rt.ports[static_cast<std::size_t>(p)].exception_id), 0, &m, 1) != 1) {
      counters.add(DpCounter::exception_dropped_ring);
      rte_pktmbuf_free(m);
      continue;
    }
    counters.add(DpCounter::exception_rx);
  }
  return n != 0;
}

// Kernel -> the port, through worker 0 (it owns TX queue 0 of every port).
bool down(Runtime& rt, const Port& port, DpCounters& counters) noexcept {
  rte_mbuf* burst[kExceptionBurst];
  const auto n = rte_eth_rx_burst(static_cast<std::uint16_t>(port.exception_id), 0, burst, kExceptionBurst);
  if (n == 0) return false;
  for (std::uint16_t i = 0; i < n; ++i) {
    rte_mbuf* m = burst[i];
    m->port = port.id;
    m->ol_flags = 0;  // the kernel filled in its checksums: nothing for the NIC to do
    if (rte_ring_sp_enqueue(rt.workers.front()->inbox, m) != 0) {
      counters.add(DpCounter::inbox_full);
      rte_pktmbuf_free(m);
      continue;
    }
    counters.add(DpCounter::exception_tx);
  }
  return true;
}

}  // namespace

std::string exception_device_name(std::size_t index) { return "net_tap_exc" + std::to_string(index); }

void start_exception_ports(Runtime& rt) {
  for (std::size_t i = 0; i < rt.ports.size(); ++i) {
    Port& port = rt.ports[i];
    const std::string& iface = rt.config->ports[i].exception;
    if (iface.empty()) continue;
    const std::string device = exception_device_name(i);
    const std::string devargs = device + ",iface=" + iface + ",mac=" + mac_text(port.local.mac);
    check(rte_dev_probe(devargs.c_str()), port, iface, "cannot create the net_tap device");
    std::uint16_t id = 0;
    if (rte_eth_dev_get_port_by_name(device.c_str(), &id) != 0) fail(port, iface, "net_tap device not found after creation");
    port.exception_id = id;
    rte_eth_conf conf{};
    check(rte_eth_dev_configure(id, 1, 1, &conf), port, iface, "configure");
    const int socket = std::max(rte_eth_dev_socket_id(id), 0);
    check(rte_eth_rx_queue_setup(id, 0, kTapDescriptors, static_cast<unsigned>(socket), nullptr, rt.pool), port, iface,
          "RX queue setup");
    check(rte_eth_tx_queue_setup(id, 0, kTapDescriptors, static_cast<unsigned>(socket), nullptr), port, iface,
          "TX queue setup");
    // The kernel then never sends a frame the port would not carry.
    check(rte_eth_dev_set_mtu(id, port.mtu), port, iface, "set MTU");
    check(rte_eth_dev_start(id), port, iface, "start");
    port.host_index = port.local.find_ipv4(port.address);
    if (port.has_address6) port.host6_index = port.local.find_ipv6(port.address6);
  }
}

void stop_exception_ports(Runtime& rt) {
  for (std::size_t i = 0; i < rt.ports.size(); ++i) {
    Port& port = rt.ports[i];
    if (port.exception_id < 0) continue;
    const auto id = static_cast<std::uint16_t>(port.exception_id);
    (void)rte_eth_dev_stop(id);
    (void)rte_eth_dev_close(id);
    (void)rte_eal_hotplug_remove("vdev", exception_device_name(i).c_str());
    port.exception_id = -1;
  }
}

void init_exception_gate(const Runtime& rt, std::size_t index, ExceptionGate& gate) {
  const bool any = std::any_of(rt.ports.begin(), rt.ports.end(), [](const Port& p) { return p.exception_id >= 0; });
  if (!any) return;
  // Each worker sees its RSS share of the host traffic, so each gets its
  // share of the rate (at least one frame a second), a second's worth deep.
  const std::uint64_t workers = std::max<std::size_t>(rt.config->dataplane.worker_lcores.size(), 1);
  const std::uint64_t rate = std::max<std::uint64_t>(1, rt.config->dataplane.exception_pps / workers);
  if (limit::make_bucket_config(rate, rate, 1'000'000'000, gate.rate) != limit::LimitError::Ok)
    throw std::runtime_error("dataplane.exception_pps: cannot build the token bucket");
  gate.credit = limit::full_bucket(gate.rate, rt.now_ns());
  const std::string name = "se_exc" + std::to_string(index);
  gate.ring = rte_ring_create(name.c_str(), kExceptionRingSize, static_cast<int>(rte_socket_id()),
                              RING_F_SP_ENQ | RING_F_SC_DEQ);
  if (gate.ring == nullptr) throw std::runtime_error("cannot create ring " + name + ": " + rte_strerror(rte_errno));
}

void free_exception_gate(ExceptionGate& gate) {
  if (gate.ring == nullptr) return;
  void* m = nullptr;
  while (rte_ring_dequeue(gate.ring, &m) == 0) rte_pktmbuf_free(static_cast<rte_mbuf*>(m));
  rte_ring_free(gate.ring);
  gate.ring = nullptr;
}

bool move_exception_frames(Runtime& rt, DpCounters& counters) noexcept {
  bool any = false;
  for (auto& w : rt.workers)
    if (w->exception.ring != nullptr) any |= up(rt, *w, counters);
  for (const Port& port : rt.ports)
    if (port.exception_id >= 0) any |= down(rt, port, counters);
  return any;
}

}  // namespace sipedge::dp
