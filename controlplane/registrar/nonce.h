#pragma once
// Stateless digest nonces with replay protection.
//
// A nonce is 48 hex digits: issue time (unix ms, 8 bytes) and a per-process
// counter (4 bytes) — 12 bytes — followed by the first 12 bytes of
// HMAC-SHA-256(secret, those 12 bytes ":" realm). Verifying needs no table of
// issued nonces: the signature proves we issued it (for that realm), the
// embedded time gives its age. Nonces older than the lifetime are "stale":
// the UA is challenged again with stale=true and retries without asking the
// user (RFC 2617 3.2.1).
//
// Replay: a nonce may be used many times, but each use must carry a larger
// nonce-count (nc) than the last accepted one. The last nc of the most
// recently used nonces is kept in a bounded table; when it is full the oldest
// entry is evicted, and any nonce issued no later than an evicted one is then
// treated as stale (its nc history is lost, so it must not be trusted).
// RFC 2069-style answers without qop carry no nc: such a nonce is accepted
// once.
//
// Thread-safety: none (event loop thread). Cost: one HMAC per issue/check.
#include <cstddef>
#include <cstdint>
#include <list>
#include <string>
#include <string_view>
#include <unordered_map>

namespace sipedge::registrar {

enum class NonceStatus : std::uint8_t {
  valid,    // ours, within its lifetime
  stale,    // ours, but too old (or its nc history was evicted)
  invalid,  // not a nonce we issued (bad format or signature, or another realm)
};

class NonceManager {
 public:
  // An empty secret draws a random one (nonces then do not survive a restart).
  NonceManager(std::string secret, std::uint32_t lifetime_s, std::size_t max_tracked);

  std::string issue(std::string_view realm, std::int64_t now_ms);
  NonceStatus check(std::string_view nonce, std::string_view realm, std::int64_t now_ms) const;
  // Records a use with nonce-count `nc` (has_nc = false: a use without qop).
  // False when it is a replay: nc not above the last accepted nc of this
  // nonce, or a second use without qop. Call only after the response hash
  // verified, so that forged requests cannot burn counts.
  bool accept(std::string_view nonce, bool has_nc, std::uint32_t nc);

  std::size_t tracked() const { return table_.size(); }
  std::uint32_t lifetime_s() const { return lifetime_s_; }

 private:
  struct Use {
    std::uint32_t last_nc = 0;
    std::int64_t issued_ms = 0;
    std::list<std::string>::iterator age;  // position in order_
  };
  std::string sign(std::string_view stamp_hex, std::string_view realm) const;

  std::string secret_;
  std::uint32_t lifetime_s_;
  std::size_t max_tracked_;
  std::uint32_t counter_ = 0;
  std::int64_t evicted_horizon_ms_ = -1;  // newest issue time among evicted nonces
  std::unordered_map<std::string, Use> table_;
  std::list<std::string> order_;  // oldest use first
};

}  // namespace sipedge::registrar
