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

Json optional_number(const std::optional<std::uint64_t>& v) { return v ? Json(*v) : Json(nullptr); }

}  // namespace

std::optional<std::string> operator_aor(std::string_view text) {
  if (text.empty()) return std::nullopt;
  if (text.starts_with("sip:") || text.starts_with("sips:")) return registrar::normalize_aor(text);
  return registrar::normalize_aor("sip:" + std::string(text));
}

std::string stats_json(const ApiView& v) {
  const ControlPlane& cp = v.cp;
  const std::int64_t end = history_end(v);
  const auto cur = cp.history().at(end);
  Json doc{{"time", v.now.unix_ms / 1000},
           {"node", v.config.node.name},
           {"dataplane",
            {{"connected", cp.dp_connected()},
             {"generation", cp.dataplane_generation()},
             {"stats_age_ms", cp.dp_stats_unix_ms() ? Json(v.now.unix_ms - cp.dp_stats_unix_ms()) : Json(nullptr)}}},
           {"cps", optional_number(cur ? std::optional(cur->calls) : std::nullopt)},
           {"cps_breaches", optional_number(cur ? std::optional(cur->breaches) : std::nullopt)}};

  Json cps = Json::array(), cps_breaches = Json::array();
  for (const auto& second : cp.history().series(end)) {
    cps.push_back(optional_number(second ? std::optional(second->calls) : std::nullopt));
    cps_breaches.push_back(optional_number(second ? std::optional(second->breaches) : std::nullopt));
  }
  doc["history"] = {{"end", end}, {"seconds", kHistorySeconds}, {"cps", std::move(cps)}, {"cps_breaches", std::move(cps_breaches)}};

  const auto& names = cp.dp_stat_names();
  const auto& values = cp.dp_stats();
  Json counters = Json::object(), drops = Json::object();
  for (std::size_t i = 0; i < values.size(); ++i) counters[i < names.size() ? names[i] : "stat_" + u64(i)] = values[i];
  for (std::size_t i = 0; i < values.size() && i < names.size(); ++i)
    if (const auto reason = drop_reason(names[i]); !reason.empty()) drops[reason] = values[i];
  doc["counters"] = std::move(counters);
  doc["drops"] = std::move(drops);

  Json dests = Json::array();
  for (const auto& d : destinations(v))
    dests.push_back({{"set", d.set}, {"index", d.index}, {"uri", d.uri}, {"requests", optional_number(d.requests)}});
  doc["destinations"] = std::move(dests);
  doc["registrations"] = {{"bindings", v.store.binding_count()}, {"aors", v.store.aor_count()}, {"held", cp.held()}};

  const auto& ks = cp.keepalive().stats();
  doc["keepalive"] = {{"bindings", cp.keepalive().size()},
                      {"sent", ks.sent},
                      {"answered", ks.answered},
                      {"failed", ks.failed},
                      {"removed", ks.removed},
                      {"rtt_sum_us", ks.rtt_sum_us},
                      {"rtt_buckets_ms", kRttBucketsMs},
                      {"rtt_counts", ks.rtt_buckets}};  // per bucket (not cumulative); the last is above the largest bound
  doc["punt_queue"] = v.punt_queue;
  if (v.announce) doc["announce"] = v.announce->status_document(v.now);
  Json cp_counters = Json::object();
  for (std::size_t i = 0; i < kCounterCount; ++i) cp_counters[std::string(kCounterInfo[i].name)] = cp.counters().at(i);
  doc["cp"] = std::move(cp_counters);
  return dump_json(doc) + "\n";
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
  Json list = Json::array();
  v.store.for_each([&](const store::Binding& b) {
    if (aor && b.aor != *aor) return;
    list.push_back({{"aor", b.aor},
                    {"contact", b.contact},
                    {"received", store::to_string(b.received)},
                    {"local", store::to_string(b.local)},  // the VIP it registered to ("[v6]:port" for IPv6)
                    {"expires", b.remaining(now_s)},
                    {"nat", b.nat},
                    {"owner", b.owner},  // node.id that accepted the latest REGISTER
                    {"rtt_us", b.keepalive.last_rtt_us},
                    {"keepalive_failures", b.keepalive.consecutive_failures},
                    {"user_agent", b.user_agent}});
  });
  return dump_json(list) + "\n";
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
