#pragma once
// The structural scan of a SIP head: one pass over the bytes that finds every
// line end (LF) and the first colon of each line, as simdjson's stage 1 and
// picohttpparser do, so the header parser never searches byte by byte.
//
//   sip::ScanLine lines[64];
//   const sip::ScanResult r = sip::scan_lines(data, size, pos, lines, 64);
//   // lines[0 .. r.count): each line's LF offset and first-colon offset
//
// A line runs from its first byte to its LF (a line's start is the byte after
// the previous line's LF, the first starts at `pos`). The scan stops after the
// first line that starts with CR or LF (the empty line that ends the head, or
// a bad line ending the parser refuses), after `capacity` lines, or at the end
// of the data; an unterminated last line is not recorded. A caller that needs
// more lines scans again from the byte after the last LF.
//
// Variants: AVX2 (64-byte blocks), SSE4.2 (16-byte blocks) and a portable
// byte loop give identical results for every input (tests/unit/sip/scan_test.cpp
// and tests/fuzz/fuzz_scan.cpp check it); scan_lines() uses the widest one the
// CPU has, chosen once at start-up. No allocation, no state; never reads past
// data + size; safe from any thread.
#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>

namespace sipedge::sip {

// Offsets fit 16 bits: a message is at most kMaxMessageSize (65535) bytes.
inline constexpr std::uint16_t kNoColon = 0xFFFF;

struct ScanLine {
  std::uint16_t lf;     // offset of the line's LF
  std::uint16_t colon;  // offset of its first ':', kNoColon when it has none
  bool operator==(const ScanLine&) const = default;
};

struct ScanResult {
  std::size_t count = 0;   // lines written
  bool stopped = false;    // ended at a line starting with CR or LF (recorded)
  bool operator==(const ScanResult&) const = default;
};

using ScanFn = ScanResult (*)(const char* data, std::size_t size, std::size_t pos, ScanLine* out,
                              std::size_t capacity) noexcept;

// The variant chosen for this CPU.
ScanResult scan_lines(const char* data, std::size_t size, std::size_t pos, ScanLine* out,
                      std::size_t capacity) noexcept;

// Each variant by name, for tests, the fuzzer and benches. A SIMD variant
// the CPU lacks is absent from scan_variants().
struct ScanVariant {
  std::string_view name;  // "portable", "sse4.2", "avx2"
  ScanFn fn;
};
ScanResult scan_lines_portable(const char* data, std::size_t size, std::size_t pos, ScanLine* out,
                               std::size_t capacity) noexcept;
std::span<const ScanVariant> scan_variants() noexcept;
std::string_view scan_variant_name() noexcept;  // the one scan_lines() uses

// The lines of a head one at a time, scanned in batches on demand: a head of
// up to kBatch lines costs one scan_lines() call, a longer one a few.
class LineScanner {
 public:
  static constexpr std::size_t kBatch = 32;
  LineScanner(const char* data, std::size_t size, std::size_t pos) noexcept : data_(data), size_(size), pos_(pos) {}
  LineScanner(const LineScanner&) = delete;
  LineScanner& operator=(const LineScanner&) = delete;
  // The next line; null after the stop line or when no LF is left.
  const ScanLine* next() noexcept {
    if (index_ == count_ && !refill()) return nullptr;
    return &lines_[index_++];
  }

 private:
  bool refill() noexcept {
    if (done_) return false;
    const ScanResult r = scan_lines(data_, size_, pos_, lines_, kBatch);
    count_ = r.count;
    index_ = 0;
    done_ = r.stopped || r.count < kBatch;
    if (count_ == 0) return false;
    pos_ = lines_[count_ - 1].lf + std::size_t{1};
    return true;
  }
  const char* data_;
  std::size_t size_;
  std::size_t pos_;
  std::size_t count_ = 0;
  std::size_t index_ = 0;
  bool done_ = false;
  ScanLine lines_[kBatch];
};

}  // namespace sipedge::sip
