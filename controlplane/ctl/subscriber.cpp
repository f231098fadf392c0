// sipedgectl subscriber add|del|list: provisions digest-auth subscribers in
// the running sipedge-cp through its local HTTP API (metrics.listen; see
// controlplane/cp/subscribers_api.h). sipedge-cp writes the SQLite row and
// its memory copy at once: no restart or reload.
//
// Exit codes: 0 done; 1 refused (bad value, unknown subscriber, store
// failure) or sipedge-cp unreachable; 2 usage or config error.
#include <cstdio>
#include <string>

#include "config/config.h"
#include "http_client.h"
#include "json_reply.h"
#include "subscriber_args.h"
#include "verbs.h"

namespace sipedge::ctl {
namespace {

int refused(const HttpResult& r) {
  const std::string why = json_member(r.body, "error");
  std::fprintf(stderr, "sipedgectl: %s (HTTP %d)\n", why.empty() ? "refused" : why.c_str(), r.status);
  return 1;
}

HttpResult call(const ApiTarget& at, std::string_view method, const std::string& target, std::string_view body = {}) {
  HttpResult r = http_request(at, method, target, body);
  if (r.status == 0)
    std::fprintf(stderr, "sipedgectl: cannot reach sipedge-cp: %s (is it running with this config?)\n", r.error.c_str());
  return r;
}

}  // namespace

int run_subscriber(std::span<const std::string_view> args) {
  SubscriberArgs parsed = parse_subscriber_args(args);
  if (parsed.error == SubscriberArgsError::usage) {
    std::fprintf(stderr, "sipedgectl subscriber: %s\n%.*s", parsed.problem.c_str(),
                 static_cast<int>(kSubscriberUsage.size()), kSubscriberUsage.data());
    return 2;
  }
  if (parsed.error == SubscriberArgsError::invalid) {
    std::fprintf(stderr, "sipedgectl subscriber: %s\n", parsed.problem.c_str());
    return 1;
  }
  SubscriberCommand& c = parsed.command;
  if (c.password_from_stdin) {
    auto password = read_password(stdin);
    if (!password) {
      std::fputs("sipedgectl subscriber: --password -: no password on stdin\n", stderr);
      return 1;
    }
    c.password = std::move(*password);
  }
  const auto at = api_address(c.config);
  if (!at) return 2;

  std::string who = c.username;
  who.append("@").append(c.realm);
  switch (c.action) {
    case SubscriberAction::add: {
      const HttpResult r = call(*at, "POST", "/api/subscribers", subscriber_add_form(c));
      if (r.status == 0) return 1;
      if (r.status != 200) return refused(r);
      std::printf("%s: %s (ha1-md5%s)\n", who.c_str(), json_member(r.body, "replaced") == "true" ? "replaced" : "added",
                  json_member(r.body, "ha1_sha256") == "true" ? ", ha1-sha256" : "");
      // Stored either way (provisioning ahead of a realm change), but say it.
      if (const auto loaded = config::load_file(c.config);
          loaded.ok() && !loaded.config->registrar.realm.empty() && loaded.config->registrar.realm != c.realm)
        std::fprintf(stderr, "sipedgectl: note: registrar.realm is \"%s\": phones are challenged for that realm, not %s\n",
                     loaded.config->registrar.realm.c_str(), c.realm.c_str());
      return 0;
    }
    case SubscriberAction::del: {
      std::string target = "/api/subscribers/";
      target.append(url_encode(who));
      const HttpResult r = call(*at, "DELETE", target);
      if (r.status == 0) return 1;
      if (r.status != 200) return refused(r);
      std::printf("%s: removed\n", who.c_str());
      return 0;
    }
    case SubscriberAction::list: {
      std::string target = "/api/subscribers";
      if (!c.realm.empty()) target.append("?realm=").append(url_encode(c.realm));
      if (!c.json) target.append(c.realm.empty() ? "?" : "&").append("format=text");
      const HttpResult r = call(*at, "GET", target);
      if (r.status == 0) return 1;
      if (r.status != 200) return refused(r);
      std::fputs(r.body.c_str(), stdout);
      return 0;
    }
  }
  return 2;
}

}  // namespace sipedge::ctl
