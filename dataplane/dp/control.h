#pragma once
// The main lcore of sipedge-dp: everything that is not per packet.
//   - the punt channel server (design.md, "The punt channel"): listens on
//     the Unix SOCK_SEQPACKET socket, one control plane at a time; drains
//     the workers' punt rings into it; runs its TX, DISPATCH, STATE, STATS
//     and RELOAD messages;
//   - the neighbour table's single writer (ARP learning and resolution);
//   - CPS limit refills, snapshot publication under RCU (reloads and
//     destination state), the per-period stats line, --exit-idle-ms.
// It never blocks: sockets are non-blocking, a full socket drops and counts.
#include <atomic>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

#include "dp/options.h"
#include "dp/runtime.h"
#include "punt/message.h"

namespace sipedge::dp {

// Set by the signal handlers; read by the main lcore.
struct Signals {
  std::atomic<bool> stop{false};
  std::atomic<bool> reload{false};
};

class Control {
 public:
  Control(Runtime& rt, const Options& options, Signals& signals);
  ~Control();
  Control(const Control&) = delete;
  Control& operator=(const Control&) = delete;

  // Publishes the first snapshot; throws on a config the fast path cannot use.
  void start();
  // Runs until a signal or --exit-idle-ms; then stops the workers.
  void run();

  // Every counter of every lcore, summed (exit dump, telemetry, STATS).
  // Safe from the telemetry thread: the only state it shares with the main
  // lcore is the config pointer, swapped under config_mutex_ (cold path).
  void collect(std::vector<std::string>& names, std::vector<std::uint64_t>& values) const;
  const DpCounters& counters() const noexcept { return counters_; }

 private:
  std::unique_ptr<Published> build_generation(const config::Config& config);
  void publish(std::shared_ptr<const proxy::Snapshot> snapshot);
  void reclaim();
  bool reload();
  void accept_client();
  void close_client(const char* why);
  bool drain_punts();
  bool read_client();
  void handle(const punt::Message& msg);
  void handle_tx(const punt::Message& msg);
  void handle_dispatch(const punt::Message& msg);
  void handle_state(const punt::Message& msg);
  void reply(punt::MessageType type, std::uint16_t flags, std::uint64_t cookie, std::span<const std::uint8_t> body);
  void send_udp(proxy::Endpoint from, proxy::Endpoint to, std::span<const char> payload);
  bool drain_events();
  void request_arp(std::size_t port, std::uint32_t ip);
  // Keeps each port's gateway6 resolved: an NS when it has no entry or the
  // entry is half way to stale, at most one per second per port.
  void resolve_gateways6(std::uint64_t now_ms);
  void to_inbox(rte_mbuf* m);
  void tick_stats(std::uint64_t now_ms);
  std::uint64_t total(DpCounter c) const;

  Runtime& rt_;
  mutable std::mutex config_mutex_;
  Options options_;
  Signals& signals_;
  DpCounters counters_;
  std::unique_ptr<proxy::Worker> sip_;  // runs DISPATCH requests
  std::uint64_t config_generation_ = 1;
  std::uint64_t snapshot_generation_ = 0;
  std::unique_ptr<Published> current_;
  std::deque<std::pair<std::uint64_t, std::unique_ptr<Published>>> retired_;  // RCU token, old generation
  int listen_fd_ = -1;
  int client_fd_ = -1;
  std::unique_ptr<std::uint8_t[]> rx_buf_;
  std::unique_ptr<char[]> out_;
  std::uint16_t ip_id_ = 0x8000;
  std::unordered_map<std::uint64_t, std::uint64_t> arp_asked_;  // (port << 32 | ip) -> last request, ms
  std::vector<std::uint64_t> nd_asked_ms_;                       // per port: last NS for gateway6, ms (0: never)
  std::uint64_t last_stats_ms_ = 0;
  std::uint64_t last_calls_ = 0, last_breaches_ = 0, last_rx_stats_ = 0;
  std::uint64_t last_rx_ = 0, last_rx_change_ms_ = 0;
};

}  // namespace sipedge::dp
