// The UAC and UAS against each other over loopback (no proxy between them):
// whole calls, retransmissions when datagrams are lost, timeouts when nobody
// answers. Ports are chosen by the kernel.
#include <arpa/inet.h>
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <thread>

#include "uac.h"
#include "uas.h"
#include "udp_batch.h"

namespace sipedge::loadgen {
namespace {

sockaddr_in loopback(std::uint16_t port) {
  sockaddr_in a = *parse_ipv4_endpoint("127.0.0.1:1");
  a.sin_port = htons(port);
  return a;
}

struct PairRun {
  UacReport uac;
  UasReport uas;
};

PairRun run_pair(UacOptions uac, UasOptions uas) {
  std::atomic<bool> stop_uas{false};
  std::atomic<std::uint16_t> port{0};
  PairRun out;
  std::string uas_error;
  uas.local = loopback(0);
  std::thread server([&] { out.uas = run_uas(uas, stop_uas, uas_error, &port); });
  for (int i = 0; i < 1000 && port == 0 && uas_error.empty(); ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  EXPECT_NE(port.load(), 0) << uas_error;
  uac.local = loopback(0);
  uac.target = loopback(port);
  std::atomic<bool> stop_uac{false};
  std::string uac_error;
  out.uac = run_uac(uac, stop_uac, uac_error);
  EXPECT_TRUE(uac_error.empty()) << uac_error;
  // Let the UAS see the last ACKs before it stops.
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  stop_uas = true;
  server.join();
  return out;
}

TEST(Loopback, WholeCallsAtTheOfferedRate) {
  UacOptions uac;
  uac.rate = 2000;
  uac.calls = 400;
  uac.max_seconds = 20;
  const PairRun r = run_pair(uac, UasOptions{});
  EXPECT_EQ(r.uac.successful, 400u);
  EXPECT_EQ(r.uac.failed, 0u);
  EXPECT_EQ(r.uac.setup_us.size(), 400u);
  EXPECT_EQ(r.uac.retransmissions_invite + r.uac.retransmissions_bye, 0u);
  EXPECT_GT(r.uac.achieved_cps, 1500);
  EXPECT_LT(r.uac.achieved_cps, 2500);
  EXPECT_EQ(r.uas.invites, 400u);
  EXPECT_EQ(r.uas.acks, 400u);
  EXPECT_EQ(r.uas.byes, 400u);
  EXPECT_EQ(r.uas.byes_with_route, 0u);
  EXPECT_EQ(r.uas.retransmissions, 0u);
  // 100, 180, 200 per INVITE and 200 per BYE; the UAC sends INVITE, ACK, BYE.
  EXPECT_EQ(r.uas.datagrams_sent, 400u * 4);
  EXPECT_EQ(r.uac.datagrams_sent, 400u * 3);
  EXPECT_EQ(r.uac.stale_responses + r.uac.foreign_messages + r.uac.parse_errors, 0u);
}

TEST(Loopback, HoldTimeDelaysTheBye) {
  UacOptions uac;
  uac.rate = 500;
  uac.calls = 20;
  uac.hold_ms = 200;
  const auto start = std::chrono::steady_clock::now();
  const PairRun r = run_pair(uac, UasOptions{});
  EXPECT_EQ(r.uac.successful, 20u);
  EXPECT_GE(std::chrono::steady_clock::now() - start, std::chrono::milliseconds(200));
}

TEST(Loopback, LostDatagramsAreRetransmittedOnTheTimers) {
  UacOptions uac;
  uac.rate = 500;
  uac.calls = 200;
  uac.t1_ms = 20;  // short timers keep the test quick
  uac.call_timeout_ms = 3000;
  uac.drop_every = 5;
  // A hold of several T1: the UAS's re-sent 200 for a lost ACK arrives
  // before the BYE ends the dialog (with no hold, the BYE usually came first
  // and the re-sent ACK was a matter of timing).
  uac.hold_ms = 100;
  UasOptions uas;
  uas.t1_ms = 20;
  uas.t2_ms = 80;
  uas.drop_every = 7;
  const PairRun r = run_pair(uac, uas);
  EXPECT_EQ(r.uac.successful, 200u);
  EXPECT_EQ(r.uac.failed, 0u);
  EXPECT_GT(r.uac.dropped_for_test, 0u);
  EXPECT_GT(r.uas.dropped_for_test, 0u);
  // Lost INVITEs and BYEs are sent again by the UAC; lost ACKs make the UAS
  // send its 200 again, and the UAC ACKs each of those.
  EXPECT_GT(r.uac.retransmissions_invite, 0u);
  EXPECT_GT(r.uac.retransmissions_bye, 0u);
  EXPECT_GT(r.uas.retransmissions, 0u);
  EXPECT_GT(r.uac.acks_resent, 0u);
}

TEST(Loopback, CallsNobodyAnswersTimeOut) {
  std::string error;
  std::optional<UdpSocket> silent = UdpSocket::open(loopback(0), error);
  ASSERT_TRUE(silent.has_value()) << error;
  UacOptions uac;
  uac.local = loopback(0);
  uac.target = silent->local();
  uac.rate = 1000;
  uac.calls = 10;
  uac.t1_ms = 20;
  uac.call_timeout_ms = 300;
  std::atomic<bool> stop{false};
  const UacReport r = run_uac(uac, stop, error);
  EXPECT_EQ(r.successful, 0u);
  EXPECT_EQ(r.failed, 10u);
  EXPECT_EQ(r.failed_setup_timeout, 10u);
  // T1 doubling over 300 ms: sends at 0, 20, 60, 140 ms and 300 ms ends it.
  EXPECT_GE(r.retransmissions_invite, 10u * 2);  // a late loop may skip the last
  EXPECT_LE(r.retransmissions_invite, 10u * 3);
}

TEST(Loopback, StopsAtMaxSecondsAndCountsUnfinishedCalls) {
  std::string error;
  std::optional<UdpSocket> silent = UdpSocket::open(loopback(0), error);
  ASSERT_TRUE(silent.has_value()) << error;
  UacOptions uac;
  uac.local = loopback(0);
  uac.target = silent->local();
  uac.rate = 10;
  uac.calls = 1000;
  uac.max_seconds = 1;
  std::atomic<bool> stop{false};
  const UacReport r = run_uac(uac, stop, error);
  EXPECT_LT(r.seconds, 1.5);
  EXPECT_GE(r.placed, 9u);
  EXPECT_LE(r.placed, 12u);
  EXPECT_EQ(r.failed_unfinished, r.placed);
}

}  // namespace
}  // namespace sipedge::loadgen

namespace sipedge::loadgen {
namespace {

TEST(Loopback, CallsWithoutAFreeSlotCountAsFailed) {
  std::string error;
  std::optional<UdpSocket> silent = UdpSocket::open(loopback(0), error);
  ASSERT_TRUE(silent.has_value()) << error;
  UacOptions uac;
  uac.local = loopback(0);
  uac.target = silent->local();
  uac.rate = 1000;
  uac.calls = 10;
  uac.max_outstanding = 2;  // nobody answers: the first two hold their slots
  uac.call_timeout_ms = 500;
  std::atomic<bool> stop{false};
  const UacReport r = run_uac(uac, stop, error);
  EXPECT_EQ(r.placed, 2u);
  EXPECT_EQ(r.failed_table_full, 8u);
  EXPECT_EQ(r.failed_setup_timeout, 2u);
  EXPECT_EQ(r.failed, 10u);
}

}  // namespace
}  // namespace sipedge::loadgen
