#pragma once
// MD5 (RFC 1321), for HTTP/SIP digest authentication (RFC 3261 22, RFC 2617)
// only: MD5 is broken as a collision-resistant hash and must not be used for
// anything else. No allocation; safe from any thread (no shared state).
#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>

namespace sipedge::registrar {

class Md5 {
 public:
  static constexpr std::size_t kDigestSize = 16;
  using Digest = std::array<std::uint8_t, kDigestSize>;

  Md5() noexcept { reset(); }
  void reset() noexcept;
  void update(std::span<const std::uint8_t> data) noexcept;
  void update(std::string_view text) noexcept {
    update(std::span<const std::uint8_t>(reinterpret_cast<const std::uint8_t*>(text.data()), text.size()));
  }
  // Pads, returns the digest, and resets for the next message.
  Digest finish() noexcept;

 private:
  void block(const std::uint8_t* p) noexcept;
  std::array<std::uint32_t, 4> state_{};
  std::array<std::uint8_t, 64> buffer_{};
  std::uint64_t length_ = 0;  // bytes hashed so far
};

Md5::Digest md5(std::string_view text) noexcept;

}  // namespace sipedge::registrar
