#include "cp/sets_api.h"

#include <optional>
#include <vector>

#include "store/binding.h"

namespace sipedge::cp {
namespace {

void json_string(std::string& out, std::string_view s) {
  out += '"';
  for (char c : s) {
    if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else if (static_cast<unsigned char>(c) < 0x20) {
      static constexpr char kHex[] = "0123456789abcdef";
      out += "\\u00";
      out += kHex[(c >> 4) & 0xF];
      out += kHex[c & 0xF];
    } else {
      out += c;
    }
  }
  out += '"';
}

void destination_json(std::string& out, const DestinationHealth& d, bool probing) {
  out += "{\"set\":";
  json_string(out, d.set_name);
  out += ",\"set_id\":" + std::to_string(d.set_id);
  out += ",\"index\":" + std::to_string(d.index);
  out += ",\"uri\":";
  json_string(out, d.uri);
  out += ",\"address\":";
  json_string(out, store::to_string(d.address));
  out += ",\"enabled\":";
  out += d.enabled ? "true" : "false";
  out += ",\"state\":\"";
  out += !d.enabled ? "disabled" : d.up() ? "up" : "down";
  out += "\",\"probe\":\"";
  out += !probing ? "off" : d.probe_up ? "up" : "down";
  out += "\",\"admin\":\"";
  out += d.admin_down ? "down" : "auto";
  out += "\",\"rtt_us\":" + (d.answered_once ? std::to_string(d.last_rtt_us) : std::string("-1"));
  out += ",\"consecutive_failures\":" + std::to_string(d.consecutive_failures);
  out += ",\"consecutive_successes\":" + std::to_string(d.consecutive_successes);
  out += ",\"probes_sent\":" + std::to_string(d.probes_sent);
  out += "}";
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
  std::string out = "{\"error\":";
  json_string(out, message);
  out += "}\n";
  return out;
}

}  // namespace

std::string sets_json(const ProbeEngine& probe) {
  std::string out;
  out.push_back('[');
  bool first = true;
  for (const auto& d : probe.destinations()) {
    if (!first) out += ",";
    first = false;
    destination_json(out, d, probe.options().enabled);
  }
  out += "]\n";
  return out;
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
  std::string out;
  out.push_back('[');
  bool first = true;
  const auto destinations = cp.probe().destinations();
  for (std::size_t i : cp.probe().find(*which)) {
    if (!first) out += ",";
    first = false;
    destination_json(out, destinations[i], cp.probe().options().enabled);
  }
  out += "]\n";
  return {200, out};
}

}  // namespace sipedge::cp
