// sipedge-dp: the DPDK dataplane (design.md, "Processes"). Loads and checks
// the TOML, starts EAL with the lcores and devices it names, brings up the
// ports, launches one poll-mode worker per worker lcore and runs the
// control loop (punt channel, neighbours, stats, reloads) on the main lcore.
// SIGINT/SIGTERM stop it cleanly and print every counter; SIGHUP reloads.
#include <rte_cycles.h>
#include <rte_eal.h>
#include <rte_ethdev.h>
#include <rte_launch.h>
#include <rte_lcore.h>
#include <rte_mbuf.h>
#include <rte_telemetry.h>

#include <atomic>
#include <csignal>
#include <cstdio>
#include <exception>
#include <string>
#include <vector>

#include "dp/control.h"
#include "dp/options.h"
#include "dp/runtime.h"

namespace {

using namespace sipedge;

dp::Signals g_signals;
// For the telemetry callbacks, which run on DPDK's telemetry thread.
std::atomic<const dp::Control*> g_control{nullptr};
std::atomic<const dp::Runtime*> g_runtime{nullptr};

void on_signal(int sig) {
  if (sig == SIGHUP) {
    g_signals.reload.store(true);
  } else {
    g_signals.stop.store(true);
  }
}

int telemetry_stats(const char*, const char*, rte_tel_data* d) {
  rte_tel_data_start_dict(d);
  const dp::Control* control = g_control.load();
  if (control == nullptr) return 0;
  std::vector<std::string> names;
  std::vector<std::uint64_t> values;
  control->collect(names, values);
  for (std::size_t i = 0; i < names.size(); ++i) rte_tel_data_add_dict_u64(d, names[i].c_str(), values[i]);
  return 0;
}

int telemetry_workers(const char*, const char*, rte_tel_data* d) {
  rte_tel_data_start_dict(d);
  const dp::Runtime* runtime = g_runtime.load();
  if (runtime == nullptr) return 0;
  for (const auto& w : runtime->workers) {
    const auto busy = w->counters.dp[static_cast<std::size_t>(dp::DpCounter::busy_cycles)].get();
    const auto poll = w->counters.dp[static_cast<std::size_t>(dp::DpCounter::poll_cycles)].get();
    const auto rx = w->counters.dp[static_cast<std::size_t>(dp::DpCounter::rx_packets)].get();
    const std::string key = "worker" + std::to_string(w->index);
    rte_tel_data_add_dict_u64(d, (key + "_lcore").c_str(), w->lcore);
    rte_tel_data_add_dict_u64(d, (key + "_busy_cycles").c_str(), busy);
    rte_tel_data_add_dict_u64(d, (key + "_poll_cycles").c_str(), poll);
    rte_tel_data_add_dict_u64(d, (key + "_rx_packets").c_str(), rx);
  }
  rte_tel_data_add_dict_u64(d, "tsc_hz", runtime->tsc_hz);
  return 0;
}

int run(const dp::Options& options) {
  auto loaded = config::load_file(options.config_path);
  if (!loaded.ok()) {
    for (const auto& e : loaded.errors) std::fprintf(stderr, "%s\n", e.to_string().c_str());
    return 1;
  }
  auto config = std::make_shared<const config::Config>(std::move(*loaded.config));

  auto eal_args = dp::eal_arguments(*config, options.eal_extra);
  std::vector<char*> argv;
  for (auto& a : eal_args) argv.push_back(a.data());
  argv.push_back(nullptr);
  if (rte_eal_init(static_cast<int>(eal_args.size()), argv.data()) < 0) {
    std::fprintf(stderr, "EAL init failed: %s\n", rte_strerror(rte_errno));
    return 1;
  }
  std::signal(SIGINT, on_signal);
  std::signal(SIGTERM, on_signal);
  std::signal(SIGHUP, on_signal);
  std::signal(SIGPIPE, SIG_IGN);

  int rc = 0;
  {
    dp::Runtime rt;
    try {
      dp::init_runtime(rt, config);
      dp::Control control(rt, options, g_signals);
      control.start();
      g_control = &control;
      g_runtime = &rt;
      rte_telemetry_register_cmd("/sipedge/stats", telemetry_stats, "Every sipedge-dp counter, summed over lcores.");
      rte_telemetry_register_cmd("/sipedge/workers", telemetry_workers, "Per worker: lcore, busy and poll cycles, rx.");

      for (auto& w : rt.workers) {
        if (rte_eal_remote_launch(dp::worker_main, w.get(), w->lcore) != 0)
          throw std::runtime_error("cannot launch a worker on lcore " + std::to_string(w->lcore));
      }
      std::fprintf(stderr, "sipedge-dp %s: %zu ports, %u workers, punt socket %s\n", config->node.name.c_str(),
                   rt.ports.size(), static_cast<unsigned>(rt.workers.size()), config->dataplane.punt_socket.c_str());
      control.run();
      rte_eal_mp_wait_lcore();

      std::vector<std::string> names;
      std::vector<std::uint64_t> values;
      control.collect(names, values);
      std::printf("counters:\n");
      for (std::size_t i = 0; i < names.size(); ++i) std::printf("%s %lu\n", names[i].c_str(), static_cast<unsigned long>(values[i]));
      std::fflush(stdout);
      g_control = nullptr;
      g_runtime = nullptr;
    } catch (const std::exception& e) {
      std::fprintf(stderr, "sipedge-dp: %s\n", e.what());
      g_control = nullptr;
      g_runtime = nullptr;
      rt.stop.store(true);
      rte_eal_mp_wait_lcore();
      rc = 1;
    }
    dp::teardown_runtime(rt);
  }
  rte_eal_cleanup();
  return rc;
}

}  // namespace

int main(int argc, char** argv) {
  const auto parsed = dp::parse_options(std::vector<std::string>(argv + 1, argv + argc));
  if (!parsed.options) {
    std::fprintf(stderr, "sipedge-dp: %s\n%s", parsed.error.c_str(), dp::usage().c_str());
    return 2;
  }
  if (parsed.options->help) {
    std::fputs(dp::usage().c_str(), stdout);
    return 0;
  }
  return run(*parsed.options);
}
