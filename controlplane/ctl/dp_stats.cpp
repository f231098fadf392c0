// sipedgectl dp-stats FILE [--all] [--interval-ms N]: the running dataplane's
// counters, read over DPDK telemetry (the /sipedge/stats command of
// sipedge-dp), so an operator needs neither the control plane nor a DPDK
// tool. The socket is /var/run/dpdk/<file-prefix>/dpdk_telemetry.v2 with the
// file prefix from the node's [eal] args ("rte" when none is given).
//
// Prints "name value" lines (non-zero ones unless --all); with
// --interval-ms, two readings that far apart and a per-second rate column.
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <charconv>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <optional>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "config/config.h"
#include "json_reply.h"
#include "verbs.h"

namespace sipedge::ctl {
namespace {

using Counters = JsonCounters;

std::string file_prefix(const config::Config& config) {
  const auto& args = config.eal.args;
  for (std::size_t i = 0; i < args.size(); ++i) {
    if (args[i] == "--file-prefix" && i + 1 < args.size()) return args[i + 1];
    if (args[i].starts_with("--file-prefix=")) return args[i].substr(14);
  }
  return "rte";
}

std::optional<Counters> read_stats(const std::string& path, std::string& error) {
  const int fd = ::socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
  if (fd < 0) {
    error = std::strerror(errno);
    return std::nullopt;
  }
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  if (path.size() >= sizeof(addr.sun_path)) {
    ::close(fd);
    error = "socket path too long";
    return std::nullopt;
  }
  std::memcpy(addr.sun_path, path.c_str(), path.size() + 1);
  timeval timeout{.tv_sec = 5, .tv_usec = 0};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof(timeout));
  std::vector<char> buf(1 << 20);
  std::optional<Counters> result;
  const char command[] = "/sipedge/stats";
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0) {
    error = std::string(std::strerror(errno)) + " (is sipedge-dp running with telemetry on?)";
  } else if (::recv(fd, buf.data(), buf.size(), 0) <= 0 || ::send(fd, command, sizeof(command) - 1, 0) < 0) {
    error = "telemetry socket closed";
  } else if (const ssize_t n = ::recv(fd, buf.data(), buf.size(), 0); n <= 0) {
    error = "no answer to /sipedge/stats";
  } else if (!(result = json_counters(std::string_view(buf.data(), static_cast<std::size_t>(n)), command))) {
    error = "unexpected answer: " + std::string(buf.data(), static_cast<std::size_t>(std::min<ssize_t>(n, 200)));
  }
  ::close(fd);
  return result;
}

}  // namespace

int run_dp_stats(std::span<const std::string_view> args) {
  std::string file;
  bool all = false;
  unsigned interval_ms = 0;
  for (std::size_t i = 0; i < args.size(); ++i) {
    if (args[i] == "--all") {
      all = true;
    } else if (args[i] == "--interval-ms" && i + 1 < args.size()) {
      const auto v = args[++i];
      if (std::from_chars(v.data(), v.data() + v.size(), interval_ms).ec != std::errc() || interval_ms == 0 ||
          interval_ms > 60000) {
        std::fputs("sipedgectl dp-stats: --interval-ms needs 1..60000\n", stderr);
        return 2;
      }
    } else if (file.empty() && !args[i].starts_with("-")) {
      file = std::string(args[i]);
    } else {
      file.clear();
      break;
    }
  }
  if (file.empty()) {
    std::fputs("usage: sipedgectl dp-stats FILE [--all] [--interval-ms N]\n", stderr);
    return 2;
  }
  const auto loaded = config::load_file(file);
  if (!loaded.ok()) {
    for (const auto& e : loaded.errors) std::fprintf(stderr, "%s\n", e.to_string().c_str());
    return 1;
  }
  const std::string path = "/var/run/dpdk/" + file_prefix(*loaded.config) + "/dpdk_telemetry.v2";
  std::string error;
  const auto first = read_stats(path, error);
  if (!first) {
    std::fprintf(stderr, "sipedgectl dp-stats: %s: %s\n", path.c_str(), error.c_str());
    return 1;
  }
  if (interval_ms == 0) {
    for (const auto& [name, value] : *first)
      if (all || value != 0) std::printf("%s %lu\n", name.c_str(), static_cast<unsigned long>(value));
    return 0;
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(interval_ms));
  const auto second = read_stats(path, error);
  if (!second || second->size() != first->size()) {
    std::fprintf(stderr, "sipedgectl dp-stats: second reading failed: %s\n", second ? "counters changed" : error.c_str());
    return 1;
  }
  for (std::size_t i = 0; i < second->size(); ++i) {
    const auto& [name, value] = (*second)[i];
    const double rate = static_cast<double>(value - (*first)[i].second) * 1000.0 / interval_ms;
    if (all || value != 0) std::printf("%s %lu %.1f/s\n", name.c_str(), static_cast<unsigned long>(value), rate);
  }
  return 0;
}

}  // namespace sipedge::ctl
