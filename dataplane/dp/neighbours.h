#pragma once
// The neighbour table: IPv4 -> MAC per port, for the next hop of every frame
// the dataplane sends. Static entries come from the TOML; the rest is learnt
// from ARP (RFC 826 merge rule, see net/arp.h) by the main lcore.
//
// Thread-safety: one writer (the main lcore), any number of readers (the
// workers), no lock. A slot is claimed once and never freed: the writer
// stores the MAC, then publishes the address with release; a reader that
// sees the address (acquire) sees a MAC that belongs to it. A MAC update is
// one 64-bit store, so a reader sees the old or the new MAC, never a mix.
// Open addressing with linear probing over a fixed power-of-two array; a
// full table refuses new entries (counted by the caller), it never grows.
// DPDK-free.
#include <array>
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>

#include "net/mac.h"

namespace sipedge::dp {

class NeighbourTable {
 public:
  static constexpr std::size_t kSlots = 4096;  // per port; power of two

  enum class Update : std::uint8_t { kAdded, kChanged, kUnchanged, kFull, kStatic };

  // Reader side (workers).
  [[nodiscard]] std::optional<net::MacAddr> lookup(std::uint32_t ip) const noexcept;

  // Writer side (main lcore only). `static_entry` pins the MAC: ARP never
  // changes a static neighbour.
  Update learn(std::uint32_t ip, const net::MacAddr& mac, bool static_entry = false) noexcept;
  // RFC 826: a sender that is not asking us may only refresh an entry we have.
  Update refresh(std::uint32_t ip, const net::MacAddr& mac) noexcept;

  [[nodiscard]] std::size_t size() const noexcept { return used_; }

  // Visits every entry (main lcore; telemetry and the exit dump).
  template <class F>
  void for_each(F&& f) const {
    for (const auto& s : slots_) {
      const auto ip = s.ip.load(std::memory_order_acquire);
      if (ip != 0) f(ip, unpack(s.mac.load(std::memory_order_relaxed)), s.is_static);
    }
  }

 private:
  struct Slot {
    std::atomic<std::uint32_t> ip{0};  // 0 = free (0.0.0.0 is never a neighbour)
    std::atomic<std::uint64_t> mac{0};
    bool is_static = false;  // writer-private
  };
  static std::uint64_t pack(const net::MacAddr& mac) noexcept;
  static net::MacAddr unpack(std::uint64_t word) noexcept;
  static std::size_t home(std::uint32_t ip) noexcept { return (ip * 2654435761u) & (kSlots - 1); }
  Slot* find(std::uint32_t ip) noexcept;

  std::array<Slot, kSlots> slots_{};
  std::size_t used_ = 0;
};

}  // namespace sipedge::dp
