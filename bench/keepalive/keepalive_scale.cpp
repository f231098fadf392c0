// bench_keepalive_scale: the NAT keepalive engine at carrier scale, in process.
//
// Registers N NAT-flagged bindings (default 1,000,000) with a KeepaliveEngine
// using OPTIONS every `interval` seconds, then plays one whole interval of
// virtual time in 100 ms ticks, as sipedge-cp's loop does. Every OPTIONS is
// encoded as a punt TX message and really sent over a SOCK_SEQPACKET
// socketpair (a drain thread plays the dataplane), and every one is answered:
// the answer is parsed and matched by on_reply(), as a punted reply is.
//
// Printed: memory per binding (heap growth while adding, from mallinfo2),
// sends per second, and the control-plane thread's CPU over the interval
// (CLOCK_THREAD_CPUTIME_ID: the drain thread and building the phones' answers
// are excluded; encoding, send(), parsing the answer and matching are in).
// CPU share = thread CPU seconds / interval seconds.
//
//   bench_keepalive_scale [--bindings N] [--interval S]
//
// Bounded: one interval of virtual time, N sends; exits by itself.
#include <malloc.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "cp/keepalive.h"
#include "punt/message.h"
#include "sip/message.h"

namespace {

using sipedge::cp::KeepaliveEngine;
using sipedge::store::Endpoint;

std::int64_t thread_cpu_ns() {
  timespec ts{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<std::int64_t>(ts.tv_sec) * 1'000'000'000 + ts.tv_nsec;
}

std::size_t heap_in_use() {
  const struct mallinfo2 mi = mallinfo2();
  return mi.uordblks + mi.hblkhd;
}

// The phone's 200 OK to one of our OPTIONS (built outside the timed region).
std::string answer(std::string_view options) {
  sipedge::sip::Message req;
  if (req.parse(options) != sipedge::sip::ParseError::ok) return {};
  std::string t = "SIP/2.0 200 OK\r\nVia: ";
  t.append(req.value(sipedge::sip::HeaderId::via)).append(";received=203.0.113.7\r\nFrom: ");
  t.append(req.value(sipedge::sip::HeaderId::from)).append("\r\nTo: ");
  t.append(req.value(sipedge::sip::HeaderId::to)).append(";tag=ph\r\nCall-ID: ");
  t.append(req.call_id()).append("\r\nCSeq: ");
  t.append(req.value(sipedge::sip::HeaderId::cseq)).append("\r\nContent-Length: 0\r\n\r\n");
  return t;
}

class SocketSink final : public sipedge::cp::KeepaliveSink {
 public:
  explicit SocketSink(int fd) : fd_(fd) {}
  void send(const Endpoint& from, const Endpoint& to, std::string_view bytes) override {
    sipedge::punt::Header h{.type = sipedge::punt::MessageType::Tx,
                            .src_ipv4 = from.ip,
                            .dst_ipv4 = to.ip,
                            .src_port = from.port,
                            .dst_port = to.port};
    std::size_t n = 0;
    if (sipedge::punt::encode(h, sipedge::punt::as_bytes(bytes), buffer_, n) != sipedge::punt::PuntError::Ok ||
        ::send(fd_, buffer_, n, 0) != static_cast<ssize_t>(n)) {
      ++send_errors;
      return;
    }
    pending.emplace_back(bytes);  // copied so the phone can answer after the tick
    ++sent;
  }
  void missed(std::string_view, std::string_view, std::uint32_t) override { ++missed_count; }
  void failed(std::string_view, std::string_view) override { ++failed_count; }

  std::vector<std::string> pending;
  std::uint64_t sent = 0, send_errors = 0, missed_count = 0, failed_count = 0;

 private:
  int fd_;
  std::uint8_t buffer_[70000];
};

}  // namespace

int main(int argc, char** argv) {
  std::size_t bindings = 1'000'000;
  std::int64_t interval_s = 30;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string_view arg = argv[i];
    if (arg == "--bindings") bindings = std::strtoull(argv[i + 1], nullptr, 10);
    else if (arg == "--interval") interval_s = std::strtoll(argv[i + 1], nullptr, 10);
    else {
      std::fprintf(stderr, "usage: bench_keepalive_scale [--bindings N] [--interval S]\n");
      return 2;
    }
  }
  if (bindings == 0 || interval_s < 1) return 2;

  int fds[2];
  if (socketpair(AF_UNIX, SOCK_SEQPACKET, 0, fds) != 0) {
    std::perror("socketpair");
    return 1;
  }
  std::atomic<std::uint64_t> drained{0};
  std::thread drain([&] {
    std::vector<std::uint8_t> rx(70000);
    while (true) {
      const ssize_t n = ::recv(fds[1], rx.data(), rx.size(), 0);
      if (n <= 0) break;
      drained.fetch_add(1, std::memory_order_relaxed);
    }
  });

  const Endpoint vip{0xCB007101, 5060};  // 203.0.113.1
  KeepaliveEngine engine({.method = sipedge::config::KeepaliveMethod::kOptions,
                          .interval_ms = interval_s * 1000,
                          .failures = 3,
                          .vip = vip});

  const std::size_t heap_before = heap_in_use();
  const std::int64_t add_start = thread_cpu_ns();
  {
    sipedge::store::Binding b;
    b.nat = true;
    b.local = vip;
    for (std::size_t i = 0; i < bindings; ++i) {
      b.aor = "u" + std::to_string(i) + "@example.com";
      b.contact = "sip:u" + std::to_string(i) + "@10." + std::to_string((i >> 16) & 255) + "." +
                  std::to_string((i >> 8) & 255) + "." + std::to_string(i & 255) + ":5060";
      b.received = {0xC6336400u | static_cast<std::uint32_t>(i & 0xFF), static_cast<std::uint16_t>(1024 + (i >> 8) % 60000)};
      engine.add(b);
    }
  }
  const std::int64_t add_ns = thread_cpu_ns() - add_start;
  const std::size_t heap_after = heap_in_use();

  SocketSink sink(fds[0]);
  sipedge::sip::Message reply;
  sipedge::cp::ReplyMatch match;
  std::uint64_t answered = 0;
  std::int64_t busy_ns = 0;
  const std::int64_t start_us = 1'000'000'000;  // any monotonic origin
  // Tick 0 primes the wheel; then one full interval of ticks.
  engine.advance(start_us, sink);
  const std::uint64_t sent_before = sink.sent;
  const std::int64_t ticks = interval_s * 1000 / sipedge::cp::kTickMs;
  std::vector<std::string> answers;
  for (std::int64_t t = 1; t <= ticks; ++t) {
    const std::int64_t now_us = start_us + t * sipedge::cp::kTickMs * 1000;
    answers.clear();  // the phones answer what the previous tick sent (not our CPU)
    for (const auto& o : sink.pending) answers.push_back(answer(o));
    sink.pending.clear();

    const std::int64_t c0 = thread_cpu_ns();
    for (const auto& a : answers) {
      if (reply.parse(a) != sipedge::sip::ParseError::ok) continue;
      if (engine.on_reply(reply, now_us, 0, match)) ++answered;
    }
    engine.advance(now_us, sink);
    busy_ns += thread_cpu_ns() - c0;
  }
  {
    answers.clear();  // the phones answer (not our CPU)
    for (const auto& o : sink.pending) answers.push_back(answer(o));
    sink.pending.clear();

    const std::int64_t c0 = thread_cpu_ns();
    for (const auto& a : answers) {
      if (reply.parse(a) != sipedge::sip::ParseError::ok) continue;
      if (engine.on_reply(reply, start_us + (ticks + 1) * sipedge::cp::kTickMs * 1000, 0, match)) ++answered;
    }
    busy_ns += thread_cpu_ns() - c0;
  }
  const std::uint64_t sent = sink.sent - sent_before;
  ::shutdown(fds[0], SHUT_WR);
  drain.join();

  const double per_binding = static_cast<double>(heap_after - heap_before) / static_cast<double>(bindings);
  const double cpu_s = static_cast<double>(busy_ns) / 1e9;
  std::printf("bindings              %zu (NAT-flagged, OPTIONS every %lld s)\n", bindings,
              static_cast<long long>(interval_s));
  std::printf("memory per binding    %.0f B (keepalive engine heap)\n", per_binding);
  std::printf("add                   %.2f us per binding\n", static_cast<double>(add_ns) / 1e3 / static_cast<double>(bindings));
  std::printf("sent in one interval  %llu (send errors %llu); answered and matched %llu of %llu sent in all, missed %llu\n",
              static_cast<unsigned long long>(sent), static_cast<unsigned long long>(sink.send_errors),
              static_cast<unsigned long long>(answered), static_cast<unsigned long long>(sink.sent),
              static_cast<unsigned long long>(sink.missed_count));
  std::printf("sends per second      %.0f\n", static_cast<double>(sent) / static_cast<double>(interval_s));
  std::printf("cp thread CPU         %.3f s per %lld s interval = %.1f%% of one core (%.2f us per keepalive incl. its answer)\n",
              cpu_s, static_cast<long long>(interval_s), 100.0 * cpu_s / static_cast<double>(interval_s),
              static_cast<double>(busy_ns) / 1e3 / static_cast<double>(sent ? sent : 1));
  std::printf("dataplane side drained %llu messages\n", static_cast<unsigned long long>(drained.load()));
  return sent == bindings && answered == sink.sent && sink.missed_count == 0 ? 0 : 1;
}
