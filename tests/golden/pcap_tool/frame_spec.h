// Text specs of Ethernet frames, turned into bytes for golden-test captures.
//
// A spec is line based. Each frame is a block that starts with a frame line;
// the lines after it, up to the next frame line, add modifiers and payload.
// Blank lines and lines starting with '#' are skipped (except inside a
// heredoc). Tokens are `key=value` or bare flags; unknown ones are errors.
//
//   defaults smac=MAC dmac=MAC ttl=N   defaults for the blocks that follow
//                                      (initially smac=02:00:00:00:00:02,
//                                      dmac=02:00:00:00:00:01, ttl=64)
// Frame lines:
//   udp src=IP:PORT dst=IP:PORT        UDP/IPv4 datagram
//   icmp-echo src=IP dst=IP            ICMP echo request (ident=N seq=N,
//                                      type=N code=N to send something else;
//                                      default data: 32 bytes a..w,a..i)
//   arp-request src=IP dst=IP          who-has dst tell src; dmac defaults to
//                                      broadcast; padded to 60 bytes
//   arp-reply src=IP dst=IP            src is-at smac, to dst (target-mac=MAC,
//                                      default dmac); padded to 60 bytes
//   raw HEX...                         the whole frame in hex; more hex on
//                                      following `hex HEX...` lines
// Payload (udp, icmp-echo), pieces are concatenated in order:
//   <<TAG ... TAG                      heredoc: each line gets CRLF appended
//                                      (with --raw: LF), so end a SIP message
//                                      with an empty line
//   payload-file PATH                  file (relative to the spec); bare LF
//                                      becomes CRLF unless --raw
//   payload-file-raw PATH              file bytes unchanged
//   payload TEXT                       rest of the line; escapes \r \n \t
//                                      \0 \xHH and \\ (backslash); nothing
//                                      appended
//   payload-hex HEX...                 bytes in hex
// Modifiers (on the frame line or on their own lines):
//   smac=MAC dmac=MAC ttl=N id=N tos=N df ip-options=HEX (padded to 4 with
//   EOL) bad-ip-checksum; udp: bad-udp-checksum no-udp-checksum
//   udp-length=N (also clears the checksum) fix-content-length (sets the SIP
//   Content-Length/l header to the body size); icmp: bad-icmp-checksum;
//   fragment mtu=N [reverse] (IP fragments of at most N bytes, optionally
//   emitted last first); vlan=N (802.1Q tag); pad=N (zero-pad the frame to N
//   bytes); truncate=N (cut each frame to N bytes).
// The IP identification defaults to the block's number (1, 2, ...).
//
// Example:
//   udp src=203.0.113.50:5060 dst=203.0.113.1:5060
//   <<EOF
//   OPTIONS sip:edge@203.0.113.1 SIP/2.0
//   Content-Length: 0
//
//   EOF
//   udp src=203.0.113.50:5060 dst=203.0.113.1:5060 pad=60
//   payload \r\n\r\n
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace sipedge::pcap_tool {

using Frame = std::vector<std::uint8_t>;

struct SpecOptions {
  bool raw = false;  // keep LF line ends in heredocs and payload files
};

// `name` prefixes error messages ("name:line: ..."); `base_dir` resolves
// payload-file paths. Throws std::runtime_error on any error.
std::vector<Frame> build_frames(std::string_view text, const std::string& name,
                                const std::string& base_dir, const SpecOptions& options);

std::vector<Frame> build_frames_from_file(const std::string& path, const SpecOptions& options);

}  // namespace sipedge::pcap_tool
