#pragma once
// What both fast-path benches (bench_proxy: time per message; instructions:
// callgrind instructions per message) feed Worker::process: one node with an
// outside and an inside port and a two-destination hash set (the shared
// fixture node, unchanged), and the helper
// that writes their SIP texts with CRLF line ends. Bench code only.
#include <string>
#include <string_view>

#include "fixtures/node_toml.h"

namespace sipedge::bench {

inline std::string node_config() { return fixtures::node_toml(); }
// The same node dual-stack, its pool on IPv6 (the v6 INVITE measurement).
inline std::string node_config_v6() {
  fixtures::NodeToml node;
  node.vips = {"203.0.113.1", "2001:db8::1"};
  node.ports[1].address6 = "2001:db8:1::1/64";
  node.inside_prefixes = {"198.51.100.0/24", "2001:db8:1::/64"};
  node.destinations = {{"sip:[2001:db8:1::21]:5060", {}}, {"sip:[2001:db8:1::22]:5060", {}}};
  return fixtures::node_toml(node);
}

inline std::string crlf(std::string_view lf) {
  std::string out;
  for (char c : lf) {
    if (c == '\n') out += '\r';
    out += c;
  }
  return out;
}

}  // namespace sipedge::bench
