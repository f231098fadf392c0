// sipedge-cp: the control plane process (no EAL). See cp/loop.h and
// cp/control_plane.h; design: "Control plane".
#include <signal.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <exception>
#include <memory>
#include <string>
#include <string_view>

#include "config/config.h"
#include "cp/loop.h"
#include "store/sqlite_destination_states.h"
#include "store/sqlite_store.h"
#ifdef SIPEDGE_HAVE_REDIS
#include "store/redis_store.h"
#endif
#include "store/sqlite_subscriber_store.h"

namespace {

void usage() { std::fprintf(stderr, "usage: sipedge-cp --config FILE\n"); }

#ifdef SIPEDGE_HAVE_REDIS
sipedge::store::RedisOptions redis_options(const sipedge::config::Config& config) {
  const auto& r = config.store.redis;
  sipedge::store::RedisOptions o;
  o.address = {r.address.host, r.address.port};
  for (const auto& s : r.sentinels) o.sentinels.push_back({s.host, s.port});
  o.master_name = r.master_name;
  o.password = r.password;
  o.db = r.db;
  o.prefix = r.key_prefix;
  o.node_id = config.node.id;
  o.wait_replicas = r.wait_replicas;
  o.wait_timeout_ms = r.wait_timeout_ms;
  // Half a keepalive interval: a dead owner's bindings are taken over (lease
  // lapse + one check, lease / 3) before their next keepalive was due.
  o.lease_ms = std::max<std::int64_t>(1000, std::int64_t{config.keepalive.interval_s} * 1000 / 2);
  o.array = config.cluster.mode == sipedge::config::ClusterMode::kArray;
  o.node_name = config.node.name;
  o.share_with = config.cluster.share_with;
  return o;
}
#endif

std::unique_ptr<sipedge::store::LocationStore> open_location_store(const sipedge::config::Config& config) {
#ifdef SIPEDGE_HAVE_REDIS
  if (config.store.backend == sipedge::config::StoreBackend::kRedis)
    return std::make_unique<sipedge::store::RedisStore>(redis_options(config));
#endif
  return std::make_unique<sipedge::store::SqliteStore>(sipedge::store::SqliteOptions{.path = config.store.sqlite.path});
}

std::string describe_store(const sipedge::config::Config& config) {
  if (config.store.backend != sipedge::config::StoreBackend::kRedis) return "sqlite " + config.store.sqlite.path;
  const auto& r = config.store.redis;
  if (!r.sentinels.empty()) return "redis via " + std::to_string(r.sentinels.size()) + " sentinels (" + r.master_name + ")";
  return "redis " + r.address.host + ":" + std::to_string(r.address.port);
}

}  // namespace

int main(int argc, char** argv) {
  std::string config_path;
  for (int i = 1; i < argc; ++i) {
    const std::string_view arg = argv[i];
    if (arg == "--config" && i + 1 < argc) {
      config_path = argv[++i];
    } else if (arg == "-h" || arg == "--help") {
      usage();
      return 0;
    } else {
      usage();
      return 2;
    }
  }
  if (config_path.empty()) {
    usage();
    return 2;
  }
  auto loaded = sipedge::config::load_file(config_path);
  if (!loaded.ok()) {
    for (const auto& e : loaded.errors) std::fprintf(stderr, "%s\n", e.to_string().c_str());
    return 1;
  }
  const sipedge::config::Config config = std::move(*loaded.config);
#ifndef SIPEDGE_HAVE_REDIS
  if (config.store.backend == sipedge::config::StoreBackend::kRedis) {
    std::fprintf(stderr, "sipedge-cp: store.backend = \"redis\": built without hiredis\n");
    return 1;
  }
#endif

  // SIGTERM/SIGINT arrive through a signalfd in the event loop: no handler
  // runs. Default dispositions first: a background job of a shell starts with
  // SIGINT ignored, and an ignored signal never becomes pending for the fd.
  signal(SIGTERM, SIG_DFL);
  signal(SIGINT, SIG_DFL);
  sigset_t mask;
  sigemptyset(&mask);
  sigaddset(&mask, SIGTERM);
  sigaddset(&mask, SIGINT);
  sigprocmask(SIG_BLOCK, &mask, nullptr);
  signal(SIGPIPE, SIG_IGN);
  const int stop_fd = signalfd(-1, &mask, SFD_NONBLOCK | SFD_CLOEXEC);
  if (stop_fd < 0) {
    std::perror("signalfd");
    return 1;
  }

  // SIGHUP: a reload (sipedgectl reload's POST /api/reload), through its own signalfd.
  signal(SIGHUP, SIG_DFL);
  sigset_t hup;
  sigemptyset(&hup);
  sigaddset(&hup, SIGHUP);
  sigprocmask(SIG_BLOCK, &hup, nullptr);
  const int reload_fd = signalfd(-1, &hup, SFD_NONBLOCK | SFD_CLOEXEC);
  if (reload_fd < 0) {
    std::perror("signalfd");
    return 1;
  }

  try {
    const std::unique_ptr<sipedge::store::LocationStore> store = open_location_store(config);
    // Subscribers (digest credentials) stay in the local SQLite file with
    // either backend, opened even with registrar.auth off so operators can
    // provision them (sipedgectl subscriber) before switching it on; without
    // auth a file that cannot be opened (a Redis node without a local
    // database directory) only turns the subscriber API off.
    std::unique_ptr<sipedge::store::SqliteSubscriberStore> subscribers;
    try {
      subscribers = std::make_unique<sipedge::store::SqliteSubscriberStore>(config.store.sqlite.path,
                                                                            sipedge::cp::kSubscriberBusyTimeoutMs);
    } catch (const std::exception& e) {
      if (config.registrar.auth) throw;
      std::fprintf(stderr, "sipedge-cp: no subscriber store, /api/subscribers is off: %s\n", e.what());
    }
    // Probe verdicts and set-state overrides survive a restart in the same
    // local file, whatever the location store's backend.
    std::unique_ptr<sipedge::store::SqliteDestinationStates> destination_states;
    try {
      destination_states = std::make_unique<sipedge::store::SqliteDestinationStates>(
          config.store.sqlite.path, sipedge::cp::kSubscriberBusyTimeoutMs);
    } catch (const std::exception& e) {
      std::fprintf(stderr, "sipedge-cp: destination states will not survive a restart: %s\n", e.what());
    }
    sipedge::cp::Loop loop(config, *store, subscribers.get(), config.metrics.listen, config_path,
                           destination_states.get());
    std::fprintf(stderr,
                 "sipedge-cp: node %s (id %u), store %s, %zu subscribers (auth %s), metrics on %s port %u, "
                 "punt socket %s\n",
                 config.node.name.c_str(), config.node.id, describe_store(config).c_str(),
                 subscribers ? subscribers->size() : 0, config.registrar.auth ? "on" : "off",
                 sipedge::config::format_listen_host(config.metrics.listen).c_str(),
                 loop.http_port(), config.dataplane.punt_socket.c_str());
    const int rc = loop.run(stop_fd, reload_fd);
    ::close(stop_fd);
    ::close(reload_fd);
    return rc;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "sipedge-cp: %s\n", e.what());
    return 1;
  }
}
