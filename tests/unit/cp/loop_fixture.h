#pragma once
// The shared fixture of the tests that drive sipedge-cp's whole event loop:
// test_config() in a temporary directory, an in-memory location store, the
// Loop running on its own thread with HTTP on an ephemeral loopback port, and
// a fake dataplane that the loop has connected to.
#include <gtest/gtest.h>

#include <cstdint>
#include <memory>
#include <string>
#include <thread>

#include "cp/loop.h"
#include "cp_fixture.h"
#include "fake_dataplane.h"
#include "running_loop.h"
#include "store/memory_store.h"

namespace sipedge::cp::test {

class LoopFixture : public ::testing::Test {
 protected:
  LoopFixture() : config_(test_config(dir_.path())) {}

  // Starts the loop on config_ and waits for it to connect to the fake
  // dataplane. `subscribers` and `config_path` are Loop's.
  void start_loop(store::SubscriberStore* subscribers = nullptr, const std::string& config_path = {},
                  RunningLoop::ReloadFd reload = RunningLoop::ReloadFd::none) {
    loop_ = std::make_unique<Loop>(config_, store_, subscribers, config::ListenAddress{0x7F000001, 0}, config_path);
    dp_ = std::make_unique<FakeDataplane>(config_.dataplane.punt_socket);
    running_ = std::make_unique<RunningLoop>(*loop_, reload);
    ASSERT_TRUE(dp_->accept(6000));
  }
  // The loop goes here, before any store a derived fixture owns and lent it.
  void TearDown() override {
    if (running_) {
      EXPECT_EQ(running_->stop(), 0);
    }
    running_.reset();
    loop_.reset();
  }
  std::uint16_t port() const { return loop_->http_port(); }

  // Sends `request` (a POST /api/reload), answers the RELOAD the loop sends
  // the dataplane with `reply_flags` and generation `cookie`, and returns the
  // HTTP answer. A reload the loop refuses itself never reaches the dataplane.
  std::string reload_answered_by_dataplane(const std::string& request, std::uint16_t reply_flags, std::uint64_t cookie) {
    std::string response;
    std::thread client([&] { response = http_raw(port(), request, 4000); });
    const auto req = dp_->recv(3000);
    if (req) {
      EXPECT_EQ(req->header.type, punt::MessageType::Reload);
      if (req->header.type == punt::MessageType::Reload)
        dp_->send({.type = punt::MessageType::Reload, .flags = reply_flags, .cookie = cookie}, "");
    }
    client.join();
    return response;
  }

  TempDir dir_;
  config::Config config_;
  store::MemoryStore store_;
  std::unique_ptr<Loop> loop_;
  std::unique_ptr<FakeDataplane> dp_;
  std::unique_ptr<RunningLoop> running_;  // declared last: stopped before the loop and dataplane go
};

}  // namespace sipedge::cp::test
