// sipedgectl drain / undrain: take the node out of the anycast announcement
// before stopping it (README "Anycast"; cp/announce.h). drain asks
// sipedge-cp to withdraw the VIP (POST /api/drain), then once a second
// prints what still arrives, until the grace period is over and the node can
// stop; the systemd units run it as ExecStop. undrain gives the VIP back
// (after announce.hold_down).
//
// Exit codes: 0 drained (or undrained); 1 sipedge-cp unreachable or it
// refused; 2 usage or config error.
#include <chrono>
#include <charconv>
#include <cstdio>
#include <string>
#include <thread>

#include "config/config.h"
#include "http_client.h"
#include "json_reply.h"
#include "verbs.h"

namespace sipedge::ctl {
namespace {

int usage_drain() {
  std::fputs("usage: sipedgectl drain CONFIG [--grace SECONDS]\n", stderr);
  return 2;
}

std::optional<HttpResult> post(const ApiTarget& at, const std::string& target) {
  HttpResult r = http_request(at, "POST", target);
  if (r.status == 0) {
    std::fprintf(stderr, "sipedgectl: cannot reach sipedge-cp: %s (is it running with this config?)\n", r.error.c_str());
    return std::nullopt;
  }
  if (r.status != 200) {
    const std::string why = json_member(r.body, "error");
    std::fprintf(stderr, "sipedgectl: %s (HTTP %d)\n", why.empty() ? "refused" : why.c_str(), r.status);
    return std::nullopt;
  }
  return r;
}

// A member of one of /api/announce's nested objects ("drain", "bird"):
// json_member reads top-level members only.
std::string nested_member(std::string_view body, std::string_view object, std::string_view key) {
  return json_member(json_member(body, object), key);
}

}  // namespace

int run_drain(std::span<const std::string_view> args) {
  if (args.empty() || args[0] == "-h" || args[0] == "--help") return usage_drain();
  std::string target = "/api/drain";
  if (args.size() == 3 && args[1] == "--grace") {
    std::uint32_t s = 0;
    const auto [end, ec] = std::from_chars(args[2].data(), args[2].data() + args[2].size(), s);
    if (ec != std::errc{} || end != args[2].data() + args[2].size() || s > 86400) return usage_drain();
    target += "?grace=" + std::to_string(s);
  } else if (args.size() != 1) {
    return usage_drain();
  }
  const auto at = api_address(args[0]);
  if (!at) return 2;
  const auto started = post(*at, target);
  if (!started) return 1;
  if (json_member(started->body, "enabled") != "true")
    std::printf("announce.enabled is false: no route to withdraw; waiting out the grace period anyway\n");
  else
    std::printf("VIP withdrawn (bird %s)\n",
                nested_member(started->body, "bird", "confirmed") == "false" ? "confirmed" : "asked; not confirmed yet");
  const auto t0 = std::chrono::steady_clock::now();
  // Bounded: the grace sipedge-cp reports, plus slack for a slow answer.
  const long grace = std::strtol(nested_member(started->body, "drain", "left_s").c_str(), nullptr, 10);
  const auto deadline = t0 + std::chrono::seconds(grace + 10);
  std::string body = started->body;
  while (nested_member(body, "drain", "can_stop") != "true") {
    if (std::chrono::steady_clock::now() > deadline) {
      std::fprintf(stderr, "sipedgectl: the grace period did not end in time\n");
      return 1;
    }
    std::this_thread::sleep_for(std::chrono::seconds(1));
    const HttpResult r = http_request(*at, "GET", "/api/announce");
    if (r.status != 200) {
      std::fprintf(stderr, "sipedgectl: sipedge-cp stopped answering: %s\n", r.error.c_str());
      return 1;
    }
    body = r.body;
    if (json_member(body, "drain").empty()) {
      std::fprintf(stderr, "sipedgectl: the drain was cancelled (undrain)\n");
      return 1;
    }
    const long elapsed =
        static_cast<long>(std::chrono::duration_cast<std::chrono::seconds>(std::chrono::steady_clock::now() - t0).count());
    std::printf("%4lds  announced %s  %s packets/s still arriving  %ss of grace left\n", elapsed,
                json_member(body, "announced").c_str(), nested_member(body, "drain", "arriving_pps").c_str(),
                nested_member(body, "drain", "left_s").c_str());
    std::fflush(stdout);
  }
  std::printf("drained: the node can stop\n");
  return 0;
}

int run_undrain(std::span<const std::string_view> args) {
  if (args.size() != 1 || args[0] == "-h" || args[0] == "--help") {
    std::fputs("usage: sipedgectl undrain CONFIG\n", stderr);
    return 2;
  }
  const auto at = api_address(args[0]);
  if (!at) return 2;
  const auto r = post(*at, "/api/undrain");
  if (!r) return 1;
  std::printf("undrained: the VIP is announced again after %s ms of hold-down (reason now: %s)\n",
              json_member(r->body, "hold_down_left_ms").c_str(), json_member(r->body, "reason").c_str());
  return 0;
}

}  // namespace sipedge::ctl
