// The loadgen's UAC: places calls at an offered rate, each a new Call-ID,
// and drives each through INVITE -> (1xx) -> 200 -> ACK -> [hold] -> BYE ->
// 200, retransmitting INVITE and BYE on RFC 3261 timers (A: T1 doubling;
// E: T1 doubling up to T2) and re-sending the ACK for each retransmitted
// 200. One thread, one socket; a fixed call table indexed by the Call-ID's
// slot (call_key.h) and a timing wheel; nothing allocated once it runs.
// Bounded: it stops after `calls` calls or `max_seconds`, whichever first.
#pragma once

#include <netinet/in.h>

#include <atomic>
#include <cstdint>
#include <string>
#include <vector>

#include "clock.h"

namespace sipedge::loadgen {

struct UacOptions {
  sockaddr_in local{};
  sockaddr_in target{};       // where every request goes (the edge's VIP)
  std::string user = "service";
  double rate = 100;          // offered calls per second
  std::uint64_t calls = 1000;
  std::uint32_t hold_ms = 0;  // between ACK and BYE
  std::uint32_t call_timeout_ms = 8000;  // INVITE -> 200, and again BYE -> 200
  std::uint32_t max_seconds = 60;
  std::uint32_t max_outstanding = 32768;  // call table size
  std::uint32_t t1_ms = 500;
  std::uint32_t t2_ms = 4000;
  std::uint32_t drop_every = 0;  // tests: drop every Nth received datagram
  std::uint32_t session = 0;     // 0: random
};

struct UacReport {
  double offered_cps = 0;
  std::uint64_t calls_offered = 0;
  std::uint64_t placed = 0;        // INVITEs sent (first transmissions)
  std::uint64_t successful = 0;    // BYE answered 2xx
  std::uint64_t failed = 0;        // the sum of the failed_* below
  std::uint64_t failed_setup_timeout = 0;
  std::uint64_t failed_bye_timeout = 0;
  std::uint64_t failed_non_2xx = 0;
  std::uint64_t failed_table_full = 0;  // no free call slot when due: the generator's limit
  std::uint64_t failed_unfinished = 0;  // still running at max_seconds or on a stop signal
  std::uint32_t first_failure_status = 0;
  std::uint64_t retransmissions_invite = 0;
  std::uint64_t retransmissions_bye = 0;
  std::uint64_t acks_resent = 0;        // for retransmitted 200s
  std::uint64_t responses = 0;
  std::uint64_t stale_responses = 0;    // for calls already finished
  std::uint64_t foreign_messages = 0;   // not our Call-IDs, or requests
  std::uint64_t parse_errors = 0;
  std::uint64_t dropped_for_test = 0;
  std::uint64_t send_errors = 0;
  std::uint64_t datagrams_sent = 0;
  std::uint64_t datagrams_received = 0;
  std::uint64_t truncated = 0;
  double seconds = 0;               // wall time of the run
  double achieved_cps = 0;          // 200s to INVITE per second, between the first and the last
  std::vector<std::uint32_t> setup_us;  // INVITE (first transmission) -> 200, per successful setup
  CpuSeconds cpu;
};

// Runs until done, `max_seconds`, or `stop` becomes true. Errors opening the
// socket come back in `error` (and an empty report).
UacReport run_uac(const UacOptions& options, const std::atomic<bool>& stop, std::string& error);

std::string uac_report_json(const UacReport& report);

}  // namespace sipedge::loadgen
