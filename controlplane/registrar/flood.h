#pragma once
// sipedge::registrar::FloodLimiter — REGISTERs per source address, token
// bucket per source (a phone re-registers a few times a minute; a flood from
// one address is a misconfigured PBX or an attack, and must not starve the
// store or the others).
//
// The table of sources is bounded: when full, the source idle the longest is
// forgotten (an idle source has a full bucket anyway once it has been idle
// burst/rate seconds, so forgetting it changes nothing for it).
//
// Thread-safety: none (event loop thread). Cost: one hash lookup per call.
#include <cstddef>
#include <cstdint>
#include <list>
#include <unordered_map>

namespace sipedge::registrar {

struct FloodLimits {
  double rate = 20.0;              // REGISTERs per second per source, sustained
  double burst = 40.0;             // bucket depth (>= 1)
  std::size_t max_sources = 65536;  // sources tracked at once (>= 1)
};

struct FloodStats {
  std::uint64_t allowed = 0;
  std::uint64_t limited = 0;
  std::uint64_t evicted = 0;  // sources forgotten to make room
};

class FloodLimiter {
 public:
  explicit FloodLimiter(FloodLimits limits = {});

  // Takes one token for `source_ip` (host order) at `now_ms` (any monotonic
  // millisecond clock). False: over the limit; drop or answer 503 and count.
  bool allow(std::uint32_t source_ip, std::int64_t now_ms);

  std::size_t tracked() const { return table_.size(); }
  const FloodStats& stats() const { return stats_; }
  const FloodLimits& limits() const { return limits_; }

 private:
  struct Bucket {
    double tokens = 0;
    std::int64_t last_ms = 0;
    std::list<std::uint32_t>::iterator lru;
  };
  FloodLimits limits_;
  std::unordered_map<std::uint32_t, Bucket> table_;
  std::list<std::uint32_t> lru_;  // most recently seen first
  FloodStats stats_;
};

}  // namespace sipedge::registrar
