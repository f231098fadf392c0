#include "limit/cps_limiter.h"

namespace sipedge::limit {
namespace {

LimitError make_shared_limit(std::uint64_t cps, std::uint64_t burst, std::size_t workers,
                             std::uint64_t ticks_per_second, std::uint64_t now,
                             std::unique_ptr<GlobalCpsLimiter>& out) {
  BucketConfig config;
  if (const auto e = make_bucket_config(cps, burst != 0 ? burst : cps, ticks_per_second, config); e != LimitError::Ok) {
    return e;
  }
  return GlobalCpsLimiter::create(config, workers, now, out);
}

}  // namespace

LimitError CpsLimits::create(const CpsLimitSpec& spec, std::size_t workers, std::uint64_t ticks_per_second,
                             std::uint64_t now, std::unique_ptr<CpsLimits>& out, std::size_t* bad_rule) {
  if (workers == 0) {
    return LimitError::ZeroWorkers;
  }
  if (workers > kMaxWorkers) {
    return LimitError::TooManyWorkers;
  }
  if (ticks_per_second == 0) {
    return LimitError::ZeroTickRate;
  }
  std::unique_ptr<CpsLimits> limits(new CpsLimits());
  limits->spec_ = spec;
  limits->workers_ = workers;
  limits->ticks_per_second_ = ticks_per_second;
  if (spec.global_cps != 0) {
    if (const auto e = make_shared_limit(spec.global_cps, spec.global_burst, workers, ticks_per_second, now,
                                         limits->global_);
        e != LimitError::Ok) {
      return e;
    }
  }
  if (spec.source_cps != 0) {
    if (spec.source_table_capacity == 0) {
      return LimitError::ZeroCapacity;
    }
    if (spec.source_table_capacity > kMaxSourceTableCapacity) {
      return LimitError::CapacityTooLarge;
    }
    BucketConfig config;
    if (const auto e = make_bucket_config(spec.source_cps, spec.source_burst != 0 ? spec.source_burst : spec.source_cps,
                                          ticks_per_second, config);
        e != LimitError::Ok) {
      return e;
    }
    limits->source_config_ = config;
  }
  if (const auto e = PrefixRules::build(spec.rules, limits->rules_, bad_rule); e != LimitError::Ok) {
    return e;
  }
  limits->rule_limiters_.resize(spec.rules.size());
  for (std::size_t i = 0; i < spec.rules.size(); ++i) {
    const auto& rule = spec.rules[i];
    if (rule.exempt) {
      continue;
    }
    if (const auto e = make_shared_limit(rule.cps, rule.burst, workers, ticks_per_second, now,
                                         limits->rule_limiters_[i]);
        e != LimitError::Ok) {
      if (bad_rule != nullptr) {
        *bad_rule = i;
      }
      return e;
    }
  }
  out = std::move(limits);
  return LimitError::Ok;
}

void CpsLimits::refill(std::uint64_t now) noexcept {
  if (global_) {
    global_->refill(now);
  }
  for (auto& rule : rule_limiters_) {
    if (rule) {
      rule->refill(now);
    }
  }
}

LimitError WorkerCpsLimiter::create(CpsLimits& limits, std::size_t worker, std::uint64_t seed,
                                    std::unique_ptr<WorkerCpsLimiter>& out) {
  if (worker >= limits.workers()) {
    return LimitError::TooManyWorkers;
  }
  std::unique_ptr<WorkerCpsLimiter> w(new WorkerCpsLimiter());
  w->limits_ = &limits;
  w->worker_ = worker;
  if (auto* global = limits.global()) {
    w->global_ = &global->share(worker);
  }
  w->rule_shares_.resize(limits.spec().rules.size(), nullptr);
  for (std::size_t i = 0; i < w->rule_shares_.size(); ++i) {
    if (auto* rule = limits.rule_limiter(i)) {
      w->rule_shares_[i] = &rule->share(worker);
    }
  }
  if (const auto& config = limits.source_config()) {
    if (const auto e = SourceTable::create(limits.spec().source_table_capacity, *config, seed, w->sources_);
        e != LimitError::Ok) {
      return e;
    }
  }
  out = std::move(w);
  return LimitError::Ok;
}

CpsCheck WorkerCpsLimiter::check(std::uint32_t source_ipv4, std::uint64_t now) noexcept {
  std::uint16_t rule = CpsCheck::kNoRule;
  GlobalCpsLimiter::Share* rule_share = nullptr;
  if (limits_->rules().size() != 0) {
    if (const auto match = limits_->rules().match(source_ipv4)) {
      rule = *match;
      rule_share = rule_shares_[rule];
      if (rule_share == nullptr) {
        return CpsCheck{.decision = CpsDecision::Exempt, .rule = rule};
      }
      if (!rule_share->has_token()) {
        rule_share->note_denied();
        return CpsCheck{.decision = CpsDecision::BreachRule, .rule = rule};
      }
    }
  }
  BucketState* source = nullptr;
  if (rule_share == nullptr && sources_) {
    source = &sources_->bucket(source_ipv4, now);
    if (!has_token(sources_->config(), *source)) {
      return CpsCheck{.decision = CpsDecision::BreachSource, .rule = rule};
    }
  }
  if (global_ != nullptr) {
    if (!global_->has_token()) {
      global_->note_denied();
      return CpsCheck{.decision = CpsDecision::BreachGlobal, .rule = rule};
    }
    global_->take();
  }
  if (rule_share != nullptr) {
    rule_share->take();
  }
  if (source != nullptr) {
    take_token(sources_->config(), *source);
  }
  return CpsCheck{.decision = CpsDecision::Allow, .rule = rule};
}

}  // namespace sipedge::limit
