#include "dispatch/dispatcher_set.h"

#include <algorithm>
#include <unordered_set>

namespace sipedge::dispatch {
namespace {

bool known(Algorithm algorithm) {
  return static_cast<std::size_t>(algorithm) < kAlgorithmCount;
}

BuildError validate(const DispatcherSetSpec& spec, std::span<const bool> up) {
  if (!known(spec.algorithm)) {
    return BuildError::UnknownAlgorithm;
  }
  if (spec.destinations.empty()) {
    return BuildError::NoDestinations;
  }
  if (spec.destinations.size() > kMaxDestinations) {
    return BuildError::TooManyDestinations;
  }
  if (!up.empty() && up.size() != spec.destinations.size()) {
    return BuildError::StateSizeMismatch;
  }
  // The Maglev permutation comes from the address, so two entries with one
  // address would fight over identical preference lists; one entry with a
  // larger weight says the same thing.
  std::unordered_set<std::uint64_t> seen;
  for (const auto& d : spec.destinations) {
    if (d.weight == 0) {
      return BuildError::ZeroWeight;
    }
    if (!seen.insert((static_cast<std::uint64_t>(address_identity(d)) << 17) | (std::uint64_t{d.is_ipv6} << 16) | d.port).second) {
      return BuildError::DuplicateDestination;
    }
  }
  if (uses_key(spec.algorithm)) {
    if (spec.maglev_table_size > kMaxMaglevTableSize) {
      return BuildError::TableSizeTooLarge;
    }
    if (spec.maglev_table_size <= spec.destinations.size()) {
      return BuildError::TableSizeTooSmall;
    }
    if (!is_prime(spec.maglev_table_size)) {
      return BuildError::TableSizeNotPrime;
    }
  }
  return BuildError::Ok;
}

}  // namespace

DispatcherSet::BuildResult DispatcherSet::build(const DispatcherSetSpec& spec, std::span<const bool> up) {
  if (const auto error = validate(spec, up); error != BuildError::Ok) {
    return BuildResult{.error = error, .set = nullptr};
  }
  std::unique_ptr<DispatcherSet> set(new DispatcherSet());
  set->spec_ = spec;
  const std::size_t count = spec.destinations.size();
  set->destinations_.reserve(count);
  set->up_.reserve(count);
  for (std::size_t i = 0; i < count; ++i) {
    Destination d;
    static_cast<DestinationSpec&>(d) = spec.destinations[i];
    d.index = static_cast<std::uint16_t>(i);
    set->destinations_.push_back(d);
    set->up_.push_back(up.empty() || up[i] ? 1 : 0);
  }

  for (std::size_t i = 0; i < count; ++i) {
    const auto& d = set->destinations_[i];
    if (d.enabled && set->up_[i] != 0) {
      set->active_priority_ = std::max(set->active_priority_.value_or(d.priority), d.priority);
    }
  }
  if (set->active_priority_) {
    for (std::size_t i = 0; i < count; ++i) {
      const auto& d = set->destinations_[i];
      if (d.enabled && set->up_[i] != 0 && d.priority == *set->active_priority_) {
        set->active_.push_back(static_cast<std::uint16_t>(i));
      }
    }
  }

  std::vector<WrrMember> wrr;
  std::vector<MaglevMember> maglev;
  wrr.reserve(set->active_.size());
  maglev.reserve(set->active_.size());
  for (const auto i : set->active_) {
    const auto& d = set->destinations_[i];
    wrr.push_back(WrrMember{.weight = d.weight, .value = i});
    maglev.push_back(MaglevMember{.identity = maglev_identity(address_identity(d), d.port), .weight = d.weight, .value = i});
  }
  set->schedule_ = build_wrr_schedule(wrr);
  if (uses_key(spec.algorithm) && !maglev.empty()) {
    set->table_ = build_maglev_table(maglev, spec.maglev_table_size);
  }
  return BuildResult{.error = BuildError::Ok, .set = std::move(set)};
}

DispatcherSet::BuildResult DispatcherSet::with_state(std::span<const bool> up) const {
  return build(spec_, up);
}

}  // namespace sipedge::dispatch
