// sipedgectl: the operator's command line.
#include <cstdio>
#include <string_view>
#include <vector>

#include "http_client.h"
#include "verbs.h"

namespace {

struct Verb {
  std::string_view name;
  std::string_view usage;
  int (*run)(std::span<const std::string_view>);
};

constexpr Verb kVerbs[] = {
    {"check-config", "check-config FILE            validate a node's TOML config", sipedge::ctl::run_check_config},
    {"inspect", "inspect [FILE|-] [--source IP:PORT]  parse one SIP message, print JSON", sipedge::ctl::run_inspect},
    {"dp-stats", "dp-stats FILE [--all] [--interval-ms N]  the running dataplane's counters (DPDK telemetry)",
     sipedge::ctl::run_dp_stats},
    {"stats", "stats FILE [--json]          CPS, breaches, destinations, registrations, keepalives (via sipedge-cp)",
     sipedge::ctl::run_stats},
    {"regs", "regs FILE [AOR] [--json]     registered bindings, all or one AOR's", sipedge::ctl::run_regs},
    {"unregister", "unregister FILE AOR          remove an AOR's bindings (durably)", sipedge::ctl::run_unregister},
    {"reload", "reload FILE                  sipedge-cp re-reads config and subscribers, the dataplane reloads; prints the verdict",
     sipedge::ctl::run_reload},
    {"sets", "sets FILE                     dispatcher destinations and their state (sipedge-cp HTTP API)",
     sipedge::ctl::run_sets},
    {"set-state", "set-state FILE SET/INDEX|IP:PORT up|down  force a destination down, or give it back to the probes",
     sipedge::ctl::run_set_state},
    {"drain", "drain FILE [--grace S]        withdraw the VIP, keep serving S s (announce.drain_grace), say when the node can stop",
     sipedge::ctl::run_drain},
    {"undrain", "undrain FILE                  end a drain: the VIP is announced again after announce.hold_down",
     sipedge::ctl::run_undrain},
    {"subscriber",
     "subscriber add|del|list FILE ...  digest-auth subscribers: add FILE USER@REALM (--password P|- | --ha1-md5 H "
     "[--ha1-sha256 H2]), del FILE USER@REALM, list FILE [REALM] [--json]",
     sipedge::ctl::run_subscriber},
};

int usage() {
  std::fputs("usage: sipedgectl VERB [ARGS] [--token-file FILE]\n"
             "  --token-file FILE: the API's bearer token (default: the config's metrics.token_file)\nverbs:\n",
             stderr);
  for (const auto& verb : kVerbs) std::fprintf(stderr, "  %.*s\n", int(verb.usage.size()), verb.usage.data());
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) return usage();
  // --token-file FILE, anywhere after the verb: the API token for this run.
  std::vector<std::string_view> args;
  for (int i = 2; i < argc; ++i) {
    if (std::string_view(argv[i]) == "--token-file") {
      if (i + 1 >= argc) return usage();
      sipedge::ctl::set_token_file(argv[++i]);
      continue;
    }
    args.emplace_back(argv[i]);
  }
  const std::string_view name = argv[1];
  for (const auto& verb : kVerbs)
    if (verb.name == name) return verb.run(args);
  if (name != "-h" && name != "--help") std::fprintf(stderr, "sipedgectl: unknown verb '%s'\n", argv[1]);
  return usage();
}
