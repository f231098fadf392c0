// libFuzzer target for the structural scan: every SIMD variant must find
// exactly the lines and colons the portable byte loop finds, from every
// start position the parser could use and with small batch capacities.
//
//   ./fuzz_scan -dict=tests/fuzz/sip.dict tests/fuzz/corpus/sip
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <vector>

#include "sip/scan.h"

namespace sip = sipedge::sip;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size > 65535) return 0;
  // An exact-size copy, so ASan catches a read past the end.
  std::vector<char> bytes(data, data + size);
  const char* p = bytes.empty() ? nullptr : bytes.data();
  const std::size_t capacities[] = {1, 3, 32, 200};
  const std::size_t starts[] = {0, size / 3, size > 0 ? size - 1 : 0};
  sip::ScanLine want[200];
  sip::ScanLine got[200];
  for (std::size_t capacity : capacities) {
    for (std::size_t pos : starts) {
      if (p == nullptr) continue;
      const sip::ScanResult w = sip::scan_lines_portable(p, size, pos, want, capacity);
      for (const sip::ScanVariant& v : sip::scan_variants()) {
        const sip::ScanResult g = v.fn(p, size, pos, got, capacity);
        if (!(g == w)) std::abort();
        for (std::size_t i = 0; i < w.count; ++i)
          if (!(got[i] == want[i])) std::abort();
      }
    }
  }
  return 0;
}
