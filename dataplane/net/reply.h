// Answering a received frame from the buffer it arrived in.
//
// Stateless answers (ICMP echo, ARP, CRLF pong, STUN) go back where the
// request came from, so the cheapest reply reuses the received mbuf: turn
// the Ethernet and IPv4 headers around and rewrite what follows. IPv4
// options of the request are not echoed (RFC 1122 3.2.2.6 only asks that
// source-route options be reversed; dropping all options is allowed and
// keeps the reply at a fixed 34-byte header). The headers are rewritten so
// that they end where the request's L4 header started: when options are
// dropped, the reply simply starts a few bytes into the buffer and no
// payload moves (the dataplane trims the front with rte_pktmbuf_adj).
//
// Allocation-free and noexcept; safe to call concurrently on distinct buffers.
#pragma once

#include <cstdint>
#include <span>

#include "net/classify.h"
#include "net/ipv4.h"

namespace sipedge::net {

// A reply inside the received buffer: it starts `offset` bytes in.
struct FrameSlice {
  std::uint32_t offset = 0;
  std::uint32_t length = 0;  // 0: no reply was written; up to 14 + 65535

  [[nodiscard]] bool ok() const noexcept { return length != 0; }
};

// Writes Ethernet (destination = the request's source MAC, source = the MAC
// it was sent to) and the 20-byte IPv4 header `ip` so that they end at
// rx.l4_offset; returns the new start offset (rx.l4_offset - 34). The caller
// sets ip.src/dst (normally rx.dst_ip/rx.src_ip) and has checked that rx
// describes `frame` (same buffer, rx.l4_offset >= 34, frame large enough).
[[nodiscard]] std::uint16_t write_reply_headers(std::span<std::uint8_t> frame,
                                                const ClassifyResult& rx,
                                                const Ipv4Header& ip) noexcept;

}  // namespace sipedge::net
