#include "cp/api.h"

#include <cstdio>
#include <vector>

#include "cp/announce.h"
#include "registrar/aor.h"
#include "store/binding.h"

namespace sipedge::cp {
namespace {

std::string u64(std::uint64_t v) { return std::to_string(v); }

// The history's last second: the current one once this second's poll was
// answered, else the one before (so the graph's edge does not flicker).
std::int64_t history_end(const ApiView& v) {
  const std::int64_t now_s = v.now.unix_ms / 1000;
  return std::max(v.cp.history().last_second(), now_s - 1);
}

struct Destination {
  std::string set;
  std::size_t index = 0;
  std::string uri;
  std::optional<std::uint64_t> requests;  // nullopt before the first STATS reply
};

std::vector<Destination> destinations(const ApiView& v) {
  const auto& names = v.cp.dp_stat_names();
  const auto& values = v.cp.dp_stats();
  std::vector<Destination> out;
  std::size_t first = names.size();
  for (std::size_t i = 0; i < names.size(); ++i)
    if (names[i].starts_with("dest_")) {
      first = i;
      break;
    }
  std::size_t at = first;
  for (const auto& set : v.cp.sets())
    for (std::size_t d = 0; d < set.destinations.size(); ++d, ++at) {
      Destination dest{set.name, d, set.destinations[d].uri, std::nullopt};
      if (at < values.size()) dest.requests = values[at];
      out.push_back(std::move(dest));
    }
  return out;
}

// Drops by reason from the dataplane's stat names: L2-L4 refusals
// ("drop_<reason>") and SIP messages that did not parse ("sip_<error>");
// "" for counters that are not drops.
std::string drop_reason(std::string_view name) {
  if (name.starts_with("drop_")) {
    name.remove_prefix(5);
    return name == "none" || name == "ipv4_fragment" ? std::string() : std::string(name);
  }
  if (name.starts_with("parse_")) {
    name.remove_prefix(6);
    return name == "ok" ? std::string() : "sip_" + std::string(name);
  }
  return {};
}

void append_optional(std::string& out, const std::optional<std::uint64_t>& v) { out += v ? u64(*v) : "null"; }

}  // namespace

void append_json_string(std::string& out, std::string_view s) {
  out += '"';
  for (char c : s) {
    if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else if (static_cast<unsigned char>(c) < 0x20) {
      char esc[8];
      std::snprintf(esc, sizeof esc, "\\u%04x", static_cast<unsigned char>(c));
      out += esc;
    } else {
      out += c;
    }
  }
  out += '"';
}

std::optional<std::string> operator_aor(std::string_view text) {
  if (text.empty()) return std::nullopt;
  if (text.starts_with("sip:") || text.starts_with("sips:")) return registrar::normalize_aor(text);
  return registrar::normalize_aor("sip:" + std::string(text));
}

std::string stats_json(const ApiView& v) {
  const ControlPlane& cp = v.cp;
  std::string j;
  j.reserve(32768);
  const std::int64_t end = history_end(v);
  const auto cur = cp.history().at(end);
  j += "{\"time\":" + std::to_string(v.now.unix_ms / 1000);
  j += ",\"node\":";
  append_json_string(j, v.config.node.name);
  j += ",\"dataplane\":{\"connected\":";
  j += cp.dp_connected() ? "true" : "false";
  j += ",\"generation\":" + u64(cp.dataplane_generation());
  j += ",\"stats_age_ms\":";
  j += cp.dp_stats_unix_ms() ? std::to_string(v.now.unix_ms - cp.dp_stats_unix_ms()) : "null";
  j += "},\"cps\":";
  append_optional(j, cur ? std::optional(cur->calls) : std::nullopt);
  j += ",\"cps_breaches\":";
  append_optional(j, cur ? std::optional(cur->breaches) : std::nullopt);

  j += ",\"history\":{\"end\":" + std::to_string(end) + ",\"seconds\":" + u64(kHistorySeconds);
  const auto series = cp.history().series(end);
  j += ",\"cps\":[";
  for (std::size_t i = 0; i < series.size(); ++i) {
    if (i) j += ',';
    append_optional(j, series[i] ? std::optional(series[i]->calls) : std::nullopt);
  }
  j += "],\"cps_breaches\":[";
  for (std::size_t i = 0; i < series.size(); ++i) {
    if (i) j += ',';
    append_optional(j, series[i] ? std::optional(series[i]->breaches) : std::nullopt);
  }
  j += "]}";

  const auto& names = cp.dp_stat_names();
  const auto& values = cp.dp_stats();
  j += ",\"counters\":{";
  bool first = true;
  for (std::size_t i = 0; i < values.size(); ++i) {
    if (!first) j += ',';
    first = false;
    append_json_string(j, i < names.size() ? names[i] : "stat_" + u64(i));
    j += ':' + u64(values[i]);
  }
  j += "},\"drops\":{";
  first = true;
  for (std::size_t i = 0; i < values.size() && i < names.size(); ++i) {
    const auto reason = drop_reason(names[i]);
    if (reason.empty()) continue;
    if (!first) j += ',';
    first = false;
    append_json_string(j, reason);
    j += ':' + u64(values[i]);
  }
  j += "},\"destinations\":[";
  first = true;
  for (const auto& d : destinations(v)) {
    if (!first) j += ',';
    first = false;
    j += "{\"set\":";
    append_json_string(j, d.set);
    j += ",\"index\":" + u64(d.index) + ",\"uri\":";
    append_json_string(j, d.uri);
    j += ",\"requests\":";
    append_optional(j, d.requests);
    j += '}';
  }
  j += "],\"registrations\":{\"bindings\":" + u64(v.store.binding_count()) + ",\"aors\":" + u64(v.store.aor_count()) +
       ",\"held\":" + u64(cp.held()) + "}";

  const auto& ks = cp.keepalive().stats();
  j += ",\"keepalive\":{\"bindings\":" + u64(cp.keepalive().size()) + ",\"sent\":" + u64(ks.sent) +
       ",\"answered\":" + u64(ks.answered) + ",\"failed\":" + u64(ks.failed) + ",\"removed\":" + u64(ks.removed) +
       ",\"rtt_sum_us\":" + u64(ks.rtt_sum_us) + ",\"rtt_buckets_ms\":[";
  for (std::size_t i = 0; i < kRttBucketsMs.size(); ++i) {
    if (i) j += ',';
    j += u64(kRttBucketsMs[i]);
  }
  j += "],\"rtt_counts\":[";  // per bucket (not cumulative); the last is above the largest bound
  for (std::size_t i = 0; i < ks.rtt_buckets.size(); ++i) {
    if (i) j += ',';
    j += u64(ks.rtt_buckets[i]);
  }
  j += "]},\"punt_queue\":" + u64(v.punt_queue);
  if (v.announce) j += ",\"announce\":" + v.announce->status_json(v.now);
  j += ",\"cp\":{";
  for (std::size_t i = 0; i < kCounterCount; ++i) {
    if (i) j += ',';
    append_json_string(j, kCounterInfo[i].name);
    j += ':' + u64(cp.counters().at(i));
  }
  j += "}}\n";
  return j;
}

std::string stats_text(const ApiView& v) {
  const ControlPlane& cp = v.cp;
  std::string t;
  char line[256];
  const auto cur = cp.history().at(history_end(v));
  std::snprintf(line, sizeof line, "node           %s\ndataplane      %s (config generation %llu)\n",
                v.config.node.name.c_str(), cp.dp_connected() ? "connected" : "NOT CONNECTED",
                static_cast<unsigned long long>(cp.dataplane_generation()));
  t += line;
  t += "cps            " + (cur ? u64(cur->calls) : std::string("-")) + "\n";
  t += "cps breaches   " + (cur ? u64(cur->breaches) : std::string("-")) + "\n";
  // Averages over the last minute, skipping gaps.
  const auto series = cp.history().series(history_end(v));
  std::uint64_t calls = 0, breaches = 0, seconds = 0;
  for (std::size_t i = series.size() - 60; i < series.size(); ++i)
    if (series[i]) {
      calls += series[i]->calls;
      breaches += series[i]->breaches;
      ++seconds;
    }
  std::snprintf(line, sizeof line, "last minute    %.1f cps, %.1f breaches/s (%llu s of data)\n",
                seconds ? static_cast<double>(calls) / static_cast<double>(seconds) : 0.0,
                seconds ? static_cast<double>(breaches) / static_cast<double>(seconds) : 0.0,
                static_cast<unsigned long long>(seconds));
  t += line;
  t += "registrations  " + u64(v.store.binding_count()) + " bindings, " + u64(v.store.aor_count()) + " AORs\n";
  const auto& ks = cp.keepalive().stats();
  std::snprintf(line, sizeof line, "keepalive      %zu bindings, %llu sent, %llu answered, %llu failed, avg rtt %.1f ms\n",
                cp.keepalive().size(), static_cast<unsigned long long>(ks.sent),
                static_cast<unsigned long long>(ks.answered), static_cast<unsigned long long>(ks.failed),
                ks.answered ? static_cast<double>(ks.rtt_sum_us) / 1000.0 / static_cast<double>(ks.answered) : 0.0);
  t += line;
  t += "punt queue     " + u64(v.punt_queue) + "\n";
  if (v.announce) t += v.announce->status_text(v.now);
  const auto dests = destinations(v);
  if (!dests.empty()) {
    t += "\ndestinations\n";
    for (const auto& d : dests) {
      std::snprintf(line, sizeof line, "  %-12s %2zu  %-32s %s requests\n", d.set.c_str(), d.index, d.uri.c_str(),
                    d.requests ? u64(*d.requests).c_str() : "-");
      t += line;
    }
  }
  const auto& names = cp.dp_stat_names();
  const auto& values = cp.dp_stats();
  bool header = false;
  for (std::size_t i = 0; i < values.size() && i < names.size(); ++i) {
    const auto reason = drop_reason(names[i]);
    if (reason.empty() || values[i] == 0) continue;
    if (!header) t += "\ndrops\n";
    header = true;
    t += "  " + reason + " " + u64(values[i]) + "\n";
  }
  return t;
}

std::string registrations_json(const ApiView& v, const std::optional<std::string>& aor) {
  const std::int64_t now_s = v.now.unix_ms / 1000;
  std::string body;
  body.push_back('[');  // not = "[": GCC 12 -O3 raises a false -Wrestrict on it
  bool first = true;
  v.store.for_each([&](const store::Binding& b) {
    if (aor && b.aor != *aor) return;
    if (!first) body += ",";
    first = false;
    body += "{\"aor\":";
    append_json_string(body, b.aor);
    body += ",\"contact\":";
    append_json_string(body, b.contact);
    body += ",\"received\":";
    append_json_string(body, store::to_string(b.received));
    body += ",\"expires\":" + std::to_string(b.remaining(now_s));
    body += ",\"nat\":" + std::string(b.nat ? "true" : "false");
    body += ",\"owner\":" + std::to_string(b.owner);  // node.id that accepted the latest REGISTER
    body += ",\"rtt_us\":" + std::to_string(b.keepalive.last_rtt_us);
    body += ",\"keepalive_failures\":" + std::to_string(b.keepalive.consecutive_failures);
    body += ",\"user_agent\":";
    append_json_string(body, b.user_agent);
    body += "}";
  });
  body += "]\n";
  return body;
}

std::string registrations_text(const ApiView& v, const std::optional<std::string>& aor) {
  const std::int64_t now_s = v.now.unix_ms / 1000;
  std::string t;
  std::size_t n = 0;
  char line[1024];
  v.store.for_each([&](const store::Binding& b) {
    if (aor && b.aor != *aor) return;
    if (n++ == 0) t += "AOR                              CONTACT                                  RECEIVED               EXPIRES NAT OWNER RTT_MS\n";
    std::snprintf(line, sizeof line, "%-32s %-40s %-22s %7lld %-3s %5u %s\n", b.aor.c_str(), b.contact.c_str(),
                  store::to_string(b.received).c_str(), static_cast<long long>(b.remaining(now_s)), b.nat ? "yes" : "no",
                  static_cast<unsigned>(b.owner),
                  b.keepalive.last_rtt_us ? std::to_string(b.keepalive.last_rtt_us / 1000.0).substr(0, 6).c_str() : "-");
    t += line;
  });
  t += std::to_string(n) + (n == 1 ? " binding\n" : " bindings\n");
  return t;
}

}  // namespace sipedge::cp
