// sipedgectl stats / regs / unregister / reload: operator verbs that talk to
// the running sipedge-cp over its local HTTP API (metrics.listen of the
// node's config), see controlplane/cp/loop.h for the endpoints.
//
// Exit codes: 0 done; 1 the edge said no (unknown AOR, reload refused,
// dataplane not connected) or could not be reached; 2 usage or config error.
#include <cstdio>
#include <optional>
#include <string>
#include <vector>

#include "config/config.h"
#include "http_client.h"
#include "json_reply.h"
#include "verbs.h"

namespace sipedge::ctl {
namespace {

HttpResult call(const ApiTarget& at, std::string_view method, const std::string& target, std::string_view body = {}) {
  HttpResult r = http_request(at, method, target, body);
  if (r.status == 0)
    std::fprintf(stderr, "sipedgectl: cannot reach sipedge-cp: %s (is it running with this config?)\n", r.error.c_str());
  return r;
}

// Prints a refusal: the API's "error" member, else the status.
int refused(const HttpResult& r) {
  const std::string why = json_member(r.body, "error");
  std::fprintf(stderr, "sipedgectl: %s (HTTP %d)\n", why.empty() ? "refused" : why.c_str(), r.status);
  return 1;
}

bool wants_help(std::span<const std::string_view> args) {
  for (auto a : args)
    if (a == "-h" || a == "--help") return true;
  return false;
}

}  // namespace

int run_stats(std::span<const std::string_view> args) {
  const bool json = args.size() == 2 && args[1] == "--json";
  if (wants_help(args) || args.empty() || (args.size() == 2 && !json) || args.size() > 2) {
    std::fputs("usage: sipedgectl stats CONFIG [--json]\n", stderr);
    return 2;
  }
  const auto at = api_address(args[0]);
  if (!at) return 2;
  const HttpResult r = call(*at, "GET", json ? "/api/stats" : "/api/stats?format=text");
  if (r.status == 0) return 1;
  if (r.status != 200) return refused(r);
  std::fputs(r.body.c_str(), stdout);
  return 0;
}

int run_regs(std::span<const std::string_view> args) {
  std::vector<std::string_view> rest;
  bool json = false;
  for (auto a : args) {
    if (a == "--json")
      json = true;
    else
      rest.push_back(a);
  }
  if (wants_help(args) || rest.empty() || rest.size() > 2) {
    std::fputs("usage: sipedgectl regs CONFIG [AOR] [--json]\n", stderr);
    return 2;
  }
  const auto at = api_address(rest[0]);
  if (!at) return 2;
  std::string target = "/api/registrations";
  if (rest.size() == 2) target.append("/").append(url_encode(rest[1]));
  if (!json) target += "?format=text";
  const HttpResult r = call(*at, "GET", target);
  if (r.status == 0) return 1;
  if (r.status != 200) return refused(r);
  std::fputs(r.body.c_str(), stdout);
  // Asked for one AOR that has no binding: say so in the exit code too.
  if (rest.size() == 2 && (json ? r.body.starts_with("[]") : r.body.starts_with("0 bindings"))) return 1;
  return 0;
}

int run_unregister(std::span<const std::string_view> args) {
  if (wants_help(args) || args.size() != 2 || args[1].empty()) {
    std::fputs("usage: sipedgectl unregister CONFIG AOR\n", stderr);
    return 2;
  }
  const auto at = api_address(args[0]);
  if (!at) return 2;
  std::string target = "/api/registrations/";
  target += url_encode(args[1]);
  const HttpResult r = call(*at, "DELETE", target);
  if (r.status == 0) return 1;
  if (r.status != 200) return refused(r);
  const std::string removed = json_member(r.body, "removed");
  std::printf("%s: %s binding%s removed\n", json_member(r.body, "aor").c_str(), removed.c_str(),
              removed == "1" ? "" : "s");
  return 0;
}

int run_reload(std::span<const std::string_view> args) {
  if (wants_help(args) || args.size() != 1) {
    std::fputs("usage: sipedgectl reload CONFIG\n", stderr);
    return 2;
  }
  const auto at = api_address(args[0]);
  if (!at) return 2;
  const HttpResult r = call(*at, "POST", "/api/reload");
  if (r.status == 0) return 1;
  if (r.status != 200) return refused(r);
  const std::string subscribers = json_member(r.body, "subscribers");
  std::printf("dataplane reloaded: config generation %s", json_member(r.body, "generation").c_str());
  if (subscribers != "null") std::printf("; subscriber table re-read: %s subscribers", subscribers.c_str());
  std::printf("\n");
  return 0;
}

}  // namespace sipedge::ctl
