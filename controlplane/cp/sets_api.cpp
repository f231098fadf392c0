#include "cp/sets_api.h"

#include <optional>
#include <vector>

#include "cp/json.h"
#include "store/binding.h"

namespace sipedge::cp {
namespace {

Json destination_json(const DestinationHealth& d, bool probing) {
  return Json{{"set", d.set_name},
              {"set_id", d.set_id},
              {"index", d.index},
              {"uri", d.uri},
              {"address", store::to_string(d.address)},
              {"enabled", d.enabled},
              {"state", !d.enabled ? "disabled" : d.up() ? "up" : "down"},
              {"probe", !probing ? "off" : d.probe_up ? "up" : "down"},
              {"admin", d.admin_down ? "down" : "auto"},
              // -1 until the first answer: the dashboard and sipedgectl show "-"
              {"rtt_us", d.answered_once ? static_cast<std::int64_t>(d.last_rtt_us) : std::int64_t{-1}},
              {"consecutive_failures", d.consecutive_failures},
              {"consecutive_successes", d.consecutive_successes},
              {"probes_sent", d.probes_sent}};
}

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// application/x-www-form-urlencoded value; nullopt on a broken escape.
std::optional<std::string> url_decode(std::string_view s) {
  std::string out;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '+') {
      out += ' ';
    } else if (s[i] == '%') {
      if (i + 2 >= s.size()) return std::nullopt;
      const int hi = hex_value(s[i + 1]), lo = hex_value(s[i + 2]);
      if (hi < 0 || lo < 0) return std::nullopt;
      out += static_cast<char>(hi * 16 + lo);
      i += 2;
    } else {
      out += s[i];
    }
  }
  return out;
}

std::string error_json(std::string_view message) {
  return dump_json(Json{{"error", message}}) + "\n";
}

}  // namespace

std::string sets_json(const ProbeEngine& probe) {
  Json list = Json::array();
  for (const auto& d : probe.destinations()) list.push_back(destination_json(d, probe.options().enabled));
  return dump_json(list) + "\n";
}

ApiReply set_state_request(ControlPlane& cp, std::string_view query) {
  std::optional<std::string> which, state;
  while (!query.empty()) {
    const auto amp = query.find('&');
    const std::string_view pair = query.substr(0, amp);
    query = amp == std::string_view::npos ? std::string_view{} : query.substr(amp + 1);
    const auto eq = pair.find('=');
    if (eq == std::string_view::npos) continue;
    const std::string_view key = pair.substr(0, eq);
    auto value = url_decode(pair.substr(eq + 1));
    if (!value) return {400, error_json("bad percent-encoding")};
    if (key == "destination") which = std::move(value);
    if (key == "state") state = std::move(value);
  }
  if (!which || which->empty()) return {400, error_json("missing destination=SET/INDEX or IP:PORT")};
  if (!state || (*state != "up" && *state != "down")) return {400, error_json("state must be up or down")};
  switch (cp.set_destination_admin(*which, *state == "down")) {
    case AdminResult::not_found: return {404, error_json("no destination " + *which)};
    case AdminResult::disabled: return {409, error_json(*which + " is disabled in the config")};
    case AdminResult::ok: break;
  }
  Json list = Json::array();
  const auto destinations = cp.probe().destinations();
  for (std::size_t i : cp.probe().find(*which)) list.push_back(destination_json(destinations[i], cp.probe().options().enabled));
  return {200, dump_json(list) + "\n"};
}

}  // namespace sipedge::cp
