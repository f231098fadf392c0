// Per-pick cost of each dispatch algorithm, plus the cold rebuild cost.
#include <benchmark/benchmark.h>

#include <optional>
#include <vector>

#include "dispatch/dispatcher_set.h"

namespace sipedge::dispatch {
namespace {

constexpr std::size_t kKeys = 1 << 14;  // power of two: the index wraps with a mask

DispatcherSetSpec spec_of(Algorithm algorithm, std::int64_t count) {
  DispatcherSetSpec spec{.algorithm = algorithm, .maglev_table_size = kDefaultMaglevTableSize, .destinations = {}};
  for (std::int64_t i = 0; i < count; ++i) {
    spec.destinations.push_back(DestinationSpec{.ipv4 = 0xC6336400U + static_cast<std::uint32_t>(i),
                                                .port = 5060,
                                                .weight = static_cast<std::uint16_t>(1 + i % 3),
                                                .priority = 0,
                                                .enabled = true});
  }
  return spec;
}

std::unique_ptr<const DispatcherSet> build(Algorithm algorithm, std::int64_t count) {
  auto result = DispatcherSet::build(spec_of(algorithm, count));
  return std::move(result.set);
}

std::vector<std::uint64_t> random_keys() {
  std::vector<std::uint64_t> keys(kKeys);
  FastRandom r(99);
  for (auto& k : keys) {
    k = (static_cast<std::uint64_t>(r.next_u32()) << 32) | r.next_u32();
  }
  return keys;
}

void BM_PickHash(benchmark::State& state) {
  const auto set = build(Algorithm::HashCallId, state.range(0));
  const auto keys = random_keys();
  std::size_t i = 0;
  for (auto _ : state) {
    benchmark::DoNotOptimize(set->pick_hash(keys[i++ & (kKeys - 1)]));
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_PickHash)->Arg(2)->Arg(10)->Arg(100);

void BM_PickWrr(benchmark::State& state) {
  const auto set = build(Algorithm::WeightedRoundRobin, state.range(0));
  WrrCursor cursor;
  for (auto _ : state) {
    benchmark::DoNotOptimize(set->pick_wrr(cursor));
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_PickWrr)->Arg(2)->Arg(10)->Arg(100);

void BM_PickRandom(benchmark::State& state) {
  const auto set = build(Algorithm::Random, state.range(0));
  FastRandom random(7);
  for (auto _ : state) {
    benchmark::DoNotOptimize(set->pick_random(random.next_u32()));
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_PickRandom)->Arg(2)->Arg(10)->Arg(100);

void BM_PickFirst(benchmark::State& state) {
  const auto set = build(Algorithm::FirstEntry, state.range(0));
  for (auto _ : state) {
    benchmark::DoNotOptimize(set->pick_first());
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_PickFirst)->Arg(10);

// Through pick(): the algorithm switch, as the fast path calls it. Every
// 8th request lacks the key, exercising the round-robin fallback.
void BM_PickDispatch(benchmark::State& state) {
  const auto algorithm = static_cast<Algorithm>(state.range(0));
  const auto set = build(algorithm, 10);
  const auto keys = random_keys();
  WrrCursor cursor;
  FastRandom random(7);
  std::size_t i = 0;
  for (auto _ : state) {
    const std::uint64_t key = keys[i++ & (kKeys - 1)];
    benchmark::DoNotOptimize(set->pick((i & 7) != 0 ? std::optional<std::uint64_t>(key) : std::nullopt, cursor, random));
  }
  state.SetLabel(std::string(name(algorithm)));
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_PickDispatch)->DenseRange(0, static_cast<int>(kAlgorithmCount) - 1);

// Cold path: what a destination going up or down costs the main lcore.
void BM_RebuildHashSet(benchmark::State& state) {
  const auto set = build(Algorithm::HashCallId, state.range(0));
  const auto count = static_cast<std::size_t>(state.range(0));
  std::unique_ptr<bool[]> up(new bool[count]);
  for (std::size_t i = 0; i < count; ++i) {
    up[i] = i != 0;  // the first destination went down
  }
  for (auto _ : state) {
    auto next = set->with_state(std::span<const bool>(up.get(), count));
    benchmark::DoNotOptimize(next.set.get());
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_RebuildHashSet)->Arg(10)->Arg(100)->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace sipedge::dispatch

BENCHMARK_MAIN();
