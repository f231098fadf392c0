#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <vector>

#include "limit/cps_decision.h"
#include "limit/global_limiter.h"
#include "limit/limit_error.h"
#include "limit/prefix_rules.h"
#include "limit/source_table.h"
#include "limit/token_bucket.h"

namespace sipedge::limit {

// Plain input the config glue fills. A zero rate switches that limit off;
// a zero burst means one second's worth (= the rate).
struct CpsLimitSpec {
  std::uint64_t global_cps = 0;
  std::uint64_t global_burst = 0;
  std::uint64_t source_cps = 0;
  std::uint64_t source_burst = 0;
  std::size_t source_table_capacity = 65536;  // per worker
  std::vector<PrefixRuleSpec> rules;
};

// The limits shared by all workers: the global limit and one limit per
// prefix rule, each a GlobalCpsLimiter. A rule's rate is the aggregate of
// all its sources across all workers, shared the same way as the global
// limit rather than divided by the number of workers: RSS puts one source on
// one worker, so a per-worker split would give a /32 rule 1/N of its rate.
//
// Semantics of one initial request from source S:
//  1. S matches an exempt rule: Exempt (no limit applies, not even global).
//  2. S matches a rule with a rate: that rule's limit replaces the
//     per-source limit (a rule may raise or lower the default for a trunk).
//  3. Otherwise the per-source limit applies, when configured.
//  4. The global limit applies to everything not exempt.
// Tokens are spent only when every applicable limit has one, so a request
// refused by one limit costs nothing from the others. The most specific
// breach is reported: rule, then source, then global.
//
// Threads: refill() from the main lcore (every 1-10 ms); workers use their
// own WorkerCpsLimiter. Build a new CpsLimits (and worker limiters) on
// reload and swap under RCU; tokens in flight are not carried over.
class CpsLimits {
 public:
  // Cold. `bad_rule` names the offending rule on a rule error.
  [[nodiscard]] static LimitError create(const CpsLimitSpec& spec, std::size_t workers,
                                         std::uint64_t ticks_per_second, std::uint64_t now,
                                         std::unique_ptr<CpsLimits>& out, std::size_t* bad_rule = nullptr);

  // Main lcore only.
  void refill(std::uint64_t now) noexcept;

  [[nodiscard]] std::size_t workers() const noexcept { return workers_; }
  [[nodiscard]] std::uint64_t ticks_per_second() const noexcept { return ticks_per_second_; }
  [[nodiscard]] const CpsLimitSpec& spec() const noexcept { return spec_; }
  [[nodiscard]] const PrefixRules& rules() const noexcept { return rules_; }
  [[nodiscard]] GlobalCpsLimiter* global() noexcept { return global_.get(); }
  // nullptr for exempt rules.
  [[nodiscard]] GlobalCpsLimiter* rule_limiter(std::size_t rule) noexcept { return rule_limiters_[rule].get(); }
  [[nodiscard]] const std::optional<BucketConfig>& source_config() const noexcept { return source_config_; }

 private:
  CpsLimits() = default;

  CpsLimitSpec spec_;
  std::size_t workers_ = 0;
  std::uint64_t ticks_per_second_ = 0;
  std::unique_ptr<GlobalCpsLimiter> global_;
  PrefixRules rules_;
  std::vector<std::unique_ptr<GlobalCpsLimiter>> rule_limiters_;
  std::optional<BucketConfig> source_config_;
};

// Plain fields (no std::optional) so the result comes back in one register
// rather than through a stack slot written piecewise.
struct CpsCheck {
  static constexpr std::uint16_t kNoRule = 0xFFFF;

  CpsDecision decision = CpsDecision::Allow;
  std::uint16_t rule = kNoRule;  // the matching rule's index, for per-rule counters

  [[nodiscard]] bool has_rule() const noexcept { return rule != kNoRule; }
};

// One worker's view: its shares of the shared limits and its own per-source
// table. Owned and used by one worker only. check() allocates nothing,
// takes no lock and does no read-modify-write on shared memory.
class WorkerCpsLimiter {
 public:
  // Cold. `seed` randomises the source table's hashing (use a different one
  // per worker and per start).
  [[nodiscard]] static LimitError create(CpsLimits& limits, std::size_t worker, std::uint64_t seed,
                                         std::unique_ptr<WorkerCpsLimiter>& out);

  [[nodiscard]] CpsCheck check(std::uint32_t source_ipv4, std::uint64_t now) noexcept;

  [[nodiscard]] const SourceTable* sources() const noexcept { return sources_.get(); }
  [[nodiscard]] std::size_t worker() const noexcept { return worker_; }

 private:
  WorkerCpsLimiter() = default;

  CpsLimits* limits_ = nullptr;
  std::size_t worker_ = 0;
  GlobalCpsLimiter::Share* global_ = nullptr;
  std::vector<GlobalCpsLimiter::Share*> rule_shares_;  // by rule index; nullptr for exempt
  std::unique_ptr<SourceTable> sources_;
};

}  // namespace sipedge::limit
