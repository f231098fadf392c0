// The BIRD control-socket client and the guardian against a real bird2
// (Debian's bird2; the tests skip without /usr/sbin/bird). Each test starts
// its own bird in the foreground in a temp dir, with only a static protocol
// holding the VIP route, so no network is involved; what BIRD did is read
// back with "show protocols" / "show route" over the same socket.
#include <gtest/gtest.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <thread>

#include "bird_daemon.h"
#include "cp/bird_client.h"
#include "cp/guardian.h"
#include "cp_fixture.h"

namespace sipedge::cp::test {
namespace {

// Runs the client's loop (as sipedge-cp's epoll would) until `done` or the timeout.
template <class Done>
bool drive(BirdClient& client, Done done, int timeout_ms) {
  const std::int64_t until = now_us() + std::int64_t{timeout_ms} * 1000;
  while (now_us() < until) {
    client.tick(now_us());
    if (client.fd() >= 0) {
      pollfd p{client.fd(), POLLIN, 0};
      if (::poll(&p, 1, 20) > 0) client.on_events(static_cast<std::uint32_t>(p.revents), now_us());
    } else {
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    if (done()) return true;
  }
  return false;
}

class Bird : public ::testing::Test {
 protected:
  void SetUp() override {
    if (::access(kBird, X_OK) != 0) GTEST_SKIP() << "bird2 is not installed (scripts/install-deps.sh)";
    bird_ = std::make_unique<BirdDaemon>(dir_.path());
    ASSERT_TRUE(bird_->start()) << "bird did not come up";
    ASSERT_EQ(bird_->protocol_state(), "down") << "the VIP protocol starts disabled";
  }
  TempDir dir_;
  std::unique_ptr<BirdDaemon> bird_;
};

TEST(BirdReply, EndsAtTheFirstCodeSpaceLine) {
  EXPECT_EQ(bird_reply_end("0001 BIRD 2.0.12 ready.\n"), 24u);
  EXPECT_EQ(bird_reply_end("0009-sipedge_vip: disabled\n"), 0u);
  EXPECT_EQ(bird_reply_end("0009-sipedge_vip: disabled\n0000 \nrest"), 33u);
  EXPECT_EQ(bird_reply_end("1007-Table master4:\n 203.0.113.10/32 blackhole\n0000 \n"), 53u);
  EXPECT_EQ(bird_reply_end("9001 syntax error\n"), 18u);
  EXPECT_EQ(bird_reply_end("0000"), 0u) << "no newline yet";
}

TEST_F(Bird, ClientEnablesAndDisablesTheProtocol) {
  BirdClient client(bird_->socket(), "sipedge_vip", [](int, std::uint32_t) {});
  client.set_enabled(true, now_us());
  ASSERT_TRUE(drive(client, [&] { return client.confirmed() == true; }, 3000)) << client.last_error();
  EXPECT_EQ(bird_->protocol_state(), "up");
  EXPECT_TRUE(bird_->has_route());
  client.set_enabled(false, now_us());
  ASSERT_TRUE(drive(client, [&] { return client.confirmed() == false; }, 3000)) << client.last_error();
  EXPECT_EQ(bird_->protocol_state(), "down");
  EXPECT_FALSE(bird_->has_route());
  EXPECT_EQ(client.stats().errors, 0u);
  EXPECT_EQ(client.stats().connects, 1u);
}

TEST_F(Bird, ClientReassertsAfterBirdRestartsAndAfterAnOperatorChange) {
  BirdClient client(bird_->socket(), "sipedge_vip", [](int, std::uint32_t) {});
  client.set_enabled(true, now_us());
  ASSERT_TRUE(drive(client, [&] { return client.confirmed() == true; }, 3000));
  // Someone disables it behind our back (birdc, or the guardian): re-asserted.
  ASSERT_TRUE(bird_command(bird_->socket(), "disable sipedge_vip", 500));
  ASSERT_EQ(bird_->protocol_state(), "down");
  EXPECT_TRUE(drive(client, [&] { return bird_->protocol_state() == "up"; }, static_cast<int>(kReassertUs / 1000) + 1500));

  // BIRD restarts with its config's "disabled": the reconnecting client enables it again.
  bird_->stop();
  ASSERT_TRUE(bird_->start());
  ASSERT_EQ(bird_->protocol_state(), "down");
  EXPECT_TRUE(drive(client, [&] { return client.connected() && bird_->has_route(); }, 6000)) << client.last_error();
  EXPECT_GE(client.stats().connects, 2u);
}

TEST_F(Bird, ClientReportsAnUnknownProtocolAndKeepsRunning) {
  BirdClient client(bird_->socket(), "no_such_protocol", [](int, std::uint32_t) {});
  client.set_enabled(true, now_us());
  EXPECT_TRUE(drive(client, [&] { return client.stats().errors > 0; }, 3000));
  EXPECT_FALSE(client.confirmed().has_value());
  EXPECT_NE(client.last_error().find("no_such_protocol"), std::string::npos) << client.last_error();
  EXPECT_TRUE(client.connected());
}

TEST_F(Bird, GuardianWithdrawsWithinASecondOfSigkill) {
  int ready[2];
  ASSERT_EQ(::pipe(ready), 0);
  const pid_t cp = ::fork();
  ASSERT_GE(cp, 0);
  if (cp == 0) {  // stands in for sipedge-cp: announces, keeps its guardian fed, until killed
    ::close(ready[0]);
    Guardian guardian;
    if (!guardian.spawn(bird_->socket(), "sipedge_vip", 500)) ::_exit(1);
    if (!bird_command(bird_->socket(), "enable sipedge_vip", 1000)) ::_exit(1);
    const char ok = 'r';
    [[maybe_unused]] const auto w = ::write(ready[1], &ok, 1);
    for (;;) {
      guardian.heartbeat(now_us());
      ::usleep(20'000);
    }
  }
  ::close(ready[1]);
  char c = 0;
  ASSERT_EQ(::read(ready[0], &c, 1), 1);
  ::close(ready[0]);
  ASSERT_TRUE(bird_->has_route());
  std::this_thread::sleep_for(std::chrono::milliseconds(700));
  EXPECT_TRUE(bird_->has_route()) << "a fed guardian leaves the route alone";

  ::kill(cp, SIGKILL);
  ::waitpid(cp, nullptr, 0);
  const long ms = wait_for([&] { return !bird_->has_route(); }, 3000);
  ASSERT_GE(ms, 0) << "route still announced 3 s after sipedge-cp died";
  EXPECT_LT(ms, 1000);
  std::printf("guardian: route gone %ld ms after SIGKILL\n", ms);
}

TEST_F(Bird, GuardianWithdrawsWhenTheHeartbeatStops) {
  ASSERT_TRUE(bird_command(bird_->socket(), "enable sipedge_vip", 1000));
  {
    Guardian guardian;
    ASSERT_TRUE(guardian.spawn(bird_->socket(), "sipedge_vip", 300));
    const std::int64_t fed_until = now_us() + 900'000;
    while (now_us() < fed_until) {
      guardian.heartbeat(now_us());
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    EXPECT_TRUE(bird_->has_route()) << "fed for 0.9 s with a 0.3 s timeout";
    const long ms = wait_for([&] { return !bird_->has_route(); }, 3000);  // no heartbeat from here on
    ASSERT_GE(ms, 0);
    EXPECT_LT(ms, 1000);
    EXPECT_TRUE(guardian.alive()) << "a stall is not a death: it keeps watching";
    // The loop runs again and re-announces; the guardian lets it.
    ASSERT_TRUE(bird_command(bird_->socket(), "enable sipedge_vip", 1000));
    guardian.heartbeat(now_us() + kHeartbeatEveryUs);
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    guardian.heartbeat(now_us() + 2 * kHeartbeatEveryUs);
    EXPECT_TRUE(bird_->has_route());
  }  // destroyed: the pipe closes, the guardian withdraws and exits
  EXPECT_GE(wait_for([&] { return !bird_->has_route(); }, 2000), 0);
}

}  // namespace
}  // namespace sipedge::cp::test
