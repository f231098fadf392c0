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

inline std::string crlf(std::string_view lf) {
  std::string out;
  for (char c : lf) {
    if (c == '\n') out += '\r';
    out += c;
  }
  return out;
}

}  // namespace sipedge::bench
