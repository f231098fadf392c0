#include "registrar/nonce.h"

#include <array>
#include <limits>
#include <stdexcept>

#include "registrar/crypto.h"
#include "registrar/hex.h"

namespace sipedge::registrar {

namespace {

constexpr std::size_t kStampBytes = 12;  // issue time (8) + counter (4)
constexpr std::size_t kSignatureBytes = 12;
constexpr std::size_t kNonceLength = 2 * (kStampBytes + kSignatureBytes);
// A use without qop: no later use of the nonce is accepted.
constexpr std::uint32_t kUsedWithoutNc = std::numeric_limits<std::uint32_t>::max();

std::string random_secret() {
  std::array<std::uint8_t, 32> bytes{};
  if (!random_bytes(bytes)) throw std::runtime_error("nonce secret: the system's random source failed (RAND_bytes)");
  return std::string(bytes.begin(), bytes.end());
}

std::int64_t issued_ms_of(std::string_view nonce) {
  std::array<std::uint8_t, 8> t{};
  if (nonce.size() < 16 || !from_hex(nonce.substr(0, 16), t)) return 0;
  std::uint64_t v = 0;
  for (std::uint8_t b : t) v = (v << 8) | b;
  return static_cast<std::int64_t>(v);
}

}  // namespace

NonceManager::NonceManager(std::string secret, std::uint32_t lifetime_s, std::size_t max_tracked)
    : secret_(secret.empty() ? random_secret() : std::move(secret)),
      lifetime_s_(lifetime_s),
      max_tracked_(max_tracked == 0 ? 1 : max_tracked) {}

std::string NonceManager::sign(std::string_view stamp_hex, std::string_view realm) const {
  std::string message(stamp_hex);
  message += ':';
  message += realm;
  const auto mac = hmac_sha256(
      std::span<const std::uint8_t>(reinterpret_cast<const std::uint8_t*>(secret_.data()), secret_.size()),
      std::span<const std::uint8_t>(reinterpret_cast<const std::uint8_t*>(message.data()), message.size()));
  return to_hex(std::span<const std::uint8_t>(mac.data(), kSignatureBytes));
}

std::string NonceManager::issue(std::string_view realm, std::int64_t now_ms) {
  std::array<std::uint8_t, kStampBytes> stamp{};
  const auto t = static_cast<std::uint64_t>(now_ms);
  for (std::size_t i = 0; i < 8; ++i) stamp[i] = static_cast<std::uint8_t>(t >> (56 - 8 * i));
  const std::uint32_t n = ++counter_;
  for (std::size_t i = 0; i < 4; ++i) stamp[8 + i] = static_cast<std::uint8_t>(n >> (24 - 8 * i));
  std::string nonce = to_hex(stamp);
  nonce += sign(nonce, realm);
  return nonce;
}

NonceStatus NonceManager::check(std::string_view nonce, std::string_view realm, std::int64_t now_ms) const {
  if (nonce.size() != kNonceLength) return NonceStatus::invalid;
  std::array<std::uint8_t, kStampBytes + kSignatureBytes> raw{};
  if (!from_hex(nonce, raw)) return NonceStatus::invalid;
  const std::string_view stamp = nonce.substr(0, 2 * kStampBytes);
  // The nonce is hex we produced in lower case; compare its signature
  // lower-cased so a UA that upper-cases it is not refused.
  std::string signature(nonce.substr(2 * kStampBytes));
  for (char& c : signature)
    if (c >= 'A' && c <= 'F') c = static_cast<char>(c + 32);
  if (!constant_time_equal(signature, sign(stamp, realm))) return NonceStatus::invalid;
  const std::int64_t issued = issued_ms_of(nonce);
  const std::int64_t lifetime_ms = std::int64_t{lifetime_s_} * 1000;
  if (issued > now_ms + lifetime_ms) return NonceStatus::invalid;  // from the future: not a clock skew
  if (now_ms - issued > lifetime_ms) return NonceStatus::stale;
  if (issued <= evicted_horizon_ms_ && table_.find(std::string(nonce)) == table_.end()) return NonceStatus::stale;
  return NonceStatus::valid;
}

bool NonceManager::accept(std::string_view nonce, bool has_nc, std::uint32_t nc) {
  std::string key(nonce);
  auto it = table_.find(key);
  if (it != table_.end()) {
    Use& use = it->second;
    if (!has_nc || use.last_nc == kUsedWithoutNc || nc <= use.last_nc) return false;
    use.last_nc = nc;
    order_.splice(order_.end(), order_, use.age);
    return true;
  }
  if (has_nc && nc == 0) return false;  // nc starts at 1 (RFC 2617 3.2.2)
  if (table_.size() >= max_tracked_) {
    const auto oldest = table_.find(order_.front());
    evicted_horizon_ms_ = std::max(evicted_horizon_ms_, oldest->second.issued_ms);
    table_.erase(oldest);
    order_.pop_front();
  }
  order_.push_back(key);
  table_.emplace(std::move(key), Use{has_nc ? nc : kUsedWithoutNc, issued_ms_of(nonce), std::prev(order_.end())});
  return true;
}

}  // namespace sipedge::registrar
