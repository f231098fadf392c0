#pragma once
// The dataplane's counters as one flat, named list: what the exit dump
// prints ("name value" lines), what /sipedge/stats returns over DPDK
// telemetry and what a STATS reply carries (StatEntry ids are positions in
// this list). The order is fixed by the tables it is made of, so sipedge-cp
// derives the same names from the same config:
//   proxy outcomes, calls, cps_breaches, nat_detected, parse_<error>,
//   dp counters, drop_<reason>, dest_<set>_<index> per configured destination,
//   worker_<n>_poll_cycles per worker lcore (sipedge-cp's heartbeat: a
//   worker whose loop stalls stops adding to it).
// DPDK-free; cold path (allocates).
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "config/config.h"
#include "dp/counters.h"
#include "proxy/worker.h"

namespace sipedge::dp {

struct StatSource {
  const proxy::WorkerCounters* sip = nullptr;
  const DpCounters* dp = nullptr;
  int worker = -1;  // its worker_<n>_poll_cycles entry; -1: the main lcore
};

std::vector<std::string> stat_names(const config::Config& config);

// Sums the sources into `out` (resized to stat_names(config).size()).
void stat_values(const config::Config& config, std::span<const StatSource> sources, std::vector<std::uint64_t>& out);

}  // namespace sipedge::dp
