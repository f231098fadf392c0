#pragma once
// SHA-256 (FIPS 180-4) and HMAC-SHA-256 (RFC 2104), for digest authentication
// (RFC 8760) and for signing stateless nonces. No allocation; safe from any
// thread (no shared state).
#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>

namespace sipedge::registrar {

class Sha256 {
 public:
  static constexpr std::size_t kDigestSize = 32;
  static constexpr std::size_t kBlockSize = 64;
  using Digest = std::array<std::uint8_t, kDigestSize>;

  Sha256() noexcept { reset(); }
  void reset() noexcept;
  void update(std::span<const std::uint8_t> data) noexcept;
  void update(std::string_view text) noexcept {
    update(std::span<const std::uint8_t>(reinterpret_cast<const std::uint8_t*>(text.data()), text.size()));
  }
  // Pads, returns the digest, and resets for the next message.
  Digest finish() noexcept;

 private:
  void block(const std::uint8_t* p) noexcept;
  std::array<std::uint32_t, 8> state_{};
  std::array<std::uint8_t, kBlockSize> buffer_{};
  std::uint64_t length_ = 0;  // bytes hashed so far
};

Sha256::Digest sha256(std::string_view text) noexcept;
Sha256::Digest hmac_sha256(std::span<const std::uint8_t> key, std::span<const std::uint8_t> message) noexcept;

}  // namespace sipedge::registrar
