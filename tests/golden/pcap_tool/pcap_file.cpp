#include "pcap_file.h"

#include <array>
#include <cstring>
#include <stdexcept>

namespace sipedge::pcap_tool {
namespace {

void put32(std::ofstream& out, std::uint32_t v) {
  out.write(reinterpret_cast<const char*>(&v), 4);  // host order, as libpcap writes
}

void put16(std::ofstream& out, std::uint16_t v) { out.write(reinterpret_cast<const char*>(&v), 2); }

std::uint32_t swap32(std::uint32_t v) {
  return (v >> 24) | ((v >> 8) & 0xff00) | ((v << 8) & 0xff0000) | (v << 24);
}

}  // namespace

PcapWriter::PcapWriter(const std::string& path)
    : out_(path, std::ios::binary | std::ios::trunc), path_(path) {
  if (!out_) throw std::runtime_error("cannot create " + path);
  put32(out_, kPcapMagicMicro);
  put16(out_, 2);  // version 2.4
  put16(out_, 4);
  put32(out_, 0);  // thiszone
  put32(out_, 0);  // sigfigs
  put32(out_, kSnapLen);
  put32(out_, kLinkTypeEthernet);
}

void PcapWriter::write(std::span<const std::uint8_t> frame, std::uint32_t ts_sec,
                       std::uint32_t ts_usec) {
  if (frame.size() > kSnapLen) throw std::runtime_error("frame longer than the snap length");
  const auto len = static_cast<std::uint32_t>(frame.size());
  put32(out_, ts_sec);
  put32(out_, ts_usec);
  put32(out_, len);
  put32(out_, len);
  out_.write(reinterpret_cast<const char*>(frame.data()), static_cast<std::streamsize>(len));
  if (!out_) throw std::runtime_error("write failed: " + path_);
}

void PcapWriter::close() {
  out_.close();
  if (!out_) throw std::runtime_error("close failed: " + path_);
}

PcapFile read_pcap(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error("cannot open " + path);
  std::array<std::uint32_t, 6> hdr{};
  if (!in.read(reinterpret_cast<char*>(hdr.data()), 24)) {
    throw std::runtime_error(path + ": shorter than a pcap header");
  }
  PcapFile file;
  bool swapped = false;
  if (hdr[0] == kPcapMagicMicro || hdr[0] == kPcapMagicNano) {
    file.nanosecond = hdr[0] == kPcapMagicNano;
  } else if (swap32(hdr[0]) == kPcapMagicMicro || swap32(hdr[0]) == kPcapMagicNano) {
    swapped = true;
    file.nanosecond = swap32(hdr[0]) == kPcapMagicNano;
  } else {
    throw std::runtime_error(path + ": not a classic pcap file (pcapng is not supported)");
  }
  auto fix = [swapped](std::uint32_t v) { return swapped ? swap32(v) : v; };
  file.link_type = fix(hdr[5]);
  if (file.link_type != kLinkTypeEthernet) {
    throw std::runtime_error(path + ": link type " + std::to_string(file.link_type) +
                             " is not Ethernet");
  }
  for (;;) {
    std::array<std::uint32_t, 4> rec{};
    in.read(reinterpret_cast<char*>(rec.data()), 16);
    if (in.gcount() == 0 && in.eof()) break;
    if (in.gcount() != 16) throw std::runtime_error(path + ": truncated record header");
    PcapRecord r;
    r.ts_sec = fix(rec[0]);
    r.ts_frac = fix(rec[1]);
    const std::uint32_t incl = fix(rec[2]);
    r.original_len = fix(rec[3]);
    if (incl > 262144) throw std::runtime_error(path + ": record length " + std::to_string(incl));
    r.data.resize(incl);
    if (!in.read(reinterpret_cast<char*>(r.data.data()), static_cast<std::streamsize>(incl))) {
      throw std::runtime_error(path + ": truncated record");
    }
    file.records.push_back(std::move(r));
  }
  return file;
}

}  // namespace sipedge::pcap_tool
