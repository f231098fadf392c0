// Per-message cost of the SIP fast path: parse + NAT tests, and the Via
// rewrite a forwarded request gets. Report: ns per message (items/s inverse).
//
//   bench_sip --benchmark_repetitions=5 --benchmark_report_aggregates_only=true
#include <benchmark/benchmark.h>

#include <string>
#include <vector>

#include "sip/hash.h"
#include "sip/message.h"
#include "sip/nat.h"
#include "sip/rewrite.h"

namespace sip = sipedge::sip;

namespace {

std::string crlf(std::string_view lf) {
  std::string out;
  for (char c : lf) {
    if (c == '\n') out.push_back('\r');
    out.push_back(c);
  }
  return out;
}

std::string with_body(std::string_view head, std::string_view body) {
  const std::string b = crlf(body);
  return crlf(head) + "Content-Length: " + std::to_string(b.size()) + "\r\n\r\n" + b;
}

// A softphone INVITE as it arrives from behind a NAT (~850 bytes).
const std::string kInvite = with_body(
    "INVITE sip:+15551230000@carrier.example.com SIP/2.0\n"
    "Via: SIP/2.0/UDP 192.168.1.10:5060;branch=z9hG4bK-524287-1---8c3d7a5e2f1b9d04;rport\n"
    "Max-Forwards: 70\n"
    "Contact: <sip:alice@192.168.1.10:5060;transport=udp>\n"
    "To: <sip:+15551230000@carrier.example.com>\n"
    "From: \"Alice\" <sip:alice@carrier.example.com>;tag=4f1b9d04\n"
    "Call-ID: ZDk3OGQ3YjA2ZWQ1NjBjYTQ2ZTQwYzM2ZDdmOWQ3NmI\n"
    "CSeq: 1 INVITE\n"
    "Allow: INVITE, ACK, CANCEL, BYE, NOTIFY, REFER, MESSAGE, OPTIONS, INFO, SUBSCRIBE\n"
    "Content-Type: application/sdp\n"
    "Supported: replaces, norefersub, extended-refer, timer, outbound, path, X-cisco-serviceuri\n"
    "User-Agent: Softphone 5.1.2 build 110532\n"
    "Allow-Events: presence, kpml, talk\n",
    "v=0\n"
    "o=- 1732281153 1 IN IP4 192.168.1.10\n"
    "s=softphone\n"
    "c=IN IP4 192.168.1.10\n"
    "t=0 0\n"
    "m=audio 51372 RTP/AVP 0 8 101\n"
    "a=rtpmap:0 PCMU/8000\n"
    "a=rtpmap:8 PCMA/8000\n"
    "a=rtpmap:101 telephone-event/8000\n"
    "a=fmtp:101 0-15\n"
    "a=sendrecv\n");

const std::string kRegister = with_body(
    "REGISTER sip:carrier.example.com SIP/2.0\n"
    "Via: SIP/2.0/UDP 10.0.0.5:5062;branch=z9hG4bK-d8754z-c2f6a1b0;rport\n"
    "Max-Forwards: 70\n"
    "Contact: <sip:bob@10.0.0.5:5062;rinstance=6f8d3c2a1b>;expires=3600\n"
    "To: <sip:bob@carrier.example.com>\n"
    "From: <sip:bob@carrier.example.com>;tag=2a5c1e9f\n"
    "Call-ID: NzQ1YjNhMmYxZTBkOWM4YjdhNmY1ZTRkM2MyYjFhMGY\n"
    "CSeq: 2 REGISTER\n"
    "Expires: 3600\n"
    "Allow: INVITE, ACK, CANCEL, OPTIONS, BYE, REFER, NOTIFY, MESSAGE, SUBSCRIBE, INFO\n"
    "User-Agent: Softphone 5.1.2 build 110532\n"
    "Authorization: Digest username=\"bob\",realm=\"carrier.example.com\",nonce=\"5f3c1e9a7b\","
    "uri=\"sip:carrier.example.com\",response=\"0c1e2d3f4a5b6c7d8e9fa0b1c2d3e4f5\",algorithm=MD5\n",
    "");

const std::string kOk = with_body(
    "SIP/2.0 200 OK\n"
    "Via: SIP/2.0/UDP 203.0.113.1:5060;branch=z9hG4bKedge.1.a7c3e9\n"
    "Via: SIP/2.0/UDP 198.51.100.7:5060;branch=z9hG4bK-524287-1---8c3d7a5e2f1b9d04;received=198.51.100.7;rport=40000\n"
    "Record-Route: <sip:203.0.113.1;lr>\n"
    "To: <sip:+15551230000@carrier.example.com>;tag=as6f2c1b7e\n"
    "From: \"Alice\" <sip:alice@carrier.example.com>;tag=4f1b9d04\n"
    "Call-ID: ZDk3OGQ3YjA2ZWQ1NjBjYTQ2ZTQwYzM2ZDdmOWQ3NmI\n"
    "CSeq: 1 INVITE\n"
    "Contact: <sip:+15551230000@198.51.100.20:5060>\n"
    "Content-Type: application/sdp\n",
    "v=0\n"
    "o=root 1900611420 1900611420 IN IP4 198.51.100.20\n"
    "s=Server\n"
    "c=IN IP4 198.51.100.20\n"
    "t=0 0\n"
    "m=audio 17086 RTP/AVP 0 101\n"
    "a=rtpmap:0 PCMU/8000\n"
    "a=rtpmap:101 telephone-event/8000\n");

constexpr std::uint32_t kSrcIp = 0xC6336407;  // 198.51.100.7
constexpr std::uint16_t kSrcPort = 40000;

void parse_and_nat(benchmark::State& state, const std::string& text) {
  sip::Message m;
  for (auto _ : state) {
    const sip::ParseError e = m.parse(text);
    benchmark::DoNotOptimize(e);
    sip::NatMask bits = sip::nat_test(m, kSrcIp, kSrcPort, sip::kAllNatTests);
    benchmark::DoNotOptimize(bits);
  }
  if (m.parse(text) != sip::ParseError::ok) state.SkipWithError("fixture does not parse");
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()));
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * text.size()));
}

void BM_ParseNat_Invite(benchmark::State& s) { parse_and_nat(s, kInvite); }
void BM_ParseNat_Register(benchmark::State& s) { parse_and_nat(s, kRegister); }
void BM_ParseNat_200Ok(benchmark::State& s) { parse_and_nat(s, kOk); }

void BM_ParseOnly_Invite(benchmark::State& state) {
  sip::Message m;
  for (auto _ : state) {
    const sip::ParseError e = m.parse(kInvite);
    benchmark::DoNotOptimize(e);
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()));
}

// What a forwarded initial request costs after parsing: received/rport on the
// top Via, own Via prepended, Max-Forwards decremented, written out.
void BM_Rewrite_ViaPrependReceivedRport(benchmark::State& state) {
  sip::Message m;
  if (m.parse(kInvite) != sip::ParseError::ok) state.SkipWithError("fixture does not parse");
  std::vector<char> out(2048);
  for (auto _ : state) {
    sip::Rewriter rw(m);
    rw.set_top_via_received(kSrcIp);
    rw.set_top_via_rport(kSrcPort);
    rw.insert_header_before(sip::HeaderId::via, sip::HeaderId::via,
                            "SIP/2.0/UDP 203.0.113.1:5060;branch=z9hG4bKedge.1.a7c3e9");
    rw.set_max_forwards(m.max_forwards() - 1);
    auto n = rw.apply(out);
    benchmark::DoNotOptimize(n);
    benchmark::ClobberMemory();
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()));
}

// The whole per-message SIP work for a forwarded INVITE.
void BM_ParseNatRewrite_Invite(benchmark::State& state) {
  sip::Message m;
  std::vector<char> out(2048);
  for (auto _ : state) {
    m.parse(kInvite);
    sip::NatMask bits = sip::nat_test(m, kSrcIp, kSrcPort, sip::kAllNatTests);
    benchmark::DoNotOptimize(bits);
    std::uint32_t h = sip::hash_bytes(m.call_id());
    benchmark::DoNotOptimize(h);
    sip::Rewriter rw(m);
    rw.set_top_via_received(kSrcIp);
    rw.set_top_via_rport(kSrcPort);
    rw.insert_header_before(sip::HeaderId::via, sip::HeaderId::via,
                            "SIP/2.0/UDP 203.0.113.1:5060;branch=z9hG4bKedge.1.a7c3e9");
    rw.set_max_forwards(m.max_forwards() - 1);
    auto n = rw.apply(out);
    benchmark::DoNotOptimize(n);
    benchmark::ClobberMemory();
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()));
}

void BM_Hash_CallId(benchmark::State& state) {
  const std::string_view id = "ZDk3OGQ3YjA2ZWQ1NjBjYTQ2ZTQwYzM2ZDdmOWQ3NmI";
  for (auto _ : state) {
    std::uint32_t h = sip::hash_bytes(id);
    benchmark::DoNotOptimize(h);
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()));
}

}  // namespace

BENCHMARK(BM_ParseNat_Invite);
BENCHMARK(BM_ParseNat_Register);
BENCHMARK(BM_ParseNat_200Ok);
BENCHMARK(BM_ParseOnly_Invite);
BENCHMARK(BM_Rewrite_ViaPrependReceivedRport);
BENCHMARK(BM_ParseNatRewrite_Invite);
BENCHMARK(BM_Hash_CallId);
BENCHMARK_MAIN();
