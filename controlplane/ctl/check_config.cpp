// sipedgectl check-config FILE: validate a node's TOML the way sipedge-dp and
// sipedge-cp will, before a reload. Exit 0 only when the file would be accepted.
#include <cstdio>
#include <string>

#include "config/config.h"
#include "verbs.h"

namespace sipedge::ctl {

int run_check_config(std::span<const std::string_view> args) {
  if (args.size() != 1 || args[0].empty() || args[0] == "-h" || args[0] == "--help") {
    std::fputs("usage: sipedgectl check-config FILE\n", stderr);
    return 2;
  }
  const std::string path(args[0]);
  const config::LoadResult result = config::load_file(path);
  if (!result.config) {
    for (const auto& error : result.errors) std::fprintf(stderr, "%s\n", error.to_string().c_str());
    std::fprintf(stderr, "%s: %zu error%s, refused\n", path.c_str(), result.errors.size(),
                 result.errors.size() == 1 ? "" : "s");
    return 1;
  }
  const config::Config& config = *result.config;
  std::size_t destinations = 0;
  for (const auto& set : config.sets) destinations += set.destinations.size();
  std::printf(
      "%s: ok (node %s id %u; %zu ports, %zu neighbours, %zu workers, %zu VIPs, %zu sets, "
      "%zu destinations, %zu routes)\n",
      path.c_str(), config.node.name.c_str(), config.node.id, config.ports.size(), config.neighbours.size(),
      config.dataplane.worker_lcores.size(), config.sip.vips.size(), config.sets.size(), destinations,
      config.routes.size());
  return 0;
}

}  // namespace sipedge::ctl
