// Monotonic nanoseconds (vDSO: no syscall on the hot loop) and the process's
// own CPU seconds, which every report carries so a run shows whether the
// generator itself was short of CPU.
#pragma once

#include <sys/resource.h>

#include <chrono>
#include <cstdint>

namespace sipedge::loadgen {

inline std::int64_t now_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

struct CpuSeconds {
  double user = 0;
  double system = 0;
};

inline CpuSeconds process_cpu() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  return {static_cast<double>(usage.ru_utime.tv_sec) + static_cast<double>(usage.ru_utime.tv_usec) / 1e6,
          static_cast<double>(usage.ru_stime.tv_sec) + static_cast<double>(usage.ru_stime.tv_usec) / 1e6};
}

}  // namespace sipedge::loadgen
