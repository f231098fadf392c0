#include "uas.h"

#include <algorithm>
#include <array>
#include <cstdio>
#include <vector>

#include "report_json.h"
#include "sip_builder.h"
#include "sip_message.h"
#include "timer_wheel.h"
#include "udp_batch.h"

namespace sipedge::loadgen {

namespace {

constexpr std::size_t kBatch = 64;
constexpr std::uint32_t kWheelSlots = 8192;
constexpr std::int64_t kMs = 1'000'000;
constexpr std::int64_t kIdleWaitNs = 1'000'000;
constexpr std::uint32_t kNone = UINT32_MAX;

// FNV-1a: the Call-ID's hash keys the unACKed table and makes the To tag.
std::uint64_t hash_call_id(std::string_view call_id) {
  std::uint64_t h = 1469598103934665603ull;
  for (const char c : call_id) {
    h ^= static_cast<unsigned char>(c);
    h *= 1099511628211ull;
  }
  return h;
}

// A 200 OK to an INVITE, kept until its ACK for Timer G.
struct Unacked {
  std::uint64_t call_hash = 0;
  std::uint32_t next = kNone;  // bucket chain
  std::uint32_t interval_ms = 0;
  std::int64_t give_up_ns = 0;
  sockaddr_in peer{};
  std::uint16_t length = 0;
  std::array<char, kMaxDatagram> response{};
};

class Uas {
 public:
  Uas(const UasOptions& options, const UdpSocket& socket, std::int64_t start_ns)
      : options_(options),
        socket_(socket),
        contact_("sip:" + format_ipv4(options.local) + ":" + std::to_string(ntohs(options.local.sin_port))),
        sdp_("v=0\r\no=loadgen 1 1 IN IP4 " + format_ipv4(options.local) + "\r\ns=-\r\nc=IN IP4 " +
             format_ipv4(options.local) + "\r\nt=0 0\r\nm=audio 6000 RTP/AVP 0\r\na=rtpmap:0 PCMU/8000\r\n"),
        unacked_(options.max_unacked),
        buckets_(bucket_count(options.max_unacked), kNone),
        wheel_(options.max_unacked, kWheelSlots, static_cast<std::uint64_t>(start_ns / kMs)),
        rx_(kBatch),
        tx_(kBatch, socket),
        start_ns_(start_ns) {
    party_.contact_uri = contact_;
    party_.sdp = sdp_;
    free_.reserve(unacked_.size());
    for (std::uint32_t i = static_cast<std::uint32_t>(unacked_.size()); i-- > 0;) free_.push_back(i);
  }

  UasReport run(const std::atomic<bool>& stop) {
    const std::int64_t hard_stop = start_ns_ + static_cast<std::int64_t>(options_.max_seconds) * 1'000'000'000;
    std::int64_t now = start_ns_;
    while (!stop.load(std::memory_order_relaxed) && now < hard_stop) {
      const std::size_t received = rx_.receive(socket_);
      now = now_ns();
      for (std::size_t i = 0; i < received; ++i) on_datagram(rx_.datagram(i), rx_.peer(i), now);
      wheel_.advance(static_cast<std::uint64_t>(now / kMs), [&](std::uint32_t id) { on_timer(id, now); });
      tx_.flush();
      if (received == 0) socket_.wait_readable(kIdleWaitNs);
    }
    report_.seconds = static_cast<double>(now - start_ns_) / 1e9;
    report_.datagrams_sent = tx_.sent();
    report_.send_errors = tx_.errors();
    report_.truncated = rx_.truncated();
    report_.cpu = process_cpu();
    return report_;
  }

 private:
  static std::size_t bucket_count(std::uint32_t entries) {
    std::size_t n = 1;
    while (n < 2 * static_cast<std::size_t>(entries)) n <<= 1;
    return n;
  }
  std::uint32_t& bucket(std::uint64_t call_hash) { return buckets_[call_hash & (buckets_.size() - 1)]; }

  std::uint32_t find(std::uint64_t call_hash) {
    for (std::uint32_t i = bucket(call_hash); i != kNone; i = unacked_[i].next) {
      if (unacked_[i].call_hash == call_hash) return i;
    }
    return kNone;
  }

  void remove(std::uint32_t id) {
    std::uint32_t* link = &bucket(unacked_[id].call_hash);
    while (*link != id) link = &unacked_[*link].next;
    *link = unacked_[id].next;
    wheel_.cancel(id);
    free_.push_back(id);
  }

  bool respond(const SipMessage& request, const sockaddr_in& peer, std::uint32_t code, std::string_view reason,
               std::string_view to_tag, std::string_view* sent = nullptr) {
    const std::span<char> buffer = tx_.next_buffer();
    TextWriter w(buffer);
    if (!build_response(w, request, code, reason, to_tag, party_)) return false;
    tx_.commit(w.size(), peer);
    if (sent) *sent = w.text();
    return true;
  }

  void on_datagram(std::string_view bytes, const sockaddr_in& peer, std::int64_t now) {
    ++report_.datagrams_received;
    if (options_.drop_every != 0 && report_.datagrams_received % options_.drop_every == 0) {
      ++report_.dropped_for_test;
      return;
    }
    SipMessage request;
    if (parse_message(bytes, request) != ParseError::kNone) {
      ++report_.parse_errors;
      return;
    }
    if (request.is_response) {
      ++report_.responses_received;
      return;
    }
    const std::uint64_t call_hash = hash_call_id(request.call_id);
    if (request.method == "INVITE") {
      on_invite(request, peer, call_hash, now);
    } else if (request.method == "ACK") {
      const std::uint32_t id = find(call_hash);
      if (id != kNone) {
        ++report_.acks;
        remove(id);
      } else {
        ++report_.acks_unmatched;
      }
    } else if (request.method == "BYE") {
      ++report_.byes;
      if (request.routes > 0) ++report_.byes_with_route;
      respond(request, peer, 200, "OK", {});
    } else {
      ++report_.other_requests;
      if (request.method == "OPTIONS") respond(request, peer, 200, "OK", {});
      else respond(request, peer, 501, "Not Implemented", {});
    }
  }

  void on_invite(const SipMessage& request, const sockaddr_in& peer, std::uint64_t call_hash, std::int64_t now) {
    const std::uint32_t pending = find(call_hash);
    if (pending != kNone) {
      // 13.3.1.4: the INVITE came again before our ACK: the same 200 again.
      ++report_.invite_retransmissions;
      ++report_.retransmissions;
      Unacked& entry = unacked_[pending];
      entry.peer = peer;
      tx_.send_copy({entry.response.data(), entry.length}, entry.peer);
      return;
    }
    ++report_.invites;
    char tag_text[16];
    TextWriter tag(tag_text);
    tag.hex(call_hash);
    if (options_.send_trying) respond(request, peer, 100, "Trying", {});
    respond(request, peer, 180, "Ringing", tag.text());
    std::string_view ok;
    if (!respond(request, peer, 200, "OK", tag.text(), &ok)) return;
    if (free_.empty()) {
      ++report_.unacked_table_full;
      return;
    }
    const std::uint32_t id = free_.back();
    free_.pop_back();
    Unacked& entry = unacked_[id];
    entry.call_hash = call_hash;
    entry.interval_ms = options_.t1_ms;
    entry.give_up_ns = now + 64 * static_cast<std::int64_t>(options_.t1_ms) * kMs;  // Timer H
    entry.peer = peer;
    entry.length = static_cast<std::uint16_t>(ok.size());
    std::copy(ok.begin(), ok.end(), entry.response.begin());
    std::uint32_t& head = bucket(call_hash);
    entry.next = head;
    head = id;
    wheel_.schedule(id, static_cast<std::uint64_t>((now + entry.interval_ms * kMs) / kMs));
  }

  void on_timer(std::uint32_t id, std::int64_t now) {
    Unacked& entry = unacked_[id];
    if (now >= entry.give_up_ns) {
      ++report_.ack_timeouts;
      remove(id);
      return;
    }
    ++report_.retransmissions;
    tx_.send_copy({entry.response.data(), entry.length}, entry.peer);
    entry.interval_ms = std::min(entry.interval_ms * 2, options_.t2_ms);  // Timer G
    wheel_.schedule(id, static_cast<std::uint64_t>((now + entry.interval_ms * kMs) / kMs));
  }

  const UasOptions& options_;
  const UdpSocket& socket_;
  std::string contact_;
  std::string sdp_;
  UasParty party_;
  std::vector<Unacked> unacked_;
  std::vector<std::uint32_t> buckets_;
  std::vector<std::uint32_t> free_;
  TimerWheel wheel_;
  RecvBatch rx_;
  SendBatch tx_;
  std::int64_t start_ns_;
  UasReport report_;
};

}  // namespace

UasReport run_uas(const UasOptions& options, const std::atomic<bool>& stop, std::string& error,
                  std::atomic<std::uint16_t>* bound_port) {
  std::optional<UdpSocket> socket = UdpSocket::open(options.local, error);
  if (!socket) return {};
  UasOptions effective = options;
  effective.local = socket->local();  // the Contact carries the real port
  if (bound_port) bound_port->store(ntohs(effective.local.sin_port));
  // Scripts start the UAC once they see this line.
  std::fprintf(stderr, "loadgen uas: listening on %s:%u\n", format_ipv4(effective.local).c_str(),
               static_cast<unsigned>(ntohs(effective.local.sin_port)));
  Uas uas(effective, *socket, now_ns());
  return uas.run(stop);
}

std::string uas_report_json(const UasReport& r) {
  JsonObject out("uas");
  out.number("invites", static_cast<double>(r.invites));
  out.number("invite_retransmissions", static_cast<double>(r.invite_retransmissions));
  out.number("acks", static_cast<double>(r.acks));
  out.number("acks_unmatched", static_cast<double>(r.acks_unmatched));
  out.number("byes", static_cast<double>(r.byes));
  out.number("byes_with_route", static_cast<double>(r.byes_with_route));
  out.number("other_requests", static_cast<double>(r.other_requests));
  out.number("responses_received", static_cast<double>(r.responses_received));
  out.number("retransmissions", static_cast<double>(r.retransmissions));
  out.number("ack_timeouts", static_cast<double>(r.ack_timeouts));
  out.number("unacked_table_full", static_cast<double>(r.unacked_table_full));
  out.number("parse_errors", static_cast<double>(r.parse_errors));
  out.number("dropped_for_test", static_cast<double>(r.dropped_for_test));
  out.number("send_errors", static_cast<double>(r.send_errors));
  out.number("datagrams_sent", static_cast<double>(r.datagrams_sent));
  out.number("datagrams_received", static_cast<double>(r.datagrams_received));
  out.number("truncated", static_cast<double>(r.truncated));
  out.number("seconds", r.seconds);
  out.number("cpu_user_s", r.cpu.user);
  out.number("cpu_system_s", r.cpu.system);
  return out.finish();
}

}  // namespace sipedge::loadgen
