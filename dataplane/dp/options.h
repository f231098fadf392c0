#pragma once
// sipedge-dp's command line and the EAL argument vector derived from the
// node's TOML. DPDK-free, so the derivation is unit-tested without EAL.
//
//   sipedge-dp --config FILE [--exit-idle-ms N] [--stats-ms N] [-- EAL args...]
//
// Cold path: allocates, never throws out (errors come back as text).
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "config/config.h"

namespace sipedge::dp {

struct Options {
  std::string config_path;
  // Exit once no port has received a packet for this long (offline pcap
  // runs, tests); 0 = run until SIGINT/SIGTERM.
  std::uint32_t exit_idle_ms = 0;
  // Period of the "cps=.. breaches=.." log line; 0 = never. A line is only
  // printed for a period in which a packet arrived.
  std::uint32_t stats_ms = 1000;
  std::vector<std::string> eal_extra;  // everything after "--"
  bool help = false;
};

struct ParsedOptions {
  std::optional<Options> options;
  std::string error;  // set when options is empty
};

ParsedOptions parse_options(const std::vector<std::string>& args);

std::string usage();

// argv for rte_eal_init: program name, [eal] args, the lcore set (main plus
// workers), the main lcore, one --vdev per vdev port, one -a per PCI port
// (unless [eal] args already choose devices), then `extra`.
std::vector<std::string> eal_arguments(const config::Config& config, const std::vector<std::string>& extra);

// The ethdev name a port's device string registers under: the vdev name
// before the first comma ("net_pcap0,rx_pcap=a.pcap" -> "net_pcap0"), or
// the PCI address as written.
std::string device_name(const config::PortConfig& port);

}  // namespace sipedge::dp
