#pragma once
// The dataplane's own counters, per worker lcore (and one set for the main
// lcore), beside the SIP fast path's (proxy::WorkerCounters) and the L2-L4
// drop reasons (net::DropReason). Declared once: the enum, the names (exit
// dump, telemetry, STATS) and the count come from this table.
#include <array>
#include <cstddef>
#include <string_view>

#include "net/drop_reason.h"
#include "proxy/worker.h"

namespace sipedge::dp {

// clang-format off
#define SIPEDGE_DP_COUNTERS(X)                                                        \
  X(rx_packets)            /* frames received */                                      \
  X(rx_bytes)                                                                         \
  X(tx_packets)            /* frames handed to the NIC */                             \
  X(tx_bytes)                                                                         \
  X(tx_refused)            /* tx_burst did not take them: freed */                    \
  X(tx_no_route)           /* no port reaches the next hop */                         \
  X(tx_no_neighbour)       /* next hop not resolved yet: dropped, ARP asked */        \
  X(tx_no_mbuf)            /* mempool empty */                                        \
  X(tx_fragmented)         /* datagrams sent as IPv4 fragments (over the MTU) */      \
  X(tx_fragments)          /* fragments sent */                                       \
  X(tx_compacted)          /* header names compacted to fit the MTU */                \
  X(tx_too_big)            /* over 8 fragments or 64 KiB: dropped */                  \
  X(arp_replied)           /* ARP requests for our addresses answered */              \
  X(arp_to_main)           /* ARP messages handed to the main lcore to learn */       \
  X(arp_events_full)       /* ... event ring full: dropped */                         \
  X(icmp_echo_replied)                                                                \
  X(rx_fragments)          /* IPv4 fragments received */                              \
  X(rx_reassembled)        /* datagrams rebuilt from fragments */                     \
  X(rx_reassembly_failed)  /* reassembled datagram did not classify */                \
  X(rx_multi_segment)      /* frames received in several mbufs: copied flat */        \
  X(punted)                /* datagrams queued to the control plane */               \
  X(punt_ring_full)        /* ... ring to the main lcore full: dropped */             \
  X(punt_no_headroom)      /* ... no room to prepend the punt header: dropped */     \
  X(punt_send_failed)      /* main lcore: socket full or gone: dropped */            \
  X(punt_received)         /* main lcore: messages from the control plane */         \
  X(punt_bad_message)      /* main lcore: malformed messages from it */              \
  X(cp_tx)                 /* main lcore: TX requests sent */                         \
  X(cp_dispatch)           /* main lcore: DISPATCH requests run */                    \
  X(cp_state)              /* main lcore: destination state changes applied */       \
  X(inbox_full)            /* main lcore: frame for a worker's TX inbox dropped */   \
  X(reloads)               /* snapshots published (reload, state change) */           \
  X(exception_rx)          /* main lcore: host frames handed to the kernel interface */ \
  X(exception_tx)          /* main lcore: kernel frames queued to go down the port */ \
  X(exception_dropped_ring) /* host frames dropped: ring or kernel interface full */  \
  X(exception_dropped_rate) /* host frames shed by dataplane.exception_pps */         \
  X(icmpv6_echo_replied)                                                              \
  X(nd_advert_sent)        /* NS for our addresses answered with an NA */             \
  X(nd_advert_received)    /* NAs taken (learnt; the kernel gets them too) */         \
  X(nd_solicit_sent)       /* main lcore: NS sent to resolve an IPv6 next hop */      \
  X(rx_fragments6)         /* IPv6 fragments received */                              \
  X(rx_reassembled6)       /* IPv6 datagrams rebuilt from fragments */                \
  X(vlan_no_headroom)      /* no room to push the 802.1Q tag at TX: dropped */        \
  X(busy_cycles)           /* TSC cycles spent on non-empty bursts */                 \
  X(poll_cycles)           /* TSC cycles in the loop, busy or not */                 \
  X(tx_ipv6_unsupported)   /* fast-path verdict to or from an IPv6 endpoint: no v6 SIP TX yet, dropped */
// clang-format on

enum class DpCounter : std::size_t {
#define SIPEDGE_X(name) name,
  SIPEDGE_DP_COUNTERS(SIPEDGE_X)
#undef SIPEDGE_X
};
inline constexpr std::string_view kDpCounterNames[] = {
#define SIPEDGE_X(name) #name,
    SIPEDGE_DP_COUNTERS(SIPEDGE_X)
#undef SIPEDGE_X
};
inline constexpr std::size_t kDpCounterCount = std::size(kDpCounterNames);

struct DpCounters {
  std::array<proxy::Counter, kDpCounterCount> dp;
  std::array<proxy::Counter, net::kDropReasonCount> drops;
  void add(DpCounter c, std::uint64_t n = 1) noexcept { dp[static_cast<std::size_t>(c)].add(n); }
  void drop(net::DropReason r) noexcept { drops[static_cast<std::size_t>(r)].add(); }
};

}  // namespace sipedge::dp
