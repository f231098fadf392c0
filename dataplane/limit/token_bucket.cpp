#include "limit/token_bucket.h"

namespace sipedge::limit {

LimitError make_bucket_config(std::uint64_t rate_per_second, std::uint64_t burst, std::uint64_t ticks_per_second,
                              BucketConfig& out) noexcept {
  if (rate_per_second == 0) {
    return LimitError::ZeroRate;
  }
  if (burst == 0) {
    return LimitError::ZeroBurst;
  }
  if (ticks_per_second == 0) {
    return LimitError::ZeroTickRate;
  }
  if (rate_per_second > kMaxRate) {
    return LimitError::RateTooLarge;
  }
  if (burst > kMaxBucketCredit / ticks_per_second) {
    return LimitError::BurstTooLarge;
  }
  out.rate = rate_per_second;
  out.cost = ticks_per_second;
  out.capacity = burst * ticks_per_second;
  out.fill_ticks = (out.capacity + rate_per_second - 1) / rate_per_second;
  return LimitError::Ok;
}

}  // namespace sipedge::limit
