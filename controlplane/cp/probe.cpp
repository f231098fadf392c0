#include "cp/probe.h"

#include <algorithm>
#include <charconv>
#include <cstdio>
#include <map>
#include <utility>

namespace sipedge::cp {
namespace {

constexpr char kHex[] = "0123456789abcdef";

void put_hex(std::string& out, std::uint64_t value, int digits) {
  for (int i = digits - 1; i >= 0; --i) out += kHex[(value >> (4 * i)) & 0xF];
}

template <class T>
bool parse_number(std::string_view text, T& out, int base = 10) {
  if (text.empty()) return false;
  const auto [p, ec] = std::from_chars(text.data(), text.data() + text.size(), out, base);
  return ec == std::errc{} && p == text.data() + text.size();
}

std::uint32_t key_of(std::uint16_t set_id, std::uint16_t index) { return (std::uint32_t{set_id} << 16) | index; }

// RFC 3261 503: the server is alive but refuses service (overload, drained).
constexpr std::uint16_t kServiceUnavailable = 503;

}  // namespace

ProbeEngine::ProbeEngine(ProbeOptions options, const std::vector<config::SetConfig>& sets, Counters& counters)
    : options_(std::move(options)), counters_(counters), destinations_(build(sets)) {
  index_keys();
}

ProbeEngine::ProbeEngine(ProbeOptions options, std::vector<DestinationHealth> destinations, Counters& counters)
    : options_(std::move(options)), counters_(counters), destinations_(std::move(destinations)) {
  index_keys();
}

std::vector<DestinationHealth> ProbeEngine::build(const std::vector<config::SetConfig>& sets) {
  std::vector<DestinationHealth> out;
  for (const auto& set : sets) {
    for (std::size_t i = 0; i < set.destinations.size(); ++i) {
      const auto& dc = set.destinations[i];
      DestinationHealth d;
      d.set_name = set.name;
      d.set_id = static_cast<std::uint16_t>(set.id);
      d.index = static_cast<std::uint16_t>(i);
      d.uri = dc.uri;
      d.address = dc.address6 ? store::Endpoint::ipv6(net::Ipv6Addr{*dc.address6}, dc.port)
                              : store::Endpoint{dc.address, dc.port};
      d.enabled = dc.enabled;
      out.push_back(std::move(d));
    }
  }
  return out;
}

void ProbeEngine::index_keys() {
  by_key_.clear();
  for (std::size_t i = 0; i < destinations_.size(); ++i)
    by_key_.emplace(key_of(destinations_[i].set_id, destinations_[i].index), i);
}

SetsChange ProbeEngine::replace_sets(const std::vector<config::SetConfig>& sets, std::int64_t now_us) {
  // A destination is its set's name and its URI: ids and positions may change.
  std::map<std::pair<std::string, std::string>, std::size_t> old;
  for (std::size_t i = 0; i < destinations_.size(); ++i)
    old.emplace(std::make_pair(destinations_[i].set_name, destinations_[i].uri), i);
  std::vector<DestinationHealth> next = build(sets);
  SetsChange change;
  std::vector<DestinationHealth*> fresh;
  for (auto& d : next) {
    const auto it = old.find(std::make_pair(d.set_name, d.uri));
    if (it == old.end()) {
      fresh.push_back(&d);
      continue;
    }
    const DestinationHealth& was = destinations_[it->second];
    old.erase(it);  // a URI listed twice in a set: the second one starts fresh
    ++change.kept;
    d.probe_up = was.probe_up;
    d.admin_down = was.admin_down;
    d.consecutive_failures = was.consecutive_failures;
    d.consecutive_successes = was.consecutive_successes;
    d.last_rtt_us = was.last_rtt_us;
    d.answered_once = was.answered_once;
    d.probes_sent = was.probes_sent;
    d.sequence_ = was.sequence_;
    d.next_us_ = was.next_us_;
    // The reply to a probe in flight names the old (set id, index): it still
    // matches only where neither moved, else it turns stray.
    if (d.set_id == was.set_id && d.index == was.index) {
      d.outstanding_ = was.outstanding_;
      d.sent_us_ = was.sent_us_;
    }
  }
  change.added = fresh.size();
  change.removed = old.size();
  if (started_) {
    const auto n = static_cast<std::int64_t>(std::max<std::size_t>(fresh.size(), 1));
    for (std::int64_t i = 0; i < static_cast<std::int64_t>(fresh.size()); ++i)
      fresh[static_cast<std::size_t>(i)]->next_us_ = now_us + options_.interval_ms * 1000 * i / n;
  }
  destinations_ = std::move(next);
  index_keys();
  return change;
}

void ProbeEngine::reconfigure(ProbeOptions options, std::int64_t now_us) {
  const bool respread = options.interval_ms != options_.interval_ms;
  options_ = std::move(options);
  if (!options_.enabled) {
    started_ = false;  // turned on again: spread from scratch
    for (auto& d : destinations_) {
      d.outstanding_ = false;
      d.probe_up = true;
      d.consecutive_failures = d.consecutive_successes = 0;
    }
    return;
  }
  if (!respread || !started_) return;
  const auto probed = static_cast<std::int64_t>(
      std::count_if(destinations_.begin(), destinations_.end(), [](const auto& d) { return d.enabled; }));
  std::int64_t i = 0;
  for (auto& d : destinations_)
    if (d.enabled) d.next_us_ = now_us + options_.interval_ms * 1000 * i++ / std::max<std::int64_t>(probed, 1);
}

std::vector<store::DestinationState> ProbeEngine::states() const {
  std::vector<store::DestinationState> out;
  out.reserve(destinations_.size());
  for (const auto& d : destinations_) out.push_back({d.set_name, d.uri, d.probe_up, d.admin_down});
  return out;
}

std::size_t ProbeEngine::restore(const std::vector<store::DestinationState>& saved) {
  std::map<std::pair<std::string_view, std::string_view>, const store::DestinationState*> by_name;
  for (const auto& s : saved) by_name.emplace(std::make_pair(std::string_view(s.set_name), std::string_view(s.uri)), &s);
  std::size_t matched = 0;
  for (auto& d : destinations_) {
    const auto it = by_name.find(std::make_pair(std::string_view(d.set_name), std::string_view(d.uri)));
    if (it == by_name.end()) continue;
    ++matched;
    d.probe_up = it->second->probe_up || !options_.enabled;  // no probes: nothing would bring it back
    d.admin_down = it->second->admin_down;
    // Down: successes_up answered probes bring it back, as if it had just gone down.
    d.consecutive_failures = d.probe_up ? 0 : options_.failures_down;
    d.consecutive_successes = 0;
  }
  return matched;
}

std::string ProbeEngine::branch(std::uint16_t set_id, std::uint16_t index, std::uint32_t sequence) {
  std::string b(kProbeBranchPrefix);
  put_hex(b, set_id, 4);
  put_hex(b, index, 4);
  put_hex(b, sequence, 8);
  return b;
}

void ProbeEngine::advance(std::int64_t now_us, ProbeSink& sink) {
  if (!options_.enabled) return;
  const std::int64_t interval_us = options_.interval_ms * 1000;
  if (!started_) {
    started_ = true;
    const auto probed = static_cast<std::int64_t>(
        std::count_if(destinations_.begin(), destinations_.end(), [](const auto& d) { return d.enabled; }));
    std::int64_t i = 0;
    for (auto& d : destinations_)
      if (d.enabled) d.next_us_ = now_us + interval_us * i++ / std::max<std::int64_t>(probed, 1);
  }
  for (auto& d : destinations_) {
    if (!d.enabled) continue;
    if (d.outstanding_ && now_us - d.sent_us_ >= options_.timeout_ms * 1000) {
      d.outstanding_ = false;
      record(d, false, sink);
    }
    if (now_us < d.next_us_) continue;
    // After a stall or clock jump: one probe now, the phase kept.
    d.next_us_ += interval_us * ((now_us - d.next_us_) / interval_us + 1);
    send(d, now_us, sink);
  }
}

void ProbeEngine::send(DestinationHealth& d, std::int64_t now_us, ProbeSink& sink) {
  ++d.sequence_;
  const store::Endpoint& from = options_.source_for(d.address);
  if (!from.has_address()) {
    counters_.add(Counter::probes_unsent);  // no inside address of the destination's family
    return;
  }
  const std::string text = probe_text(d);
  if (!sink.send_probe(from, d.address, text)) {
    counters_.add(Counter::probes_unsent);  // no dataplane: no verdict either way
    return;
  }
  counters_.add(Counter::probes_sent);
  ++d.probes_sent;
  d.outstanding_ = true;
  d.sent_us_ = now_us;
}

bool ProbeEngine::on_reply(const sip::Message& reply, const store::Endpoint& source, std::int64_t now_us,
                           ProbeSink& sink) {
  const auto via = reply.top_via();
  std::uint16_t set_id = 0, index = 0;
  std::uint32_t sequence = 0;
  if (!via || via->branch.size() != kProbeBranchLength || !via->branch.starts_with(kProbeBranchPrefix) ||
      !parse_number(via->branch.substr(kProbeBranchPrefix.size(), 4), set_id, 16) ||
      !parse_number(via->branch.substr(kProbeBranchPrefix.size() + 4, 4), index, 16) ||
      !parse_number(via->branch.substr(kProbeBranchPrefix.size() + 8, 8), sequence, 16)) {
    counters_.add(Counter::probe_stray);
    return false;
  }
  const auto it = by_key_.find(key_of(set_id, index));
  if (it == by_key_.end()) {
    counters_.add(Counter::probe_stray);
    return false;
  }
  DestinationHealth& d = destinations_[it->second];
  const bool from_destination = source.v6 == d.address.v6 && source.ip == d.address.ip && source.ip6 == d.address.ip6;
  if (!d.outstanding_ || d.sequence_ != sequence || !from_destination) {
    counters_.add(Counter::probe_stray);  // late (timed out already), duplicate, or not from the destination
    return false;
  }
  if (reply.status_code() < 200) return false;  // provisional: wait for the final answer or the timeout
  d.outstanding_ = false;
  const bool alive = reply.status_code() != kServiceUnavailable;
  if (alive) {
    const std::int64_t rtt_us = std::max<std::int64_t>(0, now_us - d.sent_us_);
    d.last_rtt_us = static_cast<std::uint32_t>(std::min<std::int64_t>(rtt_us, UINT32_MAX));
    d.answered_once = true;
    ++stats_.rtt_count;
    stats_.rtt_sum_us += static_cast<std::uint64_t>(rtt_us);
    std::size_t b = 0;
    while (b < kRttBucketsMs.size() && rtt_us > std::int64_t{kRttBucketsMs[b]} * 1000) ++b;
    ++stats_.rtt_buckets[b];
  }
  record(d, alive, sink);
  return true;
}

void ProbeEngine::record(DestinationHealth& d, bool alive, ProbeSink& sink) {
  const bool was_up = d.up();
  const bool was_probe_up = d.probe_up;
  if (alive) {
    counters_.add(Counter::probes_answered);
    d.consecutive_failures = 0;
    ++d.consecutive_successes;
    if (!d.probe_up && d.consecutive_successes >= options_.successes_up) d.probe_up = true;
  } else {
    counters_.add(Counter::probes_failed);
    d.consecutive_successes = 0;
    ++d.consecutive_failures;
    if (d.probe_up && d.consecutive_failures >= options_.failures_down) d.probe_up = false;
  }
  if (d.probe_up != was_probe_up) sink.verdict_changed(d);
  changed(d, was_up, "probes", sink);
}

void ProbeEngine::changed(const DestinationHealth& d, bool was_up, const char* why, ProbeSink& sink) {
  if (d.up() == was_up) return;
  counters_.add(d.up() ? Counter::destination_up : Counter::destination_down);
  // A rare event an operator wants in the log.
  std::fprintf(stderr, "probe: set %s destination %u %s is %s (%s)\n", d.set_name.c_str(), d.index, d.uri.c_str(),
               d.up() ? "up" : "down", why);
  sink.state_changed(d);
}

void ProbeEngine::push_all(ProbeSink& sink) const {
  for (const auto& d : destinations_)
    if (d.enabled) sink.state_changed(d);
}

std::vector<std::size_t> ProbeEngine::find(std::string_view which) const {
  std::vector<std::size_t> out;
  if (const auto slash = which.rfind('/'); slash != std::string_view::npos) {
    const std::string_view set = which.substr(0, slash);
    std::uint16_t index = 0, set_id = 0;
    if (!parse_number(which.substr(slash + 1), index)) return out;
    const bool by_id = parse_number(set, set_id);
    for (std::size_t i = 0; i < destinations_.size(); ++i) {
      const auto& d = destinations_[i];
      if (d.index == index && (d.set_name == set || (by_id && d.set_id == set_id))) {
        out.push_back(i);
        break;
      }
    }
    return out;
  }
  if (const auto endpoint = store::parse_endpoint(which)) {
    for (std::size_t i = 0; i < destinations_.size(); ++i)
      if (destinations_[i].address == *endpoint) out.push_back(i);
  }
  return out;
}

AdminResult ProbeEngine::set_admin(std::string_view which, bool down, ProbeSink& sink) {
  const auto found = find(which);
  if (found.empty()) return AdminResult::not_found;
  if (std::none_of(found.begin(), found.end(), [&](std::size_t i) { return destinations_[i].enabled; }))
    return AdminResult::disabled;
  for (std::size_t i : found) {
    DestinationHealth& d = destinations_[i];
    if (!d.enabled) continue;
    const bool was_up = d.up();
    const bool was_down = d.admin_down;
    d.admin_down = down;
    if (was_down != down) sink.verdict_changed(d);
    changed(d, was_up, down ? "operator: set-state down" : "operator: set-state up", sink);
  }
  return AdminResult::ok;
}

std::string ProbeEngine::probe_text(const DestinationHealth& d) const {
  const store::Endpoint& from = options_.source_for(d.address);
  const std::string host = store::host_text(from) + ":" + std::to_string(from.port ? from.port : config::kDefaultSipPort);
  const std::string b = branch(d.set_id, d.index, d.sequence_);
  const std::string tag = b.substr(kProbeBranchPrefix.size());
  std::string t;
  t.reserve(400 + 2 * d.uri.size());
  t += options_.method + " " + d.uri + " SIP/2.0\r\n";
  t += "Via: SIP/2.0/UDP " + host + ";branch=" + b + ";rport\r\n";
  t += "Max-Forwards: 70\r\n";
  t += "From: <sip:" + options_.from_user + "@" + host + ">;tag=" + tag + "\r\n";
  t += "To: <" + d.uri + ">\r\n";
  t += "Call-ID: " + b + "@" + host + "\r\n";
  t += "CSeq: " + std::to_string(d.sequence_) + " " + options_.method + "\r\n";
  t += "User-Agent: sipedge probe\r\n";
  t += "Content-Length: 0\r\n\r\n";
  return t;
}

}  // namespace sipedge::cp
