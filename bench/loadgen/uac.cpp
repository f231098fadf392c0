#include "uac.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <random>

#include "call_key.h"
#include "percentile.h"
#include "report_json.h"
#include "sip_builder.h"
#include "sip_message.h"
#include "timer_wheel.h"
#include "udp_batch.h"

namespace sipedge::loadgen {

namespace {

constexpr std::size_t kBatch = 64;
// Our INVITE is ~600 bytes and a BYE with a few Routes ~500: 1 KiB per call
// keeps a table of 10 s of calls at 20k CPS at 200 MB.
constexpr std::size_t kMaxRequest = 1024;
constexpr std::uint32_t kWheelSlots = 8192;  // ms ticks: 8 s before a deadline laps
constexpr std::int64_t kMs = 1'000'000;
constexpr std::int64_t kIdleWaitNs = 1'000'000;
// New calls placed per loop at most, so a late loop cannot starve receiving.
constexpr std::uint64_t kPlacePerLoop = 256;

enum class CallState : std::uint8_t { kFree, kInviting, kProceeding, kHolding, kByeing };

struct Call {
  std::uint32_t generation = 0;
  CallState state = CallState::kFree;
  std::uint32_t interval_ms = 0;
  std::int64_t invited_ns = 0;
  std::int64_t deadline_ns = 0;  // the current phase's timeout
  std::uint16_t length = 0;
  std::array<char, kMaxRequest> request{};  // INVITE, then BYE: what a retransmission sends
};

std::string sdp_for(std::string_view host) {
  std::string ip(host);
  return "v=0\r\no=loadgen 1 1 IN IP4 " + ip + "\r\ns=-\r\nc=IN IP4 " + ip +
         "\r\nt=0 0\r\nm=audio 6000 RTP/AVP 0\r\na=rtpmap:0 PCMU/8000\r\n";
}

class Uac {
 public:
  Uac(const UacOptions& options, const UdpSocket& socket, std::int64_t start_ns)
      : options_(options),
        socket_(socket),
        local_host_(format_ipv4(options.local)),
        target_text_(format_ipv4(options.target) + ":" + std::to_string(ntohs(options.target.sin_port))),
        sdp_(sdp_for(local_host_)),
        calls_(options.max_outstanding),
        wheel_(options.max_outstanding, kWheelSlots, static_cast<std::uint64_t>(start_ns / kMs)),
        rx_(kBatch),
        tx_(kBatch, socket),
        start_ns_(start_ns) {
    party_.local_host = local_host_;
    party_.local_port = ntohs(options.local.sin_port);
    party_.target = target_text_;
    party_.user = options.user;
    party_.session = options.session;
    party_.sdp = sdp_;
    free_.reserve(calls_.size());
    for (std::uint32_t i = static_cast<std::uint32_t>(calls_.size()); i-- > 0;) free_.push_back(i);
    report_.offered_cps = options.rate;
    report_.calls_offered = options.calls;
    report_.setup_us.reserve(options.calls);
  }

  UacReport run(const std::atomic<bool>& stop) {
    start_ns_ = now_ns();  // pacing starts now, not before the tables were built
    const std::int64_t hard_stop = start_ns_ + static_cast<std::int64_t>(options_.max_seconds) * 1'000'000'000;
    const double ns_per_call = 1e9 / options_.rate;
    std::int64_t now = start_ns_;
    while (!stop.load(std::memory_order_relaxed) && now < hard_stop) {
      const std::size_t received = rx_.receive(socket_);
      now = now_ns();
      for (std::size_t i = 0; i < received; ++i) on_datagram(rx_.datagram(i), now);
      wheel_.advance(static_cast<std::uint64_t>(now / kMs), [&](std::uint32_t slot) { on_timer(slot, now); });
      const std::uint64_t due = calls_due(now, ns_per_call);
      for (std::uint64_t n = 0; report_.placed + report_.failed_table_full < due && n < kPlacePerLoop; ++n) {
        place_call(now);
      }
      tx_.flush();
      if (report_.placed + report_.failed_table_full == options_.calls && active_ == 0) break;
      if (received == 0) {
        const std::uint64_t next = report_.placed + report_.failed_table_full;
        std::int64_t wait = kIdleWaitNs;
        if (next < options_.calls) {
          const auto next_due = start_ns_ + static_cast<std::int64_t>(static_cast<double>(next) * ns_per_call);
          wait = std::min(wait, next_due - now);
        }
        socket_.wait_readable(wait);
      }
    }
    finish(now);
    return std::move(report_);
  }

 private:
  std::uint64_t calls_due(std::int64_t now, double ns_per_call) const {
    const double due = std::floor(static_cast<double>(now - start_ns_) / ns_per_call) + 1;
    return std::min<std::uint64_t>(options_.calls, static_cast<std::uint64_t>(due));
  }

  CallKey key_of(std::uint32_t slot) const { return {slot, calls_[slot].generation}; }

  void send_request(Call& call) { tx_.send_copy({call.request.data(), call.length}, options_.target); }

  void place_call(std::int64_t now) {
    if (free_.empty()) {
      ++report_.failed_table_full;
      ++report_.failed;
      return;
    }
    const std::uint32_t slot = free_.back();
    Call& call = calls_[slot];
    TextWriter w(call.request);
    if (!build_invite(w, party_, key_of(slot))) {
      // The INVITE is fixed text plus the options: if it does not fit, no call will.
      ++report_.failed_table_full;
      ++report_.failed;
      return;
    }
    free_.pop_back();
    ++active_;
    ++report_.placed;
    call.length = static_cast<std::uint16_t>(w.size());
    call.state = CallState::kInviting;
    call.invited_ns = now;
    call.deadline_ns = now + static_cast<std::int64_t>(options_.call_timeout_ms) * kMs;
    call.interval_ms = options_.t1_ms;
    send_request(call);
    schedule(slot, now);
  }

  // The next retransmission or, if sooner, the phase's timeout.
  void schedule(std::uint32_t slot, std::int64_t now) {
    const Call& call = calls_[slot];
    std::int64_t at = call.deadline_ns;
    if (call.state == CallState::kInviting || call.state == CallState::kByeing || call.state == CallState::kHolding) {
      at = std::min(at, now + static_cast<std::int64_t>(call.interval_ms) * kMs);
    }
    wheel_.schedule(slot, static_cast<std::uint64_t>(at / kMs));
  }

  void release(std::uint32_t slot) {
    Call& call = calls_[slot];
    wheel_.cancel(slot);
    call.state = CallState::kFree;
    ++call.generation;
    free_.push_back(slot);
    --active_;
  }

  void fail(std::uint32_t slot, std::uint64_t& reason) {
    ++reason;
    ++report_.failed;
    release(slot);
  }

  void on_datagram(std::string_view bytes, std::int64_t now) {
    ++report_.datagrams_received;
    if (options_.drop_every != 0 && report_.datagrams_received % options_.drop_every == 0) {
      ++report_.dropped_for_test;
      return;
    }
    SipMessage message;
    if (parse_message(bytes, message) != ParseError::kNone) {
      ++report_.parse_errors;
      return;
    }
    const std::optional<CallKey> key = parse_call_id(message.call_id, options_.session);
    if (!message.is_response || !key || key->slot >= calls_.size()) {
      ++report_.foreign_messages;
      return;
    }
    ++report_.responses;
    Call& call = calls_[key->slot];
    if (call.generation != key->generation || call.state == CallState::kFree) {
      ++report_.stale_responses;
      return;
    }
    if (message.cseq_method == "INVITE") {
      on_invite_response(key->slot, message, now);
    } else if (message.cseq_method == "BYE" && message.status >= 200 && call.state == CallState::kByeing) {
      if (message.status < 300) {
        ++report_.successful;
        release(key->slot);
      } else {
        if (report_.first_failure_status == 0) report_.first_failure_status = static_cast<std::uint32_t>(message.status);
        fail(key->slot, report_.failed_non_2xx);
      }
    }
  }

  void on_invite_response(std::uint32_t slot, const SipMessage& response, std::int64_t now) {
    Call& call = calls_[slot];
    const bool setting_up = call.state == CallState::kInviting || call.state == CallState::kProceeding;
    if (response.status < 200) {
      // 17.1.1.2: a provisional response stops the INVITE's retransmissions.
      if (call.state == CallState::kInviting) {
        call.state = CallState::kProceeding;
        schedule(slot, now);
      }
      return;
    }
    if (response.status >= 300) {
      if (!setting_up) return;
      const std::span<char> buffer = tx_.next_buffer();
      TextWriter w(buffer);
      if (build_ack_for_failure(w, party_, key_of(slot), response)) tx_.commit(w.size(), options_.target);
      if (report_.first_failure_status == 0) report_.first_failure_status = static_cast<std::uint32_t>(response.status);
      fail(slot, report_.failed_non_2xx);
      return;
    }
    // A 2xx: ACK it, every time it comes (the UAS retransmits it until ACKed).
    const std::span<char> buffer = tx_.next_buffer();
    TextWriter ack(buffer);
    const bool acked = build_ack_for_2xx(ack, party_, key_of(slot), response);
    if (acked) tx_.commit(ack.size(), options_.target);
    if (!setting_up) {
      ++report_.acks_resent;
      return;
    }
    TextWriter bye(call.request);
    if (!acked || !build_bye(bye, party_, key_of(slot), response)) {
      // A 2xx we cannot follow (no Contact or To tag): the call fails.
      if (report_.first_failure_status == 0) report_.first_failure_status = static_cast<std::uint32_t>(response.status);
      fail(slot, report_.failed_non_2xx);
      return;
    }
    const std::int64_t setup = now - call.invited_ns;
    report_.setup_us.push_back(static_cast<std::uint32_t>(std::min<std::int64_t>(setup / 1000, UINT32_MAX)));
    if (first_setup_ns_ == 0) first_setup_ns_ = now;
    last_setup_ns_ = now;
    call.length = static_cast<std::uint16_t>(bye.size());
    if (options_.hold_ms == 0) {
      start_bye(slot, now);
    } else {
      call.state = CallState::kHolding;
      call.interval_ms = options_.hold_ms;
      call.deadline_ns = now + static_cast<std::int64_t>(options_.hold_ms + options_.call_timeout_ms) * kMs;
      schedule(slot, now);
    }
  }

  void start_bye(std::uint32_t slot, std::int64_t now) {
    Call& call = calls_[slot];
    call.state = CallState::kByeing;
    call.interval_ms = options_.t1_ms;
    call.deadline_ns = now + static_cast<std::int64_t>(options_.call_timeout_ms) * kMs;
    send_request(call);
    schedule(slot, now);
  }

  void on_timer(std::uint32_t slot, std::int64_t now) {
    Call& call = calls_[slot];
    // In whole ticks: the wheel fires a deadline's tick, up to 1 ms early.
    if (now / kMs >= call.deadline_ns / kMs) {
      const bool setting_up = call.state == CallState::kInviting || call.state == CallState::kProceeding;
      fail(slot, setting_up ? report_.failed_setup_timeout : report_.failed_bye_timeout);
      return;
    }
    switch (call.state) {
      case CallState::kInviting:
        ++report_.retransmissions_invite;
        send_request(call);
        call.interval_ms *= 2;  // Timer A doubles without a cap (17.1.1.2)
        break;
      case CallState::kByeing:
        ++report_.retransmissions_bye;
        send_request(call);
        call.interval_ms = std::min(call.interval_ms * 2, options_.t2_ms);  // Timer E (17.1.2.2)
        break;
      case CallState::kHolding:
        start_bye(slot, now);
        return;
      case CallState::kProceeding:
      case CallState::kFree:
        break;
    }
    schedule(slot, now);
  }

  void finish(std::int64_t now) {
    for (std::uint32_t slot = 0; slot < calls_.size(); ++slot) {
      if (calls_[slot].state != CallState::kFree) fail(slot, report_.failed_unfinished);
    }
    report_.seconds = static_cast<double>(now - start_ns_) / 1e9;
    const std::size_t setups = report_.setup_us.size();
    if (setups >= 2 && last_setup_ns_ > first_setup_ns_) {
      report_.achieved_cps = static_cast<double>(setups - 1) * 1e9 / static_cast<double>(last_setup_ns_ - first_setup_ns_);
    }
    std::sort(report_.setup_us.begin(), report_.setup_us.end());
    report_.datagrams_sent = tx_.sent();
    report_.send_errors = tx_.errors();
    report_.truncated = rx_.truncated();
    report_.cpu = process_cpu();
  }

  const UacOptions& options_;
  const UdpSocket& socket_;
  std::string local_host_;
  std::string target_text_;
  std::string sdp_;
  UacParty party_;
  std::vector<Call> calls_;
  std::vector<std::uint32_t> free_;
  TimerWheel wheel_;
  RecvBatch rx_;
  SendBatch tx_;
  std::int64_t start_ns_;
  std::int64_t first_setup_ns_ = 0;
  std::int64_t last_setup_ns_ = 0;
  std::uint32_t active_ = 0;
  UacReport report_;
};

}  // namespace

UacReport run_uac(const UacOptions& options, const std::atomic<bool>& stop, std::string& error) {
  UacOptions effective = options;
  if (effective.session == 0) effective.session = std::random_device{}() | 1u;
  std::optional<UdpSocket> socket = UdpSocket::open(effective.local, error);
  if (!socket) return {};
  effective.local = socket->local();  // the Via and Contact carry the real port
  Uac uac(effective, *socket, now_ns());
  return uac.run(stop);
}

std::string uac_report_json(const UacReport& r) {
  JsonObject out("uac");
  out.number("offered_cps", r.offered_cps);
  out.number("calls_offered", static_cast<double>(r.calls_offered));
  out.number("placed", static_cast<double>(r.placed));
  out.number("successful", static_cast<double>(r.successful));
  out.number("failed", static_cast<double>(r.failed));
  out.number("failed_setup_timeout", static_cast<double>(r.failed_setup_timeout));
  out.number("failed_bye_timeout", static_cast<double>(r.failed_bye_timeout));
  out.number("failed_non_2xx", static_cast<double>(r.failed_non_2xx));
  out.number("failed_table_full", static_cast<double>(r.failed_table_full));
  out.number("failed_unfinished", static_cast<double>(r.failed_unfinished));
  out.number("first_failure_status", r.first_failure_status);
  out.number("retransmissions_invite", static_cast<double>(r.retransmissions_invite));
  out.number("retransmissions_bye", static_cast<double>(r.retransmissions_bye));
  out.number("retransmissions", static_cast<double>(r.retransmissions_invite + r.retransmissions_bye));
  out.number("acks_resent", static_cast<double>(r.acks_resent));
  out.number("responses", static_cast<double>(r.responses));
  out.number("stale_responses", static_cast<double>(r.stale_responses));
  out.number("foreign_messages", static_cast<double>(r.foreign_messages));
  out.number("parse_errors", static_cast<double>(r.parse_errors));
  out.number("dropped_for_test", static_cast<double>(r.dropped_for_test));
  out.number("send_errors", static_cast<double>(r.send_errors));
  out.number("datagrams_sent", static_cast<double>(r.datagrams_sent));
  out.number("datagrams_received", static_cast<double>(r.datagrams_received));
  out.number("truncated", static_cast<double>(r.truncated));
  out.number("seconds", r.seconds);
  out.number("achieved_cps", r.achieved_cps);
  const std::span<const std::uint32_t> setups(r.setup_us);
  static constexpr std::pair<const char*, double> kPercentiles[] = {
      {"setup_ms_p50", 0.50}, {"setup_ms_p90", 0.90}, {"setup_ms_p99", 0.99}};
  for (const auto& [name, q] : kPercentiles) {
    const std::optional<std::uint32_t> us = percentile(setups, q);
    if (us) out.number(name, *us / 1000.0);
    else out.null(name);
  }
  out.number("setup_samples", static_cast<double>(setups.size()));
  out.number("cpu_user_s", r.cpu.user);
  out.number("cpu_system_s", r.cpu.system);
  return out.finish();
}

}  // namespace sipedge::loadgen
