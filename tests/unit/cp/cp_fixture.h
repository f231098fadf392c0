#pragma once
// A ControlPlane over a real SQLite file in a temporary directory, a
// capturing Outbox and a hand-driven clock.
#include <gtest/gtest.h>

#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "../registrar/sip_text.h"
#include "cp/control_plane.h"
#include "fixtures/temp_dir.h"
#include "punt/message.h"
#include "store/sqlite_store.h"

namespace sipedge::cp::test {

using registrar::test::RegisterSpec;
using registrar::test::register_text;

inline constexpr std::uint32_t kVip = 0xCB00710A;       // 203.0.113.10
inline constexpr std::uint32_t kInside = 0xC6336401;    // 198.51.100.1 (edge, inside)
inline constexpr std::uint32_t kPhoneIp = 0xCB007107;   // 203.0.113.7 (NAT public address)
inline constexpr std::uint16_t kPhonePort = 40000;
inline constexpr std::uint32_t kServerIp = 0xC6336414;  // 198.51.100.20 (a backend)
inline constexpr std::int64_t kStartMs = 1'700'000'000'000;

struct Sent {
  punt::Header header;
  std::string payload;
};

class CapturingOutbox : public Outbox {
 public:
  bool send(const punt::Header& header, std::string_view payload) override {
    if (!up) return false;
    sent.push_back({header, std::string(payload)});
    return true;
  }
  std::vector<Sent> take() { return std::exchange(sent, {}); }
  std::vector<Sent> sent;
  bool up = true;
};

inline config::Config test_config(const std::string& dir) {
  config::Config c;
  c.node.id = 1;
  c.sip.vips = {kVip};
  c.sip.ports = {5060};
  config::PortConfig outside;
  outside.name = "outside";
  outside.role = config::PortRole::kOutside;
  outside.address = 0xCB007102;
  config::PortConfig inside;
  inside.name = "inside";
  inside.role = config::PortRole::kInside;
  inside.address = kInside;
  c.ports = {outside, inside};
  c.registrar.domains = {"example.com"};
  c.registrar.min_expires = 60;
  c.registrar.max_expires = 3600;
  c.registrar.default_expires = 600;
  c.keepalive.interval_s = 30;
  c.keepalive.failures = 3;
  c.store.sqlite.path = dir + "/location.db";
  c.dataplane.punt_socket = dir + "/punt.sock";
  return c;
}

inline std::vector<std::uint8_t> punt_datagram(const punt::Header& h, std::string_view payload) {
  std::vector<std::uint8_t> out(punt::kHeaderSize + payload.size());
  std::size_t written = 0;
  EXPECT_EQ(punt::encode(h, punt::as_bytes(payload), out, written), punt::PuntError::Ok);
  out.resize(written);
  return out;
}

// A PUNT from the phone (outside, NAT-flagged by default) to the VIP.
inline punt::Header from_phone(std::uint32_t nat_bits = 0x3) {
  return {.type = punt::MessageType::Punt,
          .flags = punt::kFlagOutside,
          .nat_bits = nat_bits,
          .port_id = 0,
          .src_ipv4 = kPhoneIp,
          .dst_ipv4 = kVip,
          .src_port = kPhonePort,
          .dst_port = 5060};
}

using fixtures::TempDir;

class CpFixture : public ::testing::Test {
 protected:
  CpFixture() : config_(test_config(dir_.path())) {}

  void start() {
    store_ = std::make_unique<store::SqliteStore>(store::SqliteOptions{.path = config_.store.sqlite.path});
    cp_ = std::make_unique<ControlPlane>(config_, *store_, subscribers_, outbox_);
    auto loaded = cp_->start(now());
    ASSERT_TRUE(loaded.ok) << loaded.error;
  }
  void stop() {
    cp_.reset();
    store_.reset();
  }

  Now now() const { return {kStartMs + elapsed_ms_, (1'000'000 + elapsed_ms_) * 1000}; }
  void advance(std::int64_t ms) {
    // Step through time as the loop timer would (every 50 ms).
    for (std::int64_t t = 0; t < ms; t += 50) {
      elapsed_ms_ += std::min<std::int64_t>(50, ms - t);
      cp_->tick(now());
      cp_->end_turn(now());
    }
  }

  void advance_clock_only(std::int64_t ms) { elapsed_ms_ += ms; }

  void punt(const punt::Header& h, std::string_view sip) { cp_->on_message(punt_datagram(h, sip), now()); }
  // REGISTER punted and the loop turn ended.
  void register_phone(RegisterSpec spec = {}, std::uint32_t nat_bits = 0x3) {
    punt(from_phone(nat_bits), register_text(spec));
    cp_->end_turn(now());
  }

  TempDir dir_;
  config::Config config_;
  CapturingOutbox outbox_;
  std::unique_ptr<store::SqliteStore> store_;
  std::unique_ptr<ControlPlane> cp_;
  const store::SubscriberStore* subscribers_ = nullptr;  // set before start() when registrar.auth
  std::int64_t elapsed_ms_ = 0;
};

}  // namespace sipedge::cp::test
