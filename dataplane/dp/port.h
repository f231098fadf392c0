#pragma once
// Bringing up the configured ports (cold path): find each device, check it
// can give every worker its own RX and TX queue, configure RSS on IP
// addresses only (a source stays on one worker, so per-source limits need
// no lock), set the MTU, start it. Throws std::runtime_error naming the
// port and what went wrong.
#include <rte_mempool.h>

#include <vector>

#include "config/config.h"
#include "dp/runtime.h"

namespace sipedge::dp {

// The mempool's data room for the largest configured MTU.
std::uint16_t mbuf_data_room(const config::Config& config);

std::vector<Port> start_ports(const config::Config& config, rte_mempool* pool, std::uint16_t workers);

void stop_ports(const std::vector<Port>& ports);

}  // namespace sipedge::dp
