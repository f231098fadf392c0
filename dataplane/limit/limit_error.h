#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <string_view>

namespace sipedge::limit {

// Why a limiter could not be built from its parameters. Declared once.
#define SIPEDGE_LIMIT_ERRORS(X)                                                  \
  X(Ok, "ok")                                                                    \
  X(ZeroRate, "rate must be at least 1 per second")                              \
  X(ZeroBurst, "burst must be at least 1")                                       \
  X(ZeroTickRate, "ticks per second must be at least 1")                         \
  X(RateTooLarge, "rate exceeds kMaxRate")                                       \
  X(BurstTooLarge, "burst times ticks per second overflows the bucket")          \
  X(ZeroWorkers, "at least one worker is needed")                                \
  X(TooManyWorkers, "more workers than kMaxWorkers")                             \
  X(ZeroCapacity, "source table capacity must be at least 1")                    \
  X(CapacityTooLarge, "source table capacity exceeds kMaxSourceTableCapacity")   \
  X(PrefixTooLong, "prefix length must be 0..32")                                \
  X(HostBitsSet, "prefix has bits set beyond its length")                        \
  X(DuplicatePrefix, "two rules name the same prefix")                           \
  X(TooManyRules, "more rules than kMaxPrefixRules")

enum class LimitError : std::uint8_t {
#define SIPEDGE_X(id, text) id,
  SIPEDGE_LIMIT_ERRORS(SIPEDGE_X)
#undef SIPEDGE_X
};

inline constexpr std::size_t kLimitErrorCount = 0
#define SIPEDGE_X(id, text) +1
    SIPEDGE_LIMIT_ERRORS(SIPEDGE_X)
#undef SIPEDGE_X
    ;

inline constexpr std::array<std::string_view, kLimitErrorCount> kLimitErrorNames = {
#define SIPEDGE_X(id, text) std::string_view{text},
    SIPEDGE_LIMIT_ERRORS(SIPEDGE_X)
#undef SIPEDGE_X
};

[[nodiscard]] constexpr std::string_view name(LimitError error) noexcept {
  const auto i = static_cast<std::size_t>(error);
  return i < kLimitErrorCount ? kLimitErrorNames[i] : std::string_view{"unknown"};
}

}  // namespace sipedge::limit
