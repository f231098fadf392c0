// NAT keepalives: timer-wheel spreading, OPTIONS with RTT, failure removal,
// CRLF / null methods.
#include <gtest/gtest.h>

#include <algorithm>
#include <map>

#include "cp/keepalive.h"
#include "cp_fixture.h"

namespace sipedge::cp::test {
namespace {

using registrar::test::parse;

class RecordingSink : public KeepaliveSink {
 public:
  void send(const store::Endpoint& from, const store::Endpoint& to, std::string_view bytes) override {
    sends.push_back({from, to, std::string(bytes)});
  }
  void missed(std::string_view, std::string_view, std::uint32_t) override { ++misses; }
  void failed(std::string_view aor, std::string_view contact) override {
    failures.push_back(std::string(aor) + " " + std::string(contact));
  }
  struct Send {
    store::Endpoint from, to;
    std::string bytes;
  };
  std::vector<Send> sends;
  std::vector<std::string> failures;
  int misses = 0;
};

store::Binding nat_binding(int i) {
  store::Binding b;
  b.aor = "user" + std::to_string(i) + "@example.com";
  b.contact = "sip:user" + std::to_string(i) + "@192.168.1.20:5060";
  b.received = {kPhoneIp, static_cast<std::uint16_t>(10000 + i % 50000)};
  b.local = {kVip, 5060};
  b.nat = true;
  return b;
}

TEST(KeepaliveEngine, BindingsAreSpreadEvenlyOverTheInterval) {
  KeepaliveEngine engine({.interval_ms = 30'000});
  ASSERT_EQ(engine.slot_count(), 300u);
  constexpr int kBindings = 30'000;
  for (int i = 0; i < kBindings; ++i) engine.add(nat_binding(i));
  std::size_t lo = SIZE_MAX, hi = 0;
  for (std::size_t s = 0; s < engine.slot_count(); ++s) {
    lo = std::min(lo, engine.slot_load(s));
    hi = std::max(hi, engine.slot_load(s));
  }
  // Mean 100 per slot; registering all at once must not make a burst.
  EXPECT_GE(lo, 60u);
  EXPECT_LE(hi, 140u);

  // Over one interval every binding gets exactly one keepalive, in ticks of
  // about kBindings / 300, never all at once.
  RecordingSink sink;
  std::int64_t t_us = 1'000'000'000;
  engine.advance(t_us, sink);  // starts the wheel
  sink.sends.clear();
  std::size_t max_per_tick = 0;
  for (int tick = 0; tick < 300; ++tick) {
    const std::size_t before = sink.sends.size();
    t_us += kTickMs * 1000;
    engine.advance(t_us, sink);
    max_per_tick = std::max(max_per_tick, sink.sends.size() - before);
  }
  EXPECT_EQ(sink.sends.size(), static_cast<std::size_t>(kBindings));
  EXPECT_LE(max_per_tick, 140u);
  std::map<std::uint16_t, int> per_port;
  for (const auto& s : sink.sends) ++per_port[s.to.port];
  EXPECT_EQ(per_port.size(), static_cast<std::size_t>(kBindings));
}

TEST(KeepaliveEngine, AClockJumpSendsAtMostOneRound) {
  KeepaliveEngine engine({.interval_ms = 10'000});
  for (int i = 0; i < 100; ++i) engine.add(nat_binding(i));
  RecordingSink sink;
  engine.advance(1'000'000, sink);
  sink.sends.clear();
  engine.advance(1'000'000 + 3'600'000'000LL, sink);  // an hour later
  EXPECT_EQ(sink.sends.size(), 100u);
}

TEST(KeepaliveEngine, OptionsCarryTheKeepaliveBranchAndComeFromTheVip) {
  KeepaliveEngine engine({.interval_ms = 5'000});
  engine.add(nat_binding(1));
  RecordingSink sink;
  for (std::int64_t t = 0; t <= 5'000'000; t += 100'000) engine.advance(t, sink);
  ASSERT_EQ(sink.sends.size(), 1u);
  EXPECT_EQ(sink.sends[0].from, (store::Endpoint{kVip, 5060}));
  EXPECT_EQ(sink.sends[0].to, nat_binding(1).received);
  auto msg = parse(sink.sends[0].bytes);
  ASSERT_EQ(msg->error, sip::ParseError::ok) << sink.sends[0].bytes;
  EXPECT_EQ(msg->msg.method(), sip::Method::options);
  EXPECT_EQ(msg->msg.request_uri(), nat_binding(1).contact);
  auto via = msg->msg.top_via();
  ASSERT_TRUE(via);
  EXPECT_TRUE(via->branch.starts_with("z9hG4bKsk")) << via->branch;
  EXPECT_EQ(via->host, "203.0.113.10");
}

TEST(KeepaliveEngine, NonNatBindingsAndTheOffMethodGetNothing) {
  KeepaliveEngine engine({.interval_ms = 5'000});
  auto b = nat_binding(1);
  b.nat = false;
  engine.add(b);
  EXPECT_EQ(engine.size(), 0u);
  KeepaliveEngine off({.method = config::KeepaliveMethod::kOff, .interval_ms = 5'000});
  off.add(nat_binding(1));
  EXPECT_EQ(off.size(), 0u);
}

TEST(KeepaliveEngine, CrlfAndNullSendTheirBytes) {
  for (auto [method, bytes] : {std::pair{config::KeepaliveMethod::kCrlf, std::string("\r\n\r\n")},
                               std::pair{config::KeepaliveMethod::kNull, std::string("\0\0\0\0", 4)}}) {
    KeepaliveEngine engine({.method = method, .interval_ms = 5'000});
    engine.add(nat_binding(1));
    RecordingSink sink;
    for (std::int64_t t = 0; t <= 20'000'000; t += 100'000) engine.advance(t, sink);
    ASSERT_EQ(sink.sends.size(), 4u);
    for (const auto& s : sink.sends) EXPECT_EQ(s.bytes, bytes);
    EXPECT_TRUE(sink.failures.empty()) << "no answer is expected, so none is missed";
  }
}

// A removed binding's cell is reused by the next one; a late answer to the
// old binding's OPTIONS must not count for the new one.
TEST(KeepaliveEngine, ALateReplyToARemovedBindingDoesNotMatchItsSuccessor) {
  auto reply_to = [](const std::string& options) {
    auto req = parse(options);
    std::string t = "SIP/2.0 200 OK\r\nVia: " + std::string(req->msg.value(sip::HeaderId::via)) + "\r\n";
    t += "From: " + std::string(req->msg.value(sip::HeaderId::from)) + "\r\n";
    t += "To: " + std::string(req->msg.value(sip::HeaderId::to)) + ";tag=x\r\n";
    t += "Call-ID: " + std::string(req->msg.call_id()) + "\r\nCSeq: 1 OPTIONS\r\nContent-Length: 0\r\n\r\n";
    return t;
  };
  KeepaliveEngine engine({.interval_ms = 5'000});
  engine.add(nat_binding(1));
  RecordingSink sink;
  std::int64_t t = 0;
  for (; t <= 5'000'000 && sink.sends.empty(); t += 100'000) engine.advance(t, sink);
  ASSERT_EQ(sink.sends.size(), 1u);
  const std::string old_reply = reply_to(sink.sends[0].bytes);

  engine.remove(nat_binding(1).aor, nat_binding(1).contact);
  engine.add(nat_binding(2));
  sink.sends.clear();
  for (; t <= 20'000'000 && sink.sends.empty(); t += 100'000) engine.advance(t, sink);
  ASSERT_EQ(sink.sends.size(), 1u);

  ReplyMatch match;
  auto late = parse(old_reply);
  EXPECT_FALSE(engine.on_reply(late->msg, t, 0, match));
  EXPECT_EQ(engine.stats().stray, 1u);
  auto current = parse(reply_to(sink.sends[0].bytes));
  ASSERT_TRUE(engine.on_reply(current->msg, t, 0, match));
  EXPECT_EQ(match.aor, nat_binding(2).aor);
}

// Through the ControlPlane: the REGISTER's NAT flag starts keepalives, the
// punted reply sets the RTT, silence removes the binding.
class KeepaliveCp : public CpFixture {
 protected:
  void SetUp() override { start(); }

  std::vector<Sent> options_sent() {
    std::vector<Sent> out;
    for (auto& s : outbox_.take())
      if (s.payload.starts_with("OPTIONS ")) out.push_back(std::move(s));
    return out;
  }

  static std::string reply_to(const std::string& options) {
    auto req = parse(options);
    std::string t = "SIP/2.0 200 OK\r\n";
    t += "Via: " + std::string(req->msg.value(sip::HeaderId::via)) + ";received=203.0.113.7\r\n";
    t += "From: " + std::string(req->msg.value(sip::HeaderId::from)) + "\r\n";
    t += "To: " + std::string(req->msg.value(sip::HeaderId::to)) + ";tag=ph1\r\n";
    t += "Call-ID: " + std::string(req->msg.call_id()) + "\r\n";
    t += "CSeq: " + std::string(req->msg.value(sip::HeaderId::cseq)) + "\r\nContent-Length: 0\r\n\r\n";
    return t;
  }
};

TEST_F(KeepaliveCp, ReplyUpdatesTheRoundTripTime) {
  register_phone();
  outbox_.take();
  std::vector<Sent> sent;
  for (int step = 0; step < 700 && sent.empty(); ++step) {  // stop at the tick that sends it
    advance(50);
    sent = options_sent();
  }
  ASSERT_EQ(sent.size(), 1u);
  EXPECT_EQ(sent[0].header.dst_ipv4, kPhoneIp);
  EXPECT_EQ(sent[0].header.dst_port, kPhonePort);
  advance_clock_only(20);
  // As sipedge-dp punts it: recognised by the branch, no reply flag.
  punt::Header h = from_phone(0);
  punt(h, reply_to(sent[0].payload));
  const store::Binding* b = store_->find("alice@example.com", "sip:alice@192.168.1.20:5060");
  ASSERT_NE(b, nullptr);
  EXPECT_EQ(b->keepalive.last_rtt_us, 20'000u);
  EXPECT_EQ(b->keepalive.consecutive_failures, 0u);
  EXPECT_EQ(cp_->keepalive().stats().answered, 1u);
  // A duplicate of the same reply is stray, not a second answer.
  punt(h, reply_to(sent[0].payload));
  EXPECT_EQ(cp_->keepalive().stats().answered, 1u);
  EXPECT_EQ(cp_->keepalive().stats().stray, 1u);
  EXPECT_NE(cp_->metrics_text().find("\nsipedge_keepalive_answered_total 1\n"), std::string::npos);
}

TEST_F(KeepaliveCp, TheBranchNamesTheSendingNodeAndAnotherNodesReplyIsNotOurs) {
  register_phone();
  outbox_.take();
  std::vector<Sent> sent;
  for (int step = 0; step < 700 && sent.empty(); ++step) {
    advance(50);
    sent = options_sent();
  }
  ASSERT_EQ(sent.size(), 1u);
  const std::string reply = reply_to(sent[0].payload);
  auto parsed = parse(reply);
  EXPECT_EQ(keepalive_owner(parsed->msg), static_cast<int>(config_.node.id));
  // The same entry id stamped by node 9: an anycast peer's keepalive, not ours.
  const std::size_t at = reply.find(std::string(kKeepaliveBranchPrefix));
  ASSERT_NE(at, std::string::npos);
  std::string foreign = reply;
  for (std::size_t pos = 0; (pos = foreign.find(std::string(kKeepaliveBranchPrefix) + "01", pos)) != std::string::npos;)
    foreign.replace(pos + kKeepaliveBranchPrefix.size(), 2, "09");
  EXPECT_EQ(keepalive_owner(parse(foreign)->msg), 9);
  punt(from_phone(0), foreign);
  EXPECT_EQ(cp_->keepalive().stats().answered, 0u);
  EXPECT_EQ(cp_->keepalive().stats().stray, 1u);
  punt(from_phone(0), reply);
  EXPECT_EQ(cp_->keepalive().stats().answered, 1u);
  auto plain = parse("SIP/2.0 200 OK\r\nVia: SIP/2.0/UDP 198.51.100.20;branch=z9hG4bKother\r\nContent-Length: 0\r\n\r\n");
  EXPECT_EQ(keepalive_owner(plain->msg), -1);
}

TEST_F(KeepaliveCp, ConsecutiveFailuresRemoveTheBinding) {
  register_phone();
  advance(30'100);  // first OPTIONS
  ASSERT_EQ(options_sent().size(), 1u);
  advance(60'000);  // two more, two misses
  EXPECT_EQ(store_->binding_count(), 1u);
  EXPECT_EQ(store_->lookup("alice@example.com")[0].keepalive.consecutive_failures, 2u);
  advance(30'000);  // third miss: removed
  EXPECT_EQ(store_->binding_count(), 0u);
  EXPECT_EQ(cp_->keepalive().stats().removed, 1u);
  EXPECT_EQ(cp_->keepalive().stats().failed, 3u);
  EXPECT_EQ(cp_->keepalive().size(), 0u);
  // The removal is durable: a restart does not bring the binding back.
  stop();
  start();
  EXPECT_EQ(store_->binding_count(), 0u);
}

TEST_F(KeepaliveCp, AnsweredKeepalivesKeepTheBinding) {
  register_phone();
  for (int round = 0; round < 5; ++round) {
    advance(30'000);
    for (const auto& s : options_sent()) {
      punt::Header h = from_phone(0);
      h.flags |= punt::kFlagKeepaliveReply;
      punt(h, reply_to(s.payload));
    }
  }
  EXPECT_EQ(store_->binding_count(), 1u);
  EXPECT_GE(cp_->keepalive().stats().answered, 4u);
  EXPECT_EQ(cp_->keepalive().stats().removed, 0u);
}

TEST_F(KeepaliveCp, NatIsDetectedHereWhenThePuntCarriesNoBits) {
  register_phone({}, 0);  // Via and Contact 192.168.1.20, source 203.0.113.7
  const auto b = store_->lookup("alice@example.com");
  ASSERT_EQ(b.size(), 1u);
  EXPECT_TRUE(b[0].nat);
  EXPECT_NE(b[0].nat_bits & config::kNatContactPrivate, 0u);
  EXPECT_EQ(cp_->keepalive().size(), 1u);
}

TEST_F(KeepaliveCp, BindingsWithoutNatGetNoKeepalives) {
  stop();
  config_.nat.rules.push_back({.prefix = {0xCB007100, 24}, .action = config::NatRuleAction::kNever});
  start();
  register_phone({}, 0x3);
  advance(61'000);
  EXPECT_TRUE(options_sent().empty());
  EXPECT_EQ(cp_->keepalive().size(), 0u);
}

TEST(KeepaliveConstants, MatchTheDataplane) {
  // dataplane/proxy/branch.h: kKeepaliveBranchPrefix / kBranchPrefix.
  EXPECT_EQ(kKeepaliveBranchPrefix, "z9hG4bKsk");
  EXPECT_EQ(kProxyBranchPrefix, "z9hG4bKse");
}

}  // namespace
}  // namespace sipedge::cp::test
