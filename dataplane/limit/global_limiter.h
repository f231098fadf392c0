#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <vector>

#include "limit/limit_error.h"
#include "limit/token_bucket.h"

namespace sipedge::limit {

inline constexpr std::size_t kMaxWorkers = 128;
inline constexpr std::size_t kCacheLineSize = 64;

// One calls-per-second limit shared by all workers, enforced without a lock
// or an atomic read-modify-write on the per-packet path. Used for the
// global limit and, one instance each, for every prefix rule.
//
// How: the main lcore owns the bucket. Every refill() (call it each 1-10 ms)
// it adds the tokens earned since the last call, takes back what each worker
// left unused, and hands the whole pool out again as per-worker shares:
// first max-min fair by each worker's demand over the last interval
// (taken + denied), then any surplus evenly, so a burst can start on any
// worker at once. A busy worker next to idle ones thus gets nearly the whole
// rate after one interval, and two saturated workers get half each.
//
// Memory ordering. Every atomic has exactly one writer and nobody does a
// read-modify-write:
//  - Share::granted_ is written only by the main lcore (store-release) and
//    read by the worker (load-acquire): "you may have taken up to this many
//    in total".
//  - Share::consumed_ and denied_ are written only by their worker (it loads
//    its own last value relaxed and stores the next, release) and read by
//    the main lcore (load-acquire).
// The counters carry no other data, so per-variable coherence is what the
// ledger relies on; acquire/release states the hand-off and costs nothing
// on x86 (plain MOVs). granted_ and consumed_ sit on separate cache lines,
// and shares of different workers never share a line.
//
// The one race: the main lcore computes a new grant from a snapshot of
// consumed_, and the worker may take a few more tokens on its old grant
// before the new one lands. Those show up at the next refill() as a smaller,
// possibly negative, holding, which the pool pays. The ledger
//   issued() == sum(consumed) + pool() + sum(holding)
// holds exactly after every refill(); a transient overshoot is bounded by
// what the worker held, in a window of a few nanoseconds.
class GlobalCpsLimiter {
 public:
  // The worker side of one share. Only worker `w` calls share(w)'s methods.
  class alignas(kCacheLineSize) Share {
   public:
    // Peek, then take(): lets a caller check several limits before spending
    // a token from any of them.
    [[nodiscard]] bool has_token() const noexcept {
      const std::uint64_t granted = granted_.load(std::memory_order_acquire);
      const std::uint64_t consumed = consumed_.load(std::memory_order_relaxed);
      return static_cast<std::int64_t>(granted - consumed) > 0;
    }
    // Caller checked has_token().
    void take() noexcept {
      consumed_.store(consumed_.load(std::memory_order_relaxed) + 1, std::memory_order_release);
    }
    // A request this limit refused; counts as demand at the next refill().
    void note_denied() noexcept {
      denied_.store(denied_.load(std::memory_order_relaxed) + 1, std::memory_order_release);
    }
    [[nodiscard]] bool try_take() noexcept {
      if (has_token()) {
        take();
        return true;
      }
      note_denied();
      return false;
    }

    [[nodiscard]] std::uint64_t consumed() const noexcept { return consumed_.load(std::memory_order_acquire); }
    [[nodiscard]] std::uint64_t denied() const noexcept { return denied_.load(std::memory_order_acquire); }

   private:
    friend class GlobalCpsLimiter;
    alignas(kCacheLineSize) std::atomic<std::uint64_t> granted_{0};
    alignas(kCacheLineSize) std::atomic<std::uint64_t> consumed_{0};
    std::atomic<std::uint64_t> denied_{0};
  };

  // Cold. The bucket starts full, its burst spread evenly over the workers.
  [[nodiscard]] static LimitError create(const BucketConfig& config, std::size_t workers, std::uint64_t now,
                                         std::unique_ptr<GlobalCpsLimiter>& out);

  GlobalCpsLimiter(const GlobalCpsLimiter&) = delete;
  GlobalCpsLimiter& operator=(const GlobalCpsLimiter&) = delete;

  // Worker side. `worker` < workers().
  [[nodiscard]] Share& share(std::size_t worker) noexcept { return shares_[worker]; }

  // Main lcore only. No allocation; O(workers log workers).
  void refill(std::uint64_t now) noexcept;

  // Main lcore only (or anyone once the workers are quiescent).
  [[nodiscard]] std::size_t workers() const noexcept { return workers_; }
  [[nodiscard]] const BucketConfig& config() const noexcept { return config_; }
  [[nodiscard]] std::int64_t pool() const noexcept { return pool_; }  // < 0: a debt from the race above
  [[nodiscard]] std::uint64_t issued() const noexcept { return issued_; }  // tokens ever created
  [[nodiscard]] std::int64_t holding(std::size_t worker) const noexcept;

 private:
  GlobalCpsLimiter(const BucketConfig& config, std::size_t workers, std::uint64_t now);
  void hand_out(std::int64_t total) noexcept;

  BucketConfig config_;
  std::size_t workers_;
  std::unique_ptr<Share[]> shares_;
  // Main-lcore private from here on.
  std::uint64_t last_ = 0;
  std::uint64_t remainder_ = 0;  // credit units short of a whole token
  std::int64_t pool_ = 0;
  std::uint64_t issued_ = 0;
  std::uint64_t rotation_ = 0;  // who gets the odd surplus tokens
  std::vector<std::uint64_t> mark_;    // consumed + denied at the last refill
  std::vector<std::uint64_t> snapshot_;
  std::vector<std::int64_t> demand_;
  std::vector<std::int64_t> alloc_;
  std::vector<std::uint32_t> order_;
};

}  // namespace sipedge::limit
