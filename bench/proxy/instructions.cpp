// bench/proxy/instructions: the driver of bench/callgrind.sh. It pushes N
// messages of each kind through one proxy::Worker::process() (no I/O), each
// kind inside its own extern "C" function named sipedge_measure_<kind>, so
// callgrind can collect exactly those (--toggle-collect=sipedge_measure_*)
// and the script divides each one's inclusive cost by N.
//
//   build-rel/bench/proxy/instructions [N]     (default 2000)
//
// Every verdict is checked against the outcome the kind must have, so a
// measurement of a message that took a different path fails loudly instead
// of reporting a cheap drop. Inputs are built before measuring; every kind
// runs once unmeasured first (first-touch and lazy-binding costs).
// Single-threaded; exits 1 on an unexpected verdict.
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
using bench::node_config_v6;

// A typical softphone INVITE with SDP; "CALLID" and "BRANCH" are replaced
// per call so every one is a new call (CPS check, pick, remember).
const std::string kInvite = crlf(
    "INVITE sip:+15551234@203.0.113.1 SIP/2.0\n"
    "Via: SIP/2.0/UDP 203.0.113.50:5060;branch=z9hG4bK-524287-1---BRANCH;rport\n"
    "Max-Forwards: 70\n"
    "Contact: <sip:alice@203.0.113.50:5060;transport=udp>\n"
    "To: <sip:+15551234@example.com>\n"
    "From: \"Alice\" <sip:alice@example.com>;tag=9fxced76sl\n"
    "Call-ID: CALLID@203.0.113.50\n"
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

// The same INVITE from an IPv6 softphone to the IPv6 VIP.
const std::string kInvite6 = crlf(
    "INVITE sip:+15551234@[2001:db8::1] SIP/2.0\n"
    "Via: SIP/2.0/UDP [2001:db8:2::50]:5060;branch=z9hG4bK-524287-1---BRANCH;rport\n"
    "Max-Forwards: 70\n"
    "Contact: <sip:alice@[2001:db8:2::50]:5060;transport=udp>\n"
    "To: <sip:+15551234@example.com>\n"
    "From: \"Alice\" <sip:alice@example.com>;tag=9fxced76sl\n"
    "Call-ID: CALLID@2001:db8:2::50\n"
    "CSeq: 1 INVITE\n"
    "Allow: INVITE, ACK, CANCEL, OPTIONS, BYE, REFER, NOTIFY, MESSAGE, SUBSCRIBE, INFO\n"
    "Content-Type: application/sdp\n"
    "User-Agent: Softphone 5.1\n"
    "Content-Length: 146\n"
    "\n"
    "v=0\n"
    "o=alice 2890844526 2890844526 IN IP6 2001:db8:2::50\n"
    "s=-\n"
    "c=IN IP6 2001:db8:2::50\n"
    "t=0 0\n"
    "m=audio 49170 RTP/AVP 0 8 101\n"
    "a=rtpmap:0 PCMU/8000\n");

const std::string kInDialogHead =
    "Max-Forwards: 70\n"
    "Route: <sip:203.0.113.1:5060;lr>, <sip:198.51.100.1:5060;lr>\n"
    "To: <sip:+15551234@example.com>;tag=srv1\n"
    "From: \"Alice\" <sip:alice@example.com>;tag=9fxced76sl\n"
    "Call-ID: 3848276298220188511@203.0.113.50\n";

const std::string kBye = crlf("BYE sip:uas@198.51.100.21:5060 SIP/2.0\n"
                              "Via: SIP/2.0/UDP 203.0.113.50:5060;branch=z9hG4bK-524287-1---bye1;rport\n" +
                              kInDialogHead + "CSeq: 2 BYE\nContent-Length: 0\n\n");
const std::string kAck = crlf("ACK sip:uas@198.51.100.21:5060 SIP/2.0\n"
                              "Via: SIP/2.0/UDP 203.0.113.50:5060;branch=z9hG4bK-524287-1---ack1;rport\n" +
                              kInDialogHead + "CSeq: 1 ACK\nContent-Length: 0\n\n");
const std::string kRegister = crlf(
    "REGISTER sip:example.com SIP/2.0\n"
    "Via: SIP/2.0/UDP 203.0.113.50:5060;branch=z9hG4bK-524287-1---reg1;rport\n"
    "Max-Forwards: 70\n"
    "Contact: <sip:alice@203.0.113.50:5060;transport=udp>;expires=3600\n"
    "To: <sip:alice@example.com>\n"
    "From: <sip:alice@example.com>;tag=r3g1\n"
    "Call-ID: reg-3848276298220188511@203.0.113.50\n"
    "CSeq: 7 REGISTER\n"
    "Expires: 3600\n"
    "User-Agent: Softphone 5.1\n"
    "Content-Length: 0\n\n");
const std::string kCrlfPing = "\r\n\r\n";

const proxy::Endpoint kUac{0xCB007132, 5060}, kVip{0xCB007101, 5060}, kInside{0xC6336401, 5060};
const proxy::Endpoint kUac6 = proxy::endpoint6({0x20, 0x01, 0x0d, 0xb8, 0, 2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x50}, 5060);
const proxy::Endpoint kVip6 = proxy::endpoint6({0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1}, 5060);

struct Fixture {
  config::Config config;
  std::shared_ptr<const proxy::Snapshot> snap;
  std::unique_ptr<proxy::Worker> worker;
  char out[4096];

  explicit Fixture(const std::string& toml = node_config()) {
    auto r = config::load_string(toml, "instructions.toml");
    if (!r.ok()) {
      std::fprintf(stderr, "%s\n", r.errors.front().to_string().c_str());
      std::exit(1);
    }
    config = std::move(*r.config);
    snap = proxy::build_snapshot(config, 1);
    worker = std::make_unique<proxy::Worker>(proxy::WorkerOptions{0, 1}, nullptr);
    worker->set_control_plane_up(true);
  }
  proxy::Verdict run(const std::string& payload, proxy::Endpoint src, proxy::Endpoint dst) {
    return worker->process(*snap, {.payload = payload, .source = src, .destination = dst}, out, 1);
  }
};

Fixture* g_fixture;
Fixture* g_fixture6;
bool g_ok = true;

void expect(const char* kind, const proxy::Verdict& v, proxy::Outcome want) {
  if (v.outcome == want) return;
  std::fprintf(stderr, "%s: outcome %s, expected %s\n", kind, std::string(proxy::name(v.outcome)).c_str(),
               std::string(proxy::name(want)).c_str());
  g_ok = false;
}

// One batch: `inputs` round-robin, n messages, every verdict checked.
void batch(const char* kind, const std::vector<std::string>& inputs, std::size_t n, proxy::Endpoint src,
           proxy::Endpoint dst, proxy::Outcome want) {
  for (std::size_t i = 0; i < n; ++i) expect(kind, g_fixture->run(inputs[i % inputs.size()], src, dst), want);
}

struct Inputs {
  std::vector<std::string> invites, invites6, ok, bye, ack, reg, crlf;
  proxy::Endpoint server;
};
Inputs* g_in;

}  // namespace

// The measured regions: callgrind collects inside these only.
extern "C" {
__attribute__((noinline)) void sipedge_measure_invite(std::size_t n) {
  batch("invite", g_in->invites, n, kUac, kVip, proxy::Outcome::forwarded_request);
}
__attribute__((noinline)) void sipedge_measure_invite6(std::size_t n) {
  for (std::size_t i = 0; i < n; ++i)
    expect("invite6", g_fixture6->run(g_in->invites6[i % g_in->invites6.size()], kUac6, kVip6),
           proxy::Outcome::forwarded_request);
}
__attribute__((noinline)) void sipedge_measure_200ok(std::size_t n) {
  batch("200ok", g_in->ok, n, g_in->server, kInside, proxy::Outcome::forwarded_response);
}
__attribute__((noinline)) void sipedge_measure_bye(std::size_t n) {
  batch("bye", g_in->bye, n, kUac, kVip, proxy::Outcome::forwarded_in_dialog);
}
__attribute__((noinline)) void sipedge_measure_ack(std::size_t n) {
  batch("ack", g_in->ack, n, kUac, kVip, proxy::Outcome::forwarded_in_dialog);
}
__attribute__((noinline)) void sipedge_measure_register(std::size_t n) {
  batch("register", g_in->reg, n, kUac, kVip, proxy::Outcome::punted_register);
}
__attribute__((noinline)) void sipedge_measure_crlf(std::size_t n) {
  batch("crlf", g_in->crlf, n, kUac, kVip, proxy::Outcome::answered_crlf);
}
}

int main(int argc, char** argv) {
  const std::size_t n = argc > 1 ? std::strtoul(argv[1], nullptr, 10) : 2000;
  if (n == 0) {
    std::fprintf(stderr, "usage: %s [N>0]\n", argv[0]);
    return 2;
  }
  Fixture f;
  g_fixture = &f;
  Fixture f6(node_config_v6());
  g_fixture6 = &f6;
  Inputs in;
  g_in = &in;
  // n + 1 distinct calls: the warm-up takes the first, every measured one is new.
  for (std::size_t i = 0; i <= n; ++i) {
    std::string m = kInvite;
    const std::string id = std::to_string(1000000000000000000ull + i);
    m.replace(m.find("BRANCH"), 6, id.substr(0, 12));
    m.replace(m.find("CALLID"), 6, id);
    in.invites.push_back(std::move(m));
    std::string m6 = kInvite6;
    m6.replace(m6.find("BRANCH"), 6, id.substr(0, 12));
    m6.replace(m6.find("CALLID"), 6, id);
    in.invites6.push_back(std::move(m6));
  }
  // The 200 OK a server sends for the first INVITE as forwarded.
  const auto v = f.run(in.invites[0], kUac, kVip);
  expect("invite", v, proxy::Outcome::forwarded_request);
  in.server = v.to;
  sip::Message fwd;
  const std::string request(f.out, v.length);
  if (fwd.parse(request) != sip::ParseError::ok) return 1;
  std::string r = "SIP/2.0 200 OK\r\n";
  for (const auto& via : fwd.values(sip::HeaderId::via)) r += "Via: " + std::string(via.text) + "\r\n";
  for (const auto& rr : fwd.values(sip::HeaderId::record_route)) r += "Record-Route: " + std::string(rr.text) + "\r\n";
  r += crlf("From: \"Alice\" <sip:alice@example.com>;tag=9fxced76sl\nTo: <sip:+15551234@example.com>;tag=srv1\n"
            "Call-ID: " + std::string(fwd.call_id()) + "\nCSeq: 1 INVITE\nContact: <sip:uas@198.51.100.21:5060>\n"
            "Content-Type: application/sdp\nContent-Length: 0\n\n");
  in.ok = {r};
  in.bye = {kBye};
  in.ack = {kAck};
  in.reg = {kRegister};
  in.crlf = {kCrlfPing};
  in.invites.erase(in.invites.begin());
  expect("invite6", f6.run(in.invites6[0], kUac6, kVip6), proxy::Outcome::forwarded_request);
  in.invites6.erase(in.invites6.begin());

  // Warm-up, unmeasured.
  batch("200ok", in.ok, 1, in.server, kInside, proxy::Outcome::forwarded_response);
  batch("bye", in.bye, 1, kUac, kVip, proxy::Outcome::forwarded_in_dialog);
  batch("ack", in.ack, 1, kUac, kVip, proxy::Outcome::forwarded_in_dialog);
  batch("register", in.reg, 1, kUac, kVip, proxy::Outcome::punted_register);
  batch("crlf", in.crlf, 1, kUac, kVip, proxy::Outcome::answered_crlf);

  sipedge_measure_invite(n);
  sipedge_measure_invite6(n);
  sipedge_measure_200ok(n);
  sipedge_measure_bye(n);
  sipedge_measure_ack(n);
  sipedge_measure_register(n);
  sipedge_measure_crlf(n);
  if (!g_ok) return 1;
  std::printf("messages_per_kind=%zu\n", n);
  return 0;
}
