// Per-request cost of the CPS check and its parts.
#include <benchmark/benchmark.h>

#include <vector>

#include "dispatch/fast_random.h"
#include "limit/cps_limiter.h"

namespace sipedge::limit {
namespace {

constexpr std::uint64_t kNs = 1'000'000'000;

void BM_TokenBucket(benchmark::State& state) {
  BucketConfig config;
  (void)make_bucket_config(1'000'000, 1000, kNs, config);
  BucketState bucket = full_bucket(config, 0);
  std::uint64_t now = 0;
  for (auto _ : state) {
    now += 700;
    benchmark::DoNotOptimize(try_take(config, bucket, now));
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_TokenBucket);

void BM_GlobalShareTryTake(benchmark::State& state) {
  BucketConfig config;
  (void)make_bucket_config(1'000'000'000, 1'000'000'000, kNs, config);
  std::unique_ptr<GlobalCpsLimiter> limiter;
  (void)GlobalCpsLimiter::create(config, 1, 0, limiter);
  auto& share = limiter->share(0);
  for (auto _ : state) {
    benchmark::DoNotOptimize(share.try_take());
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_GlobalShareTryTake);

// Sources drawn from a pool of range(0) addresses in a 64K-entry table.
void BM_SourceTable(benchmark::State& state) {
  BucketConfig config;
  (void)make_bucket_config(10, 20, kNs, config);
  std::unique_ptr<SourceTable> table;
  (void)SourceTable::create(65536, config, 42, table);
  std::vector<std::uint32_t> sources(static_cast<std::size_t>(state.range(0)));
  dispatch::FastRandom r(3);
  for (auto& s : sources) {
    s = r.next_u32();
  }
  std::uint64_t now = 0;
  std::size_t i = 0;
  for (auto _ : state) {
    now += 1000;
    benchmark::DoNotOptimize(table->try_take(sources[i], now));
    if (++i == sources.size()) {
      i = 0;
    }
  }
  state.SetItemsProcessed(state.iterations());
  state.counters["live_evictions"] = static_cast<double>(table->stats().live_evictions);
}
BENCHMARK(BM_SourceTable)->Arg(1000)->Arg(40000)->Arg(1000000);

// The whole check: 8 prefix rules, per-source and global limits.
void BM_CpsCheck(benchmark::State& state) {
  CpsLimitSpec spec{.global_cps = 100'000'000, .global_burst = 100'000'000, .source_cps = 1'000'000'000,
                    .source_burst = 1'000'000'000, .source_table_capacity = 65536, .rules = {}};
  for (std::uint32_t i = 0; i < 8; ++i) {
    spec.rules.push_back(PrefixRuleSpec{.prefix = (10U + i) << 24, .length = 8, .exempt = i == 0, .cps = 1000, .burst = 0});
  }
  std::unique_ptr<CpsLimits> limits;
  (void)CpsLimits::create(spec, 1, kNs, 0, limits);
  std::unique_ptr<WorkerCpsLimiter> worker;
  (void)WorkerCpsLimiter::create(*limits, 0, 1, worker);
  std::vector<std::uint32_t> sources(4096);
  dispatch::FastRandom r(5);
  for (auto& s : sources) {
    s = 0xC0000000U | (r.next_u32() & 0x00FFFFFF);  // outside every rule: the full scan
  }
  std::uint64_t now = 0;
  std::size_t i = 0;
  for (auto _ : state) {
    now += 100;
    benchmark::DoNotOptimize(worker->check(sources[i++ & 4095], now));
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_CpsCheck);

}  // namespace
}  // namespace sipedge::limit

BENCHMARK_MAIN();
