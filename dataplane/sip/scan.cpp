#include "sip/scan.h"

#include <cstring>

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#define SIPEDGE_SCAN_X86 1
#endif

namespace sipedge::sip {
namespace {

// Where the scan is: the current line's first byte and first colon.
struct Cursor {
  std::size_t line_start;
  std::uint16_t colon = kNoColon;
};

// Takes one block's LF and colon bit masks (bit i = byte base + i) into the
// output; true when the scan stops. Shared by the SIMD variants so that they
// cannot disagree on what a line is.
template <class Mask>
__attribute__((always_inline)) inline bool take_block(const char* data, std::size_t base, Mask lf, Mask colon, ScanLine* out, std::size_t capacity,
                       ScanResult& r, Cursor& c) noexcept {
  while (lf != 0) {
    const unsigned bit = static_cast<unsigned>(__builtin_ctzll(lf));
    const Mask below = static_cast<Mask>((Mask{1} << bit) - 1);
    if (c.colon == kNoColon && (colon & below) != 0)
      c.colon = static_cast<std::uint16_t>(base + static_cast<unsigned>(__builtin_ctzll(colon & below)));
    colon = static_cast<Mask>(colon & ~below);
    out[r.count++] = {static_cast<std::uint16_t>(base + bit), c.colon};
    const char first = data[c.line_start];
    c.line_start = base + bit + 1;
    c.colon = kNoColon;
    if (first == '\r' || first == '\n') {
      r.stopped = true;
      return true;
    }
    if (r.count == capacity) return true;
    lf = static_cast<Mask>(lf & (lf - 1));
  }
  if (c.colon == kNoColon && colon != 0)
    c.colon = static_cast<std::uint16_t>(base + static_cast<unsigned>(__builtin_ctzll(colon)));
  return false;
}

#if defined(SIPEDGE_SCAN_X86)

// Whole blocks straight from the data, the last partial one from a zeroed
// copy (zero is neither LF nor colon): no read past data + size. One loop
// per instruction set, written out: a helper carrying no target attribute
// could not inline the intrinsics.
#define SIPEDGE_SCAN_BLOCKS(WIDTH, MASKS)                                 \
  ScanResult r;                                                           \
  if (capacity == 0 || pos >= size) return r;                             \
  Cursor c{pos};                                                          \
  std::size_t i = pos;                                                    \
  for (; i + (WIDTH) <= size; i += (WIDTH)) {                             \
    const char* p = data + i;                                             \
    MASKS;                                                                \
    if (take_block(data, i, lf, colon, out, capacity, r, c)) return r;    \
  }                                                                       \
  if (i < size) {                                                         \
    alignas(64) char tail[WIDTH] = {};                                    \
    std::memcpy(tail, data + i, size - i);                                \
    const char* p = tail;                                                 \
    MASKS;                                                                \
    take_block(data, i, lf, colon, out, capacity, r, c);                  \
  }                                                                       \
  return r

// 64 bytes per step (two loads): half the block overhead of 32.
__attribute__((target("avx2"))) ScanResult scan_lines_avx2(const char* data, std::size_t size, std::size_t pos,
                                                            ScanLine* out, std::size_t capacity) noexcept {
  const __m256i nl = _mm256_set1_epi8('\n');
  const __m256i co = _mm256_set1_epi8(':');
  auto mask = [](__m256i lo, __m256i hi) __attribute__((target("avx2"))) {
    return static_cast<std::uint32_t>(_mm256_movemask_epi8(lo)) |
           static_cast<std::uint64_t>(static_cast<std::uint32_t>(_mm256_movemask_epi8(hi))) << 32;
  };
  SIPEDGE_SCAN_BLOCKS(64, const __m256i lo = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(p));
                      const __m256i hi = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(p + 32));
                      const std::uint64_t lf = mask(_mm256_cmpeq_epi8(lo, nl), _mm256_cmpeq_epi8(hi, nl));
                      const std::uint64_t colon = mask(_mm256_cmpeq_epi8(lo, co), _mm256_cmpeq_epi8(hi, co)));
}

__attribute__((target("sse4.2"))) ScanResult scan_lines_sse42(const char* data, std::size_t size, std::size_t pos,
                                                               ScanLine* out, std::size_t capacity) noexcept {
  const __m128i nl = _mm_set1_epi8('\n');
  const __m128i co = _mm_set1_epi8(':');
  SIPEDGE_SCAN_BLOCKS(16, const __m128i x = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p));
                      const auto lf = static_cast<std::uint16_t>(_mm_movemask_epi8(_mm_cmpeq_epi8(x, nl)));
                      const auto colon = static_cast<std::uint16_t>(_mm_movemask_epi8(_mm_cmpeq_epi8(x, co))));
}

#undef SIPEDGE_SCAN_BLOCKS

#endif

ScanFn choose() noexcept {
#if defined(SIPEDGE_SCAN_X86)
  __builtin_cpu_init();
  if (__builtin_cpu_supports("avx2")) return scan_lines_avx2;
  if (__builtin_cpu_supports("sse4.2")) return scan_lines_sse42;
#endif
  return scan_lines_portable;
}

// Resolved on the first call rather than by a static initialiser, so a call
// from another file's initialiser cannot find it unset; a relaxed atomic
// load is a plain load on the hot path. (The builtins, not <atomic>: this
// directory's limits.h shadows the C header that <atomic> pulls in.)
ScanResult resolve_and_scan(const char* data, std::size_t size, std::size_t pos, ScanLine* out,
                            std::size_t capacity) noexcept;
ScanFn g_scan = resolve_and_scan;

ScanResult resolve_and_scan(const char* data, std::size_t size, std::size_t pos, ScanLine* out,
                            std::size_t capacity) noexcept {
  const ScanFn fn = choose();
  __atomic_store_n(&g_scan, fn, __ATOMIC_RELAXED);
  return fn(data, size, pos, out, capacity);
}

}  // namespace

ScanResult scan_lines_portable(const char* data, std::size_t size, std::size_t pos, ScanLine* out,
                               std::size_t capacity) noexcept {
  ScanResult r;
  if (capacity == 0) return r;
  std::size_t line_start = pos;
  std::uint16_t colon = kNoColon;
  for (std::size_t i = pos; i < size; ++i) {
    const char ch = data[i];
    if (ch == ':') {
      if (colon == kNoColon) colon = static_cast<std::uint16_t>(i);
    } else if (ch == '\n') {
      out[r.count++] = {static_cast<std::uint16_t>(i), colon};
      const char first = data[line_start];
      line_start = i + 1;
      colon = kNoColon;
      if (first == '\r' || first == '\n') {
        r.stopped = true;
        return r;
      }
      if (r.count == capacity) return r;
    }
  }
  return r;
}

ScanResult scan_lines(const char* data, std::size_t size, std::size_t pos, ScanLine* out,
                      std::size_t capacity) noexcept {
  return __atomic_load_n(&g_scan, __ATOMIC_RELAXED)(data, size, pos, out, capacity);
}

std::span<const ScanVariant> scan_variants() noexcept {
  static const auto table = [] {
    struct Table {
      ScanVariant v[3];
      std::size_t n = 0;
    } t{};
    t.v[t.n++] = {"portable", scan_lines_portable};
#if defined(SIPEDGE_SCAN_X86)
    __builtin_cpu_init();
    if (__builtin_cpu_supports("sse4.2")) t.v[t.n++] = {"sse4.2", scan_lines_sse42};
    if (__builtin_cpu_supports("avx2")) t.v[t.n++] = {"avx2", scan_lines_avx2};
#endif
    return t;
  }();
  return {table.v, table.n};
}

std::string_view scan_variant_name() noexcept {
  const ScanFn fn = choose();
  for (const ScanVariant& v : scan_variants())
    if (v.fn == fn) return v.name;
  return "portable";
}

}  // namespace sipedge::sip
