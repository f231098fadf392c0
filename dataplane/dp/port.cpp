#include "dp/port.h"

#include <rte_ethdev.h>

#include <algorithm>
#include <cstring>
#include <stdexcept>
#include <string>

#include "dp/options.h"
#include "net/ipv6.h"

namespace sipedge::dp {
namespace {

[[noreturn]] void fail(const config::PortConfig& pc, const std::string& what) {
  throw std::runtime_error("port " + pc.name + " (" + pc.device + "): " + what);
}

void check(int rc, const config::PortConfig& pc, const char* what) {
  if (rc < 0) fail(pc, std::string(what) + ": " + rte_strerror(-rc));
}

}  // namespace

std::uint16_t mbuf_data_room(const config::Config& config) {
  std::uint32_t largest = 0;
  for (const auto& p : config.ports) largest = std::max(largest, p.mtu);
  const std::uint32_t room = std::max<std::uint32_t>(RTE_MBUF_DEFAULT_DATAROOM, largest + 14 + 4);
  return static_cast<std::uint16_t>(room + RTE_PKTMBUF_HEADROOM);
}

std::vector<Port> start_ports(const config::Config& config, rte_mempool* pool, std::uint16_t workers) {
  std::vector<Port> ports;
  for (const auto& pc : config.ports) {
    Port port;
    port.name = pc.name;
    port.role = pc.role;
    const auto name = device_name(pc);
    if (rte_eth_dev_get_port_by_name(name.c_str(), &port.id) != 0)
      fail(pc, "no such device (is it bound to a DPDK driver, or is the vdev string right?)");

    rte_eth_dev_info info{};
    check(rte_eth_dev_info_get(port.id, &info), pc, "cannot read device info");
    if (info.max_rx_queues < workers || info.max_tx_queues < workers)
      fail(pc, "has " + std::to_string(info.max_rx_queues) + " RX / " + std::to_string(info.max_tx_queues) +
                   " TX queues, the config has " + std::to_string(workers) +
                   " workers (net_af_packet: add qpairs=N to the device string)");

    rte_eth_conf conf{};
    if (pc.rss && workers > 1) {
      const std::uint64_t hf = RTE_ETH_RSS_IP & info.flow_type_rss_offloads;
      if (hf == 0) fail(pc, "rss = true but the device cannot hash on IPv4 addresses");
      conf.rxmode.mq_mode = RTE_ETH_MQ_RX_RSS;
      conf.rx_adv_conf.rss_conf.rss_hf = hf;
    }
    if (info.rx_offload_capa & RTE_ETH_RX_OFFLOAD_IPV4_CKSUM) {
      conf.rxmode.offloads |= RTE_ETH_RX_OFFLOAD_IPV4_CKSUM;
      port.rx_ip_checksum = true;
    }
    if (info.rx_offload_capa & RTE_ETH_RX_OFFLOAD_UDP_CKSUM) {
      conf.rxmode.offloads |= RTE_ETH_RX_OFFLOAD_UDP_CKSUM;
      port.rx_l4_checksum = true;
    }
    const auto tx_plan = tx_checksum_plan(info.tx_offload_capa);
    conf.txmode.offloads |= tx_plan.offloads;
    port.tx_checksum_offload = tx_plan.offload;
    check(rte_eth_dev_configure(port.id, workers, workers, &conf), pc, "configure");
    std::uint16_t rx_desc = static_cast<std::uint16_t>(pc.rx_desc), tx_desc = static_cast<std::uint16_t>(pc.tx_desc);
    check(rte_eth_dev_adjust_nb_rx_tx_desc(port.id, &rx_desc, &tx_desc), pc, "descriptor counts");
    const int socket = rte_eth_dev_socket_id(port.id);
    const unsigned sock = socket < 0 ? 0u : static_cast<unsigned>(socket);
    for (std::uint16_t q = 0; q < workers; ++q) {
      check(rte_eth_rx_queue_setup(port.id, q, rx_desc, sock, nullptr, pool), pc, "RX queue setup");
      check(rte_eth_tx_queue_setup(port.id, q, tx_desc, sock, nullptr), pc, "TX queue setup");
    }
    port.rx_queues = port.tx_queues = workers;
    // Virtual devices often cannot change their MTU; keep theirs, ours is
    // what we fragment at.
    const int mtu_rc = rte_eth_dev_set_mtu(port.id, static_cast<std::uint16_t>(pc.mtu));
    if (mtu_rc < 0 && mtu_rc != -ENOTSUP && pc.device_kind == config::DeviceKind::kPci)
      check(mtu_rc, pc, "set MTU");
    port.mtu = static_cast<std::uint16_t>(pc.mtu);

    rte_ether_addr mac{};
    if (pc.mac) {
      std::memcpy(mac.addr_bytes, pc.mac->data(), 6);
      // Virtual devices (pcap, ring) cannot change their address; the one
      // configured is then ours in software, which is all classify needs.
      const int mac_rc = rte_eth_dev_default_mac_addr_set(port.id, &mac);
      if (mac_rc < 0 && !(mac_rc == -ENOTSUP && pc.device_kind == config::DeviceKind::kVdev))
        check(mac_rc, pc, "set MAC");
    } else {
      check(rte_eth_macaddr_get(port.id, &mac), pc, "read MAC");
    }
    port.local.mac = net::MacAddr::from(mac.addr_bytes);
    port.address = pc.address;
    port.network = pc.subnet.address;
    port.mask = pc.subnet.mask();
    port.gateway = pc.gateway.value_or(0);
    port.local.add_ipv4(pc.address);
    port.vlan = pc.vlan;
    if (pc.address6) {
      port.has_address6 = true;
      port.address6 = net::Ipv6Addr{pc.address6->address};
      port.local.add_ipv6(port.address6);
    }
    if (pc.gateway6) {
      port.has_gateway6 = true;
      port.gateway6 = net::Ipv6Addr{*pc.gateway6};
    }
    port.neighbours6 = std::make_unique<NeighbourTable6>();
    if (port.has_address6) {
      // A NIC filters multicast MACs: let through the solicited-node group
      // of our address (NS) and all-nodes, or all multicast when the list
      // cannot be set. Virtual devices take everything anyway.
      rte_ether_addr groups[2]{};
      net::multicast_mac(net::solicited_node(port.address6)).store(groups[0].addr_bytes);
      net::multicast_mac(net::all_nodes()).store(groups[1].addr_bytes);
      if (rte_eth_dev_set_mc_addr_list(port.id, groups, 2) != 0) {
        const int rc = rte_eth_allmulticast_enable(port.id);
        if (rc < 0 && rc != -ENOTSUP && pc.device_kind == config::DeviceKind::kPci)
          check(rc, pc, "enable multicast for IPv6 Neighbour Discovery");
      }
    }
    if (pc.role != config::PortRole::kInside)
      for (auto vip : config.sip.vips) port.local.add_ipv4(vip);
    for (auto sp : config.sip.ports) port.local.add_udp_port(sp);
    port.neighbours = std::make_unique<NeighbourTable>();
    check(rte_eth_dev_start(port.id), pc, "start");
    ports.push_back(std::move(port));
  }
  for (const auto& n : config.neighbours) {
    if (n.address6)
      ports[n.port_index].neighbours6->learn(net::Ipv6Addr{*n.address6}, net::MacAddr{n.mac}, 0, /*static_entry=*/true);
    else
      ports[n.port_index].neighbours->learn(n.address, net::MacAddr{n.mac}, /*static_entry=*/true);
  }
  return ports;
}

void stop_ports(const std::vector<Port>& ports) {
  for (const auto& p : ports) {
    (void)rte_eth_dev_stop(p.id);
    (void)rte_eth_dev_close(p.id);
  }
}

}  // namespace sipedge::dp
