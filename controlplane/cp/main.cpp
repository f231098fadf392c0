// sipedge-cp: the control plane process (no EAL). See cp/loop.h and
// cp/control_plane.h; design: "Control plane".
#include <signal.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include <cstdio>
#include <cstring>
#include <exception>
#include <memory>
#include <string>
#include <string_view>

#include "config/config.h"
#include "cp/loop.h"
#include "store/sqlite_store.h"
#include "store/sqlite_subscriber_store.h"

namespace {

void usage() { std::fprintf(stderr, "usage: sipedge-cp --config FILE\n"); }

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
  if (config.store.backend != sipedge::config::StoreBackend::kSqlite) {
    std::fprintf(stderr, "sipedge-cp: store.backend = \"redis\" is not supported yet\n");
    return 1;
  }

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

  try {
    sipedge::store::SqliteStore store({.path = config.store.sqlite.path});
    std::unique_ptr<sipedge::store::SqliteSubscriberStore> subscribers;
    if (config.registrar.auth)
      subscribers = std::make_unique<sipedge::store::SqliteSubscriberStore>(config.store.sqlite.path);
    sipedge::cp::Loop loop(config, store, subscribers.get(), config.metrics.listen);
    std::fprintf(stderr, "sipedge-cp: node %s, store %s, metrics on %s:%u, punt socket %s\n", config.node.name.c_str(),
                 config.store.sqlite.path.c_str(), sipedge::config::format_ipv4(config.metrics.listen.address).c_str(),
                 loop.http_port(), config.dataplane.punt_socket.c_str());
    const int rc = loop.run(stop_fd);
    ::close(stop_fd);
    return rc;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "sipedge-cp: %s\n", e.what());
    return 1;
  }
}
