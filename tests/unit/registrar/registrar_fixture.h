#pragma once
// A registrar over a MemoryStore with a fixed clock, for the semantic tests.
#include <gtest/gtest.h>

#include <memory>
#include <string>

#include "registrar/registrar.h"
#include "sip_text.h"
#include "store/memory_store.h"
#include "store/subscriber.h"

namespace sipedge::registrar::test {

inline constexpr std::int64_t kNowMs = 1'700'000'000'000;
inline constexpr std::int64_t kNow = kNowMs / 1000;
inline constexpr std::uint32_t kPhoneIp = 0xC6336407;  // 198.51.100.7
inline constexpr std::uint32_t kVip = 0xCB00710A;      // 203.0.113.10

class RegistrarFixture : public ::testing::Test {
 protected:
  RegistrarFixture() {
    config_.domains = {"example.com"};
    config_.min_expires = 60;
    config_.max_expires = 3600;
    config_.default_expires = 1800;
  }

  Registrar& registrar() {
    if (!registrar_) registrar_ = std::make_unique<Registrar>(config_, store_, &subscribers_, options_);
    return *registrar_;
  }

  // Handles one REGISTER, flushes the store (as the loop turn would) and
  // keeps the parsed response in last_.
  Response send(const RegisterSpec& spec, std::int64_t now_ms = kNowMs) {
    auto request = make_register(spec);
    Response r = registrar().handle(request->msg, source_, now_ms);
    store_.flush();
    last_ = parse(r.text);
    EXPECT_EQ(last_->error, sip::ParseError::ok) << r.text;
    EXPECT_EQ(last_->msg.status_code(), r.status) << r.text;
    return r;
  }

  std::vector<std::string> contacts() const { return header_values(last_->msg, sip::HeaderId::contact); }

  store::MemoryStore store_;
  store::MemorySubscriberStore subscribers_;
  config::RegistrarConfig config_;
  RegistrarOptions options_;
  Source source_{{kPhoneIp, 40000}, {kVip, 5060}, 0x3, true};
  std::unique_ptr<Registrar> registrar_;
  std::unique_ptr<Parsed> last_;
};

}  // namespace sipedge::registrar::test
