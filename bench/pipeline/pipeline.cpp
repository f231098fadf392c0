// bench/pipeline: how many SIP messages one worker core of sipedge-dp moves,
// through the real worker loop (dp::Worker, classify, reassembly check, the
// SIP fast path, TX buffering) over in-memory ring ports: no NIC, no kernel.
//
// The main lcore plays both peers: it keeps the RX rings full of synthetic
// calls (INVITE, 100, 180, 200, ACK, BYE, 200; a new Call-ID per call) and
// drains the TX rings. What the worker costs comes from its own busy-cycle
// accounting, so the figure holds even when the generator is the slower
// side. `--io-only` runs the same program with SIP processing off (the
// worker swaps MACs and sends back): the I/O ceiling to compare against.
//
//   build/bench/pipeline/pipeline [--seconds N] [--workers 1|2] [--io-only]
//
// Prints one line of key=value figures. Bounded: it stops after --seconds.
#include <rte_cycles.h>
#include <rte_eal.h>
#include <rte_eth_ring.h>
#include <rte_ethdev.h>
#include <rte_launch.h>
#include <rte_lcore.h>
#include <rte_mbuf.h>
#include <rte_ring.h>
#include <unistd.h>

#include <cstdio>
#include <cstring>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "dp/control.h"
#include "dp/runtime.h"
#include "fixtures/node_toml.h"
#include "net/udp.h"

namespace {

using namespace sipedge;

constexpr std::uint32_t kVip = 0xCB007101;        // 203.0.113.1
constexpr std::uint32_t kUac = 0xCB007132;        // 203.0.113.50
constexpr std::uint32_t kEdgeInside = 0xC6336401; // 198.51.100.1
constexpr std::uint32_t kUas = 0xC6336415;        // 198.51.100.21
constexpr net::MacAddr kOutsideMac{{0x02, 0, 0, 0, 0, 0x01}};
constexpr net::MacAddr kInsideMac{{0x02, 0, 0, 0, 1, 0x01}};
constexpr net::MacAddr kUacMac{{0x02, 0, 0, 0, 0, 0x50}};
constexpr net::MacAddr kUasMac{{0x02, 0, 0, 0, 1, 0x21}};
constexpr std::size_t kRingSize = 4096;
constexpr std::size_t kCallIdDigits = 16;

std::string config_text(unsigned workers, const std::string& sock) {
  fixtures::NodeToml node{.name = "bench", .mbufs = 32767, .mbuf_cache = 256, .punt_socket = sock, .extra = "[probe]\nenabled = false\n"};
  node.worker_lcores.clear();
  for (unsigned w = 1; w <= workers; ++w) node.worker_lcores.push_back(w);
  node.ports = {{.name = "outside", .device = "net_ring_out", .role = "outside", .address = "203.0.113.2/24", .mac = "02:00:00:00:00:01", .rss = false},
                {.name = "inside", .device = "net_ring_in", .role = "inside", .address = "198.51.100.1/24", .mac = "02:00:00:00:01:01", .rss = false}};
  node.neighbours = {{"203.0.113.50", "02:00:00:00:00:50", "outside"},
                     {"198.51.100.21", "02:00:00:00:01:21", "inside"},
                     {"198.51.100.22", "02:00:00:00:01:22", "inside"}};
  return fixtures::node_toml(node);
}

std::string crlf(const std::string& lf) {
  std::string out;
  for (char c : lf) {
    if (c == '\n') out += '\r';
    out += c;
  }
  return out;
}

// One message of the call: its frame, the port it arrives on, and where its
// Call-ID digits sit so each call gets its own.
struct Template {
  std::vector<std::uint8_t> frame;
  bool outside = true;
  std::size_t call_id_offset = 0;
};

Template make(bool outside, const std::string& sip) {
  const std::string payload = crlf(sip);
  Template t;
  t.outside = outside;
  t.frame.resize(net::kUdpFrameHeadersLength + payload.size());
  std::memcpy(t.frame.data() + net::kUdpFrameHeadersLength, payload.data(), payload.size());
  const net::UdpFlow flow = outside
      ? net::UdpFlow{.src_mac = kUacMac, .dst_mac = kOutsideMac, .src_ip = kUac, .dst_ip = kVip, .src_port = 5060, .dst_port = 5060}
      : net::UdpFlow{.src_mac = kUasMac, .dst_mac = kInsideMac, .src_ip = kUas, .dst_ip = kEdgeInside, .src_port = 5060, .dst_port = 5060};
  // No UDP checksum (allowed over IPv4), so patching the Call-ID keeps the frame valid.
  if (!net::build_udp_frame(t.frame, flow, 1, net::Checksums::IpOnly)) throw std::runtime_error("template frame");
  t.call_id_offset = net::kUdpFrameHeadersLength + payload.find("Call-ID: ") + 9;
  return t;
}

std::vector<Template> call_templates() {
  const std::string cid = "Call-ID: " + std::string(kCallIdDigits, '0') + "@203.0.113.50\n";
  const std::string uac_via = "Via: SIP/2.0/UDP 203.0.113.50:5060;branch=z9hG4bK-bench;rport\n";
  const std::string our_via = "Via: SIP/2.0/UDP 198.51.100.1:5060;branch=z9hG4bKse01a1b2c3d4e5f60718\n";
  const std::string uac_via_rcvd = "Via: SIP/2.0/UDP 203.0.113.50:5060;branch=z9hG4bK-bench;rport=5060;received=203.0.113.50\n";
  const std::string dialog_out = "From: <sip:alice@example.com>;tag=a1\nTo: <sip:bob@example.com>;tag=b1\n" + cid;
  const std::string sdp = "v=0\no=alice 1 1 IN IP4 203.0.113.50\ns=-\nc=IN IP4 203.0.113.50\nt=0 0\nm=audio 49170 RTP/AVP 0 8\n";
  auto response = [&](const std::string& status, const std::string& cseq, bool to_tag) {
    return "SIP/2.0 " + status + "\n" + our_via + uac_via_rcvd +
           "Record-Route: <sip:198.51.100.1:5060;lr>, <sip:203.0.113.1:5060;lr>\n"
           "From: <sip:alice@example.com>;tag=a1\nTo: <sip:bob@example.com>" + (to_tag ? ";tag=b1" : "") + "\n" + cid +
           "CSeq: " + cseq + "\nContact: <sip:bob@198.51.100.21:5060>\nContent-Length: 0\n\n";
  };
  auto in_dialog = [&](const std::string& method) {
    return method + " sip:bob@198.51.100.21:5060 SIP/2.0\n" + uac_via +
           "Route: <sip:203.0.113.1:5060;lr>, <sip:198.51.100.1:5060;lr>\nMax-Forwards: 70\n" + dialog_out +
           "CSeq: " + (method == "ACK" ? "1 ACK" : "2 BYE") + "\nContent-Length: 0\n\n";
  };
  std::vector<Template> t;
  t.push_back(make(true, "INVITE sip:bob@203.0.113.1 SIP/2.0\n" + uac_via + "Max-Forwards: 70\n"
                         "From: <sip:alice@example.com>;tag=a1\nTo: <sip:bob@example.com>\n" + cid +
                         "CSeq: 1 INVITE\nContact: <sip:alice@203.0.113.50:5060>\nContent-Type: application/sdp\n"
                         "Content-Length: " + std::to_string(crlf(sdp).size()) + "\n\n" + sdp));
  t.push_back(make(false, response("100 Trying", "1 INVITE", false)));
  t.push_back(make(false, response("180 Ringing", "1 INVITE", true)));
  t.push_back(make(false, response("200 OK", "1 INVITE", true)));
  t.push_back(make(true, in_dialog("ACK")));
  t.push_back(make(true, in_dialog("BYE")));
  t.push_back(make(false, response("200 OK", "2 BYE", true)));
  return t;
}

struct Rings {
  std::vector<rte_ring*> rx, tx;
};

Rings make_port(const char* name, unsigned queues) {
  Rings r;
  for (unsigned q = 0; q < queues; ++q) {
    const std::string rx = std::string("se_") + name + "_rx" + std::to_string(q), tx = std::string("se_") + name + "_tx" + std::to_string(q);
    r.rx.push_back(rte_ring_create(rx.c_str(), kRingSize, static_cast<int>(rte_socket_id()), RING_F_SP_ENQ | RING_F_SC_DEQ));
    r.tx.push_back(rte_ring_create(tx.c_str(), kRingSize, static_cast<int>(rte_socket_id()), RING_F_SP_ENQ | RING_F_SC_DEQ));
    if (!r.rx.back() || !r.tx.back()) throw std::runtime_error("ring create");
  }
  if (rte_eth_from_rings(name, r.rx.data(), queues, r.tx.data(), queues, rte_socket_id()) < 0)
    throw std::runtime_error(std::string("rte_eth_from_rings ") + name);
  return r;
}

void write_call_id(std::uint8_t* p, std::uint64_t call) {
  static constexpr char kHex[] = "0123456789abcdef";
  for (std::size_t i = 0; i < kCallIdDigits; ++i) p[kCallIdDigits - 1 - i] = static_cast<std::uint8_t>(kHex[(call >> (4 * i)) & 15]);
}

}  // namespace

int main(int argc, char** argv) {
  unsigned seconds = 5, workers = 1;
  bool io_only = false;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (a == "--seconds" && i + 1 < argc) {
      seconds = static_cast<unsigned>(std::stoul(argv[++i]));
    } else if (a == "--workers" && i + 1 < argc) {
      workers = static_cast<unsigned>(std::stoul(argv[++i]));
    } else if (a == "--io-only") {
      io_only = true;
    } else {
      std::fprintf(stderr, "usage: %s [--seconds N] [--workers 1|2] [--io-only]\n", argv[0]);
      return 2;
    }
  }
  if (seconds == 0 || seconds > 300 || workers == 0 || workers > 2) {
    std::fprintf(stderr, "--seconds 1..300, --workers 1..2\n");
    return 2;
  }
  const std::string prefix = "se-pipeline-" + std::to_string(getpid());
  // One core per lcore when the machine has them; otherwise lcores share
  // cores (said in the output), since busy cycles then include preemption.
  const unsigned cpus = static_cast<unsigned>(sysconf(_SC_NPROCESSORS_ONLN));
  const bool shared = workers + 1 > cpus;
  std::string lcores = "0@0";
  for (unsigned w = 1; w <= workers; ++w) lcores += "," + std::to_string(w) + "@" + std::to_string(w % cpus);
  std::vector<std::string> eal = {"pipeline", "--no-huge", "-m", "512", "--no-pci", "--no-telemetry", "--file-prefix", prefix,
                                  "--log-level", "*:warning", "--lcores", lcores, "--main-lcore", "0"};
  std::vector<char*> eal_argv;
  for (auto& s : eal) eal_argv.push_back(s.data());
  if (rte_eal_init(static_cast<int>(eal_argv.size()), eal_argv.data()) < 0) {
    std::fprintf(stderr, "EAL init failed\n");
    return 1;
  }
  int rc = 0;
  try {
    // The ring PMD names them "net_ring_" + name: the config's devices.
    Rings out = make_port("out", workers), in = make_port("in", workers);
    const std::string sock = "/tmp/" + prefix + ".sock";
    auto loaded = config::load_string(config_text(workers, sock), "pipeline.toml");
    if (!loaded.ok()) throw std::runtime_error(loaded.errors.front().to_string());
    dp::Runtime rt;
    dp::init_runtime(rt, std::make_shared<const config::Config>(std::move(*loaded.config)));
    rt.io_only = io_only;
    dp::Options options;
    dp::Signals signals;
    dp::Control control(rt, options, signals);
    control.start();
    for (auto& w : rt.workers) rte_eal_remote_launch(dp::worker_main, w.get(), w->lcore);

    const auto templates = call_templates();
    const std::uint64_t hz = rte_get_tsc_hz(), start = rte_rdtsc(), end = start + seconds * hz;
    std::uint64_t call = 0, sent = 0, received = 0, no_mbuf = 0;
    constexpr unsigned kCallsPerRound = 16;
    rte_mbuf* batch[kCallsPerRound * 7];
    while (rte_rdtsc() < end) {
      // Keep every worker's queues fed, a round of calls at a time.
      for (unsigned q = 0; q < workers; ++q) {
        if (rte_ring_count(out.rx[q]) > kRingSize / 2 || rte_ring_count(in.rx[q]) > kRingSize / 2) continue;
        const unsigned n = kCallsPerRound * static_cast<unsigned>(templates.size());
        if (rte_pktmbuf_alloc_bulk(rt.pool, batch, n) != 0) {
          ++no_mbuf;
          continue;
        }
        rte_mbuf* to_out[kCallsPerRound * 7];
        rte_mbuf* to_in[kCallsPerRound * 7];
        unsigned n_out = 0, n_in = 0, b = 0;
        for (unsigned c = 0; c < kCallsPerRound; ++c, ++call) {
          for (const auto& t : templates) {
            rte_mbuf* m = batch[b++];
            auto* data = reinterpret_cast<std::uint8_t*>(rte_pktmbuf_append(m, static_cast<std::uint16_t>(t.frame.size())));
            std::memcpy(data, t.frame.data(), t.frame.size());
            // Calls spread over the workers as RSS would spread their sources.
            write_call_id(data + t.call_id_offset, call * workers + q);
            (t.outside ? to_out[n_out++] : to_in[n_in++]) = m;
          }
        }
        // Arrival order within a call matters less than keeping both rings
        // busy: the fast path is stateless for all but the INVITE.
        const unsigned a = rte_ring_sp_enqueue_burst(out.rx[q], reinterpret_cast<void**>(to_out), n_out, nullptr);
        const unsigned i2 = rte_ring_sp_enqueue_burst(in.rx[q], reinterpret_cast<void**>(to_in), n_in, nullptr);
        if (a < n_out) rte_pktmbuf_free_bulk(to_out + a, n_out - a);
        if (i2 < n_in) rte_pktmbuf_free_bulk(to_in + i2, n_in - i2);
        sent += a + i2;
      }
      for (auto* r : {&out.tx, &in.tx}) {
        for (rte_ring* ring : *r) {
          void* done[256];
          const unsigned n = rte_ring_sc_dequeue_burst(ring, done, 256, nullptr);
          if (n) rte_pktmbuf_free_bulk(reinterpret_cast<rte_mbuf**>(done), n);
          received += n;
        }
      }
    }
    const double wall = static_cast<double>(rte_rdtsc() - start) / static_cast<double>(hz);
    rt.stop.store(true);
    rte_eal_mp_wait_lcore();

    std::vector<std::string> names;
    std::vector<std::uint64_t> values;
    control.collect(names, values);
    auto value = [&](const std::string& n) {
      for (std::size_t i = 0; i < names.size(); ++i)
        if (names[i] == n) return values[i];
      return std::uint64_t{0};
    };
    const std::uint64_t rx = value("rx_packets"), busy = value("busy_cycles");
    const double cycles_per_packet = rx ? static_cast<double>(busy) / static_cast<double>(rx) : 0;
    const double mpps_per_core = cycles_per_packet > 0 ? static_cast<double>(hz) / cycles_per_packet / 1e6 : 0;
    std::printf(
        "mode=%s workers=%u seconds=%.1f offered=%lu returned=%lu worker_rx=%lu wall_mpps=%.3f "
        "busy_cycles_per_packet=%.0f ns_per_packet=%.1f mpps_per_core=%.3f calls_per_s_per_core=%.0f "
        "forwarded_request=%lu forwarded_response=%lu forwarded_in_dialog=%lu dropped=%lu no_mbuf_rounds=%lu tsc_hz=%lu%s\n",
        io_only ? "io-only" : "sip", workers, wall, static_cast<unsigned long>(sent), static_cast<unsigned long>(received),
        static_cast<unsigned long>(rx), static_cast<double>(rx) / wall / 1e6, cycles_per_packet,
        cycles_per_packet * 1e9 / static_cast<double>(hz), mpps_per_core, mpps_per_core * 1e6 / 7.0,
        static_cast<unsigned long>(value("forwarded_request")), static_cast<unsigned long>(value("forwarded_response")),
        static_cast<unsigned long>(value("forwarded_in_dialog")),
        static_cast<unsigned long>(value("dropped_parse") + value("dropped_response_not_ours") + value("dropped_no_next_hop")),
        static_cast<unsigned long>(no_mbuf), static_cast<unsigned long>(hz),
        shared ? " cores_shared=yes(per-core figures include preemption)" : "");
    dp::teardown_runtime(rt);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "pipeline: %s\n", e.what());
    rc = 1;
  }
  rte_eal_cleanup();
  return rc;
}
