#pragma once
// The IPv6 neighbour table: address -> MAC per port, learnt from Neighbour
// Advertisements (RFC 4861) by the main lcore, plus static entries from the
// TOML. A learnt entry is reachable for kReachableMs after its last
// confirmation (RFC 4861 REACHABLE_TIME), then stale: lookup() stops
// answering until the main lcore's NS gets a fresh NA.
//
// Thread-safety: one writer (the main lcore), any number of readers (the
// workers), no lock. A slot is claimed once and never freed: the writer
// stores the address and the MAC, then publishes the slot with release; a
// reader that sees it (acquire) sees the address that belongs to it. A MAC
// or confirmation update is one 64-bit store each. Linear scan over a small
// fixed array: a port has few v6 next hops (gateways, the server pool).
// DPDK-free.
#include <array>
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <optional>

#include "net/ipv6.h"
#include "net/mac.h"

namespace sipedge::dp {

class NeighbourTable6 {
 public:
  static constexpr std::size_t kSlots = 256;
  static constexpr std::uint64_t kReachableMs = 30'000;

  enum class Update : std::uint8_t { kAdded, kChanged, kUnchanged, kFull, kStatic };

  [[nodiscard]] std::optional<net::MacAddr> lookup(const net::Ipv6Addr& ip, std::uint64_t now_ms) const noexcept {
    const Slot* s = find(ip);
    if (s == nullptr) return std::nullopt;
    if (!s->is_static.load(std::memory_order_relaxed) && now_ms - s->confirmed_ms.load(std::memory_order_relaxed) > kReachableMs) return std::nullopt;
    return unpack(s->mac.load(std::memory_order_relaxed));
  }

  // Milliseconds since the entry was last confirmed; nullopt: no entry.
  // Static entries never age (0).
  [[nodiscard]] std::optional<std::uint64_t> age_ms(const net::Ipv6Addr& ip, std::uint64_t now_ms) const noexcept {
    const Slot* s = find(ip);
    if (s == nullptr) return std::nullopt;
    return s->is_static.load(std::memory_order_relaxed) ? 0 : now_ms - s->confirmed_ms.load(std::memory_order_relaxed);
  }

  // Writer side (main lcore only).
  Update learn(const net::Ipv6Addr& ip, const net::MacAddr& mac, std::uint64_t now_ms,
               bool static_entry = false) noexcept {
    if (Slot* s = find_mut(ip)) {
      if (s->is_static.load(std::memory_order_relaxed) && !static_entry) return Update::kStatic;
      const std::uint64_t word = pack(mac);
      const bool changed = s->mac.load(std::memory_order_relaxed) != word;
      s->mac.store(word, std::memory_order_relaxed);
      s->confirmed_ms.store(now_ms, std::memory_order_relaxed);
      if (static_entry) s->is_static.store(true, std::memory_order_relaxed);
      return changed ? Update::kChanged : Update::kUnchanged;
    }
    if (used_ == kSlots) return Update::kFull;
    Slot& s = slots_[used_];
    s.ip = ip;
    s.mac.store(pack(mac), std::memory_order_relaxed);
    s.confirmed_ms.store(now_ms, std::memory_order_relaxed);
    s.is_static.store(static_entry, std::memory_order_relaxed);
    ++used_;
    count_.store(used_, std::memory_order_release);
    return Update::kAdded;
  }

  [[nodiscard]] std::size_t size() const noexcept { return count_.load(std::memory_order_acquire); }

 private:
  struct Slot {
    net::Ipv6Addr ip;  // written before the slot is published, never after
    std::atomic<std::uint64_t> mac{0};
    std::atomic<std::uint64_t> confirmed_ms{0};
    std::atomic<bool> is_static{false};
  };
  static std::uint64_t pack(const net::MacAddr& mac) noexcept {
    std::uint64_t w = 0;
    for (auto b : mac.bytes) w = (w << 8) | b;
    return w;
  }
  static net::MacAddr unpack(std::uint64_t w) noexcept {
    net::MacAddr m;
    for (int i = 5; i >= 0; --i) {
      m.bytes[static_cast<std::size_t>(i)] = static_cast<std::uint8_t>(w);
      w >>= 8;
    }
    return m;
  }
  const Slot* find(const net::Ipv6Addr& ip) const noexcept {
    const std::size_t n = count_.load(std::memory_order_acquire);
    for (std::size_t i = 0; i < n; ++i) {
      if (slots_[i].ip == ip) return &slots_[i];
    }
    return nullptr;
  }
  Slot* find_mut(const net::Ipv6Addr& ip) noexcept { return const_cast<Slot*>(find(ip)); }

  std::array<Slot, kSlots> slots_{};
  std::size_t used_ = 0;  // writer-private
  std::atomic<std::size_t> count_{0};
};

}  // namespace sipedge::dp
