// bench_redis: the Redis location store end to end, with a real redis-server
// started on a free loopback port (no persistence).
//   1. registrations/s through one store: upsert a binding (what the
//      registrar does per REGISTER), flush once per turn of up to 256, count
//      it done when Redis acknowledged it (when its 200 OK would leave);
//   2. replication lag at that rate: write on node A (thread 1) to cache
//      update on node B (thread 2, its own store, up for the whole bench),
//      p50/p99/max;
//   3. the same lag at a fixed, moderate rate;
//   4. Redis memory per binding (INFO used_memory delta / bindings);
//   5. a node joining with those bindings in Redis: its full resync, total
//      time and the longest single poll() (the loop turn it would block).
// Usage: bench_redis [bindings=50000] [moderate_rate=5000]
#include <sys/epoll.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <string>
#include <thread>
#include <vector>

#include "../../tests/unit/store/redis_server.h"
#include "store/redis_store.h"

namespace {

using sipedge::store::Binding;
using sipedge::store::Change;
using sipedge::store::ChangeKind;
using sipedge::store::RedisOptions;
using sipedge::store::RedisStore;
using sipedge::store::Sequence;
using Clock = std::chrono::steady_clock;

std::int64_t now_ns() { return Clock::now().time_since_epoch().count(); }

// A realistic binding: ~40-byte contact, Call-ID, user agent, NAT flag.
Binding make_binding(int run, int i) {
  Binding b;
  b.aor = "user" + std::to_string(run) + "-" + std::to_string(i) + "@example.com";
  b.contact = "sip:user" + std::to_string(i) + "@10.20.30.40:5060;transport=udp";
  b.received = {0xCB007107, static_cast<std::uint16_t>(1024 + i % 60000)};
  b.local = {0xCB00710A, 5060};
  b.registered_at = ::time(nullptr);
  b.expires_at = b.registered_at + 3600;
  b.last_refresh_ms = b.registered_at * 1000;
  b.call_id = "a84b4c76e66710-" + std::to_string(i);
  b.cseq = 1;
  b.user_agent = "Yealink SIP-T46S 66.85.0.5";
  b.nat = true;
  b.nat_bits = 3;
  b.owner = 1;
  return b;
}

void pump(RedisStore& s, int timeout_ms) {
  epoll_event ev;
  ::epoll_wait(s.poll_fd(), &ev, 1, timeout_ms);
  s.poll();
}

std::unique_ptr<RedisStore> open(std::uint16_t port, std::uint32_t node) {
  RedisOptions o;
  o.address = {"127.0.0.1", port};
  o.node_id = node;
  auto s = std::make_unique<RedisStore>(o);
  while (!s->synced()) pump(*s, 10);
  return s;
}

double percentile(std::vector<std::int64_t>& v, double p) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  return static_cast<double>(v[static_cast<std::size_t>(p * static_cast<double>(v.size() - 1))]) / 1e6;
}

// Node B: one store on its own thread for the whole bench, like a node that
// is already up in a running cluster (a reader opened per run would first
// resync everything the earlier runs wrote and pay for that, in its own
// first turns, inside the measurement). For the current run it records when
// each binding reached its cache. Thread-safety: the store lives on the
// reader thread only; runs are handed over through an atomic pointer.
class Reader {
 public:
  struct Run {
    std::string prefix;                           // "user<run>-"
    std::vector<std::atomic<std::int64_t>>* written = nullptr;  // A's upsert time per index
    std::vector<std::int64_t>* lags = nullptr;    // B's cache update minus the upsert time
    std::atomic<int> seen{0};
  };

  explicit Reader(std::uint16_t port) {
    thread_ = std::thread([this, port] {
      auto b = open(port, 2);
      b->subscribe([this](const Change& c) {
        Run* run = run_.load(std::memory_order_acquire);
        if (run == nullptr || c.kind != ChangeKind::added || !c.binding.aor.starts_with(run->prefix)) return;
        const auto i = static_cast<std::size_t>(std::atoi(c.binding.aor.c_str() + run->prefix.size()));
        (*run->lags)[i] = now_ns() - (*run->written)[i].load();
        run->seen.fetch_add(1);
      });
      ready_ = true;
      while (!stop_) pump(*b, 5);
    });
    while (!ready_) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  ~Reader() {
    stop_ = true;
    thread_.join();
  }
  Reader(const Reader&) = delete;
  Reader& operator=(const Reader&) = delete;

  void start(Run* run) { run_.store(run, std::memory_order_release); }
  // Waits until B has seen `count` bindings of the run (at most 120 s), then detaches it.
  void finish(Run& run, int count) {
    const auto deadline = Clock::now() + std::chrono::seconds(120);
    while (run.seen.load() < count && Clock::now() < deadline) std::this_thread::sleep_for(std::chrono::milliseconds(1));
    run_.store(nullptr, std::memory_order_release);
    // The callback may still be inside the run: one more B turn makes sure it left.
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }

 private:
  std::thread thread_;
  std::atomic<Run*> run_{nullptr};
  std::atomic<bool> ready_{false};
  std::atomic<bool> stop_{false};
};

// Writes `count` bindings through A (at `rate` per second, 0 = as fast as
// acknowledgements allow) while B records the lag of each one. Returns the
// write rate achieved (acknowledged per second).
double run(RedisStore& a, Reader& reader, int run_id, int count, int rate, std::vector<std::int64_t>& lags) {
  std::vector<std::atomic<std::int64_t>> written(static_cast<std::size_t>(count));
  lags.assign(static_cast<std::size_t>(count), 0);
  Reader::Run measured;
  measured.prefix = "user" + std::to_string(run_id) + "-";
  measured.written = &written;
  measured.lags = &lags;
  reader.start(&measured);

  constexpr int kPerTurn = 256;  // the loop's kMaxReadsPerTurn
  const auto start = Clock::now();
  int next = 0;
  Sequence last = 0;
  while (next < count || a.durable_sequence() < last) {
    int allowed = count;
    if (rate > 0) {
      const double elapsed = std::chrono::duration<double>(Clock::now() - start).count();
      allowed = std::min(count, static_cast<int>(elapsed * rate) + 1);
    }
    for (int n = 0; n < kPerTurn && next < allowed; ++n, ++next) {
      written[static_cast<std::size_t>(next)] = now_ns();
      last = a.upsert(make_binding(run_id, next));
    }
    if (a.pending() > 0) a.flush();
    pump(a, rate > 0 ? 1 : 0);
  }
  const double seconds = std::chrono::duration<double>(Clock::now() - start).count();
  reader.finish(measured, count);
  lags.resize(static_cast<std::size_t>(measured.seen.load()));
  return count / seconds;
}

// Opens a fresh node and pumps it until its first resync ends; prints the
// longest poll() (time inside the store, not waiting in epoll) on the way.
void measure_resync(std::uint16_t port, std::size_t expected) {
  RedisOptions o;
  o.address = {"127.0.0.1", port};
  o.node_id = 3;
  const auto start = Clock::now();
  RedisStore c(o);
  std::int64_t longest_ns = 0;
  std::size_t polls = 0;
  while (!c.synced() && Clock::now() - start < std::chrono::seconds(120)) {
    epoll_event ev;
    ::epoll_wait(c.poll_fd(), &ev, 1, 10);
    const std::int64_t t0 = now_ns();
    c.poll();
    longest_ns = std::max(longest_ns, now_ns() - t0);
    ++polls;
  }
  const double total_ms = std::chrono::duration<double, std::milli>(Clock::now() - start).count();
  std::printf("resync of a joining node: %zu of %zu bindings in %.0f ms, %zu polls, longest poll %.2f ms\n",
              c.binding_count(), expected, total_ms, polls, static_cast<double>(longest_ns) / 1e6);
}

long long used_memory(const sipedge::store::testing::RedisServer& server) {
  redisReply* r = server.command("INFO memory");
  long long v = -1;
  if (r != nullptr && r->type == REDIS_REPLY_STRING) {
    const std::string text(r->str, r->len);
    const auto at = text.find("used_memory:");
    if (at != std::string::npos) v = std::atoll(text.c_str() + at + 12);
  }
  if (r != nullptr) freeReplyObject(r);
  return v;
}

}  // namespace

int main(int argc, char** argv) {
  const int count = argc > 1 ? std::atoi(argv[1]) : 50000;
  const int moderate = argc > 2 ? std::atoi(argv[2]) : 5000;
  if (!sipedge::store::testing::redis_server_installed()) {
    std::fprintf(stderr, "bench_redis: /usr/bin/redis-server not installed\n");
    return 1;
  }
  sipedge::store::testing::RedisServer server;
  auto a = open(server.port(), 1);
  Reader reader(server.port());
  const long long before = used_memory(server);

  std::vector<std::int64_t> lags;
  const double rate = run(*a, reader, 1, count, 0, lags);
  const long long after = used_memory(server);
  std::printf("registrations/s through one store (acknowledged by Redis): %.0f (%d bindings)\n", rate, count);
  std::printf("replication lag A->B at that rate: p50 %.2f ms, p99 %.2f ms, max %.2f ms (%zu samples)\n",
              percentile(lags, 0.50), percentile(lags, 0.99), percentile(lags, 1.0), lags.size());
  std::printf("redis memory per binding: %.0f bytes (used_memory %+lld over %d bindings)\n",
              static_cast<double>(after - before) / count, after - before, count);
  measure_resync(server.port(), static_cast<std::size_t>(count));

  const int moderate_count = std::min(count, moderate * 2);
  const double got = run(*a, reader, 2, moderate_count, moderate, lags);
  std::printf("replication lag A->B at %d/s (achieved %.0f/s): p50 %.2f ms, p99 %.2f ms, max %.2f ms (%zu samples)\n",
              moderate, got, percentile(lags, 0.50), percentile(lags, 0.99), percentile(lags, 1.0), lags.size());
  return 0;
}
