#include "cp/announce.h"

#include <algorithm>
#include <cmath>
#include <cerrno>
#include <cstdio>
#include <cstring>

#include "cp/api.h"

namespace sipedge::cp {
namespace {

std::int64_t seconds_us(std::uint32_t s) { return std::int64_t{s} * 1'000'000; }

}  // namespace

Announcer::Announcer(const config::Config& config, const ControlPlane& cp, const store::LocationStore& store,
                     BirdClient::Watch watch)
    : config_(config),
      cp_(cp),
      store_(store),
      verdict_(seconds_us(config.announce.hold_down_s)),
      heartbeat_(std::int64_t{config.announce.heartbeat_timeout_ms} * 1000) {
  if (!config.announce.enabled) return;
  if (!guardian_.spawn(config.announce.bird_socket, config.announce.protocol, config.announce.guard_timeout_ms)) {
    guardian_error_ = std::string("cannot fork the guardian: ") + std::strerror(errno);
    std::fprintf(stderr, "sipedge-cp: %s (a killed sipedge-cp will not withdraw the VIP)\n", guardian_error_.c_str());
  }
  bird_ = std::make_unique<BirdClient>(config.announce.bird_socket, config.announce.protocol, std::move(watch));
}

bool Announcer::destinations_enough() const {
  const auto enough = [&](std::string_view set) {
    std::uint32_t up = 0;
    for (const auto& d : cp_.probe().destinations())
      if (d.set_name == set && d.up()) ++up;
    return up >= config_.announce.min_up;
  };
  if (config_.announce.sets.empty()) {
    for (const auto& s : cp_.sets())
      if (!enough(s.name)) return false;
    return true;
  }
  return std::all_of(config_.announce.sets.begin(), config_.announce.sets.end(), enough);
}

void Announcer::sample_arrivals(Now now) {
  const auto& names = cp_.dp_stat_names();
  const auto& values = cp_.dp_stats();
  const auto it = std::find(names.begin(), names.end(), "rx_packets");
  const auto at = static_cast<std::size_t>(it - names.begin());
  if (at >= values.size()) return;
  const std::uint64_t rx = values[at];
  if (last_rx_ && rx >= *last_rx_ && now.mono_us > last_rx_us_)
    arriving_pps_ = static_cast<double>(rx - *last_rx_) * 1e6 / static_cast<double>(now.mono_us - last_rx_us_);
  last_rx_ = rx;
  last_rx_us_ = now.mono_us;
}

void Announcer::tick(Now now) {
  guardian_.heartbeat(now.mono_us);
  // A guardian that died (killed by hand, OOM) leaves a SIGKILL unguarded: a new one, at most once a second.
  if (enabled() && now.mono_us - guardian_checked_us_ >= 1'000'000) {
    guardian_checked_us_ = now.mono_us;
    if (!guardian_.alive()) {
      std::fprintf(stderr, "sipedge-cp: the guardian is gone: starting a new one\n");
      guardian_.spawn(config_.announce.bird_socket, config_.announce.protocol, config_.announce.guard_timeout_ms);
    }
  }
  const bool connected = cp_.dp_connected();
  if (connected != was_connected_) {
    heartbeat_.reset();  // a (re)started dataplane's workers prove themselves again
    last_rx_.reset();
    arriving_pps_ = 0;
    was_connected_ = connected;
  }
  if (cp_.dp_stats_unix_ms() != stats_seen_unix_ms_) {
    stats_seen_unix_ms_ = cp_.dp_stats_unix_ms();
    heartbeat_.on_stats(cp_.dp_stat_names(), cp_.dp_stats(), now.mono_us);
    sample_arrivals(now);
  }
  inputs_ = {.dataplane_connected = connected,
             .workers_polling = connected && heartbeat_.polling(now.mono_us),
             .store_reachable = store_.reachable(),
             .destinations_enough = destinations_enough(),
             .draining = draining_};
  if (verdict_.update(inputs_, now.mono_us) && enabled())
    std::fprintf(stderr, "sipedge-cp: announce: %s the VIP (%.*s)\n", verdict_.announced() ? "announcing" : "withdrawing",
                 static_cast<int>(name(verdict_.reason()).size()), name(verdict_.reason()).data());
  if (bird_) {
    bird_->set_enabled(verdict_.announced(), now.mono_us);
    bird_->tick(now.mono_us);
  }
}

void Announcer::on_bird_events(std::uint32_t events, Now now) {
  if (bird_) bird_->on_events(events, now.mono_us);
}

void Announcer::drain(std::optional<std::uint32_t> grace_s, Now now) {
  draining_ = true;
  drain_started_us_ = now.mono_us;
  drain_until_us_ = now.mono_us + seconds_us(grace_s.value_or(config_.announce.drain_grace_s));
  std::fprintf(stderr, "sipedge-cp: drain: withdrawing the VIP, serving for %lld s more\n",
               static_cast<long long>((drain_until_us_ - now.mono_us) / 1'000'000));
  tick(now);  // withdraw now, not at the next tick
}

void Announcer::undrain(Now now) {
  if (draining_) std::fprintf(stderr, "sipedge-cp: undrain: the VIP returns after the hold-down\n");
  draining_ = false;
  tick(now);
}

std::string Announcer::metrics_text() const {
  std::string t;
  t += "# HELP sipedge_cp_announced 1 while BIRD is told to announce the VIP (node healthy, announce.enabled)\n"
       "# TYPE sipedge_cp_announced gauge\nsipedge_cp_announced " +
       std::string(announced() ? "1" : "0") + "\n";
  t += "# HELP sipedge_cp_announce_transitions_total VIP announcements (reason healthy) and withdrawals, by reason\n"
       "# TYPE sipedge_cp_announce_transitions_total counter\n";
  for (std::size_t i = 0; i < kAnnounceReasonCount; ++i)
    t += "sipedge_cp_announce_transitions_total{reason=\"" + std::string(kAnnounceReasonNames[i]) + "\"} " +
         std::to_string(verdict_.transitions()[i]) + "\n";
  t += "# HELP sipedge_cp_draining 1 while the node drains (sipedgectl drain)\n# TYPE sipedge_cp_draining gauge\n"
       "sipedge_cp_draining " +
       std::string(draining_ ? "1" : "0") + "\n";
  if (bird_) {
    const auto& s = bird_->stats();
    t += "# HELP sipedge_cp_bird_connected 1 while connected to BIRD's control socket\n"
         "# TYPE sipedge_cp_bird_connected gauge\nsipedge_cp_bird_connected " +
         std::string(bird_->connected() ? "1" : "0") + "\n";
    t += "# HELP sipedge_cp_bird_commands_total enable/disable commands sent to BIRD\n"
         "# TYPE sipedge_cp_bird_commands_total counter\nsipedge_cp_bird_commands_total " +
         std::to_string(s.commands) + "\n";
    t += "# HELP sipedge_cp_bird_errors_total BIRD commands refused or unanswered\n"
         "# TYPE sipedge_cp_bird_errors_total counter\nsipedge_cp_bird_errors_total " +
         std::to_string(s.errors) + "\n";
  }
  return t;
}

Json Announcer::status_document(Now now) const {
  Json doc{{"enabled", enabled()},
           {"announced", announced()},
           {"healthy", judge(inputs_) == AnnounceReason::healthy},
           {"reason", name(verdict_.reason())},
           {"hold_down_left_ms", verdict_.hold_down_left_us(now.mono_us) / 1000},
           {"checks",
            {{"dataplane", inputs_.dataplane_connected},
             {"workers", heartbeat_.workers()},
             {"workers_stalled", inputs_.dataplane_connected ? heartbeat_.stalled(now.mono_us) : 0},
             {"store", inputs_.store_reachable},
             {"destinations", inputs_.destinations_enough}}}};
  if (bird_) {
    Json bird{{"connected", bird_->connected()}, {"confirmed", nullptr}};
    if (bird_->confirmed()) bird["confirmed"] = *bird_->confirmed();
    bird["protocol"] = config_.announce.protocol;
    bird["error"] = bird_->last_error();
    doc["bird"] = std::move(bird);
  } else {
    doc["bird"] = nullptr;
  }
  Json transitions = Json::object();
  for (std::size_t i = 0; i < kAnnounceReasonCount; ++i) transitions[kAnnounceReasonNames[i]] = verdict_.transitions()[i];
  doc["transitions"] = std::move(transitions);
  if (draining_) {
    const std::int64_t left = std::max<std::int64_t>(0, drain_until_us_ - now.mono_us);
    doc["drain"] = {{"elapsed_s", (now.mono_us - drain_started_us_) / 1'000'000},
                    {"left_s", (left + 999'999) / 1'000'000},
                    {"arriving_pps", std::round(arriving_pps_ * 10.0) / 10.0},  // one decimal, as documented
                    {"can_stop", left == 0}};
  } else {
    doc["drain"] = nullptr;
  }
  return doc;
}

std::string Announcer::status_json(Now now) const { return dump_json(status_document(now)); }

std::string Announcer::status_text(Now now) const {
  char line[256];
  std::string t;
  if (!enabled())
    t += "announce       off (announce.enabled = false); verdict " + std::string(name(judge(inputs_))) + "\n";
  else {
    std::snprintf(line, sizeof line, "announce       %s (%s)%s\n", announced() ? "ANNOUNCED" : "WITHDRAWN",
                  std::string(name(verdict_.reason())).c_str(),
                  verdict_.hold_down_left_us(now.mono_us) > 0
                      ? (", hold-down " + std::to_string(verdict_.hold_down_left_us(now.mono_us) / 1000) + " ms left").c_str()
                      : "");
    t += line;
    std::snprintf(line, sizeof line, "bird           %s, %s %s%s%s\n", bird_ && bird_->connected() ? "connected" : "NOT CONNECTED",
                  config_.announce.protocol.c_str(),
                  !bird_ || !bird_->confirmed() ? "unconfirmed" : *bird_->confirmed() ? "enabled" : "disabled",
                  bird_ && !bird_->last_error().empty() ? "; " : "", bird_ ? bird_->last_error().c_str() : "");
    t += line;
  }
  if (draining_) {
    const std::int64_t left = std::max<std::int64_t>(0, drain_until_us_ - now.mono_us);
    std::snprintf(line, sizeof line, "drain          %s, %.1f packets/s still arriving\n",
                  left == 0 ? "grace over: the node can stop" : (std::to_string((left + 999'999) / 1'000'000) + " s of grace left").c_str(),
                  arriving_pps_);
    t += line;
  }
  return t;
}

}  // namespace sipedge::cp
