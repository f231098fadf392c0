// bench/loadgen: a SIP call load generator cheap enough not to be the
// bottleneck of the CPS bench (issue 14, item 5). Two roles, one process each
// (one thread per role), run in the namespaces of the e2e topology:
//
//   loadgen uas --local 198.51.100.21:5060 [--max-seconds N] [--json FILE]
//   loadgen uac --local 203.0.113.50:5060 --target 203.0.113.1:5060
//               --rate CPS --calls N [--hold-ms MS] [--call-timeout-ms MS]
//               [--max-seconds N] [--max-outstanding N] [--json FILE]
//
// Common: --t1-ms (500), --t2-ms (4000), --drop-every N (tests: drop every Nth
// received datagram to exercise retransmissions). The UAS: --max-unacked N,
// --no-trying. Both stop by themselves (calls done, or --max-seconds), or on
// SIGTERM/SIGINT, and then write their report as one JSON object to --json
// (or stdout) and a summary line to stderr. Exit status: 0, or 1 if a UAC
// call failed, 2 on bad arguments or a socket error.
#include <atomic>
#include <cerrno>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iostream>
#include <string>
#include <string_view>

#include "percentile.h"
#include "uac.h"
#include "uas.h"
#include "udp_batch.h"

namespace {

using namespace sipedge::loadgen;

std::atomic<bool> g_stop{false};

void on_signal(int) { g_stop.store(true); }

int usage(const std::string& what) {
  std::cerr << "loadgen: " << what << "\n"
            << "usage: loadgen uac --local IP:PORT --target IP:PORT --rate CPS --calls N [options]\n"
            << "       loadgen uas --local IP:PORT [options]   (see bench/loadgen/main.cpp)\n";
  return 2;
}

template <typename T>
bool parse_unsigned(const char* text, T& out, unsigned long long low, unsigned long long high) {
  char* end = nullptr;
  errno = 0;
  const unsigned long long value = std::strtoull(text, &end, 10);
  if (errno != 0 || end == text || *end != '\0' || value < low || value > high) return false;
  out = static_cast<T>(value);
  return true;
}

bool write_report(const std::string& path, const std::string& json) {
  if (path.empty()) {
    std::cout << json << "\n";
    return true;
  }
  std::ofstream out(path);
  out << json << "\n";
  return static_cast<bool>(out);
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) return usage("missing role");
  const std::string_view role = argv[1];
  if (role != "uac" && role != "uas") return usage("role is uac or uas, not " + std::string(role));
  UacOptions uac;
  UasOptions uas;
  std::string json_path;
  bool have_local = false;
  bool have_target = false;
  for (int i = 2; i < argc; ++i) {
    const std::string_view arg = argv[i];
    if (arg == "--no-trying") {
      uas.send_trying = false;
      continue;
    }
    if (i + 1 >= argc) return usage(std::string(arg) + " needs a value");
    const char* value = argv[++i];
    bool ok = true;
    if (arg == "--local" || arg == "--target") {
      const std::optional<sockaddr_in> address = parse_ipv4_endpoint(value);
      ok = address.has_value();
      if (ok && arg == "--local") {
        uac.local = uas.local = *address;
        have_local = true;
      } else if (ok) {
        uac.target = *address;
        have_target = true;
      }
    } else if (arg == "--rate") {
      char* end = nullptr;
      uac.rate = std::strtod(value, &end);
      ok = end != value && *end == '\0' && uac.rate > 0 && uac.rate <= 1e6;
    } else if (arg == "--calls") {
      ok = parse_unsigned(value, uac.calls, 1, 100'000'000);
    } else if (arg == "--hold-ms") {
      ok = parse_unsigned(value, uac.hold_ms, 0, 60'000);
    } else if (arg == "--call-timeout-ms") {
      ok = parse_unsigned(value, uac.call_timeout_ms, 100, 120'000);
    } else if (arg == "--max-seconds") {
      ok = parse_unsigned(value, uac.max_seconds, 1, 86'400);
      uas.max_seconds = uac.max_seconds;
    } else if (arg == "--max-outstanding") {
      ok = parse_unsigned(value, uac.max_outstanding, 1, 4'000'000);
    } else if (arg == "--max-unacked") {
      ok = parse_unsigned(value, uas.max_unacked, 1, 4'000'000);
    } else if (arg == "--t1-ms") {
      ok = parse_unsigned(value, uac.t1_ms, 1, 10'000);
      uas.t1_ms = uac.t1_ms;
    } else if (arg == "--t2-ms") {
      ok = parse_unsigned(value, uac.t2_ms, 1, 60'000);
      uas.t2_ms = uac.t2_ms;
    } else if (arg == "--drop-every") {
      ok = parse_unsigned(value, uac.drop_every, 0, 1'000'000);
      uas.drop_every = uac.drop_every;
    } else if (arg == "--user") {
      uac.user = value;
      ok = !uac.user.empty() && uac.user.find_first_of(" \r\n@:;<>") == std::string::npos;
    } else if (arg == "--json") {
      json_path = value;
    } else {
      return usage("unknown option " + std::string(arg));
    }
    if (!ok) return usage("bad value for " + std::string(arg) + ": " + value);
  }
  if (!have_local) return usage("--local is required");
  if (role == "uac" && !have_target) return usage("--target is required for the uac");

  struct sigaction action{};
  action.sa_handler = on_signal;
  sigaction(SIGTERM, &action, nullptr);
  sigaction(SIGINT, &action, nullptr);

  std::string error;
  if (role == "uas") {
    std::atomic<std::uint16_t> bound_port{0};
    const UasReport report = run_uas(uas, g_stop, error, &bound_port);
    if (bound_port == 0) {
      std::cerr << "loadgen uas: " << error << "\n";
      return 2;
    }
    std::fprintf(stderr, "loadgen uas: %llu INVITEs, %llu ACKs, %llu BYEs (%llu with a Route left), %llu retransmissions, "
                 "%llu ACK timeouts, %.2f s, cpu %.2f s\n",
                 static_cast<unsigned long long>(report.invites), static_cast<unsigned long long>(report.acks),
                 static_cast<unsigned long long>(report.byes), static_cast<unsigned long long>(report.byes_with_route),
                 static_cast<unsigned long long>(report.retransmissions),
                 static_cast<unsigned long long>(report.ack_timeouts), report.seconds,
                 report.cpu.user + report.cpu.system);
    return write_report(json_path, uas_report_json(report)) ? 0 : 2;
  }
  const UacReport report = run_uac(uac, g_stop, error);
  if (!error.empty()) {
    std::cerr << "loadgen uac: " << error << "\n";
    return 2;
  }
  const std::span<const std::uint32_t> setups(report.setup_us);
  std::fprintf(stderr, "loadgen uac: offered %.0f/s, achieved %.1f/s, %llu ok, %llu failed, %llu retransmissions, "
               "setup p50 %.3f p90 %.3f p99 %.3f ms, %.2f s, cpu %.2f s\n",
               report.offered_cps, report.achieved_cps, static_cast<unsigned long long>(report.successful),
               static_cast<unsigned long long>(report.failed),
               static_cast<unsigned long long>(report.retransmissions_invite + report.retransmissions_bye),
               percentile(setups, 0.5).value_or(0) / 1000.0, percentile(setups, 0.9).value_or(0) / 1000.0,
               percentile(setups, 0.99).value_or(0) / 1000.0, report.seconds, report.cpu.user + report.cpu.system);
  if (!write_report(json_path, uac_report_json(report))) return 2;
  return report.failed == 0 && report.successful == report.calls_offered ? 0 : 1;
}
