// sipedgectl sets CONFIG / set-state CONFIG SET/INDEX|IP:PORT up|down: the
// dispatcher destinations with their state, and the operator's override,
// through sipedge-cp's local HTTP API (GET /api/sets, POST /api/sets/state;
// see controlplane/cp/sets_api.h) at the config's metrics.listen.
//
// Over the shared blocking client (http_client.h): a CLI may wait, the
// control plane never does. Exit codes: 0 done, 1 the control
// plane cannot be reached or refused the request (its error printed), 2 bad
// usage or config.

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <optional>
#include <string>
#include <vector>

#include "config/config.h"
#include "http_client.h"
#include "json_reply.h"
#include "verbs.h"

namespace sipedge::ctl {
namespace {

void print_table(const std::vector<JsonRow>& rows) {
  std::printf("%-16s %5s  %-28s %-8s %-6s %-5s %8s %5s\n", "SET", "INDEX", "DESTINATION", "STATE", "PROBE", "ADMIN",
              "RTT_MS", "FAILS");
  for (const auto& r : rows) {
    auto get = [&](const char* k) {
      const auto it = r.find(k);
      return it == r.end() ? std::string("?") : it->second;
    };
    std::string rtt = get("rtt_us");
    if (rtt == "-1") {
      rtt = "-";
    } else if (rtt != "?") {
      char ms[32];
      std::snprintf(ms, sizeof ms, "%.1f", std::strtod(rtt.c_str(), nullptr) / 1000.0);
      rtt = ms;
    }
    std::printf("%-16s %5s  %-28s %-8s %-6s %-5s %8s %5s\n", get("set").c_str(), get("index").c_str(),
                get("uri").c_str(), get("state").c_str(), get("probe").c_str(), get("admin").c_str(), rtt.c_str(),
                get("consecutive_failures").c_str());
  }
}

int unreachable(const config::ListenAddress& api, const HttpResult& r) {
  std::fprintf(stderr, "sipedgectl: sipedge-cp at %s: %s\n", config::format_listen_address(api).c_str(), r.error.c_str());
  return 1;
}

int report_error(const HttpResult& r) {
  std::fprintf(stderr, "sipedgectl: sipedge-cp answered %d: %s", r.status, r.body.c_str());
  if (!r.body.ends_with('\n')) std::fputc('\n', stderr);
  return 1;
}

}  // namespace

int run_sets(std::span<const std::string_view> args) {
  if (args.size() != 1) {
    std::fputs("usage: sipedgectl sets CONFIG\n", stderr);
    return 2;
  }
  const auto api = api_address(args[0]);
  if (!api) return 2;
  const auto reply = http_request(*api, "GET", "/api/sets");
  if (reply.status == 0) return unreachable(*api, reply);
  if (reply.status != 200) return report_error(reply);
  const auto rows = json_rows(reply.body);
  if (!rows) {
    std::fprintf(stderr, "sipedgectl: unreadable /api/sets reply: %s\n", reply.body.c_str());
    return 1;
  }
  print_table(*rows);
  return 0;
}

int run_set_state(std::span<const std::string_view> args) {
  if (args.size() != 3 || (args[2] != "up" && args[2] != "down")) {
    std::fputs("usage: sipedgectl set-state CONFIG SET/INDEX|IP:PORT up|down\n", stderr);
    return 2;
  }
  const auto api = api_address(args[0]);
  if (!api) return 2;
  const std::string target =
      "/api/sets/state?destination=" + url_encode(args[1]) + "&state=" + std::string(args[2]);
  const auto reply = http_request(*api, "POST", target);
  if (reply.status == 0) return unreachable(*api, reply);
  if (reply.status != 200) return report_error(reply);
  const auto rows = json_rows(reply.body);
  if (!rows) {
    std::fprintf(stderr, "sipedgectl: unreadable reply: %s\n", reply.body.c_str());
    return 1;
  }
  print_table(*rows);
  return 0;
}

}  // namespace sipedge::ctl
