// IPv6 in the control plane: a REGISTER punted with kFlagIpv6 is answered
// through the punt channel with the v6 destination set, its binding keeps
// the v6 received and local addresses (store, API, SQLite), NAT keepalives
// and calls to it leave as v6 TX with a bracketed Via, probes reach a v6
// destination, and the HTTP API listens on [::1].
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include "cp/http_server.h"
#include "cp/probe.h"
#include "cp_fixture.h"
#include "loop_fixture.h"
#include "sip/message.h"

namespace sipedge::cp::test {
namespace {

using registrar::test::parse;

net::Ipv6Addr v6(const char* text) {
  net::Ipv6Addr a;
  EXPECT_EQ(inet_pton(AF_INET6, text, a.bytes.data()), 1) << text;
  return a;
}

const net::Ipv6Addr kPhone6 = v6("2001:db8::7");
const net::Ipv6Addr kVip6 = v6("2001:db8:5::a");

// A PUNT from the phone's v6 address to the v6 VIP, as the dataplane sends it.
punt::Header from_phone6(std::uint32_t nat_bits = 0x3) {
  punt::Header h{.type = punt::MessageType::Punt,
                 .flags = static_cast<std::uint16_t>(punt::kFlagOutside | punt::kFlagIpv6),
                 .nat_bits = nat_bits,
                 .src_port = kPhonePort,
                 .dst_port = 5060};
  h.src_ipv6 = kPhone6.bytes;
  h.dst_ipv6 = kVip6.bytes;
  return h;
}

RegisterSpec v6_register() {
  RegisterSpec spec;
  spec.contacts = {"<sip:alice@[2001:db8::7]:5060>"};
  return spec;
}

std::string first_line(const std::string& s) { return s.substr(0, s.find("\r\n")); }

class Ipv6ControlPlane : public CpFixture {
 protected:
  void SetUp() override { start(); }

  void register_phone6(std::uint32_t nat_bits = 0x3) {
    punt(from_phone6(nat_bits), register_text(v6_register()));
    cp_->end_turn(now());
  }
};

TEST_F(Ipv6ControlPlane, RegisterIsAnsweredToTheV6SourceAndStoresBothV6Addresses) {
  register_phone6();
  auto sent = outbox_.take();
  ASSERT_EQ(sent.size(), 1u);
  const punt::Header& h = sent[0].header;
  EXPECT_EQ(h.type, punt::MessageType::Tx);
  EXPECT_TRUE(h.flags & punt::kFlagIpv6);
  EXPECT_EQ(h.dst_ipv6, kPhone6.bytes);
  EXPECT_EQ(h.dst_port, kPhonePort);
  EXPECT_EQ(h.dst_ipv4, 0u);
  EXPECT_EQ(h.src_ipv6, punt::Ipv6Address{}) << "from the (v6) VIP";
  EXPECT_EQ(first_line(sent[0].payload), "SIP/2.0 200 OK");
  // RFC 3261 18.2.1: the Via host (192.168.1.20) is not the source: received
  // is the v6 source, written without brackets.
  EXPECT_NE(sent[0].payload.find(";rport=40000;received=2001:db8::7\r\n"), std::string::npos) << sent[0].payload;

  const store::Binding* b = store_->find("alice@example.com", "sip:alice@[2001:db8::7]:5060");
  ASSERT_NE(b, nullptr);
  EXPECT_EQ(b->received, store::Endpoint::ipv6(kPhone6, kPhonePort));
  EXPECT_EQ(b->local, store::Endpoint::ipv6(kVip6, 5060));
  EXPECT_TRUE(b->nat) << "the dataplane's NAT bits judge a v6 source";

  // Persisted with its v6 addresses: a restart loads them.
  stop();
  start();
  b = store_->find("alice@example.com", "sip:alice@[2001:db8::7]:5060");
  ASSERT_NE(b, nullptr);
  EXPECT_EQ(to_string(b->received), "[2001:db8::7]:40000");
  EXPECT_EQ(to_string(b->local), "[2001:db8:5::a]:5060");
}

// The v4 [[nat.rule]] prefixes and the v4 local tests do not apply to a v6
// source: without bits from the dataplane it is not NATed, whatever rule
// would force a v4 one.
TEST_F(Ipv6ControlPlane, NatRulesAndLocalTestsDoNotJudgeAV6Source) {
  config::NatRule force;
  force.prefix = {0, 0};  // 0.0.0.0/0: every IPv4 source
  force.action = config::NatRuleAction::kForce;
  config_.nat.rules = {force};
  stop();
  start();
  register_phone6(0);
  ASSERT_EQ(outbox_.take().size(), 1u);
  const store::Binding* b = store_->find("alice@example.com", "sip:alice@[2001:db8::7]:5060");
  ASSERT_NE(b, nullptr);
  EXPECT_FALSE(b->nat);
  EXPECT_EQ(cp_->keepalive().size(), 0u) << "no keepalives for a binding that is not NATed";
}

TEST_F(Ipv6ControlPlane, KeepaliveOptionsGoToTheV6BindingAndItsReplyCounts) {
  register_phone6();
  outbox_.take();
  ASSERT_EQ(cp_->keepalive().size(), 1u);
  advance(std::int64_t{config_.keepalive.interval_s} * 1000 + 100);
  auto sent = outbox_.take();
  const Sent* options = nullptr;
  for (const Sent& s : sent)
    if (s.payload.starts_with("OPTIONS ")) options = &s;
  ASSERT_NE(options, nullptr) << "one OPTIONS within an interval";
  EXPECT_TRUE(options->header.flags & punt::kFlagIpv6);
  EXPECT_EQ(options->header.dst_ipv6, kPhone6.bytes);
  EXPECT_EQ(options->header.dst_port, kPhonePort);
  EXPECT_EQ(options->header.src_ipv6, kVip6.bytes) << "from the VIP the REGISTER reached";
  EXPECT_EQ(options->header.src_port, 5060);
  auto msg = parse(options->payload);
  ASSERT_EQ(msg->error, sip::ParseError::ok) << options->payload;
  const auto via = msg->msg.top_via();
  ASSERT_TRUE(via);
  EXPECT_EQ(via->host_type, sip::HostType::ipv6);
  EXPECT_EQ(via->host, "2001:db8:5::a");
  EXPECT_NE(options->payload.find("Via: SIP/2.0/UDP [2001:db8:5::a]:5060;branch="), std::string::npos);
  EXPECT_NE(options->payload.find("From: <sip:sipedge@[2001:db8:5::a]:5060>"), std::string::npos);

  // The phone answers: the reply (punted from its v6 address) is matched.
  const auto header = [&](std::string_view name) {
    const auto at = options->payload.find("\r\n" + std::string(name) + ": ");
    return options->payload.substr(at + 2, options->payload.find("\r\n", at + 2) - at - 2);
  };
  const std::string reply = "SIP/2.0 200 OK\r\n" + header("Via") + "\r\n" + header("From") + "\r\n" + header("To") +
                            ";tag=ua\r\n" + header("Call-ID") + "\r\n" + header("CSeq") + "\r\nContent-Length: 0\r\n\r\n";
  advance(20);
  punt::Header r = from_phone6(0);
  r.flags |= punt::kFlagKeepaliveReply;
  punt(r, reply);
  const store::Binding* b = store_->find("alice@example.com", "sip:alice@[2001:db8::7]:5060");
  ASSERT_NE(b, nullptr);
  EXPECT_NE(b->keepalive.last_ok_ms, 0) << "the OPTIONS reply was matched";
}

TEST_F(Ipv6ControlPlane, CallToAV6BindingLeavesAsV6WithBothRecordRoutes) {
  register_phone6();
  outbox_.take();
  const punt::Header server{.type = punt::MessageType::Punt,
                            .flags = punt::kFlagLocalLookup,
                            .port_id = 1,
                            .src_ipv4 = kServerIp,
                            .dst_ipv4 = kInside,
                            .src_port = 5060,
                            .dst_port = 5060};
  std::string invite = "INVITE sip:alice@example.com SIP/2.0\r\n";
  invite += "Via: SIP/2.0/UDP 198.51.100.20:5060;branch=z9hG4bK-inv1\r\nMax-Forwards: 70\r\n";
  invite += "From: <sip:bob@example.com>;tag=b1\r\nTo: <sip:alice@example.com>\r\n";
  invite += "Call-ID: inv-1@server\r\nCSeq: 1 INVITE\r\nContact: <sip:bob@198.51.100.20:5060>\r\n";
  invite += "Content-Length: 0\r\n\r\n";
  punt(server, invite);
  auto sent = outbox_.take();
  ASSERT_EQ(sent.size(), 1u);
  EXPECT_TRUE(sent[0].header.flags & punt::kFlagIpv6);
  EXPECT_EQ(sent[0].header.dst_ipv6, kPhone6.bytes);
  EXPECT_EQ(sent[0].header.src_ipv6, kVip6.bytes);
  auto out = parse(sent[0].payload);
  ASSERT_EQ(out->error, sip::ParseError::ok) << sent[0].payload;
  EXPECT_EQ(out->msg.request_uri(), "sip:alice@[2001:db8::7]:5060");
  const auto via = out->msg.top_via();
  ASSERT_TRUE(via);
  EXPECT_EQ(via->host, "2001:db8:5::a");
  const auto rr = registrar::test::header_values(out->msg, sip::HeaderId::record_route);
  ASSERT_EQ(rr.size(), 2u) << "the call changes family at the edge";
  EXPECT_EQ(rr[0], "<sip:[2001:db8:5::a]:5060;lr>");
  EXPECT_EQ(rr[1], "<sip:198.51.100.1:5060;lr>");
}

// A NAT-flagged initial request from a v6 source goes back to the fast
// path as v6 (the punt header's family kept) and unfixed: the Contact alias
// is IPv4 only.
TEST_F(Ipv6ControlPlane, NatFlaggedV6RequestIsDispatchedAsV6Unfixed) {
  std::string invite = "INVITE sip:carol@example.com SIP/2.0\r\n";
  invite += "Via: SIP/2.0/UDP [2001:db8::7]:5060;branch=z9hG4bK-n6;rport\r\nMax-Forwards: 70\r\n";
  invite += "From: <sip:alice@example.com>;tag=a1\r\nTo: <sip:carol@example.com>\r\n";
  invite += "Call-ID: nat6@phone\r\nCSeq: 1 INVITE\r\nContact: <sip:alice@[2001:db8::7]:5060>\r\n";
  invite += "Content-Length: 0\r\n\r\n";
  punt(from_phone6(), invite);
  auto sent = outbox_.take();
  ASSERT_EQ(sent.size(), 1u);
  EXPECT_EQ(sent[0].header.type, punt::MessageType::Dispatch);
  EXPECT_TRUE(sent[0].header.flags & punt::kFlagIpv6);
  EXPECT_EQ(sent[0].header.src_ipv6, kPhone6.bytes);
  EXPECT_EQ(sent[0].payload, invite);
  EXPECT_EQ(cp_->counters().get(Counter::nat_fix_failed), 1u);
}

// A REGISTER flood from one v6 /64 is limited as one source, whichever
// addresses of the /64 it comes from.
TEST_F(Ipv6ControlPlane, FloodLimitKeysAV6SourceByItsSlash64) {
  config_.registrar.flood_rate = 1;
  stop();
  start();
  for (int i = 0; i < 10; ++i) {
    punt::Header h = from_phone6();
    h.src_ipv6[15] = static_cast<std::uint8_t>(0x10 + i);  // 2001:db8::10, ::11, ...
    RegisterSpec spec = v6_register();
    spec.call_id = std::to_string(i) + "@flood";
    punt(h, register_text(spec));
  }
  EXPECT_GE(cp_->counters().get(Counter::register_flood), 7u);
}

// Proxy mode: a v6 REGISTER goes on (DISPATCH, the v6 punt header kept)
// with received = the v6 source and the Contact as sent (the alias is
// IPv4); the registrar's 200 is relayed to the phone as a v6 TX.
class Ipv6RegisterProxy : public CpFixture {
 protected:
  void SetUp() override {
    config_.registrar.mode = config::RegistrarMode::kProxy;
    config_.registrar.set = "registrars";
    config_.registrar.set_index = 0;
    start();
  }
};

TEST_F(Ipv6RegisterProxy, ForwardsWithTheV6ReceivedAndRelaysTheAnswerAsV6) {
  RegisterSpec spec = v6_register();
  spec.expires = 300;
  punt(from_phone6(), register_text(spec));
  cp_->end_turn(now());
  auto sent = outbox_.take();
  ASSERT_EQ(sent.size(), 1u);
  EXPECT_EQ(sent[0].header.type, punt::MessageType::Dispatch);
  EXPECT_TRUE(sent[0].header.flags & punt::kFlagIpv6);
  EXPECT_EQ(sent[0].header.src_ipv6, kPhone6.bytes);
  const std::string& forwarded = sent[0].payload;
  EXPECT_NE(forwarded.find("branch=z9hG4bK-1;rport=40000;received=2001:db8::7\r\n"), std::string::npos) << forwarded;
  EXPECT_NE(forwarded.find("Contact: <sip:alice@[2001:db8::7]:5060>\r\n"), std::string::npos) << forwarded;

  auto req = parse(forwarded);
  ASSERT_EQ(req->error, sip::ParseError::ok) << forwarded;
  // The dataplane's own Via on top, as it punts the registrar's answer.
  std::string answer = "SIP/2.0 200 OK\r\nVia: SIP/2.0/UDP 198.51.100.1:5060;branch=z9hG4bKse01aaaabbbbccccdddd\r\n";
  for (const auto& v : req->msg.values(sip::HeaderId::via)) answer.append("Via: ").append(v.text).append("\r\n");
  answer.append("From: ").append(req->msg.value(sip::HeaderId::from)).append("\r\n");
  answer.append("To: ").append(req->msg.value(sip::HeaderId::to)).append(";tag=reg1\r\n");
  answer.append("Call-ID: ").append(req->msg.call_id()).append("\r\n");
  answer.append("CSeq: ").append(req->msg.value(sip::HeaderId::cseq)).append("\r\n");
  answer += "Contact: <sip:alice@[2001:db8::7]:5060>;expires=300\r\nContent-Length: 0\r\n\r\n";
  punt({.type = punt::MessageType::Punt,
        .port_id = 1,
        .src_ipv4 = kServerIp,
        .dst_ipv4 = kInside,
        .src_port = 5060,
        .dst_port = 5060},
       answer);
  sent = outbox_.take();
  ASSERT_EQ(sent.size(), 1u);
  EXPECT_EQ(sent[0].header.type, punt::MessageType::Tx);
  EXPECT_TRUE(sent[0].header.flags & punt::kFlagIpv6);
  EXPECT_EQ(sent[0].header.dst_ipv6, kPhone6.bytes);
  EXPECT_EQ(sent[0].header.dst_port, kPhonePort);
  EXPECT_EQ(sent[0].header.src_ipv6, kVip6.bytes);
  EXPECT_TRUE(sent[0].payload.starts_with("SIP/2.0 200 OK\r\n")) << sent[0].payload;
}

// The probe engine with a v6 destination (the config's destinations are
// IPv4 today, so it is built directly): sent from `from6`, Via bracketed,
// answered only from the destination's own address.
TEST(Ipv6Probe, ProbesAV6DestinationFromTheV6InsideAddress) {
  struct Sink : ProbeSink {
    bool send_probe(const store::Endpoint& from, const store::Endpoint& to, std::string_view bytes) override {
      sent.push_back({from, to, std::string(bytes)});
      return true;
    }
    void state_changed(const DestinationHealth&) override {}
    struct Probe {
      store::Endpoint from, to;
      std::string text;
    };
    std::vector<Probe> sent;
  } sink;
  Counters counters;
  DestinationHealth d;
  d.set_name = "pool6";
  d.set_id = 3;
  d.uri = "sip:[2001:db8:2::21]:5060";
  d.address = store::Endpoint::ipv6(v6("2001:db8:2::21"), 5060);
  ProbeOptions options{.interval_ms = 1000, .timeout_ms = 300};
  options.from = {kInside, 5060};
  options.from6 = store::Endpoint::ipv6(v6("2001:db8:2::1"), 5060);
  ProbeEngine engine(options, {d}, counters);
  engine.advance(1'000'000, sink);
  ASSERT_EQ(sink.sent.size(), 1u);
  EXPECT_EQ(sink.sent[0].from, options.from6);
  EXPECT_EQ(sink.sent[0].to, d.address);
  EXPECT_TRUE(sink.sent[0].text.starts_with("OPTIONS sip:[2001:db8:2::21]:5060 SIP/2.0\r\n")) << sink.sent[0].text;
  EXPECT_NE(sink.sent[0].text.find("Via: SIP/2.0/UDP [2001:db8:2::1]:5060;branch="), std::string::npos);

  const auto probe = parse(sink.sent[0].text);
  ASSERT_EQ(probe->error, sip::ParseError::ok);
  const std::string& t = sink.sent[0].text;
  const auto line = [&](std::string_view name) {
    const auto at = t.find("\r\n" + std::string(name) + ": ");
    return t.substr(at + 2, t.find("\r\n", at + 2) - at - 2);
  };
  const std::string answer = "SIP/2.0 200 OK\r\n" + line("Via") + "\r\n" + line("From") + "\r\n" + line("To") +
                             ";tag=s\r\n" + line("Call-ID") + "\r\n" + line("CSeq") + "\r\nContent-Length: 0\r\n\r\n";
  const auto reply = parse(answer);
  ASSERT_EQ(reply->error, sip::ParseError::ok) << answer;
  EXPECT_FALSE(engine.on_reply(reply->msg, store::Endpoint::ipv6(v6("2001:db8:2::22"), 5060), 1'010'000, sink))
      << "another v6 address";
  EXPECT_FALSE(engine.on_reply(reply->msg, store::Endpoint{0, 5060}, 1'010'000, sink)) << "v4 zero is not ::";
  EXPECT_TRUE(engine.on_reply(reply->msg, d.address, 1'010'000, sink));
  EXPECT_TRUE(engine.destinations()[0].answered_once);
  EXPECT_EQ(engine.find("[2001:db8:2::21]:5060"), std::vector<std::size_t>{0});

  // Without a v6 inside address there is nothing to send from.
  Counters none;
  ProbeOptions v4_only = options;
  v4_only.from6 = {};
  ProbeEngine silent(v4_only, {d}, none);
  Sink quiet;
  silent.advance(1'000'000, quiet);
  EXPECT_TRUE(quiet.sent.empty());
  EXPECT_EQ(none.get(Counter::probes_unsent), 1u);
}

// A destination written "sip:[v6]:port" in the config is probed at that
// address (not at the zero IPv4 address beside it).
TEST(Ipv6Probe, AV6DestinationOfTheConfigIsProbedAtItsV6Address) {
  config::SetConfig set;
  set.name = "pool6";
  set.id = 3;
  config::DestinationConfig v6_dest;
  v6_dest.uri = "sip:[2001:db8:2::21]:5070";
  v6_dest.address6 = v6("2001:db8:2::21").bytes;
  v6_dest.port = 5070;
  config::DestinationConfig v4_dest;
  v4_dest.uri = "sip:198.51.100.21";
  v4_dest.address = 0xC6336415;
  set.destinations = {v6_dest, v4_dest};
  Counters counters;
  const ProbeEngine engine(ProbeOptions{.interval_ms = 1000, .timeout_ms = 300}, {set}, counters);
  const auto health = engine.destinations();
  ASSERT_EQ(health.size(), 2u);
  EXPECT_EQ(health[0].address, store::Endpoint::ipv6(v6("2001:db8:2::21"), 5070));
  EXPECT_EQ(health[1].address, (store::Endpoint{0xC6336415, 5060}));
}

// An inside port with address6 gives the probes their v6 source.
TEST_F(Ipv6ControlPlane, InsideAddress6IsTheV6ProbeSource) {
  EXPECT_FALSE(cp_->probe().options().from6.has_address());
  config_.ports[1].address6 = config::Ipv6Interface{v6("2001:db8:2::1").bytes, {v6("2001:db8:2::").bytes, 64}};
  stop();
  start();
  EXPECT_EQ(cp_->probe().options().from6, store::Endpoint::ipv6(v6("2001:db8:2::1"), 5060));
  EXPECT_EQ(cp_->probe().options().from, (store::Endpoint{kInside, 5060}));
}

// Through the whole loop and its fake dataplane: the v6 REGISTER's 200 on
// the punt socket, then /api/registrations with the bracketed address.
class Ipv6Loop : public LoopFixture {
 protected:
  void SetUp() override { start_loop(); }
};

TEST_F(Ipv6Loop, V6RegisterGets200WithTheV6PuntDestinationAndShowsInTheApi) {
  dp_->send({.type = punt::MessageType::Hello, .cookie = 1}, "sipedge-dp node=test workers=1");
  dp_->send(from_phone6(), register_text(v6_register()));
  const auto tx = dp_->recv(2000);
  ASSERT_TRUE(tx);
  EXPECT_EQ(tx->header.type, punt::MessageType::Tx);
  EXPECT_TRUE(tx->header.flags & punt::kFlagIpv6);
  EXPECT_EQ(tx->header.dst_ipv6, kPhone6.bytes);
  EXPECT_EQ(tx->header.dst_port, kPhonePort);
  EXPECT_TRUE(tx->payload.starts_with("SIP/2.0 200 OK\r\n")) << tx->payload;

  const std::string json = http_get(port(), "/api/registrations");
  EXPECT_NE(json.find("\"received\":\"[2001:db8::7]:40000\""), std::string::npos) << json;
  EXPECT_NE(json.find("\"local\":\"[2001:db8:5::a]:5060\""), std::string::npos) << json;
  const std::string text = http_get(port(), "/api/registrations?format=text");
  EXPECT_NE(text.find(" [2001:db8::7]:40000 "), std::string::npos) << text;
}

// Sends a GET to [::1]:port and returns the whole answer.
std::string http_get6(std::uint16_t port, const std::string& path) {
  const int fd = ::socket(AF_INET6, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in6 sa{};
  sa.sin6_family = AF_INET6;
  sa.sin6_port = htons(port);
  sa.sin6_addr = in6addr_loopback;
  if (::connect(fd, reinterpret_cast<sockaddr*>(&sa), sizeof sa) != 0) {
    ::close(fd);
    return {};
  }
  const std::string req = "GET " + path + " HTTP/1.1\r\nHost: [::1]:" + std::to_string(port) + "\r\n\r\n";
  ::send(fd, req.data(), req.size(), MSG_NOSIGNAL);
  std::string out;
  char buf[4096];
  pollfd p{fd, POLLIN, 0};
  while (::poll(&p, 1, 2000) == 1) {
    const ssize_t n = ::recv(fd, buf, sizeof buf, 0);
    if (n <= 0) break;
    out.append(buf, static_cast<std::size_t>(n));
  }
  ::close(fd);
  return out;
}

// metrics.listen = "[::1]:0": the loop's HTTP server binds IPv6 loopback
// and only it (a v4 client does not reach it).
TEST(Ipv6Http, LoopServesMetricsOnV6Loopback) {
  TempDir dir;
  const config::Config config = test_config(dir.path());
  store::MemoryStore store;
  config::Ipv6 loopback{};
  loopback[15] = 1;
  Loop loop(config, store, nullptr, config::ListenAddress::ipv6(loopback, 0));
  ASSERT_NE(loop.http_port(), 0);
  RunningLoop running(loop);
  const std::string metrics = http_get6(loop.http_port(), "/metrics");
  EXPECT_TRUE(metrics.starts_with("HTTP/1.1 200 OK\r\n")) << metrics;
  EXPECT_NE(metrics.find("sipedge_cp_punts_received_total"), std::string::npos);
  EXPECT_TRUE(http_get(loop.http_port(), "/metrics").empty()) << "nothing on 127.0.0.1";
  EXPECT_EQ(running.stop(), 0);
}

TEST(Ipv6Http, BindErrorNamesTheBracketedAddress) {
  std::string error;
  // 2001:db8::1 is on no interface of this host: bind() fails with EADDRNOTAVAIL.
  auto server = HttpServer::start(
      config::ListenAddress::ipv6(v6("2001:db8::1").bytes, 0),
      [](const HttpRequest&, std::uint32_t, std::uint64_t) { return std::optional<HttpResponse>{}; }, [] {}, error);
  EXPECT_EQ(server, nullptr);
  EXPECT_TRUE(error.starts_with("metrics listen [2001:db8::1]:0: ")) << error;
}

}  // namespace
}  // namespace sipedge::cp::test
