#include "registrar/crypto.h"

#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>

#include <algorithm>
#include <array>
#include <limits>
#include <new>

namespace sipedge::registrar {

namespace {

const EVP_MD* evp_of(HashAlgorithm algorithm) {
  return algorithm == HashAlgorithm::sha256 ? EVP_sha256() : EVP_md5();
}

}  // namespace

void HashContext::Free::operator()(evp_md_ctx_st* ctx) const noexcept { EVP_MD_CTX_free(ctx); }

HashContext::HashContext(HashAlgorithm algorithm) : algorithm_(algorithm), ctx_(EVP_MD_CTX_new()) {
  if (!ctx_) throw std::bad_alloc();
  reset();
}

// EVP calls fail only on allocation failure or an unknown digest; both are
// start-up-time faults for MD5 and SHA-256, reported as allocation failures.
void HashContext::reset() {
  if (EVP_DigestInit_ex(ctx_.get(), evp_of(algorithm_), nullptr) != 1) throw std::bad_alloc();
}

void HashContext::update(std::span<const std::uint8_t> data) {
  if (data.empty()) return;
  if (EVP_DigestUpdate(ctx_.get(), data.data(), data.size()) != 1) throw std::bad_alloc();
}

void HashContext::finish(std::span<std::uint8_t> out) {
  std::array<unsigned char, EVP_MAX_MD_SIZE> digest{};
  unsigned int length = 0;
  if (EVP_DigestFinal_ex(ctx_.get(), digest.data(), &length) != 1 || length != out.size()) throw std::bad_alloc();
  std::copy_n(digest.begin(), length, out.begin());
  reset();
}

Md5::Digest md5(std::string_view text) {
  Md5 h;
  h.update(text);
  return h.finish();
}

Sha256::Digest sha256(std::string_view text) {
  Sha256 h;
  h.update(text);
  return h.finish();
}

Sha256::Digest hmac_sha256(std::span<const std::uint8_t> key, std::span<const std::uint8_t> message) {
  Sha256::Digest mac{};
  unsigned int length = 0;
  static constexpr unsigned char kNoKey = 0;  // an empty key still needs a valid pointer
  const void* key_bytes = key.empty() ? static_cast<const void*>(&kNoKey) : key.data();
  if (key.size() > static_cast<std::size_t>(std::numeric_limits<int>::max()) ||
      HMAC(EVP_sha256(), key_bytes, static_cast<int>(key.size()), message.data(), message.size(), mac.data(),
           &length) == nullptr ||
      length != mac.size())
    throw std::bad_alloc();
  return mac;
}

bool random_bytes(std::span<std::uint8_t> out) noexcept {
  if (out.size() > static_cast<std::size_t>(std::numeric_limits<int>::max())) return false;
  return RAND_bytes(out.data(), static_cast<int>(out.size())) == 1;
}

}  // namespace sipedge::registrar
