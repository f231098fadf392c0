// One stable, diffable text line per frame, for golden comparisons:
//
//   #1 eth 02:00:00:00:00:02>02:00:00:00:00:01 ipv4 | ipv4 203.0.113.50>203.0.113.1 ttl=64 id=1 frag=0 | udp 5060>5060 len=312 | OPTIONS sip:edge SIP/2.0
//
// Sections are separated by " | ". Ethernet: "vlan=N" before the type when
// tagged; the type is ipv4, arp or hex. IPv4: frag=OFFSET with a trailing
// "+" when MF is set, then any of "df", "opts=N" (option bytes),
// "BAD-CHECKSUM", "pad=N" (bytes after the datagram). A fragment with a
// non-zero offset or MF shows "fragment len=N" instead of L4. UDP:
// "no-checksum" or "BAD-CHECKSUM" when so. ICMP: echo-request/echo-reply
// with id/seq, else type/code. ARP: "arp request who-has T tell S (MAC)" /
// "arp reply S is-at MAC". The payload summary is: (empty); STUN decoded;
// a payload made only of CR/LF/NUL escaped in full in quotes; else its first
// line (up to CRLF or LF), with non-printable bytes as \r \n \t \xHH.
//
// With `payload`, the whole payload follows on indented lines: text split at
// CRLF as "  | line" (a final piece without CRLF as "  ~ piece"), STUN as
// hex "  0000: 00 01 ...".
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>

namespace sipedge::pcap_tool {

struct DumpOptions {
  bool payload = false;
};

std::string dump_frame(std::size_t number, std::span<const std::uint8_t> frame,
                       const DumpOptions& options);

}  // namespace sipedge::pcap_tool
