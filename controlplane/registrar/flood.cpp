#include "registrar/flood.h"

#include <algorithm>

namespace sipedge::registrar {

FloodLimiter::FloodLimiter(FloodLimits limits) : limits_(limits) {
  limits_.burst = std::max(limits_.burst, 1.0);
  limits_.rate = std::max(limits_.rate, 0.0);
  limits_.max_sources = std::max<std::size_t>(limits_.max_sources, 1);
}

bool FloodLimiter::allow(std::uint32_t source_ip, std::int64_t now_ms) {
  auto it = table_.find(source_ip);
  if (it == table_.end()) {
    if (table_.size() >= limits_.max_sources) {
      table_.erase(lru_.back());
      lru_.pop_back();
      ++stats_.evicted;
    }
    lru_.push_front(source_ip);
    it = table_.emplace(source_ip, Bucket{limits_.burst, now_ms, lru_.begin()}).first;
  } else {
    Bucket& b = it->second;
    // A clock that steps back refills nothing rather than draining.
    const double elapsed_s = static_cast<double>(std::max<std::int64_t>(now_ms - b.last_ms, 0)) / 1000.0;
    b.tokens = std::min(limits_.burst, b.tokens + elapsed_s * limits_.rate);
    b.last_ms = std::max(b.last_ms, now_ms);
    lru_.splice(lru_.begin(), lru_, b.lru);
  }
  Bucket& b = it->second;
  if (b.tokens >= 1.0) {
    b.tokens -= 1.0;
    ++stats_.allowed;
    return true;
  }
  ++stats_.limited;
  return false;
}

}  // namespace sipedge::registrar
