// Prints how a hash dispatcher set behaves when one destination goes down:
// for N = 2..10 equal-weight destinations and random Call-IDs, the fraction
// of calls that move (ideal: 1/N, only the failed destination's calls), the
// part of that which moved between survivors (Maglev's extra), and the
// survivors' max/mean load. Each destination is taken down in turn; the
// average and the worst case are shown. Then the share a 1:2 weighting gives.
//
// usage: dispatch_disruption [keys (default 1000000)] [maglev table size (default 65537)]
#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "dispatch/dispatcher_set.h"

namespace {

using namespace sipedge::dispatch;

// Stand-in for the dataplane's sip::hash_bytes.
std::uint64_t fnv1a(const std::string& bytes) {
  std::uint64_t h = 0xCBF29CE484222325ULL;
  for (const char c : bytes) {
    h ^= static_cast<unsigned char>(c);
    h *= 0x100000001B3ULL;
  }
  return h;
}

std::vector<std::uint64_t> call_id_keys(std::size_t count) {
  std::vector<std::uint64_t> keys;
  keys.reserve(count);
  FastRandom r(1);
  char buffer[64];
  for (std::size_t i = 0; i < count; ++i) {
    std::snprintf(buffer, sizeof buffer, "%08x%08x@198.51.100.%u", r.next_u32(), r.next_u32(), r.next_u32() % 250);
    keys.push_back(fnv1a(buffer));
  }
  return keys;
}

DispatcherSetSpec spec_of(std::size_t count, std::uint32_t table_size) {
  DispatcherSetSpec spec{.algorithm = Algorithm::HashCallId, .maglev_table_size = table_size, .destinations = {}};
  for (std::size_t i = 0; i < count; ++i) {
    spec.destinations.push_back(
        DestinationSpec{.ipv4 = 0xC6336400U + static_cast<std::uint32_t>(i + 1), .port = 5060, .weight = 1});
  }
  return spec;
}

}  // namespace

int main(int argc, char** argv) {
  const std::size_t key_count = argc > 1 ? std::strtoull(argv[1], nullptr, 10) : 1000000;
  const auto table_size = static_cast<std::uint32_t>(argc > 2 ? std::strtoul(argv[2], nullptr, 10) : kDefaultMaglevTableSize);
  const auto keys = call_id_keys(key_count);
  const double n_keys = static_cast<double>(keys.size());

  std::printf("maglev table %u, %zu random Call-IDs, one destination down (each in turn)\n", table_size, keys.size());
  std::printf("%3s %8s %10s %10s %12s %14s %14s\n", "N", "ideal", "moved_avg", "moved_max", "extra_max",
              "max/mean_avg", "max/mean_max");
  for (std::size_t n = 2; n <= 10; ++n) {
    auto all_up = DispatcherSet::build(spec_of(n, table_size));
    if (all_up.error != BuildError::Ok) {
      std::fprintf(stderr, "build: %s\n", std::string(name(all_up.error)).c_str());
      return 1;
    }
    std::vector<std::uint16_t> before(keys.size());
    for (std::size_t k = 0; k < keys.size(); ++k) {
      before[k] = all_up.set->pick_hash(keys[k])->index;
    }
    double moved_sum = 0;
    double moved_max = 0;
    double extra_max = 0;
    double ratio_sum = 0;
    double ratio_max = 0;
    for (std::size_t down = 0; down < n; ++down) {
      std::unique_ptr<bool[]> up(new bool[n]);
      for (std::size_t i = 0; i < n; ++i) {
        up[i] = i != down;
      }
      const auto one_down = all_up.set->with_state(std::span<const bool>(up.get(), n));
      std::vector<std::size_t> load(n, 0);
      std::size_t moved = 0;
      std::size_t extra = 0;
      for (std::size_t k = 0; k < keys.size(); ++k) {
        const auto after = one_down.set->pick_hash(keys[k])->index;
        ++load[after];
        if (after != before[k]) {
          ++moved;
          extra += before[k] != down ? 1 : 0;
        }
      }
      const double moved_fraction = static_cast<double>(moved) / n_keys;
      const double mean = n_keys / static_cast<double>(n - 1);
      const double ratio = static_cast<double>(*std::max_element(load.begin(), load.end())) / mean;
      moved_sum += moved_fraction;
      moved_max = std::max(moved_max, moved_fraction);
      extra_max = std::max(extra_max, static_cast<double>(extra) / n_keys);
      ratio_sum += ratio;
      ratio_max = std::max(ratio_max, ratio);
    }
    std::printf("%3zu %8.4f %10.4f %10.4f %12.4f %14.4f %14.4f\n", n, 1.0 / static_cast<double>(n),
                moved_sum / static_cast<double>(n), moved_max, extra_max, ratio_sum / static_cast<double>(n),
                ratio_max);
  }

  auto weighted_spec = spec_of(2, table_size);
  weighted_spec.destinations[1].weight = 2;
  const auto weighted = DispatcherSet::build(weighted_spec);
  std::size_t heavy = 0;
  for (const auto key : keys) {
    heavy += weighted.set->pick_hash(key)->index == 1 ? 1 : 0;
  }
  std::printf("weights 1:2 -> shares %.4f : %.4f (ideal 0.3333 : 0.6667)\n", 1.0 - static_cast<double>(heavy) / n_keys,
              static_cast<double>(heavy) / n_keys);
  return 0;
}
