#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <string_view>

namespace sipedge::dispatch {

// Why DispatcherSet::build refused a spec. Declared once: enum + names.
#define SIPEDGE_DISPATCH_BUILD_ERRORS(X)                                               \
  X(Ok, "ok")                                                                          \
  X(NoDestinations, "set has no destinations")                                         \
  X(TooManyDestinations, "set has more destinations than kMaxDestinations")           \
  X(ZeroWeight, "destination weight must be 1..65535")                                 \
  X(DuplicateDestination, "two destinations share one address and port")             \
  X(TableSizeNotPrime, "maglev table size must be prime")                              \
  X(TableSizeTooSmall, "maglev table size must exceed the number of destinations")    \
  X(TableSizeTooLarge, "maglev table size exceeds kMaxMaglevTableSize")                \
  X(StateSizeMismatch, "up/down state must be empty or have one entry per destination") \
  X(UnknownAlgorithm, "unknown algorithm")

enum class BuildError : std::uint8_t {
#define SIPEDGE_X(id, text) id,
  SIPEDGE_DISPATCH_BUILD_ERRORS(SIPEDGE_X)
#undef SIPEDGE_X
};

inline constexpr std::size_t kBuildErrorCount = 0
#define SIPEDGE_X(id, text) +1
    SIPEDGE_DISPATCH_BUILD_ERRORS(SIPEDGE_X)
#undef SIPEDGE_X
    ;

inline constexpr std::array<std::string_view, kBuildErrorCount> kBuildErrorNames = {
#define SIPEDGE_X(id, text) std::string_view{text},
    SIPEDGE_DISPATCH_BUILD_ERRORS(SIPEDGE_X)
#undef SIPEDGE_X
};

[[nodiscard]] constexpr std::string_view name(BuildError error) noexcept {
  const auto i = static_cast<std::size_t>(error);
  return i < kBuildErrorCount ? kBuildErrorNames[i] : std::string_view{"unknown"};
}

}  // namespace sipedge::dispatch
