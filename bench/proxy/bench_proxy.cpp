// The per-packet SIP pipeline on in-memory buffers (no I/O): what one worker
// spends on an initial INVITE, the 200 OK coming back, and an in-dialog BYE.
// Run: build/bench/proxy/bench_proxy --benchmark_repetitions=5 --benchmark_report_aggregates_only=true
#include <benchmark/benchmark.h>

#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>
#include <vector>

#include "bench_input.h"
#include "config/config.h"
#include "proxy/worker.h"
#include "sip/message.h"

namespace {

using namespace sipedge;

using bench::crlf;
using bench::node_config;

const std::string kInvite = crlf(
    "INVITE sip:+15551234@203.0.113.1 SIP/2.0\n"
    "Via: SIP/2.0/UDP 203.0.113.50:5060;branch=z9hG4bK-524287-1---77ba4d1c6d1e9f2a;rport\n"
    "Max-Forwards: 70\n"
    "Contact: <sip:alice@203.0.113.50:5060;transport=udp>\n"
    "To: <sip:+15551234@example.com>\n"
    "From: \"Alice\" <sip:alice@example.com>;tag=9fxced76sl\n"
    "Call-ID: 3848276298220188511@203.0.113.50\n"
    "CSeq: 1 INVITE\n"
    "Allow: INVITE, ACK, CANCEL, OPTIONS, BYE, REFER, NOTIFY, MESSAGE, SUBSCRIBE, INFO\n"
    "Content-Type: application/sdp\n"
    "User-Agent: Softphone 5.1\n"
    "Content-Length: 142\n"
    "\n"
    "v=0\n"
    "o=alice 2890844526 2890844526 IN IP4 203.0.113.50\n"
    "s=-\n"
    "c=IN IP4 203.0.113.50\n"
    "t=0 0\n"
    "m=audio 49170 RTP/AVP 0 8 101\n"
    "a=rtpmap:0 PCMU/8000\n");

struct Fixture {
  config::Config config;
  std::shared_ptr<const proxy::Snapshot> snap;
  std::unique_ptr<proxy::Worker> worker;
  char out[4096];

  Fixture() {
    auto r = config::load_string(node_config(), "bench.toml");
    if (!r.ok()) {
      std::fprintf(stderr, "%s\n", r.errors.front().to_string().c_str());
      std::abort();
    }
    config = std::move(*r.config);
    snap = proxy::build_snapshot(config, 1);
    worker = std::make_unique<proxy::Worker>(proxy::WorkerOptions{0, 1}, nullptr);
  }
  proxy::Verdict run(const std::string& payload, proxy::Endpoint src, proxy::Endpoint dst) {
    return worker->process(*snap, {.payload = payload, .source = src, .destination = dst}, out, 1);
  }
};

const proxy::Endpoint kUac{0xCB007132, 5060}, kVip{0xCB007101, 5060}, kInside{0xC6336401, 5060};

// The INVITE as forwarded, and the 200 OK the server sends back for it.
std::string response_for(Fixture& f, proxy::Endpoint& server) {
  const auto v = f.run(kInvite, kUac, kVip);
  server = v.to;
  sip::Message fwd;
  std::string request(f.out, v.length);
  if (fwd.parse(request) != sip::ParseError::ok) std::abort();
  std::string r = "SIP/2.0 200 OK\r\n";
  for (const auto& via : fwd.values(sip::HeaderId::via)) r += "Via: " + std::string(via.text) + "\r\n";
  for (const auto& rr : fwd.values(sip::HeaderId::record_route)) r += "Record-Route: " + std::string(rr.text) + "\r\n";
  r += crlf("From: \"Alice\" <sip:alice@example.com>;tag=9fxced76sl\nTo: <sip:+15551234@example.com>;tag=srv1\n"
            "Call-ID: 3848276298220188511@203.0.113.50\nCSeq: 1 INVITE\nContact: <sip:uas@198.51.100.21:5060>\n"
            "Content-Length: 0\n\n");
  return r;
}

void BM_InitialInvite(benchmark::State& state) {
  Fixture f;
  // More distinct calls than the worker's memory of recent INVITEs has
  // slots, so every one is a new call (CPS check, pick, remember).
  std::vector<std::string> calls;
  for (int i = 0; i < 8192; ++i) {
    std::string m = kInvite;
    const std::string n = std::to_string(100000 + i);
    m.replace(m.find("77ba4d1c6d1e9f2a"), 6, n);
    m.replace(m.find("3848276298"), 6, n);
    calls.push_back(std::move(m));
  }
  std::size_t i = 0;
  for (auto _ : state) benchmark::DoNotOptimize(f.run(calls[i++ & 8191], kUac, kVip));
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_InitialInvite);

void BM_Response200(benchmark::State& state) {
  Fixture f;
  proxy::Endpoint server;
  const std::string ok = response_for(f, server);
  for (auto _ : state) benchmark::DoNotOptimize(f.run(ok, server, kInside));
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_Response200);

void BM_InDialogBye(benchmark::State& state) {
  Fixture f;
  const std::string bye = crlf(
      "BYE sip:uas@198.51.100.21:5060 SIP/2.0\n"
      "Via: SIP/2.0/UDP 203.0.113.50:5060;branch=z9hG4bK-524287-1---bye1;rport\n"
      "Max-Forwards: 70\n"
      "Route: <sip:203.0.113.1:5060;lr>, <sip:198.51.100.1:5060;lr>\n"
      "To: <sip:+15551234@example.com>;tag=srv1\n"
      "From: \"Alice\" <sip:alice@example.com>;tag=9fxced76sl\n"
      "Call-ID: 3848276298220188511@203.0.113.50\n"
      "CSeq: 2 BYE\n"
      "Content-Length: 0\n\n");
  for (auto _ : state) benchmark::DoNotOptimize(f.run(bye, kUac, kVip));
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_InDialogBye);

}  // namespace

BENCHMARK_MAIN();
