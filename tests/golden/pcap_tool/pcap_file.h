// Classic libpcap capture files (not pcapng), Ethernet link type only:
// what DPDK's net_pcap PMD reads and writes. Test tooling, not hot path:
// throws std::runtime_error on I/O or format errors.
#pragma once

#include <cstdint>
#include <fstream>
#include <span>
#include <string>
#include <vector>

namespace sipedge::pcap_tool {

inline constexpr std::uint32_t kPcapMagicMicro = 0xa1b2c3d4;
inline constexpr std::uint32_t kPcapMagicNano = 0xa1b23c4d;
inline constexpr std::uint32_t kLinkTypeEthernet = 1;
inline constexpr std::uint32_t kSnapLen = 65535;

struct PcapRecord {
  std::uint32_t ts_sec = 0;
  std::uint32_t ts_frac = 0;       // microseconds, or nanoseconds if the file says so
  std::uint32_t original_len = 0;  // on the wire; >= data.size()
  std::vector<std::uint8_t> data;
};

// Writes microsecond-resolution files in host byte order, as libpcap does;
// readers tell the byte order from the magic.
class PcapWriter {
 public:
  explicit PcapWriter(const std::string& path);
  void write(std::span<const std::uint8_t> frame, std::uint32_t ts_sec, std::uint32_t ts_usec);
  void close();

 private:
  std::ofstream out_;
  std::string path_;
};

struct PcapFile {
  bool nanosecond = false;
  std::uint32_t link_type = 0;
  std::vector<PcapRecord> records;
};

// Reads either byte order, micro- or nanosecond magic.
PcapFile read_pcap(const std::string& path);

}  // namespace sipedge::pcap_tool
