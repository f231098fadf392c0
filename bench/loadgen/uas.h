// The loadgen's UAS: answers every INVITE with 100, 180 and 200 built from
// the request itself (its Vias, Record-Route, From, To, Call-ID, CSeq), as a
// real UAS would, and every BYE with 200. The only state it keeps is the 200s
// not yet ACKed, which it retransmits on Timer G (T1 doubling up to T2) until
// the ACK or 64*T1 (RFC 3261 13.3.1.4); a retransmitted INVITE gets the same
// 200 again. The To tag is a hash of the Call-ID, so answers to retransmitted
// requests agree without a dialog table. Responses go to the request's source
// address (what a stateless proxy in front expects: it routes them on by the
// next Via). One thread, one socket, fixed tables; bounded by max_seconds.
#pragma once

#include <netinet/in.h>

#include <atomic>
#include <cstdint>
#include <string>

#include "clock.h"

namespace sipedge::loadgen {

struct UasOptions {
  sockaddr_in local{};
  std::uint32_t max_seconds = 60;
  std::uint32_t max_unacked = 16384;  // 200s awaiting their ACK
  std::uint32_t t1_ms = 500;
  std::uint32_t t2_ms = 4000;
  bool send_trying = true;            // 100 Trying before the 180
  std::uint32_t drop_every = 0;       // tests: drop every Nth received datagram
};

struct UasReport {
  std::uint64_t invites = 0;                // new INVITEs answered
  std::uint64_t invite_retransmissions = 0; // INVITEs for a 200 not yet ACKed
  std::uint64_t acks = 0;                   // that matched a 200
  std::uint64_t acks_unmatched = 0;         // retransmitted ACKs, or after give-up
  std::uint64_t byes = 0;
  std::uint64_t byes_with_route = 0;        // a Route left in a BYE: the proxy did not pop its own
  std::uint64_t other_requests = 0;         // answered 200 (OPTIONS) or 501
  std::uint64_t responses_received = 0;
  std::uint64_t retransmissions = 0;        // 200s re-sent on Timer G or for an INVITE retransmission
  std::uint64_t ack_timeouts = 0;           // 200s given up after 64*T1
  std::uint64_t unacked_table_full = 0;     // a 200 sent without retransmission state
  std::uint64_t parse_errors = 0;
  std::uint64_t dropped_for_test = 0;
  std::uint64_t send_errors = 0;
  std::uint64_t datagrams_sent = 0;
  std::uint64_t datagrams_received = 0;
  std::uint64_t truncated = 0;
  double seconds = 0;
  CpuSeconds cpu;
};

// Sets `bound_port` (if given) once the socket is bound, so a caller can
// start the UAC after it (and learn the port when it asked for port 0).
UasReport run_uas(const UasOptions& options, const std::atomic<bool>& stop, std::string& error,
                  std::atomic<std::uint16_t>* bound_port = nullptr);

std::string uas_report_json(const UasReport& report);

}  // namespace sipedge::loadgen
