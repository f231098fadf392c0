#include "limit/global_limiter.h"

#include <algorithm>

namespace sipedge::limit {

LimitError GlobalCpsLimiter::create(const BucketConfig& config, std::size_t workers, std::uint64_t now,
                                    std::unique_ptr<GlobalCpsLimiter>& out) {
  if (workers == 0) {
    return LimitError::ZeroWorkers;
  }
  if (workers > kMaxWorkers) {
    return LimitError::TooManyWorkers;
  }
  out.reset(new GlobalCpsLimiter(config, workers, now));
  return LimitError::Ok;
}

GlobalCpsLimiter::GlobalCpsLimiter(const BucketConfig& config, std::size_t workers, std::uint64_t now)
    : config_(config),
      workers_(workers),
      shares_(new Share[workers]),
      last_(now),
      mark_(workers, 0),
      snapshot_(workers, 0),
      demand_(workers, 0),
      alloc_(workers, 0),
      order_(workers, 0) {
  const auto burst = static_cast<std::int64_t>(config_.burst());
  issued_ = static_cast<std::uint64_t>(burst);
  hand_out(burst);
}

std::int64_t GlobalCpsLimiter::holding(std::size_t worker) const noexcept {
  const auto& s = shares_[worker];
  return static_cast<std::int64_t>(s.granted_.load(std::memory_order_relaxed) -
                                   s.consumed_.load(std::memory_order_acquire));
}

void GlobalCpsLimiter::refill(std::uint64_t now) noexcept {
  std::uint64_t fresh = 0;
  if (now > last_) {
    const std::uint64_t elapsed = now - last_;
    last_ = now;
    // fill_ticks worth refills any pool; clamping keeps the product small.
    remainder_ += elapsed >= config_.fill_ticks ? config_.capacity : elapsed * config_.rate;
    fresh = remainder_ / config_.cost;
    remainder_ %= config_.cost;
  }

  std::int64_t total = pool_;
  for (std::size_t w = 0; w < workers_; ++w) {
    auto& s = shares_[w];
    const std::uint64_t consumed = s.consumed_.load(std::memory_order_acquire);
    const std::uint64_t denied = s.denied_.load(std::memory_order_acquire);
    snapshot_[w] = consumed;
    total += static_cast<std::int64_t>(s.granted_.load(std::memory_order_relaxed) - consumed);
    demand_[w] = static_cast<std::int64_t>(consumed + denied - mark_[w]);
    mark_[w] = consumed + denied;
  }

  // A full bucket stays full: tokens beyond the burst are not created.
  const auto burst = static_cast<std::int64_t>(config_.burst());
  auto accepted = static_cast<std::int64_t>(fresh);
  if (total + accepted >= burst) {
    accepted = std::max<std::int64_t>(0, burst - total);
    remainder_ = 0;
  }
  issued_ += static_cast<std::uint64_t>(accepted);
  hand_out(total + accepted);
}

void GlobalCpsLimiter::hand_out(std::int64_t total) noexcept {
  std::fill(alloc_.begin(), alloc_.end(), 0);
  std::int64_t remaining = std::max<std::int64_t>(total, 0);
  // Max-min fair by demand: serve the smallest demands first, each capped
  // at an equal split of what is left.
  for (std::size_t w = 0; w < workers_; ++w) {
    order_[w] = static_cast<std::uint32_t>(w);
  }
  std::sort(order_.begin(), order_.end(), [this](std::uint32_t a, std::uint32_t b) { return demand_[a] < demand_[b]; });
  for (std::size_t k = 0; k < workers_; ++k) {
    const auto w = order_[k];
    const std::int64_t fair = remaining / static_cast<std::int64_t>(workers_ - k);
    const std::int64_t give = std::min(std::max<std::int64_t>(demand_[w], 0), fair);
    alloc_[w] = give;
    remaining -= give;
  }
  // Surplus evenly: headroom for growth and bursts on any worker.
  const auto n = static_cast<std::int64_t>(workers_);
  const std::int64_t each = remaining / n;
  const std::int64_t odd = remaining % n;
  for (std::size_t k = 0; k < workers_; ++k) {
    const std::size_t w = (k + rotation_) % workers_;
    alloc_[w] += each + (static_cast<std::int64_t>(k) < odd ? 1 : 0);
  }
  ++rotation_;

  std::int64_t given = 0;
  for (std::size_t w = 0; w < workers_; ++w) {
    given += alloc_[w];
    shares_[w].granted_.store(snapshot_[w] + static_cast<std::uint64_t>(alloc_[w]), std::memory_order_release);
  }
  pool_ = total - given;
}

}  // namespace sipedge::limit
