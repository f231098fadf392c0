// pcap_tool: builds input captures for golden tests from text specs, and
// dumps captures as stable text for comparison. DPDK-free.
//
//   pcap_tool build [--raw] OUT.pcap SPEC...   frames of all specs, in order
//   pcap_tool dump [--payload] IN.pcap         one line per frame (see frame_dump.h)
//
// Spec syntax: see frame_spec.h. Exit status: 0 done, 1 error, 2 usage.
#include <cstdio>
#include <exception>
#include <string>
#include <vector>

#include "frame_dump.h"
#include "frame_spec.h"
#include "pcap_file.h"

namespace {

using namespace sipedge::pcap_tool;

int usage() {
  std::fputs(
      "usage: pcap_tool build [--raw] OUT.pcap SPEC...\n"
      "       pcap_tool dump [--payload] IN.pcap\n",
      stderr);
  return 2;
}

int build(const std::vector<std::string>& args) {
  SpecOptions options;
  std::vector<std::string> rest;
  for (const std::string& a : args) {
    if (a == "--raw") {
      options.raw = true;
    } else if (a.rfind("--", 0) == 0) {
      return usage();
    } else {
      rest.push_back(a);
    }
  }
  if (rest.size() < 2) return usage();
  std::vector<Frame> frames;
  for (std::size_t i = 1; i < rest.size(); ++i) {
    for (Frame& f : build_frames_from_file(rest[i], options)) frames.push_back(std::move(f));
  }
  PcapWriter writer(rest[0]);
  // Fixed timestamps, 1 ms apart, so captures are byte-for-byte reproducible.
  constexpr std::uint32_t kEpoch = 1700000000;
  for (std::size_t i = 0; i < frames.size(); ++i) {
    writer.write(frames[i], kEpoch + static_cast<std::uint32_t>(i / 1000),
                 static_cast<std::uint32_t>((i % 1000) * 1000));
  }
  writer.close();
  return 0;
}

int dump(const std::vector<std::string>& args) {
  DumpOptions options;
  std::string path;
  for (const std::string& a : args) {
    if (a == "--payload") {
      options.payload = true;
    } else if (a.rfind("--", 0) == 0 || !path.empty()) {
      return usage();
    } else {
      path = a;
    }
  }
  if (path.empty()) return usage();
  const PcapFile file = read_pcap(path);
  std::string out;
  for (std::size_t i = 0; i < file.records.size(); ++i) {
    out += dump_frame(i + 1, file.records[i].data, options);
  }
  std::fwrite(out.data(), 1, out.size(), stdout);
  return std::fflush(stdout) == 0 ? 0 : 1;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) return usage();
  const std::string verb = argv[1];
  const std::vector<std::string> args(argv + 2, argv + argc);
  try {
    if (verb == "build") return build(args);
    if (verb == "dump") return dump(args);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "pcap_tool: %s\n", e.what());
    return 1;
  }
  return usage();
}
