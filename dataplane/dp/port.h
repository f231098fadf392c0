#pragma once
// Bringing up the configured ports (cold path): find each device, check it
// can give every worker its own RX and TX queue, configure RSS on IP
// addresses only (a source stays on one worker, so per-source limits need
// no lock), set the MTU, start it. Throws std::runtime_error naming the
// port and what went wrong.
#include <rte_ethdev.h>
#include <rte_mbuf.h>
#include <rte_mempool.h>

#include <vector>

#include "config/config.h"
#include "dp/runtime.h"

namespace sipedge::dp {

// TX checksum offload: used when the device computes both the IPv4 and the
// UDP checksum (the frames we build then carry the pseudo-header sum and
// the mbuf flags); otherwise the dataplane computes them in software.
struct TxChecksumPlan {
  bool offload = false;
  std::uint64_t offloads = 0;  // rte_eth_txmode::offloads to request
};
constexpr TxChecksumPlan tx_checksum_plan(std::uint64_t tx_offload_capa) noexcept {
  constexpr std::uint64_t kBoth = RTE_ETH_TX_OFFLOAD_IPV4_CKSUM | RTE_ETH_TX_OFFLOAD_UDP_CKSUM;
  if ((tx_offload_capa & kBoth) != kBoth) return {};
  return {true, kBoth};
}
// The mbuf flags a frame built with net::Checksums::Offload needs.
inline constexpr std::uint64_t kTxChecksumFlags = RTE_MBUF_F_TX_IPV4 | RTE_MBUF_F_TX_IP_CKSUM | RTE_MBUF_F_TX_UDP_CKSUM;

// The mempool's data room for the largest configured MTU.
std::uint16_t mbuf_data_room(const config::Config& config);

std::vector<Port> start_ports(const config::Config& config, rte_mempool* pool, std::uint16_t workers);

void stop_ports(const std::vector<Port>& ports);

}  // namespace sipedge::dp
