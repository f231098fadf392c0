#pragma once

#include <cstdint>

namespace sipedge::dispatch {

// Worker-local PRNG for the `random` algorithm: xorshift64* (Vigna 2014).
// Not cryptographic: picking a destination only needs to be cheap and even.
// Each worker owns one; it is never shared, so it needs no atomics.
struct FastRandom {
  std::uint64_t state;

  // Any seed works: it is scrambled with the splitmix64 finaliser so that
  // seeds 1, 2, 3 (worker ids) give unrelated streams, and a zero state
  // (the one fixed point of xorshift) is replaced.
  explicit constexpr FastRandom(std::uint64_t seed = 0) noexcept : state(scramble(seed)) {}

  constexpr std::uint32_t next_u32() noexcept {
    state ^= state >> 12;
    state ^= state << 25;
    state ^= state >> 27;
    return static_cast<std::uint32_t>((state * 0x2545F4914F6CDD1DULL) >> 32);
  }

 private:
  static constexpr std::uint64_t scramble(std::uint64_t seed) noexcept {
    std::uint64_t z = seed + 0x9E3779B97F4A7C15ULL;
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    z ^= z >> 31;
    return z != 0 ? z : 0x9E3779B97F4A7C15ULL;
  }
};

}  // namespace sipedge::dispatch
