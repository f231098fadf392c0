// REGISTERs per second through the registrar and the SQLite location store,
// flushed in batches the way sipedge-cp does it (one transaction per event
// loop turn; a turn is modelled as `batch` REGISTERs). Each item: format the
// datagram, parse it, handle it (bindings, 200 OK text), and its share of the
// flush. The database lives in /tmp.
//
//   ninja -C /tmp/build-reg bench/registrar/bench_registrar
//   /tmp/build-reg/bench/registrar/bench_registrar --benchmark_repetitions=3 --benchmark_report_aggregates_only=true
#include <benchmark/benchmark.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <memory>
#include <string>

#include "registrar/registrar.h"
#include "sip/message.h"
#include "store/memory_store.h"
#include "store/sqlite_store.h"

namespace sipedge::registrar {
namespace {

constexpr std::int64_t kNowMs = 1'700'000'000'000;

// One REGISTER for user `user` with CSeq `cseq`, into `buffer`.
std::string_view format_register(char* buffer, std::size_t size, std::uint64_t user, std::uint64_t cseq) {
  const int n = std::snprintf(buffer, size,
                              "REGISTER sip:example.com SIP/2.0\r\n"
                              "Via: SIP/2.0/UDP 10.%u.%u.%u:5060;branch=z9hG4bK-%llu-%llu;rport\r\n"
                              "Max-Forwards: 70\r\n"
                              "From: <sip:user%llu@example.com>;tag=f%llu\r\n"
                              "To: <sip:user%llu@example.com>\r\n"
                              "Call-ID: reg-%llu@phone\r\n"
                              "CSeq: %llu REGISTER\r\n"
                              "Contact: <sip:user%llu@10.%u.%u.%u:5060>;expires=600\r\n"
                              "User-Agent: bench-phone/1.0\r\n"
                              "Content-Length: 0\r\n\r\n",
                              static_cast<unsigned>((user >> 16) & 0xFF), static_cast<unsigned>((user >> 8) & 0xFF),
                              static_cast<unsigned>(user & 0xFF), static_cast<unsigned long long>(user),
                              static_cast<unsigned long long>(cseq), static_cast<unsigned long long>(user),
                              static_cast<unsigned long long>(user), static_cast<unsigned long long>(user),
                              static_cast<unsigned long long>(user), static_cast<unsigned long long>(cseq),
                              static_cast<unsigned long long>(user), static_cast<unsigned>((user >> 16) & 0xFF),
                              static_cast<unsigned>((user >> 8) & 0xFF), static_cast<unsigned>(user & 0xFF));
  return {buffer, static_cast<std::size_t>(n)};
}

config::RegistrarConfig bench_config() {
  config::RegistrarConfig c;
  c.domains = {"example.com"};
  return c;
}

struct TempDb {
  std::string path = "/tmp/sipedge-bench-registrar-" + std::to_string(::getpid()) + ".db";
  TempDb() { remove(); }
  ~TempDb() { remove(); }
  void remove() {
    for (const char* suffix : {"", "-wal", "-shm"}) std::filesystem::remove(path + suffix);
  }
};

// `users` phones re-registering in turn (every REGISTER a refresh of an
// existing binding with a higher CSeq), or, with users == 0, every REGISTER
// a new AOR. Flushes every `batch` REGISTERs.
void run(benchmark::State& state, store::LocationStore& store, std::uint64_t users, std::uint64_t batch) {
  Registrar registrar(bench_config(), store, nullptr);
  const Source source{{0xC6336407, 40000}, {0xCB00710A, 5060}, 1, true};
  char buffer[1024];
  sip::Message msg;
  std::uint64_t n = 0;
  // Pre-register the population so the timed loop measures refreshes.
  for (std::uint64_t u = 0; u < users; ++u) {
    msg.parse(format_register(buffer, sizeof buffer, u, 1));
    registrar.handle(msg, source, kNowMs);
    if (u % 1024 == 1023) store.flush();
  }
  store.flush();
  std::uint64_t failures = 0;
  for (auto _ : state) {
    const std::uint64_t user = users == 0 ? n + 1'000'000 : n % users;
    const std::uint64_t cseq = users == 0 ? 1 : 2 + n / users;
    if (msg.parse(format_register(buffer, sizeof buffer, user, cseq)) != sip::ParseError::ok) {
      state.SkipWithError("parse failed");
      break;
    }
    Response r = registrar.handle(msg, source, kNowMs + static_cast<std::int64_t>(n / 64));
    benchmark::DoNotOptimize(r.text.data());
    if (r.status != 200) ++failures;
    if (++n % batch == 0 && !store.flush().ok) ++failures;
  }
  if (!store.flush().ok) ++failures;
  if (failures != 0) state.SkipWithError("REGISTERs failed");
  state.SetItemsProcessed(static_cast<std::int64_t>(n));
  state.counters["bindings"] = static_cast<double>(store.binding_count());
}

void BM_RegisterRefreshSqlite(benchmark::State& state) {
  TempDb db;
  store::SqliteStore store({.path = db.path});
  run(state, store, static_cast<std::uint64_t>(state.range(0)), static_cast<std::uint64_t>(state.range(1)));
}
BENCHMARK(BM_RegisterRefreshSqlite)->Args({10'000, 1})->Args({10'000, 64})->Args({10'000, 256})->UseRealTime();

void BM_RegisterNewSqlite(benchmark::State& state) {
  TempDb db;
  store::SqliteStore store({.path = db.path});
  run(state, store, 0, static_cast<std::uint64_t>(state.range(0)));
}
BENCHMARK(BM_RegisterNewSqlite)->Arg(64)->UseRealTime();

// fsync on every commit (SqliteOptions::synchronous_full).
void BM_RegisterRefreshSqliteFull(benchmark::State& state) {
  TempDb db;
  store::SqliteStore store({.path = db.path, .synchronous_full = true});
  run(state, store, 10'000, static_cast<std::uint64_t>(state.range(0)));
}
BENCHMARK(BM_RegisterRefreshSqliteFull)->Arg(64)->UseRealTime();

// The registrar alone (no disk), for the split of the cost.
void BM_RegisterRefreshMemory(benchmark::State& state) {
  store::MemoryStore store;
  run(state, store, 10'000, 64);
}
BENCHMARK(BM_RegisterRefreshMemory)->UseRealTime();

}  // namespace
}  // namespace sipedge::registrar

BENCHMARK_MAIN();
