#pragma once
// Message digests (MD5, SHA-256), HMAC-SHA-256 and random bytes from
// OpenSSL's libcrypto (EVP, HMAC(), RAND_bytes), shaped the way digest
// authentication (RFC 3261 22, RFC 2617, RFC 8760) and the stateless nonces
// use them. MD5 is there for digest authentication only: it is broken as a
// collision-resistant hash and must not be used for anything else.
// Thread-safety: a Hash object belongs to one thread; the free functions are
// safe from any thread. Errors: a Hash throws std::bad_alloc when libcrypto
// cannot allocate its context; random_bytes reports failure by returning false.
#include <array>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string_view>

struct evp_md_ctx_st;  // OpenSSL's EVP_MD_CTX

namespace sipedge::registrar {

enum class HashAlgorithm : std::uint8_t { md5, sha256 };

// One libcrypto digest context (EVP_MD_CTX), kept between messages.
class HashContext {
 public:
  explicit HashContext(HashAlgorithm algorithm);
  void reset();
  void update(std::span<const std::uint8_t> data);
  // Writes the digest (exactly its size) to `out`, then resets for the next message.
  void finish(std::span<std::uint8_t> out);

 private:
  struct Free {
    void operator()(evp_md_ctx_st* ctx) const noexcept;
  };
  HashAlgorithm algorithm_;
  std::unique_ptr<evp_md_ctx_st, Free> ctx_;
};

// A streaming hash: update() any number of times, finish() for the digest.
template <HashAlgorithm Algorithm, std::size_t Size>
class Hash {
 public:
  static constexpr std::size_t kDigestSize = Size;
  using Digest = std::array<std::uint8_t, Size>;

  Hash() : context_(Algorithm) {}
  void reset() { context_.reset(); }
  void update(std::span<const std::uint8_t> data) { context_.update(data); }
  void update(std::string_view text) {
    update(std::span<const std::uint8_t>(reinterpret_cast<const std::uint8_t*>(text.data()), text.size()));
  }
  // Returns the digest and resets for the next message.
  Digest finish() {
    Digest digest{};
    context_.finish(digest);
    return digest;
  }

 private:
  HashContext context_;
};

using Md5 = Hash<HashAlgorithm::md5, 16>;
using Sha256 = Hash<HashAlgorithm::sha256, 32>;

Md5::Digest md5(std::string_view text);
Sha256::Digest sha256(std::string_view text);
Sha256::Digest hmac_sha256(std::span<const std::uint8_t> key, std::span<const std::uint8_t> message);

// Fills `out` from libcrypto's CSPRNG; false when it is not seeded or fails.
[[nodiscard]] bool random_bytes(std::span<std::uint8_t> out) noexcept;

}  // namespace sipedge::registrar
