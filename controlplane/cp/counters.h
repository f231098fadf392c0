#pragma once
// The control plane's own counters, declared once: the enum, the Prometheus
// names and the help text come from one table (style habit 3). Single
// writer (the event loop thread); /metrics reads them on that same thread.
#include <array>
#include <cstddef>
#include <cstdint>
#include <string_view>

namespace sipedge::cp {

// clang-format off
// X(enumerator, prometheus name, help)
#define SIPEDGE_CP_COUNTERS(X)                                                                                 \
  X(punts_received,       "sipedge_cp_punts_received_total",        "PUNT messages received from the dataplane") \
  X(punts_bad,            "sipedge_cp_punts_bad_total",             "messages from the dataplane that did not decode or parse") \
  X(punts_ignored,        "sipedge_cp_punts_ignored_total",         "punted packets the control plane has no use for")          \
  X(register_received,    "sipedge_cp_register_received_total",     "REGISTER requests punted")                                 \
  X(register_flood,       "sipedge_cp_register_flood_limited_total", "REGISTERs dropped by the per-source flood limit")         \
  X(register_absorbed,    "sipedge_cp_register_absorbed_total",     "REGISTER refreshes answered by the edge itself (registrar proxy mode)") \
  X(register_forwarded,   "sipedge_cp_register_forwarded_total",    "REGISTERs sent on to the registrar set (registrar proxy mode)") \
  X(register_forward_failed, "sipedge_cp_register_forward_failed_total", "REGISTERs not sent on: no Via, too big, or too many pending") \
  X(register_upstream_relayed, "sipedge_cp_register_upstream_replies_total", "registrar answers relayed to the UA (registrar proxy mode)") \
  X(register_upstream_unmatched, "sipedge_cp_register_upstream_unmatched_total", "registrar answers matching no pending REGISTER (late, or not ours)") \
  X(register_store_500,   "sipedge_cp_register_store_failed_total", "held 200 OKs answered 500 because the store stayed down")  \
  X(lookup_found,         "sipedge_cp_lookup_found_total",          "requests for registered users sent to a binding")          \
  X(lookup_not_found,     "sipedge_cp_lookup_not_found_total",      "requests for local AORs without a binding (404)")          \
  X(lookup_unreachable,   "sipedge_cp_lookup_unreachable_total",    "requests for AORs whose bindings all fail keepalives (480)") \
  X(lookup_too_many_hops, "sipedge_cp_lookup_too_many_hops_total",  "requests for registered users with Max-Forwards 0 (483)")  \
  X(nat_dispatched,       "sipedge_cp_nat_dispatched_total",        "NAT-flagged requests handed back to the fast path unchanged") \
  X(nat_fixed,            "sipedge_cp_nat_fixed_total",             "NAT-flagged requests handed back with received/rport and a Contact alias") \
  X(nat_fix_failed,       "sipedge_cp_nat_fix_failed_total",        "NAT-flagged requests too big or with too many Contacts to fix, handed back unchanged") \
  X(tx_sent,              "sipedge_cp_tx_total",                    "TX messages sent to the dataplane")                        \
  X(tx_dropped,           "sipedge_cp_tx_dropped_total",            "messages for the dataplane dropped (not connected or queue full)") \
  X(punt_connects,        "sipedge_cp_punt_connects_total",         "successful connections to the punt socket")                \
  X(punt_disconnects,     "sipedge_cp_punt_disconnects_total",      "punt socket connections lost")                             \
  X(http_requests,        "sipedge_cp_http_requests_total",         "HTTP requests served")                                     \
  X(http_refused,         "sipedge_cp_http_refused_total",          "HTTP requests answered 4xx/5xx (malformed, too large, unknown path or method)") \
  X(http_forbidden,       "sipedge_cp_http_forbidden_total",        "HTTP requests refused 403 because the client is outside metrics.allow") \
  X(http_unauthorized,    "sipedge_cp_http_unauthorized_total",     "state-changing HTTP requests refused 401: no or a wrong bearer token (metrics.token_file)") \
  X(api_reloads,          "sipedge_cp_api_reloads_total",           "reloads asked for through POST /api/reload")               \
  X(api_unregistered,     "sipedge_cp_api_unregistered_total",      "bindings removed through DELETE /api/registrations/AOR") \
  X(subscriber_added,     "sipedge_cp_subscriber_added_total",      "subscribers added or replaced through POST /api/subscribers") \
  X(subscriber_removed,   "sipedge_cp_subscriber_removed_total",    "subscribers removed through /api/subscribers") \
  X(subscriber_refused,   "sipedge_cp_subscriber_refused_total",    "subscriber API requests refused: bad username, realm, password or HA1, or unknown subscriber") \
  X(subscriber_store_failed, "sipedge_cp_subscriber_store_failed_total", "subscriber writes the SQLite file refused (locked past its busy timeout, I/O error)") \
  X(subscriber_reloads,   "sipedge_cp_subscriber_reloads_total",    "subscriber table re-read on a reload") \
  X(config_reloads,       "sipedge_cp_config_reloads_total",        "re-read configs whose dispatcher sets sipedge-cp took over (reload)") \
  X(config_refused,       "sipedge_cp_config_refused_total",        "reloads refused because the re-read config did not load (file:line in the log)") \
  X(subscriber_reload_failed, "sipedge_cp_subscriber_reload_failed_total", "subscriber table re-reads that failed on a reload (the old copy stays)") \
  X(probes_sent,          "sipedge_cp_probes_sent_total",           "destination probes sent (from the inside address)")         \
  X(probes_answered,      "sipedge_cp_probes_answered_total",       "destination probes answered alive (a final response but 503)") \
  X(probes_failed,        "sipedge_cp_probes_failed_total",         "destination probes unanswered within probe.timeout_ms, or answered 503") \
  X(probes_unsent,        "sipedge_cp_probes_unsent_total",         "destination probes not sent: dataplane not connected (no verdict)") \
  X(probe_stray,          "sipedge_cp_probe_replies_stray_total",   "probe replies matching no outstanding probe (late, duplicate, wrong source)") \
  X(destination_down,     "sipedge_cp_destination_down_total",      "destinations that went down (probes or operator)")         \
  X(destination_up,       "sipedge_cp_destination_up_total",        "destinations that came back up (probes or operator)")      \
  X(state_pushed,         "sipedge_cp_state_pushed_total",          "destination states (STATE) sent to the dataplane") \
  X(destination_state_failed, "sipedge_cp_destination_state_failed_total", "failed reads or writes of the saved destination states (SQLite destination_state)") \
  X(replies_handed_over,  "sipedge_cp_replies_handed_over_total",   "keepalive replies for another node's keepalives passed to it through the store") \
  X(replies_not_handed_over, "sipedge_cp_replies_not_handed_over_total", "keepalive replies for another node that could not be passed on (store down)") \
  X(replies_taken_over,   "sipedge_cp_replies_taken_over_total",    "keepalive replies other nodes received for this node's keepalives")
// clang-format on

enum class Counter : std::uint8_t {
#define SIPEDGE_X(id, name, help) id,
  SIPEDGE_CP_COUNTERS(SIPEDGE_X)
#undef SIPEDGE_X
};

struct CounterInfo {
  std::string_view name;
  std::string_view help;
};

inline constexpr std::array kCounterInfo = {
#define SIPEDGE_X(id, name, help) CounterInfo{name, help},
    SIPEDGE_CP_COUNTERS(SIPEDGE_X)
#undef SIPEDGE_X
};
inline constexpr std::size_t kCounterCount = kCounterInfo.size();

class Counters {
 public:
  void add(Counter c, std::uint64_t n = 1) noexcept { values_[static_cast<std::size_t>(c)] += n; }
  std::uint64_t get(Counter c) const noexcept { return values_[static_cast<std::size_t>(c)]; }
  std::uint64_t at(std::size_t i) const noexcept { return values_[i]; }

 private:
  std::array<std::uint64_t, kCounterCount> values_{};
};

}  // namespace sipedge::cp
