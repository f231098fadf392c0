#pragma once
// What both fast-path benches (bench_proxy: time per message; instructions:
// callgrind instructions per message) feed Worker::process: one node with an
// outside and an inside port and a two-destination hash set, and the helper
// that writes their SIP texts with CRLF line ends. Bench code only.
#include <string>
#include <string_view>

namespace sipedge::bench {

inline constexpr const char* kConfig = R"(
[node]
id = 1
[dataplane]
worker_lcores = [1]
[[port]]
name = "outside"
device = "net_null0"
role = "outside"
address = "203.0.113.2/24"
[[port]]
name = "inside"
device = "net_null1"
role = "inside"
address = "198.51.100.1/24"
[sip]
vips = ["203.0.113.1"]
inside_prefixes = ["198.51.100.0/24"]
default_set = "pool"
[[set]]
name = "pool"
id = 1
algorithm = "hash-callid"
[[set.destination]]
uri = "sip:198.51.100.21:5060"
[[set.destination]]
uri = "sip:198.51.100.22:5060"
)";

inline std::string crlf(std::string_view lf) {
  std::string out;
  for (char c : lf) {
    if (c == '\n') out += '\r';
    out += c;
  }
  return out;
}

}  // namespace sipedge::bench
