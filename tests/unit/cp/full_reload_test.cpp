// A reload applies every sipedge-cp setting that can change at run time,
// once the dataplane reloaded (ControlPlane::stage_config): one test per
// group of keys (registrar, SIP limits, NAT, keepalive, probe), each observed through
// what the control plane does next, not through the config it holds.
#include <gtest/gtest.h>

#include "cp_fixture.h"

namespace sipedge::cp::test {
namespace {

class FullReload : public CpFixture {
 protected:
  // The staged config takes over with the dataplane's RELOAD reply.
  void reload(const config::Config& next, bool dataplane_ok = true) {
    cp_->stage_config(next);
    punt(punt::Header{.type = punt::MessageType::Reload,
                      .flags = static_cast<std::uint16_t>(punt::kFlagReply | (dataplane_ok ? 0 : punt::kFlagFailed)),
                      .cookie = ++generation_},
         "");
  }
  std::vector<Sent> tx_to_phone() {
    std::vector<Sent> out;
    for (auto& s : outbox_.take())
      if (s.header.type == punt::MessageType::Tx && s.header.dst_ipv4 == kPhoneIp) out.push_back(std::move(s));
    return out;
  }
  std::string register_answer(RegisterSpec spec) {
    outbox_.take();
    register_phone(std::move(spec));
    const auto sent = tx_to_phone();
    return sent.empty() ? std::string() : sent.back().payload;
  }
  std::uint64_t generation_ = 1;
};

TEST_F(FullReload, RegistrarExpiryLimitsAndFloodRate) {
  start();
  RegisterSpec spec;
  spec.expires = 3600;
  EXPECT_NE(register_answer(spec).find("expires=3600"), std::string::npos);

  config::Config next = config_;
  next.registrar.max_expires = 900;
  next.registrar.default_expires = 900;
  next.registrar.flood_rate = 1;  // burst 2
  reload(next, false);
  spec.cseq = 2;
  EXPECT_NE(register_answer(spec).find("expires=3600"), std::string::npos) << "a refused reload changes nothing";

  reload(next);
  spec.cseq = 3;
  EXPECT_NE(register_answer(spec).find("expires=900"), std::string::npos) << "the new max_expires caps it";
  for (std::uint32_t i = 0; i < 5; ++i) {
    spec.cseq = 10 + i;
    register_phone(spec);
  }
  EXPECT_GE(cp_->counters().get(Counter::register_flood), 3u) << "the new flood_rate limits the source";
}

TEST_F(FullReload, SipLimitsApplyToWhatTheControlPlaneParses) {
  start();
  RegisterSpec spec;
  for (int i = 0; i < 12; ++i) spec.extra.push_back("X-Filler-" + std::to_string(i) + ": " + std::string(40, 'f'));
  EXPECT_NE(register_answer(spec).find("SIP/2.0 200 "), std::string::npos) << "19 header lines fit the default limits";
  const auto bad_before = cp_->counters().get(Counter::punts_bad);

  config::Config next = config_;
  next.sip.limits.max_headers = 10;
  reload(next);
  spec.cseq = 2;
  EXPECT_EQ(register_answer(spec), "") << "over the new max_headers: not parsed, not answered";
  EXPECT_EQ(cp_->counters().get(Counter::punts_bad), bad_before + 1);

  next.sip.limits.max_headers = config_.sip.limits.max_headers;
  reload(next);
  spec.cseq = 3;
  EXPECT_NE(register_answer(spec).find("SIP/2.0 200 "), std::string::npos);
}

TEST_F(FullReload, NatFix) {
  start();
  RegisterSpec invite;
  invite.method = "INVITE";
  invite.to = "sip:bob@example.net";
  punt(from_phone(), register_text(invite));
  EXPECT_EQ(cp_->counters().get(Counter::nat_fixed), 1u);

  config::Config next = config_;
  next.nat.fix = false;
  reload(next);
  invite.cseq = 2;
  punt(from_phone(), register_text(invite));
  EXPECT_EQ(cp_->counters().get(Counter::nat_fixed), 1u);
  EXPECT_EQ(cp_->counters().get(Counter::nat_dispatched), 1u) << "handed back unchanged with nat.fix off";
}

TEST_F(FullReload, KeepaliveIntervalIsRespreadAndMethodApplies) {
  start();
  register_phone();  // NAT-flagged: kept alive every 30 s
  ASSERT_EQ(cp_->keepalive().size(), 1u);
  EXPECT_EQ(cp_->keepalive().slot_count(), 300u);

  config::Config next = config_;
  next.keepalive.interval_s = 10;
  reload(next);
  EXPECT_EQ(cp_->keepalive().slot_count(), 100u) << "one slot per tick over the new interval";
  EXPECT_EQ(cp_->keepalive().size(), 1u);
  std::size_t in_slots = 0;
  for (std::size_t i = 0; i < cp_->keepalive().slot_count(); ++i) in_slots += cp_->keepalive().slot_load(i);
  EXPECT_EQ(in_slots, 1u) << "every binding placed once on the new wheel";
  outbox_.take();
  advance(10'000);
  std::size_t keepalives = 0;
  for (const auto& s : tx_to_phone()) keepalives += s.payload.starts_with("OPTIONS ") ? 1 : 0;
  EXPECT_EQ(keepalives, 1u) << "one keepalive per new interval";
  advance(10'000);
  keepalives = 0;
  for (const auto& s : tx_to_phone()) keepalives += s.payload.starts_with("OPTIONS ") ? 1 : 0;
  EXPECT_EQ(keepalives, 1u);

  next.keepalive.method = config::KeepaliveMethod::kOff;
  reload(next);
  EXPECT_EQ(cp_->keepalive().size(), 0u);
  next.keepalive.method = config::KeepaliveMethod::kCrlf;
  reload(next);
  EXPECT_EQ(cp_->keepalive().size(), 1u) << "bindings come back from the store";
  outbox_.take();
  advance(10'000);
  const auto sent = tx_to_phone();
  ASSERT_EQ(sent.size(), 1u);
  EXPECT_EQ(sent[0].payload, "\r\n\r\n");
}

TEST_F(FullReload, ProbeTimersAndThresholds) {
  config::SetConfig pool;
  pool.name = "pool";
  pool.id = 1;
  config::DestinationConfig d;
  d.uri = "sip:198.51.100.21:5060";
  d.address = 0xC6336415;
  pool.destinations = {d};
  config_.sets = {pool};
  config_.probe.interval_s = 1;
  config_.probe.timeout_ms = 300;
  config_.probe.failures_down = 10;
  start();
  const auto probes_in = [&](std::int64_t ms) {
    outbox_.take();
    advance(ms);
    std::size_t n = 0;
    for (const auto& s : outbox_.take()) n += s.payload.starts_with("OPTIONS sip:198.51.100.21") ? 1 : 0;
    return n;
  };
  EXPECT_EQ(probes_in(5000), 5u);
  EXPECT_TRUE(cp_->probe().destinations()[0].probe_up) << "5 failures < failures_down 10";

  config::Config next = config_;
  next.probe.interval_s = 5;
  next.probe.failures_down = 2;
  reload(next);
  EXPECT_LE(probes_in(5000), 2u) << "the new interval";
  EXPECT_FALSE(cp_->probe().destinations()[0].probe_up) << "the new threshold judged the next failure";
  EXPECT_EQ(probes_in(10'000), 2u);
}

}  // namespace
}  // namespace sipedge::cp::test
