#pragma once
// sip::copy_bytes: memcpy for the short pieces the message builders write
// (header names, ": ", numbers, the bytes between two edits). For those a
// libc memcpy call costs more than the copy itself; two overlapping
// fixed-size moves cover any length in [k, 2k] without a loop.
// Same contract as memcpy (no overlap, n bytes readable and writable); no
// state, safe from any thread.
#include <cstddef>
#include <cstdint>
#include <cstring>

namespace sipedge::sip {

namespace detail {
template <class Word>
inline void copy_overlapping(char* d, const char* s, std::size_t n) noexcept {
  Word a, b;
  std::memcpy(&a, s, sizeof a);
  std::memcpy(&b, s + n - sizeof b, sizeof b);
  std::memcpy(d, &a, sizeof a);
  std::memcpy(d + n - sizeof b, &b, sizeof b);
}

// Out of line on purpose: inlined, GCC's -Warray-bounds (-O1, the sanitizer
// build) flags this branch as reading past small source arrays that it can
// never be taken for.
[[gnu::noinline]] inline void copy_large(char* d, const char* s, std::size_t n) noexcept { std::memcpy(d, s, n); }
}  // namespace detail

inline void copy_bytes(char* d, const char* s, std::size_t n) noexcept {
  if (n > 16) {
    detail::copy_large(d, s, n);
  } else if (n >= 8) {
    detail::copy_overlapping<std::uint64_t>(d, s, n);
  } else if (n >= 4) {
    detail::copy_overlapping<std::uint32_t>(d, s, n);
  } else if (n >= 2) {
    detail::copy_overlapping<std::uint16_t>(d, s, n);
  } else if (n == 1) {
    *d = *s;
  }
}

}  // namespace sipedge::sip
